using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Tests.Engine.Metrics;

public class LongHistogramTests
{
    private const long Hour = 3_600_000_000_000;

    [Theory]
    [InlineData(0L, 100L, 3, "lowestDiscernibleValue", "0")]
    [InlineData(-5L, 100L, 3, "lowestDiscernibleValue", "-5")]
    [InlineData(10L, 19L, 3, "highestTrackableValue", "19")]
    [InlineData(1L, 1L, 3, "highestTrackableValue", "1")]
    [InlineData(1L, 100L, 0, "numberOfSignificantValueDigits", "0")]
    [InlineData(1L, 100L, 6, "numberOfSignificantValueDigits", "6")]
    [InlineData(1L << 60, long.MaxValue, 5, "lowestDiscernibleValue", "1152921504606846976")]
    public void Constructor_ParameterOutOfRange_ThrowsNamingParameterValueAndRange(
        long lowest, long highest, int digits, string parameter, string value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LongHistogram(lowest, highest, digits));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains($"{parameter} = {value}", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"\[|>=|<=", error.Message);
    }

    [Theory]
    [InlineData(1L, 2L, 1)]
    [InlineData(10L, 20L, 5)]
    [InlineData(1L, long.MaxValue, 3)]
    [InlineData(1000L, Hour, 2)]
    public void Constructor_BoundaryParameters_Accepted(long lowest, long highest, int digits)
    {
        var histogram = new LongHistogram(lowest, highest, digits);
        histogram.RecordValue(highest);
        Assert.Equal(1, histogram.TotalCount);
        Assert.Equal(0, histogram.OutOfRangeCount);
    }

    [Fact]
    public void RecordValue_NegativeOrAboveHighest_CountedAsOutOfRangeWithoutThrowing()
    {
        var histogram = new LongHistogram(1, 1_000_000, 3);

        histogram.RecordValue(-1);
        histogram.RecordValue(1_000_001);
        histogram.RecordValue(long.MinValue);
        bool accepted = histogram.TryRecordValue(long.MaxValue);
        bool acceptedTop = histogram.TryRecordValue(1_000_000);
        histogram.RecordValueWithCount(2_000_000, 5);

        Assert.False(accepted);
        Assert.True(acceptedTop);
        Assert.Equal(9, histogram.OutOfRangeCount);
        Assert.Equal(1, histogram.TotalCount);
        // 1000000 lies in the slot 999936..1000447 (reference spot check for 1000000).
        Assert.Equal(1_000_447, histogram.GetMaxValue());
    }

    [Fact]
    public void RecordValueWithCount_NegativeCount_ThrowsNamingCount()
    {
        var histogram = new LongHistogram(1, 1000, 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => histogram.RecordValueWithCount(5, -1));
        Assert.Equal("count", error.ParamName);
    }

    [Fact]
    public void RecordValueWithExpectedInterval_DocumentedStallExample_AddsTheOmittedSamples()
    {
        // HdrHistogram README, "Corrected vs. Raw value recording calls": a loop expected to sample every 10 msec
        // records 10,000 results of 1 msec, then one of 100 seconds (a stall). The stall hid the samples that would
        // have seen 99.99 s, 99.98 s, ... 10 msec; correction records value - k*interval down to the interval.
        // Units here are msec.
        var raw = new LongHistogram(1, 3_600_000, 3);
        var corrected = new LongHistogram(1, 3_600_000, 3);
        for (int i = 0; i < 10_000; i++)
        {
            raw.RecordValue(1);
            corrected.RecordValueWithExpectedInterval(1, 10);
        }
        raw.RecordValue(100_000);
        corrected.RecordValueWithExpectedInterval(100_000, 10);

        // 100000, 99990, ..., 10: 10,000 values of the stall plus the 10,000 ones.
        Assert.Equal(10_001, raw.TotalCount);
        Assert.Equal(20_000, corrected.TotalCount);
        Assert.Equal(1, corrected.GetCountAtValue(10));
        Assert.Equal(0, corrected.GetCountAtValue(9));
        // Raw: the stall is invisible up to the 99.99th percentile.
        Assert.Equal(1, raw.GetValueAtPercentile(99.0));
        Assert.Equal(1, raw.GetValueAtPercentile(99.99));
        // Corrected: half the samples were taken during the stall. Rank 10000 (p50) is the last 1 msec result;
        // rank 15000 (p75) is the 5000th omitted sample, 50000 msec, reported as the top of its slot: 50000 lies in
        // bucket floor(log2 50000) - 10 = 5 (slot width 2^5 = 32), slot 49984..50015. Rank 19800 (p99) is 98000 msec,
        // slot width 64, slot 97984..98047.
        Assert.Equal(1, corrected.GetValueAtPercentile(50.0));
        Assert.Equal(50_015, corrected.GetValueAtPercentile(75.0));
        Assert.Equal(98_047, corrected.GetValueAtPercentile(99.0));
        // Mean of (10000 * 1 + 10 * (1 + ... + 10000)) / 20000 = 25003.0 msec; slots keep it within 0.1%.
        Assert.InRange(corrected.GetMean(), 25_003.0 * 0.999, 25_003.0 * 1.001);
    }

    [Fact]
    public void RecordValueWithExpectedInterval_ValueBelowIntervalOrNonPositiveInterval_RecordsOnlyTheValue()
    {
        var histogram = new LongHistogram(1, 1_000_000, 3);
        histogram.RecordValueWithExpectedInterval(9, 10);
        histogram.RecordValueWithExpectedInterval(500, 0);
        histogram.RecordValueWithExpectedInterval(500, -3);
        // 25 with interval 10: 25 and 15 (5 < 10 is not added).
        histogram.RecordValueWithExpectedInterval(25, 10);
        Assert.Equal(5, histogram.TotalCount);
        Assert.Equal(1, histogram.GetCountAtValue(15));
        Assert.Equal(0, histogram.GetCountAtValue(5));
    }

    [Fact]
    public void Add_PerThreadHalvesOfReferenceInput_EqualsRecordingEverythingInOne()
    {
        var even = new LongHistogram(HdrReference.Lowest, HdrReference.Highest, HdrReference.Digits);
        var odd = new LongHistogram(HdrReference.Lowest, HdrReference.Highest, HdrReference.Digits);
        long[] values = HdrReference.Values;
        for (int i = 0; i < values.Length; i++)
            (i % 2 == 0 ? even : odd).RecordValue(values[i]);
        odd.RecordValue(-1);

        even.Add(odd);

        Assert.Equal(HdrReference.ValueCount, even.TotalCount);
        Assert.Equal(1, even.OutOfRangeCount);
        // Byte-equal V2 encodings mean every slot count is equal; the .hgrm text is the library's.
        Assert.True(even.EncodeV2().AsSpan().SequenceEqual(HdrReference.Recorded.EncodeV2()));
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        even.OutputPercentileDistribution(writer);
        LongHistogramReferenceTests.AssertSameText(HdrReference.SectionText(HdrReference.HgrmNanos), writer.ToString());
    }

    [Fact]
    public void Add_SmallerCompatibleRange_AddsSlotBySlot()
    {
        var total = new LongHistogram(1, Hour, 3);
        var small = new LongHistogram(1, 1_000_000, 3);
        small.RecordValue(7);
        small.RecordValueWithCount(999_999, 3);

        total.Add(small);

        Assert.Equal(4, total.TotalCount);
        Assert.Equal(1, total.GetCountAtValue(7));
        Assert.Equal(3, total.GetCountAtValue(999_999));
    }

    [Fact]
    public void Add_DifferentPrecision_RecordsEachSlotAtItsLowestEquivalentValue()
    {
        // 2 digits: 256 sub-buckets; 1001 lies in bucket floor(log2 1001) - 7 = 2, slot width 4, slot 1000..1003.
        var coarse = new LongHistogram(1, 1_000_000, 2);
        coarse.RecordValue(1001);
        coarse.RecordValue(5);
        var fine = new LongHistogram(1, 1_000_000, 3);

        fine.Add(coarse);

        Assert.Equal(2, fine.TotalCount);
        Assert.Equal(1, fine.GetCountAtValue(1000));
        Assert.Equal(0, fine.GetCountAtValue(1001));
        Assert.Equal(1, fine.GetCountAtValue(5));
    }

    [Fact]
    public void Add_OtherHoldsValueAboveHighest_ThrowsAndChangesNothing()
    {
        var target = new LongHistogram(1, 1_000_000, 3);
        target.RecordValue(10);
        var other = new LongHistogram(1, Hour, 3);
        other.RecordValue(20);
        other.RecordValue(5_000_000);

        var error = Assert.Throws<ArgumentException>(() => target.Add(other));

        Assert.Equal("other", error.ParamName);
        Assert.Equal(1, target.TotalCount);
        Assert.Equal(0, target.GetCountAtValue(20));
    }

    [Fact]
    public void Reset_AfterRecording_EmptiesCountsTotalsAndOutOfRange()
    {
        LongHistogram histogram = HdrReference.Recorded.Copy();
        histogram.RecordValue(-1);

        histogram.Reset();

        Assert.Equal(0, histogram.TotalCount);
        Assert.Equal(0, histogram.OutOfRangeCount);
        Assert.Equal(0, histogram.GetMaxValue());
        Assert.Equal(0, histogram.GetMinValue());
        Assert.Equal(0, histogram.GetValueAtPercentile(99));
        Assert.Equal(0.0, histogram.GetMean());
        for (int i = 0; i < histogram.CountsArrayLength; i++)
            Assert.Equal(0, histogram.GetCountAtIndex(i));
        // Usable again after the reset.
        histogram.RecordValue(42);
        Assert.Equal(42, histogram.GetValueAtPercentile(100));
    }

    [Fact]
    public void Copy_ThenRecordIntoCopy_OriginalUnchanged()
    {
        var original = new LongHistogram(1, 1_000_000, 3);
        original.RecordValue(100);
        LongHistogram copy = original.Copy();
        copy.RecordValue(200);
        Assert.Equal(1, original.TotalCount);
        Assert.Equal(2, copy.TotalCount);
        Assert.Equal(1, copy.GetCountAtValue(100));
    }

    [Fact]
    public void EquivalenceFunctions_SweepOfValues_SlotContainsValueAndKeepsThreeDigits()
    {
        // Definition of the layout: every value lies in its slot, and a slot is at most 1/1024 of its lowest value
        // (2048 sub-buckets, upper half used), i.e. better than the 3 significant digits asked for.
        var histogram = new LongHistogram(1, long.MaxValue, 3);
        var random = new HdrReference.SplitMix64(7);
        for (int i = 0; i < 20_000; i++)
        {
            int magnitude = (int)(random.Next() % 63);
            long value = (long)(random.Next() >> (64 - 1 - magnitude)) & long.MaxValue;
            long lowest = histogram.LowestEquivalentValue(value);
            long size = histogram.SizeOfEquivalentValueRange(value);
            Assert.InRange(value, lowest, histogram.HighestEquivalentValue(value));
            Assert.True(size > 0 && (size & (size - 1)) == 0, $"size {size} of {value} is a power of two");
            Assert.True(size == 1 || lowest >= 1024 * size, $"slot of {value}: {lowest} + {size}");
            Assert.Equal(lowest, histogram.LowestEquivalentValue(histogram.HighestEquivalentValue(value)));
            Assert.Equal(lowest, histogram.LowestEquivalentValue(histogram.MedianEquivalentValue(value)));
        }
        // The largest slots are far beyond int: the library's 32-bit shift bug would show here.
        Assert.Equal(1L << 52, histogram.SizeOfEquivalentValueRange(long.MaxValue));
    }

    [Fact]
    public void RecordedValues_ReferenceInput_VisitsEveryNonEmptySlotInOrder()
    {
        LongHistogram histogram = HdrReference.Recorded;
        long total = 0, previous = -1;
        int steps = 0;
        foreach (HistogramIterationValue step in histogram.RecordedValues())
        {
            Assert.True(step.ValueIteratedTo > previous);
            Assert.Equal(step.CountAtValueIteratedTo, histogram.GetCountAtValue(step.ValueIteratedTo));
            total += step.CountAddedInThisIterationStep;
            Assert.Equal(total, step.TotalCountToThisValue);
            previous = step.ValueIteratedTo;
            steps++;
        }
        Assert.Equal(HdrReference.ValueCount, total);
        Assert.Equal(histogram.GetMaxValue(), previous);
        Assert.Equal(HdrReference.Values.Select(histogram.LowestEquivalentValue).Distinct().Count(), steps);
    }

    [Fact]
    public void Percentiles_EmptyHistogram_YieldsNothing()
    {
        var histogram = new LongHistogram(1, 1000, 3);
        int steps = 0;
        foreach (HistogramIterationValue _ in histogram.Percentiles(5))
            steps++;
        Assert.Equal(0, steps);
    }

    [Fact]
    public void Percentiles_RecordIntoHistogramWhileEnumerating_Throws()
    {
        var histogram = new LongHistogram(1, 1000, 3);
        histogram.RecordValue(1);
        histogram.RecordValue(2);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (HistogramIterationValue _ in histogram.Percentiles(5))
                histogram.RecordValue(3);
        });
    }

    [Fact]
    public void RecordValue_AfterWarmUp_AllocatesNothingOverOneMillionCalls()
    {
        var histogram = new LongHistogram(1, Hour, 3);
        long[] values = HdrReference.Values;
        for (int i = 0; i < 10_000; i++)
        {
            histogram.RecordValue(values[i]);
            histogram.TryRecordValue(-values[i]);
            histogram.RecordValueWithExpectedInterval(values[i] % 1000, 100);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < values.Length; i++)
            histogram.RecordValue(values[i]);
        for (int i = 0; i < 100_000; i++)
        {
            histogram.TryRecordValue(-values[i]);
            histogram.RecordValueWithExpectedInterval(values[i] % 1000, 100);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(110_000, histogram.OutOfRangeCount);
    }

    [Fact]
    public void TryDecodeV2_MalformedInput_RejectedWithReason()
    {
        var histogram = new LongHistogram(1, 1_000_000, 3);
        histogram.RecordValue(12345);
        byte[] good = histogram.EncodeV2();

        AssertRejected(good.AsSpan(0, 39).ToArray(), HistogramDecodeError.Truncated);
        AssertRejected(good.AsSpan(0, good.Length - 1).ToArray(), HistogramDecodeError.Truncated);
        byte[] cookie = (byte[])good.Clone();
        cookie[3] ^= 0x01;
        AssertRejected(cookie, HistogramDecodeError.UnknownCookie);
        byte[] digits = (byte[])good.Clone();
        digits[15] = 9;
        AssertRejected(digits, HistogramDecodeError.InvalidParameters);
        byte[] unterminated = (byte[])good.Clone();
        unterminated[^1] |= 0x80;
        AssertRejected(unterminated, HistogramDecodeError.MalformedCount);
        Assert.False(LongHistogram.TryDecodeV2Compressed(good, out _, out HistogramDecodeError error));
        Assert.Equal(HistogramDecodeError.UnknownCookie, error);
        Assert.Throws<FormatException>(() => LongHistogram.DecodeV2(cookie));

        static void AssertRejected(byte[] input, HistogramDecodeError expected)
        {
            Assert.False(LongHistogram.TryDecodeV2(input, out LongHistogram? decoded, out HistogramDecodeError reason));
            Assert.Null(decoded);
            Assert.Equal(expected, reason);
        }
    }

    [Fact]
    public void EncodeV2Compressed_RoundTrip_SameCounts()
    {
        byte[] compressed = HdrReference.Recorded.EncodeV2Compressed();
        LongHistogram decoded = LongHistogram.DecodeV2Compressed(compressed);
        Assert.True(decoded.EncodeV2().AsSpan().SequenceEqual(HdrReference.Recorded.EncodeV2()));
    }
}
