using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastEngine.Cli;
using FastEngine.Cli.Replay;

namespace FastEngine.Tests.Tools;

public class ReplayCommandTests
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

    private static string TempDir() => Directory.CreateTempSubdirectory("fe-replay-").FullName;

    /// <summary>The README's main job: the bundled replay with the bundled config, as JSON; run twice it gives the same
    /// summary except the timing fields, allocates nothing on the hot path after warm-up, and keeps every book in sync.</summary>
    [Fact]
    public void Replay_BundledDefault_DeterministicSummaryZeroSteadyAllocation()
    {
        var config = RepoFile("config", "default.json");
        var first = Run("replay", "--config", config, "--json", "--out", TempDir());
        var second = Run("replay", "--config", config, "--json", "--out", TempDir());
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        var a = JsonNode.Parse(first.Output)!.AsObject();
        var b = JsonNode.Parse(second.Output)!.AsObject();
        foreach (var key in new[] { "events", "events_per_s", "gaps", "opportunities", "intents", "intents_journaled", "intents_duplicate", "intents_refused_by_journal", "fills", "rejects", "allocated_bytes_steady", "latency_ns" })
            Assert.True(a.ContainsKey(key), key);
        foreach (var key in new[] { "p50", "p99", "p999", "p9999" }) Assert.True(a["latency_ns"]!.AsObject().ContainsKey(key), key);
        foreach (var key in ReplaySummary.TimingKeys) { a.Remove(key); b.Remove(key); }
        Assert.Equal(a.ToJsonString(), b.ToJsonString());
        // Facts of the bundled captures: 20,456 records (8,254 Tardis lines, 2 × 3,600 CSV rows, 3,001 + 2,001 Binance lines),
        // every book synced, no gap, no rejected frame, Binance bookTicker agrees with the book.
        Assert.Equal(20_456, (long)a["records"]!);
        Assert.Equal(0, (long)a["gaps"]!);
        Assert.Equal(0, (long)a["frames_rejected"]!);
        Assert.Equal((long)a["books"]!, (long)a["books_synced"]!);
        Assert.True((long)a["bbo_checked"]! > 0);
        Assert.Equal(0, (long)a["bbo_mismatch"]!);
        Assert.Equal(0, (long)a["allocated_bytes_steady"]!);
        Assert.Equal(0, (long)a["handler_failures"]!);
    }

    /// <summary>
    /// <c>fastengine replay --config X</c> with <c>topology.mode: "staged"</c> (config/default.json otherwise): the JSON summary
    /// says <c>"topology": "staged"</c>, lists the book thread between the producer and the decision thread with the events it
    /// handled (all of them) and its steady allocation (0), its busy time per event and where it ran; everything else is the
    /// fused run's summary (timing keys aside). The text summary names the topology and the book thread.
    /// </summary>
    [Fact]
    public void Replay_StagedConfig_SummarySaysStagedListsBookThreadSameOutcomeAsFused()
    {
        var fusedPath = RepoFile("config", "default.json");
        var text = File.ReadAllText(fusedPath);
        Assert.Contains("\"mode\": \"fused\"", text);
        var dataDir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(fusedPath)!, "..", "data"));
        var stagedPath = Path.Combine(TempDir(), "staged.json");
        File.WriteAllText(stagedPath, text.Replace("\"mode\": \"fused\"", "\"mode\": \"staged\", \"snapshotDepth\": 64")
            .Replace("\"cpus\": { \"decision\": -1 }", "\"cpus\": { \"decision\": -1, \"book\": -1 }")
            .Replace("\"../data/", "\"" + dataDir.Replace("\\", "/") + "/"));
        var fused = Run("replay", "--config", fusedPath, "--json", "--out", TempDir());
        var staged = Run("replay", "--config", stagedPath, "--json", "--out", TempDir());
        Assert.True(staged.ExitCode == 0, staged.Error);
        var a = JsonNode.Parse(fused.Output)!.AsObject();
        var b = JsonNode.Parse(staged.Output)!.AsObject();
        Assert.Equal("fused", (string)a["topology"]!);
        Assert.Equal("staged", (string)b["topology"]!);
        var threads = b["threads"]!.AsObject();
        Assert.Equal(new[] { "producer", "book", "decision" }, threads.Select(kv => kv.Key));
        Assert.Equal((long)b["events"]!, (long)threads["book"]!["events"]!);
        Assert.Equal((long)b["events"]!, (long)threads["decision"]!["events"]!);
        Assert.Equal(0, (long)threads["book"]!["allocated_bytes_steady"]!);
        Assert.True((long)threads["book"]!["level_images"]! > 0);
        Assert.True((double)b["busy_ns_per_event"]!["book"]! > 0);
        Assert.Equal("producer not pinned, book not pinned, decision not pinned", (string)b["thread_layout"]!);
        Assert.True((long)b["book_thread_latency_ns"]!["count"]! > 0);
        Assert.False(a.ContainsKey("book_thread_latency_ns"));
        foreach (var key in ReplaySummary.TimingKeys.Append("topology").Append("threads")) { a.Remove(key); b.Remove(key); }
        Assert.Equal(a.ToJsonString(), b.ToJsonString());

        var plain = Run("replay", "--config", stagedPath, "--out", TempDir());
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("topology staged", plain.Output);
        Assert.Contains("threads (producer not pinned, book not pinned, decision not pinned)", plain.Output);
        Assert.Contains("receive-to-book latency on the book thread", plain.Output);
    }

    /// <summary>
    /// With retail taker fees (BitMEX/Deribit 7.5 bps, Binance 10, Huobi 20) the crossed BitMEX/Deribit minute (0.75–2.75 USD
    /// on ~4,100 USD, at most ~6.7 bps) and the LINK crossings (at most ~8 bps) never pay: no intent may be sent.
    /// </summary>
    [Fact]
    public void Replay_RetailFees_NoOpportunitySurvives()
    {
        var r = Run("replay", "--config", RepoFile("config", "default.json"), "--json", "--out", TempDir());
        var a = JsonNode.Parse(r.Output)!.AsObject();
        Assert.Equal(0, (long)a["opportunities"]!);
        Assert.Equal(0, (long)a["intents"]!);
    }

    [Fact]
    public void Replay_BadInputs_ClearErrorsExit2()
    {
        var missing = Run("replay", "/nonexistent/capture.txt", "--config", RepoFile("config", "default.json"), "--out", TempDir());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/nonexistent/capture.txt", missing.Error);

        var speed = Run("replay", "--speed", "fast", "--config", RepoFile("config", "default.json"));
        Assert.Equal(2, speed.ExitCode);
        Assert.Contains("--speed", speed.Error);

        var badConfig = Path.Combine(TempDir(), "bad.json");
        File.WriteAllText(badConfig, """{"topology":{"ringSize":1000}}""");
        var config = Run("replay", "--config", badConfig);
        Assert.Equal(2, config.ExitCode);
        Assert.Contains("topology.ringSize", config.Error);
        Assert.Contains("1000", config.Error);
    }
}
