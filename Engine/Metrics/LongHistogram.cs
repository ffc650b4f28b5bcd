using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastEngine.Metrics;

/// <summary>
/// A High Dynamic Range histogram of <see cref="long"/> values with HdrHistogram's semantics: values from 0 to
/// <see cref="HighestTrackableValue"/> are counted in buckets whose width keeps
/// <see cref="NumberOfSignificantValueDigits"/> decimal digits of precision across the whole range.
/// </summary>
/// <remarks>
/// <para>Layout (HdrHistogram's): bucket 0 holds <see cref="SubBucketCount"/> slots of width
/// 2^unitMagnitude; every further bucket doubles the slot width and only uses its upper half of sub-buckets (the
/// lower half would duplicate the previous bucket). The counts live in one flat <c>long[]</c> of
/// <c>(BucketCount + 1) * SubBucketCount / 2</c> slots allocated once in the constructor.</para>
/// <para>Recording (<see cref="RecordValue"/>, <see cref="TryRecordValue"/>, <see cref="RecordValueWithCount"/>)
/// allocates nothing, takes no lock and never throws for a value outside [0, <see cref="HighestTrackableValue"/>]:
/// such a value is not recorded and is counted in <see cref="OutOfRangeCount"/> instead (a latency probe must not
/// take the hot path down because one sample was absurd). This is stricter than HdrHistogram, which accepts values
/// up to the top of its last bucket and throws beyond it.</para>
/// <para>Thread-safety: single writer. One instance belongs to one recording thread; per-thread recorders are
/// combined with <see cref="Add"/> on a reporting thread after the writers have handed them over (or from
/// <see cref="Copy"/> snapshots). Queries and enumerators read plain fields and must not run while another thread
/// records into the same instance.</para>
/// </remarks>
public sealed partial class LongHistogram
{
    private readonly long[] _counts;
    private readonly int _unitMagnitude;
    private readonly int _subBucketHalfCountMagnitude;
    private readonly int _subBucketHalfCount;
    private readonly long _subBucketMask;
    private readonly int _leadingZeroCountBase;
    private long _totalCount;
    private long _outOfRangeCount;

    /// <summary>Creates an empty histogram.</summary>
    /// <param name="lowestDiscernibleValue">Smallest value that is told apart from 0 (at least 1); a power of two
    /// below it sets the unit of the first bucket.</param>
    /// <param name="highestTrackableValue">Largest value that is recorded; at least 2 * lowestDiscernibleValue.</param>
    /// <param name="numberOfSignificantValueDigits">Decimal digits of precision kept for every value, 1 to 5.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its allowed range; the message names
    /// the parameter, its value and the range.</exception>
    public LongHistogram(long lowestDiscernibleValue, long highestTrackableValue, int numberOfSignificantValueDigits)
    {
        if (lowestDiscernibleValue < 1)
            ThrowOutOfRange(nameof(lowestDiscernibleValue), lowestDiscernibleValue, "must be >= 1");
        if (lowestDiscernibleValue > highestTrackableValue / 2)
            ThrowOutOfRange(nameof(highestTrackableValue), highestTrackableValue,
                $"must be in [2 * lowestDiscernibleValue, {long.MaxValue}] (lowestDiscernibleValue = {lowestDiscernibleValue})");
        if (numberOfSignificantValueDigits is < 1 or > 5)
            ThrowOutOfRange(nameof(numberOfSignificantValueDigits), numberOfSignificantValueDigits, "must be in [1, 5]");

        LowestDiscernibleValue = lowestDiscernibleValue;
        HighestTrackableValue = highestTrackableValue;
        NumberOfSignificantValueDigits = numberOfSignificantValueDigits;

        // Single-unit resolution must reach 2 * 10^digits so that every bucket (whose slots are at most 1/half-count
        // of the values they hold) keeps the requested number of decimal digits.
        long largestValueWithSingleUnitResolution = 2 * Pow10(numberOfSignificantValueDigits);
        int subBucketCountMagnitude = CeilLog2(largestValueWithSingleUnitResolution);
        _subBucketHalfCountMagnitude = Math.Max(subBucketCountMagnitude, 1) - 1;
        _unitMagnitude = 63 - BitOperations.LeadingZeroCount((ulong)lowestDiscernibleValue);
        if (_unitMagnitude + _subBucketHalfCountMagnitude > 61)
            ThrowOutOfRange(nameof(lowestDiscernibleValue), lowestDiscernibleValue,
                $"is too large for {numberOfSignificantValueDigits} significant digits: log2(lowestDiscernibleValue) + {_subBucketHalfCountMagnitude} must be <= 61");

        SubBucketCount = 1 << (_subBucketHalfCountMagnitude + 1);
        _subBucketHalfCount = SubBucketCount / 2;
        _subBucketMask = ((long)SubBucketCount - 1) << _unitMagnitude;
        _leadingZeroCountBase = 64 - _unitMagnitude - _subBucketHalfCountMagnitude - 1;
        BucketCount = BucketsNeededToCover(highestTrackableValue);
        _counts = new long[(BucketCount + 1) * _subBucketHalfCount];
    }

