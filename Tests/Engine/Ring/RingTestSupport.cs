using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

/// <summary>The event used by the ring tests: a producer id, that producer's running counter, and a bit per stage
/// that has handled it (so later stages can check gating).</summary>
public struct TestEvent
{
    public int Producer;
    public long Value;
    public int StageMarks;
}

/// <summary>Records what a stage sees into preallocated arrays (no allocation per event).</summary>
public struct RecordingHandler : IEventHandler<TestEvent>
{
    public long[] Sequences;
    public long[] Values;
    public int[] Producers;
    public int Count;
    public int Stage;
    public int RequiredMarks;
    public int GatingViolations;
    public int BatchStarts;
    public long EndOfBatchCount;

    public RecordingHandler(int capacity, int stage = 0, int requiredMarks = 0)
    {
        Sequences = new long[capacity];
        Values = new long[capacity];
        Producers = new int[capacity];
        Stage = stage;
        RequiredMarks = requiredMarks;
    }

    public void OnEvent(ref TestEvent data, long sequence, bool endOfBatch)
    {
        if ((data.StageMarks & RequiredMarks) != RequiredMarks)
            GatingViolations++;

        if (Count < Sequences.Length)
        {
            Sequences[Count] = sequence;
            Values[Count] = data.Value;
            Producers[Count] = data.Producer;
        }

        Count++;
        if (endOfBatch)
            EndOfBatchCount++;

        // Several parallel stages may mark the same event: an atomic OR keeps every mark.
        Interlocked.Or(ref data.StageMarks, 1 << Stage);
    }

    public void OnBatchStart(long batchSize, long firstSequence) => BatchStarts++;
}

/// <summary>Sums the event values (the consumer work of the benchmarks).</summary>
public struct SumHandler : IEventHandler<TestEvent>
{
    public long Sum;
    public long Count;

    public void OnEvent(ref TestEvent data, long sequence, bool endOfBatch)
    {
        Sum += data.Value;
        Count++;
    }
}

/// <summary>Throws for every event whose value is a multiple of <see cref="FailEvery"/> plus <see cref="FailOffset"/>.</summary>
public struct ThrowingHandler : IEventHandler<TestEvent>
{
    public long FailEvery;
    public long FailOffset;
    public long Handled;
    public long Sum;

    public void OnEvent(ref TestEvent data, long sequence, bool endOfBatch)
    {
        if (data.Value % FailEvery == FailOffset)
            throw new InvalidOperationException($"bad event {data.Value}");

        Handled++;
        Sum += data.Value;
    }
}

internal static class RingTestSupport
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="work"/> on a background thread and fails the test if it does not finish in time
    /// (the thread is abandoned, never joined forever).</summary>
    public static void RunWithTimeout(Action work, string what)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }) { IsBackground = true, Name = what };
        thread.Start();
        Assert.True(thread.Join(Timeout), $"{what} did not finish within {Timeout.TotalSeconds} s");
        if (failure is not null)
            throw new InvalidOperationException($"{what} failed", failure);
    }

    /// <summary>Publishes <paramref name="count"/> events 0..count-1 for producer <paramref name="producer"/>, claiming
    /// <paramref name="batch"/> slots at a time.</summary>
    public static void Publish(RingBuffer<TestEvent> ring, int producer, long count, int batch = 1)
    {
        long value = 0;
        while (value < count)
        {
            int n = (int)Math.Min(batch, count - value);
            long high = ring.Next(n);
            long low = high - n + 1;
            for (long sequence = low; sequence <= high; sequence++)
            {
                ref var slot = ref ring[sequence];
                slot.Producer = producer;
                slot.Value = value++;
                slot.StageMarks = 0;
            }

            ring.Publish(low, high);
        }
    }

    public static void WaitForSequence(Sequence sequence, long target)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var spinner = default(SpinWait);
        while (sequence.Value < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"sequence stuck at {sequence.Value}, expected {target}");
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
