using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Tests.Engine.Metrics;

/// <summary>
/// FastEngine's <see cref="LongHistogram"/> against HdrHistogram.NET's own results for the same 1,000,000 inputs
/// (Fixtures/Hdr/reference.txt). Every expected value is read from that file.
/// </summary>
public class LongHistogramReferenceTests
{
    private const string GeneratorSection = "generator check";
    private const string HistogramSection = "histogram LongHistogram";
    private const string SpotSection = "equivalence spot checks";

    [Fact]
    public void Generator_FirstLastSumXorMinMaxSpikes_MatchReferenceCheckLines()
    {
        long[] values = HdrReference.Values;
        var random = new HdrReference.SplitMix64(42);
        long sum = 0, xor = 0, min = long.MaxValue, max = long.MinValue;
        int spikes = 0;
        for (int i = 0; i < HdrReference.ValueCount; i++)
        {
            long value = HdrReference.NextValue(ref random, out bool spike);
            Assert.Equal(values[i], value);
            sum += value;
            xor ^= value;
            min = Math.Min(min, value);
            max = Math.Max(max, value);
            spikes += spike ? 1 : 0;
        }

        Assert.Equal(HdrReference.Field(GeneratorSection, "first10"), string.Join(",", values.Take(10)));
        Assert.Equal(HdrReference.Field(GeneratorSection, "last3"), string.Join(",", values.TakeLast(3)));
        Assert.Equal(HdrReference.Field(GeneratorSection, "raw_sum"), sum.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(GeneratorSection, "raw_xor"), xor.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(GeneratorSection, "raw_min"), min.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(GeneratorSection, "raw_max"), max.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(GeneratorSection, "spikes"), spikes.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Layout_ReferenceParameters_BucketsSubBucketsAndFootprintMatch()
    {
        var histogram = new LongHistogram(HdrReference.Lowest, HdrReference.Highest, HdrReference.Digits);
        Assert.Equal(long.Parse(HdrReference.Field(HistogramSection, "bucketCount"), CultureInfo.InvariantCulture), histogram.BucketCount);
        Assert.Equal(long.Parse(HdrReference.Field(HistogramSection, "subBucketCount"), CultureInfo.InvariantCulture), histogram.SubBucketCount);
        Assert.Equal(long.Parse(HdrReference.Field(HistogramSection, "footprintBytes"), CultureInfo.InvariantCulture), histogram.EstimatedFootprintInBytes);
    }

    [Fact]
    public void Summary_AllValuesRecorded_TotalMinMaxMeanStdDevMatchReference()
    {
        LongHistogram histogram = HdrReference.Recorded;
        Assert.Equal(HdrReference.Field(HistogramSection, "totalCount"), histogram.TotalCount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, histogram.OutOfRangeCount);
        Assert.Equal(HdrReference.Field(HistogramSection, "min(lowestEquivalent of first non-empty bucket)"),
            histogram.GetMinValue().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(HistogramSection, "max(GetMaxValue = highestEquivalent)"),
            histogram.GetMaxValue().ToString(CultureInfo.InvariantCulture));
        // The reference prints the mean with 6 decimals and the deviation with .NET's shortest round-trip form.
        Assert.Equal(HdrReference.Field(HistogramSection, "mean"), histogram.GetMean().ToString("F6", CultureInfo.InvariantCulture));
        Assert.Equal(HdrReference.Field(HistogramSection, "stddev"), histogram.GetStdDeviation().ToString(CultureInfo.InvariantCulture));
    }

    public static TheoryData<string, long> ReferencePercentiles()
    {
        var data = new TheoryData<string, long>();
        foreach (string line in HdrReference.Section(HistogramSection).Where(l => l.StartsWith('p')))
        {
            string[] parts = line.Split(':', StringSplitOptions.TrimEntries);
            data.Add(parts[0][1..], long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ReferencePercentiles))]
    public void GetValueAtPercentile_ReferencePercentile_MatchesReference(string percentile, long expected)
    {
        Assert.Equal(expected, HdrReference.Recorded.GetValueAtPercentile(double.Parse(percentile, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void ReferencePercentiles_FileListsEightLevels()
    {
        // Guards the theory above against a parsing slip that would silently test nothing.
        Assert.Equal(8, ReferencePercentiles().Count());
    }

    public static TheoryData<long, long, long, long, long, long> SpotChecks()
    {
        var data = new TheoryData<long, long, long, long, long, long>();
        foreach (string line in HdrReference.Section(SpotSection))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string[] sides = line.Split("->", StringSplitOptions.TrimEntries);
            long[] right = sides[1].Split(',').Select(s => long.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray();
            data.Add(long.Parse(sides[0], CultureInfo.InvariantCulture), right[0], right[1], right[2], right[3], right[4]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SpotChecks))]
    public void EquivalenceFunctions_ReferenceSpotCheck_MatchReferenceExceptDocumentedOverflow(
        long value, long lowest, long highest, long median, long size, long count)
    {
        LongHistogram histogram = HdrReference.Recorded;
        Assert.Equal(lowest, histogram.LowestEquivalentValue(value));
        Assert.Equal(count, histogram.GetCountAtValue(value));
        if (size <= 0)
        {
            // The reference's own note: HdrHistogram.NET shifts an int here and overflows for slots of 2^31 and
            // wider. The true slot width at bucket index 31 (values 2^41..2^42 with 2048 sub-buckets) is 2^31, from
            // which the highest and median equivalents follow.
            Assert.Equal(3_600_000_000_000, value);
            Assert.Equal(1L << 31, histogram.SizeOfEquivalentValueRange(value));
            Assert.Equal(lowest + (1L << 31) - 1, histogram.HighestEquivalentValue(value));
            Assert.Equal(lowest + (1L << 30), histogram.MedianEquivalentValue(value));
            Assert.Equal(lowest + (1L << 31), histogram.NextNonEquivalentValue(value));
            return;
        }
        Assert.Equal(highest, histogram.HighestEquivalentValue(value));
        Assert.Equal(median, histogram.MedianEquivalentValue(value));
        Assert.Equal(size, histogram.SizeOfEquivalentValueRange(value));
        Assert.Equal(highest + 1, histogram.NextNonEquivalentValue(value));
    }

    [Fact]
    public void SpotChecks_FileListsElevenValues() => Assert.Equal(11, SpotChecks().Count());

    [Theory]
    [InlineData(HdrReference.HgrmNanos, 1.0, false)]
    [InlineData(HdrReference.HgrmMicros, 1000.0, false)]
    [InlineData(HdrReference.HgrmCsv, 1000.0, true)]
    public void OutputPercentileDistribution_ReferenceVariant_EqualsLibraryOutputCharacterForCharacter(
        string section, double scaling, bool csv)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        HdrReference.Recorded.OutputPercentileDistribution(writer, 5, scaling, csv);
        AssertSameText(HdrReference.SectionText(section), writer.ToString());
    }

    [Fact]
    public void EncodeV2_AllValuesRecorded_BytesEqualReferenceBase64()
    {
        IReadOnlyList<string> section = HdrReference.Section("V2 uncompressed encoding");
        byte[] expected = Convert.FromBase64String(section[0]);
        Assert.Equal(27967, expected.Length);

        byte[] actual = HdrReference.Recorded.EncodeV2();

        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"first difference at byte {FirstDifference(expected, actual)}");
    }

    [Fact]
    public void DecodeV2_ReferenceBytes_ReproducesEveryCountAndPercentile()
    {
        byte[] encoded = Convert.FromBase64String(HdrReference.Section("V2 uncompressed encoding")[0]);

        LongHistogram decoded = LongHistogram.DecodeV2(encoded);

        LongHistogram recorded = HdrReference.Recorded;
        Assert.Equal(recorded.TotalCount, decoded.TotalCount);
        Assert.Equal(recorded.CountsArrayLength, decoded.CountsArrayLength);
        for (int i = 0; i < recorded.CountsArrayLength; i++)
            Assert.Equal(recorded.GetCountAtIndex(i), decoded.GetCountAtIndex(i));
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        decoded.OutputPercentileDistribution(writer);
        AssertSameText(HdrReference.SectionText(HdrReference.HgrmNanos), writer.ToString());
    }

    [Fact]
    public void DecodeV2Compressed_ReferenceLogLine_MatchesReferenceRoundTrip()
    {
        // The library's log line carries the zlib-compressed V2 form; its bytes depend on zlib, so decode and
        // compare what the reference's own round-trip printed.
        IReadOnlyList<string> log = HdrReference.Section("HistogramLogWriter output");
        string dataLine = log.Single(l => l.StartsWith("1600000000.000,", StringComparison.Ordinal));
        string base64 = dataLine.Split(',')[3];

        LongHistogram decoded = LongHistogram.DecodeV2Compressed(Convert.FromBase64String(base64));

        string roundTrip = HdrReference.Lines.Single(l => l.StartsWith("== log round-trip:", StringComparison.Ordinal));
        Assert.Contains($"totalCount={decoded.TotalCount}", roundTrip, StringComparison.Ordinal);
        Assert.Contains($"p99={decoded.GetValueAtPercentile(99)}", roundTrip, StringComparison.Ordinal);
        Assert.Contains($"max={decoded.GetMaxValue()}", roundTrip, StringComparison.Ordinal);
        Assert.True(decoded.EncodeV2().AsSpan().SequenceEqual(HdrReference.Recorded.EncodeV2()));
    }

    internal static void AssertSameText(string expected, string actual)
    {
        string[] expectedLines = expected.Split('\n');
        string[] actualLines = actual.Split('\n');
        for (int i = 0; i < Math.Min(expectedLines.Length, actualLines.Length); i++)
            Assert.True(expectedLines[i] == actualLines[i], $"line {i + 1}: expected [{expectedLines[i]}] actual [{actualLines[i]}]");
        Assert.Equal(expectedLines.Length, actualLines.Length);
        Assert.Equal(expected, actual);
    }

    private static int FirstDifference(byte[] expected, byte[] actual)
    {
        for (int i = 0; i < Math.Min(expected.Length, actual.Length); i++)
        {
            if (expected[i] != actual[i])
                return i;
        }
        return Math.Min(expected.Length, actual.Length);
    }
}
