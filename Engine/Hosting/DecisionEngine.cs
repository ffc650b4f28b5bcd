using System.Diagnostics;
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
    /// <summary>Events processed before steady-state allocation is measured (warm-up: snapshots, JIT, first books).</summary>
    public long WarmupEvents { get; init; } = 20_000;
}

/// <summary>Counters of a <see cref="DecisionEngine"/> run (read after the pipeline halted, or racy-but-safe longs live).</summary>
public sealed class DecisionStats
{
    public long Events;
    public long BookMessages;
    public long Evaluations;
    public long Opportunities;
    public long Intents;
    public long IntentsJournaled;
    public long JournalDuplicates;
    public long Fills;
    public long LegsRejected;
    public readonly long[] RiskRejects = new long[RiskRejectReasons.Count];
    public long AllocatedAtWarmup = -1;
    public long AllocatedAtEnd;
    /// <summary>Bytes allocated on declared cold paths (new books/venues, buffer growth) between warm-up and end.</summary>
    public long ColdAllocatedAtWarmup, ColdAllocatedAtEnd;
    public long Gen0AtWarmup, Gen0AtEnd;
}

/// <summary>
/// The decision stages fused on one thread, in order: book (every venue's book kept by <see cref="BookKeeper"/>) →
/// signal (cross-venue arbitrage on the instrument's <see cref="ConsolidatedBook"/>, opportunity lifetimes) → route
/// (both legs as IOC taker orders sized by the depth walk, capped per leg) → risk (<see cref="RiskEngine"/>) →
/// intent (journaled idempotently) → paper execution (<see cref="PaperBroker"/>). Deterministic: decisions use
/// only event time (<see cref="MarketEvent.ReceiveTimeNs"/>), never the wall clock.
/// </summary>
/// <remarks>
/// Single-threaded (the decision stage thread); allocation-free per event once every book, consolidated view and
/// buffer reached its working size (a new venue or instrument is a cold path).
/// </remarks>
public sealed class DecisionEngine : IDisposable
{
    private readonly DecisionOptions _options;
    private ConsolidatedBook?[] _consolidated = new ConsolidatedBook?[64];
    // The one venue an instrument has while it has only one: its messages skip the cold path without a lookup.
    private VenueId[] _soloVenue = new VenueId[64];
    private readonly Dictionary<InstrumentId, List<VenueId>> _venuesOf = new();
    private readonly OrderIntentJournal? _journal;
    private long _nextIntentId = 1;

