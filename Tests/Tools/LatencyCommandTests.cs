using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using FastEngine.Cli;

namespace FastEngine.Tests.Tools;

public class LatencyCommandTests
{
    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, .. parts]);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(string.Join('/', parts));
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string TempDir() => Directory.CreateTempSubdirectory("fe-latency-").FullName;

    /// <summary>
    /// The bundled replay paced at 100x (idle gaps over 1 ms cut, so the hour of 1-second CSV rows takes ~36 ms) with the
    /// demo config (0.5 bps taker fees): the report has the three stages as .hgrm files, Markdown, SVG and JSON; every
    /// book message is timed (15,141 of them, the replay's count), and the demo fees let intents through, so
    /// tick-to-intent has samples — one per intent.
    /// </summary>
    [Fact]
    public void Latency_BundledDemoConfigPaced_WritesReportWithEveryStage()
    {
        var dir = TempDir();
        var r = Run("latency", "--config", RepoFile("config", "latency-demo.json"), "--speed", "100x", "--max-gap-ms", "1", "--warmup-runs", "1", "--out", dir);
        Assert.True(r.ExitCode == 0, r.Error);
        foreach (var file in new[] { "latency-receive_book.hgrm", "latency-receive_signal.hgrm", "latency-receive_intent.hgrm", "latency-signal_intent.hgrm", "latency.md", "latency.svg", "latency.json" })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        Assert.Contains("Percentile TotalCount", File.ReadAllText(Path.Combine(dir, "latency-receive_book.hgrm")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "latency.svg")));

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "latency.json")))!.AsObject();
        foreach (var key in new[] { "title", "machine", "runtime", "date", "waitStrategy", "topology", "unit", "histograms" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Equal("yielding", (string)json["waitStrategy"]!);
        var stages = json["histograms"]!.AsArray().Select(h => h!.AsObject()).ToDictionary(h => (string)h["name"]!);
        Assert.Equal(["receive→book", "receive→signal", "receive→intent", "signal→intent"], stages.Keys.ToArray());
        foreach (var key in new[] { "count", "min", "p50", "p90", "p99", "p999", "p9999", "max", "mean" })
            Assert.True(stages["receive→intent"].ContainsKey(key), key);
        Assert.Equal(15_141, (long)stages["receive→book"]["count"]!);
        long intents = (long)stages["receive→intent"]["count"]!;
        Assert.True(intents > 0, "the demo fees must let intents through");
        Assert.True((long)stages["receive→signal"]["count"]! > 0);
        Assert.Contains($"intents {intents}", r.Output);
        Assert.Contains("receive→intent (ns): p50", r.Output);
        Assert.Contains("| receive→book |", File.ReadAllText(Path.Combine(dir, "latency.md")));
    }

    /// <summary>The default config (retail fees): no crossing pays, so tick-to-intent has no sample and says so.</summary>
    [Fact]
    public void Latency_DefaultConfig_NoIntentNoIntentSamples()
    {
        var dir = TempDir();
        var r = Run("latency", "--config", RepoFile("config", "default.json"), "--speed", "100x", "--max-gap-ms", "1", "--warmup-runs", "0", "--out", dir);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("receive→intent: no samples", r.Output);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "latency.json")))!.AsObject();
        var intent = json["histograms"]!.AsArray().Single(h => (string)h!["name"]! == "receive→intent")!;
        Assert.Equal(0, (long)intent["count"]!);
    }

    /// <summary>
    /// <c>--diagnostics</c>: one row per journaled leg in intent-path.csv (as many as the receive→intent samples, the
    /// replay's intents), every segment printed, and no first-touch page fault on the decision thread in any later leg's journal
    /// append (mapped region and index pre-faulted at open), histogram record or paper fill (touched at construction).
    /// One warm-up run first: a cold run's faults are the JIT's.
    /// </summary>
    [Fact]
    public void Latency_Diagnostics_OneRowPerLegNoJournalFaults()
    {
        var dir = TempDir();
        var r = Run("latency", "--config", RepoFile("config", "latency-demo.json"), "--speed", "100x", "--max-gap-ms", "1", "--warmup-runs", "1", "--out", dir, "--diagnostics");
        Assert.True(r.ExitCode == 0, r.Error);
        foreach (var segment in Enum.GetNames<global::FastEngine.Hosting.IntentPathSegment>()) Assert.Contains(segment, r.Output);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "latency.json")))!.AsObject();
        long intents = (long)json["histograms"]!.AsArray().Single(h => (string)h!["name"]! == "receive→intent")!["count"]!;
        var lines = File.ReadAllLines(Path.Combine(dir, "intent-path.csv"));
        Assert.StartsWith("leg,BeforeSubmit,ReferenceId,JournalWrite", lines[0]);
        Assert.Equal(intents, lines.Length - 1);
        Assert.True(intents > 0);
        if (OperatingSystem.IsLinux())
            // After the run's first leg (which may still take a one-off fault, e.g. a stack or code page touched first there):
            // before the pre-touching, legs all through the run faulted on fresh index, histogram and position pages.
            Assert.All(lines.Skip(2), line =>
            {
                var cells = line.Split(',');
                Assert.Equal("0", cells[^3]);   // faults_journal (mapped region and index pre-faulted at open)
                Assert.Equal("0", cells[^2]);   // faults_fill (histograms and broker positions touched at construction)
            });
    }

    /// <summary>
    /// <c>--runs 2</c>: two measured paced replays, each a fresh engine; the report's histograms hold both runs' samples
    /// (twice the replay's 15,141 book messages, twice one run's intents), and each run gets its own line.
    /// </summary>
    [Fact]
    public void Latency_TwoRuns_HistogramsMergeBothRuns()
    {
        var dir = TempDir();
        var r = Run("latency", "--config", RepoFile("config", "latency-demo.json"), "--speed", "100x", "--max-gap-ms", "1", "--warmup-runs", "0", "--runs", "2", "--out", dir);
        Assert.True(r.ExitCode == 0, r.Error);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "latency.json")))!.AsObject();
        var stages = json["histograms"]!.AsArray().Select(h => h!.AsObject()).ToDictionary(h => (string)h["name"]!);
        Assert.Equal(2 * 15_141, (long)stages["receive→book"]["count"]!);
        var perRun = System.Text.RegularExpressions.Regex.Matches(r.Output, @"run (\d): .* intents (\d+),");
        Assert.Equal(2, perRun.Count);
        long first = long.Parse(perRun[0].Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(first > 0);
        Assert.Equal(first, long.Parse(perRun[1].Groups[2].Value, CultureInfo.InvariantCulture));   // deterministic replay
        Assert.Equal(2 * first, (long)stages["receive→intent"]["count"]!);
        Assert.Contains("2 measured runs merged", r.Output);
    }

    [Fact]
    public void Latency_BadArguments_ClearErrorsExit2()
    {
        var max = Run("latency", "--speed", "max", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, max.ExitCode);
        Assert.Contains("--speed", max.Error);

        var gap = Run("latency", "--max-gap-ms", "-5", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, gap.ExitCode);
        Assert.Contains("--max-gap-ms", gap.Error);

        var runs = Run("latency", "--runs", "0", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, runs.ExitCode);
        Assert.Contains("--runs", runs.Error);

        var warmup = Run("latency", "--warmup-runs", "-1", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, warmup.ExitCode);
        Assert.Contains("--warmup-runs", warmup.Error);

        var missing = Run("latency", "/nonexistent/capture.txt", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/nonexistent/capture.txt", missing.Error);
    }
}