    /// <summary>Smallest value told apart from 0.</summary>
    public long LowestDiscernibleValue { get; }

    /// <summary>Largest value that is recorded; larger ones count in <see cref="OutOfRangeCount"/>.</summary>
    public long HighestTrackableValue { get; }

    /// <summary>Decimal digits of precision kept for every value.</summary>
    public int NumberOfSignificantValueDigits { get; }

    /// <summary>Number of buckets (each doubling the slot width of the previous one).</summary>
    public int BucketCount { get; }

    /// <summary>Number of sub-buckets (slots) per bucket.</summary>
    public int SubBucketCount { get; }

    /// <summary>Length of the counts array.</summary>
    public int CountsArrayLength => _counts.Length;

    /// <summary>Number of values recorded (with their counts).</summary>
    public long TotalCount => _totalCount;

    /// <summary>Number of values (with their counts) that were rejected because they were negative or above
    /// <see cref="HighestTrackableValue"/>; they are in no bucket and not in <see cref="TotalCount"/>.</summary>
    public long OutOfRangeCount => _outOfRangeCount;

    /// <summary>Estimated memory held by this histogram, as HdrHistogram estimates it (counts plus fixed overhead).</summary>
    public int EstimatedFootprintInBytes => 512 + 8 * _counts.Length;

    /// <summary>Records one occurrence of <paramref name="value"/>. Allocation-free, lock-free; an out-of-range value
    /// is counted in <see cref="OutOfRangeCount"/> and otherwise ignored (never throws).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RecordValue(long value) => TryRecordValue(value);

    /// <summary>Records one occurrence of <paramref name="value"/>; returns false (and counts it in
    /// <see cref="OutOfRangeCount"/>) when the value is negative or above <see cref="HighestTrackableValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRecordValue(long value)
    {
        // One unsigned compare rejects both negative values and values above the range.
        if ((ulong)value > (ulong)HighestTrackableValue)
        {
            RejectOutOfRange(1);
            return false;
        }
        _counts[CountsIndexOf(value)]++;
        _totalCount++;
        return true;
    }

    /// <summary>Records <paramref name="count"/> occurrences of <paramref name="value"/>; an out-of-range value adds
    /// <paramref name="count"/> to <see cref="OutOfRangeCount"/>. Returns whether the value was in range.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative (a programming error,
    /// not bad data).</exception>
    public bool RecordValueWithCount(long value, long count)
    {
        if (count < 0)
            ThrowOutOfRange(nameof(count), count, "must be >= 0");
        if ((ulong)value > (ulong)HighestTrackableValue)
        {
            RejectOutOfRange(count);
            return false;
        }
        _counts[CountsIndexOf(value)] += count;
        _totalCount += count;
        return true;
    }

    /// <summary>
    /// Records <paramref name="value"/> and corrects for coordinated omission exactly as HdrHistogram does: when the
    /// value exceeds <paramref name="expectedInterval"/> (the interval at which samples should have been taken), the
    /// samples a stalled measurement loop failed to take are added too: value - interval, value - 2*interval, ...
    /// down to (and including) the last one that is still >= interval. A non-positive interval records the value
    /// alone; an out-of-range value is counted once in <see cref="OutOfRangeCount"/> and adds no corrections.
    /// Allocation-free; the number of extra records grows with value / expectedInterval.
    /// </summary>
    public void RecordValueWithExpectedInterval(long value, long expectedInterval)
    {
        if (!TryRecordValue(value) || expectedInterval <= 0)
            return;
        for (long missing = value - expectedInterval; missing >= expectedInterval; missing -= expectedInterval)
            RecordValue(missing);
    }

    /// <summary>Count recorded in the slot that holds <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or beyond the last bucket.</exception>
    public long GetCountAtValue(long value)
    {
        ThrowIfNegative(value);
        int index = CountsIndexOf(value);
        if ((uint)index >= (uint)_counts.Length)
            ThrowOutOfRange(nameof(value), value, $"is beyond the histogram's last bucket (highest trackable {HighestTrackableValue})");
        return _counts[index];
    }

    /// <summary>Count stored at a raw counts-array index (0 .. <see cref="CountsArrayLength"/> - 1).</summary>
    public long GetCountAtIndex(int index) => _counts[index];

