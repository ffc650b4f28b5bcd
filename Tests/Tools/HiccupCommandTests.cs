using System.CommandLine;
using System.Globalization;
using FastEngine.Cli;
using FastEngine.Cli.Commands;
using FastEngine.Metrics;

namespace FastEngine.Tests.Tools;

public class HiccupCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Every clock read after the first is one recorded gap, and the gaps add up to the time measured (each gap is
    /// recorded at its slot's resolution: 3 significant digits, so within 0.1 %, plus the 1 ns floor).</summary>
    [Fact]
    public void Measure_EveryGapRecorded_GapsSumToTheMeasuredTime()
    {
        var histogram = new LongHistogram(1, 3_600_000_000_000, 3);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        long reads = HiccupCommand.Measure(histogram, 0.2);
        double elapsedNs = (System.Diagnostics.Stopwatch.GetTimestamp() - start) * 1e9 / System.Diagnostics.Stopwatch.Frequency;
        Assert.Equal(reads, histogram.TotalCount);
        Assert.True(reads > 1000, $"{reads} reads");
        double sum = histogram.GetMean() * histogram.TotalCount;
        Assert.InRange(sum, 0.2e9 * 0.99, elapsedNs * 1.01 + reads);
    }

    [Fact]
    public void Hiccup_ShortRun_PrintsPercentilesAndWritesHgrm()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("fe-hiccup-").FullName, "hiccup.hgrm");
        var r = Run("hiccup", "--seconds", "0.2", "--out", path);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("clock reads, thread not pinned", r.Output);
        Assert.Contains("gap between reads (ns): p50 ", r.Output);
        Assert.Contains("time lost in gaps >= 20 µs:", r.Output);
        Assert.Contains("Value     Percentile TotalCount 1/(1-Percentile)", File.ReadAllText(path));
    }

    [Fact]
    public void Hiccup_BadSeconds_Exit2()
    {
        var r = Run("hiccup", "--seconds", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--seconds", r.Error);
    }
}
