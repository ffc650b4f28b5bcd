using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>
/// Funding payments of paper positions on perpetuals. The formulas are the venues' own:
/// linear: funding = position quantity × mark price × rate in the quote currency (Binance "Funding Amount = Nominal Value of
/// Positions × Funding Rate", nominal value = mark price × size: Introduction to Binance Futures Funding Rates, quoted at
/// https://docs.traderwagon.com/faq/futures-trading-introduction/funding-fee; Bitget forward contract position value = face ×
/// contracts × mark, https://web3.bitget.com/en/academy/funding-cost-calculation); inverse: face value / mark × rate in the
/// coin (BitMEX "Funding Amount = Mark Value * Funding Rate" with its worked example, long 15,000 XBTUSD at 750 with a 0.25 %
/// rate pays 20 XBT × 0.25 % = 0.05 XBT, https://www.bitmex.com/app/perpetualContractsGuideExamples). A positive rate: longs
/// pay shorts. Amounts at 10^-8, rounded toward paying more. Every expected number is worked out by hand in the comments.
/// </summary>
public class PaperBrokerFundingTests
{
    private readonly InstrumentRegistry _registry = new();
    private readonly Instrument _linear, _inverse;
    private readonly VenueId _venue;
    private const long T = 1_723_104_000_000;    // funding time, Unix ms
    private const long TNs = T * 1_000_000;

