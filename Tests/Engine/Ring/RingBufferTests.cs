using System.Runtime.CompilerServices;
using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class RingBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(1025)]
    public void Constructor_NotPowerOfTwo_ThrowsArgumentException(int size)
    {
        Assert.Throws<ArgumentException>(() => new RingBuffer<TestEvent>(size));
        Assert.Throws<ArgumentException>(() => new RingBuffer<TestEvent>(size, ProducerType.Multi));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1024)]
    public void Constructor_PowerOfTwo_HasThatSize(int size)
    {
        var ring = new RingBuffer<TestEvent>(size);
        Assert.Equal(size, ring.BufferSize);
        Assert.Equal(-1, ring.Cursor);
    }

    [Fact]
    public void PaddingEntries_CoverAtLeast128Bytes()
    {
        Assert.True(RingBuffer<TestEvent>.PaddingEntries * Unsafe.SizeOf<TestEvent>() >= 128);
        Assert.Equal(128, RingBuffer<byte>.PaddingEntries);
        Assert.Equal(16, RingBuffer<long>.PaddingEntries);
    }

    [Fact]
    public void Indexer_SequencesOneLapApart_ShareASlot_NeighboursDoNot()
    {
        var ring = new RingBuffer<TestEvent>(8);
        Assert.True(Unsafe.AreSame(ref ring[3], ref ring[11]));
        Assert.False(Unsafe.AreSame(ref ring[3], ref ring[4]));
        Assert.Equal(Unsafe.SizeOf<TestEvent>(), (long)Unsafe.ByteOffset(ref ring[3], ref ring[4]));

        // Slot 0 and slot 7 are contiguous: 7 elements apart.
        Assert.Equal(7 * Unsafe.SizeOf<TestEvent>(), (long)Unsafe.ByteOffset(ref ring[0], ref ring[7]));
    }

    [Fact]
    public void Indexer_WritesAreInPlace()
    {
        var ring = new RingBuffer<TestEvent>(4);
        ring[2].Value = 99;
        ref var slot = ref ring[6];
        Assert.Equal(99, slot.Value);
    }

    [Theory]
    [InlineData(ProducerType.Single)]
    [InlineData(ProducerType.Multi)]
    public void NextPublish_AdvanceCursorAndAvailability(ProducerType producerType)
    {
        var ring = new RingBuffer<TestEvent>(8, producerType);
        long sequence = ring.Next();
        Assert.Equal(0, sequence);
        Assert.False(ring.IsAvailable(0));
        ring.Publish(sequence);
        Assert.True(ring.IsAvailable(0));
        Assert.Equal(0, ring.Cursor);

        long high = ring.Next(3);
        Assert.Equal(3, high);
        ring.Publish(1, 3);
        Assert.True(ring.IsAvailable(3));
        Assert.Equal(3, ring.Cursor);
    }

    [Theory]
    [InlineData(ProducerType.Single)]
    [InlineData(ProducerType.Multi)]
    public void TryNext_RingFull_ReturnsFalseUntilConsumerMoves(ProducerType producerType)
    {
        var ring = new RingBuffer<TestEvent>(4, producerType);
        var consumer = new Sequence();
        ring.AddGatingSequences(consumer);

        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryNext(out long sequence));
            Assert.Equal(i, sequence);
            ring.Publish(sequence);
        }

        Assert.Equal(0, ring.GetRemainingCapacity());
        Assert.False(ring.TryNext(out _));
        Assert.False(ring.TryNext(2, out _));

        consumer.Value = 1; // consumed 0 and 1
        Assert.Equal(2, ring.GetRemainingCapacity());
        Assert.False(ring.TryNext(3, out _));
        Assert.True(ring.TryNext(2, out long high));
        Assert.Equal(5, high);
        Assert.False(ring.TryNext(out _));
    }

    [Theory]
    [InlineData(ProducerType.Single)]
    [InlineData(ProducerType.Multi)]
    public void Next_InvalidClaimSize_Throws(ProducerType producerType)
    {
        var ring = new RingBuffer<TestEvent>(4, producerType);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Next(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.TryNext(-1, out _));
    }

    [Theory]
    [InlineData(ProducerType.Single)]
    [InlineData(ProducerType.Multi)]
    public void Next_RingFull_BlocksUntilConsumerAdvances(ProducerType producerType)
    {
        var ring = new RingBuffer<TestEvent>(2, producerType);
        var consumer = new Sequence();
        ring.AddGatingSequences(consumer);
        ring.Publish(ring.Next(2));

        long claimed = -1;
        var producer = new Thread(() => claimed = ring.Next()) { IsBackground = true };
        producer.Start();
        Assert.False(producer.Join(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(-1, claimed);

        consumer.Value = 0;
        Assert.True(producer.Join(RingTestSupport.Timeout));
        Assert.Equal(2, claimed);
    }

    [Fact]
    public void RemoveGatingSequence_StopsGating()
    {
        var ring = new RingBuffer<TestEvent>(2);
        var consumer = new Sequence();
        ring.AddGatingSequences(consumer);
        ring.Publish(ring.Next(2));
        Assert.False(ring.TryNext(out _));
        Assert.True(ring.RemoveGatingSequence(consumer));
        Assert.False(ring.RemoveGatingSequence(consumer));
        Assert.True(ring.TryNext(out _));
    }

    [Fact]
    public void NewBarrier_WithoutDependents_FollowsCursor()
    {
        var ring = new RingBuffer<TestEvent>(8);
        var barrier = ring.NewBarrier();
        Assert.True(barrier.Dependents.DependsOnCursorOnly);
        ring.Publish(ring.Next(3));
        Assert.Equal(2, barrier.WaitFor(0).Value);
    }
}
