using FastEngine.Arbitrage;
using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Support.EngineEvents;

namespace FastEngine.Tests.Engine.Hosting;

/// <summary>
/// A funding/basis carry's whole life in the fused decision stage: opened (two IOC legs), funding paid or received by the paper
/// broker at the funding time, unwound by two reducing IOC legs when it no longer holds, held back on a bad book.
/// Market (as <see cref="DecisionEngineStrategyTests"/>): linear BTC-USDT-PERP on Binance USD-M bid 50,100 / ask 50,110, spot
/// BTC-USDT on Binance spot bid 50,000 / ask 50,010, 1 BTC each, 10 bps taker, quotes valid 60 s. Funding 0.0003 per 8 h
/// annualizes to 0.0003 × 1,095 = 328,500 ppm, the basis (50,105 − 50,005) / 50,005 = 1,999 ppm: carry 330,499 ppm, above
/// the 1,000 bps entry, so the engine shorts the perp and buys spot: perp −0.01997006 BTC (sold at 50,100), spot
/// +0.01998600 BTC (bought at 50,010). Exit threshold: a quarter of the entry, 250 bps (25,000 ppm).
/// </summary>
public class DecisionEngineCarryLifeTests
{
    // Registered venues (their names are interned strings: the reference id of an intent is built without allocating).
    private static readonly VenueId Perp = FastEngine.Adapters.Venues.VenueCatalog.BinanceFutures, Spot = FastEngine.Adapters.Venues.VenueCatalog.Binance;
    private const long T0 = 1_723_100_000_000_000_000;
    /// <summary>The next funding, 4 h after t0 (Unix ms) and in ns.</summary>
    private const long FundingMs = T0 / 1_000_000 + 4 * 3_600_000, FundingNs = FundingMs * 1_000_000;
    private const long EightHoursMs = 8 * 3_600_000;
    private const long Second = 1_000_000_000, Half = Second / 2;
    private const long Rate = 300_000_000;   // 0.0003 at scale 12

    internal sealed record Market(DecisionEngine Engine, Instrument Perp, Instrument Spot, string Journal);

