using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Metrics;
using FastEngine.Model;
using FastEngine.Risk;
using FastEngine.Routing;

namespace FastEngine.Hosting;

/// <summary>Settings of the <see cref="DecisionEngine"/> (built from <see cref="EngineConfig"/>).</summary>
public sealed record DecisionOptions
{
    public ArbitrageThresholds Thresholds { get; init; } = new();
    /// <summary>Taker/maker fees per venue; venues not listed use <see cref="DefaultFees"/>.</summary>
    public IReadOnlyDictionary<VenueId, FeeSchedule> Fees { get; init; } = new Dictionary<VenueId, FeeSchedule>();
    public FeeSchedule DefaultFees { get; init; } = FeeSchedule.FromBps(2, 10);
    public RiskConfig Risk { get; init; } = new(Capital: 100_000L * 100_000_000, DailyDrawdownLimit: 5_000L * 100_000_000,
        MaxOrderNotional: 10_000L * 100_000_000, DefaultRateLimit: new RateLimit(10, 1_000_000_000, 10));
    /// <summary>Largest notional of one arbitrage leg, quote × 10^8 (USD face value for inverse contracts).</summary>
    public long MaxLegNotional { get; init; } = 1_000L * 100_000_000;
    /// <summary>Intent journal path (null: no journal — tests only; the program always journals).</summary>
    public string? JournalPath { get; init; }
    public FsyncPolicy JournalFsync { get; init; } = FsyncPolicy.Never;
    /// <summary>N of <see cref="FsyncPolicy.EveryN"/>.</summary>
    public int JournalFsyncEveryN { get; init; } = 64;
    /// <summary>Interval of <see cref="FsyncPolicy.Interval"/> (and the background flusher's period), ns.</summary>
    public long JournalFsyncIntervalNs { get; init; } = 10_000_000;
    /// <summary>Per-leg timing of the intent path (<see cref="DecisionEngine.Diagnostics"/>): stamps between its segments and the
    /// thread's page faults. Off by default (the stamps and the getrusage calls cost a few µs per leg).</summary>
    public bool IntentDiagnostics { get; init; }
    /// <summary>Idle-time keep-warm of the intent path (config <c>engine.keepWarmMicros</c>): while the decision thread has
    /// had no event for this many µs, it runs a state-free dry run (<see cref="DecisionEngine.KeepWarmStep"/>), then again
    /// every this many µs while idle. 0: off. Applies with the busy-spin and yielding waits (<see cref="EnginePipeline"/>).</summary>
    public long KeepWarmMicros { get; init; }
    /// <summary>Events processed before steady-state allocation is measured (warm-up: snapshots, JIT, first books).</summary>
    public long WarmupEvents { get; init; } = 20_000;
    /// <summary>Triangular arbitrage within each venue (config section <c>triangular</c>).</summary>
    public TriangularOptions Triangular { get; init; } = new();
    /// <summary>Funding/basis carry of each perpetual against spot (config section <c>carry</c>).</summary>
    public CarryOptions Carry { get; init; } = new();
    /// <summary>Cost model of the router that splits a leg across the venues quoting its instrument (config section <c>routing</c>).</summary>
    public RouterConfig Router { get; init; } = new(MakerPreferred: false);
    /// <summary>Time in force of a resting maker (post-only) order in the paper broker, ns (config <c>paper.makerMaxRestMs</c>).</summary>
    public long MakerMaxRestNs { get; init; } = 5_000_000_000;
    /// <summary>Capacity of the paper broker's resting-order table (config <c>paper.makerMaxOrders</c>).</summary>
    public int MakerMaxOrders { get; init; } = 64;

    /// <summary>These options with the strategy sections (<c>triangular</c>, <c>carry</c>, <c>routing</c>) and the journal's
    /// fsync settings taken from <paramref name="config"/> (cold path).</summary>
    public DecisionOptions WithStrategies(EngineConfig config) => this with
    {
        Triangular = TriangularOptions.From(config.Triangular, config.Thresholds),
        Carry = CarryOptions.From(config.Carry),
        Router = new RouterConfig(
            MinHealthPpm: (int)Math.Round(config.Routing.MinHealthPct * 10_000),
            ReliabilityPenaltyBps: config.Routing.ReliabilityPenaltyBps,
            MakerPreferred: config.Routing.MakerPreferred),
        JournalFsyncEveryN = config.Journal.FsyncEveryN,
        JournalFsyncIntervalNs = (long)(config.Journal.FsyncIntervalMs * 1_000_000),
        MakerMaxRestNs = (long)Math.Round(config.Paper.MakerMaxRestMs * 1_000_000),
        MakerMaxOrders = config.Paper.MakerMaxOrders,
    };
}

