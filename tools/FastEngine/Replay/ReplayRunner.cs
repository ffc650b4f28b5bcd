using System.Diagnostics;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Metrics;
using FastEngine.Model;
using FastEngine.Ring;
using FastEngine.Risk;
using FastEngine.Routing;

namespace FastEngine.Cli.Replay;

/// <summary>How fast a replay runs.</summary>
public readonly record struct ReplaySpeed(double Multiplier)
{
    public static readonly ReplaySpeed Max = new(0);
    public bool IsMax => Multiplier <= 0;

    /// <summary><c>max</c>, <c>1x</c>, <c>10x</c>, <c>0.5x</c>.</summary>
    public static bool TryParse(string text, out ReplaySpeed speed)
    {
        speed = Max;
        if (string.Equals(text, "max", StringComparison.OrdinalIgnoreCase)) return true;
        var t = text.EndsWith('x') || text.EndsWith('X') ? text[..^1] : text;
        if (double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) && m > 0 && m <= 1e6)
        {
            speed = new ReplaySpeed(m);
            return true;
        }
        return false;
    }
}

/// <summary>Result of a replay: counts, decisions and timing.</summary>
public sealed class ReplayResult
{
    public required DecisionEngine Engine { get; init; }
    public required CaptureFeed Feed { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public long Records { get; init; }
    public long Events { get; init; }
    public double ElapsedSeconds { get; init; }
    public string WaitStrategy { get; init; } = "";
    public string Topology { get; init; } = "fused";
    public long HandlerFailures { get; init; }
    /// <summary>Staged topology: events the book thread threw on (counted in <see cref="HandlerFailures"/> too; 0 when fused).</summary>
    public long BookHandlerFailures { get; init; }
    /// <summary>Where the threads ran: "producer CPU 0, decision CPU 1", "not pinned", with the reason of any pin that failed.</summary>
    public string ThreadLayout { get; init; } = "not pinned";
    /// <summary>Producer-thread bytes allocated after warm-up outside declared cold paths.</summary>
    public long ProducerAllocatedSteady { get; init; }
    /// <summary>False when the publishing threads' allocation was not measured (live: the venues' receive loops); the
    /// summary then lists them without a figure.</summary>
    public bool ProducerMeasured { get; init; } = true;
    /// <summary>Producer-thread bytes allocated after warm-up on declared cold paths (new connections, instruments, buffer growth).</summary>
    public long ProducerColdAllocated { get; init; }
    /// <summary>Staged topology: the book thread's stage (images, receive→book latency on that thread, allocation); null when fused.</summary>
    public BookStage? BookStage { get; init; }
    /// <summary>Busy time per event of the decision thread (the fused stage, or the staged decision stage), ns: time inside
    /// batches, waiting excluded.</summary>
    public double DecisionBusyNsPerEvent { get; init; }
    /// <summary>Staged topology: busy time per event of the book thread, ns (0 when fused).</summary>
    public double BookBusyNsPerEvent { get; init; }
}

/// <summary>
/// Replays captures through the whole engine: sources merged by receive time → venue parsers → ring → fused decision
/// stage (books, signals, routing, risk, journal, paper execution). Used by <c>replay</c> and <c>latency</c>.
/// </summary>
public static class ReplayRunner
{
    public static DecisionOptions OptionsFrom(EngineConfig config, string journalPath)
    {
        VenueCatalog.EnsureRegistered();
        var fees = new Dictionary<VenueId, FeeSchedule>();
        foreach (var v in config.Venues)
            if (VenueCatalog.TryParse(v.Name, out var id)) fees[id] = FeeSchedule.FromBps(v.MakerFeeBps, v.TakerFeeBps);
        // Groups: "bybit" names both segments.
        foreach (var v in config.Venues.Where(v => v.Name.Equals("bybit", StringComparison.OrdinalIgnoreCase)))
            fees[VenueCatalog.BybitSpot] = fees[VenueCatalog.BybitLinear] = FeeSchedule.FromBps(v.MakerFeeBps, v.TakerFeeBps);
        const long E8 = 100_000_000;
        var r = config.Risk;
        long capital = (long)(r.Capital * E8);
        var risk = new RiskConfig(
            Capital: capital,
            DailyDrawdownLimit: (long)(r.Capital * r.DailyDrawdownPct / 100 * E8),
            CapMode: r.CapMode == "unified" ? GlobalCapMode.Unified : GlobalCapMode.PerVenuePlusGlobal,
            VenueCapPpm: (int)(r.PerVenueCapPct * 10_000),
            GlobalCapPpm: (int)(r.GlobalCapPct * 10_000),
            MaxOrderNotional: (long)(r.MaxOrderNotional * E8),
            MaxOpenOrders: r.MaxOpenOrders,
            MaxQuoteAgeNs: (long)(config.Thresholds.MaxQuoteAgeMs * 1_000_000),
            MinEdgeCentiBps: (long)(config.Thresholds.MinEdgeBps * 100),
            StrategyMaxDailyLoss: (long)(r.StrategyMaxLossPerDay * E8),
            MaxConsecutiveErrors: r.BreakerConsecutiveErrors,
            StableWindowNs: (long)(r.BreakerStableWindowSeconds * 1e9),
            RateLimits: new Dictionary<VenueId, RateLimit>
            {
                [VenueCatalog.Binance] = RateLimit.BinanceSpot,
                [VenueCatalog.Okx] = RateLimit.Okx,
                [VenueCatalog.BybitSpot] = RateLimit.Bybit,
                [VenueCatalog.BybitLinear] = RateLimit.Bybit,
                [VenueCatalog.Coinbase] = RateLimit.Coinbase,
                [VenueCatalog.Kraken] = RateLimit.Kraken,
            },
            DefaultRateLimit: new RateLimit(10, 1_000_000_000, 10));
        return new DecisionOptions
        {
            Thresholds = new Arbitrage.ArbitrageThresholds(config.Thresholds.MinEdgeBps, (long)(config.Thresholds.MinNotional * E8),
                (long)(config.Thresholds.MaxQuoteAgeMs * 1_000_000)),
            Fees = fees,
            Risk = risk,
            MaxLegNotional = (long)(Math.Min(r.MaxOrderNotional, r.Capital) * E8),
            JournalPath = journalPath,
            KeepWarmMicros = config.Engine.KeepWarmMicrosFor(config.Topology.WaitStrategy),
            JournalFsync = config.Journal.Fsync switch
            {
                "never" => FsyncPolicy.Never,
                "every-n" => FsyncPolicy.EveryN,
                "interval" => FsyncPolicy.Interval,
                _ => FsyncPolicy.EveryRecord,
            },
        }.WithStrategies(config);
    }

