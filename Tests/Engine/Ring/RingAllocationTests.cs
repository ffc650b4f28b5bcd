using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

/// <summary>Proves the hot path allocates nothing: 1,000,000 events published and consumed after warm-up, with the
/// allocation counters of the producer thread and of the processor thread (read inside the handler and around Run).</summary>
public class RingAllocationTests
{
    private const long Warmup = 100_000;
    private const long Measured = 1_000_000;

    private struct AllocationProbeHandler : IEventHandler<TestEvent>
    {
        public long Count;
        public long Sum;
        public long AllocatedAtWarmup;
        public long AllocatedAtEnd;

        public void OnEvent(ref TestEvent data, long sequence, bool endOfBatch)
        {
            Sum += data.Value;
            Count++;
            if (Count == Warmup)
                AllocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
            else if (Count == Warmup + Measured)
                AllocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
        }

        public void OnBatchStart(long batchSize, long firstSequence)
        {
        }
    }

    [Theory]
    [InlineData(ProducerType.Single, WaitStrategyKind.Yielding)]
    [InlineData(ProducerType.Multi, WaitStrategyKind.Yielding)]
    [InlineData(ProducerType.Single, WaitStrategyKind.Blocking)]
    public void PublishAndConsume_MillionEventsAfterWarmup_AllocateZeroBytes(ProducerType producerType, WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(1024, producerType, WaitStrategyFactory.Create(kind));
        var processor = new BatchEventProcessor<TestEvent, AllocationProbeHandler>(ring, ring.NewBarrier(), default);
        ring.AddGatingSequences(processor.Sequence);
        processor.StartThread("alloc-probe");

        long producerAllocated = -1;
        RingTestSupport.RunWithTimeout(() =>
        {
            PublishValues(ring, 0, Warmup);
            long before = GC.GetAllocatedBytesForCurrentThread();
            PublishValues(ring, Warmup, Warmup + Measured);
            producerAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, "producer");

        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
        ref var handler = ref processor.Handler;
        Assert.Equal(Warmup + Measured, handler.Count);
        Assert.Equal((Warmup + Measured) * (Warmup + Measured - 1) / 2, handler.Sum);
        Assert.Equal(0, producerAllocated);
        Assert.Equal(0, handler.AllocatedAtEnd - handler.AllocatedAtWarmup);
        Assert.Equal(0, processor.AllocatedBytesDuringRun);
    }

    private static void PublishValues(RingBuffer<TestEvent> ring, long from, long to)
    {
        for (long value = from; value < to; value++)
        {
            long sequence = ring.Next();
            ring[sequence].Value = value;
            ring.Publish(sequence);
        }
    }
}