    /// <summary>Value at the bottom of the slot at a raw counts-array index.</summary>
    public long ValueFromIndex(int index)
    {
        int bucketIndex = (index >> _subBucketHalfCountMagnitude) - 1;
        int subBucketIndex = (index & (_subBucketHalfCount - 1)) + _subBucketHalfCount;
        if (bucketIndex < 0)
        {
            // Bucket 0 uses its lower half too: those indexes come before the first "upper half".
            subBucketIndex -= _subBucketHalfCount;
            bucketIndex = 0;
        }
        return ValueFromIndex(bucketIndex, subBucketIndex);
    }

    /// <summary>Smallest value that lands in the same slot as <paramref name="value"/>.</summary>
    public long LowestEquivalentValue(long value)
    {
        ThrowIfNegative(value);
        int bucketIndex = BucketIndexOf(value);
        return ValueFromIndex(bucketIndex, SubBucketIndexOf(value, bucketIndex));
    }

    /// <summary>Width of the slot that holds <paramref name="value"/> (computed in 64 bits; HdrHistogram.NET's 32-bit
    /// shift overflows for slots of 2^31 and wider, this does not).</summary>
    public long SizeOfEquivalentValueRange(long value)
    {
        ThrowIfNegative(value);
        int bucketIndex = BucketIndexOf(value);
        int subBucketIndex = SubBucketIndexOf(value, bucketIndex);
        int adjustedBucket = subBucketIndex >= SubBucketCount ? bucketIndex + 1 : bucketIndex;
        return 1L << (_unitMagnitude + adjustedBucket);
    }

    /// <summary>Smallest value that lands in a slot above the one of <paramref name="value"/>.</summary>
    public long NextNonEquivalentValue(long value) => LowestEquivalentValue(value) + SizeOfEquivalentValueRange(value);

    /// <summary>Largest value that lands in the same slot as <paramref name="value"/>.</summary>
    public long HighestEquivalentValue(long value) => NextNonEquivalentValue(value) - 1;

    /// <summary>Value in the middle of the slot of <paramref name="value"/> (used for mean and deviation).</summary>
    public long MedianEquivalentValue(long value) => LowestEquivalentValue(value) + (SizeOfEquivalentValueRange(value) >> 1);

    /// <summary>Whether two values land in the same slot.</summary>
    public bool ValuesAreEquivalent(long value1, long value2) => LowestEquivalentValue(value1) == LowestEquivalentValue(value2);

