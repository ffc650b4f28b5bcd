using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class FusedHandlerTests
{
    [Fact]
    public void Fused_RunsHandlersInOrderOnOneThread_EachSeesEveryEvent()
    {
        const int count = 2_000;
        var ring = new RingBuffer<TestEvent>(64);
        var fused = new FusedHandler<TestEvent, RecordingHandler, RecordingHandler, RecordingHandler>(
            new RecordingHandler(count, stage: 0),
            new RecordingHandler(count, stage: 1, requiredMarks: 0b1),
            new RecordingHandler(count, stage: 2, requiredMarks: 0b11));
        var processor = new BatchEventProcessor<TestEvent, FusedHandler<TestEvent, RecordingHandler, RecordingHandler, RecordingHandler>>(
            ring, ring.NewBarrier(), fused);
        ring.AddGatingSequences(processor.Sequence);
        processor.StartThread();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(ring, 0, count, batch: 5), "producer");
        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));

        ref var handler = ref processor.Handler;
        foreach (var inner in new[] { handler.First, handler.Second, handler.Third })
        {
            Assert.Equal(count, inner.Count);
            Assert.Equal(0, inner.GatingViolations);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), inner.Values);
            Assert.Equal(inner.BatchStarts, inner.EndOfBatchCount);
        }
    }

    [Fact]
    public void Fused_FirstThrows_SecondSkipsThatEvent()
    {
        var ring = new RingBuffer<TestEvent>(16);
        var policy = new SkipAndCountExceptionHandler<TestEvent>();
        var processor = new BatchEventProcessor<TestEvent, FusedHandler<TestEvent, ThrowingHandler, SumHandler>>(
            ring, ring.NewBarrier(), new(new ThrowingHandler { FailEvery = 5, FailOffset = 0 }, default), policy);
        RingTestSupport.Publish(ring, 0, 10);
        processor.Halt();
        RingTestSupport.RunWithTimeout(processor.Run, "processor");
        Assert.Equal(2, policy.FailureCount);
        Assert.Equal(8, processor.Handler.Second.Count);
        Assert.Equal(45 - 0 - 5, processor.Handler.Second.Sum);
    }
}
