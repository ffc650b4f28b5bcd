using FastEngine.Ring;
using FastEngine.Ring.Dsl;

namespace FastEngine.Tests.Engine.Ring.Dsl;

public class DisruptorTests
{
    [Fact]
    public void Diamond_TwoParallelThenOne_LastSeesEveryEventAfterBoth()
    {
        const int count = 3_000;
        using var disruptor = new Disruptor<TestEvent>(64);
        var a = disruptor.HandleEventsWith(new RecordingHandler(count, stage: 0));
        var b = disruptor.HandleEventsWith(new RecordingHandler(count, stage: 1), new StageOptions(WaitStrategyKind.Blocking));
        var c = a.And(b).Then(new RecordingHandler(count, stage: 2, requiredMarks: 0b11), new StageOptions(WaitStrategyKind.Sleeping));
        disruptor.Start();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(disruptor.RingBuffer, 0, count, batch: 4), "producer");
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));

        foreach (var group in new[] { a, b, c })
        {
            ref var handler = ref group.Processor<RecordingHandler>().Handler;
            Assert.Equal(count, handler.Count);
            Assert.Equal(0, handler.GatingViolations);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), handler.Values);
        }

        // Only the end of the chain gates the producer: after the run it is the last stage's sequence.
        Assert.Equal(count - 1, disruptor.RingBuffer.GetMinimumGatingSequence());
    }

    [Fact]
    public void Then_Chain_EachStageAfterThePrevious_PerStageOptions()
    {
        const int count = 2_000;
        using var disruptor = new Disruptor<TestEvent>(32, ProducerType.Multi);
        var s0 = disruptor.HandleEventsWith(new RecordingHandler(count * 2, stage: 0), new StageOptions(WaitStrategyKind.Yielding, Cpu: 0, ThreadName: "s0"));
        var s1 = s0.Then(new RecordingHandler(count * 2, stage: 1, requiredMarks: 0b1), new StageOptions(WaitStrategyKind.Blocking));
        var s2 = s1.Then(new RecordingHandler(count * 2, stage: 2, requiredMarks: 0b11));
        disruptor.Start();
        var p0 = new Thread(() => RingTestSupport.Publish(disruptor.RingBuffer, 0, count)) { IsBackground = true };
        var p1 = new Thread(() => RingTestSupport.Publish(disruptor.RingBuffer, 1, count, batch: 3)) { IsBackground = true };
        p0.Start();
        p1.Start();
        Assert.True(p0.Join(RingTestSupport.Timeout) && p1.Join(RingTestSupport.Timeout));
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));

        foreach (var stage in new[] { s0, s1, s2 })
        {
            var processor = stage.Processor<RecordingHandler>();
            Assert.Equal(2 * count, processor.Handler.Count);
            Assert.Equal(0, processor.Handler.GatingViolations);
        }

        Assert.Null(s0.Processor<RecordingHandler>().PinError is { } error && OperatingSystem.IsLinux() ? error : null);
    }

    [Fact]
    public void Halt_ImmediatelyAfterPublishing_DrainsEveryStage()
    {
        const int count = 50_000;
        using var disruptor = new Disruptor<TestEvent>(256);
        var first = disruptor.HandleEventsWith(new SumHandler());
        var second = first.Then(new SumHandler());
        disruptor.Start();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(disruptor.RingBuffer, 0, count, batch: 8), "producer");
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));
        long expected = (long)count * (count - 1) / 2;
        Assert.Equal(expected, first.Processor<SumHandler>().Handler.Sum);
        Assert.Equal(expected, second.Processor<SumHandler>().Handler.Sum);
        Assert.False(disruptor.IsStarted);
    }

    [Fact]
    public void ExceptionPolicyHalt_FromOptions_FaultsTheStage()
    {
        using var disruptor = new Disruptor<TestEvent>(16);
        var stage = disruptor.HandleEventsWith(
            new ThrowingHandler { FailEvery = 100, FailOffset = 5 },
            new StageOptions(ExceptionPolicy: ExceptionPolicy.Halt));
        disruptor.Start();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(disruptor.RingBuffer, 0, 10), "producer");
        var processor = stage.Processor<ThrowingHandler>();
        Assert.True(processor.WaitUntilStopped(RingTestSupport.Timeout));
        Assert.True(processor.IsFaulted);
        Assert.Equal(5, ((HaltOnExceptionHandler<TestEvent>)processor.ExceptionHandler).LastFailedSequence);
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));
    }

    [Fact]
    public void Lifecycle_Misuse_IsRejected()
    {
        using var empty = new Disruptor<TestEvent>(8);
        Assert.Throws<InvalidOperationException>(empty.Start);

        using var disruptor = new Disruptor<TestEvent>(8);
        disruptor.HandleEventsWith(new SumHandler());
        disruptor.Start();
        Assert.Throws<InvalidOperationException>(disruptor.Start);
        Assert.Throws<InvalidOperationException>(() => disruptor.HandleEventsWith(new SumHandler()));
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));
        Assert.True(disruptor.Halt(RingTestSupport.Timeout)); // second halt is a no-op
    }

    [Fact]
    public void Constructor_NotPowerOfTwo_Throws() =>
        Assert.Throws<ArgumentException>(() => new Disruptor<TestEvent>(100));

    [Fact]
    public void WaitStrategyInstance_FromOptions_IsTheStagesAndTheRingsStrategy()
    {
        const int count = 1_000;
        var counting = new CountingWaitStrategy();
        var options = new StageOptions(WaitStrategyKind.Yielding) { WaitStrategyInstance = counting };
        using var disruptor = new Disruptor<TestEvent>(64, ProducerType.Single, options);
        var stage = disruptor.HandleEventsWith(new RecordingHandler(count, stage: 0), options);
        disruptor.Start();
        RingTestSupport.RunWithTimeout(() => RingTestSupport.Publish(disruptor.RingBuffer, 0, count), "producer");
        Assert.True(disruptor.Halt(RingTestSupport.Timeout));

        Assert.Same(counting, disruptor.RingBuffer.Sequencer.WaitStrategy);
        Assert.Same(counting, stage.Processor<RecordingHandler>().Barrier.WaitStrategy);
        Assert.True(counting.Calls > 0, "the stage never waited through the given instance");
        Assert.Equal(count, stage.Processor<RecordingHandler>().Handler.Count);
        // Without an instance each stage gets a new strategy of the configured kind.
        using var plain = new Disruptor<TestEvent>(64);
        var other = plain.HandleEventsWith(new RecordingHandler(count, stage: 0), new StageOptions(WaitStrategyKind.BusySpin));
        Assert.IsType<BusySpinWaitStrategy>(other.Processor<RecordingHandler>().Barrier.WaitStrategy);
    }

    private sealed class CountingWaitStrategy : IWaitStrategy
    {
        private readonly YieldingWaitStrategy _inner = new();
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
        {
            Interlocked.Increment(ref _calls);
            return _inner.WaitFor(sequence, cursor, dependents, barrier);
        }

        public void SignalAllWhenBlocking() => _inner.SignalAllWhenBlocking();

        public bool IsBlockingStrategy => false;
    }
}