    /// <param name="journalPath">Where intents are journaled; a replay starts a fresh journal (the file is replaced).</param>
    /// <param name="maxGapMs">While pacing: idle stretches between records longer than this are cut to this length
    /// (the bundled captures were recorded years apart). Ignored at max speed.</param>
    /// <param name="intentDiagnostics">Time each segment of the intent path (<see cref="DecisionEngine.Diagnostics"/>).</param>
    public static ReplayResult Run(IReadOnlyList<string> files, EngineConfig config, ReplaySpeed speed, string journalPath,
        string? venueName = null, string? format = null, Action<long, long>? progress = null, double maxGapMs = double.PositiveInfinity,
        bool intentDiagnostics = false)
    {
        VenueCatalog.EnsureRegistered();
        if (File.Exists(journalPath)) File.Delete(journalPath);
        var options = OptionsFrom(config, journalPath) with { IntentDiagnostics = intentDiagnostics };
        using var session = ReplaySession.Open(files, venueName, format);
        using var engine = new DecisionEngine(session.Registry, options);
        CaptureFeed.ConfigureBooks(engine.Books);
        using var pipeline = new EnginePipeline(engine, config.Topology);
        var producer = new ReplayProducer(speed, maxGapMs) { Progress = progress };
        // topology.cpus.producer: the publishing thread (this one) runs on that CPU for the replay, then gets its old set back.
        var previousAffinity = config.Topology.Cpus.TryGetValue("producer", out int producerCpu) && producerCpu >= 0 ? ThreadAffinity.GetCurrentAffinity() : null;
        string? producerPinError = null;
        if (previousAffinity is not null && !ThreadAffinity.TryPin(producerCpu, out producerPinError))
            previousAffinity = null;
        var sw = Stopwatch.StartNew();
        try
        {
            pipeline.Start();
            producer.Run(session.Merge, pipeline);
            pipeline.Halt();
        }
        finally
        {
            if (previousAffinity is not null) ThreadAffinity.TrySetAffinity(previousAffinity);
        }
        sw.Stop();
        // The decision thread closed open opportunities at the last event time (OnShutdown → MarkEnd).
        return new ReplayResult
        {
            Engine = engine,
            Feed = session.Feed,
            Files = files,
            Records = producer.Records,
            Events = producer.Events,
            ElapsedSeconds = sw.Elapsed.TotalSeconds,
            WaitStrategy = config.Topology.WaitStrategy,
            Topology = config.Topology.Mode,
            HandlerFailures = pipeline.HandlerFailures,
            BookHandlerFailures = pipeline.BookHandlerFailures,
            ThreadLayout = LayoutOf(config.Topology, producerPinError, pipeline),
            ProducerAllocatedSteady = producer.AllocatedSteady,
            ProducerColdAllocated = producer.ColdAllocated,
            BookStage = pipeline.BookStage,
            DecisionBusyNsPerEvent = pipeline.DecisionClock.BusyNsPerEvent,
            BookBusyNsPerEvent = pipeline.BookClock?.BusyNsPerEvent ?? 0,
        };
    }