/// <summary>Triangular detector settings of the <see cref="DecisionEngine"/>.</summary>
public sealed record TriangularOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>Minimum top-of-book cycle edge after the three taker fees, bps.</summary>
    public double MinEdgeBps { get; init; } = 1;
    /// <summary>Currencies a cycle starts and ends in. Their amounts are what risk caps, so they should be USD-like.</summary>
    public IReadOnlyList<string> StartCurrencies { get; init; } = ["USDT", "USDC", "USD"];
    /// <summary>Largest start amount of one cycle, start currency × 10^8.</summary>
    public long MaxStartAmount { get; init; } = 1_000L * 100_000_000;

    public static TriangularOptions From(TriangularConfigSection c, ThresholdsConfig t) => new()
    {
        Enabled = c.Enabled,
        MinEdgeBps = c.MinEdgeBps,
        StartCurrencies = c.StartCurrencies.ToArray(),
        MaxStartAmount = (long)(c.MaxStartAmount * 100_000_000),
    };
}

/// <summary>Funding/basis carry settings of the <see cref="DecisionEngine"/>.</summary>
public sealed record CarryOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>Minimum |annualized funding + basis|, bps (1,000 = 10 % a year).</summary>
    public double MinCarryBps { get; init; } = 1_000;
    /// <summary>K: the last K funding observations share the current sign.</summary>
    public int SignPersistence { get; init; } = 3;
    public long MinTimeToFundingNs { get; init; } = 5L * 60 * 1_000_000_000;
    public long FundingIntervalNs { get; init; } = 8L * 3600 * 1_000_000_000;
    /// <summary>A carry pair is evaluated at most once per this much event time on book-top changes (funding, mark and
    /// index events always evaluate): the throttle that keeps the detector cheap per event.</summary>
    public long EvaluateIntervalNs { get; init; } = 100_000_000;
    /// <summary>Notional of each of the two legs, USD × 10^8 (USD face value on an inverse perpetual).</summary>
    public long LegNotional { get; init; } = 1_000L * 100_000_000;
    /// <summary>Limit of each IOC leg: the top price worsened by this many bps.</summary>
    public double MaxSlippageBps { get; init; } = 5;
    /// <summary>An open carry is unwound when its annualized carry in its own direction falls below this, bps (config
    /// <c>carry.exitCarryBps</c>, default a quarter of <see cref="MinCarryBps"/>).</summary>
    public double ExitCarryBps { get; init; } = 250;
    /// <summary>An open carry is unwound after this many fundings passed while held; 0: no limit (config <c>carry.maxHoldFundings</c>).</summary>
    public int MaxHoldFundings { get; init; } = 3;

    public static CarryOptions From(CarryConfigSection c) => new()
    {
        Enabled = c.Enabled,
        MinCarryBps = c.MinCarryBps,
        SignPersistence = c.SignPersistence,
        MinTimeToFundingNs = (long)(c.MinTimeToFundingMinutes * 60e9),
        FundingIntervalNs = (long)(c.FundingIntervalHours * 3600e9),
        EvaluateIntervalNs = (long)(c.EvaluateIntervalMs * 1e6),
        LegNotional = (long)(c.LegNotional * 100_000_000),
        MaxSlippageBps = c.MaxSlippageBps,
        ExitCarryBps = c.ExitCarryBpsOrDefault,
        MaxHoldFundings = c.MaxHoldFundings,
    };
}

/// <summary>Kinds of opportunity the <see cref="DecisionEngine"/> counts (summary key names: <see cref="OpportunityKinds.NameOf"/>).</summary>
public enum OpportunityKind : byte
{
    CrossVenue = 0,
    Triangular = 1,
    Carry = 2,
}

public static class OpportunityKinds
{
    public const int Count = 3;
    /// <summary>Stable snake_case names used as summary keys.</summary>
    public static string NameOf(OpportunityKind kind) => kind switch
    {
        OpportunityKind.CrossVenue => "cross_venue",
        OpportunityKind.Triangular => "triangular",
        _ => "carry",
    };
}

