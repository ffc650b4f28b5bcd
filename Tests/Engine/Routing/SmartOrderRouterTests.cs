using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Engine.Arbitrage.CrossVenueArbitrageTests;

namespace FastEngine.Tests.Engine.Routing;

/// <summary>Prices in cents (scale 2), sizes in tenths (scale 1); money in the results is USD × 10^8.</summary>
public class SmartOrderRouterTests
{
    private static readonly VenueId A = new(971), B = new(972), C = new(973);
    private const long Usd = 100_000_000;
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly Instrument _instrument;

    public SmartOrderRouterTests()
    {
        _keeper = new BookKeeper(_registry);
        _instrument = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 1);
    }

    private ConsolidatedBook Book(params (VenueId Venue, FeeSchedule Fees)[] venues) => new(_keeper, _instrument.Id, venues, maxQuoteAgeNs: 1_000);

    private static RouteRequest Buy(long quantity, long limit) => new() { Side = Side.Bid, Quantity = quantity, LimitPrice = limit };

    /// <summary>
    /// A asks 100.00×1.0, 100.20×2.0 with a 10 bps taker fee; B asks 100.10×1.0, 100.30×5.0 with no fee. All-in per unit:
    /// A 100.10, 100.3002; B 100.10, 100.30. Buying 3.0: A's first level (100.10, tie → lower index first), B's first (100.10),
    /// then B's 100.30 beats A's 100.3002. Route: A 1.0 @ 100.00 (fee 0.10), B 2.0 @ avg 100.20 (no fee).
    /// Notional 100.00 + 100.10 + 100.30 = 300.40; costs 0.10; all-in 300.50. (Cheapest raw prices first would have paid
    /// 100.20×1.001 = 100.3002 for the third unit.)
    /// </summary>
    [Fact]
    public void Route_FeeAwareGreedySplit_HandChecked()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Ask, 10020, 20), (Side.Bid, 9990, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Ask, 10010, 10), (Side.Ask, 10030, 50), (Side.Bid, 9980, 10)]);
        var router = new SmartOrderRouter(Book((A, FeeSchedule.FromBps(0, 10)), (B, default)), _instrument, new RouterConfig(MakerPreferred: false));
        var result = router.CreateResult();
        Assert.Equal(RouteStatus.Filled, router.Route(Buy(30, 10100), 0, result));
        Assert.Equal(ExecutionStyle.Taker, result.Style);
        Assert.Equal(2, result.LegCount);
        var a = result.Legs[0];
        var b = result.Legs[1];
        Assert.Equal((A, 10L, 10000L, 100 * Usd, Usd / 10, 1), (a.Venue, a.Quantity, a.AveragePrice, a.Notional, a.Costs, a.Levels));
        Assert.Equal((B, 20L, 10020L, 20040 * Usd / 100, 0L, 2), (b.Venue, b.Quantity, b.AveragePrice, b.Notional, b.Costs, b.Levels));
        Assert.Equal(30040 * Usd / 100, result.ExpectedNotional);
        Assert.Equal(Usd / 10, result.ExpectedCosts);
        Assert.Equal(30050 * Usd / 100, result.ExpectedAllIn);
        Assert.Equal(RouteVenueReason.Chosen, result.VenueReasons[0]);
        Assert.Equal(RouteVenueReason.Chosen, result.VenueReasons[1]);
    }

    /// <summary>Selling 1.5 into bids A 99.90×1.0 (fee 10 bps → 99.8001 net) and B 99.85×1.0 (no fee → 99.85):
    /// B first (99.85 &gt; 99.8001) for 1.0, then 0.5 from A. Proceeds 99.85 + 49.95 − 0.04995 fee = 149.75005.</summary>
    [Fact]
    public void Route_Sell_HighestNetProceedsFirst()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Bid, 9990, 10), (Side.Ask, 10010, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 9985, 10), (Side.Ask, 10020, 10)]);
        var router = new SmartOrderRouter(Book((A, FeeSchedule.FromBps(0, 10)), (B, default)), _instrument, new RouterConfig(MakerPreferred: false));
        var result = router.CreateResult();
        Assert.Equal(RouteStatus.Filled, router.Route(new RouteRequest { Side = Side.Ask, Quantity = 15, LimitPrice = 9900 }, 0, result));
        Assert.Equal(14_975_005_000, result.ExpectedAllIn);   // 149.75005 × 10^8
        Assert.Equal(5, result.Legs[0].Quantity);              // A (index order)
        Assert.Equal(10, result.Legs[1].Quantity);             // B
    }

    /// <summary>Limit 100.05: B's best ask 100.10 is beyond it (no liquidity within limit); A fills 1.0 of 3.0.</summary>
    [Fact]
    public void Route_LimitExcludesVenue_PartialWithReason()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Ask, 10020, 20)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Ask, 10010, 10)]);
        var router = new SmartOrderRouter(Book((A, default), (B, default)), _instrument, new RouterConfig(MakerPreferred: false));
        var result = router.CreateResult();
        Assert.Equal(RouteStatus.PartialLiquidity, router.Route(Buy(30, 10005), 0, result));
        Assert.Equal(10, result.FilledQuantity);
        Assert.Equal(RouteVenueReason.NoLiquidityWithinLimit, result.VenueReasons[1]);
    }

    [Fact]
    public void Route_ExcludedVenues_CarryTheirReasons()
    {
        var d = new VenueId(974);
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10)]);        // will be stale at now = 2,000
        Snapshot(_keeper, B, _instrument.Id, 1_500, [(Side.Ask, 10000, 10)]);    // unsynced below
        Snapshot(_keeper, C, _instrument.Id, 1_500, [(Side.Ask, 10000, 10)]);    // disabled below
        Snapshot(_keeper, d, _instrument.Id, 1_500, [(Side.Ask, 10000, 10)]);    // unhealthy below
        var e = new VenueId(975);                                                   // never had a book
        var inv = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = B, Instrument = _instrument.Id };
        _keeper.OnEvent(ref inv);
        var book = Book((A, default), (B, default), (C, default), (d, default), (e, default));
        book.SetDisabled(C, true);
        var router = new SmartOrderRouter(book, _instrument);
        router.SetVenueInputs(3, 1_000_000, new VenueHealth { Messages = 100, Disconnects = 2 });   // 100/300 = 33 % < 50 % minimum
        var result = router.CreateResult();
        Assert.Equal(RouteStatus.NoEligibleVenue, router.Route(Buy(10, 10100), 2_000, result));
        Assert.Equal(
            new[] { RouteVenueReason.Stale, RouteVenueReason.Unsynced, RouteVenueReason.Disabled, RouteVenueReason.Unhealthy, RouteVenueReason.NoBook },
            result.VenueReasons);
    }

    /// <summary>
    /// Slippage 10 bps per unit already consumed, step 0.1: two identical venues (100.00 × 10.0, no fee) share 2.0 as 1.0 + 1.0.
    /// Slippage per venue = Σ over ten 0.1 steps of 0.1 × 100.00 × 0.001 × (c + 0.05) = 0.01 × (0.05 + 0.15 + … + 0.95) = 0.05 USD;
    /// both venues 0.10 USD. Without slippage the whole 2.0 goes to the first venue.
    /// </summary>
    [Fact]
    public void Route_ConvexSlippage_SplitsEvenly()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 100)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Ask, 10000, 100)]);
        var book = Book((A, default), (B, default));
        var router = new SmartOrderRouter(book, _instrument, new RouterConfig(SlippageBpsPerUnit: 10, SlippageStep: 1, MakerPreferred: false));
        var result = router.CreateResult();
        router.Route(Buy(20, 10100), 0, result);
        Assert.Equal(2, result.LegCount);
        Assert.Equal(10, result.Legs[0].Quantity);
        Assert.Equal(10, result.Legs[1].Quantity);
        Assert.Equal(Usd / 20, result.Legs[0].Costs);
        Assert.Equal(Usd / 10, result.ExpectedCosts);

        var flat = new SmartOrderRouter(book, _instrument, new RouterConfig(MakerPreferred: false));
        flat.Route(Buy(20, 10100), 0, result);
        Assert.Equal(1, result.LegCount);
        Assert.Equal(A, result.Legs[0].Venue);
        Assert.Equal(RouteVenueReason.NotCheapest, result.VenueReasons[1]);
    }

    /// <summary>
    /// Same price on both venues. Latency: volatility 10 ppm per ms; A's round trip 10 ms → 100 ppm, B's 1 ms → 10 ppm: B wins.
    /// Reliability (10 bps for a score of 0): B's health 100/(100 + 10×5) ≈ 0.667 → (1 − 0.667) × 1,000 = 333 ppm &gt; A's
    /// 100 ppm latency: A wins. B's costs in the first case: 100.00 × 10 ppm = 0.001 USD.
    /// </summary>
    [Fact]
    public void Route_LatencyAndReliabilityPenalties_ChooseVenue()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Ask, 10000, 10)]);
        var router = new SmartOrderRouter(Book((A, default), (B, default)), _instrument, new RouterConfig(MakerPreferred: false));
        router.SetVenueInputs(0, 10_000_000, default);
        router.SetVenueInputs(1, 1_000_000, default);
        var request = Buy(10, 10100);
        request.VolatilityPpmPerMs = 10;
        var result = router.CreateResult();
        router.Route(request, 0, result);
        Assert.Equal(B, result.Legs[0].Venue);
        Assert.Equal(100_000, result.Legs[0].Costs);          // 0.001 USD
        router.SetVenueInputs(1, 1_000_000, new VenueHealth { Messages = 100, Errors = 5 });
        Assert.Equal(666_666, new VenueHealth { Messages = 100, Errors = 5 }.ScorePpm);
        router.Route(request, 0, result);
        Assert.Equal(A, result.Legs[0].Venue);
        Assert.Equal(1, result.LegCount);
    }

    /// <summary>
    /// A: bid 99.90, ask 100.10, maker 0, taker 10 bps. Buying 1.0: taker all-in 100.10 × 1.001 = 100.2001; a maker order joins
    /// the bid at 99.90. Extra taker cost = (100.2001 − 99.90) / 99.90 = 3,004.004 ppm → 3,004. Decay 10 ppm/ms × 100 ms
    /// = 1,000 ppm &lt; 3,004: rest a maker order. Decay 50 ppm/ms × 100 ms = 5,000 ppm &gt; 3,004: take.
    /// </summary>
    [Fact]
    public void Route_MakerPreferred_TakerOnlyWhenDecayExceedsExtraCost()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Bid, 9990, 10), (Side.Ask, 10010, 10)]);
        var router = new SmartOrderRouter(Book((A, FeeSchedule.FromBps(0, 10))), _instrument);
        var result = router.CreateResult();
        var request = Buy(10, 10100);
        request.ExpectedMakerWaitNs = 100_000_000;
        request.EdgeDecayPpmPerMs = 10;
        router.Route(request, 0, result);
        Assert.Equal(ExecutionStyle.Maker, result.Style);
        Assert.Equal(3_004, result.ExtraTakerPpm);
        Assert.Equal(1_000, result.DecayPpm);
        Assert.Equal(9990, result.Legs[0].AveragePrice);
        Assert.Equal(0, result.ExpectedCosts);

        request.EdgeDecayPpmPerMs = 50;
        router.Route(request, 0, result);
        Assert.Equal(ExecutionStyle.Taker, result.Style);
        Assert.Equal(5_000, result.DecayPpm);
        Assert.Equal(10010, result.Legs[0].AveragePrice);
        Assert.Equal(10_020_010_000, result.ExpectedAllIn);   // 100.2001 × 10^8
    }

    /// <summary>Buy with limit 100.00 while the only ask is 100.10: nothing to take; maker-preferred rests at the 99.90 bid,
    /// a taker-only router reports no eligible venue.</summary>
    [Fact]
    public void Route_NoTakerLiquidityWithinLimit_RestsMakerOrderOnlyWhenMakerPreferred()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Bid, 9990, 10), (Side.Ask, 10010, 10)]);
        var book = Book((A, FeeSchedule.FromBps(-1, 10)));
        var maker = new SmartOrderRouter(book, _instrument);
        var result = maker.CreateResult();
        Assert.Equal(RouteStatus.Filled, maker.Route(Buy(20, 10000), 0, result));
        Assert.Equal(ExecutionStyle.Maker, result.Style);
        Assert.Equal(long.MaxValue, result.ExtraTakerPpm);
        Assert.Equal((A, 20L, 9990L), (result.Legs[0].Venue, result.Legs[0].Quantity, result.Legs[0].AveragePrice));
        Assert.Equal(-1_998_000, result.ExpectedCosts);   // 1 bp rebate on 2.0 × 99.90 = 199.80 → −0.01998 USD
        Assert.Equal(RouteVenueReason.Chosen, result.VenueReasons[0]);

        var taker = new SmartOrderRouter(book, _instrument, new RouterConfig(MakerPreferred: false));
        Assert.Equal(RouteStatus.NoEligibleVenue, taker.Route(Buy(20, 10000), 0, result));
        Assert.Equal(RouteVenueReason.NoLiquidityWithinLimit, result.VenueReasons[0]);
    }

    /// <summary>
    /// Optimality check against brute force: random books on 2–3 venues (random fees, latency, slippage), unit steps, integer
    /// sizes and cent prices (so every cost is exact at 10^-8). Each venue's cost is convex (book prices and the slippage term
    /// only rise along the walk), so the greedy split must cost exactly the minimum over every split of the quantity,
    /// which is enumerated here independently of the router.
    /// </summary>
    [Fact]
    public void Route_RandomConvexCosts_GreedyEqualsBruteForceOptimum()
    {
        var random = new Random(20261122);
        var unitInstrument = _registry.GetOrAdd("ETH", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 0);
        for (int round = 0; round < 150; round++)
        {
            var keeper = new BookKeeper(_registry);
            int venues = random.Next(2, 4);
            var levels = new List<(long Price, long Size)>[venues];
            var fees = new FeeSchedule[venues];
            var roundTrips = new long[venues];
            var list = new (VenueId, FeeSchedule)[venues];
            for (int v = 0; v < venues; v++)
            {
                levels[v] = new();
                long price = 10_000 + random.Next(0, 50);
                int count = random.Next(1, 4);
                for (int l = 0; l < count; l++)
                {
                    levels[v].Add((price, random.Next(1, 6)));
                    price += random.Next(1, 30);
                }
                fees[v] = new FeeSchedule(0, random.Next(0, 3) * 500);
                roundTrips[v] = random.Next(0, 5) * 1_000_000;
                list[v] = (new VenueId((ushort)(1200 + v)), fees[v]);
                Snapshot(keeper, list[v].Item1, unitInstrument.Id, 0, levels[v].Select(x => (Side.Ask, x.Price, x.Size)).ToArray());
            }
            double slipBps = random.Next(0, 4) * 2.5;
            var router = new SmartOrderRouter(new ConsolidatedBook(keeper, unitInstrument.Id, list, 1_000), unitInstrument,
                new RouterConfig(SlippageBpsPerUnit: slipBps, SlippageStep: 1, MakerPreferred: false));
            for (int v = 0; v < venues; v++) router.SetVenueInputs(v, roundTrips[v], default);
            long depth = levels.Sum(l => l.Sum(x => x.Size));
            long quantity = random.Next(1, (int)depth + 1);
            var request = new RouteRequest { Side = Side.Bid, Quantity = quantity, LimitPrice = 20_000, VolatilityPpmPerMs = 20 };
            var result = router.CreateResult();
            Assert.Equal(RouteStatus.Filled, router.Route(request, 0, result));

            // Independent cost of q units on venue v: unit u costs p(u) × (1e6 + fee + latency + slip(u)) (price scale 2, ppm 6:
            // exactly 10^-8 USD per raw unit); slip(u) = floor(k × 1000 × (2u + 1) / 2000) ppm with k in ppm per unit.
            long slipMilliPpm = (long)Math.Round(slipBps * 100 * 1000);
            long Cost(int v, long q)
            {
                long total = 0, u = 0;
                foreach (var (price, size) in levels[v])
                    for (long k = 0; k < size && u < q; k++, u++)
                        total += price * (1_000_000 + fees[v].TakerPpm + roundTrips[v] * 20 / 1_000_000 + slipMilliPpm * (2 * u + 1) / 2_000);
                return total;
            }
            long best = long.MaxValue;
            long d0 = levels[0].Sum(x => x.Size), d1 = levels[1].Sum(x => x.Size), d2 = venues > 2 ? levels[2].Sum(x => x.Size) : 0;
            for (long a = 0; a <= Math.Min(d0, quantity); a++)
            for (long b = 0; b <= Math.Min(d1, quantity - a); b++)
            {
                long c = quantity - a - b;
                if (c > d2) continue;
                best = Math.Min(best, Cost(0, a) + Cost(1, b) + (venues > 2 ? Cost(2, c) : 0));
            }
            Assert.Equal(best, result.ExpectedAllIn);
        }
    }

    [Fact]
    public void Route_InvalidRequest_Rejected()
    {
        var router = new SmartOrderRouter(Book((A, default)), _instrument);
        var result = router.CreateResult();
        Assert.Equal(RouteStatus.InvalidRequest, router.Route(Buy(0, 10000), 0, result));
        Assert.Equal(RouteStatus.InvalidRequest, router.Route(Buy(10, 0), 0, result));
    }

    [Fact]
    public void Route_AfterWarmUp_AllocatesNothing()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Ask, 10020, 20), (Side.Ask, 10030, 50), (Side.Bid, 9990, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Ask, 10010, 10), (Side.Ask, 10030, 50), (Side.Bid, 9980, 10)]);
        var router = new SmartOrderRouter(Book((A, FeeSchedule.FromBps(0, 10)), (B, FeeSchedule.FromBps(-1, 5))), _instrument,
            new RouterConfig(SlippageBpsPerUnit: 1, SlippageStep: 2));
        var result = router.CreateResult();
        var request = Buy(60, 10100);
        request.EdgeDecayPpmPerMs = 100;
        request.ExpectedMakerWaitNs = 50_000_000;
        for (int i = 0; i < 200; i++) router.Route(request, 0, result);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++) router.Route(request, 0, result);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(RouteStatus.Filled, result.Status);
    }
}