    /// <summary>Where each thread ran (the staged topology's book thread between the producer and the decision thread).
    /// <paramref name="producer"/>: the name of the publishing thread(s) and where they ran when it is not the replay's
    /// producer (live: the venues' receive loops), or null for the replay's producer (<c>topology.cpus.producer</c>).</summary>
    public static string LayoutOf(TopologyConfig topology, string? producerError, EnginePipeline pipeline, string? producer = null)
    {
        static string One(string thread, TopologyConfig t, string? error) =>
            !t.Cpus.TryGetValue(thread, out int cpu) || cpu < 0 ? $"{thread} not pinned"
            : error is null ? $"{thread} CPU {cpu}" : $"{thread} not pinned ({error})";
        return (producer ?? One("producer", topology, producerError))
            + (pipeline.BookStage is null ? "" : ", " + One("book", topology, pipeline.BookPinError))
            + ", " + One("decision", topology, pipeline.PinError);
    }

    /// <summary>
    /// Parses every record of <paramref name="files"/> into one array, in replay order (benchmarks and tests feed it to a
    /// <see cref="DecisionEngine"/> without the parsers or the ring). <paramref name="recordEnds"/>[i] is the end index of
    /// record i's events. Cold path: allocates the arrays.
    /// </summary>
    public static MarketEvent[] ParseAll(ReplaySession session, out int[] recordEnds)
    {
        var sink = new CollectingSink();
        var producer = new ReplayProducer(ReplaySpeed.Max) { MaxBatchEvents = 1 };
        producer.Run(session.Merge, sink);
        recordEnds = sink.Ends.ToArray();
        return sink.Events.ToArray();
    }

    private sealed class CollectingSink : IMarketEventSink
    {
        public readonly List<MarketEvent> Events = new();
        public readonly List<int> Ends = new();

        public void Publish(Span<MarketEvent> events)
        {
            foreach (ref var e in events) Events.Add(e);
            Ends.Add(Events.Count);
        }
    }
}

/// <summary>
/// The replay producer loop: records merged by receive time → venue parsers → <see cref="IMarketEventSink"/> (the ring).
/// At max speed several records' events go out in one publish (one claim, one timestamp) up to
/// <see cref="MaxBatchEvents"/>; when pacing, every record is published as soon as it is parsed, so a latency measured
/// from the publish stamp is not inflated by batching.
/// </summary>
/// <remarks>Single-threaded (the producer thread). Allocation-free per record after warm-up except on declared cold
/// paths; <see cref="AllocatedSteady"/> reports what it allocated elsewhere after <see cref="WarmupRecords"/>.</remarks>
public sealed class ReplayProducer(ReplaySpeed speed, double maxGapMs = double.PositiveInfinity)
{
    private readonly MarketEventBatch _batch = new(8192);
    private readonly long _maxGapNs = double.IsPositiveInfinity(maxGapMs) || maxGapMs < 0 ? long.MaxValue : (long)(maxGapMs * 1_000_000);

    /// <summary>Largest number of events published at once at max speed (a record is never split).</summary>
    public int MaxBatchEvents { get; init; } = 1024;
    public long WarmupRecords { get; init; } = 20_000;
    public Action<long, long>? Progress { get; init; }
    public long Records { get; private set; }
    public long Events { get; private set; }
    /// <summary>Idle time cut out by the max-gap rule while pacing (ns of recording time).</summary>
    public long SkippedGapNs { get; private set; }
    public long AllocatedSteady { get; private set; }
    public long ColdAllocated { get; private set; }