/// <summary>Counters of a <see cref="DecisionEngine"/> run (read after the pipeline halted, or racy-but-safe longs live).</summary>
public sealed class DecisionStats
{
    public long Events;
    public long BookMessages;
    public long Evaluations;
    /// <summary>New opportunity episodes of every kind (sum of <see cref="OpportunitiesByKind"/>).</summary>
    public long Opportunities;
    public readonly long[] OpportunitiesByKind = new long[OpportunityKinds.Count];
    public long TriangularEvaluations;
    public long CarryEvaluations;
    public long Intents;
    public long IntentsJournaled;
    public long JournalDuplicates;
    /// <summary>Intents the journal could not take (faulted, I/O error, invalid): not executed (fail closed).</summary>
    public long JournalRefused;
    public long Fills;
    public long LegsRejected;
    /// <summary>Legs routed by the <see cref="SmartOrderRouter"/> and the child orders they became.</summary>
    public long Routes, RouteChildren;
    /// <summary>Per <see cref="RouteVenueReason"/>: how often a venue was chosen or left out of a route, and why (the rationale).</summary>
    public readonly long[] RouteVenueReasons = new long[8];
    public readonly long[] RiskRejects = new long[RiskRejectReasons.Count];
    public long AllocatedAtWarmup = -1;
    public long AllocatedAtEnd;
    /// <summary>Bytes allocated on declared cold paths (new books/venues, buffer growth) between warm-up and end.</summary>
    public long ColdAllocatedAtWarmup, ColdAllocatedAtEnd;
    public long Gen0AtWarmup, Gen0AtEnd;
}

/// <summary>
/// The decision stages fused on one thread, in order: book (every venue's book kept by <see cref="BookKeeper"/>) →
/// signal (cross-venue arbitrage on the instrument's <see cref="ConsolidatedBook"/>; triangular arbitrage over each venue's
/// currency graph when a book of a triangle leg changes its top; funding/basis carry of each perpetual against spot on
/// funding, mark and index events and, throttled, on top changes of either book) → route (cross-venue: both legs as IOC
/// taker orders sized by the depth walk; triangular: three IOC legs on the venue; carry: the perpetual leg on its own venue,
/// the spot leg split by the <see cref="SmartOrderRouter"/> where several venues quote it) → risk (<see cref="RiskEngine"/>,
/// every leg of an opportunity checked before any is sent) → intent (journaled idempotently) → paper execution
/// (<see cref="PaperBroker"/>; a maker route's post-only leg rests there, and every later event is passed to the broker first
/// so that trades and book messages fill it and its time in force and unsynced or stale book cancel it). Deterministic:
/// decisions use only event time (<see cref="MarketEvent.ReceiveTimeNs"/>), never the wall clock.
/// </summary>
/// <remarks>
/// Single-threaded (the decision stage thread); allocation-free per event once every book, consolidated view, detector
/// and buffer reached its working size (a new venue or instrument is a cold path that rebuilds the detectors touching it).
/// The intent path runs rarely, so tiered compilation would leave it in unoptimized code: its methods are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>.
/// </remarks>
public sealed partial class DecisionEngine : IDisposable
{
    private readonly DecisionOptions _options;
    // Per venue, per instrument: what the engine knows of that book (null until its first book message).
    private BookInfo?[]?[] _info = new BookInfo?[]?[64];
    private readonly Dictionary<InstrumentId, List<VenueId>> _venuesOf = new();
    private readonly OrderIntentJournal? _journal;
    private long _nextIntentId = 1;

