using System.Text.Json;
using System.Text.Json.Nodes;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Cli.Replay;
using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Hosting;

/// <summary>
/// The staged topology with real threads (producer, <c>fe-book</c>, <c>fe-decision</c>; yielding waits, nothing pinned)
/// against the fused topology on the same input. The external truth is the fused engine, whose decisions have their own
/// exchange-checked tests: the staged run must reach the same opportunities, intents, fills, rejects, P&amp;L, book counters
/// (sync, gaps, checksums, BBO checks) and the same journal, whatever the interleaving of its two stage threads. The
/// journal's records are compared with each intent's producer stamp (Stopwatch ticks at publish, wall-clock) blanked; every
/// other byte must be equal. <see cref="BookStageTests"/> proves the same in lockstep on one thread.
/// </summary>
public class StagedPipelineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Keys of the summary that name the topology rather than its outcome (compared apart).</summary>
    private static readonly string[] TopologyKeys = ["topology", "threads"];

    private static EngineConfig Staged(EngineConfig c, int ringSize = 1 << 16) => c with
    {
        Topology = c.Topology with { Mode = "staged", WaitStrategy = "yielding", Cpus = new(), RingSize = ringSize },
        Engine = new EngineSectionConfig { KeepWarmMicros = 0 },
    };

    private static EngineConfig Fused(EngineConfig c, int ringSize = 1 << 16) => c with
    {
        Topology = c.Topology with { Mode = "fused", WaitStrategy = "yielding", Cpus = new(), RingSize = ringSize },
        Engine = new EngineSectionConfig { KeepWarmMicros = 0 },
    };

    private static JsonObject Summary(ReplayResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, r);
        return JsonNode.Parse(stream.ToArray())!.AsObject();
    }

    /// <summary>The summary without its timing keys and the keys that name the topology.</summary>
    private static string Outcome(JsonObject summary)
    {
        var copy = summary.DeepClone().AsObject();
        foreach (var key in ReplaySummary.TimingKeys.Concat(TopologyKeys)) copy.Remove(key);
        return copy.ToJsonString();
    }

    /// <summary>Every record of an intent journal (type and payload, hex), each intent's producer stamp (bytes 32..40,
    /// <see cref="OrderIntent.TickReceiveTimeNs"/>) blanked; the file must end cleanly.</summary>
    internal static List<string> JournalRecords(string path, out int stamped)
    {
        var file = File.ReadAllBytes(path);
        var reader = new RecordReader(file, OrderIntentJournal.MaxPayload);
        var records = new List<string>();
        stamped = 0;
        while (reader.TryRead(out byte type, out var payload))
        {
            var copy = payload.ToArray();
            if (type == (byte)JournalRecordType.Intent)
            {
                if (BitConverter.ToInt64(copy, 32) != 0) stamped++;
                copy.AsSpan(32, 8).Clear();
            }
            records.Add($"{type}:{Convert.ToHexString(copy)}");
        }
        Assert.Equal(RecordFileTail.Clean, reader.Tail);
        return records;
    }

    /// <summary>
    /// The README's main job (config/default.json, its bundled replay, retail fees: no intent) through ReplayRunner, fused
    /// then staged: the same summary (books, sync, gaps, checksums, BBO checks, opportunities, rejects, per-venue frames);
    /// Halt drained every published event through both stages (book thread = decision thread = producer events); and no
    /// thread allocated after warm-up: producer, book thread and decision thread each 0 bytes, as the summary shows them.
    /// </summary>
    [Fact]
    public void Replay_DefaultConfigFusedAndStaged_SameSummaryEveryEventBothStagesZeroSteadyAllocation()
    {
        var config = BookStageTests.Config("default.json", out var files);
        var dir = Directory.CreateTempSubdirectory("fe-staged-").FullName;
        try
        {
            var fused = ReplayRunner.Run(files, Fused(config), ReplaySpeed.Max, Path.Combine(dir, "fused.fej"));
            var staged = ReplayRunner.Run(files, Staged(config), ReplaySpeed.Max, Path.Combine(dir, "staged.fej"));
            var a = Summary(fused);
            var b = Summary(staged);
            output.WriteLine(b.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Assert.Equal("fused", (string)a["topology"]!);
            Assert.Equal("staged", (string)b["topology"]!);
            Assert.Equal(Outcome(a), Outcome(b));
            Assert.Equal((long)b["books"]!, (long)b["books_synced"]!);
            Assert.True((long)b["bbo_checked"]! > 0);

            // Every published event went through both stages before Halt returned.
            Assert.NotNull(staged.BookStage);
            Assert.True(staged.Events > 100_000, $"events {staged.Events}");
            Assert.Equal(staged.Events, staged.BookStage!.Events);
            Assert.Equal(staged.Events, staged.Engine.Stats.Events);
            Assert.Equal(0, staged.HandlerFailures);
            var threads = b["threads"]!.AsObject();
            Assert.Equal(new[] { "producer", "book", "decision" }, threads.Select(kv => kv.Key));
            Assert.Equal(new[] { "producer", "decision" }, a["threads"]!.AsObject().Select(kv => kv.Key));
            foreach (var thread in new[] { "producer", "book", "decision" })
                Assert.Equal(staged.Events, (long)threads[thread]!["events"]!);
            Assert.True(staged.BookStage.LevelImages > 10_000, $"level images {staged.BookStage.LevelImages}");
            Assert.Equal(staged.BookStage.LevelImages, (long)threads["book"]!["level_images"]!);

            // Steady state: nothing allocated on any thread (the book thread warmed up: its figure is a real measurement).
            Assert.True(staged.BookStage.AllocatedAtWarmup >= 0, "the book thread never reached its warm-up point");
            Assert.True(staged.Engine.Stats.AllocatedAtWarmup >= 0, "the decision thread never reached its warm-up point");
            foreach (var thread in new[] { "producer", "book", "decision" })
                Assert.Equal(0, (long)threads[thread]!["allocated_bytes_steady"]!);
            Assert.Equal(0, (long)b["allocated_bytes_steady"]!);
            Assert.True(b["busy_ns_per_event"]!.AsObject().ContainsKey("book"));
            Assert.Contains("book not pinned", (string)b["thread_layout"]!);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The demo fees (config/latency-demo.json: 0.5 bps taker, so the crossings of the bundled captures make intents and
    /// fills), taker routing and maker-preferred routing, with the default ring and with the smallest ring (1,024 slots:
    /// the producer waits on the book stage, the book stage on the decision stage, the snapshot ring runs full): staged and
    /// fused give the same summary and the same journal records (producer stamps aside), and the steady state allocates
    /// nothing on the book and decision threads.
    /// </summary>
    [Theory]
    [InlineData(false, 1 << 16)]
    [InlineData(true, 1 << 16)]
    [InlineData(false, 1024)]
    public void Replay_DemoFeesFusedAndStaged_SameDecisionsAndJournal(bool makerPreferred, int ringSize)
    {
        var config = BookStageTests.Config("latency-demo.json", out var files);
        config = config with { Routing = config.Routing with { MakerPreferred = makerPreferred } };
        var dir = Directory.CreateTempSubdirectory("fe-staged-").FullName;
        try
        {
            var fused = ReplayRunner.Run(files, Fused(config, ringSize), ReplaySpeed.Max, Path.Combine(dir, "fused.fej"));
            var staged = ReplayRunner.Run(files, Staged(config, ringSize), ReplaySpeed.Max, Path.Combine(dir, "staged.fej"));
            var a = Summary(fused);
            var b = Summary(staged);
            output.WriteLine($"intents {a["intents"]}, fills {a["fills"]}, opportunities {a["opportunities"]}; staged book thread: "
                + $"{staged.BookStage!.LevelImages} level images, {staged.BookStage.StateImages} state images");
            Assert.True((long)a["intents"]! > 10, "the demo fees make intents: the comparison must cover the intent path");
            Assert.True((long)a["fills"]! > 0);
            Assert.Equal(Outcome(a), Outcome(b));

            var fusedJournal = JournalRecords(Path.Combine(dir, "fused.fej"), out int fusedStamped);
            var stagedJournal = JournalRecords(Path.Combine(dir, "staged.fej"), out int stagedStamped);
            Assert.Equal((long)a["intents_journaled"]!, fusedJournal.Count);
            // Each staged intent carries its producer stamp (receive→intent is measured on it): blanked above, present here.
            Assert.Equal(stagedJournal.Count, stagedStamped);
            Assert.Equal(fusedJournal, stagedJournal);

            Assert.Equal(staged.Events, staged.BookStage.Events);
            Assert.Equal(staged.Events, staged.Engine.Stats.Events);
            Assert.Equal(0, staged.HandlerFailures);
            var threads = b["threads"]!.AsObject();
            Assert.Equal(0, (long)threads["book"]!["allocated_bytes_steady"]!);
            Assert.Equal(0, (long)threads["decision"]!["allocated_bytes_steady"]!);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// A malformed book message (a header without an instrument: the keeper throws) inside the BitMEX/Deribit minute of
    /// the bundled replay (demo fees), published record by record through the real pipeline. Fused, the decision stage throws on it once. Staged, the
    /// book stage throws on it once: counted once in <see cref="EnginePipeline.HandlerFailures"/> and
    /// <see cref="EnginePipeline.BookHandlerFailures"/>, skipped by the decision stage (which does not throw on it again),
    /// and Halt still drains every event through both stages; the events after it flow on (intents are made after it), and
    /// the outcome and journal equal the fused run's.
    /// </summary>
    [Fact]
    public void Pipeline_BookStageThrowsOnOneEvent_CountedOnceSkippedLaterEventsFlowSameAsFused()
    {
        VenueCatalog.EnsureRegistered();
        var config = BookStageTests.Config("latency-demo.json", out var all);
        using var session = ReplaySession.Open(all);
        var parsed = ReplayRunner.ParseAll(session, out var ends);
        // The bad event goes in at a record boundary inside the BitMEX/Deribit minute; the LINK hours after it make intents.
        int cut = ends[ends.Length / 4];
        var events = new MarketEvent[parsed.Length + 1];
        parsed.AsSpan(0, cut).CopyTo(events);
        long badTime = parsed[cut - 1].ReceiveTimeNs;
        events[cut] = new MarketEvent
        {
            Kind = MarketEventKind.BookHeader, Venue = parsed[cut - 1].Venue, Instrument = new InstrumentId(-1),
            Flags = MarketEventFlags.Snapshot | MarketEventFlags.EndOfMessage, ReceiveTimeNs = badTime,
        };
        parsed.AsSpan(cut).CopyTo(events.AsSpan(cut + 1));
        var records = ends.Select(e => e <= cut ? e : e + 1).Prepend(0).ToList();
        records.Insert(records.IndexOf(cut) + 1, cut + 1);   // the bad event is a record of its own

        var dir = Directory.CreateTempSubdirectory("fe-staged-").FullName;
        try
        {
            (JsonObject Summary, EnginePipeline Pipeline, long BookEvents, long Intents, long IntentsAfterBad, Exception? Failure) Run(EngineConfig topology, string journal)
            {
                var options = ReplayRunner.OptionsFrom(config, Path.Combine(dir, journal));
                var engine = new DecisionEngine(session.Registry, options);
                CaptureFeed.ConfigureBooks(engine.Books);
                var pipeline = new EnginePipeline(engine, topology.Topology);
                var copy = (MarketEvent[])events.Clone();
                try
                {
                    pipeline.Start();
                    for (int i = 1; i < records.Count; i++) pipeline.Publish(copy.AsSpan(records[i - 1], records[i] - records[i - 1]));
                    Assert.True(pipeline.Halt(TimeSpan.FromMinutes(2)), "Halt timed out: a stage hung");
                }
                finally { engine.Dispose(); }
                var result = new ReplayResult
                {
                    Engine = engine, Feed = new CaptureFeed(session.Registry), Files = ["bundled"], Events = pipeline.Published,
                    Topology = topology.Topology.Mode, HandlerFailures = pipeline.HandlerFailures,
                    BookHandlerFailures = pipeline.BookHandlerFailures, BookStage = pipeline.BookStage,
                };
                var intents = JournalIntents(Path.Combine(dir, journal));
                pipeline.Dispose();
                return (Summary(result), pipeline, pipeline.BookStage?.Events ?? -1, engine.Stats.Intents,
                    intents.Count(t => t > badTime), pipeline.LastHandlerFailure);
            }

            var fused = Run(Fused(config), "fused.fej");
            var staged = Run(Staged(config), "staged.fej");
            output.WriteLine($"fused: failures {fused.Pipeline.HandlerFailures} ({fused.Failure?.GetType().Name}), intents {fused.Intents}, after the bad event {fused.IntentsAfterBad}");
            output.WriteLine($"staged: failures {staged.Pipeline.HandlerFailures}, book {staged.Pipeline.BookHandlerFailures} ({staged.Failure?.GetType().Name})");

            Assert.Equal(1, fused.Pipeline.HandlerFailures);
            Assert.Equal(1, staged.Pipeline.HandlerFailures);
            Assert.Equal(1, staged.Pipeline.BookHandlerFailures);
            Assert.IsType<ArgumentException>(staged.Failure);
            Assert.Equal(1, (long)staged.Summary["threads"]!["book"]!["handler_failures"]!);
            // Every event, the bad one included, through both stages.
            Assert.Equal(events.Length, staged.Pipeline.Published);
            Assert.Equal(events.Length, staged.BookEvents);
            Assert.Equal(events.Length, (long)staged.Summary["threads"]!["decision"]!["events"]!);
            // Later events still flow: intents were made after the bad event, as in the fused run.
            Assert.True(fused.IntentsAfterBad > 0, "no intent after the bad event: the test would not see a stalled stage");
            Assert.Equal(fused.IntentsAfterBad, staged.IntentsAfterBad);
            Assert.Equal(Outcome(fused.Summary), Outcome(staged.Summary));
            Assert.Equal(JournalRecords(Path.Combine(dir, "fused.fej"), out _), JournalRecords(Path.Combine(dir, "staged.fej"), out _));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Halt right after a burst: every event of the bundled replay (demo fees) published as fast as the ring takes them
    /// (the producer only copies, so the stages are still up to a ring behind when it returns), then Halt at once. Halt
    /// returns only after every published event went through the book stage and then the decision stage, and the outcome
    /// (summary and journal) is the fused pipeline's after the same burst.
    /// </summary>
    [Fact]
    public void Pipeline_HaltRightAfterBurst_DrainsEveryEventThroughBothStages()
    {
        VenueCatalog.EnsureRegistered();
        var config = BookStageTests.Config("latency-demo.json", out var all);
        using var session = ReplaySession.Open(all);
        var events = ReplayRunner.ParseAll(session, out _);
        var dir = Directory.CreateTempSubdirectory("fe-staged-").FullName;
        try
        {
            (JsonObject Summary, long Published, long BookEvents, long DecisionEvents) Run(EngineConfig topology, string journal)
            {
                var engine = new DecisionEngine(session.Registry, ReplayRunner.OptionsFrom(config, Path.Combine(dir, journal)));
                CaptureFeed.ConfigureBooks(engine.Books);
                using var pipeline = new EnginePipeline(engine, topology.Topology);
                try
                {
                    pipeline.Start();
                    pipeline.Publish((MarketEvent[])events.Clone());
                    Assert.True(pipeline.Halt(TimeSpan.FromMinutes(2)), "Halt timed out: a stage hung");
                }
                finally { engine.Dispose(); }
                var result = new ReplayResult
                {
                    Engine = engine, Feed = new CaptureFeed(session.Registry), Files = ["bundled"], Events = pipeline.Published,
                    Topology = topology.Topology.Mode, HandlerFailures = pipeline.HandlerFailures, BookStage = pipeline.BookStage,
                };
                return (Summary(result), pipeline.Published, pipeline.BookStage?.Events ?? -1, engine.Stats.Events);
            }

            var fused = Run(Fused(config), "fused.fej");
            var staged = Run(Staged(config), "staged.fej");
            Assert.Equal(events.Length, fused.Published);
            Assert.Equal(events.Length, fused.DecisionEvents);
            Assert.Equal(events.Length, staged.Published);
            Assert.Equal(events.Length, staged.BookEvents);
            Assert.Equal(events.Length, staged.DecisionEvents);
            Assert.Equal(Outcome(fused.Summary), Outcome(staged.Summary));
            Assert.Equal(JournalRecords(Path.Combine(dir, "fused.fej"), out _), JournalRecords(Path.Combine(dir, "staged.fej"), out _));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The creation times (event time, ns) of the journal's intents.</summary>
    private static List<long> JournalIntents(string path)
    {
        var file = File.ReadAllBytes(path);
        var reader = new RecordReader(file, OrderIntentJournal.MaxPayload);
        var times = new List<long>();
        while (reader.TryRead(out byte type, out var payload))
            if (type == (byte)JournalRecordType.Intent) times.Add(OrderIntentJournal.DecodeIntent(payload).CreatedTimeNs);
        return times;
    }
}
