using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class SingleProducerSequencerTests
{
    [Fact]
    public void Cursor_MovesOnlyOnPublish()
    {
        var sequencer = new SingleProducerSequencer(8, new YieldingWaitStrategy());
        Assert.Equal(1, sequencer.Next(2));
        Assert.Equal(-1, sequencer.Cursor);
        sequencer.Publish(0, 1);
        Assert.Equal(1, sequencer.Cursor);
        Assert.Equal(1, sequencer.GetHighestPublishedSequence(0, 1));
    }

    [Fact]
    public void GetRemainingCapacity_TracksSlowestGatingSequence()
    {
        var sequencer = new SingleProducerSequencer(8, new YieldingWaitStrategy());
        var fast = new Sequence();
        var slow = new Sequence();
        sequencer.AddGatingSequences(fast, slow);
        sequencer.Publish(sequencer.Next(6));
        fast.Value = 5;
        slow.Value = 1;
        Assert.Equal(8 - (5 - 1), sequencer.GetRemainingCapacity());
    }

    [Fact]
    public void IsAvailable_OnlyWithinCurrentLap()
    {
        var sequencer = new SingleProducerSequencer(4, new YieldingWaitStrategy());
        sequencer.Publish(sequencer.Next(4));
        Assert.True(sequencer.IsAvailable(0));
        Assert.True(sequencer.IsAvailable(3));
        Assert.False(sequencer.IsAvailable(4));
        sequencer.Publish(sequencer.Next());
        Assert.False(sequencer.IsAvailable(0));
    }
}

public class SingleProducerSequencerLayoutTests
{
    [Fact]
    public void ProducerState_FieldsPaddedByAtLeast56BytesEachSide()
    {
        var state = typeof(SingleProducerSequencer).GetNestedType("ProducerState", System.Reflection.BindingFlags.NonPublic)!;
        Assert.Equal(128, System.Runtime.InteropServices.Marshal.SizeOf(state));
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf(state, "NextValue"));
        Assert.Equal(64, (int)System.Runtime.InteropServices.Marshal.OffsetOf(state, "CachedGatingValue"));
    }
}
