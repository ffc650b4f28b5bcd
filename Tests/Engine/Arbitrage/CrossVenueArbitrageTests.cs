using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;

namespace FastEngine.Tests.Engine.Arbitrage;

public class CrossVenueArbitrageTests
{
    private static readonly VenueId A = new(961), B = new(962);
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly Instrument _instrument;

    public CrossVenueArbitrageTests()
    {
        _keeper = new BookKeeper(_registry);
        // Prices in cents (scale 2), sizes in tenths (scale 1).
        _instrument = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 1);
    }

    internal static void Snapshot(BookKeeper keeper, VenueId venue, InstrumentId id, long receiveNs, (Side Side, long Price, long Size)[] levels)
    {
        var h = new MarketEvent { Kind = MarketEventKind.BookHeader, Venue = venue, Instrument = id, Flags = MarketEventFlags.Snapshot, ReceiveTimeNs = receiveNs };
        if (levels.Length == 0) h.Flags |= MarketEventFlags.EndOfMessage;
        keeper.OnEvent(ref h);
        for (int i = 0; i < levels.Length; i++)
        {
            var e = new MarketEvent { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = id, Side = levels[i].Side, Price = levels[i].Price, Size = levels[i].Size };
            if (i == levels.Length - 1) e.Flags = MarketEventFlags.EndOfMessage;
            keeper.OnEvent(ref e);
        }
    }

    private ConsolidatedBook Consolidated(FeeSchedule fa, FeeSchedule fb) => new(_keeper, _instrument.Id, [(A, fa), (B, fb)], maxQuoteAgeNs: 1_000);

    /// <summary>
    /// A asks 100.00×1, 100.50×2, 101.00×5; B bids 101.20×1.5, 100.90×1, 100.40×3; taker 10 bps on both.
    /// Marginal test b·0.999 &gt; a·1.001: 101.0988 &gt; 100.1 (q 1.0, +0.9988), 101.0988 &gt; 100.6005 (q 0.5, +0.24915),
    /// 100.7991 &gt; 100.6005 (q 1.0, +0.1986), 100.2996 &lt; 100.6005 stop. Optimal size 2.5, net +1.44655 USD.
    /// </summary>
    [Fact]
    public void TryEvaluate_DepthWalk_OptimalSizeAndNetProfit()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Ask, 10050, 20), (Side.Ask, 10100, 50), (Side.Bid, 9990, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10120, 15), (Side.Bid, 10090, 10), (Side.Bid, 10040, 30), (Side.Ask, 10200, 10)]);
        var fee = FeeSchedule.FromBps(2, 10);
        var book = Consolidated(fee, fee);
        Assert.True(CrossVenueArbitrage.TryEvaluate(book, _instrument, 0, 1, 10, 0, out var opp));
        Assert.Equal(25, opp.Quantity);
        Assert.Equal(144_655_000, opp.NetProfit);           // 1.44655 × 10^8
        Assert.Equal(10000, opp.BuyPrice);
        Assert.Equal(10120, opp.SellPrice);
        Assert.Equal(10050, opp.WorstBuyPrice);
        Assert.Equal(10090, opp.WorstSellPrice);
        // Notional bought: 1.0×100.00 + 1.5×100.50 = 250.75
        Assert.Equal(25_075_000_000, opp.Notional);
        // Top edge: (101.0988 − 100.1) / 100.1 = 99.78 bps → 9978 centi-bps (floor).
        Assert.Equal(9978, opp.EdgeCentiBps);
        // The reverse direction has no edge.
        Assert.False(CrossVenueArbitrage.TryEvaluate(book, _instrument, 1, 0, 10, 0, out _));
    }

    /// <summary>A asks 100.00, B bids 100.15: +15 bps before fees, 100.15×0.999 = 100.04985 &lt; 100.00×1.001 = 100.1 after 10 bps each.</summary>
    [Fact]
    public void TryEvaluate_EdgeVanishesAfterFees()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10015, 10)]);
        Assert.True(CrossVenueArbitrage.TryEvaluate(Consolidated(default, default), _instrument, 0, 1, 0, 0, out var gross));
        Assert.Equal(1500, gross.EdgeCentiBps);
        Assert.Equal(15_000_000, gross.NetProfit);           // 1.0 × 0.15
        var fee = FeeSchedule.FromBps(0, 10);
        Assert.False(CrossVenueArbitrage.TryEvaluate(Consolidated(fee, fee), _instrument, 0, 1, 0, 0, out _));
        Assert.True(CrossVenueArbitrage.EdgeCentiBps(10000, 10015, fee, fee, false) < 0);
    }

    [Fact]
    public void TryEvaluate_StaleOrUnsyncedVenue_Excluded()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10100, 10)]);
        var book = Consolidated(default, default);
        Assert.True(CrossVenueArbitrage.TryEvaluate(book, _instrument, 0, 1, 1_000, 0, out _));
        Assert.False(CrossVenueArbitrage.TryEvaluate(book, _instrument, 0, 1, 1_001, 0, out _));   // older than 1 µs
        Assert.Equal(VenueExclusion.Stale, book.Check(0, 1_001, out _));
        var inv = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = B, Instrument = _instrument.Id };
        _keeper.OnEvent(ref inv);
        Assert.Equal(VenueExclusion.Unsynced, book.Check(1, 0, out _));
        Assert.False(CrossVenueArbitrage.TryEvaluate(book, _instrument, 0, 1, 0, 0, out _));
        Assert.False(book.TryGetBest(Side.Bid, 0, false, out _));
    }

    [Fact]
    public void ConsolidatedBook_BestRawVersusFeeAdjusted_AndDepth()
    {
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Bid, 10000, 10), (Side.Bid, 9995, 20)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10002, 10), (Side.Bid, 9900, 20)]);
        // B's bid is higher raw, but its 5 bps taker fee makes A's better net: 100.02×0.9995 = 99.97 < 100.00×1.
        var book = Consolidated(default, FeeSchedule.FromBps(0, 5));
        Assert.True(book.TryGetBest(Side.Bid, 0, feeAdjusted: false, out var raw));
        Assert.Equal(B, raw.Venue);
        Assert.True(book.TryGetBest(Side.Bid, 0, feeAdjusted: true, out var net));
        Assert.Equal(A, net.Venue);
        Assert.Equal(10000, net.FeeAdjustedPrice);
        // Within 10 bps of 100.02 (≥ 99.92): A 1.0 + 2.0, B 1.0 → 4.0.
        Assert.Equal(40, book.DepthWithinBps(Side.Bid, 10, 0));
    }

    /// <summary>
    /// Inverse contracts (BitMEX/Deribit style, 1 USD face, P&amp;L in BTC): buy 1,000 contracts at 4,000.0 and sell at
    /// 4,010.0 with no fees: 1000/4000 − 1000/4010 = 0.000623441... BTC → 62,344 sat (floor per leg: 25,000,000 − 24,937,655).
    /// </summary>
    [Fact]
    public void TryEvaluate_InverseContracts_ProfitInCoin()
    {
        var inv = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Perpetual, priceScale: 1, quantityScale: 0, isInverse: true, contractValue: 1);
        Snapshot(_keeper, A, inv.Id, 0, [(Side.Ask, 40000, 1000)]);
        Snapshot(_keeper, B, inv.Id, 0, [(Side.Bid, 40100, 1000)]);
        var book = new ConsolidatedBook(_keeper, inv.Id, [(A, default), (B, default)], 1_000);
        Assert.True(CrossVenueArbitrage.TryEvaluate(book, inv, 0, 1, 0, 0, out var opp));
        Assert.Equal(1000, opp.Quantity);
        Assert.Equal(25_000_000 - 24_937_655, opp.NetProfit);
        Assert.Equal(100_000_000_000, opp.Notional);          // 1,000 USD face × 10^8
    }
}