    /// <summary>Lowest equivalent value of the lowest non-empty slot; 0 when empty.</summary>
    public long GetMinValue()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
                return LowestEquivalentValue(ValueFromIndex(i));
        }
        return 0;
    }

    /// <summary>Highest equivalent value of the highest non-empty slot (HdrHistogram's max, not the raw maximum);
    /// 0 when empty.</summary>
    public long GetMaxValue()
    {
        int index = LastNonZeroIndex();
        return index < 0 ? 0 : HighestEquivalentValue(ValueFromIndex(index));
    }

    /// <summary>Mean of the recorded values, each taken at the middle of its slot: the 128-bit sum of
    /// count * median-equivalent value, divided by <see cref="TotalCount"/> (0 when empty).</summary>
    public double GetMean()
    {
        if (_totalCount == 0)
            return 0.0;
        Int128 total = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            long count = _counts[i];
            if (count != 0)
                total += (Int128)count * MedianEquivalentValue(ValueFromIndex(i));
        }
        return (double)total / _totalCount;
    }

    /// <summary>Population standard deviation of the recorded values taken at the middle of their slots, summed in
    /// ascending value order as HdrHistogram does (so the last bits agree with it); 0 when empty.</summary>
    public double GetStdDeviation()
    {
        if (_totalCount == 0)
            return 0.0;
        double mean = GetMean();
        double sumOfSquares = 0.0;
        for (int i = 0; i < _counts.Length; i++)
        {
            long count = _counts[i];
            if (count != 0)
            {
                double deviation = MedianEquivalentValue(ValueFromIndex(i)) - mean;
                sumOfSquares += deviation * deviation * count;
            }
        }
        return Math.Sqrt(sumOfSquares / _totalCount);
    }

    /// <summary>
    /// The value at a percentile (0..100; above 100 reads as 100), as HdrHistogram.NET computes it: the rank is
    /// max(1, (long)(p / 100 * TotalCount + 0.5)) and the answer is the highest equivalent value of the slot where
    /// the running count reaches that rank. 0 when empty.
    /// </summary>
    public long GetValueAtPercentile(double percentile)
    {
        double requested = Math.Min(percentile, 100.0);
        long rank = Math.Max((long)(requested / 100.0 * _totalCount + 0.5), 1);
        long running = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            running += _counts[i];
            if (running >= rank)
                return HighestEquivalentValue(ValueFromIndex(i));
        }
        return 0;
    }

    /// <summary>
    /// Adds every count of <paramref name="other"/> (e.g. a per-thread recorder) into this histogram, and its
    /// <see cref="OutOfRangeCount"/>. Same layout: slot by slot. Different layout: each of the other's slots is
    /// recorded at its lowest equivalent value. Nothing changes when a recorded value of the other is beyond this
    /// histogram's range.
    /// </summary>
    /// <exception cref="ArgumentException">The other histogram holds values above this one's
    /// <see cref="HighestTrackableValue"/>.</exception>
    public void Add(LongHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int otherLast = other.LastNonZeroIndex();
        if (otherLast >= 0 && other.ValueFromIndex(otherLast) > HighestTrackableValue)
            ThrowAddOutOfRange(other.ValueFromIndex(otherLast));

        if (other._unitMagnitude == _unitMagnitude && other._subBucketHalfCountMagnitude == _subBucketHalfCountMagnitude)
        {
            // Same slot boundaries: index i means the same slot in both (the check above keeps otherLast in ours).
            for (int i = 0; i <= otherLast; i++)
                _counts[i] += other._counts[i];
            _totalCount += other._totalCount;
        }
        else
        {
            for (int i = 0; i <= otherLast; i++)
            {
                long count = other._counts[i];
                if (count != 0)
                    RecordValueWithCount(other.ValueFromIndex(i), count);
            }
        }
        _outOfRangeCount += other._outOfRangeCount;
    }

    /// <summary>Clears every count, <see cref="TotalCount"/> and <see cref="OutOfRangeCount"/>; keeps the layout
    /// (no allocation).</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        _totalCount = 0;
        _outOfRangeCount = 0;
    }

    /// <summary>An independent copy with the same parameters and counts.</summary>
    public LongHistogram Copy()
    {
        var copy = new LongHistogram(LowestDiscernibleValue, HighestTrackableValue, NumberOfSignificantValueDigits);
        Array.Copy(_counts, copy._counts, _counts.Length);
        copy._totalCount = _totalCount;
        copy._outOfRangeCount = _outOfRangeCount;
        return copy;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int CountsIndexOf(long value)
    {
        int bucketIndex = BucketIndexOf(value);
        int subBucketIndex = SubBucketIndexOf(value, bucketIndex);
        // Bucket b >= 1 starts at (b + 1) * halfCount and only stores sub-buckets halfCount..count-1.
        return ((bucketIndex + 1) << _subBucketHalfCountMagnitude) + (subBucketIndex - _subBucketHalfCount);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketIndexOf(long value)
        // OR-ing the mask makes every value below the first bucket's top land in bucket 0.
        => _leadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | _subBucketMask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SubBucketIndexOf(long value, int bucketIndex) => (int)(value >> (bucketIndex + _unitMagnitude));

    private long ValueFromIndex(int bucketIndex, int subBucketIndex) => (long)subBucketIndex << (bucketIndex + _unitMagnitude);

    internal int LastNonZeroIndex()
    {
        for (int i = _counts.Length - 1; i >= 0; i--)
        {
            if (_counts[i] != 0)
                return i;
        }
        return -1;
    }

    /// <summary>Sets a slot's count while decoding (cold path; keeps <see cref="TotalCount"/> in step).</summary>
    private void SetCountAtIndex(int index, long count)
    {
        _totalCount += count - _counts[index];
        _counts[index] = count;
    }

    private int BucketsNeededToCover(long value)
    {
        // The first bucket covers [0, SubBucketCount << unitMagnitude); each further bucket doubles the top.
        long smallestUntrackable = (long)SubBucketCount << _unitMagnitude;
        int buckets = 1;
        while (smallestUntrackable <= value)
        {
            if (smallestUntrackable > long.MaxValue / 2)
                return buckets + 1;
            smallestUntrackable <<= 1;
            buckets++;
        }
        return buckets;
    }

    private static long Pow10(int exponent)
    {
        long result = 1;
        for (int i = 0; i < exponent; i++)
            result *= 10;
        return result;
    }

    private static int CeilLog2(long value) => 64 - BitOperations.LeadingZeroCount((ulong)(value - 1));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RejectOutOfRange(long count) => _outOfRangeCount += count;

    private static void ThrowIfNegative(long value)
    {
        if (value < 0)
            ThrowOutOfRange(nameof(value), value, "must be >= 0");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(string parameter, long value, string rule)
        => throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} = {value} {rule}.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowAddOutOfRange(long otherValue)
        => throw new ArgumentException(
            $"The other histogram holds value {otherValue}, above this histogram's highestTrackableValue {HighestTrackableValue}; nothing was added.",
            "other");
}
