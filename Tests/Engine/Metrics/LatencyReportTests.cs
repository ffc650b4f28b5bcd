using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using FastEngine.Metrics;
using FastEngine.Tests.Engine.Capture;

namespace FastEngine.Tests.Engine.Metrics;

/// <summary>
/// LatencyReport checked against outside truth: the .hgrm against HdrHistogram.NET's own output
/// (Fixtures/Hdr/reference.txt), the table and JSON against values derived by hand from HdrHistogram's documented slot
/// layout for a uniform 1..100000 ns distribution, and the SVG against its own axis labels (what a reader sees).
/// </summary>
public sealed class LatencyReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly LatencyReportMetadata Metadata = new("Replay latency")
    {
        Machine = "test machine",
        Runtime = ".NET test",
        Date = new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero),
        WaitStrategy = "busy-spin",
        Topology = "4 stage threads",
    };

    /// <summary>1..100000 ns, each once, in a (1, 3.6e12, 3) histogram.</summary>
    private static LongHistogram Uniform()
    {
        var histogram = new LongHistogram(1, 3_600_000_000_000, 3);
        for (long value = 1; value <= 100_000; value++)
            histogram.RecordValue(value);
        return histogram;
    }

    private static LongHistogram Empty() => new(1, 3_600_000_000_000, 3);

    private static IReadOnlyList<(string Name, LongHistogram Histogram)> Stages() =>
    [
        ("receive→book", Uniform()),
        ("end-to-end", HdrReference.Recorded),
        ("receive→intent", Empty()),
    ];

    // HdrHistogram's layout for 3 significant digits and unit 1: 2048 slots of width 1 below 2048, then each power of
    // two [2^k, 2^(k+1)) split into 1024 slots of width 2^(k-10). Percentile rank = (long)(p/100 * count + 0.5) and the
    // reported value is the top of the slot holding that rank; with values 1..100000 the rank is the value itself.
    private static long SlotWidth(long value) => value < 2048 ? 1 : 1L << (63 - (int)long.LeadingZeroCount(value) - 10);

    private static long SlotTop(long value) => value - value % SlotWidth(value) + SlotWidth(value) - 1;

    [Fact]
    public void SlotTop_HandDerivedUniformPercentiles_MatchWorkedValues()
    {
        // Worked by hand: 50000 lies in [32768, 65536), width 32: slot [49984, 50015].
        Assert.Equal(50_015, SlotTop(50_000));
        Assert.Equal(90_047, SlotTop(90_000));   // width 64: [89984, 90047]
        Assert.Equal(99_007, SlotTop(99_000));   // [98944, 99007]
        Assert.Equal(99_903, SlotTop(99_900));   // [99840, 99903]
        Assert.Equal(100_031, SlotTop(99_990));  // [99968, 100031], which also holds 100000
        Assert.Equal(2047, SlotTop(2047));
    }

    [Fact]
    public void WriteMarkdown_Uniform1To100000_RowHoldsDocumentedPercentilesInMicros()
    {
        LongHistogram histogram = Uniform();
        var writer = new StringWriter(CultureInfo.InvariantCulture);

        LatencyReport.WriteMarkdown(writer, [("receive→book", histogram)], Metadata);

        // Mean over slot middles (lowest + width/2), each value once.
        decimal sum = 0;
        for (long value = 1; value <= 100_000; value++)
            sum += value - value % SlotWidth(value) + SlotWidth(value) / 2;
        string mean = (sum / 100_000 / 1000).ToString("F3", CultureInfo.InvariantCulture);
        string expectedRow = "| receive→book | 100000 | 0.001 | 50.015 | 90.047 | 99.007 | 99.903 | 100.031 | 100.031 | " + mean + " |";
        string[] lines = writer.ToString().Split('\n');
        Assert.Contains(expectedRow, lines);

        // And the same numbers through the histogram's own queries, formatted as the brief states.
        string[] cells = lines.Single(l => l.StartsWith("| receive→book", StringComparison.Ordinal)).Split(" | ");
        double[] percentiles = [50, 90, 99, 99.9, 99.99];
        for (int i = 0; i < percentiles.Length; i++)
            Assert.Equal((histogram.GetValueAtPercentile(percentiles[i]) / 1000.0).ToString("F3", CultureInfo.InvariantCulture), cells[3 + i]);
        Assert.Equal((histogram.GetMean() / 1000.0).ToString("F3", CultureInfo.InvariantCulture), mean);
    }

    [Fact]
    public void WriteMarkdown_Metadata_HeaderLinesAndTableHeader()
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);

        LatencyReport.WriteMarkdown(writer, Stages(), Metadata);

        string text = writer.ToString();
        Assert.StartsWith("# Replay latency\n\n- Machine: test machine\n- Runtime: .NET test\n- Date: 2026-01-31T12:00:00+00:00\n"
            + "- Wait strategy: busy-spin\n- Topology: 4 stage threads\n\n"
            + "| Histogram | Count | Min (µs) | p50 (µs) | p90 (µs) | p99 (µs) | p99.9 (µs) | p99.99 (µs) | Max (µs) | Mean (µs) |\n",
            text, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', text);
    }

    [Fact]
    public void WriteMarkdown_EmptyHistogram_RowOfDashes()
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);

        LatencyReport.WriteMarkdown(writer, [("receive→intent", Empty())], new LatencyReportMetadata("t"));

        Assert.Contains("\n| receive→intent | 0 | - | - | - | - | - | - | - | - |\n", writer.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("# t\n\n| Histogram", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteMarkdown_ReferenceHistogram_MatchesHdrHistogramNetFigures()
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);

        LatencyReport.WriteMarkdown(writer, [("ref", HdrReference.Recorded)], Metadata);

        // reference.txt: min 1, p99 = 15155199, max = 10410262527, mean = 1040145.710618 (ns), HdrHistogram.NET's own.
        string row = writer.ToString().Split('\n').Single(l => l.StartsWith("| ref |", StringComparison.Ordinal));
        string[] cells = row.Split(" | ");
        Assert.Equal("1000000", cells[1]);
        Assert.Equal("0.001", cells[2]);
        Assert.Equal("15155.199", cells[5]);
        Assert.Equal("10410262.527", cells[8]);
        Assert.Equal("1040.146 |", cells[9]);
    }

    [Fact]
    public void Write_HgrmFiles_EqualHdrHistogramNetOutputAndOwnOutputPercentileDistribution()
    {
        using var directory = new TempDirectory();
        IReadOnlyList<(string Name, LongHistogram Histogram)> stages = Stages();

        IReadOnlyList<string> written = LatencyReport.Write(directory.Path, "run1", stages, Metadata);

        Assert.Equal(
            ["run1-receive_book.hgrm", "run1-end-to-end.hgrm", "run1-receive_intent.hgrm", "run1.md", "run1.svg", "run1.json"],
            written.Select(Path.GetFileName));
        Assert.All(written, path => Assert.Equal(directory.Path, Path.GetDirectoryName(path)));
        // The reference histogram's file is what HdrHistogram.NET printed for OutputPercentileDistribution(writer, 5, 1000.0).
        LongHistogramReferenceTests.AssertSameText(HdrReference.SectionText(HdrReference.HgrmMicros), File.ReadAllText(written[1]));
        for (int i = 0; i < stages.Count; i++)
        {
            var expected = new StringWriter(CultureInfo.InvariantCulture);
            stages[i].Histogram.OutputPercentileDistribution(expected, 5, 1000.0);
            byte[] bytes = File.ReadAllBytes(written[i]);
            Assert.False(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]), "no BOM");
            Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(bytes));
        }
    }

    [Fact]
    public void Write_SameInputTwice_ByteIdenticalFiles()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        IReadOnlyList<string> a = LatencyReport.Write(first.Path, "latency", Stages(), Metadata);
        IReadOnlyList<string> b = LatencyReport.Write(second.Path, "latency", Stages(), Metadata);

        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
            Assert.True(File.ReadAllBytes(a[i]).AsSpan().SequenceEqual(File.ReadAllBytes(b[i])), $"{Path.GetFileName(a[i])} differs");
    }

    [Theory]
    [InlineData("a b", "a_b")]
    [InlineData("Book", "book")]
    public void Write_NamesGivingSameFileName_ThrowsNamingBoth(string first, string second)
    {
        using var directory = new TempDirectory();

        var error = Assert.Throws<ArgumentException>(() =>
            LatencyReport.Write(directory.Path, "p", [(first, Empty()), (second, Empty())], Metadata));

        Assert.Contains($"'{first}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{second}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/b")]
    public void Write_PrefixNotAFileName_Throws(string prefix)
    {
        using var directory = new TempDirectory();

        Assert.Throws<ArgumentException>(() => LatencyReport.Write(directory.Path, prefix, [("a", Empty())], Metadata));
    }

    [Fact]
    public void WriteJson_DuplicateName_Throws()
    {
        using var stream = new MemoryStream();
        using var json = new Utf8JsonWriter(stream);

        Assert.Throws<ArgumentException>(() => LatencyReport.WriteJson(json, [("a", Empty()), ("a", Uniform())], Metadata));
    }

    [Theory]
    [InlineData("receive→book", "receive_book")]
    [InlineData("end-to-end", "end-to-end")]
    [InlineData("  →→ ", "histogram")]
    [InlineData("p99 (µs).x", "p99_s_.x")]
    public void SanitizeFileName_Names_KeepsSafeAsciiOnly(string name, string expected)
        => Assert.Equal(expected, LatencyReport.SanitizeFileName(name));

    [Fact]
    public void WriteJson_Stages_KeysAndNanosecondValues()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
            LatencyReport.WriteJson(json, Stages(), Metadata);

        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement root = document.RootElement;
        Assert.Equal(["title", "machine", "runtime", "date", "waitStrategy", "topology", "unit", "histograms"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ns", root.GetProperty("unit").GetString());
        Assert.Equal("2026-01-31T12:00:00+00:00", root.GetProperty("date").GetString());
        JsonElement[] histograms = root.GetProperty("histograms").EnumerateArray().ToArray();
        Assert.Equal(["receive→book", "end-to-end", "receive→intent"], histograms.Select(h => h.GetProperty("name").GetString()));
        string[] keys = ["name", "count", "min", "p50", "p90", "p99", "p999", "p9999", "max", "mean"];
        Assert.All(histograms, h => Assert.Equal(keys, h.EnumerateObject().Select(p => p.Name)));

        JsonElement uniform = histograms[0];
        Assert.Equal(100_000, uniform.GetProperty("count").GetInt64());
        Assert.Equal(1, uniform.GetProperty("min").GetInt64());
        Assert.Equal(SlotTop(50_000), uniform.GetProperty("p50").GetInt64());
        Assert.Equal(SlotTop(90_000), uniform.GetProperty("p90").GetInt64());
        Assert.Equal(SlotTop(99_000), uniform.GetProperty("p99").GetInt64());
        Assert.Equal(SlotTop(99_900), uniform.GetProperty("p999").GetInt64());
        Assert.Equal(SlotTop(99_990), uniform.GetProperty("p9999").GetInt64());
        Assert.Equal(SlotTop(100_000), uniform.GetProperty("max").GetInt64());
        Assert.Equal(Uniform().GetMean(), uniform.GetProperty("mean").GetDouble());

        // HdrHistogram.NET's figures for the reference input (reference.txt).
        JsonElement reference = histograms[1];
        Assert.Equal(1_000_000, reference.GetProperty("count").GetInt64());
        Assert.Equal(15_155_199, reference.GetProperty("p99").GetInt64());
        Assert.Equal(10_410_262_527, reference.GetProperty("max").GetInt64());
        Assert.Equal(1040145.710618, reference.GetProperty("mean").GetDouble(), 1e-6);

        JsonElement empty = histograms[2];
        Assert.Equal(0, empty.GetProperty("count").GetInt64());
        Assert.All(keys[2..], key => Assert.Equal(JsonValueKind.Null, empty.GetProperty(key).ValueKind));
    }

    [Fact]
    public void WriteJson_MetadataWithoutOptionalFields_LeavesThemOut()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
            LatencyReport.WriteJson(json, [("a", Uniform())], new LatencyReportMetadata("only a title"));

        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(["title", "unit", "histograms"], document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void WriteSvg_Stages_OnePolylinePerNonEmptyHistogramOnItsAxes()
    {
        IReadOnlyList<(string Name, LongHistogram Histogram)> stages = Stages();
        XElement root = RenderSvg(stages, Metadata);

        XElement[] polylines = root.Descendants(Svg + "polyline").ToArray();
        Assert.Equal(2, polylines.Length);
        Assert.Equal(["receive→book", "end-to-end"], polylines.Select(p => (string?)p.Attribute("data-name")));
        Assert.NotEqual((string?)polylines[0].Attribute("stroke"), (string?)polylines[1].Attribute("stroke"));
        // The legend names every histogram, the empty one marked.
        string legend = root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Value;
        Assert.Contains("receive→book", legend, StringComparison.Ordinal);
        Assert.Contains("receive→intent (no samples)", legend, StringComparison.Ordinal);
        Assert.Equal("Replay latency", root.Element(Svg + "title")!.Value);

        (Func<double, double> xOfPercentile, Func<double, double> yOfMicros) = AxesFromLabels(root);
        for (int s = 0; s < 2; s++)
        {
            (double X, double Y)[] points = Points(polylines[s]);
            var expected = new List<(double Level, long Value)>();
            foreach (HistogramIterationValue step in stages[s].Histogram.Percentiles(5))
            {
                if (step.PercentileLevelIteratedTo <= 99.9999)
                    expected.Add((step.PercentileLevelIteratedTo, step.ValueIteratedTo));
            }
            Assert.Equal(expected.Count, points.Length);
            for (int i = 0; i < points.Length; i++)
            {
                if (i > 0)
                    Assert.True(points[i].X >= points[i - 1].X, $"series {s} point {i}: x {points[i].X} < {points[i - 1].X}");
                // Coordinates carry 2 decimals; the axis positions they are compared with too.
                Assert.True(Math.Abs(xOfPercentile(expected[i].Level) - points[i].X) <= 0.02,
                    $"series {s} point {i}: level {expected[i].Level} expected x {xOfPercentile(expected[i].Level)}, got {points[i].X}");
                Assert.True(Math.Abs(yOfMicros(expected[i].Value / 1000.0) - points[i].Y) <= 0.02,
                    $"series {s} point {i}: value {expected[i].Value} ns expected y {yOfMicros(expected[i].Value / 1000.0)}, got {points[i].Y}");
            }
        }
        // The last level drawn is the last one at or below 99.9999%: the reference curve reaches the axis' right end.
        Assert.True(Points(polylines[1])[^1].X > xOfPercentile(99.999));
    }

    [Fact]
    public void WriteSvg_XAxis_LabelledByDecadesOfOneOverOneMinusP()
    {
        XElement root = RenderSvg([("a", Uniform())], Metadata);

        (string Label, double X)[] ticks = Ticks(root, "x-tick", vertical: true);

        Assert.Equal(["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"], ticks.Select(t => t.Label));
        double spacing = ticks[1].X - ticks[0].X;
        Assert.True(spacing > 0);
        for (int i = 1; i < ticks.Length; i++)
            Assert.Equal(spacing, ticks[i].X - ticks[i - 1].X, 0.011);
    }

    [Fact]
    public void WriteSvg_YAxis_NiceTicksFromZeroCoveringTheHighestValue()
    {
        XElement root = RenderSvg([("a", Uniform())], Metadata);

        double[] labels = Ticks(root, "y-tick", vertical: false).Select(t => double.Parse(t.Label, CultureInfo.InvariantCulture)).ToArray();

        // Highest plotted value 100.031 µs; steps of 1, 2 or 5 x 10^k with at most 8 intervals: 20 µs up to 120.
        Assert.Equal([0, 20, 40, 60, 80, 100, 120], labels);
    }

    [Fact]
    public void WriteSvg_SubMicrosecondValues_TickLabelsWithDecimals()
    {
        var histogram = Empty();
        for (long value = 100; value <= 700; value++)
            histogram.RecordValue(value);

        XElement root = RenderSvg([("fast", histogram)], Metadata);

        string[] labels = Ticks(root, "y-tick", vertical: false).Select(t => t.Label).ToArray();
        Assert.Equal(["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"], labels);
    }

    [Fact]
    public void WriteSvg_OnlyEmptyHistograms_ValidXmlWithoutPolyline()
    {
        XElement root = RenderSvg([("nothing", Empty())], new LatencyReportMetadata("empty run"));

        Assert.Empty(root.Descendants(Svg + "polyline"));
        Assert.Contains("nothing (no samples)", root.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteSvg_NamesWithXmlSpecialAndControlCharacters_StillWellFormed()
    {
        string name = "<a & \"b\" 'c'>\u0001\uD800";
        XElement root = RenderSvg([(name, Uniform())], new LatencyReportMetadata("t & <u>"));

        Assert.Equal("<a & \"b\" 'c'>\uFFFD\uFFFD", (string?)root.Descendants(Svg + "polyline").Single().Attribute("data-name"));
        Assert.Equal("t & <u>", root.Element(Svg + "title")!.Value);
    }

    [Fact]
    public void WriteSvg_SameInputTwice_SameText()
    {
        var first = new StringWriter(CultureInfo.InvariantCulture);
        var second = new StringWriter(CultureInfo.InvariantCulture);

        LatencyReport.WriteSvg(first, Stages(), Metadata);
        LatencyReport.WriteSvg(second, Stages(), Metadata);

        Assert.Equal(first.ToString(), second.ToString());
        Assert.DoesNotContain('\r', first.ToString());
    }

    private static XElement RenderSvg(IReadOnlyList<(string Name, LongHistogram Histogram)> histograms, LatencyReportMetadata metadata)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        LatencyReport.WriteSvg(writer, histograms, metadata);
        XElement root = XDocument.Parse(writer.ToString()).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        return root;
    }

    private static (double X, double Y)[] Points(XElement polyline)
        => ((string)polyline.Attribute("points")!).Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>Tick groups of a class: their label and the position of their grid line (x for vertical lines).</summary>
    private static (string Label, double Position)[] Ticks(XElement root, string tickClass, bool vertical)
        => root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == tickClass)
            .Select(g =>
            {
                XElement line = g.Element(Svg + "line")!;
                string attribute = vertical ? "x1" : "y1";
                return (g.Element(Svg + "text")!.Value, double.Parse((string)line.Attribute(attribute)!, CultureInfo.InvariantCulture));
            })
            .ToArray();

    /// <summary>The mapping a reader of the plot would use: x from the "0%" and "99.9999%" tick lines (six decades of
    /// 1/(1-p)), y from the first and last labelled tick lines (linear in µs).</summary>
    private static (Func<double, double> X, Func<double, double> Y) AxesFromLabels(XElement root)
    {
        var xTicks = Ticks(root, "x-tick", vertical: true).ToDictionary(t => t.Label, t => t.Position);
        double x0 = xTicks["0%"];
        // The outermost ticks (six decades apart) keep the 2-decimal rounding of tick positions from growing with x.
        double decade = (xTicks["99.9999%"] - x0) / 6;
        var yTicks = Ticks(root, "y-tick", vertical: false);
        double yZero = yTicks[0].Position;
        Assert.Equal(0.0, double.Parse(yTicks[0].Label, CultureInfo.InvariantCulture));
        double topValue = double.Parse(yTicks[^1].Label, CultureInfo.InvariantCulture);
        double yTop = yTicks[^1].Position;
        return (level => x0 + Math.Log10(1.0 / (1.0 - level / 100.0)) * decade,
            micros => yZero + micros / topValue * (yTop - yZero));
    }
}
