using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using FastEngine.Cli;
using FastEngine.Tests.Engine.Capture;
using FastEngine.Tests.Engine.Metrics;

namespace FastEngine.Tests.Tools.FastEngine.Commands;

/// <summary>Runs <c>fastengine latency-report</c> in-process; the .hgrm written for the reference input must be
/// HdrHistogram.NET's own output for those values (Fixtures/Hdr/reference.txt).</summary>
public sealed class LatencyReportCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string WriteValues(TempDirectory directory, string fileName, IEnumerable<long> values, string header = "# ns\n\n")
    {
        var text = new StringBuilder(header);
        foreach (long value in values)
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        string path = directory.File(fileName);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void LatencyReport_ReferenceAndUniformFiles_WritesReportNamedAfterFiles()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string reference = WriteValues(input, "end-to-end.txt", HdrReference.Values);
        string uniform = WriteValues(input, "receive-book.values", Enumerable.Range(1, 100_000).Select(v => (long)v));
        string outDir = Path.Combine(output.Path, "report");

        var (exit, stdout, stderr) = Run("latency-report", reference, uniform, "--out", outDir, "--prefix", "run",
            "--title", "Replay", "--wait-strategy", "yielding", "--topology", "fused", "--date", "2026-01-31T12:00:00Z");

        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        string[] expectedFiles = ["run-end-to-end.hgrm", "run-receive-book.hgrm", "run.md", "run.svg", "run.json"];
        Assert.Equal(expectedFiles.Select(f => Path.Combine(outDir, f)), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        LongHistogramReferenceTests.AssertSameText(HdrReference.SectionText(HdrReference.HgrmMicros),
            File.ReadAllText(Path.Combine(outDir, "run-end-to-end.hgrm")));

        string markdown = File.ReadAllText(Path.Combine(outDir, "run.md"));
        Assert.StartsWith("# Replay\n\n- Machine: ", markdown, StringComparison.Ordinal);
        Assert.Contains("\n- Date: 2026-01-31T12:00:00+00:00\n- Wait strategy: yielding\n- Topology: fused\n", markdown, StringComparison.Ordinal);
        // Uniform 1..100000 ns: HdrHistogram slot tops (see LatencyReportTests) 50015, 90047, 99007, 99903, 100031 ns.
        Assert.Contains("\n| receive-book | 100000 | 0.001 | 50.015 | 90.047 | 99.007 | 99.903 | 100.031 | 100.031 | ", markdown, StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "run.json")));
        JsonElement endToEnd = json.RootElement.GetProperty("histograms")[0];
        Assert.Equal("end-to-end", endToEnd.GetProperty("name").GetString());
        Assert.Equal(15_155_199, endToEnd.GetProperty("p99").GetInt64());      // reference.txt: p99=15155199
        Assert.Equal(10_410_262_527, endToEnd.GetProperty("max").GetInt64());  // reference.txt: max=10410262527

        XElement svg = XDocument.Load(Path.Combine(outDir, "run.svg")).Root!;
        Assert.Equal(2, svg.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Count());
    }

    [Fact]
    public void LatencyReport_EmptyFile_RowOfDashesExitZero()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string empty = WriteValues(input, "idle.txt", [], "# nothing recorded\n");

        var (exit, _, stderr) = Run("latency-report", empty, "--out", output.Path, "--date", "2026-01-31");

        Assert.True(exit == 0, stderr);
        Assert.Contains("\n| idle | 0 | - | - | - | - | - | - | - | - |\n", File.ReadAllText(output.File("latency.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyReport_FileNotFound_ExitsTwoWritesNothing()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string present = WriteValues(input, "a.txt", [1, 2, 3]);
        string missing = input.File("missing.txt");

        var (exit, stdout, stderr) = Run("latency-report", present, missing, "--out", output.Path);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("file not found", stderr, StringComparison.Ordinal);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Fact]
    public void LatencyReport_NonIntegerLine_ExitsTwoNamingFileLineAndText()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string path = input.File("bad.txt");
        File.WriteAllText(path, "# header\n12\n\n13\n12.5us\n");

        var (exit, _, stderr) = Run("latency-report", path, "--out", output.Path);

        Assert.Equal(2, exit);
        Assert.Contains(path + ": line 5: not an integer: '12.5us'", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Fact]
    public void LatencyReport_HgrmGivenInsteadOfValues_ExitsTwoExplaining()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string hgrm = input.File("old.hgrm");
        File.WriteAllText(hgrm, HdrReference.SectionText(HdrReference.HgrmMicros));

        var (exit, _, stderr) = Run("latency-report", hgrm, "--out", output.Path);

        Assert.Equal(2, exit);
        Assert.Contains("line 1", stderr, StringComparison.Ordinal);
        Assert.Contains(".hgrm percentile output", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyReport_TwoInputsSameName_ExitsTwoNamingBoth()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var output = new TempDirectory();
        string a = WriteValues(first, "stage.txt", [1]);
        string b = WriteValues(second, "stage.csv", [2]);

        var (exit, _, stderr) = Run("latency-report", a, b, "--out", output.Path);

        Assert.Equal(2, exit);
        Assert.Contains(a, stderr, StringComparison.Ordinal);
        Assert.Contains(b, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Fact]
    public void LatencyReport_ValuesAboveHighest_WrittenWarnedExitThree()
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string path = WriteValues(input, "spiky.txt", [5, 1000, -3, 7]);

        var (exit, stdout, stderr) = Run("latency-report", path, "--out", output.Path, "--highest", "100", "--digits", "2");

        Assert.Equal(3, exit);
        Assert.Contains("2 value(s) outside [0, 100]", stderr, StringComparison.Ordinal);
        Assert.Contains("line 4: 1000", stderr, StringComparison.Ordinal);   // line 1 is the header, line 2 blank
        Assert.Contains("line 5: -3", stderr, StringComparison.Ordinal);
        Assert.Contains("latency.json", stdout, StringComparison.Ordinal);
        Assert.Contains("\n| spiky | 2 | 0.005 |", File.ReadAllText(output.File("latency.md")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--date", "yesterday")]
    [InlineData("--digits", "6")]
    [InlineData("--prefix", "a/b")]
    public void LatencyReport_InvalidOption_ExitsTwoNamingIt(string option, string value)
    {
        using var input = new TempDirectory();
        using var output = new TempDirectory();
        string path = WriteValues(input, "a.txt", [1]);

        var (exit, stdout, stderr) = Run("latency-report", path, "--out", output.Path, option, value);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(value, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Fact]
    public void LatencyReport_SameInputTwice_ByteIdenticalFilesWhenDateGiven()
    {
        using var input = new TempDirectory();
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        string path = WriteValues(input, "a.txt", Enumerable.Range(0, 5000).Select(i => (long)(i * 37 % 4099)));

        Assert.Equal(0, Run("latency-report", path, "--out", first.Path, "--date", "2026-01-31T12:00:00Z").Exit);
        Assert.Equal(0, Run("latency-report", path, "--out", second.Path, "--date", "2026-01-31T12:00:00Z").Exit);

        foreach (string file in Directory.GetFiles(first.Path))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(second.Path, Path.GetFileName(file))));
    }
}
