using System.Diagnostics;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Metrics;
using FastEngine.Model;
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
    /// <summary>Producer-thread bytes allocated after warm-up outside declared cold paths.</summary>
    public long ProducerAllocatedSteady { get; init; }
    /// <summary>Producer-thread bytes allocated after warm-up on declared cold paths (new connections, instruments, buffer growth).</summary>
    public long ProducerColdAllocated { get; init; }
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
            JournalFsync = config.Journal.Fsync switch
            {
                "never" => FsyncPolicy.Never,
                "every-n" => FsyncPolicy.EveryN,
                "interval" => FsyncPolicy.Interval,
                _ => FsyncPolicy.EveryRecord,
            },
        };
    }

    /// <param name="journalPath">Where intents are journaled; a replay starts a fresh journal (the file is replaced).</param>
    public static ReplayResult Run(IReadOnlyList<string> files, EngineConfig config, ReplaySpeed speed, string journalPath,
        string? venueName = null, string? format = null, Action<long, long>? progress = null)
    {
        VenueCatalog.EnsureRegistered();
        if (File.Exists(journalPath)) File.Delete(journalPath);
        var registry = new InstrumentRegistry();
        var options = OptionsFrom(config, journalPath);
        using var engine = new DecisionEngine(registry, options);
        CaptureFeed.ConfigureBooks(engine.Books);
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
        using var merge = new ReplayMerge(sources);
        using var pipeline = new EnginePipeline(engine, config.Topology);
        var batch = new MarketEventBatch(4096);
        long records = 0, events = 0;
        long firstTime = long.MinValue;
        long allocWarm = -1, allocEnd, coldWarm = 0;
        var sw = Stopwatch.StartNew();
        pipeline.Start();
        while (merge.MoveNext())
        {
            var src = merge.Current;
            records++;
            if (!speed.IsMax) Pace(src.TimeNs, ref firstTime, sw, speed);
            batch.Clear();
            src.Emit(batch);
            if (batch.Count > 0)
            {
                pipeline.Publish(batch.Events);
                events += batch.Count;
            }
            if (records == 20_000)
            {
                allocWarm = GC.GetAllocatedBytesForCurrentThread();
                coldWarm = ColdPath.AllocatedOnThisThread;
            }
            if (progress is not null && (records & 0x3FFF) == 0) progress(records, events);
        }
        allocEnd = GC.GetAllocatedBytesForCurrentThread();
        long coldEnd = ColdPath.AllocatedOnThisThread;
        pipeline.Halt();
        sw.Stop();
        // The decision thread closed open opportunities at the last event time (OnShutdown → MarkEnd).
        return new ReplayResult
        {
            Engine = engine,
            Feed = feed,
            Files = files,
            Records = records,
            Events = events,
            ElapsedSeconds = sw.Elapsed.TotalSeconds,
            WaitStrategy = config.Topology.WaitStrategy,
            Topology = config.Topology.Mode,
            HandlerFailures = pipeline.HandlerFailures,
            ProducerAllocatedSteady = allocWarm < 0 ? 0 : allocEnd - allocWarm - (coldEnd - coldWarm),
            ProducerColdAllocated = allocWarm < 0 ? 0 : coldEnd - coldWarm,
        };
    }

    private static void Pace(long timeNs, ref long firstTime, Stopwatch sw, ReplaySpeed speed)
    {
        if (firstTime == long.MinValue) { firstTime = timeNs; return; }
        double targetSeconds = (timeNs - firstTime) / 1e9 / speed.Multiplier;
        double wait = targetSeconds - sw.Elapsed.TotalSeconds;
        if (wait > 0.002) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(wait, 5)));
    }
}
