using System.Runtime.CompilerServices;
using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class SequenceTests
{
    private sealed class RawObject
    {
        public byte FirstField;
    }

    [Fact]
    public void Layout_ValueAt56_PaddedBothSides()
    {
        var sequence = new Sequence();
        ref byte start = ref Unsafe.As<RawObject>(sequence).FirstField;
        ref byte value = ref Unsafe.As<long, byte>(ref sequence.ValueRef);

        // 56 bytes of fields before the value (plus the method-table pointer before the fields).
        Assert.Equal(56, (long)Unsafe.ByteOffset(ref start, ref value));
    }

    [Fact]
    public void Layout_InstanceSize_LeavesAtLeast56BytesAfterValue()
    {
        // Measure what the runtime really allocates: header + method table + the declared 120-byte body.
        _ = new Sequence();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sequence = new Sequence(5);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(sequence);

        Assert.True(allocated >= 16 + 56 + 8 + 56, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Constructor_Default_IsMinusOne()
    {
        Assert.Equal(-1, new Sequence().Value);
        Assert.Equal(Sequence.InitialValue, new Sequence().Value);
    }

    [Fact]
    public void Value_SetThenGet_RoundTrips()
    {
        var sequence = new Sequence { Value = 42 };
        Assert.Equal(42, sequence.Value);
        sequence.SetVolatile(43);
        Assert.Equal(43, sequence.Value);
    }

    [Fact]
    public void CompareAndSet_OnlySucceedsWhenExpectedMatches()
    {
        var sequence = new Sequence(10);
        Assert.False(sequence.CompareAndSet(9, 20));
        Assert.Equal(10, sequence.Value);
        Assert.True(sequence.CompareAndSet(10, 20));
        Assert.Equal(20, sequence.Value);
    }

    [Fact]
    public void IncrementAndGet_AddAndGet_ReturnNewValue()
    {
        var sequence = new Sequence(0);
        Assert.Equal(1, sequence.IncrementAndGet());
        Assert.Equal(11, sequence.AddAndGet(10));
        Assert.Equal(11, sequence.Value);
    }

    [Fact]
    public void IncrementAndGet_FromManyThreads_LosesNoIncrement()
    {
        var sequence = new Sequence(0);
        const int threads = 4;
        const int perThread = 100_000;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++)
                sequence.IncrementAndGet();
        })).ToArray();
        foreach (var worker in workers)
            worker.Start();
        foreach (var worker in workers)
            Assert.True(worker.Join(RingTestSupport.Timeout));

        Assert.Equal(threads * perThread, sequence.Value);
    }
}