    public PaperBrokerFundingTests()
    {
        VenueCatalog.EnsureRegistered();
        _venue = VenueCatalog.Binance;
        _linear = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 8);
        _inverse = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 0, isInverse: true, contractValue: 1);
    }

    private long _id;

    private PaperBroker Position(Instrument instrument, OrderSide side, long quantity, long price)
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 8 });
        var book = new OrderBook(_venue, instrument.Id) { IsSynced = true };
        book.Set(Side.Ask, price, 1_000_000_000_000_000);
        book.Set(Side.Bid, price, 1_000_000_000_000_000);
        var report = broker.Execute(new OrderIntent
        {
            IntentId = ++_id, Venue = _venue, Instrument = instrument.Id, Side = side, OrderType = OrderType.Market,
            Quantity = quantity, ClientOrderId = ClientOrderId.FromInt64(_id),
        }, book);
        Assert.Equal(ExecutionStatus.Filled, report.Status);
        return broker;
    }

    private void Mark(PaperBroker broker, Instrument instrument, long price, long timeNs)
    {
        var e = new MarketEvent { Kind = MarketEventKind.MarkPrice, Venue = _venue, Instrument = instrument.Id, Price = price, ReceiveTimeNs = timeNs };
        broker.OnFundingInput(in e);
    }

    private void Funding(PaperBroker broker, Instrument instrument, long rate, long nextMs, long timeNs)
    {
        var e = new MarketEvent { Kind = MarketEventKind.Funding, Venue = _venue, Instrument = instrument.Id, FundingRate = rate, NextFundingTimeMs = nextMs, ReceiveTimeNs = timeNs };
        broker.OnFundingInput(in e);
    }

    /// <summary>Long 0.5 BTC, mark 60,000, rate 0.0001: 0.5 × 60,000 × 0.0001 = 3 USDT paid, at the funding time and not before.</summary>
    [Fact]
    public void SettleFunding_LinearLongPositiveRate_PaysQuantityTimesMarkTimesRate()
    {
        var broker = Position(_linear, OrderSide.Buy, 50_000_000, 5_900_000);
        Mark(broker, _linear, 6_000_000, TNs - 10_000_000_000);
        Funding(broker, _linear, 100_000_000, T, TNs - 10_000_000_000);
        Assert.Equal(TNs, broker.NextFundingDueNs);

        Assert.Equal(0, broker.SettleFunding(TNs - 1));
        Assert.Equal(1, broker.SettleFunding(TNs));
        var payment = Assert.Single(broker.LastFundingPayments.ToArray());
        Assert.Equal(-300_000_000, payment.Amount);
        Assert.Equal(T, payment.FundingTimeMs);
        Assert.Equal(6_000_000, payment.MarkPrice);
        Assert.Equal(50_000_000, payment.Quantity);
        Assert.Equal(new FundingSnapshot(_venue, _linear.Id, 1, 1, -300_000_000), broker.GetFunding(_venue, _linear.Id));
        Assert.Equal(1, broker.FundingPaymentsOf(_venue));
        // Settled once: the same funding time never pays again, and nothing else is due.
        Assert.Equal(long.MaxValue, broker.NextFundingDueNs);
        Assert.Equal(0, broker.SettleFunding(TNs + 1_000_000_000));
        Assert.Equal(-300_000_000, broker.GetFunding(_venue, _linear.Id).Amount);
        // Trading P&L is untouched: funding is kept apart.
        Assert.Equal(0, broker.GetPosition(_venue, _linear.Id).RealizedPnl);
    }

    /// <summary>Short 0.5 BTC: +3 USDT received at rate 0.0001; at rate −0.000125 the short pays 0.5 × 60,000 × 0.000125 = 3.75.</summary>
    [Theory]
    [InlineData(100_000_000, 300_000_000)]
    [InlineData(-125_000_000, -375_000_000)]
    public void SettleFunding_LinearShort_ReceivesPositiveRatePaysNegative(long rate, long expected)
    {
        var broker = Position(_linear, OrderSide.Sell, 50_000_000, 5_900_000);
        Mark(broker, _linear, 6_000_000, TNs - 1);
        Funding(broker, _linear, rate, T, TNs - 1);
        Assert.Equal(1, broker.SettleFunding(TNs + 5));
        Assert.Equal(expected, broker.LastFundingPayments[0].Amount);
    }

    /// <summary>BitMEX's documented example: long 15,000 XBTUSD (1 USD each) at mark 750, rate 0.25 %: 15,000 / 750 = 20 XBT
    /// × 0.0025 = 0.05 XBT paid, in the coin.</summary>
    [Fact]
    public void SettleFunding_InverseLong_PaysFaceOverMarkTimesRateInCoin()
    {
        var broker = Position(_inverse, OrderSide.Buy, 15_000, 75_000);
        Mark(broker, _inverse, 75_000, TNs - 1);
        Funding(broker, _inverse, 2_500_000_000, T, TNs - 1);
        Assert.Equal(1, broker.SettleFunding(TNs));
        Assert.Equal(-5_000_000, broker.LastFundingPayments[0].Amount);
        Assert.Equal(-5_000_000, broker.GetFunding(_venue, _inverse.Id).Amount);
    }

    /// <summary>1e-8 BTC at mark 60,000.01, rate 0.0001: 6.000001e-8 USDT. The long pays 7e-8 and the short receives 6e-8
    /// (rounded toward paying more, as fees are: the paper account never looks better than the venue's).</summary>
    [Theory]
    [InlineData(OrderSide.Buy, -7)]
    [InlineData(OrderSide.Sell, 6)]
    public void SettleFunding_AmountBelowOneUnit_RoundedAgainstTheAccount(OrderSide side, long expected)
    {
        var broker = Position(_linear, side, 1, 6_000_001);
        Mark(broker, _linear, 6_000_001, TNs - 1);
        Funding(broker, _linear, 100_000_000, T, TNs - 1);
        broker.SettleFunding(TNs);
        Assert.Equal(expected, broker.LastFundingPayments[0].Amount);
    }

    /// <summary>No mark price from the venue: the position is valued at its average entry (59,000): 0.5 × 59,000 × 0.0001 =
    /// 2.95 USDT, counted. A flat position pays nothing but the funding time still counts as passed.</summary>
    [Fact]
    public void SettleFunding_NoMark_ValuedAtEntryAndCounted_FlatPaysNothing()
    {
        var broker = Position(_linear, OrderSide.Buy, 50_000_000, 5_900_000);
        Funding(broker, _linear, 100_000_000, T, TNs - 1);
        broker.SettleFunding(TNs);
        Assert.Equal(-295_000_000, broker.LastFundingPayments[0].Amount);
        Assert.Equal(1, broker.FundingWithoutMarkCount);

        var flat = new PaperBroker(_registry, new PaperBrokerOptions { AmountScale = 8 });
        Funding(flat, _linear, 100_000_000, T, TNs - 1);
        Assert.Equal(0, flat.SettleFunding(TNs));
        Assert.Equal(new FundingSnapshot(_venue, _linear.Id, 1, 0, 0), flat.GetFunding(_venue, _linear.Id));
    }

    /// <summary>Spot instruments have no funding; a rate announced after the funding time (the next period's) is not the one
    /// settled when the caller settles first, as the decision engine does.</summary>
    [Fact]
    public void OnFundingInput_NextPeriodRateAfterSettle_DoesNotChangeThePayment()
    {
        var broker = Position(_linear, OrderSide.Buy, 50_000_000, 5_900_000);
        Mark(broker, _linear, 6_000_000, TNs - 1);
        Funding(broker, _linear, 100_000_000, T, TNs - 1);
        long now = TNs + 1_000_000;
        if (now >= broker.NextFundingDueNs) broker.SettleFunding(now);
        Funding(broker, _linear, 900_000_000, T + 8 * 3_600_000, now);
        Assert.Equal(-300_000_000, broker.GetFunding(_venue, _linear.Id).Amount);
        Assert.Equal((T + 8 * 3_600_000) * 1_000_000, broker.NextFundingDueNs);

        var spot = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        Funding(broker, spot, 100_000_000, T, now);
        Assert.Equal(new FundingSnapshot(_venue, spot.Id, 0, 0, 0), broker.GetFunding(_venue, spot.Id));
    }

    /// <summary>Following funding and mark events and settling allocate nothing once the perpetual has its slot.</summary>
    [Fact]
    public void OnFundingInputAndSettle_AfterWarmUp_AllocateNothing()
    {
        var broker = Position(_linear, OrderSide.Buy, 50_000_000, 5_900_000);
        long next = T;
        for (int i = 0; i < 10; i++, next += 1_000) { Mark(broker, _linear, 6_000_000, next * 1_000_000 - 1); Funding(broker, _linear, 100_000_000, next, next * 1_000_000 - 1); broker.SettleFunding(next * 1_000_000); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++, next += 1_000)
        {
            Mark(broker, _linear, 6_000_000, next * 1_000_000 - 1);
            Funding(broker, _linear, 100_000_000, next, next * 1_000_000 - 1);
            if (next * 1_000_000 >= broker.NextFundingDueNs) broker.SettleFunding(next * 1_000_000);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_010, broker.GetFunding(_venue, _linear.Id).Payments);
    }
}
