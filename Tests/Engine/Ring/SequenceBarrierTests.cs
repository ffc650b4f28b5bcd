using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class SequenceBarrierTests
{
    public static TheoryData<WaitStrategyKind> Kinds => new()
    {
        WaitStrategyKind.BusySpin, WaitStrategyKind.Yielding, WaitStrategyKind.Sleeping, WaitStrategyKind.Blocking,
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WaitFor_PublishedAhead_ReturnsHighestAvailable(WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var barrier = ring.NewBarrier();
        ring.Publish(ring.Next(5));
        var result = barrier.WaitFor(2);
        Assert.False(result.IsAlerted);
        Assert.Equal(4, result.Value);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WaitFor_DependentBehindCursor_ReturnsDependentValue(WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var upstream = new Sequence(2);
        var barrier = ring.NewBarrier(upstream);
        ring.Publish(ring.Next(10));
        Assert.Equal(2, barrier.WaitFor(1).Value);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WaitFor_TwoDependents_ReturnsMinimum(WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var barrier = ring.NewBarrier(new Sequence(7), new Sequence(3));
        ring.Publish(ring.Next(10));
        Assert.Equal(3, barrier.WaitFor(0).Value);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WaitFor_PublishedLaterByAnotherThread_Wakes(WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var barrier = ring.NewBarrier();
        SequenceWaitResult result = default;
        var waiter = new Thread(() => result = barrier.WaitFor(0)) { IsBackground = true };
        waiter.Start();
        Thread.Sleep(20);
        ring.Publish(ring.Next());
        bool joined = waiter.Join(RingTestSupport.Timeout);
        if (!joined)
            barrier.Alert();
        Assert.True(joined, "waiter did not wake up after publish");
        Assert.Equal(0, result.Value);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Alert_WhileWaiting_ReturnsAlerted(WaitStrategyKind kind)
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Single, WaitStrategyFactory.Create(kind));
        var barrier = ring.NewBarrier();
        SequenceWaitResult result = default;
        var waiter = new Thread(() => result = barrier.WaitFor(0)) { IsBackground = true };
        waiter.Start();
        Thread.Sleep(20);
        barrier.Alert();
        Assert.True(waiter.Join(RingTestSupport.Timeout), "waiter ignored the alert");
        Assert.True(result.IsAlerted);

        barrier.ClearAlert();
        ring.Publish(ring.Next());
        Assert.Equal(0, barrier.WaitFor(0).Value);
    }

    [Fact]
    public void WaitFor_MultiProducerGap_StopsBeforeGap()
    {
        var ring = new RingBuffer<TestEvent>(16, ProducerType.Multi);
        var barrier = ring.NewBarrier();
        ring.Next(4); // claims 0..3
        ring.Publish(0);
        ring.Publish(1);
        ring.Publish(3);
        Assert.Equal(1, barrier.WaitFor(0).Value);
        Assert.Equal(1, barrier.GetAvailableWithoutWaiting(0));
        Assert.Equal(1, barrier.GetAvailableWithoutWaiting(2)); // slot 2 missing: returns 2 - 1
    }

    [Fact]
    public void GetAvailableWithoutWaiting_NothingPublished_ReturnsSequenceMinusOne()
    {
        var ring = new RingBuffer<TestEvent>(16);
        Assert.Equal(-1, ring.NewBarrier().GetAvailableWithoutWaiting(0));
    }
}
