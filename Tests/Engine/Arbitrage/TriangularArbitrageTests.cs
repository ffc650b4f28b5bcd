using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Engine.Arbitrage.CrossVenueArbitrageTests;

namespace FastEngine.Tests.Engine.Arbitrage;

/// <summary>
/// One venue with BTC-USDT (prices scale 2, sizes scale 4), ETH-BTC (5, 3) and ETH-USDT (2, 3). Amounts in results are
/// start currency × 10^8.
/// </summary>
public class TriangularArbitrageTests
{
    private static readonly VenueId V = new(991);
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly Instrument _btcUsdt, _ethBtc, _ethUsdt;

    public TriangularArbitrageTests()
    {
        _keeper = new BookKeeper(_registry);
        _btcUsdt = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 4);
        _ethBtc = _registry.GetOrAdd("ETH", "BTC", InstrumentKind.Spot, priceScale: 5, quantityScale: 3);
        _ethUsdt = _registry.GetOrAdd("ETH", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 3);
    }

    private void Books(long ethUsdtBestBid, long ethUsdtSecondBid = 301_000, long receiveNs = 0)
    {
        // BTC-USDT: asks 50,000.00 × 0.1, 50,100.00 × 1.0; bid 49,990.00 × 1.0
        Snapshot(_keeper, V, _btcUsdt.Id, receiveNs, [(Side.Ask, 5_000_000, 1_000), (Side.Ask, 5_010_000, 10_000), (Side.Bid, 4_999_000, 10_000)]);
        // ETH-BTC: ask 0.06000 × 2.0; bid 0.05990 × 5.0
        Snapshot(_keeper, V, _ethBtc.Id, receiveNs, [(Side.Ask, 6_000, 2_000), (Side.Bid, 5_990, 5_000)]);
        // ETH-USDT: bids <best> × 1.0, <second> × 5.0 (3,010.00 unless given); ask 3,040.00 × 5.0
        Snapshot(_keeper, V, _ethUsdt.Id, receiveNs, [(Side.Bid, ethUsdtBestBid, 1_000), (Side.Bid, ethUsdtSecondBid, 5_000), (Side.Ask, 304_000, 5_000)]);
    }

    private TriangularArbitrage Detector(FeeSchedule fees, TriangularConfig? config = null) =>
        new(_keeper, V, [_btcUsdt, _ethBtc, _ethUsdt], fees, config ?? new TriangularConfig(StartCurrencies: ["USDT"]));

    private static int CycleIndex(TriangularArbitrage detector, string firstInstrument)
    {
        for (int i = 0; i < detector.CycleCount; i++)
            if (detector.CycleAt(i).Leg1.Instrument.Canonical == firstInstrument) return i;
        throw new InvalidOperationException(firstInstrument);
    }

    [Fact]
    public void Constructor_ThreeInstruments_SixCyclesOrTwoPerStartCurrency()
    {
        var sol = _registry.GetOrAdd("SOL", "USDT", InstrumentKind.Spot, 2, 2);            // not part of any triangle
        var perp = _registry.GetOrAdd("BTC", "ETH", InstrumentKind.Perpetual, 2, 2);       // not spot: ignored
        var all = new TriangularArbitrage(_keeper, V, [_btcUsdt, _ethBtc, _ethUsdt, sol, perp], default);
        Assert.Equal(6, all.CycleCount);   // 3 start currencies × 2 directions
        var usdt = Detector(default);
        Assert.Equal(2, usdt.CycleCount);
        var forward = usdt.CycleAt(CycleIndex(usdt, "BTC-USDT"));
        Assert.Equal("USDT: buy BTC-USDT → BTC, buy ETH-BTC → ETH, sell ETH-USDT → USDT", forward.ToString());
        var backward = usdt.CycleAt(CycleIndex(usdt, "ETH-USDT"));
        Assert.Equal("USDT: buy ETH-USDT → ETH, sell ETH-BTC → BTC, sell BTC-USDT → USDT", backward.ToString());
    }

    /// <summary>
    /// USDT → BTC (ask 50,000) → ETH (ask 0.06) → USDT (bid 3,030), taker 10 bps on every leg.
    /// Top of book: 3,030 / (50,000 × 0.06) = 1.01 (+100 bps gross); × 0.999³ = 1.00697302899 → +69.7302899 bps → 6,973 centi-bps.
    /// Depth walk: the first BTC level takes 0.1 BTC × 50,000 = 5,000 USDT → 0.0999 BTC after fee → 0.0999 / 0.06 = 1.665 ETH
    /// → 1.663335 ETH after fee. 1 ETH sells at 3,030 → 3,026.97 after fee; the other 0.663335 ETH at 3,010 →
    /// 0.663335 × 3,010 × 0.999 = 1,994.64171165. Back: 5,021.61171165 USDT for 5,000: net +21.61171165.
    /// The next BTC level (50,100) would return 3,010 / (50,100 × 0.06) × 0.999³ = 0.99833 &lt; 1: the walk stops at 5,000.
    /// (Integer arithmetic at 10^-18 floors each leg, so the last digit at 10^-8 may be one lower.)
    /// </summary>
    [Fact]
    public void TryEvaluate_ProfitableCycle_DepthWalkHandChecked()
    {
        Books(ethUsdtBestBid: 303_000);
        var detector = Detector(FeeSchedule.FromBps(10, 10));
        int forward = CycleIndex(detector, "BTC-USDT");
        Assert.True(detector.TryEvaluate(forward, 0, out var opp));
        Assert.Equal(6_973, opp.TopEdgeCentiBps);
        Assert.Equal(10_000, opp.GrossTopEdgeCentiBps);
        Assert.InRange(opp.StartAmount, 5_000_00000000 - 1, 5_000_00000000);
        Assert.InRange(opp.EndAmount, 5_021_61171165 - 1, 5_021_61171165);
        Assert.InRange(opp.NetProfit, 21_61171165 - 1, 21_61171165);
        Assert.Equal((1, 1, 2), (opp.Levels1, opp.Levels2, opp.Levels3));
        // The other direction: 1/3,040 ETH per USDT × 0.0599 × 49,990 = 0.98500 before fees: nothing.
        Assert.False(detector.TryEvaluate(CycleIndex(detector, "ETH-USDT"), 0, out _));
    }

    /// <summary>Cap of 1,000 USDT: the walk stops there; 1,000 USDT goes through the top levels: 1,000 × 1.00697302899 = 1,006.97302899.</summary>
    [Fact]
    public void TryEvaluate_StartCap_LimitsAmount()
    {
        Books(ethUsdtBestBid: 303_000);
        var detector = Detector(FeeSchedule.FromBps(10, 10), new TriangularConfig(["USDT"], new Dictionary<string, long> { ["USDT"] = 1_000_00000000 }));
        Assert.True(detector.TryEvaluate(CycleIndex(detector, "BTC-USDT"), 0, out var opp));
        Assert.Equal(1_000_00000000, opp.StartAmount);
        Assert.InRange(opp.EndAmount, 1_006_97302899 - 1, 1_006_97302899);
    }

    /// <summary>
    /// ETH-USDT bids 3,006 × 1.0 then 3,001 × 5.0: 3,006 / 3,000 = 1.002 → +20 bps before fees (2,000 centi-bps); after three
    /// 10 bps taker fees 1.002 × 0.997002999 = 0.998997 → −10 bps: profitable before fees, not after.
    /// </summary>
    [Fact]
    public void TryEvaluate_ProfitableBeforeFeesOnly_RejectedAfterFees()
    {
        Books(ethUsdtBestBid: 300_600, ethUsdtSecondBid: 300_100);
        var free = Detector(default);
        Assert.True(free.TryEvaluate(CycleIndex(free, "BTC-USDT"), 0, out var gross));
        Assert.Equal(2_000, gross.TopEdgeCentiBps);
        Assert.Equal(2_000, gross.GrossTopEdgeCentiBps);
        // Without fees (integer floors at 10^-18 may cost the last 10^-8 digit):
        //  1) the 1.0 ETH bid at 3,006 binds: 3,000 USDT → 0.06 BTC → 1 ETH → 3,006 USDT (+6);
        //  2) the rest of the 0.1 BTC level: 2,000 USDT → 0.04 BTC → 0.666… ETH × 3,001 = 2,000.666… (+0.666…);
        //  3) the next BTC level (50,100) returns 3,001 / (50,100 × 0.06) = 0.99834 &lt; 1: stop.
        //  Start 5,000 USDT, net +6.666…
        Assert.InRange(gross.StartAmount, 5_000_00000000 - 1, 5_000_00000000);
        Assert.InRange(gross.NetProfit, 6_66666666 - 1, 6_66666666);
        var taxed = Detector(FeeSchedule.FromBps(10, 10));
        Assert.False(taxed.TryEvaluate(CycleIndex(taxed, "BTC-USDT"), 0, out _));
    }

    [Fact]
    public void TryEvaluate_StaleOrUnsyncedLeg_FailsClosed()
    {
        Books(ethUsdtBestBid: 303_000);
        var detector = Detector(FeeSchedule.FromBps(10, 10), new TriangularConfig(["USDT"], MaxQuoteAgeNs: 1_000));
        int forward = CycleIndex(detector, "BTC-USDT");
        Assert.True(detector.TryEvaluate(forward, 1_000, out _));
        Assert.False(detector.TryEvaluate(forward, 1_001, out _));
        var inv = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = V, Instrument = _ethBtc.Id };
        _keeper.OnEvent(ref inv);
        Assert.False(detector.TryEvaluate(forward, 0, out _));
    }

    [Fact]
    public void EvaluateAll_AfterWarmUp_AllocatesNothing()
    {
        Books(ethUsdtBestBid: 303_000);
        var detector = new TriangularArbitrage(_keeper, V, [_btcUsdt, _ethBtc, _ethUsdt], FeeSchedule.FromBps(10, 10));
        var results = new TriangularOpportunity[8];
        for (int i = 0; i < 1_000; i++) detector.EvaluateAll(0, results);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int i = 0; i < 50_000; i++) found += detector.EvaluateAll(0, results);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3 * 50_000, found);   // the same loop from each of the 3 start currencies
    }
}
