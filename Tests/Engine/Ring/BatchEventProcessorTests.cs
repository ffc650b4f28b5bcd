using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class BatchEventProcessorTests
{
    private static (RingBuffer<TestEvent> Ring, BatchEventProcessor<TestEvent, THandler> Processor) Create<THandler>(
        THandler handler, int size = 64, IExceptionHandler<TestEvent>? exceptionHandler = null, WaitStrategyKind kind = WaitStrategyKind.Yielding)
        where THandler : struct, IEventHandler<TestEvent>
    {
        var ring = new RingBuffer<TestEvent>(size, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var processor = new BatchEventProcessor<TestEvent, THandler>(ring, ring.NewBarrier(), handler, exceptionHandler);
        ring.AddGatingSequences(processor.Sequence);
        return (ring, processor);
    }

    [Fact]
    public void Run_PublishedEvents_HandledOnceInOrder_WithBatchFlags()
    {
        const int count = 5_000;
        var (ring, processor) = Create(new RecordingHandler(count));
        processor.StartThread();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(ring, 0, count, batch: 3), "producer");
        RingTestSupport.WaitForSequence(processor.Sequence, count - 1);
        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));

        ref var handler = ref processor.Handler;
        Assert.Equal(count, handler.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, handler.Sequences[i]);
            Assert.Equal(i, handler.Values[i]);
        }

        // Every batch ends with exactly one endOfBatch and starts with exactly one OnBatchStart.
        Assert.Equal(handler.BatchStarts, handler.EndOfBatchCount);
        Assert.InRange(handler.BatchStarts, 1, count);
    }

    [Theory]
    [InlineData(WaitStrategyKind.Yielding)]
    [InlineData(WaitStrategyKind.Blocking)]
    [InlineData(WaitStrategyKind.Sleeping)]
    [InlineData(WaitStrategyKind.BusySpin)]
    public void Halt_RightAfterPublishing_DrainsEverythingPublished(WaitStrategyKind kind)
    {
        const int count = 20_000;
        var (ring, processor) = Create(new SumHandler(), size: 1024, kind: kind);
        processor.StartThread();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(ring, 0, count, batch: 16), "producer");

        // No waiting for the consumer: Halt itself must drain what is published.
        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
        Assert.Equal(count, processor.Handler.Count);
        Assert.Equal((long)count * (count - 1) / 2, processor.Handler.Sum);
        Assert.Equal(count - 1, processor.Sequence.Value);
        Assert.False(processor.IsRunning);
    }

    [Fact]
    public void Halt_BeforeRun_RunDrainsAvailableAndReturns()
    {
        var (ring, processor) = Create(new SumHandler());
        RingTestSupport.Publish(ring, 0, 10);
        processor.Halt();
        RingTestSupport.RunWithTimeout(processor.Run, "processor");
        Assert.Equal(10, processor.Handler.Count);
    }

    [Fact]
    public void Run_SecondConcurrentRun_Throws()
    {
        var (_, processor) = Create(new SumHandler());
        processor.StartThread();
        var deadline = DateTime.UtcNow + RingTestSupport.Timeout;
        while (!processor.IsRunning && DateTime.UtcNow < deadline)
            Thread.Sleep(1);
        Assert.Throws<InvalidOperationException>(processor.Run);
        Assert.Throws<InvalidOperationException>(() => processor.StartThread());
        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
    }

    [Fact]
    public void Run_AfterHalt_CanRunAgainFromWhereItStopped()
    {
        var (ring, processor) = Create(new RecordingHandler(100));
        RingTestSupport.Publish(ring, 0, 10);
        processor.Halt();
        RingTestSupport.RunWithTimeout(processor.Run, "first run");
        RingTestSupport.Publish(ring, 0, 5);
        processor.Halt();
        RingTestSupport.RunWithTimeout(processor.Run, "second run");
        Assert.Equal(15, processor.Handler.Count);
        Assert.Equal(14, processor.Handler.Sequences[14]);
    }

    [Fact]
    public void DefaultExceptionPolicy_SkipsCountsAndContinues()
    {
        const int count = 1_000;
        var policy = new SkipAndCountExceptionHandler<TestEvent>();
        var (ring, processor) = Create(new ThrowingHandler { FailEvery = 10, FailOffset = 3 }, exceptionHandler: policy);

        // A second stage proves skipped events still flow downstream (the pipeline does not stall).
        var follower = new BatchEventProcessor<TestEvent, SumHandler>(ring, ring.NewBarrier(processor.Sequence), default);
        ring.AddGatingSequences(follower.Sequence);
        processor.StartThread();
        follower.StartThread();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(ring, 0, count, batch: 7), "producer");
        RingTestSupport.WaitForSequence(follower.Sequence, count - 1);
        processor.Halt();
        follower.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
        Assert.True(follower.WaitUntilStopped(RingTestSupport.Timeout));

        Assert.Equal(100, policy.FailureCount);
        Assert.Equal(993, policy.LastFailedSequence);
        Assert.IsType<InvalidOperationException>(policy.LastException);
        Assert.Equal("bad event 993", policy.LastException!.Message);
        Assert.Equal(900, processor.Handler.Handled);
        Assert.Equal(count, follower.Handler.Count);
        Assert.False(processor.IsFaulted);
    }

    [Fact]
    public void HaltOnExceptionPolicy_StopsAtFailedEvent()
    {
        var policy = new HaltOnExceptionHandler<TestEvent>();
        var (ring, processor) = Create(new ThrowingHandler { FailEvery = 1_000_000, FailOffset = 42 }, exceptionHandler: policy);
        var follower = new BatchEventProcessor<TestEvent, RecordingHandler>(ring, ring.NewBarrier(processor.Sequence), new RecordingHandler(100));
        ring.AddGatingSequences(follower.Sequence);
        processor.StartThread();
        follower.StartThread();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(ring, 0, 60), "producer");

        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout), "processor did not halt on the exception");
        Assert.True(processor.IsFaulted);
        Assert.Equal(1, policy.FailureCount);
        Assert.Equal(42, policy.LastFailedSequence);
        Assert.Equal(41, processor.Sequence.Value);
        Assert.Equal(42, processor.Handler.Handled);

        RingTestSupport.WaitForSequence(follower.Sequence, 41);
        follower.Halt();
        Assert.True(follower.WaitUntilStopped(RingTestSupport.Timeout));
        Assert.Equal(42, follower.Handler.Count); // never saw 42 or later
    }

    [Fact]
    public void Handler_IsReturnedByReference()
    {
        var (_, processor) = Create(new SumHandler());
        processor.Handler.Sum = 7;
        ref var handler = ref processor.Handler;
        handler.Sum++;
        Assert.Equal(8, processor.Handler.Sum);
    }

    [Fact]
    public void StartThread_WithCpu_PinsOrReportsWhy()
    {
        var (_, processor) = Create(new SumHandler());
        processor.StartThread("pinned", cpu: 0);
        processor.Halt();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
        if (OperatingSystem.IsLinux())
            Assert.Null(processor.PinError);
        else
            Assert.NotNull(processor.PinError);
    }

    private struct LifecycleHandler : IEventHandler<TestEvent>
    {
        public int Starts;
        public int Shutdowns;
        public int Events;

        public void OnEvent(ref TestEvent data, long sequence, bool endOfBatch) => Events++;

        public void OnStart() => Starts++;

        public void OnShutdown() => Shutdowns++;
    }

    [Fact]
    public void Lifecycle_StartAndShutdown_CalledOnceOnTheHandlerItself()
    {
        var (ring, processor) = Create(new LifecycleHandler());
        RingTestSupport.Publish(ring, 0, 3);
        processor.Halt();
        RingTestSupport.RunWithTimeout(processor.Run, "processor");
        Assert.Equal(1, processor.Handler.Starts);
        Assert.Equal(1, processor.Handler.Shutdowns);
        Assert.Equal(3, processor.Handler.Events);
    }

    [Fact]
    public void Traits_DetectBatchStartOverride()
    {
        Assert.True(EventHandlerTraits<TestEvent, RecordingHandler>.HasBatchStart);
        Assert.False(EventHandlerTraits<TestEvent, SumHandler>.HasBatchStart);
    }
}
