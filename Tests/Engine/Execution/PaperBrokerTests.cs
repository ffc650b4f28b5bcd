using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>
/// Hand-built BTC-USDT book, price scale 2 (cents), quantity scale 4 (0.0001 BTC), amounts (fees, P&amp;L) at scale 4
/// (0.0001 USDT), taker fee 7.5 bps = 750 pips. Every expected number below is worked out in the comments.
/// </summary>
public class PaperBrokerTests
{
    private const int FeePips = 750; // 0.075 %
    private readonly InstrumentRegistry _registry = new();
    private readonly InstrumentId _btc;
    private readonly VenueId _venue;

    public PaperBrokerTests()
    {
        VenueCatalog.EnsureRegistered();
        _venue = VenueCatalog.Binance;
        _btc = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 4).Id;
    }

    private PaperBroker NewBroker(int maxFills = 64, long latencyNs = 0)
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 4, MaxFillsPerOrder = maxFills, FixedLatencyNs = latencyNs });
        broker.SetTakerFee(_venue, FeePips);
        return broker;
    }

    /// <summary>asks: 100.00 × 0.5, 100.50 × 1.0, 101.00 × 2.0; bids: 99.50 × 1.0, 99.00 × 1.0, 98.00 × 5.0.</summary>
    private OrderBook NewBook()
    {
        var book = new OrderBook(_venue, _btc) { IsSynced = true };
        book.Set(Side.Ask, 10_000, 5_000);
        book.Set(Side.Ask, 10_050, 10_000);
        book.Set(Side.Ask, 10_100, 20_000);
        book.Set(Side.Bid, 9_950, 10_000);
        book.Set(Side.Bid, 9_900, 10_000);
        book.Set(Side.Bid, 9_800, 50_000);
        return book;
    }

    private OrderIntent Intent(long id, OrderSide side, OrderType type, long qty, long limit = 0) => new()
    {
        IntentId = id,
        Venue = _venue,
        Instrument = _btc,
        Side = side,
        OrderType = type,
        Quantity = qty,
        LimitPrice = limit,
        CreatedTimeNs = 1_000_000,
        ClientOrderId = ClientOrderId.FromInt64(id),
    };

    [Fact]
    public void Execute_MarketBuyAcrossThreeLevels_AveragePriceAndFeesAsComputedByHand()
    {
        var broker = NewBroker();
        var report = broker.Execute(Intent(1, OrderSide.Buy, OrderType.Market, 17_000), NewBook()); // buy 1.7 BTC
        // Walk: 0.5 @ 100.00 = 50.00;  1.0 @ 100.50 = 100.50;  0.2 @ 101.00 = 20.20.   Notional = 170.70 USDT.
        // Average = 170.70 / 1.7 = 100.41176… → 100.41 (half away from zero) → mantissa 10041.
        // Fees at 0.075 %, rounded up to 0.0001 USDT:
        //   50.00 × 0.00075 = 0.0375     → 375
        //  100.50 × 0.00075 = 0.075375   → 754 (0.0753|75 rounds up)
        //   20.20 × 0.00075 = 0.01515    → 152 (0.0151|5 rounds up)
        //   total 1281 = 0.1281 USDT.
        Assert.Equal(ExecutionStatus.Filled, report.Status);
        Assert.Equal(17_000, report.FilledQuantity);
        Assert.Equal(0, report.CancelledQuantity);
        Assert.Equal(3, report.FillCount);
        Assert.Equal(10_041, report.AveragePrice);
        Assert.Equal(1_707_000, report.Notional);
        Assert.Equal(1_281, report.Fee);
        var fills = broker.LastFills.ToArray();
        Assert.Equal(new[] { (10_000L, 5_000L, 375L), (10_050L, 10_000L, 754L), (10_100L, 2_000L, 152L) },
            fills.Select(f => (f.Price, f.Quantity, f.Fee)));
        Assert.All(fills, f => Assert.Equal((1L, OrderSide.Buy, Liquidity.Taker, _venue, _btc), (f.IntentId, f.Side, f.Liquidity, f.Venue, f.Instrument)));
    }

    [Fact]
    public void Execute_LimitBuyThickerThanLimit_PartialFillRemainderCancelled()
    {
        var broker = NewBroker();
        var report = broker.Execute(Intent(2, OrderSide.Buy, OrderType.Limit, 30_000, limit: 10_050), NewBook()); // buy 3.0 ≤ 100.50
        // Takes 0.5 @ 100.00 and 1.0 @ 100.50; 101.00 is above the limit. Filled 1.5, 1.5 not rested.
        // Notional 150.50; average 150.50 / 1.5 = 100.333… → 100.33. Fees 375 + 754 = 1129.
        Assert.Equal(ExecutionStatus.PartiallyFilled, report.Status);
        Assert.Equal(WalkStopReason.LimitPrice, report.StopReason);
        Assert.Equal(15_000, report.FilledQuantity);
        Assert.Equal(15_000, report.CancelledQuantity);
        Assert.Equal(10_033, report.AveragePrice);
        Assert.Equal(1_505_000, report.Notional);
        Assert.Equal(1_129, report.Fee);
    }

    [Fact]
    public void Execute_IocSellThroughTwoBids_RemainderCancelled()
    {
        var broker = NewBroker();
        var report = broker.Execute(Intent(3, OrderSide.Sell, OrderType.Ioc, 30_000, limit: 9_900), NewBook()); // sell 3.0 ≥ 99.00
        // Takes 1.0 @ 99.50 and 1.0 @ 99.00; 98.00 is below the limit; 1.0 cancelled.
        // Notional 198.50; average 99.25. Fees: 99.50 × 0.00075 = 0.074625 → 747; 99.00 × 0.00075 = 0.07425 → 743. Total 1490.
        Assert.Equal(ExecutionStatus.PartiallyFilled, report.Status);
        Assert.Equal((20_000L, 10_000L), (report.FilledQuantity, report.CancelledQuantity));
        Assert.Equal(9_925, report.AveragePrice);
        Assert.Equal(1_985_000, report.Notional);
        Assert.Equal(1_490, report.Fee);
        Assert.Equal(new[] { 9_950L, 9_900L }, broker.LastFills.ToArray().Select(f => f.Price));
    }

    [Fact]
    public void Execute_IocLimitThroughBest_NotFilled()
    {
        var broker = NewBroker();
        var report = broker.Execute(Intent(4, OrderSide.Buy, OrderType.Ioc, 10_000, limit: 9_999), NewBook());
        Assert.Equal(ExecutionStatus.NotFilled, report.Status);
        Assert.Equal(10_000, report.CancelledQuantity);
        Assert.Equal(0, broker.LastFills.Length);
    }

    [Fact]
    public void Execute_MarketLargerThanBook_BookExhausted()
    {
        var broker = NewBroker();
        var report = broker.Execute(Intent(5, OrderSide.Buy, OrderType.Market, 100_000), NewBook()); // 10 BTC, book has 3.5
        Assert.Equal(WalkStopReason.BookExhausted, report.StopReason);
        Assert.Equal((35_000L, 65_000L), (report.FilledQuantity, report.CancelledQuantity));
    }

    [Fact]
    public void Execute_FillBufferFull_StopsAndCancels()
    {
        var broker = NewBroker(maxFills: 2);
        var report = broker.Execute(Intent(6, OrderSide.Buy, OrderType.Market, 17_000), NewBook());
        Assert.Equal(WalkStopReason.FillBufferFull, report.StopReason);
        Assert.Equal((15_000L, 2_000L), (report.FilledQuantity, report.CancelledQuantity));
    }

    [Fact]
    public void Positions_BuyThenSell_AverageEntryRealizedAndUnrealizedAsComputedByHand()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(Intent(1, OrderSide.Buy, OrderType.Market, 17_000), book); // long 1.7 for 170.70
        var p = broker.GetPosition(_venue, _btc);
        Assert.Equal(17_000, p.Quantity);
        Assert.Equal(10_041, p.AverageEntryPrice);  // 170.70 / 1.7 = 100.41176…
        Assert.Equal(1_707_000, p.CostBasis);
        Assert.Equal(0, p.RealizedPnl);
        // Unrealized at mark 99.00: 99.00 × 1.7 − 170.70 = 168.30 − 170.70 = −2.40.
        Assert.Equal(-24_000, broker.UnrealizedPnl(_venue, _btc, 9_900));

        broker.Execute(Intent(2, OrderSide.Sell, OrderType.Market, 10_000), book); // sell 1.0 @ 99.50
        // Cost removed = 170.70 × 1.0 / 1.7 = 100.411764|705… truncated at 1e-6 → 100.411764; realized = 99.50 − 100.411764 = −0.911764
        // → −0.9118 at 1e-4 (half away from zero). Left: 0.7 BTC, basis 170.70 − 100.411764 = 70.288236, average 100.41.
        p = broker.GetPosition(_venue, _btc);
        Assert.Equal(7_000, p.Quantity);
        Assert.Equal(-9_118, p.RealizedPnl);
        Assert.Equal(702_882, p.CostBasis);        // 70.288236 → 70.2882
        Assert.Equal(10_041, p.AverageEntryPrice); // 70.288236 / 0.7 = 100.41176…
        // Unrealized at 100.00: 70.00 − 70.288236 = −0.288236 → −0.2882.
        Assert.Equal(-2_882, broker.UnrealizedPnl(_venue, _btc, 10_000));

        broker.Execute(Intent(3, OrderSide.Sell, OrderType.Market, 7_000), book); // sell 0.7 @ 99.50 = 69.65
        // Flat: realized must be exactly proceeds − cost = (99.50 + 69.65) − 170.70 = −1.55, with no rounding residue.
        p = broker.GetPosition(_venue, _btc);
        Assert.Equal(0, p.Quantity);
        Assert.Equal(0, p.CostBasis);
        Assert.Equal(-15_500, p.RealizedPnl);
        Assert.Equal(0, broker.UnrealizedPnl(_venue, _btc, 12_345));
        // Fees: buy 1281; sell 99.50 × 0.00075 = 0.074625 → 747; sell 69.65 × 0.00075 = 0.0522375 → 523. Total 2551.
        Assert.Equal(2_551, p.Fees);
    }

    [Fact]
    public void Positions_ShortThenFlipLong_RealizesOnTheClosedPartOnly()
    {
        var broker = NewBroker();
        var book = NewBook();
        broker.Execute(Intent(1, OrderSide.Sell, OrderType.Market, 10_000), book); // short 1.0 @ 99.50
        Assert.Equal(-10_000, broker.GetPosition(_venue, _btc).Quantity);
        // Unrealized at 99.00: short gains 0.50.
        Assert.Equal(5_000, broker.UnrealizedPnl(_venue, _btc, 9_900));
        broker.Execute(Intent(2, OrderSide.Buy, OrderType.Market, 15_000), book); // buy 0.5 @ 100.00 + 1.0 @ 100.50
        // Closes the short with 0.5 @ 100.00 and 0.5 @ 100.50: realized = (99.50 − 100.00) × 0.5 + (99.50 − 100.50) × 0.5 = −0.25 − 0.50 = −0.75.
        // Opens long 0.5 @ 100.50.
        var p = broker.GetPosition(_venue, _btc);
        Assert.Equal(5_000, p.Quantity);
        Assert.Equal(-7_500, p.RealizedPnl);
        Assert.Equal(10_050, p.AverageEntryPrice);
        Assert.Equal(502_500, p.CostBasis);
    }

    [Fact]
    public void Execute_BadInput_RejectedWithReason()
    {
        var broker = NewBroker();
        var book = NewBook();
        Assert.Equal(ExecutionRejectReason.InvalidQuantity, broker.Execute(Intent(1, OrderSide.Buy, OrderType.Market, 0), book).RejectReason);
        Assert.Equal(ExecutionRejectReason.InvalidSide, broker.Execute(Intent(1, OrderSide.None, OrderType.Market, 1), book).RejectReason);
        Assert.Equal(ExecutionRejectReason.InvalidOrderType, broker.Execute(Intent(1, OrderSide.Buy, (OrderType)7, 1), book).RejectReason);
        Assert.Equal(ExecutionRejectReason.InvalidLimitPrice, broker.Execute(Intent(1, OrderSide.Buy, OrderType.Ioc, 1, 0), book).RejectReason);
        var otherInstrument = Intent(1, OrderSide.Buy, OrderType.Market, 1);
        otherInstrument.Instrument = new InstrumentId(42);
        Assert.Equal(ExecutionRejectReason.UnknownInstrument, broker.Execute(otherInstrument, book).RejectReason);
        var otherVenue = Intent(1, OrderSide.Buy, OrderType.Market, 1);
        otherVenue.Venue = VenueCatalog.Okx;
        Assert.Equal(ExecutionRejectReason.BookMismatch, broker.Execute(otherVenue, book).RejectReason);
        book.IsSynced = false;
        var unsynced = broker.Execute(Intent(1, OrderSide.Buy, OrderType.Market, 1), book);
        Assert.Equal((ExecutionStatus.Rejected, ExecutionRejectReason.BookNotSynced), (unsynced.Status, unsynced.RejectReason));
        Assert.Equal(7, broker.RejectedCount);
        Assert.Equal(0, broker.GetPosition(_venue, _btc).Quantity);
    }

    [Fact]
    public void DueTimeNs_FixedPlusVenueLatency()
    {
        var broker = NewBroker(latencyNs: 2_000);
        broker.SetVenueLatency(_venue, 350);
        var intent = Intent(1, OrderSide.Buy, OrderType.Market, 1_000);
        Assert.Equal(1_000_000 + 2_000 + 350, broker.DueTimeNs(intent));
        broker.Execute(intent, NewBook());
        Assert.Equal(1_002_350, broker.LastFills[0].TimeNs);
    }

    [Fact]
    public void Execute_AfterWarmUp_AllocatesNothing()
    {
        var broker = NewBroker();
        var book = NewBook();
        var buy = Intent(1, OrderSide.Buy, OrderType.Market, 17_000);
        var sell = Intent(2, OrderSide.Sell, OrderType.Ioc, 30_000, 9_900);
        for (int i = 0; i < 100; i++) { broker.Execute(buy, book); broker.Execute(sell, book); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            broker.Execute(buy, book);
            broker.Execute(sell, book);
            broker.GetPosition(_venue, _btc);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_100 * (3 + 2), broker.FillCount); // 3 fills per buy, 2 per IOC sell
    }
}
