using BenchmarkDotNet.Attributes;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Risk;
using FastEngine.Routing;

namespace FastEngine.Benchmarks.Decision;

/// <summary>
/// One evaluation of each decision stage on small hand-built books (the shapes the unit tests check by hand): cross-venue
/// evaluate (two venues, depth walk over 3 levels), triangular cycle evaluate (3 legs, depth walk), router split (two venues,
/// 0.1-unit slippage steps), risk check (all rules, token bucket). 0 B allocated is part of the result. The constructor
/// cross-checks each answer against the hand-computed value, so a fast wrong answer cannot win.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private static readonly VenueId A = new(41), B = new(42);
    private readonly ConsolidatedBook _consolidated;
    private readonly Instrument _btcUsd;
    private readonly TriangularArbitrage _triangular;
    private readonly int _forwardCycle;
    private readonly SmartOrderRouter _router;
    private readonly RouteResult _route;
    private readonly RouteRequest _request;
    private readonly RiskEngine _risk;
    private RiskIntent _intent;
    private long _now = 1_700_000_000_000_000_000;

    public DecisionBenchmarks()
    {
        var registry = new InstrumentRegistry();
        var keeper = new BookKeeper(registry);
        _btcUsd = registry.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 1);
        Snapshot(keeper, A, _btcUsd.Id, [(Side.Ask, 10000, 10), (Side.Ask, 10050, 20), (Side.Ask, 10100, 50), (Side.Bid, 9990, 10)]);
        Snapshot(keeper, B, _btcUsd.Id, [(Side.Bid, 10120, 15), (Side.Bid, 10090, 10), (Side.Bid, 10040, 30), (Side.Ask, 10200, 10)]);
        var fee = FeeSchedule.FromBps(2, 10);
        _consolidated = new ConsolidatedBook(keeper, _btcUsd.Id, [(A, fee), (B, fee)], long.MaxValue);

        var btcUsdt = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, 2, 4);
        var ethBtc = registry.GetOrAdd("ETH", "BTC", InstrumentKind.Spot, 5, 3);
        var ethUsdt = registry.GetOrAdd("ETH", "USDT", InstrumentKind.Spot, 2, 3);
        Snapshot(keeper, A, btcUsdt.Id, [(Side.Ask, 5_000_000, 1_000), (Side.Ask, 5_010_000, 10_000), (Side.Bid, 4_999_000, 10_000)]);
        Snapshot(keeper, A, ethBtc.Id, [(Side.Ask, 6_000, 2_000), (Side.Bid, 5_990, 5_000)]);
        Snapshot(keeper, A, ethUsdt.Id, [(Side.Bid, 303_000, 1_000), (Side.Bid, 301_000, 5_000), (Side.Ask, 304_000, 5_000)]);
        _triangular = new TriangularArbitrage(keeper, A, [btcUsdt, ethBtc, ethUsdt], FeeSchedule.FromBps(10, 10), new TriangularConfig(["USDT"]));
        for (int i = 0; i < _triangular.CycleCount; i++)
            if (_triangular.CycleAt(i).Leg1.Instrument == btcUsdt) _forwardCycle = i;

        _router = new SmartOrderRouter(_consolidated, _btcUsd, new RouterConfig(SlippageBpsPerUnit: 1, SlippageStep: 1, MakerPreferred: false));
        _route = _router.CreateResult();
        _request = new RouteRequest { Side = Side.Bid, Quantity = 30, LimitPrice = 10200, VolatilityPpmPerMs = 5 };

        _risk = new RiskEngine(new RiskConfig(Capital: 1_000_000_00000000, DailyDrawdownLimit: 50_000_00000000, MaxOpenOrders: 1_000_000,
            RateLimits: new Dictionary<VenueId, RateLimit> { [A] = RateLimit.Okx }));
        _intent = new RiskIntent
        {
            Venue = A, Instrument = _btcUsd.Id, Side = Side.Bid, Quantity = 10, Price = 10000, Notional = 100_00000000, QuoteAgeNs = 1_000,
            BookSynced = true, HasEdge = true, EdgeAfterFeesCentiBps = 500, EdgeAfterSlippageCentiBps = 300, LatencyCostCentiBps = 10, RoundTripNs = 1_000_000,
        };

        // Cross-checks against the unit tests' hand-computed answers.
        if (CrossVenueEvaluate() != 144_655_000) throw new InvalidOperationException("cross-venue: expected net 1.44655 USD");
        long net = TriangularEvaluate();
        if (net < 21_61171165 - 1 || net > 21_61171165) throw new InvalidOperationException($"triangular: expected net 21.61171165 USDT, got {net}");
        if (RouterSplit() != 30) throw new InvalidOperationException("router: expected the full 3.0 filled");
        if (RiskCheck() != RiskRejectReason.None) throw new InvalidOperationException("risk: expected the intent to pass");
    }

    /// <summary>Buy A / sell B: the 2.5-unit walk of CrossVenueArbitrageTests (net 1.44655 USD).</summary>
    [Benchmark(Baseline = true)]
    public long CrossVenueEvaluate()
    {
        CrossVenueArbitrage.TryEvaluate(_consolidated, _btcUsd, 0, 1, 0, 0, out var opportunity);
        return opportunity.NetProfit;
    }

    /// <summary>USDT → BTC → ETH → USDT with 10 bps per leg: 5,000 USDT in, +21.61171165 (TriangularArbitrageTests).</summary>
    [Benchmark]
    public long TriangularEvaluate()
    {
        _triangular.TryEvaluate(_forwardCycle, 0, out var opportunity);
        return opportunity.NetProfit;
    }

    /// <summary>Buy 3.0 across A and B (asks 100.00–101.00 vs 102.00) in 0.1 slippage steps.</summary>
    [Benchmark]
    public long RouterSplit()
    {
        _router.Route(_request, 0, _route);
        return _route.FilledQuantity;
    }

    /// <summary>All 13 rules on a passing intent, then release it (exposure and open orders stay flat). Event times 40 ms
    /// apart: the OKX bucket (30 per second) gains 1.2 tokens per check, so every check passes the full path.</summary>
    [Benchmark]
    public RiskRejectReason RiskCheck()
    {
        _now += 40_000_000;
        var reason = _risk.Check(_intent, _now);
        if (reason == RiskRejectReason.None) _risk.OnOrderClosed(A, _intent.Notional);
        return reason;
    }

    private static void Snapshot(BookKeeper keeper, VenueId venue, InstrumentId id, (Side Side, long Price, long Size)[] levels)
    {
        var h = new MarketEvent { Kind = MarketEventKind.BookHeader, Venue = venue, Instrument = id, Flags = MarketEventFlags.Snapshot };
        keeper.OnEvent(ref h);
        for (int i = 0; i < levels.Length; i++)
        {
            var e = new MarketEvent { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = id, Side = levels[i].Side, Price = levels[i].Price, Size = levels[i].Size };
            if (i == levels.Length - 1) e.Flags = MarketEventFlags.EndOfMessage;
            keeper.OnEvent(ref e);
        }
    }
}
