using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Support.EngineEvents;

namespace FastEngine.Tests.Engine.Hosting;

/// <summary>
/// The router's maker style end to end in the fused decision stage: a carry's spot leg, routed maker-preferred, is journaled
/// as a post-only order that rests in the paper broker; the engine feeds it the venue's trades and book messages, so it
/// fills (maker fee, position, risk release) or is cancelled (time in force). Market as in
/// <see cref="DecisionEngineStrategyTests"/>: linear BTC-USDT-PERP on Perp bid 50,100 / ask 50,110, spot BTC-USDT on Spot
/// bid 50,000 / ask 50,010 and on V bid 49,990 / ask 50,005, 1 BTC a level; funding +0.03 % three times: short perp (IOC),
/// buy spot. Maker-preferred with no edge decay, the spot buy joins the best bid of the two spot venues: Spot at 50,000.00.
/// </summary>
public class DecisionEngineMakerTests
{
    private static readonly VenueId V = new(42), Perp = new(43), Spot = new(44);
    private const long T0 = 1_723_100_000_000_000_000;
    private const long OneBtc = 100_000_000;

    private sealed record Market(DecisionEngine Engine, Instrument Perp, Instrument Spot, string Journal);

    private static void Trade(DecisionEngine engine, VenueId venue, InstrumentId id, long timeNs, long price, long size, Side aggressor)
    {
        var e = new MarketEvent { Kind = MarketEventKind.Trade, Venue = venue, Instrument = id, Price = price, Size = size, Side = aggressor, ReceiveTimeNs = timeNs };
        engine.OnEvent(ref e, 0);
    }

    /// <summary>One delta message of one level (header + level, end of message).</summary>
    private static void Delta(DecisionEngine engine, VenueId venue, InstrumentId id, long timeNs, Side side, long price, long size)
    {
        var h = new MarketEvent { Kind = MarketEventKind.BookHeader, Venue = venue, Instrument = id, ReceiveTimeNs = timeNs };
        engine.OnEvent(ref h, 0);
        var e = new MarketEvent { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = id, Side = side, Price = price, Size = size, ReceiveTimeNs = timeNs, Flags = MarketEventFlags.EndOfMessage };
        engine.OnEvent(ref e, 0);
    }