    internal static Market Create(CarryOptions? carry = null, string? journal = null)
    {
        var registry = new InstrumentRegistry();
        var perp = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 8);
        var spot = registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8);
        journal ??= Path.Combine(Directory.CreateTempSubdirectory("fe-carry-life-").FullName, "intents.fej");
        var fees = FeeSchedule.FromBps(0, 10);
        var engine = new DecisionEngine(registry, new DecisionOptions
        {
            Thresholds = new ArbitrageThresholds(MinEdgeBps: 1, MinNotional: 0, MaxQuoteAgeNs: 60 * Second),
            Fees = new Dictionary<VenueId, FeeSchedule> { [Perp] = fees, [Spot] = fees },
            JournalPath = journal.Length == 0 ? null : journal,
            Carry = carry ?? new CarryOptions(),
        });
        var m = new Market(engine, perp, spot, journal);
        Books(m, T0);
        return m;
    }

    // Built once: the allocation test feeds them many times.
    private static readonly (Side, long, long)[] PerpLevels = [(Side.Bid, 5_010_000, 100_000_000), (Side.Ask, 5_011_000, 100_000_000)];
    private static readonly (Side, long, long)[] SpotLevels = [(Side.Bid, 5_000_000, 100_000_000), (Side.Ask, 5_001_000, 100_000_000)];

    private static void Books(Market m, long timeNs)
    {
        Snapshot(m.Engine, Perp, m.Perp.Id, timeNs, PerpLevels);
        Snapshot(m.Engine, Spot, m.Spot.Id, timeNs + 1, SpotLevels);
    }

    private static void Funding(Market m, long timeNs, long rate, long nextMs)
    {
        var e = new MarketEvent { Kind = MarketEventKind.Funding, Venue = Perp, Instrument = m.Perp.Id, FundingRate = rate, NextFundingTimeMs = nextMs, ReceiveTimeNs = timeNs };
        m.Engine.OnEvent(ref e, 0);
    }

    private static void Mark(Market m, long timeNs, long price)
    {
        var e = new MarketEvent { Kind = MarketEventKind.MarkPrice, Venue = Perp, Instrument = m.Perp.Id, Price = price, ReceiveTimeNs = timeNs };
        m.Engine.OnEvent(ref e, 0);
    }

    /// <summary>Three same-sign fundings (sign persistence 3) open the carry; then the mark 50,105.</summary>
    private static void Open(Market m)
    {
        for (int i = 0; i < 3; i++) Funding(m, T0 + 2 + i, Rate, FundingMs);
        Mark(m, T0 + 5, 5_010_500);
        Assert.Equal(1, m.Engine.CarryLife.Opened);
        Assert.Equal(2, m.Engine.Stats.Intents);
        Assert.Equal(-1_997_006, Position(m, Perp, m.Perp));
        Assert.Equal(1_998_600, Position(m, Spot, m.Spot));
    }

    private static long Position(Market m, VenueId venue, Instrument i) => m.Engine.Broker.GetPosition(venue, i.Id).Quantity;

    /// <summary>
    /// The short perp receives funding at the funding time: 0.01997006 × 50,105 (mark) × 0.0003 = 0.30017995689 USDT →
    /// 0.30017995 (rounded down). The next rate 0.00001 annualizes to 10,950 ppm: carry 12,949 ppm = 129 bps, below the
    /// 250 bps exit: unwound by buying back 0.01997006 perp at 50,110 and selling 0.01998600 spot at 50,000, which realizes
    /// −0.01997006 × 10 = −0.1997006 and −0.019986 × 10 = −0.19986 USDT of trading P&amp;L (funding kept apart).
    /// </summary>
    [Fact]
    public void OnEvent_FundingThenCarryBelowExit_FundingReceivedAndUnwound()
    {
        var m = Create();
        using (m.Engine)
        {
            Open(m);
            Books(m, FundingNs - Second);
            Assert.Equal(0, m.Engine.Broker.FundingPaymentCount);   // not before the funding time
            Books(m, FundingNs + Second);                               // the first event after it settles the funding
            Assert.Equal(new FundingSnapshot(Perp, m.Perp.Id, 1, 1, 30_017_995), m.Engine.Broker.GetFunding(Perp, m.Perp.Id));
            Assert.Equal(1, m.Engine.Broker.FundingPaymentsOf(Perp));
            Assert.Equal(1, m.Engine.CarriesHeld);

            Funding(m, FundingNs + Second + Half, 10_000_000, FundingMs + EightHoursMs);

            Assert.Equal(1, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.BelowExitCarry]);
            Assert.Equal(1, m.Engine.CarryLife.UnwoundTotal);
            Assert.Equal(0, m.Engine.CarriesHeld);
            Assert.Equal(4, m.Engine.Stats.Intents);
            Assert.Equal(0, Position(m, Perp, m.Perp));
            Assert.Equal(0, Position(m, Spot, m.Spot));
            Assert.Equal(-19_970_060, m.Engine.Broker.GetPosition(Perp, m.Perp.Id).RealizedPnl);
            Assert.Equal(-19_986_000, m.Engine.Broker.GetPosition(Spot, m.Spot.Id).RealizedPnl);
            Assert.Equal(30_017_995, m.Engine.Broker.GetFunding(Perp, m.Perp.Id).Amount);   // unchanged by the unwind
        }
    }

    /// <summary>The funding turns negative (−0.0001) before any funding time: unwound for the sign flip, no funding paid.</summary>
    [Fact]
    public void OnEvent_FundingSignFlips_UnwoundForTheFlip()
    {
        var m = Create();
        using (m.Engine)
        {
            Open(m);
            Books(m, T0 + 10 * Second);   // fresh quotes: risk refuses a leg on a quote older than its limit
            Funding(m, T0 + 10 * Second + 2, -100_000_000, FundingMs);
            Assert.Equal(1, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.FundingSignFlip]);
            Assert.Equal(0, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.BelowExitCarry]);
            Assert.Equal(0, Position(m, Perp, m.Perp));
            Assert.Equal(0, Position(m, Spot, m.Spot));
            Assert.Equal(0, m.Engine.Broker.FundingPaymentCount);
        }
    }

    /// <summary>carry.maxHoldFundings 2: two fundings received (2 × 0.30017995 = 0.6003599 USDT), then unwound although the carry
    /// still holds; its episode is still open, so the next funding event does not open it again.</summary>
    [Fact]
    public void OnEvent_MaxHoldFundingsPassed_UnwoundAfterTwoPayments()
    {
        var m = Create(new CarryOptions { MaxHoldFundings = 2 });
        using (m.Engine)
        {
            Open(m);
            Books(m, FundingNs + Second);
            Funding(m, FundingNs + Second + Half, Rate, FundingMs + EightHoursMs);
            Assert.Equal(1, m.Engine.CarriesHeld);          // one funding passed: still held
            long second = (FundingMs + EightHoursMs) * 1_000_000;
            Books(m, second + Second);
            Funding(m, second + Second + Half, Rate, FundingMs + 2 * EightHoursMs);

            Assert.Equal(1, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.MaxHoldFundings]);
            Assert.Equal(new FundingSnapshot(Perp, m.Perp.Id, 2, 2, 60_035_990), m.Engine.Broker.GetFunding(Perp, m.Perp.Id));
            Assert.Equal(0, Position(m, Perp, m.Perp));
            Funding(m, second + Second + Half + 1, Rate, FundingMs + 2 * EightHoursMs);
            Assert.Equal(1, m.Engine.CarryLife.Opened);
            Assert.Equal(4, m.Engine.Stats.Intents);
        }
    }

    /// <summary>The carry drops to 0.00005 × 1,095 + 1,999 = 56,749 ppm (567 bps: under the entry, above the exit) and comes back:
    /// a new episode is counted, but the held carry is not opened a second time (no pyramiding).</summary>
    [Fact]
    public void OnEvent_NewEpisodeWhileHeld_NotOpenedAgain()
    {
        var m = Create();
        using (m.Engine)
        {
            Open(m);
            Funding(m, T0 + 6, 50_000_000, FundingMs);
            Funding(m, T0 + 7, Rate, FundingMs);
            Assert.Equal(2, m.Engine.Stats.OpportunitiesByKind[(int)OpportunityKind.Carry]);
            Assert.Equal(1, m.Engine.CarryLife.OpenSkippedHeld);
            Assert.Equal(1, m.Engine.CarryLife.Opened);
            Assert.Equal(0, m.Engine.CarryLife.UnwoundTotal);
            Assert.Equal(2, m.Engine.Stats.Intents);
            Assert.Equal(-1_997_006, Position(m, Perp, m.Perp));
        }
    }

    /// <summary>The perp book goes unsynced, then the sign flips: the unwind waits (no order on a bad book, counted once while it
    /// waits), and is done when the book resyncs (its snapshot changes the top's sync state, which re-evaluates the carry).</summary>
    [Fact]
    public void OnEvent_UnwindOnUnsyncedBook_HeldBackUntilResync()
    {
        var m = Create();
        using (m.Engine)
        {
            Open(m);
            var invalidate = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = Perp, Instrument = m.Perp.Id, ReceiveTimeNs = T0 + 6 };
            m.Engine.OnEvent(ref invalidate, 0);
            Funding(m, T0 + 7, -100_000_000, FundingMs);
            Funding(m, T0 + 8, -100_000_000, FundingMs);
            Assert.Equal(2, m.Engine.Stats.Intents);
            Assert.Equal(1, m.Engine.CarryLife.UnwindsDeferred);
            Assert.Equal(1, m.Engine.CarriesHeld);

            Snapshot(m.Engine, Perp, m.Perp.Id, T0 + Half, PerpLevels);
            Assert.Equal(1, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.FundingSignFlip]);
            Assert.Equal(4, m.Engine.Stats.Intents);
            Assert.Equal(0, Position(m, Perp, m.Perp));
            Assert.Equal(0, Position(m, Spot, m.Spot));
        }
    }

    /// <summary>The sign flips 120 s after the books' last message (stale beyond 60 s): held back; fresh books and the next mark
    /// event unwind it.</summary>
    [Fact]
    public void OnEvent_UnwindOnStaleBooks_HeldBackUntilFresh()
    {
        var m = Create();
        using (m.Engine)
        {
            Open(m);
            Funding(m, T0 + 120 * Second, -100_000_000, FundingMs);
            Assert.Equal(2, m.Engine.Stats.Intents);
            Assert.Equal(1, m.Engine.CarryLife.UnwindsDeferred);
            Books(m, T0 + 121 * Second);
            Mark(m, T0 + 121 * Second + Half, 5_010_500);
            Assert.Equal(1, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.FundingSignFlip]);
            Assert.Equal(0, Position(m, Perp, m.Perp));
        }
    }

    /// <summary>Fail closed on the way in too: the three fundings arrive when the books are 120 s old: no carry opens.</summary>
    [Fact]
    public void OnEvent_StableFundingOnStaleBooks_NoCarryOpened()
    {
        var m = Create();
        using (m.Engine)
        {
            for (int i = 0; i < 3; i++) Funding(m, T0 + 120 * Second + i, Rate, FundingMs);
            Assert.Equal(0, m.Engine.CarryLife.Opened);
            Assert.Equal(0, m.Engine.Stats.Intents);
        }
    }

    /// <summary>Opened, one funding received (0.30017995 USDT), unwound below the exit (shared with the replay summary test).</summary>
    internal static void Lifecycle(Market m)
    {
        for (int i = 0; i < 3; i++) Funding(m, T0 + 2 + i, Rate, FundingMs);
        Mark(m, T0 + 5, 5_010_500);
        Books(m, FundingNs + Second);
        Funding(m, FundingNs + Second + Half, 10_000_000, FundingMs + EightHoursMs);
    }

    /// <summary>
    /// The journal holds the two opening legs and the two unwind legs, each with its own client order id and reference id
    /// (SHA-256 of venue:clientOrderId). Replaying the same events against the same journal journals nothing new: the opening
    /// legs are duplicates and are not executed, so nothing is held and no unwind is sent; the journal still has four intents,
    /// no duplicate record. A replay into a fresh journal produces the same four reference ids (deterministic).
    /// </summary>
    [Fact]
    public void Journal_UnwindLegs_OwnReferenceIdsNoDuplicateOnReplay()
    {
        var first = Create();
        using (first.Engine) Lifecycle(first);
        var recovered = OrderIntentJournal.Recover(first.Journal);
        var intents = recovered.PendingIntents;
        Assert.Equal([OrderSide.Sell, OrderSide.Buy, OrderSide.Buy, OrderSide.Sell], intents.Select(i => i.Side));
        Assert.Equal([Perp, Spot, Perp, Spot], intents.Select(i => i.Venue));
        Assert.All(intents, i => Assert.Equal(IntentOrigin.Carry, i.Origin));
        Assert.Equal(4, intents.Select(i => i.ReferenceId).Distinct().Count());
        Assert.All(intents, i => Assert.Equal(ReferenceIds.ForOrder(i.Venue, i.ClientOrderId), i.ReferenceId));

        var again = Create(journal: first.Journal);
        using (again.Engine)
        {
            Lifecycle(again);
            Assert.Equal(0, again.Engine.Stats.IntentsJournaled);
            Assert.Equal(2, again.Engine.Stats.JournalDuplicates);
            Assert.Equal(0, again.Engine.CarryLife.Opened);
        }
        var after = OrderIntentJournal.Recover(first.Journal);
        Assert.Equal(4, after.IntentCount);
        Assert.Equal(0, after.DuplicateRecords);

        var fresh = Create();
        using (fresh.Engine) Lifecycle(fresh);
        Assert.Equal(intents.Select(i => i.ReferenceId), OrderIntentJournal.Recover(fresh.Journal).PendingIntents.Select(i => i.ReferenceId));
    }

    /// <summary>The whole life (open, funding, unwind, reopen, funding, unwind) repeated many times allocates nothing once warm.</summary>
    [Fact]
    public void OnEvent_CarryLifeRepeated_AfterWarmUp_AllocatesNothing()
    {
        var m = Create();
        using (m.Engine)
        {
            long funding = FundingMs;
            void Cycle()
            {
                long at = (funding - 4 * 3_600_000) * 1_000_000;
                Books(m, at);
                for (int i = 0; i < 3; i++) Funding(m, at + 2 + i, Rate, funding);
                Mark(m, at + 5, 5_010_500);
                Books(m, funding * 1_000_000 + Second);
                Funding(m, funding * 1_000_000 + Second + Half, 10_000_000, funding + EightHoursMs);
                funding += EightHoursMs;
            }
            for (int i = 0; i < 20; i++) Cycle();
            long opened = m.Engine.CarryLife.Opened;
            // The journal's file growth (a new mapped chunk) is a declared cold path: counted apart, as the replay summary does.
            long cold = ColdPath.AllocatedOnThisThread;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) Cycle();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before - (ColdPath.AllocatedOnThisThread - cold);
            Assert.Equal(opened + 200, m.Engine.CarryLife.Opened);
            Assert.Equal(m.Engine.CarryLife.Opened, m.Engine.CarryLife.Unwound[(int)CarryUnwindReason.BelowExitCarry]);
            Assert.Equal(0, allocated);
        }
    }
}
