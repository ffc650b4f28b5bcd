namespace FastEngine.Metrics;

/// <summary>One step of a histogram iteration (a reporting level reached at a slot).</summary>
public readonly struct HistogramIterationValue
{
    internal HistogramIterationValue(long valueIteratedTo, long valueIteratedFrom, long countAtValueIteratedTo,
        long countAddedInThisIterationStep, long totalCountToThisValue, double percentile, double percentileLevelIteratedTo)
    {
        ValueIteratedTo = valueIteratedTo;
        ValueIteratedFrom = valueIteratedFrom;
        CountAtValueIteratedTo = countAtValueIteratedTo;
        CountAddedInThisIterationStep = countAddedInThisIterationStep;
        TotalCountToThisValue = totalCountToThisValue;
        Percentile = percentile;
        PercentileLevelIteratedTo = percentileLevelIteratedTo;
    }

    /// <summary>Highest equivalent value of the slot this step stopped at.</summary>
    public long ValueIteratedTo { get; }

    /// <summary><see cref="ValueIteratedTo"/> of the previous step (0 for the first).</summary>
    public long ValueIteratedFrom { get; }

    /// <summary>Count stored in the slot this step stopped at.</summary>
    public long CountAtValueIteratedTo { get; }

    /// <summary>Counts passed since the previous step.</summary>
    public long CountAddedInThisIterationStep { get; }

    /// <summary>Running count up to and including this slot.</summary>
    public long TotalCountToThisValue { get; }

    /// <summary>Percentage of all counts at or below this slot (100 * running / total).</summary>
    public double Percentile { get; }

    /// <summary>The reporting level (percent) this step was taken for; equal to <see cref="Percentile"/> for the
    /// recorded-values iteration.</summary>
    public double PercentileLevelIteratedTo { get; }
}

public sealed partial class LongHistogram
{
    /// <summary>Steps through percentile levels as HdrHistogram's percentile iterator does: 0%, then
    /// <paramref name="percentileTicksPerHalfDistance"/> steps for every halving of the distance to 100%, and a
    /// final step at exactly 100%. A slot may be reported at several levels. Struct enumerator, no allocation.</summary>
    public PercentileEnumerable Percentiles(int percentileTicksPerHalfDistance)
    {
        if (percentileTicksPerHalfDistance < 1)
            ThrowOutOfRange(nameof(percentileTicksPerHalfDistance), percentileTicksPerHalfDistance, "must be >= 1");
        return new PercentileEnumerable(this, percentileTicksPerHalfDistance);
    }

    /// <summary>Steps through every non-empty slot in ascending value order. Struct enumerator, no allocation.</summary>
    public RecordedValuesEnumerable RecordedValues() => new(this);

    /// <summary>The <c>foreach</c> source of <see cref="Percentiles"/>.</summary>
    public readonly struct PercentileEnumerable
    {
        private readonly LongHistogram _histogram;
        private readonly int _ticksPerHalfDistance;

        internal PercentileEnumerable(LongHistogram histogram, int ticksPerHalfDistance)
        {
            _histogram = histogram;
            _ticksPerHalfDistance = ticksPerHalfDistance;
        }

        public PercentileEnumerator GetEnumerator() => new(_histogram, _ticksPerHalfDistance);
    }

    /// <summary>Percentile-level enumerator (mutable struct; use through <c>foreach</c>). Throws
    /// <see cref="InvalidOperationException"/> if the histogram is recorded into while enumerating.</summary>
    public struct PercentileEnumerator
    {
        private readonly LongHistogram _histogram;
        private readonly long _totalCount;
        private readonly int _ticksPerHalfDistance;
        private int _index;
        private bool _freshIndex;
        private long _runningCount;
        private long _runningCountAtPreviousStep;
        private long _previousValue;
        private double _levelToReach;
        private bool _finalStepTaken;
        private HistogramIterationValue _current;