    /// <summary>The market, then three funding observations: the carry opens and its spot legs rest.</summary>
    private static Market Open(bool makerPreferred = true, long makerMaxRestNs = 5_000_000_000)
    {
        var registry = new InstrumentRegistry();
        var perp = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 8);
        var spot = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        string journal = Path.Combine(Directory.CreateTempSubdirectory("fe-maker-").FullName, "intents.fej");
        var tenBps = FeeSchedule.FromBps(0, 10);
        var engine = new DecisionEngine(registry, new DecisionOptions
        {
            Thresholds = new FastEngine.Arbitrage.ArbitrageThresholds(MinEdgeBps: 1, MinNotional: 0, MaxQuoteAgeNs: 60_000_000_000),
            // Spot pays makers a 2.5 bps rebate.
            Fees = new Dictionary<VenueId, FeeSchedule> { [V] = tenBps, [Perp] = tenBps, [Spot] = FeeSchedule.FromBps(-2.5, 10) },
            JournalPath = journal,
            Router = new RouterConfig(MakerPreferred: makerPreferred),
            MakerMaxRestNs = makerMaxRestNs,
        });
        Snapshot(engine, Perp, perp.Id, T0, (Side.Bid, 5_010_000, OneBtc), (Side.Ask, 5_011_000, OneBtc));
        Snapshot(engine, Spot, spot.Id, T0 + 1, (Side.Bid, 5_000_000, OneBtc), (Side.Ask, 5_001_000, OneBtc));
        Snapshot(engine, V, spot.Id, T0 + 1, (Side.Bid, 4_999_000, OneBtc), (Side.Ask, 5_000_500, OneBtc));
        long nextFundingMs = T0 / 1_000_000 + 4 * 3_600_000;
        for (int i = 0; i < 3; i++)
        {
            var f = new MarketEvent { Kind = MarketEventKind.Funding, Venue = Perp, Instrument = perp.Id, FundingRate = 300_000_000, NextFundingTimeMs = nextFundingMs, ReceiveTimeNs = T0 + 2 + i };
            engine.OnEvent(ref f, 0);
        }
        return new Market(engine, perp, spot, journal);
    }

    [Fact]
    public void MakerPreferred_SpotLegRestsAsPostOnly_JournaledAndRiskHeldOpen()
    {
        var m = Open();
        using (m.Engine)
        {
            var broker = m.Engine.Broker;
            Assert.True(broker.RestingCount >= 1);
            for (int k = 0; k < broker.RestingCount; k++)
            {
                var o = broker.RestingAt(k);
                Assert.Equal((Spot, OrderSide.Buy, 5_000_000L, OneBtc), (o.Venue, o.Side, o.LimitPrice, o.QueueAhead));   // joins 50,000 behind 1 BTC
            }
            Assert.Equal(0, broker.GetPosition(Spot, m.Spot.Id).Quantity);
            Assert.Equal(broker.RestingCount, m.Engine.Risk.OpenOrders);     // the perp IOC legs closed; the maker legs stay open
            Assert.Equal(broker.RestingCount, broker.MakerRestedCount);
        }
        var journaled = OrderIntentJournal.Recover(m.Journal).PendingIntents;
        Assert.Contains(journaled, i => i.OrderType == OrderType.PostOnly && i.Venue == Spot && i.LimitPrice == 5_000_000);
    }

    /// <summary>The telemetry line of <c>run</c> shows the orders resting at the sample (and nothing about them when none rest).</summary>
    [Fact]
    public void Telemetry_RestingOrders_ShownWhileTheyRest()
    {
        var m = Open();
        using (m.Engine)
        {
            var sample = new FastEngine.Cli.Hosting.TelemetrySampler([], m.Engine).Sample();
            Assert.True(sample.RestingOrders >= 1);
            Assert.Equal(m.Engine.Broker.RestingCount, sample.RestingOrders);
            Assert.Contains($", resting {sample.RestingOrders}, ", sample.ToLine());
        }
        var taker = Open(makerPreferred: false);
        using (taker.Engine)
        {
            var sample = new FastEngine.Cli.Hosting.TelemetrySampler([], taker.Engine).Sample();
            Assert.Equal(0, sample.RestingOrders);
            Assert.DoesNotContain("resting", sample.ToLine());
        }
    }

    [Fact]
    public void TakerOnly_NothingRests()
    {
        var m = Open(makerPreferred: false);
        using (m.Engine)
        {
            Assert.True(m.Engine.Stats.RouteChildren >= 1);
            Assert.Equal(0, m.Engine.Broker.MakerRestedCount);
            Assert.Equal(0, m.Engine.Risk.OpenOrders);
        }
    }

    /// <summary>
    /// Every resting buy is behind 1 BTC at 50,000 (and the later ones also behind the earlier ones). A sale of 1 BTC at
    /// 50,000 only eats the queue; a trade at 49,999 goes through the price and fills every order completely at 50,000.00
    /// with the rebate: quantity q (× 10^-8 BTC) × 50,000 × −0.00025 = −12.5 q × 10^-8 USDT, at 10^-8 USDT rounded toward zero:
    /// −⌊25 q / 2⌋ (the carry's leg, 0.019986 BTC, gives −0.249825 USDT). Risk releases the
    /// open-order slots and keeps the filled notional as exposure.
    /// </summary>
    [Fact]
    public void RestingSpotBuy_TradesFillItAsMaker_PositionFeesAndRiskRelease()
    {
        var m = Open();
        using (m.Engine)
        {
            var engine = m.Engine;
            var broker = engine.Broker;
            int resting = broker.RestingCount;
            var quantities = Enumerable.Range(0, resting).Select(k => broker.RestingAt(k).Quantity).ToArray();
            // The first carry pair's spot leg: 1,000 / (its venue's ask + 5 bps) = 1,000 / 50,035.01 BTC. The second pair (the same
            // perpetual against venue V's spot) does not open: one carry position per perpetual (no pyramiding on its perp leg).
            Assert.Equal(new[] { 1_998_600L }, quantities.Order());
            Assert.Equal(1, engine.CarryLife.OpenSkippedHeld);
            long fillsBefore = engine.Stats.Fills;
            long exposureBefore = engine.Risk.VenueExposure(Spot);

            Trade(engine, Spot, m.Spot.Id, T0 + 10, 5_000_000, OneBtc, Side.Ask);   // the queue ahead
            Assert.Equal(resting, broker.RestingCount);
            Assert.Equal(0, broker.GetPosition(Spot, m.Spot.Id).Quantity);
            Trade(engine, V, m.Spot.Id, T0 + 11, 4_990_000, OneBtc, Side.Ask);      // another venue's tape: not ours
            Assert.Equal(resting, broker.RestingCount);

            Trade(engine, Spot, m.Spot.Id, T0 + 12, 4_999_900, 1, Side.Ask);        // through 50,000
            Assert.Equal(0, broker.RestingCount);
            Assert.Equal(fillsBefore + resting, engine.Stats.Fills);
            var position = broker.GetPosition(Spot, m.Spot.Id);
            Assert.Equal(quantities.Sum(), position.Quantity);
            Assert.Equal(5_000_000, position.AverageEntryPrice);
            Assert.Equal(quantities.Sum(q => -(q * 25 / 2)), position.Fees);
            Assert.Equal(0, engine.Risk.OpenOrders);
            Assert.Equal(exposureBefore, engine.Risk.VenueExposure(Spot));          // filled: the notional stays as exposure
            Assert.Equal(resting, broker.MakerClosedCount(MakerCloseReason.Filled));
        }
    }

    /// <summary>Nothing trades at our bid for 5 s (the time in force): the next event after that cancels every resting order,
    /// and risk gets the whole notional back.</summary>
    [Fact]
    public void RestingSpotBuy_MaxRestTime_CancelledAndRiskReleased()
    {
        var m = Open();
        using (m.Engine)
        {
            var engine = m.Engine;
            int resting = engine.Broker.RestingCount;
            Assert.True(engine.Risk.VenueExposure(Spot) > 0);
            Trade(engine, Spot, m.Spot.Id, T0 + 4_999_999_999, 5_001_000, OneBtc, Side.Bid);   // a buy at the ask: not ours
            Assert.Equal(resting, engine.Broker.RestingCount);
            Trade(engine, Spot, m.Spot.Id, T0 + 5_000_000_010, 5_001_000, OneBtc, Side.Bid);
            Assert.Equal(0, engine.Broker.RestingCount);
            Assert.Equal(resting, engine.Broker.MakerClosedCount(MakerCloseReason.Expired));
            Assert.Equal(0, engine.Risk.OpenOrders);
            Assert.Equal(0, engine.Risk.VenueExposure(Spot));
            Assert.Equal(0, engine.Broker.GetPosition(Spot, m.Spot.Id).Quantity);
        }
    }

    /// <summary>The Spot book is invalidated (a gap): its resting orders are cancelled at once (fail closed).</summary>
    [Fact]
    public void RestingSpotBuy_BookInvalidated_Cancelled()
    {
        var m = Open();
        using (m.Engine)
        {
            int resting = m.Engine.Broker.RestingCount;
            var e = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = Spot, Instrument = m.Spot.Id, Reason = InvalidateReason.SequenceGap, ReceiveTimeNs = T0 + 20 };
            m.Engine.OnEvent(ref e, 0);
            Assert.Equal(0, m.Engine.Broker.RestingCount);
            Assert.Equal(resting, m.Engine.Broker.MakerClosedCount(MakerCloseReason.BookUnsynced));
            Assert.Equal(0, m.Engine.Risk.OpenOrders);
        }
    }

    /// <summary>The same events twice: the same maker fills (deterministic), and 0 bytes per event on the resting path
    /// (book deltas and trades that do not fill) after warm-up.</summary>
    [Fact]
    public void RestingPath_SameFillsEveryRun_AndNoAllocationPerEvent()
    {
        var first = RunOnce(out long allocated1);
        var second = RunOnce(out long allocated2);
        Assert.Equal(first, second);
        Assert.NotEmpty(first);
        Assert.Equal(0, allocated1);
        Assert.Equal(0, allocated2);
    }

    private static List<(long, long, long, long)> RunOnce(out long allocated)
    {
        var m = Open();
        using (m.Engine)
        {
            var engine = m.Engine;
            var id = m.Spot.Id;
            long t = T0 + 100;
            void Events(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    Delta(engine, Spot, id, t++, Side.Ask, 5_001_000, OneBtc + i % 7);
                    Trade(engine, Spot, id, t++, 5_001_000, 1_000, Side.Bid);
                    Trade(engine, Spot, id, t++, 5_000_000, 0, Side.Ask);
                }
            }
            Events(2_000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Events(20_000);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(engine.Broker.RestingCount >= 1);
            var fills = new List<(long, long, long, long)>();
            Trade(engine, Spot, id, t++, 5_000_000, OneBtc + 1_000_000, Side.Ask);   // queue, then 0.01 BTC into the first order
            foreach (var f in engine.Broker.MakerFills) fills.Add((f.IntentId, f.Price, f.Quantity, f.Fee));
            Trade(engine, Spot, id, t++, 4_999_000, 1, Side.Ask);
            foreach (var f in engine.Broker.MakerFills) fills.Add((f.IntentId, f.Price, f.Quantity, f.Fee));
            return fills;
        }
    }
}
