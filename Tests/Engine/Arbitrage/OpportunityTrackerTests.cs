using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Engine.Arbitrage.CrossVenueArbitrageTests;

namespace FastEngine.Tests.Engine.Arbitrage;

public class OpportunityTrackerTests
{
    private static readonly VenueId A = new(981), B = new(982);
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly Instrument _instrument;

    public OpportunityTrackerTests()
    {
        _keeper = new BookKeeper(_registry);
        _instrument = _registry.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 1);
    }

    private static ArbOpportunity Opportunity(long edgeCentiBps, long notional = 100_00000000, long profit = 1) => new()
    {
        BuyVenue = A, SellVenue = B, Instrument = new InstrumentId(0), EdgeCentiBps = edgeCentiBps, Notional = notional, NetProfit = profit,
    };

    /// <summary>
    /// Books (no fees): A asks 100.00, B bids 101.00 at t=0 (edge 100 bps); at t=100 B bids 101.50 (150 bps); at t=300 B bids
    /// 99.00 (gone). Life: first 0, last 100, closed 300: observed 100 ns, lifetime 300 ns, peak 15,000 centi-bps, 2 observations.
    /// </summary>
    [Fact]
    public void Scan_OpportunityAppearsGrowsAndDisappears_LifetimeRecorded()
    {
        var book = new ConsolidatedBook(_keeper, _instrument.Id, [(A, default(FeeSchedule)), (B, default(FeeSchedule))], 1_000);
        var tracker = new OpportunityTracker(new ArbitrageThresholds(MinEdgeBps: 10, MaxQuoteAgeNs: 1_000));
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Bid, 9900, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10100, 10), (Side.Ask, 10200, 10)]);
        Assert.Equal(1, tracker.Scan(book, _instrument, 0));
        Snapshot(_keeper, B, _instrument.Id, 100, [(Side.Bid, 10150, 10), (Side.Ask, 10200, 10)]);
        Assert.Equal(1, tracker.Scan(book, _instrument, 100));
        Assert.True(tracker.TryGetOpen(A, B, _instrument.Id, out var open));
        Assert.Equal(2, open.Observations);
        Snapshot(_keeper, B, _instrument.Id, 300, [(Side.Bid, 9900, 10), (Side.Ask, 10200, 10)]);
        Assert.Equal(0, tracker.Scan(book, _instrument, 300));
        Assert.Equal(1, tracker.Closed);
        Assert.Equal(0, tracker.OpenCount);
        var life = tracker.ClosedAt(0);
        Assert.Equal((A, B, 0L, 100L, 300L, 15_000L, 2), (life.BuyVenue, life.SellVenue, life.FirstSeenNs, life.LastSeenNs, life.ClosedAtNs, life.PeakEdgeCentiBps, life.Observations));
        Assert.Equal(100, life.ObservedNs);
        Assert.Equal(300, life.LifetimeNs);
    }

    /// <summary>Min edge 10 bps: 9.99 bps does not count and closes the open key; min notional 100 USD; max quote age 1,000 ns.</summary>
    [Fact]
    public void Observe_Thresholds_DecideWhatCounts()
    {
        var tracker = new OpportunityTracker(new ArbitrageThresholds(MinEdgeBps: 10, MinNotional: 100_00000000, MaxQuoteAgeNs: 1_000));
        Assert.True(tracker.Observe(Opportunity(1_000), 0, 0));
        Assert.False(tracker.Observe(Opportunity(999), 0, 10));
        Assert.Equal(1, tracker.RejectedBy(OpportunityRejectReason.BelowMinEdge));
        Assert.Equal(1, tracker.Closed);
        Assert.False(tracker.Observe(Opportunity(1_000, notional: 99_99999999), 0, 20));
        Assert.Equal(1, tracker.RejectedBy(OpportunityRejectReason.BelowMinNotional));
        Assert.False(tracker.Observe(Opportunity(1_000), 1_001, 30));
        Assert.Equal(1, tracker.RejectedBy(OpportunityRejectReason.StaleQuote));
        Assert.True(tracker.Observe(Opportunity(1_000), 1_000, 40));
    }

    /// <summary>Ten lifetimes 10, 20, …, 100 ns: nearest-rank median = 5th value = 50, p90 = 9th = 90, max 100, mean 55.</summary>
    [Fact]
    public void Summarize_TenLifetimes_NearestRankPercentiles()
    {
        var tracker = new OpportunityTracker(new ArbitrageThresholds());
        long t = 0;
        for (int i = 10; i >= 1; i--)   // out of order on purpose: the summary sorts
        {
            tracker.Observe(Opportunity(100), 0, t);
            tracker.Absent(A, B, new InstrumentId(0), t + i * 10);
            t += 1_000;
        }
        Assert.Equal(new LifetimeSummary(10, 50, 90, 100, 55), tracker.Summarize());
    }

    [Fact]
    public void Closed_RingFull_KeepsNewest()
    {
        var tracker = new OpportunityTracker(new ArbitrageThresholds(), closedCapacity: 4);
        for (int i = 0; i < 6; i++)
        {
            tracker.Observe(Opportunity(100), 0, i * 100);
            tracker.Absent(A, B, new InstrumentId(0), i * 100 + i + 1);
        }
        Assert.Equal(6, tracker.Closed);
        Assert.Equal(4, tracker.ClosedHeld);
        Assert.Equal(200, tracker.ClosedAt(0).FirstSeenNs);   // closes #0 and #1 were overwritten
        Assert.Equal(6, tracker.ClosedAt(3).LifetimeNs);
    }

    [Fact]
    public void Observe_AllSlotsOpen_NewKeyCountedAsOverflow()
    {
        var tracker = new OpportunityTracker(new ArbitrageThresholds(), maxOpen: 1);
        Assert.True(tracker.Observe(Opportunity(100), 0, 0));
        var other = Opportunity(100);
        other.SellVenue = new VenueId(983);
        Assert.False(tracker.Observe(other, 0, 0));
        Assert.Equal(1, tracker.SlotOverflows);
    }

    [Fact]
    public void Scan_AfterWarmUp_AllocatesNothing()
    {
        var book = new ConsolidatedBook(_keeper, _instrument.Id, [(A, FeeSchedule.FromBps(0, 5)), (B, FeeSchedule.FromBps(0, 5))], long.MaxValue);
        var tracker = new OpportunityTracker(new ArbitrageThresholds(MaxQuoteAgeNs: long.MaxValue));
        Snapshot(_keeper, A, _instrument.Id, 0, [(Side.Ask, 10000, 10), (Side.Ask, 10010, 10), (Side.Bid, 9900, 10)]);
        Snapshot(_keeper, B, _instrument.Id, 0, [(Side.Bid, 10100, 10), (Side.Bid, 10050, 10), (Side.Ask, 10200, 10)]);
        for (int i = 0; i < 1_000; i++) tracker.Scan(book, _instrument, i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50_000; i++)
        {
            tracker.Scan(book, _instrument, 1_000 + i);
            if ((i & 15) == 0) tracker.CloseAll(1_000 + i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(tracker.Closed > 0);
    }
}
