using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class MultiProducerSequencerTests
{
    [Fact]
    public void GetHighestPublishedSequence_StopsAtFirstUnpublishedSlot()
    {
        var sequencer = new MultiProducerSequencer(8, new YieldingWaitStrategy());
        Assert.Equal(2, sequencer.Next(3)); // claims 0, 1, 2
        sequencer.Publish(2);
        sequencer.Publish(0);

        Assert.Equal(0, sequencer.GetHighestPublishedSequence(0, 2));
        Assert.Equal(0, sequencer.GetHighestPublishedSequence(1, 2)); // slot 1 missing: stops at 1 - 1
        sequencer.Publish(1);
        Assert.Equal(2, sequencer.GetHighestPublishedSequence(0, 2));
    }

    [Fact]
    public void IsAvailable_AfterWrap_OldRoundIsNotAvailable()
    {
        var sequencer = new MultiProducerSequencer(4, new YieldingWaitStrategy());
        sequencer.Publish(0, sequencer.Next(4));
        Assert.True(sequencer.IsAvailable(0));

        // Sequence 4 uses slot 0 in the next round: claimed but unpublished, it must not read as available.
        Assert.Equal(4, sequencer.Next());
        Assert.False(sequencer.IsAvailable(4));
        Assert.True(sequencer.IsAvailable(3));
        sequencer.Publish(4);
        Assert.True(sequencer.IsAvailable(4));
        Assert.False(sequencer.IsAvailable(0));
    }

    [Fact]
    public void Cursor_IsHighestClaimed_NotHighestPublished()
    {
        var sequencer = new MultiProducerSequencer(8, new YieldingWaitStrategy());
        sequencer.Next(5);
        Assert.Equal(4, sequencer.Cursor);
        Assert.False(sequencer.IsAvailable(0));
    }

    [Fact]
    public void Next_ConcurrentProducers_ClaimEachSequenceOnce()
    {
        var sequencer = new MultiProducerSequencer(1 << 16, new YieldingWaitStrategy());
        const int producers = 3;
        const int claims = 10_000;
        var seen = new int[producers * claims * 2];
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            for (int i = 0; i < claims; i++)
            {
                int n = 1 + (i & 1);
                long high = sequencer.Next(n);
                for (long s = high - n + 1; s <= high; s++)
                    Interlocked.Increment(ref seen[s]);
                sequencer.Publish(high - n + 1, high);
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            Assert.True(thread.Join(RingTestSupport.Timeout));

        long total = producers * (claims / 2) * 3L;
        Assert.Equal(total - 1, sequencer.Cursor);
        Assert.All(seen.Take((int)total), count => Assert.Equal(1, count));
        Assert.Equal(total - 1, sequencer.GetHighestPublishedSequence(0, total - 1));
    }
}