    /// <summary>Runs every record of <paramref name="merge"/> into <paramref name="sink"/> (generic: a struct or sealed
    /// sink is called directly, without interface dispatch).</summary>
    public void Run<TSink>(ReplayMerge merge, TSink sink) where TSink : IMarketEventSink
    {
        var batch = _batch;
        bool paced = !speed.IsMax;
        int maxBatch = paced ? 1 : Math.Max(1, MaxBatchEvents);
        long records = 0, events = 0;
        long allocWarm = -1, coldWarm = 0;
        long firstTime = long.MinValue, lastTime = 0, skipped = 0;
        var sw = Stopwatch.StartNew();
        batch.Clear();
        while (merge.MoveNext())
        {
            var src = merge.Current;
            records++;
            if (paced)
            {
                long t = src.TimeNs;
                if (firstTime == long.MinValue) { firstTime = lastTime = t; }
                else
                {
                    long gap = t - lastTime;
                    if (gap > _maxGapNs) skipped += gap - _maxGapNs;
                    lastTime = t;
                    Pace(t - firstTime - skipped, sw, speed);
                }
            }
            src.Emit(batch);
            if (batch.Count >= maxBatch)
            {
                events += batch.Count;
                sink.Publish(batch.Events);
                batch.Clear();
            }
            if (records == WarmupRecords)
            {
                allocWarm = GC.GetAllocatedBytesForCurrentThread();
                coldWarm = ColdPath.AllocatedOnThisThread;
            }
            if (Progress is not null && (records & 0x3FFF) == 0) Progress(records, events);
        }
        if (batch.Count > 0)
        {
            events += batch.Count;
            sink.Publish(batch.Events);
            batch.Clear();
        }
        long allocEnd = GC.GetAllocatedBytesForCurrentThread();
        long coldEnd = ColdPath.AllocatedOnThisThread;
        Records = records;
        Events = events;
        SkippedGapNs = skipped;
        AllocatedSteady = allocWarm < 0 ? 0 : allocEnd - allocWarm - (coldEnd - coldWarm);
        ColdAllocated = allocWarm < 0 ? 0 : coldEnd - coldWarm;
    }

    /// <summary>Waits until <paramref name="offsetNs"/> of recording time (scaled by the speed) has passed on the wall clock.
    /// Sleeps for long waits; spins with yields for the last two milliseconds so records are not released in bursts.</summary>
    private static void Pace(long offsetNs, Stopwatch sw, ReplaySpeed speed)
    {
        long targetTicks = (long)(offsetNs / speed.Multiplier * (Stopwatch.Frequency / 1e9));
        while (true)
        {
            long wait = targetTicks - sw.ElapsedTicks;
            if (wait <= 0) return;
            double waitSeconds = wait / (double)Stopwatch.Frequency;
            if (waitSeconds > 0.002) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(waitSeconds - 0.001, 5)));
            else Thread.Yield();
        }
    }
}

/// <summary>The opened inputs of a replay: one registry, the capture feed (venue parsers) and the time-ordered merge of every
/// file's source.</summary>
public sealed class ReplaySession : IDisposable
{
    private ReplaySession(InstrumentRegistry registry, CaptureFeed feed, ReplayMerge merge)
    {
        Registry = registry;
        Feed = feed;
        Merge = merge;
    }

    public InstrumentRegistry Registry { get; }
    public CaptureFeed Feed { get; }
    public ReplayMerge Merge { get; }

    /// <param name="registry">The registry to map symbols into; null for a new one. Passing a warm engine's registry lets the
    /// same recording be replayed again into that engine (instruments get the same ids in the same order).</param>
    public static ReplaySession Open(IReadOnlyList<string> files, string? venueName = null, string? format = null, InstrumentRegistry? registry = null)
    {
        VenueCatalog.EnsureRegistered();
        registry ??= new InstrumentRegistry();
        var feed = new CaptureFeed(registry);
        var sources = new List<IReplaySource>();
        try
        {
            foreach (var f in files) sources.Add(ReplaySourceFactory.Open(f, registry, feed, venueName, format));
        }
        catch
        {
            foreach (var s in sources) s.Dispose();
            throw;
        }
        return new ReplaySession(registry, feed, new ReplayMerge(sources));
    }

    public void Dispose() => Merge.Dispose();
}