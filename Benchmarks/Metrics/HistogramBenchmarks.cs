using BenchmarkDotNet.Attributes;
using FastEngine.Metrics;

namespace FastEngine.Benchmarks.Metrics;

/// <summary>
/// Throughput of <see cref="LongHistogram.RecordValue"/> on the reference input (the log-normal-ish latencies of
/// Tests/Fixtures/Hdr/reference.txt, 0 .. 10^10 ns), against a floor: incrementing a plain array slot per value.
/// 0 B allocated is part of the result (a benchmark that allocates fails the allocation-free claim).
/// </summary>
[MemoryDiagnoser]
public class HistogramBenchmarks
{
    private const int ValueCount = 4096;
    private readonly long[] _values = new long[ValueCount];
    private readonly LongHistogram _histogram = new(1, 3_600_000_000_000, 3);
    private readonly long[] _plainCounts = new long[ValueCount];

    public HistogramBenchmarks()
    {
        // Same integer-only SplitMix64 generator as the reference input (seed 42).
        ulong state = 42;
        for (int i = 0; i < ValueCount; i++)
        {
            ulong r1 = Next(ref state), r2 = Next(ref state), r3 = Next(ref state);
            int shift = Math.Clamp(System.Numerics.BitOperations.PopCount(r1) - 18, 0, 45);
            long value = (long)((1024 + (r2 & 1023)) << shift) >> 10;
            if ((r3 & 4095) == 0)
                value += (long)(r3 >> 40);
            _values[i] = Math.Max(value, 1);
        }

        // Cross-check the variants: both must count every value once, so a fast wrong answer cannot win.
        RecordValue();
        TryRecordValue();
        PlainArrayIncrement();
        if (_histogram.TotalCount != 2 * ValueCount || _histogram.OutOfRangeCount != 0 || _plainCounts.Sum() != ValueCount)
            throw new InvalidOperationException("benchmark variants disagree on the number of values recorded");
        _histogram.Reset();
        Array.Clear(_plainCounts);
    }

    [Benchmark(OperationsPerInvoke = ValueCount)]
    public void RecordValue()
    {
        long[] values = _values;
        LongHistogram histogram = _histogram;
        for (int i = 0; i < values.Length; i++)
            histogram.RecordValue(values[i]);
    }

    [Benchmark(OperationsPerInvoke = ValueCount)]
    public int TryRecordValue()
    {
        long[] values = _values;
        LongHistogram histogram = _histogram;
        int accepted = 0;
        for (int i = 0; i < values.Length; i++)
            accepted += histogram.TryRecordValue(values[i]) ? 1 : 0;
        return accepted;
    }

    /// <summary>Floor: one increment of a plain array slot per value (no bucket arithmetic).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ValueCount)]
    public void PlainArrayIncrement()
    {
        long[] values = _values;
        long[] counts = _plainCounts;
        for (int i = 0; i < values.Length; i++)
            counts[(int)(values[i] & (ValueCount - 1))]++;
    }

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
