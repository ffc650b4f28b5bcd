using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Support.EngineEvents;

namespace FastEngine.Tests.Engine.Hosting;

/// <summary>Triangular arbitrage and funding/basis carry inside the fused decision stage: signal → risk → journal → paper.</summary>
public class DecisionEngineStrategyTests
{
    private static readonly VenueId V = new(42), Perp = new(43), Spot = new(44);
    private static readonly FeeSchedule TenBps = FeeSchedule.FromBps(0, 10);

    private static void Funding(DecisionEngine engine, VenueId venue, InstrumentId id, long timeNs, long rate, long nextFundingMs)
    {
        var e = new MarketEvent { Kind = MarketEventKind.Funding, Venue = venue, Instrument = id, FundingRate = rate, NextFundingTimeMs = nextFundingMs, ReceiveTimeNs = timeNs };
        engine.OnEvent(ref e, 0);
    }

    /// <summary>The carry tests' market: linear BTC-USDT-PERP on venue Perp bid 50,100 / ask 50,110 and spot BTC-USDT on
    /// venue Spot bid 50,000 / ask 50,010 (1 BTC each), booked at t0 and t0 + 1 ns; the next funding 4 h after t0.</summary>
    private static (Instrument Perp, Instrument Spot, DecisionEngine Engine, string Journal, long T0, long NextFundingMs) CarryBooks()
    {
        var registry = new InstrumentRegistry();
        var perp = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 8);
        var spot = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        var (engine, journal) = Create(registry);
        long t0 = 1_723_100_000_000_000_000;
        Snapshot(engine, Perp, perp.Id, t0, (Side.Bid, 5_010_000, 100_000_000), (Side.Ask, 5_011_000, 100_000_000));
        Snapshot(engine, Spot, spot.Id, t0 + 1, (Side.Bid, 5_000_000, 100_000_000), (Side.Ask, 5_001_000, 100_000_000));
        return (perp, spot, engine, journal, t0, t0 / 1_000_000 + 4 * 3_600_000);
    }

    private static (DecisionEngine, string) Create(InstrumentRegistry registry, DecisionOptions? options = null)
    {
        string journal = Path.Combine(Directory.CreateTempSubdirectory("fe-strategy-").FullName, "intents.fej");
        options ??= new DecisionOptions();
        options = options with
        {
            Thresholds = new FastEngine.Arbitrage.ArbitrageThresholds(MinEdgeBps: 1, MinNotional: 0, MaxQuoteAgeNs: 60_000_000_000),
            Fees = new Dictionary<VenueId, FeeSchedule> { [V] = TenBps, [Perp] = TenBps, [Spot] = TenBps },
            JournalPath = journal,
        };
        return (new DecisionEngine(registry, options), journal);
    }

    /// <summary>
    /// BTC-USDT ask 50,000; ETH-BTC ask 0.05; ETH-USDT bid 2,600 (deep books, 10 bps taker). USDT → BTC → ETH → USDT:
    /// 1/50,000 / 0.05 × 2,600 = 1.04 before fees, 1.04 × 0.999³ ≈ 1.0369 after: one triangular episode, capped at the
    /// 1,000 USDT start amount. Legs by hand: buy 1,000/50,000 = 0.02 BTC; 0.02 × 0.999 = 0.01998 BTC buys
    /// 0.01998/0.05 = 0.3996 ETH; 0.3996 × 0.999 = 0.3992004 ETH sold for USDT.
    /// </summary>
    [Fact]
    public void Triangle_ProfitableCycle_ThreeLegsJournaledAndFilled()
    {
        var registry = new InstrumentRegistry();
        var btcUsdt = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        var ethBtc = registry.GetOrAdd("ETH", "BTC", InstrumentKind.Spot, priceScale: 6, quantityScale: 8);
        var ethUsdt = registry.GetOrAdd("ETH", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        var (engine, journal) = Create(registry);
        using (engine)
        {
            Snapshot(engine, V, btcUsdt.Id, 1_000, (Side.Bid, 4_999_000, 10_000_000_000), (Side.Ask, 5_000_000, 10_000_000_000));
            Snapshot(engine, V, ethBtc.Id, 2_000, (Side.Bid, 49_900, 10_000_000_000), (Side.Ask, 50_000, 10_000_000_000));
            Assert.Equal(0, engine.Stats.Intents);
            Snapshot(engine, V, ethUsdt.Id, 3_000, (Side.Bid, 260_000, 10_000_000_000), (Side.Ask, 260_100, 10_000_000_000));

            Assert.Equal(1, engine.Stats.OpportunitiesByKind[(int)OpportunityKind.Triangular]);
            Assert.Equal(0, engine.Stats.OpportunitiesByKind[(int)OpportunityKind.CrossVenue]);
            Assert.Equal(3, engine.Stats.Intents);
            Assert.Equal(3, engine.Stats.IntentsJournaled);
            Assert.Equal(3, engine.Stats.Fills);
            Assert.Equal(2_000_000, engine.Broker.GetPosition(V, btcUsdt.Id).Quantity);      // 0.02 BTC
            Assert.Equal(39_960_000, engine.Broker.GetPosition(V, ethBtc.Id).Quantity);      // 0.3996 ETH
            Assert.Equal(-39_920_040, engine.Broker.GetPosition(V, ethUsdt.Id).Quantity);    // 0.3992004 ETH sold

            // The same prices again: the episode is still open, nothing new is sent.
            Snapshot(engine, V, ethUsdt.Id, 4_000, (Side.Bid, 260_000, 9_000_000_000), (Side.Ask, 260_100, 10_000_000_000));
            Assert.Equal(3, engine.Stats.Intents);
        }
        var recovery = OrderIntentJournal.Recover(journal);
        Assert.Equal(3, recovery.IntentCount);
        Assert.All(recovery.PendingIntents, i => Assert.Equal(IntentOrigin.TriangularArbitrage, i.Origin));
    }

    /// <summary>ETH-USDT bid 2,500 instead: 1/50,000 / 0.05 × 2,500 = 1.0 before fees: no cycle pays, nothing is sent.</summary>
    [Fact]
    public void Triangle_NoEdgeAfterFees_NoIntent()
    {
        var registry = new InstrumentRegistry();
        var btcUsdt = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        var ethBtc = registry.GetOrAdd("ETH", "BTC", InstrumentKind.Spot, priceScale: 6, quantityScale: 8);
        var ethUsdt = registry.GetOrAdd("ETH", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        var (engine, _) = Create(registry);
        using (engine)
        {
            Snapshot(engine, V, btcUsdt.Id, 1_000, (Side.Bid, 4_999_000, 10_000_000_000), (Side.Ask, 5_000_000, 10_000_000_000));
            Snapshot(engine, V, ethBtc.Id, 2_000, (Side.Bid, 49_900, 10_000_000_000), (Side.Ask, 50_000, 10_000_000_000));
            Snapshot(engine, V, ethUsdt.Id, 3_000, (Side.Bid, 250_000, 10_000_000_000), (Side.Ask, 250_100, 10_000_000_000));
            Assert.True(engine.Stats.TriangularEvaluations > 0);
            Assert.Equal(0, engine.Stats.Opportunities);
            Assert.Equal(0, engine.Stats.Intents);
        }
    }

    /// <summary>
    /// Perp (linear BTC-USDT-PERP) bid 50,100 / ask 50,110, spot BTC-USDT bid 50,000 / ask 50,010. Funding +0.03 % per 8 h
    /// → 0.0003 × 1,095 = 32.85 % a year, basis (50,105 − 50,005)/50,005 ≈ +0.2 %: carry ≈ 33 % &gt; 10 % → short perp, buy spot,
    /// but only after the third same-sign funding observation (sign persistence 3). Perp leg: limit 50,100 × (1 − 5 bps) =
    /// 50,074.95, quantity 1,000 / 50,074.95 = 0.01997006 BTC; spot leg: limit 50,010 × 1.0005 = 50,035.005 → 50,035.01 (up),
    /// quantity 1,000 / 50,035.01 = 0.01998600 BTC.
    /// </summary>
    [Fact]
    public void Carry_StableFundingAndBasis_ShortPerpBuySpotOnce()
    {
        var (perp, spot, engine, journal, t0, nextFundingMs) = CarryBooks();
        using (engine)
        {
            Funding(engine, Perp, perp.Id, t0 + 2, 300_000_000, nextFundingMs);
            Funding(engine, Perp, perp.Id, t0 + 3, 300_000_000, nextFundingMs);
            Assert.Equal(0, engine.Stats.Intents);      // two observations: not yet persistent
            Funding(engine, Perp, perp.Id, t0 + 4, 300_000_000, nextFundingMs);

            Assert.Equal(1, engine.Stats.OpportunitiesByKind[(int)OpportunityKind.Carry]);
            Assert.Equal(2, engine.Stats.Intents);
            Assert.Equal(-1_997_006, engine.Broker.GetPosition(Perp, perp.Id).Quantity);
            Assert.Equal(1_998_600, engine.Broker.GetPosition(Spot, spot.Id).Quantity);

            Funding(engine, Perp, perp.Id, t0 + 5, 300_000_000, nextFundingMs);   // same episode
            Assert.Equal(2, engine.Stats.Intents);
        }
        var intents = OrderIntentJournal.Recover(journal).PendingIntents;
        Assert.Equal([OrderSide.Sell, OrderSide.Buy], intents.Select(i => i.Side));
        Assert.All(intents, i => Assert.Equal(IntentOrigin.Carry, i.Origin));
    }

    /// <summary>Funding flips sign within the last three observations: the carry does not count (stability check).</summary>
    [Fact]
    public void Carry_SignFlipped_NoOpportunity()
    {
        var (perp, spot, engine, _, t0, nextFundingMs) = CarryBooks();
        using (engine)
        {
            Funding(engine, Perp, perp.Id, t0 + 2, 300_000_000, nextFundingMs);
            Funding(engine, Perp, perp.Id, t0 + 3, -100_000_000, nextFundingMs);
            Funding(engine, Perp, perp.Id, t0 + 4, 300_000_000, nextFundingMs);
            Assert.Equal(0, engine.Stats.Opportunities);
            Assert.Equal(0, engine.Stats.Intents);
            Assert.True(engine.Stats.CarryEvaluations >= 3);
        }
    }

    /// <summary>
    /// Spot quoted by two venues: the carry's spot leg goes through the router, which picks the cheaper ask (venue V at 50,005
    /// against Spot at 50,010, same fee) and records why the other was not used.
    /// </summary>
    [Fact]
    public void Carry_SpotOnTwoVenues_SpotLegRoutedToCheapest()
    {
        var (perp, spot, engine, _, t0, nextFundingMs) = CarryBooks();
        using (engine)
        {
            Snapshot(engine, V, spot.Id, t0 + 1, (Side.Bid, 4_999_000, 100_000_000), (Side.Ask, 5_000_500, 100_000_000));
            for (int i = 0; i < 3; i++) Funding(engine, Perp, perp.Id, t0 + 2 + i, 300_000_000, nextFundingMs);

            Assert.True(engine.Stats.Routes >= 1);
            Assert.True(engine.Stats.RouteChildren >= 1);
            Assert.True(engine.Broker.GetPosition(V, spot.Id).Quantity > 0);
            Assert.True(engine.Stats.RouteVenueReasons[(int)RouteVenueReason.Chosen] >= 1);
            Assert.True(engine.Stats.RouteVenueReasons[(int)RouteVenueReason.NotCheapest] >= 1);
        }
    }
}