    public DecisionEngine(InstrumentRegistry registry, DecisionOptions options, IResyncRequester? resync = null)
    {
        Registry = registry;
        _options = options;
        Books = new BookKeeper(registry, resync);
        Tracker = new OpportunityTracker(options.Thresholds, maxOpen: 256, closedCapacity: 1 << 16);
        Risk = new RiskEngine(options.Risk);
        Broker = new PaperBroker(registry, new PaperBrokerOptions { MaxVenues = 64, MaxInstruments = 4096 });
        foreach (var (venue, fees) in options.Fees) Broker.SetTakerFee(venue, fees.TakerPpm);
        if (options.JournalPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.JournalPath))!);
            _journal = OrderIntentJournal.Open(options.JournalPath, new JournalOptions { FsyncPolicy = options.JournalFsync });
        }
    }

    public InstrumentRegistry Registry { get; }
    public BookKeeper Books { get; }
    public OpportunityTracker Tracker { get; }
    public RiskEngine Risk { get; }
    public PaperBroker Broker { get; }
    public DecisionStats Stats { get; } = new();
    public OrderIntentJournal? Journal => _journal;

    /// <summary>Receive → book applied (processing latency inside the engine, ns).</summary>
    public LongHistogram BookLatency { get; } = new(1, 60_000_000_000, 3);
    /// <summary>Receive → signal evaluated.</summary>
    public LongHistogram SignalLatency { get; } = new(1, 60_000_000_000, 3);
    /// <summary>Receive → order intent journaled (tick-to-intent).</summary>
    public LongHistogram IntentLatency { get; } = new(1, 60_000_000_000, 3);

    /// <summary>Fee schedule used for a venue.</summary>
    public FeeSchedule FeesOf(VenueId venue) => _options.Fees.TryGetValue(venue, out var f) ? f : _options.DefaultFees;

    /// <summary>Processes one event. <paramref name="stampTicks"/>: <see cref="Stopwatch.GetTimestamp"/> when the event
    /// entered the engine (published into the ring), the start of the latency measurement.</summary>
    public void OnEvent(ref MarketEvent e, long stampTicks)
    {
        var stats = Stats;
        if (++stats.Events == _options.WarmupEvents) MarkWarm();
        Books.OnEvent(ref e);
        if (!e.IsEndOfMessage || (e.Kind != MarketEventKind.BookLevel && e.Kind != MarketEventKind.BookHeader)) return;
        stats.BookMessages++;
        if (stampTicks != 0) BookLatency.RecordValue(ElapsedNs(stampTicks));
        var consolidated = ConsolidatedFor(e.Venue, e.Instrument);
        if (consolidated is null) return;
        Evaluate(consolidated, e.ReceiveTimeNs, stampTicks);
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
                Stats.Opportunities++;
                if (stampTicks != 0) SignalLatency.RecordValue(ElapsedNs(stampTicks));
                Act(in opportunity, instrument, buyBook, sellBook, age, nowNs, stampTicks);
            }
        }
    }

    private void Act(in ArbOpportunity opportunity, Instrument instrument, OrderBook buyBook, OrderBook sellBook, long ageNs, long nowNs, long stampTicks)
    {
        long quantity = CapQuantity(instrument, opportunity.Quantity, opportunity.WorstBuyPrice);
        if (quantity <= 0) return;
        var buy = Leg(opportunity, instrument, OrderSide.Buy, quantity, opportunity.WorstBuyPrice, opportunity.BuyVenue, nowNs, stampTicks);
        var sell = Leg(opportunity, instrument, OrderSide.Sell, quantity, opportunity.WorstSellPrice, opportunity.SellVenue, nowNs, stampTicks);
        long buyNotional = NotionalOf(instrument, quantity, opportunity.WorstBuyPrice);
        long sellNotional = NotionalOf(instrument, quantity, opportunity.WorstSellPrice);
        var r1 = Risk.Check(RiskIntentOf(buy, buyNotional, ageNs, opportunity.EdgeCentiBps), nowNs);
        if (r1 != RiskRejectReason.None) { RejectLeg(r1); return; }
        var r2 = Risk.Check(RiskIntentOf(sell, sellNotional, ageNs, opportunity.EdgeCentiBps), nowNs);
        if (r2 != RiskRejectReason.None)
        {
            Risk.OnOrderClosed(buy.Venue, buyNotional);
            RejectLeg(r2);
            return;
        }
        Submit(ref buy, buyBook, buyNotional);
        Submit(ref sell, sellBook, sellNotional);
    }

    private void RejectLeg(RiskRejectReason reason)
    {
        Stats.LegsRejected++;
        Stats.RiskRejects[(int)reason]++;
    }

    private void Submit(ref OrderIntent intent, OrderBook book, long notional)
    {
        Stats.Intents++;
        if (_journal is not null)
        {
            var result = _journal.TryAppend(intent);
            if (result == JournalAppendResult.Appended) Stats.IntentsJournaled++;
            else if (result == JournalAppendResult.Duplicate) { Stats.JournalDuplicates++; return; }
        }
        if (intent.TickReceiveTimeNs != 0) IntentLatency.RecordValue(ElapsedNs(intent.TickReceiveTimeNs));
        var report = Broker.Execute(intent, book);
        Stats.Fills += report.FillCount;
        // IOC: the unfilled part leaves the exposure at once; the filled part stays as position exposure.
        long unfilled = intent.Quantity == 0 ? notional : notional - (long)((Int128)notional * report.FilledQuantity / intent.Quantity);
        Risk.OnOrderClosed(intent.Venue, unfilled);
    }

    private OrderIntent Leg(in ArbOpportunity o, Instrument instrument, OrderSide side, long quantity, long limit, VenueId venue, long nowNs, long stampTicks)
    {
        long id = _nextIntentId++;
        return new OrderIntent
        {
            IntentId = id,
            LimitPrice = limit,
            Quantity = quantity,
            CreatedTimeNs = nowNs,
            // The pipeline stamp (Stopwatch ticks) so the intent's latency is measured on one clock.
            TickReceiveTimeNs = stampTicks,
            Venue = venue,
            StrategyId = 1,
            Instrument = instrument.Id,
            Side = side,
            OrderType = OrderType.Ioc,
            Origin = IntentOrigin.CrossVenueArbitrage,
            ClientOrderId = ClientOrderId.FromInt64(id),
        };
    }

    private static RiskIntent RiskIntentOf(in OrderIntent leg, long notional, long ageNs, long edgeCentiBps) => new()
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
        HasEdge = true,
        EdgeAfterFeesCentiBps = edgeCentiBps,
        EdgeAfterSlippageCentiBps = edgeCentiBps,
        LatencyCostCentiBps = 0,
        RoundTripNs = 0,
    };

    /// <summary>Notional × 10^8: quote currency for linear instruments, USD face value for inverse contracts.</summary>
    private static long NotionalOf(Instrument instrument, long quantity, long price)
    {
        if (instrument.IsInverse)
            return (long)((Int128)quantity * instrument.ContractValue * 100_000_000 / FixedPoint.Pow10(instrument.QuantityScale));
        int scale = instrument.PriceScale + instrument.QuantityScale;
        Int128 raw = (Int128)quantity * price;
        return scale >= 8 ? (long)(raw / Pow10(scale - 8)) : (long)(raw * Pow10(8 - scale));
    }

    private long CapQuantity(Instrument instrument, long quantity, long price)
    {
        long notional = NotionalOf(instrument, quantity, price);
        if (notional <= _options.MaxLegNotional || notional == 0) return quantity;
        return (long)((Int128)quantity * _options.MaxLegNotional / notional);
    }

    private static Int128 Pow10(int n)
    {
        Int128 r = 1;
        for (int i = 0; i < n; i++) r *= 10;
        return r;
    }

    private static long ElapsedNs(long stampTicks)
    {
        long ticks = Stopwatch.GetTimestamp() - stampTicks;
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>The consolidated view of <paramref name="instrument"/> once two or more venues quote it; null before.</summary>
    private ConsolidatedBook? ConsolidatedFor(VenueId venue, InstrumentId instrument)
    {
        int i = instrument.Value;
        if ((uint)i >= (uint)_consolidated.Length) GrowSlow(i);
        var book = _consolidated[i];
        if (book is not null) return ContainsVenue(book, venue) ? book : AddVenueSlow(venue, instrument);
        return _soloVenue[i] == venue ? null : AddVenueSlow(venue, instrument);
    }

    private static bool ContainsVenue(ConsolidatedBook book, VenueId venue)
    {
        for (int k = 0; k < book.VenueCount; k++) if (book.VenueAt(k) == venue) return true;
        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private ConsolidatedBook? AddVenueSlow(VenueId venue, InstrumentId instrument)
    {
        long cold = ColdPath.Begin();
        try { return AddVenueCore(venue, instrument); } finally { ColdPath.End(cold); }
    }

    private ConsolidatedBook? AddVenueCore(VenueId venue, InstrumentId instrument)
    {
        if (!_venuesOf.TryGetValue(instrument, out var venues)) _venuesOf[instrument] = venues = new List<VenueId>();
        if (!venues.Contains(venue)) venues.Add(venue);
        if (venues.Count < 2)
        {
            _soloVenue[instrument.Value] = venue;
            return null;
        }
        var book = new ConsolidatedBook(Books, instrument, venues.Select(v => (v, FeesOf(v))).ToArray(), _options.Thresholds.MaxQuoteAgeNs);
        _consolidated[instrument.Value] = book;
        return book;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void GrowSlow(int index)
    {
        long cold = ColdPath.Begin();
        Array.Resize(ref _consolidated, Math.Max(index + 1, _consolidated.Length * 2));
        Array.Resize(ref _soloVenue, _consolidated.Length);
        ColdPath.End(cold);
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