        internal PercentileEnumerator(LongHistogram histogram, int ticksPerHalfDistance)
        {
            _histogram = histogram;
            _totalCount = histogram._totalCount;
            _ticksPerHalfDistance = ticksPerHalfDistance;
            _index = 0;
            _freshIndex = true;
            _runningCount = 0;
            _runningCountAtPreviousStep = 0;
            _previousValue = 0;
            _levelToReach = 0.0;
            _finalStepTaken = false;
            _current = default;
        }

        public readonly HistogramIterationValue Current => _current;

        public bool MoveNext()
        {
            if (_histogram._totalCount != _totalCount)
                ThrowModified();
            if (_runningCount >= _totalCount)
            {
                // All counts were passed: one more step, at exactly 100%, reports the last slot again.
                if (_finalStepTaken || _totalCount == 0)
                    return false;
                _finalStepTaken = true;
                _levelToReach = 100.0;
            }

            long[] counts = _histogram._counts;
            while (_index < counts.Length)
            {
                long countAtIndex = counts[_index];
                // A slot's count joins the running total once, even when it satisfies several levels in a row.
                if (_freshIndex)
                {
                    _runningCount += countAtIndex;
                    _freshIndex = false;
                }
                if (countAtIndex != 0 && 100.0 * _runningCount / _totalCount >= _levelToReach)
                {
                    long value = _histogram.HighestEquivalentValue(_histogram.ValueFromIndex(_index));
                    _current = new HistogramIterationValue(value, _previousValue, countAtIndex,
                        _runningCount - _runningCountAtPreviousStep, _runningCount,
                        100.0 * _runningCount / _totalCount, _levelToReach);
                    _previousValue = value;
                    _runningCountAtPreviousStep = _runningCount;
                    AdvanceLevel();
                    return true;
                }
                _index++;
                _freshIndex = true;
            }
            return false;
        }

        private void AdvanceLevel()
        {
            if (_finalStepTaken)
                return;
            // Ticks double with every halving of the distance to 100%: levels 0, 10, 20, .. 50, 55, .. 75, 77.5 ..
            // for 5 ticks per half distance. The floating-point steps (Log/Log(2), truncation) are HdrHistogram's own,
            // so the reported levels agree with its output to the last printed digit.
            long halvings = (long)(Math.Log(100.0 / (100.0 - _levelToReach)) / Math.Log(2));
            long ticks = _ticksPerHalfDistance * (long)Math.Pow(2, halvings + 1);
            _levelToReach += 100.0 / ticks;
        }
    }

    /// <summary>The <c>foreach</c> source of <see cref="RecordedValues"/>.</summary>
    public readonly struct RecordedValuesEnumerable
    {
        private readonly LongHistogram _histogram;

        internal RecordedValuesEnumerable(LongHistogram histogram) => _histogram = histogram;

        public RecordedValuesEnumerator GetEnumerator() => new(_histogram);
    }

    /// <summary>Non-empty-slot enumerator (mutable struct; use through <c>foreach</c>).</summary>
    public struct RecordedValuesEnumerator
    {
        private readonly LongHistogram _histogram;
        private readonly long _totalCount;
        private int _index;
        private long _runningCount;
        private long _previousValue;
        private HistogramIterationValue _current;

        internal RecordedValuesEnumerator(LongHistogram histogram)
        {
            _histogram = histogram;
            _totalCount = histogram._totalCount;
            _index = -1;
            _runningCount = 0;
            _previousValue = 0;
            _current = default;
        }

        public readonly HistogramIterationValue Current => _current;

        public bool MoveNext()
        {
            if (_histogram._totalCount != _totalCount)
                ThrowModified();
            long[] counts = _histogram._counts;
            while (++_index < counts.Length)
            {
                long count = counts[_index];
                if (count == 0)
                    continue;
                _runningCount += count;
                long value = _histogram.HighestEquivalentValue(_histogram.ValueFromIndex(_index));
                double percentile = 100.0 * _runningCount / _totalCount;
                _current = new HistogramIterationValue(value, _previousValue, count, count, _runningCount, percentile, percentile);
                _previousValue = value;
                return true;
            }
            return false;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowModified()
        => throw new InvalidOperationException("The histogram was recorded into while it was being enumerated.");
}
