using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Tests.Engine.Metrics;

public class HistogramLogWriterTests
{
    [Fact]
    public void WriteHistogram_ReferenceInterval_LinesEqualLibraryLogAndPayloadDecodesToReference()
    {
        // Reference: a log started at 1600000000 s with one 60 s interval holding all reference values.
        IReadOnlyList<string> expected = HdrReference.Section("HistogramLogWriter output");
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var log = new HistogramLogWriter(text);

        log.WriteLogFormatVersion();
        log.WriteStartTime(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000));
        log.WriteLegend();
        log.WriteHistogram(HdrReference.Recorded, 1_600_000_000, 60);

        string[] actual = text.ToString().Split('\n');
        Assert.Equal(5, actual.Length);
        Assert.Equal("", actual[4]);
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected[1], actual[1]);
        Assert.Equal(expected[2], actual[2]);
        // The compressed payload's bytes depend on the zlib build (reference note), so the columns before it must
        // match exactly and the payloads must decode to the same histogram.
        string[] expectedColumns = expected[3].Split(',');
        string[] actualColumns = actual[3].Split(',');
        Assert.Equal(expectedColumns[..3], actualColumns[..3]);
        byte[] expectedV2 = LongHistogram.DecodeV2Compressed(Convert.FromBase64String(expectedColumns[3])).EncodeV2();
        byte[] actualV2 = LongHistogram.DecodeV2Compressed(Convert.FromBase64String(actualColumns[3])).EncodeV2();
        Assert.True(expectedV2.AsSpan().SequenceEqual(actualV2));
        Assert.True(actualV2.AsSpan().SequenceEqual(Convert.FromBase64String(HdrReference.Section("V2 uncompressed encoding")[0])));
    }

    [Fact]
    public void WriteHistogram_Tagged_PrefixesTagColumn()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var histogram = new LongHistogram(1, 1_000_000_000, 3);
        histogram.RecordValue(2_000_000);

        new HistogramLogWriter(text).WriteHistogram(histogram, 1.5, 10, tag: "binance");

        Assert.StartsWith("Tag=binance,1.500,10.000,2.001,HISTF", text.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new HistogramLogWriter(text).WriteHistogram(histogram, 0, 1, tag: "a,b"));
    }
}