    public DecisionEngine(InstrumentRegistry registry, DecisionOptions options, IResyncRequester? resync = null)
    {
        Registry = registry;
        _options = options;
        Books = new BookKeeper(registry, resync);
        _bookSource = Books;
        Tracker = new OpportunityTracker(options.Thresholds, maxOpen: 256, closedCapacity: 1 << 16);
        Risk = new RiskEngine(options.Risk);
        Broker = new PaperBroker(registry, new PaperBrokerOptions
        {
            MaxVenues = 64,
            MaxInstruments = 4096,
            MaxRestingOrders = options.MakerMaxOrders,
            MakerMaxRestNs = options.MakerMaxRestNs,
            MaxQuoteAgeNs = options.Thresholds.MaxQuoteAgeNs,
        });
        foreach (var (venue, fees) in options.Fees)
        {
            Broker.SetTakerFee(venue, fees.TakerPpm);
            Broker.SetMakerFee(venue, fees.MakerPpm);
        }
        if (options.IntentDiagnostics) _diagnostics = new IntentPathDiagnostics();
        // Empty already: Reset zeroes each counts array, touching its fresh pages now rather than at a first sample in a new
        // bucket on the decision thread (a first-touch page fault measured on the paced replay).
        BookLatency.Reset();
        SignalLatency.Reset();
        IntentLatency.Reset();
        SignalToIntentLatency.Reset();
        if (options.JournalPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.JournalPath))!);
            _journal = OrderIntentJournal.Open(options.JournalPath, new JournalOptions
            {
                FsyncPolicy = options.JournalFsync,
                FsyncEveryN = options.JournalFsyncEveryN,
                FsyncIntervalNs = options.JournalFsyncIntervalNs,
            });
        }
    }

    public InstrumentRegistry Registry { get; }
    /// <summary>The authoritative books (every sync rule, checksum, resync and the book counters), in both topologies: run by
    /// this engine's <see cref="OnEvent"/> in the fused topology, by the book stage thread in the staged one.</summary>
    public BookKeeper Books { get; }
    /// <summary>The books every decision reads (signals, router, paper broker, keep-warm): <see cref="Books"/> in the fused
    /// topology, the decision thread's <see cref="BookMirror"/> in the staged one (<see cref="UseMirror"/>).</summary>
    public IBookSource BookSource => _bookSource;
    private IBookSource _bookSource;
    public OpportunityTracker Tracker { get; }
    public RiskEngine Risk { get; }
    public PaperBroker Broker { get; }
    public DecisionStats Stats { get; } = new();
    public OrderIntentJournal? Journal => _journal;
    public DecisionOptions Options => _options;

    /// <summary>Receive → book applied (processing latency inside the engine, ns).</summary>
    public LongHistogram BookLatency { get; } = new(1, 60_000_000_000, 3);
    /// <summary>Receive → signal evaluated.</summary>
    public LongHistogram SignalLatency { get; } = new(1, 60_000_000_000, 3);
    /// <summary>Receive → order intent journaled (tick-to-intent).</summary>
    public LongHistogram IntentLatency { get; } = new(1, 60_000_000_000, 3);
    /// <summary>Signal (a new opportunity episode found) → each of its legs journaled, on the decision thread's clock: the
    /// intent path alone (sizing, risk, journal; for a later leg also the earlier legs' paper execution), without the
    /// queueing before the signal.</summary>
    public LongHistogram SignalToIntentLatency { get; } = new(1, 60_000_000_000, 3);
    private long _signalTicks;
    // Event time of the last event (the keep-warm dry run's "now").
    private long _lastEventTimeNs;

    /// <summary>Fee schedule used for a venue.</summary>
    public FeeSchedule FeesOf(VenueId venue) => _options.Fees.TryGetValue(venue, out var f) ? f : _options.DefaultFees;

    /// <summary>Processes one event. <paramref name="stampTicks"/>: <see cref="Stopwatch.GetTimestamp"/> when the event
    /// entered the engine (published into the ring), the start of the latency measurement.</summary>
    public void OnEvent(ref MarketEvent e, long stampTicks)
    {
        BeginEvent(ref e);
        Books.OnEvent(ref e);
        AfterBook(ref e, stampTicks);
    }

    /// <summary>Counts the event (and marks the warm-up point): before the book sees it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BeginEvent(ref MarketEvent e)
    {
        if (++Stats.Events == _options.WarmupEvents) MarkWarm();
        _lastEventTimeNs = e.ReceiveTimeNs;
    }

    /// <summary>Everything after the book stage, on the books <see cref="BookSource"/> returns: resting orders, then on the
    /// end of a book message the signals (and their intents), on funding/mark/index events the carry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AfterBook(ref MarketEvent e, long stampTicks)
    {
        var stats = Stats;
        // A perpetual's funding time passed: its positions pay or receive, with the rate announced before it (one compare).
        if (e.ReceiveTimeNs >= Broker.NextFundingDueNs) OnFundingDue(e.ReceiveTimeNs);
        // Resting maker orders see every event after the book applied it and before any new decision (none rest: one compare).
        if (Broker.RestingCount != 0) OnRestingOrders(ref e);
        var kind = e.Kind;
        if (kind != MarketEventKind.BookLevel && kind != MarketEventKind.BookHeader)
        {
            // Funding, mark and index events stand alone (a venue frame may carry several: each counts).
            if (kind is MarketEventKind.Funding or MarketEventKind.MarkPrice or MarketEventKind.IndexPrice) OnCarryInput(ref e, stampTicks);
            return;
        }
        if (!e.IsEndOfMessage) return;
        stats.BookMessages++;
        if (_diagnostics is not null) { _messageStampTicks = stampTicks; _bookDoneTicks = Stopwatch.GetTimestamp(); }
        if (stampTicks != 0) BookLatency.RecordValue(ElapsedNs(stampTicks));
        var info = InfoFor(e.Venue, e.Instrument);
        info.Book ??= _bookSource.TryGetBook(e.Venue, e.Instrument);   // a perpetual registered by its funding before its book
        var consolidated = info.Consolidated;
        if (consolidated is not null)
        {
            _warmBook = consolidated;   // what an idle-time keep-warm dry run works on (KeepWarmStep)
            Evaluate(consolidated, e.ReceiveTimeNs, stampTicks);
        }
        // Triangles and carries only care about the top of the book: most messages change deeper levels only.
        if (info.HasTopDependents && info.TopChanged()) OnTopChanged(info, e.ReceiveTimeNs, stampTicks);
    }

    private void Evaluate(ConsolidatedBook book, long nowNs, long stampTicks)
    {
        var instrument = Registry[book.Instrument];
        int n = book.VenueCount;
        for (int buy = 0; buy < n; buy++)
        {
            for (int sell = 0; sell < n; sell++)
            {
                if (buy == sell) continue;
                Stats.Evaluations++;
                if (!CrossVenueArbitrage.TryEvaluate(book, instrument, buy, sell, nowNs, 0, out var opportunity))
                {
                    Tracker.Absent(book.VenueAt(buy), book.VenueAt(sell), instrument.Id, nowNs);
                    continue;
                }
                book.Check(buy, nowNs, out var buyBook);
                book.Check(sell, nowNs, out var sellBook);
                long age = nowNs - Math.Min(buyBook!.LastReceiveTimeNs, sellBook!.LastReceiveTimeNs);
                bool wasOpen = Tracker.TryGetOpen(opportunity.BuyVenue, opportunity.SellVenue, opportunity.Instrument, out _);
                if (!Tracker.Observe(opportunity, age, nowNs) || wasOpen) continue;
                // A new opportunity episode: one pair of IOC legs.
                CountOpportunity(OpportunityKind.CrossVenue, stampTicks);
                Act(in opportunity, instrument, buyBook, sellBook, age, nowNs, stampTicks);
            }
        }
    }

    private void CountOpportunity(OpportunityKind kind, long stampTicks)
    {
        Stats.Opportunities++;
        Stats.OpportunitiesByKind[(int)kind]++;
        if (stampTicks != 0)
        {
            SignalLatency.RecordValue(ElapsedNs(stampTicks));
            _signalTicks = Stopwatch.GetTimestamp();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Act(in ArbOpportunity opportunity, Instrument instrument, OrderBook buyBook, OrderBook sellBook, long ageNs, long nowNs, long stampTicks)
    {
        long quantity = CapQuantity(instrument, opportunity.Quantity, opportunity.WorstBuyPrice);
        if (quantity <= 0) return;
        var buy = NewIntent(IntentOrigin.CrossVenueArbitrage, instrument.Id, OrderSide.Buy, quantity, opportunity.WorstBuyPrice, opportunity.BuyVenue, nowNs, stampTicks);
        var sell = NewIntent(IntentOrigin.CrossVenueArbitrage, instrument.Id, OrderSide.Sell, quantity, opportunity.WorstSellPrice, opportunity.SellVenue, nowNs, stampTicks);
        long buyNotional = NotionalOf(instrument, quantity, opportunity.WorstBuyPrice);
        long sellNotional = NotionalOf(instrument, quantity, opportunity.WorstSellPrice);
        if (_diagnostics is not null) _riskStartTicks = Stopwatch.GetTimestamp();
        var r1 = Risk.Check(RiskIntentOf(buy, buyNotional, ageNs, true, opportunity.EdgeCentiBps), nowNs);
        if (r1 != RiskRejectReason.None) { RejectLeg(r1); return; }
        var r2 = Risk.Check(RiskIntentOf(sell, sellNotional, ageNs, true, opportunity.EdgeCentiBps), nowNs);
        if (r2 != RiskRejectReason.None)
        {
            Risk.OnOrderClosed(buy.Venue, buyNotional);
            RejectLeg(r2);
            return;
        }
        if (_diagnostics is not null) _riskEndTicks = Stopwatch.GetTimestamp();
        // Both legs are committed (journaled) before either executes: the second leg's intent does not wait for the
        // first leg's fill.
        int b = Commit(ref buy, buyNotional);
        int s = Commit(ref sell, sellNotional);
        if (b != NotCommitted) Execute(in buy, buyBook, buyNotional, b);
        if (s != NotCommitted) Execute(in sell, sellBook, sellNotional, s);
    }

    private void RejectLeg(RiskRejectReason reason)
    {
        Stats.LegsRejected++;
        Stats.RiskRejects[(int)reason]++;
    }

    /// <summary>Journals, then executes on paper (one leg). The journal append is the intent's commit point: tick-to-intent ends there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Submit(ref OrderIntent intent, OrderBook book, long notional)
    {
        int leg = Commit(ref intent, notional);
        if (leg != NotCommitted) Execute(in intent, book, notional, leg);
    }

    /// <summary><see cref="Commit"/>'s answer for an intent that must not execute (a duplicate, or the journal refused it).</summary>
    private const int NotCommitted = -2;

    /// <summary>
    /// The intent's commit point: journaled (idempotent by its reference id), then its tick-to-intent recorded. Returns
    /// <see cref="NotCommitted"/> when it must not execute: a duplicate of a journaled intent, or a journal that could not
    /// take it (faulted, I/O error: fail closed, counted in <see cref="DecisionStats.JournalRefused"/>); its risk
    /// exposure is released then. Otherwise the diagnostics leg index (-1 without diagnostics) for <see cref="Execute"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Commit(ref OrderIntent intent, long notional) =>
        _diagnostics is { } d ? CommitDiagnosed(ref intent, notional, d) : CommitCore(ref intent, notional);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CommitCore(ref OrderIntent intent, long notional)
    {
        Stats.Intents++;
        if (_journal is not null)
        {
            var result = _journal.TryAppend(intent);
            if (result != JournalAppendResult.Appended) return NotAppended(in intent, notional, result);
            Stats.IntentsJournaled++;
        }
        RecordIntentLatency(intent.TickReceiveTimeNs);
        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int NotAppended(in OrderIntent intent, long notional, JournalAppendResult result)
    {
        if (result == JournalAppendResult.Duplicate) Stats.JournalDuplicates++;
        else Stats.JournalRefused++;
        Risk.OnOrderClosed(intent.Venue, notional);
        return NotCommitted;
    }

    /// <summary>Paper execution of a committed intent against <paramref name="book"/>, then the risk release of what did not fill.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Execute(in OrderIntent intent, OrderBook book, long notional, int leg)
    {
        if (_diagnostics is { } d && leg >= 0) { ExecuteDiagnosed(in intent, book, notional, leg, d); return; }
        var report = Broker.Execute(intent, book);
        AfterFill(in intent, notional, in report);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RecordIntentLatency(long tickStamp)
    {
        if (tickStamp == 0) return;
        IntentLatency.RecordValue(ElapsedNs(tickStamp));
        if (_signalTicks != 0) SignalToIntentLatency.RecordValue(ElapsedNs(_signalTicks));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AfterFill(in OrderIntent intent, long notional, in ExecutionReport report)
    {
        // A resting maker order stays open (risk keeps its exposure and open-order slot) until OnRestingOrders sees it end.
        if (report.Status == ExecutionStatus.Resting) return;
        Stats.Fills += report.FillCount;
        // IOC: the unfilled part leaves the exposure at once; the filled part stays as position exposure.
        long unfilled = intent.Quantity == 0 ? notional : notional - (long)((Int128)notional * report.FilledQuantity / intent.Quantity);
        Risk.OnOrderClosed(intent.Venue, unfilled);
    }

    /// <summary>
    /// The paper broker's resting maker orders see one event (trades fill them, book messages cross or re-queue them, time in
    /// force and unsynced/stale books cancel them). Maker fills count in <see cref="DecisionStats.Fills"/> as taker fills do; an
    /// order that ended releases its unfilled notional from risk, as <see cref="AfterFill"/> does for an IOC remainder (its
    /// notional recomputed exactly as <see cref="RouteAndSubmit"/> computed it: quantity at the limit price).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnRestingOrders(ref MarketEvent e)
    {
        if (Broker.OnMarketEvent(in e) == 0) return;
        Stats.Fills += Broker.MakerFills.Length;
        var closed = Broker.ClosedOrders;
        for (int k = 0; k < closed.Length; k++)
        {
            ref readonly var c = ref closed[k];
            long notional = NotionalOf(Registry[c.Instrument], c.Quantity, c.LimitPrice);
            long unfilled = notional - (long)((Int128)notional * c.FilledQuantity / c.Quantity);
            Risk.OnOrderClosed(c.Venue, unfilled);
        }
    }

    private OrderIntent NewIntent(IntentOrigin origin, InstrumentId instrument, OrderSide side, long quantity, long limit, VenueId venue, long nowNs, long stampTicks,
        OrderType type = OrderType.Ioc) => BuildIntent(_nextIntentId++, origin, instrument, side, quantity, limit, venue, nowNs, stampTicks, type);

    private static RiskIntent RiskIntentOf(in OrderIntent leg, long notional, long ageNs, bool hasEdge, long edgeCentiBps) => new()
    {
        Venue = leg.Venue,
        Instrument = leg.Instrument,
        Side = leg.Side == OrderSide.Buy ? Side.Bid : Side.Ask,
        Quantity = leg.Quantity,
        Price = leg.LimitPrice,
        Notional = notional,
        StrategyId = leg.StrategyId,
        QuoteAgeNs = ageNs,
        BookSynced = true,
        HasEdge = hasEdge,
        EdgeAfterFeesCentiBps = edgeCentiBps,
        EdgeAfterSlippageCentiBps = edgeCentiBps,
        LatencyCostCentiBps = 0,
        RoundTripNs = 0,
    };

    /// <summary>Notional × 10^8: quote currency for linear instruments, USD face value for inverse contracts.</summary>
    internal static long NotionalOf(Instrument instrument, long quantity, long price)
    {
        if (instrument.IsInverse)
            return (long)((Int128)quantity * instrument.ContractValue * 100_000_000 / FixedPoint.Pow10(instrument.QuantityScale));
        int scale = instrument.PriceScale + instrument.QuantityScale;
        Int128 raw = (Int128)quantity * price;
        return scale >= 8 ? (long)(raw / Pow10(scale - 8)) : (long)(raw * Pow10(8 - scale));
    }

    /// <summary>Quantity mantissa of <paramref name="notional"/> (× 10^8) at <paramref name="price"/>: face value for inverse
    /// contracts, notional / price for linear ones (floor).</summary>
    internal static long QuantityOf(Instrument instrument, long notional, long price)
    {
        if (instrument.IsInverse)
            return (long)((Int128)notional * FixedPoint.Pow10(instrument.QuantityScale) / ((Int128)Math.Max(1, instrument.ContractValue) * 100_000_000));
        if (price <= 0) return 0;
        return (long)((Int128)notional * Pow10(instrument.PriceScale + instrument.QuantityScale) / ((Int128)price * 100_000_000));
    }

    private long CapQuantity(Instrument instrument, long quantity, long price)
    {
        long notional = NotionalOf(instrument, quantity, price);
        if (notional <= _options.MaxLegNotional || notional == 0) return quantity;
        return (long)((Int128)quantity * _options.MaxLegNotional / notional);
    }

    private static Int128 Pow10(int n) => FixedPoint.Pow10Wide(n);

    private static long ElapsedNs(long stampTicks)
    {
        long ticks = Stopwatch.GetTimestamp() - stampTicks;
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>What the engine keeps of one venue's book of one instrument.</summary>
    private sealed class BookInfo(VenueId venue, Instrument instrument)
    {
        public readonly VenueId Venue = venue;
        public readonly Instrument Instrument = instrument;
        public OrderBook? Book;
        /// <summary>The instrument's consolidated view once two or more venues quote it.</summary>
        public ConsolidatedBook? Consolidated;
        /// <summary>The router over <see cref="Consolidated"/> (shared by every venue of the instrument).</summary>
        public RouteState? Route;
        /// <summary>The venue's triangular detector and the cycles this book is a leg of (empty: none).</summary>
        public TriangularState? Triangular;
        public int[] Cycles = [];
        /// <summary>Carry pairs this book (or, for a perpetual, its funding/mark/index events) feeds.</summary>
        public CarryState[] Carries = [];
        public bool HasTopDependents;
        /// <summary>A perpetual's latest funding, mark and index events: a carry pair created later starts from them (a venue
        /// may send the funding rate only in its first ticker snapshot, before the spot book exists).</summary>
        public MarketEvent LastFunding, LastMark, LastIndex;
        private long _bid, _bidSize, _ask, _askSize;
        private bool _synced;

        /// <summary>True when the best bid or ask (price or size) or the sync state moved since the last call.</summary>
        public bool TopChanged()
        {
            var b = Book;
            if (b is null) return false;
            long bid = 0, bidSize = 0, ask = 0, askSize = 0;
            if (!b.Bids.IsEmpty) { ref readonly var l = ref b.Bids.Best; bid = l.Price; bidSize = l.Size; }
            if (!b.Asks.IsEmpty) { ref readonly var l = ref b.Asks.Best; ask = l.Price; askSize = l.Size; }
            bool synced = b.IsSynced;
            if (bid == _bid && ask == _ask && bidSize == _bidSize && askSize == _askSize && synced == _synced) return false;
            _bid = bid; _bidSize = bidSize; _ask = ask; _askSize = askSize; _synced = synced;
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BookInfo InfoFor(VenueId venue, InstrumentId instrument)
    {
        var row = (uint)venue.Value < (uint)_info.Length ? _info[venue.Value] : null;
        if (row is not null && (uint)instrument.Value < (uint)row.Length && row[instrument.Value] is { } info) return info;
        return AddBookSlow(venue, instrument);
    }

    /// <summary>A (venue, instrument) seen for the first time: consolidated view, triangles and carry pairs that include it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private BookInfo AddBookSlow(VenueId venue, InstrumentId instrument)
    {
        long cold = ColdPath.Begin();
        try { return AddBookCore(venue, instrument); } finally { ColdPath.End(cold); }
    }

    private BookInfo AddBookCore(VenueId venue, InstrumentId instrument)
    {
        ref var slot = ref VenueInstrumentTable.Slot(ref _info, venue, instrument, minRow: 64);
        if (slot is { } existing) return existing;
        var info = new BookInfo(venue, Registry[instrument]) { Book = _bookSource.TryGetBook(venue, instrument) };
        slot = info;

        if (!_venuesOf.TryGetValue(instrument, out var venues)) _venuesOf[instrument] = venues = new List<VenueId>();
        if (!venues.Contains(venue)) venues.Add(venue);
        if (venues.Count >= 2)
        {
            var book = new ConsolidatedBook(_bookSource, instrument, venues.Select(v => (v, FeesOf(v))).ToArray(), _options.Thresholds.MaxQuoteAgeNs);
            var router = new SmartOrderRouter(book, Registry[instrument], _options.Router);
            var route = new RouteState(router, router.CreateResult());
            foreach (var v in venues)
            {
                var other = InfoOrNull(v, instrument);
                if (other is null) continue;
                other.Consolidated = book;
                other.Route = route;
            }
            info.Consolidated = book;
            info.Route = route;
        }
        if (_options.Triangular.Enabled && info.Instrument.Kind == InstrumentKind.Spot) RebuildTriangles(venue);
        if (_options.Carry.Enabled) AddCarryPairs(info);
        return info;
    }

    private BookInfo? InfoOrNull(VenueId venue, InstrumentId instrument)
    {
        if (venue.Value >= _info.Length) return null;
        var row = _info[venue.Value];
        return row is not null && instrument.Value < row.Length ? row[instrument.Value] : null;
    }

    private IEnumerable<BookInfo> InfosOf(VenueId venue)
    {
        if (venue.Value >= _info.Length || _info[venue.Value] is not { } row) yield break;
        foreach (var i in row) if (i is not null) yield return i;
    }

    private IEnumerable<BookInfo> AllInfos()
    {
        foreach (var row in _info)
            if (row is not null)
                foreach (var i in row)
                    if (i is not null) yield return i;
    }

    private void MarkWarm()
    {
        Stats.AllocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
        Stats.ColdAllocatedAtWarmup = ColdPath.AllocatedOnThisThread;
        Stats.Gen0AtWarmup = GC.CollectionCount(0);
    }

    /// <summary>Call on the decision thread when the run ends (steady-state allocation figure).</summary>
    public void MarkEnd(long nowNs)
    {
        Stats.AllocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
        Stats.ColdAllocatedAtEnd = ColdPath.AllocatedOnThisThread;
        Stats.Gen0AtEnd = GC.CollectionCount(0);
        Tracker.CloseAllAtLastSeen();
        _journal?.FlushToDisk();
    }

    public void Dispose() => _journal?.Dispose();
}
