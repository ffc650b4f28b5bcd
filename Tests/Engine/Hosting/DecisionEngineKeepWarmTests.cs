using System.Text.Json;
using System.Text.Json.Nodes;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Replay;
using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Hosting;

/// <summary>
/// The idle-time keep-warm dry run (<see cref="DecisionEngine.KeepWarmStep"/>) must change nothing a decision depends on:
/// the bundled demo replay (0.5 bps taker fees, so it makes intents and fills) run with a dry run after every event gives
/// the same opportunities, intents, fills, positions, risk state and byte-identical journal as the plain run.
/// </summary>
public class DecisionEngineKeepWarmTests
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

    private static EngineConfig DemoConfig(out string[] files)
    {
        var path = RepoFile("config", "latency-demo.json");
        var config = EngineConfigLoader.TryLoad(path, out var errors);
        Assert.True(config is not null, string.Join("; ", errors));
        files = config!.Replay.Select(f => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, f))).ToArray();
        return config;
    }

    /// <summary>Feeds the demo replay into a fresh engine (journal in <paramref name="journalPath"/>); with
    /// <paramref name="dryRunEvery"/> &gt; 0, a full dry run after every that many events.</summary>
    private static (string Summary, byte[] Journal, long DryRuns) Run(string journalPath, int dryRunEvery)
    {
        VenueCatalog.EnsureRegistered();
        var config = DemoConfig(out var files);
        using var session = ReplaySession.Open(files);
        var events = ReplayRunner.ParseAll(session, out _);
        var options = ReplayRunner.OptionsFrom(config, journalPath);
        string summary;
        long dryRuns;
        using (var engine = new DecisionEngine(session.Registry, options))
        {
            CaptureFeed.ConfigureBooks(engine.Books);
            for (int i = 0; i < events.Length; i++)
            {
                engine.OnEvent(ref events[i], 0);
                if (dryRunEvery > 0 && i % dryRunEvery == 0) engine.KeepWarm();
            }
            engine.MarkEnd(events[^1].ReceiveTimeNs);
            summary = Describe(engine, session.Registry);
            dryRuns = engine.KeepWarmRuns;
        }
        return (summary, File.ReadAllBytes(journalPath), dryRuns);
    }

    /// <summary>Every decision-relevant figure: counters, per-kind opportunities, risk rejects and exposure, every position.</summary>
    private static string Describe(DecisionEngine engine, InstrumentRegistry registry)
    {
        var s = engine.Stats;
        var lines = new List<string>
        {
            $"events {s.Events} books {s.BookMessages} evaluations {s.Evaluations} opportunities {s.Opportunities} [{string.Join(",", s.OpportunitiesByKind)}]",
            $"intents {s.Intents} journaled {s.IntentsJournaled} duplicates {s.JournalDuplicates} fills {s.Fills} legsRejected {s.LegsRejected}",
            $"routes {s.Routes} children {s.RouteChildren} reasons [{string.Join(",", s.RouteVenueReasons)}] riskRejects [{string.Join(",", s.RiskRejects)}]",
            $"risk accepted {engine.Risk.Accepted} rejected {engine.Risk.Rejected} open {engine.Risk.OpenOrders} exposure {engine.Risk.GlobalExposure} pnl {engine.Risk.DailyPnl}",
            $"broker executed {engine.Broker.ExecutedCount} rejected {engine.Broker.RejectedCount} fills {engine.Broker.FillCount}",
            $"tracker opened {engine.Tracker.Opened} closed {engine.Tracker.Closed} observations {engine.Tracker.Observations}",
        };
        foreach (var (venue, _) in VenueNames.All())
            for (int i = 0; i < registry.Count; i++)
            {
                var p = engine.Broker.GetPosition(venue, new InstrumentId(i));
                if (p.Quantity != 0 || p.RealizedPnl != 0 || p.Fees != 0) lines.Add(p.ToString());
            }
        return string.Join("\n", lines);
    }

    [Fact]
    public void KeepWarm_AfterEveryEvent_ReplayDecisionsAndJournalIdentical()
    {
        var dir = Directory.CreateTempSubdirectory("fe-keepwarm-").FullName;
        try
        {
            var plain = Run(Path.Combine(dir, "plain.fej"), dryRunEvery: 0);
            var warm = Run(Path.Combine(dir, "warm.fej"), dryRunEvery: 1);
            Assert.Contains("intents ", plain.Summary);
            Assert.DoesNotContain("intents 0 ", plain.Summary);   // the demo fees make intents: the comparison covers the intent path
            Assert.Equal(0, plain.DryRuns);
            Assert.True(warm.DryRuns > 100_000, $"dry runs completed: {warm.DryRuns}");   // the dry run really ran to its end
            Assert.Equal(plain.Summary, warm.Summary);
            Assert.True(plain.Journal.Length > 1_000);
            // Every record identical (the 32-byte file header carries the file's creation time).
            Assert.True(plain.Journal.AsSpan(RecordFile.HeaderSize).SequenceEqual(warm.Journal.AsSpan(RecordFile.HeaderSize)), "journal records differ");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void KeepWarm_AfterWarmUp_AllocatesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("fe-keepwarm-").FullName;
        try
        {
            VenueCatalog.EnsureRegistered();
            var config = DemoConfig(out var files);
            using var session = ReplaySession.Open(files);
            var events = ReplayRunner.ParseAll(session, out _);
            using var engine = new DecisionEngine(session.Registry, ReplayRunner.OptionsFrom(config, Path.Combine(dir, "j.fej")));
            CaptureFeed.ConfigureBooks(engine.Books);
            for (int i = 0; i < events.Length; i++) engine.OnEvent(ref events[i], 0);
            for (int i = 0; i < 100; i++) engine.KeepWarm();
            long runs = engine.KeepWarmRuns;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) engine.KeepWarm();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(runs + 10_000, engine.KeepWarmRuns);   // every dry run went through all its steps
            Assert.Equal(0, allocated);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Through the whole pipeline (producer thread, ring, decision thread) paced at 100× so the decision thread is
    /// idle between records: keep-warm every 20 µs of idleness against keep-warm off gives the same replay summary (timing
    /// fields aside), and dry runs did start.</summary>
    [Fact]
    public void Pipeline_PacedWithKeepWarmOnAndOff_SameReplaySummary()
    {
        var dir = Directory.CreateTempSubdirectory("fe-keepwarm-").FullName;
        try
        {
            var config = DemoConfig(out var all);
            // The BitMEX/Deribit minute alone (it has the crossings): paced at 100x it takes ~0.6 s, with idle time between records.
            string[] files = [all[0]];
            var off = config with { Engine = new EngineSectionConfig { KeepWarmMicros = 0 } };
            var on = config with { Engine = new EngineSectionConfig { KeepWarmMicros = 20 } };
            // One unmeasured run first so the JIT has compiled the path: a cold first run is backlogged throughout (never idle).
            ReplayRunner.Run(files, on, ReplaySpeed.Max, Path.Combine(dir, "warmup.fej"));
            var a = ReplayRunner.Run(files, off, new ReplaySpeed(100), Path.Combine(dir, "off.fej"), maxGapMs: 100);
            var b = ReplayRunner.Run(files, on, new ReplaySpeed(100), Path.Combine(dir, "on.fej"), maxGapMs: 100);
            Assert.Equal(0, a.Engine.KeepWarmStarts);
            // Dry runs started between records (on a loaded host most are cut short by the next record: the full-run
            // equality is the test above; this one proves the interleaving through the real wait strategy changes nothing).
            Assert.True(b.Engine.KeepWarmStarts > 0, $"no dry run started (events {b.Events}, elapsed {b.ElapsedSeconds} s)");
            Assert.True(a.Engine.Stats.Intents > 0);
            // (The journals differ only in each intent's Stopwatch stamp here; their byte equality is the test above.)
            Assert.Equal(Json(a), Json(b));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// <c>topology.cpus</c> with <c>producer</c> and <c>decision</c>: the replay's publishing thread runs pinned for the run and
    /// gets its CPU set back after it; the result says where each thread ran; the replay's outcome is the unpinned one's.
    /// </summary>
    [Fact]
    public void Pipeline_ProducerAndDecisionPinned_LayoutReportedAffinityRestoredSameSummary()
    {
        var dir = Directory.CreateTempSubdirectory("fe-pinned-").FullName;
        try
        {
            var config = DemoConfig(out var all);
            string[] files = [all[0]];
            int last = Environment.ProcessorCount - 1;
            var pinned = config with { Topology = config.Topology with { Cpus = new() { ["producer"] = 0, ["decision"] = last } } };
            var before = FastEngine.Ring.ThreadAffinity.GetCurrentAffinity();
            var a = ReplayRunner.Run(files, config, ReplaySpeed.Max, Path.Combine(dir, "free.fej"));
            var b = ReplayRunner.Run(files, pinned, ReplaySpeed.Max, Path.Combine(dir, "pinned.fej"));
            Assert.Equal("producer not pinned, decision not pinned", a.ThreadLayout);
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal($"producer CPU 0, decision CPU {last}", b.ThreadLayout);
                Assert.Equal(before, FastEngine.Ring.ThreadAffinity.GetCurrentAffinity());
            }
            else Assert.Contains("not pinned (", b.ThreadLayout);
            Assert.Equal(Json(a), Json(b));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Json(ReplayResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, r);
        var node = JsonNode.Parse(stream.ToArray())!.AsObject();
        foreach (var key in ReplaySummary.TimingKeys) node.Remove(key);
        return node.ToJsonString();
    }

    /// <summary>The bundled default replay has no intents, so the real intent path never ran before the first dry run:
    /// the dry run's first steps must not allocate either (a replay counts everything after its warm-up as steady).</summary>
    [Fact]
    public void KeepWarm_FirstDryRunsAfterAReplayWithoutIntents_AllocateNothing()
    {
        var dir = Directory.CreateTempSubdirectory("fe-keepwarm-").FullName;
        try
        {
            VenueCatalog.EnsureRegistered();
            var path = RepoFile("config", "default.json");
            var config = EngineConfigLoader.TryLoad(path, out var errors);
            Assert.True(config is not null, string.Join("; ", errors));
            var files = config!.Replay.Select(f => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, f))).ToArray();
            using var session = ReplaySession.Open(files);
            var events = ReplayRunner.ParseAll(session, out _);
            using var engine = new DecisionEngine(session.Registry, ReplayRunner.OptionsFrom(config, Path.Combine(dir, "j.fej")));
            CaptureFeed.ConfigureBooks(engine.Books);
            for (int i = 0; i < events.Length; i++) engine.OnEvent(ref events[i], 0);
            var perStep = new long[DecisionEngine.KeepWarmSteps];
            for (int run = 0; run < 3; run++)
            {
                for (int step = 0; step < DecisionEngine.KeepWarmSteps; step++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    bool more = engine.KeepWarmStep(step);
                    perStep[step] += GC.GetAllocatedBytesForCurrentThread() - before;
                    if (!more) break;
                }
            }

            Assert.True(engine.KeepWarmRuns > 0, "no dry run completed: nothing measured");
            Assert.Equal(new long[DecisionEngine.KeepWarmSteps], perStep);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
