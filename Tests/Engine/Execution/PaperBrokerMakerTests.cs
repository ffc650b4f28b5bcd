using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>
/// Resting post-only (maker) orders of the <see cref="PaperBroker"/>. Hand-built BTC-USDT book, price scale 2 (cents),
/// quantity scale 4 (0.0001 BTC), amounts (fees, P&amp;L) at scale 4 (0.0001 USDT); taker fee 7.5 bps = 750 pips. Every
/// expected number is worked out in the comments (the queue model of <see cref="PaperBroker.OnMarketEvent"/>: time priority
/// behind the size shown at our price, trades of the other side's aggressors eat the queue, then us).
/// </summary>
public class PaperBrokerMakerTests
{
    private const int TakerPips = 750;
    private const long T0 = 1_000_000;   // intents are created at 1 ms (event time)
    private readonly InstrumentRegistry _registry = new();
    private readonly InstrumentId _btc;
    private readonly InstrumentId _eth;
    private readonly VenueId _venue;

    public PaperBrokerMakerTests()
    {
        VenueCatalog.EnsureRegistered();
        _venue = VenueCatalog.Binance;
        _btc = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 4).Id;
        _eth = _registry.GetOrAdd("ETH", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 4).Id;
    }

    private PaperBroker NewBroker(int makerPips = 0, int maxResting = 64, long maxRestNs = 5_000_000_000, long maxQuoteAgeNs = 0)
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions
        {
            AmountScale = 4,
            MaxRestingOrders = maxResting,
            MakerMaxRestNs = maxRestNs,
            MaxQuoteAgeNs = maxQuoteAgeNs,
        });
        broker.SetTakerFee(_venue, TakerPips);
        broker.SetMakerFee(_venue, makerPips);
        return broker;
    }

    /// <summary>bids: 99.50 × 2.0, 99.00 × 1.0, 98.00 × 5.0; asks: 100.00 × 0.5, 100.50 × 1.0. Synced, last message at T0.</summary>
    private OrderBook NewBook()
    {
        var book = new OrderBook(_venue, _btc) { IsSynced = true, LastReceiveTimeNs = T0 };
        book.Set(Side.Bid, 9_950, 20_000);
        book.Set(Side.Bid, 9_900, 10_000);
        book.Set(Side.Bid, 9_800, 50_000);
        book.Set(Side.Ask, 10_000, 5_000);
        book.Set(Side.Ask, 10_050, 10_000);
        return book;
    }

    /// <summary>A taker market sell created at T0 + 2 (closing a maker buy).</summary>
    private OrderIntent MarketSell(long id, InstrumentId instrument, long qty) => new()
    {
        IntentId = id, Venue = _venue, Instrument = instrument, Side = OrderSide.Sell, OrderType = OrderType.Market,
        Quantity = qty, CreatedTimeNs = T0 + 2, ClientOrderId = ClientOrderId.FromInt64(id),
    };

    private OrderIntent PostOnly(long id, OrderSide side, long qty, long price) => new()
    {
        IntentId = id,
        Venue = _venue,
        Instrument = _btc,
        Side = side,
        OrderType = OrderType.PostOnly,
        Quantity = qty,
        LimitPrice = price,
        CreatedTimeNs = T0,
        ClientOrderId = ClientOrderId.FromInt64(id),
    };

    /// <summary>A public trade; <paramref name="aggressor"/> Ask = a seller hit the bids.</summary>
    private MarketEvent Trade(long price, long size, Side aggressor, long timeNs, InstrumentId? instrument = null) => new()
    {
        Kind = MarketEventKind.Trade,
        Venue = _venue,
        Instrument = instrument ?? _btc,
        Price = price,
        Size = size,
        Side = aggressor,
        ReceiveTimeNs = timeNs,
    };

    /// <summary>The end of a book message of the BTC book (the book itself already changed by the caller).</summary>
    private MarketEvent BookEnd(long timeNs) => new()
    {
        Kind = MarketEventKind.BookLevel,
        Venue = _venue,
        Instrument = _btc,
        Flags = MarketEventFlags.EndOfMessage,
        ReceiveTimeNs = timeNs,
    };

    [Fact]
    public void Execute_PostOnlyBuyBelowAsk_RestsBehindBookSizeAtItsPrice()
    {
        var broker = NewBroker();
        var report = broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_950), NewBook());
        Assert.Equal(ExecutionStatus.Resting, report.Status);
        Assert.Equal((0L, 0L, 0), (report.FilledQuantity, report.CancelledQuantity, report.FillCount));
        Assert.Equal(1, broker.RestingCount);
        var o = broker.RestingAt(0);
        Assert.Equal(20_000, o.QueueAhead);                          // 2.0 BTC shown at 99.50 is ahead of us
        Assert.Equal((10_000L, T0, T0 + 5_000_000_000), (o.RemainingQuantity, o.RestedTimeNs, o.ExpiryTimeNs));
        // A new level (99.60: nothing shown there) has no queue ahead.
        broker.Execute(PostOnly(2, OrderSide.Buy, 10_000, 9_960), NewBook());
        Assert.Equal(0, broker.RestingAt(1).QueueAhead);
        Assert.Equal(2, broker.MakerRestedCount);
        Assert.Equal(0, broker.GetPosition(_venue, _btc).Quantity);  // nothing filled by resting
    }

    /// <summary>
    /// Buy 1.0 at 99.50 behind 2.0: sells of 1.5 and 0.5 at 99.50 only eat the queue; a buy-aggressor trade at 99.50 and a
    /// sell at 99.60 (above our bid) do nothing; the next 0.5 sold at 99.50 (2.5 traded in all) fills 0.5 of ours, at 99.50.
    /// </summary>
    [Fact]
    public void OnMarketEvent_RestingBehindTwo_FillsHalfOnlyAfterTwoAndAHalfTraded()
    {
        var broker = NewBroker();
        broker.Execute(PostOnly(7, OrderSide.Buy, 10_000, 9_950), NewBook());

        var t1 = Trade(9_950, 15_000, Side.Ask, T0 + 1);
        Assert.Equal(0, broker.OnMarketEvent(t1));
        Assert.Equal(5_000, broker.RestingAt(0).QueueAhead);
        var wrongSide = Trade(9_950, 50_000, Side.Bid, T0 + 2);      // a buyer lifted someone's offer at 99.50: not our bid
        Assert.Equal(0, broker.OnMarketEvent(wrongSide));
        var above = Trade(9_960, 50_000, Side.Ask, T0 + 3);          // above our bid: the bids ahead of us took it
        Assert.Equal(0, broker.OnMarketEvent(above));
        var t2 = Trade(9_950, 5_000, Side.Ask, T0 + 4);
        Assert.Equal(0, broker.OnMarketEvent(t2));
        Assert.Equal(0, broker.RestingAt(0).QueueAhead);
        Assert.Equal(0, broker.GetPosition(_venue, _btc).Quantity);

        var t3 = Trade(9_950, 5_000, Side.Ask, T0 + 5);
        Assert.Equal(1, broker.OnMarketEvent(t3));
        var fill = Assert.Single(broker.MakerFills.ToArray());
        Assert.Equal((7L, 9_950L, 5_000L, 0L, T0 + 5, Liquidity.Maker, OrderSide.Buy), (fill.IntentId, fill.Price, fill.Quantity, fill.Fee, fill.TimeNs, fill.Liquidity, fill.Side));
        Assert.Empty(broker.ClosedOrders.ToArray());
        Assert.Equal(5_000, broker.RestingAt(0).RemainingQuantity);
        Assert.Equal(5_000, broker.GetPosition(_venue, _btc).Quantity);
        Assert.Equal(9_950, broker.GetPosition(_venue, _btc).AverageEntryPrice);
    }

    /// <summary>A sale at 99.00, below our 99.50 bid, went through our price: the whole order fills at 99.50 whatever the queue.</summary>
    [Fact]
    public void OnMarketEvent_TradeThroughOurPrice_FillsAllAtOurPrice()
    {
        var broker = NewBroker();
        broker.Execute(PostOnly(3, OrderSide.Buy, 10_000, 9_950), NewBook());
        Assert.Equal(2, broker.OnMarketEvent(Trade(9_900, 1, Side.Ask, T0 + 1)));   // one fill and one close
        var fill = Assert.Single(broker.MakerFills.ToArray());
        Assert.Equal((9_950L, 10_000L), (fill.Price, fill.Quantity));
        var closed = Assert.Single(broker.ClosedOrders.ToArray());
        Assert.Equal((3L, 10_000L, 10_000L, MakerCloseReason.Filled), (closed.IntentId, closed.Quantity, closed.FilledQuantity, closed.Reason));
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(1, broker.MakerClosedCount(MakerCloseReason.Filled));
    }

    /// <summary>Our offer rests at 99.90; a bid at 99.95 appears: the opposite side crossed our price, so we filled, at 99.90.</summary>
    [Fact]
    public void OnMarketEvent_OppositeBookReachesOurPrice_FillsRestAtOurPrice()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(PostOnly(4, OrderSide.Sell, 10_000, 9_990), book);   // sell 1.0 at 99.90 (new level, queue 0)
        book.Set(Side.Bid, 9_995, 3_000);                                    // a bid at 99.95 crosses our 99.90 offer
        Assert.Equal(2, broker.OnMarketEvent(BookEnd(T0 + 1)));
        var fill = Assert.Single(broker.MakerFills.ToArray());
        Assert.Equal((9_990L, 10_000L, OrderSide.Sell), (fill.Price, fill.Quantity, fill.Side));
        Assert.Equal(-10_000, broker.GetPosition(_venue, _btc).Quantity);
    }

    /// <summary>
    /// Partial fill of 0.5 at 99.50 = 49.75 USDT. Maker fee 2 bps (200 pips): 49.75 × 0.0002 = 0.00995 → 0.0100 (rounded up,
    /// 100). Maker rebate −2.5 bps (−250 pips): 49.75 × −0.00025 = −0.0124375 → −0.0124 (the smaller rebate, −124; rounding
    /// down would give −125).
    /// </summary>
    [Theory]
    [InlineData(200, 100)]
    [InlineData(-250, -124)]
    public void OnMarketEvent_PartialFill_MakerFeeOrRebateExact(int makerPips, long expectedFee)
    {
        var broker = NewBroker(makerPips);
        broker.Execute(PostOnly(5, OrderSide.Buy, 10_000, 9_950), NewBook());
        broker.OnMarketEvent(Trade(9_950, 25_000, Side.Ask, T0 + 1));   // 2.0 queue, then 0.5 of ours
        var fill = Assert.Single(broker.MakerFills.ToArray());
        Assert.Equal((5_000L, expectedFee), (fill.Quantity, fill.Fee));
        Assert.Equal(expectedFee, broker.GetPosition(_venue, _btc).Fees);
    }

    /// <summary>Max rest 1 ms: rested at T0, still resting at T0 + 1 ms − 1 ns, cancelled at T0 + 1 ms, before that event (a
    /// sale through our price) can fill it.</summary>
    [Fact]
    public void OnMarketEvent_MaxRestTimeReached_CancelledBeforeFilling()
    {
        var broker = NewBroker(maxRestNs: 1_000_000);
        broker.Execute(PostOnly(6, OrderSide.Buy, 10_000, 9_950), NewBook());
        Assert.Equal(0, broker.OnMarketEvent(Trade(100_000, 1, Side.Bid, T0 + 999_999, _eth)));
        Assert.Equal(1, broker.RestingCount);
        Assert.Equal(1, broker.OnMarketEvent(Trade(9_900, 10_000, Side.Ask, T0 + 1_000_000)));
        Assert.Empty(broker.MakerFills.ToArray());
        var closed = Assert.Single(broker.ClosedOrders.ToArray());
        Assert.Equal((6L, 0L, MakerCloseReason.Expired, T0 + 1_000_000), (closed.IntentId, closed.FilledQuantity, closed.Reason, closed.TimeNs));
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(0, broker.GetPosition(_venue, _btc).Quantity);
        Assert.Equal(1, broker.MakerClosedCount(MakerCloseReason.Expired));
    }

    [Fact]
    public void OnMarketEvent_BookGoesUnsynced_CancelledFailClosed()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(PostOnly(8, OrderSide.Buy, 10_000, 9_950), book);
        book.IsSynced = false;   // what the book keeper does on a gap or an invalidation
        var invalidate = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = _venue, Instrument = _btc, ReceiveTimeNs = T0 + 1 };
        Assert.Equal(1, broker.OnMarketEvent(invalidate));
        Assert.Equal(MakerCloseReason.BookUnsynced, Assert.Single(broker.ClosedOrders.ToArray()).Reason);
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(1, broker.MakerClosedCount(MakerCloseReason.BookUnsynced));
    }

    /// <summary>Quote age limit 100 ms and the book's last message at T0: at T0 + 100 ms still fresh, 1 ns later stale.</summary>
    [Fact]
    public void OnMarketEvent_BookStale_CancelledFailClosed()
    {
        var broker = NewBroker(maxQuoteAgeNs: 100_000_000);
        broker.Execute(PostOnly(9, OrderSide.Buy, 10_000, 9_950), NewBook());
        Assert.Equal(0, broker.OnMarketEvent(Trade(100_000, 1, Side.Bid, T0 + 100_000_000, _eth)));
        Assert.Equal(1, broker.OnMarketEvent(Trade(100_000, 1, Side.Bid, T0 + 100_000_001, _eth)));
        Assert.Equal(MakerCloseReason.BookStale, Assert.Single(broker.ClosedOrders.ToArray()).Reason);
    }

    [Fact]
    public void Execute_RestingTableFull_RejectedAndCounted()
    {
        var broker = NewBroker(maxResting: 2);
        var book = NewBook();
        Assert.Equal(ExecutionStatus.Resting, broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_950), book).Status);
        Assert.Equal(ExecutionStatus.Resting, broker.Execute(PostOnly(2, OrderSide.Buy, 10_000, 9_900), book).Status);
        var third = broker.Execute(PostOnly(3, OrderSide.Buy, 10_000, 9_800), book);
        Assert.Equal((ExecutionStatus.Rejected, ExecutionRejectReason.RestingTableFull, 10_000L), (third.Status, third.RejectReason, third.CancelledQuantity));
        Assert.Equal(1, broker.RejectCount(ExecutionRejectReason.RestingTableFull));
        // A sale at 98.50 went through both bids: both fill, and the table has room again.
        broker.OnMarketEvent(Trade(9_850, 1, Side.Ask, T0 + 1));
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(ExecutionStatus.Resting, broker.Execute(PostOnly(4, OrderSide.Buy, 10_000, 9_800), book).Status);
    }

    /// <summary>A post-only buy at the best ask (100.00) or above, or a sell at the best bid (99.50) or below, would take:
    /// rejected as venues reject it (Binance LIMIT_MAKER "would immediately match"), nothing filled, no position.</summary>
    [Fact]
    public void Execute_PostOnlyWouldCross_RejectedNotTaken()
    {
        var broker = NewBroker();
        var book = NewBook();
        var buy = broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 10_000), book);
        var sell = broker.Execute(PostOnly(2, OrderSide.Sell, 10_000, 9_950), book);
        Assert.Equal((ExecutionStatus.Rejected, ExecutionRejectReason.PostOnlyWouldCross), (buy.Status, buy.RejectReason));
        Assert.Equal((ExecutionStatus.Rejected, ExecutionRejectReason.PostOnlyWouldCross), (sell.Status, sell.RejectReason));
        Assert.Equal(2, broker.RejectCount(ExecutionRejectReason.PostOnlyWouldCross));
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(0, broker.GetPosition(_venue, _btc).Quantity);
        Assert.Equal(ExecutionStatus.Resting, broker.Execute(PostOnly(3, OrderSide.Buy, 10_000, 9_999), book).Status);   // one tick below
    }

    /// <summary>
    /// Maker buy 1.0 at 99.50 with a −2.5 bps rebate: 99.50 × −0.00025 = −0.024875 → −0.0248 (−248). Then a taker market sell
    /// of 1.0 into a bid of 100.20: fee 100.20 × 0.00075 = 0.07515 → 0.0752 (752). Realized (100.20 − 99.50) × 1.0 = 0.70
    /// (7,000), fees −248 + 752 = 504, flat.
    /// </summary>
    [Fact]
    public void MakerBuyThenTakerSell_PositionAndPnlExact()
    {
        var broker = NewBroker(makerPips: -250);
        broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_950), NewBook());
        broker.OnMarketEvent(Trade(9_900, 1, Side.Ask, T0 + 1));
        Assert.Equal(-248, Assert.Single(broker.MakerFills.ToArray()).Fee);
        var open = broker.GetPosition(_venue, _btc);
        Assert.Equal((10_000L, 9_950L, 995_000L, -248L), (open.Quantity, open.AverageEntryPrice, open.CostBasis, open.Fees));

        var later = new OrderBook(_venue, _btc) { IsSynced = true };
        later.Set(Side.Bid, 10_020, 10_000);
        later.Set(Side.Ask, 10_030, 10_000);
        var sell = broker.Execute(MarketSell(2, _btc, 10_000), later);
        Assert.Equal((ExecutionStatus.Filled, 752L), (sell.Status, sell.Fee));
        Assert.Equal(Liquidity.Taker, broker.LastFills[0].Liquidity);
        var flat = broker.GetPosition(_venue, _btc);
        Assert.Equal((0L, 0L, 0L, 7_000L, 504L), (flat.Quantity, flat.AverageEntryPrice, flat.CostBasis, flat.RealizedPnl, flat.Fees));
    }

    /// <summary>
    /// Inverse perpetual (size = USD face, amounts in BTC at 10^-8; as <see cref="PaperBrokerInverseTests"/>): a maker buy of
    /// 1,000 USD face at 4,000 filled by a sale through it, rebate −2.5 bps on its coin value 1,000 / 4,000 = 0.25 BTC:
    /// −0.0000625 BTC (−6,250). A taker sell at 4,100 (7.5 bps): 1,000 / 4,100 = 0.243902439… BTC × 0.00075 =
    /// 0.000182926829… → 0.00018293 (rounded up, 18,293). Realized 1,000 × (1/4,000 − 1/4,100) = 0.0060975609… → 0.00609756
    /// (609,756); fees −6,250 + 18,293 = 12,043.
    /// </summary>
    [Fact]
    public void MakerBuyThenTakerSell_InversePerpetual_PnlAndRebateInCoin()
    {
        var perp = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 0, isInverse: true, contractValue: 1).Id;
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 8 });
        broker.SetMakerFee(_venue, -250);
        broker.SetTakerFee(_venue, TakerPips);
        var book = new OrderBook(_venue, perp) { IsSynced = true, LastReceiveTimeNs = T0 };
        book.Set(Side.Bid, 400_000, 5_000);
        book.Set(Side.Ask, 400_050, 5_000);
        var buy = PostOnly(1, OrderSide.Buy, 1_000, 400_000);
        buy.Instrument = perp;
        Assert.Equal(ExecutionStatus.Resting, broker.Execute(buy, book).Status);
        broker.OnMarketEvent(Trade(399_950, 1, Side.Ask, T0 + 1, perp));
        var fill = Assert.Single(broker.MakerFills.ToArray());
        Assert.Equal((400_000L, 1_000L, -6_250L, Liquidity.Maker), (fill.Price, fill.Quantity, fill.Fee, fill.Liquidity));

        var later = new OrderBook(_venue, perp) { IsSynced = true };
        later.Set(Side.Bid, 410_000, 5_000);
        later.Set(Side.Ask, 410_050, 5_000);
        var sell = broker.Execute(MarketSell(2, perp, 1_000), later);
        Assert.Equal(18_293, sell.Fee);
        var flat = broker.GetPosition(_venue, perp);
        Assert.Equal((0L, 609_756L, 12_043L), (flat.Quantity, flat.RealizedPnl, flat.Fees));
    }

    /// <summary>Two of our bids at 99.60 (a new level): A 1.0 then B 1.0. A sale of 1.5 at 99.60 fills A 1.0 (first in time)
    /// and B only the 0.5 left.</summary>
    [Fact]
    public void OnMarketEvent_OwnOrdersAtOnePrice_TimePriority()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_960), book);
        broker.Execute(PostOnly(2, OrderSide.Buy, 10_000, 9_960), book);
        broker.OnMarketEvent(Trade(9_960, 15_000, Side.Ask, T0 + 1));
        Assert.Equal(new[] { (1L, 10_000L), (2L, 5_000L) }, broker.MakerFills.ToArray().Select(f => (f.IntentId, f.Quantity)));
        Assert.Equal(1L, Assert.Single(broker.ClosedOrders.ToArray()).IntentId);
        Assert.Equal((2L, 5_000L), (broker.RestingAt(0).IntentId, broker.RestingAt(0).RemainingQuantity));
    }

    /// <summary>Behind 2.0 at 99.50; the level shrinks to 0.5 (orders ahead cancelled): the queue is 0.5, so a sale of 1.0 at
    /// 99.50 fills 0.5 of ours. A level deeper than the visible book leaves the queue alone.</summary>
    [Fact]
    public void OnMarketEvent_LevelShrinks_QueueCappedAtShownSize()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_950), book);
        book.Set(Side.Bid, 9_950, 5_000);
        broker.OnMarketEvent(BookEnd(T0 + 1));
        Assert.Equal(5_000, broker.RestingAt(0).QueueAhead);
        broker.OnMarketEvent(Trade(9_950, 10_000, Side.Ask, T0 + 2));
        Assert.Equal(5_000, Assert.Single(broker.MakerFills.ToArray()).Quantity);
    }

    /// <summary>With 1 ms latency the order rests at T0 + 1 ms: a sale through its price just before does not fill it.</summary>
    [Fact]
    public void OnMarketEvent_TradeBeforeRestTime_Ignored()
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 4, FixedLatencyNs = 1_000_000 });
        broker.Execute(PostOnly(1, OrderSide.Buy, 10_000, 9_950), NewBook());
        Assert.Equal(0, broker.OnMarketEvent(Trade(9_900, 10_000, Side.Ask, T0 + 999_999)));
        Assert.Equal(2, broker.OnMarketEvent(Trade(9_900, 10_000, Side.Ask, T0 + 1_000_000)));
    }

    /// <summary>Rest, eat the queue, partial fill, fill through, expire: 0 bytes per cycle after warm-up.</summary>
    [Fact]
    public void RestingPath_AfterWarmup_AllocatesNothing()
    {
        var broker = NewBroker(makerPips: -250, maxRestNs: 1_000);
        var book = NewBook();
        long t = T0;
        void Cycle(int n)
        {
            for (int i = 0; i < n; i++)
            {
                var intent = PostOnly(i, i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 10_000, i % 2 == 0 ? 9_950 : 10_050);
                intent.CreatedTimeNs = t;
                broker.Execute(intent, book);
                var side = i % 2 == 0 ? Side.Ask : Side.Bid;
                broker.OnMarketEvent(Trade(intent.LimitPrice, 25_000, side, t + 1));
                broker.OnMarketEvent(BookEnd(t + 2));
                broker.OnMarketEvent(Trade(i % 2 == 0 ? 9_900 : 10_100, 1, side, t + 3));
                intent.CreatedTimeNs = t + 4;
                broker.Execute(intent, book);
                broker.OnMarketEvent(Trade(100_000, 1, Side.Bid, t + 2_000, _eth));   // expires the second one
                t += 10_000;
            }
        }
        Cycle(1_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(0, broker.RestingCount);
        Assert.Equal(22_000, broker.MakerRestedCount);
        Assert.Equal(11_000, broker.MakerClosedCount(MakerCloseReason.Expired));
    }
}
