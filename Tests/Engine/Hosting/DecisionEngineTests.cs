using FastEngine.Execution;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Routing;
using static FastEngine.Tests.Support.EngineEvents;

namespace FastEngine.Tests.Engine.Hosting;

public class DecisionEngineTests
{
    private static readonly VenueId A = new(40), B = new(41);

    private static (DecisionEngine Engine, Instrument Instrument, string Journal) Create(long maxQuoteAgeNs = 1_000_000_000)
    {
        var registry = new InstrumentRegistry();
        var instrument = registry.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 2, quantityScale: 1);
        string journal = Path.Combine(Directory.CreateTempSubdirectory("fe-decision-").FullName, "intents.fej");
        var fee = FeeSchedule.FromBps(0, 10);
        var options = new DecisionOptions
        {
            Thresholds = new FastEngine.Arbitrage.ArbitrageThresholds(MinEdgeBps: 1, MinNotional: 0, MaxQuoteAgeNs: maxQuoteAgeNs),
            Fees = new Dictionary<VenueId, FeeSchedule> { [A] = fee, [B] = fee },
            JournalPath = journal,
        };
        return (new DecisionEngine(registry, options), instrument, journal);
    }

    /// <summary>A asks 100.00×1.0, then B bids 101.20×1.0: one opportunity, two intents (the crossing below).</summary>
    private static void Cross(DecisionEngine engine, Instrument instrument)
    {
        Snapshot(engine, A, instrument.Id, 1_000, (Side.Ask, 10000, 10), (Side.Bid, 9990, 10));
        Snapshot(engine, B, instrument.Id, 2_000, (Side.Bid, 10120, 10), (Side.Ask, 10130, 10));
        Assert.Equal(1, engine.Stats.Opportunities);
        Assert.Equal(2, engine.Stats.Intents);
    }

    /// <summary>
    /// A asks 100.00×1.0; B bids 101.20×1.0; 10 bps taker each: 101.20×0.999 = 101.0988 &gt; 100.1 → one opportunity,
    /// two IOC legs (buy 1.0 on A, sell 1.0 on B), both journaled once, both filled in full.
    /// </summary>
    [Fact]
    public void CrossedVenues_AfterFees_TwoLegsJournaledAndFilled()
    {
        var (engine, instrument, journal) = Create();
        using (engine)
        {
            Cross(engine, instrument);
            Assert.Equal(2, engine.Stats.IntentsJournaled);
            Assert.Equal(2, engine.Stats.Fills);
            Assert.Equal(10, engine.Broker.GetPosition(A, instrument.Id).Quantity);
            Assert.Equal(-10, engine.Broker.GetPosition(B, instrument.Id).Quantity);
            // The same opportunity seen again is the same episode: no new intents.
            Snapshot(engine, B, instrument.Id, 3_000, (Side.Bid, 10120, 10), (Side.Ask, 10130, 10));
            Assert.Equal(2, engine.Stats.Intents);
        }
        var recovery = OrderIntentJournal.Recover(journal);
        Assert.Equal(2, recovery.IntentCount);
    }

    /// <summary>
    /// The journal is the intent's commit point: when it cannot take an intent (here faulted as by a failed write), the
    /// engine sends nothing. The same crossing as above: two intents refused, counted, no fill, no position, exposure
    /// released (a later crossing is not blocked by the refused legs' caps).
    /// </summary>
    [Fact]
    public void JournalFaulted_IntentsRefusedNothingExecuted()
    {
        var (engine, instrument, _) = Create();
        using (engine)
        {
            engine.Journal!.MarkFaultedForTests(new IOException("disk full (test)"));
            Cross(engine, instrument);
            Assert.Equal(0, engine.Stats.IntentsJournaled);
            Assert.Equal(2, engine.Stats.JournalRefused);
            Assert.Equal(0, engine.Stats.Fills);
            Assert.Equal(0, engine.Broker.GetPosition(A, instrument.Id).Quantity);
            Assert.Equal(0, engine.Broker.GetPosition(B, instrument.Id).Quantity);
            Assert.Equal(0, engine.Risk.VenueExposure(A));
            Assert.Equal(0, engine.Risk.GlobalExposure);
        }
    }

    [Fact]
    public void StaleVenue_NoSignalNoIntent()
    {
        var (engine, instrument, _) = Create(maxQuoteAgeNs: 500);
        using (engine)
        {
            Snapshot(engine, A, instrument.Id, 1_000, (Side.Ask, 10000, 10));
            Snapshot(engine, B, instrument.Id, 2_000, (Side.Bid, 10120, 10));   // A's quote is 1,000 ns old > 500
            Assert.Equal(0, engine.Stats.Opportunities);
            Assert.Equal(0, engine.Stats.Intents);
        }
    }

    [Fact]
    public void UnsyncedVenue_NoSignalNoIntent()
    {
        var (engine, instrument, _) = Create();
        using (engine)
        {
            Snapshot(engine, A, instrument.Id, 1_000, (Side.Ask, 10000, 10));
            var invalidate = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = A, Instrument = instrument.Id, Reason = InvalidateReason.Disconnected };
            engine.OnEvent(ref invalidate, 0);
            Snapshot(engine, B, instrument.Id, 2_000, (Side.Bid, 10120, 10));
            Assert.Equal(0, engine.Stats.Opportunities);
            Assert.Equal(0, engine.Stats.Intents);
        }
    }
}
