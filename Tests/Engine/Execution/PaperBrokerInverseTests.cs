using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>
/// Inverse contracts (BitMEX XBTUSD, Deribit BTC-PERPETUAL, Binance COIN-M): size = USD face value, P&amp;L in BTC =
/// face × (1/entry − 1/exit) for a long. Instrument BTC-USD-PERP, price scale 2, quantity scale 0 (1 unit = 1 USD face,
/// as the Tardis capture writes it), amounts at 10^-8 BTC. Every expected number is worked out in the comments.
/// </summary>
public class PaperBrokerInverseTests
{
    private readonly InstrumentRegistry _registry = new();
    private readonly InstrumentId _perp;
    private readonly VenueId _venue;

    public PaperBrokerInverseTests()
    {
        VenueCatalog.EnsureRegistered();
        _venue = VenueCatalog.Binance;
        _perp = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 0, isInverse: true, contractValue: 1).Id;
    }

    private PaperBroker NewBroker(int feePips = 0)
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 8 });
        broker.SetTakerFee(_venue, feePips);
        return broker;
    }

    /// <summary>One level each side at <paramref name="price"/> (whole USD), deep enough for every order here.</summary>
    private OrderBook Book(long price)
    {
        var book = new OrderBook(_venue, _perp) { IsSynced = true };
        book.Set(Side.Ask, price * 100, 1_000_000);
        book.Set(Side.Bid, price * 100, 1_000_000);
        return book;
    }

    private long _id;

    private ExecutionReport Trade(PaperBroker broker, OrderSide side, long faceUsd, long price) =>
        broker.Execute(new OrderIntent
        {
            IntentId = ++_id,
            Venue = _venue,
            Instrument = _perp,
            Side = side,
            OrderType = OrderType.Market,
            Quantity = faceUsd,
            ClientOrderId = ClientOrderId.FromInt64(_id),
        }, Book(price));

    /// <summary>1,000 × (1/4,000 − 1/4,100) = 1,000 × 100 / 16,400,000 = 0.0060975609… BTC → 0.00609756 (half away).</summary>
    [Fact]
    public void Execute_LongThousandUsdFaceFrom4000To4100_RealizesBtcBeforeFees()
    {
        var broker = NewBroker();
        Trade(broker, OrderSide.Buy, 1_000, 4_000);
        Trade(broker, OrderSide.Sell, 1_000, 4_100);
        var p = broker.GetPosition(_venue, _perp);
        Assert.Equal(0, p.Quantity);
        Assert.Equal(609_756, p.RealizedPnl);
        Assert.Equal(0, p.Fees);
    }

    /// <summary>100 USD face: 100 × 100 / 16,400,000 = 0.00060975609… BTC → 0.00060976.</summary>
    [Fact]
    public void Execute_LongHundredUsdFaceFrom4000To4100_RealizesBtcBeforeFees()
    {
        var broker = NewBroker();
        Trade(broker, OrderSide.Buy, 100, 4_000);
        Trade(broker, OrderSide.Sell, 100, 4_100);
        Assert.Equal(60_976, broker.GetPosition(_venue, _perp).RealizedPnl);
    }

    /// <summary>Short 1,000 at 4,100, covered at 4,000: 1,000 × (1/4,000 − 1/4,100) = +0.00609756 BTC; covered at 4,200
    /// instead: 1,000 × (1/4,200 − 1/4,100) = −0.0058072009… → −0.00580720.</summary>
    [Fact]
    public void Execute_ShortCoveredLowerAndHigher_SignOfBtcPnl()
    {
        var broker = NewBroker();
        Trade(broker, OrderSide.Sell, 1_000, 4_100);
        Trade(broker, OrderSide.Buy, 1_000, 4_000);
        Assert.Equal(609_756, broker.GetPosition(_venue, _perp).RealizedPnl);

        var loser = NewBroker();
        Trade(loser, OrderSide.Sell, 1_000, 4_100);
        Trade(loser, OrderSide.Buy, 1_000, 4_200);
        Assert.Equal(-580_720, loser.GetPosition(_venue, _perp).RealizedPnl);
    }

    /// <summary>Taker 10 bps on 1,000 USD face at 4,000: coin value 0.25 BTC × 0.001 = 0.00025 BTC = 25,000 × 10^-8.</summary>
    [Fact]
    public void Execute_TakerFee_ChargedInBtcOnCoinValue()
    {
        var broker = NewBroker(feePips: 1_000);
        var report = Trade(broker, OrderSide.Buy, 1_000, 4_000);
        Assert.Equal(25_000, report.Fee);
        Assert.Equal(25_000_000, report.Notional);   // 0.25 BTC
        Assert.Equal(400_000, report.AveragePrice);  // 4,000.00
        Assert.Equal(25_000, broker.GetPosition(_venue, _perp).Fees);
    }

    /// <summary>
    /// Buy 1,000 at 4,000 (0.25 BTC) and 1,000 at 5,000 (0.2 BTC): average entry = 2,000 / 0.45 = 4,444.444… → 4,444.44 (the
    /// harmonic mean, not 4,500); cost basis 0.45 BTC. Unrealized at mark 4,444.44 is ≈ 0; at 5,000: 0.45 − 2,000/5,000 = 0.05 BTC.
    /// </summary>
    [Fact]
    public void GetPosition_TwoBuys_HarmonicAverageAndBtcUnrealized()
    {
        var broker = NewBroker();
        Trade(broker, OrderSide.Buy, 1_000, 4_000);
        Trade(broker, OrderSide.Buy, 1_000, 5_000);
        var p = broker.GetPosition(_venue, _perp);
        Assert.Equal(2_000, p.Quantity);
        Assert.Equal(444_444, p.AverageEntryPrice);
        Assert.Equal(45_000_000, p.CostBasis);
        Assert.Equal(5_000_000, broker.UnrealizedPnl(_venue, _perp, 500_000));
    }

    /// <summary>Partial close: long 1,000 at 4,000, sell 400 at 5,000: realized 400 × (1/4,000 − 1/5,000) = 0.02 BTC; the
    /// 600 left keep the 4,000 entry (cost 0.15 BTC).</summary>
    [Fact]
    public void Execute_PartialClose_RealizesProportionally()
    {
        var broker = NewBroker();
        Trade(broker, OrderSide.Buy, 1_000, 4_000);
        Trade(broker, OrderSide.Sell, 400, 5_000);
        var p = broker.GetPosition(_venue, _perp);
        Assert.Equal(600, p.Quantity);
        Assert.Equal(2_000_000, p.RealizedPnl);
        Assert.Equal(15_000_000, p.CostBasis);
        Assert.Equal(400_000, p.AverageEntryPrice);
    }

    [Fact]
    public void Execute_Inverse_AllocatesNothingAfterWarmup()
    {
        var broker = NewBroker(feePips: 500);
        var book = Book(60_000);
        var buy = new OrderIntent { IntentId = 1, Venue = _venue, Instrument = _perp, Side = OrderSide.Buy, OrderType = OrderType.Market, Quantity = 10, ClientOrderId = ClientOrderId.FromInt64(1) };
        var sell = buy with { Side = OrderSide.Sell };
        for (int i = 0; i < 1_000; i++) { broker.Execute(buy, book); broker.Execute(sell, book); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) { broker.Execute(buy, book); broker.Execute(sell, book); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
