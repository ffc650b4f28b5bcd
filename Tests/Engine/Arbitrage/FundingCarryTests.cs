using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Model;
using static FastEngine.Tests.Engine.Arbitrage.CrossVenueArbitrageTests;

namespace FastEngine.Tests.Engine.Arbitrage;

public class FundingCarryTests
{
    private static readonly VenueId Perp = new(1001), Spot = new(1002);
    private const long Second = 1_000_000_000;
    private const long T0 = 1_700_000_000L * Second;
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly Instrument _perp, _spot;

    public FundingCarryTests()
    {
        _keeper = new BookKeeper(_registry);
        _perp = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Perpetual, priceScale: 1, quantityScale: 3);
        _spot = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 5);
    }

    /// <summary>0.0001 per 8 h × 3 a day × 365 days = 0.1095 = 10.95 % a year = 109,500 ppm.</summary>
    [Fact]
    public void AnnualizeFundingPpm_OneBasisPointPer8h_Is10Point95Percent()
    {
        long rate = 100_000_000;   // 0.0001 × 10^12
        Assert.Equal(109_500, FundingCarry.AnnualizeFundingPpm(rate, 8 * 3600 * Second));
        // Hourly funding (dYdX, Hyperliquid style): 0.0001 × 24 × 365 = 0.876 → 876,000 ppm.
        Assert.Equal(876_000, FundingCarry.AnnualizeFundingPpm(rate, 3600 * Second));
        Assert.Equal(-109_500, FundingCarry.AnnualizeFundingPpm(-rate, 8 * 3600 * Second));
    }

    private void Funding(FundingCarry carry, long rateE12, long atNs, long nextFundingNs)
    {
        var e = new MarketEvent { Kind = MarketEventKind.Funding, Venue = Perp, Instrument = _perp.Id, FundingRate = rateE12, NextFundingTimeMs = nextFundingNs / 1_000_000, ReceiveTimeNs = atNs };
        carry.OnEvent(ref e);
    }

    private void Books(long receiveNs)
    {
        // Perp: 50,100.0 / 50,110.0 → mid 50,105.0. Spot: 49,990.00 / 50,010.00 → mid 50,000.00.
        Snapshot(_keeper, Perp, _perp.Id, receiveNs, [(Side.Bid, 501_000, 1_000), (Side.Ask, 501_100, 1_000)]);
        Snapshot(_keeper, Spot, _spot.Id, receiveNs, [(Side.Bid, 4_999_000, 100_000), (Side.Ask, 5_001_000, 100_000)]);
    }

    /// <summary>
    /// Funding 0.0001 per 8 h (109,500 ppm a year) + basis (50,105 − 50,000) / 50,000 = 0.0021 = 2,100 ppm → carry 111,600 ppm,
    /// short perp / long spot. Counts only once 3 positive rates were seen and the next funding is ≥ 5 min away.
    /// </summary>
    [Fact]
    public void TryEvaluate_StablePositiveFunding_CarryHandChecked()
    {
        var carry = new FundingCarry(_keeper, Perp, _perp, Spot, _spot, new FundingCarryConfig(SignPersistenceCount: 3));
        Books(T0);
        long nextFunding = T0 + 3600 * Second;
        Funding(carry, 100_000_000, T0, nextFunding);
        Funding(carry, 120_000_000, T0, nextFunding);
        Assert.False(carry.TryEvaluate(T0, out var early));
        Assert.Equal(1, carry.RejectedBy(CarryRejectReason.TooFewObservations));
        Assert.Equal(2_100, early.BasisPpm);              // filled for reports even when it does not count
        Funding(carry, 100_000_000, T0, nextFunding);
        Assert.True(carry.TryEvaluate(T0, out var signal));
        Assert.Equal(109_500, signal.AnnualizedFundingPpm);
        Assert.Equal(2_100, signal.BasisPpm);
        Assert.Equal(111_600, signal.CarryPpm);
        Assert.Equal(1, signal.Direction);
        Assert.Equal(BasisSource.Books, signal.Source);
        Assert.Equal(3600 * Second, signal.TimeToFundingNs);
    }

    [Fact]
    public void TryEvaluate_SignFlipWithinLastK_NotCounted()
    {
        var carry = new FundingCarry(_keeper, Perp, _perp, Spot, _spot, new FundingCarryConfig(SignPersistenceCount: 3));
        Books(T0);
        long next = T0 + 3600 * Second;
        Funding(carry, 100_000_000, T0, next);
        Funding(carry, -10_000_000, T0, next);
        Funding(carry, 100_000_000, T0, next);
        Assert.False(carry.TryEvaluate(T0, out _));
        Assert.Equal(1, carry.RejectedBy(CarryRejectReason.SignNotPersistent));
        // Three more positive observations push the negative one out of the window.
        for (int i = 0; i < 2; i++) Funding(carry, 100_000_000, T0, next);
        Assert.True(carry.TryEvaluate(T0, out _));
        Funding(carry, 0, T0, next);   // a zero rate has no sign: not persistent
        Assert.False(carry.TryEvaluate(T0, out _));
    }

    /// <summary>Minimum 5 min to the next funding: 300 s away counts, 299.999999999 s does not.</summary>
    [Fact]
    public void TryEvaluate_FundingTooClose_NotCounted()
    {
        var carry = new FundingCarry(_keeper, Perp, _perp, Spot, _spot, new FundingCarryConfig(SignPersistenceCount: 1));
        Books(T0);
        Funding(carry, 100_000_000, T0, T0 + 300 * Second);
        Assert.True(carry.TryEvaluate(T0, out _));
        Assert.False(carry.TryEvaluate(T0 + 1, out _));
        Assert.Equal(1, carry.RejectedBy(CarryRejectReason.FundingTooClose));
    }

    /// <summary>No books: basis from mark 50,050.0 against index 50,000.0 = 1,000 ppm; stale mark → no prices.</summary>
    [Fact]
    public void TryEvaluate_NoBooks_FallsBackToMarkAndIndex()
    {
        var carry = new FundingCarry(_keeper, Perp, _perp, Spot, _spot, new FundingCarryConfig(SignPersistenceCount: 1));
        Funding(carry, -100_000_000, T0, T0 + 3600 * Second);
        var mark = new MarketEvent { Kind = MarketEventKind.MarkPrice, Venue = Perp, Instrument = _perp.Id, Price = 500_500, ReceiveTimeNs = T0 };
        var index = new MarketEvent { Kind = MarketEventKind.IndexPrice, Venue = Perp, Instrument = _perp.Id, Price = 500_000, ReceiveTimeNs = T0 };
        carry.OnEvent(ref mark);
        carry.OnEvent(ref index);
        Assert.True(carry.TryEvaluate(T0, out var signal));
        Assert.Equal(BasisSource.MarkIndex, signal.Source);
        Assert.Equal(1_000, signal.BasisPpm);
        Assert.Equal(-109_500 + 1_000, signal.CarryPpm);   // negative funding dominates: long perp / short spot
        Assert.Equal(-1, signal.Direction);
        Assert.False(carry.TryEvaluate(T0 + 6 * Second, out _));
        Assert.Equal(1, carry.RejectedBy(CarryRejectReason.NoPrices));
    }

    [Fact]
    public void TryEvaluate_AfterWarmUp_AllocatesNothing()
    {
        var carry = new FundingCarry(_keeper, Perp, _perp, Spot, _spot);
        Books(T0);
        for (int i = 0; i < 3; i++) Funding(carry, 100_000_000, T0, T0 + 3600 * Second);
        for (int i = 0; i < 1_000; i++) carry.TryEvaluate(T0, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            Funding(carry, 100_000_000 + i, T0, T0 + 3600 * Second);
            carry.TryEvaluate(T0, out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
