using FastEngine.Model;
using FastEngine.Risk;

namespace FastEngine.Tests.Engine.Risk;

/// <summary>
/// One test per rule, each with numbers checked by hand. Money is USD × 10^8; the account has 1,000,000 USD of capital,
/// so the default venue budget (30 %) is 300,000 USD.
/// </summary>
public class RiskEngineTests
{
    private const long Usd = 100_000_000;
    private const long Second = 1_000_000_000;
    private const long T0 = 1_700_000_000L * Second;   // 2023-11-14 22:13:20 UTC: an event-clock time, not "now"
    private static readonly VenueId A = new(31), B = new(32), C = new(33);

    private static RiskConfig Config(Func<RiskConfig, RiskConfig>? change = null)
    {
        var config = new RiskConfig(Capital: 1_000_000 * Usd, DailyDrawdownLimit: 50_000 * Usd, MaxOrderNotional: 100_000 * Usd,
            MaxOpenOrders: 10, MaxQuoteAgeNs: Second, MinEdgeCentiBps: 1, MaxRoundTripNs: 50_000_000);
        return change is null ? config : change(config);
    }

    private static RiskIntent Intent(VenueId venue, long notionalUsd, int strategy = 0) => new()
    {
        Venue = venue,
        Instrument = new InstrumentId(1),
        Side = Side.Bid,
        Quantity = 1,
        Price = 1,
        Notional = notionalUsd * Usd,
        StrategyId = strategy,
        QuoteAgeNs = 1_000_000,
        BookSynced = true,
        HasEdge = true,
        EdgeAfterFeesCentiBps = 500,
        EdgeAfterSlippageCentiBps = 300,
        LatencyCostCentiBps = 100,
        RoundTripNs = 5_000_000,
    };

    [Fact]
    public void Check_ValidIntent_AcceptedAndReserved()
    {
        var risk = new RiskEngine(Config());
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 10_000), T0));
        Assert.Equal(10_000 * Usd, risk.VenueExposure(A));
        Assert.Equal(10_000 * Usd, risk.GlobalExposure);
        Assert.Equal(1, risk.OpenOrders);
        risk.OnOrderClosed(A, 10_000 * Usd);
        Assert.Equal(0, risk.GlobalExposure);
        Assert.Equal(0, risk.OpenOrders);
    }

    /// <summary>Losses of 30,000 + 20,000 = 50,000 USD reach the 50,000 USD daily drawdown: latched, also the next day, until reset.</summary>
    [Fact]
    public void Check_DailyDrawdownReached_KillSwitchLatchedUntilReset()
    {
        var risk = new RiskEngine(Config());
        risk.RecordPnl(0, -30_000 * Usd, T0);
        Assert.False(risk.KillSwitchEngaged);
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1_000), T0));
        risk.RecordPnl(1, -20_000 * Usd, T0 + 1);
        Assert.True(risk.KillSwitchEngaged);
        Assert.Equal(RiskRejectReason.KillSwitch, risk.Check(Intent(A, 1_000), T0 + 2));
        // A profit and a new day do not unlatch it.
        risk.RecordPnl(0, 40_000 * Usd, T0 + 3);
        Assert.Equal(RiskRejectReason.KillSwitch, risk.Check(Intent(A, 1_000), T0 + 86_400 * Second));
        risk.ResetKillSwitch();
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1_000), T0 + 86_400 * Second + 1));
        Assert.Equal(2, risk.RejectCount(RiskRejectReason.KillSwitch));
    }

    [Fact]
    public void Check_ManualKillSwitch_Refused()
    {
        var risk = new RiskEngine(Config());
        risk.TripKillSwitch();
        Assert.Equal(RiskRejectReason.KillSwitch, risk.Check(Intent(A, 1), T0));
    }

    /// <summary>5 consecutive errors open A's breaker at T0+4 s; stable window 30 s: still open at T0+33.999 s, closed at T0+34 s.</summary>
    [Fact]
    public void Check_ConsecutiveErrors_BreakerOpenUntilStableWindow()
    {
        var risk = new RiskEngine(Config());
        for (int i = 0; i < 4; i++) risk.RecordVenueError(A, T0 + i * Second);
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0 + 4 * Second - 1));   // 4 errors: still closed
        risk.RecordVenueError(A, T0 + 4 * Second);
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0 + 4 * Second));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(B, 1), T0 + 4 * Second));        // other venues unaffected
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0 + 34 * Second - 1));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0 + 34 * Second));
        Assert.Equal(1, risk.BreakerTrips);
        Assert.Equal(1, risk.BreakerRecloses);
    }

    /// <summary>An error while open restarts the stable window: trip at 0, error at 20 s → closed only from 50 s.</summary>
    [Fact]
    public void Check_ErrorWhileOpen_RestartsStableWindow()
    {
        var risk = new RiskEngine(Config());
        for (int i = 0; i < 5; i++) risk.RecordVenueError(A, T0);
        risk.RecordVenueError(A, T0 + 20 * Second);
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0 + 30 * Second));
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0 + 50 * Second - 1));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0 + 50 * Second));
    }

    [Fact]
    public void Check_ConsecutiveRejects_BreakerOpen_SuccessResetsCount()
    {
        var risk = new RiskEngine(Config());
        for (int i = 0; i < 4; i++) risk.RecordVenueReject(A, T0);
        risk.RecordVenueSuccess(A);                       // the run is broken: 4 + 4 never reaches 5 in a row
        for (int i = 0; i < 4; i++) risk.RecordVenueReject(A, T0);
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0));
        risk.RecordVenueReject(A, T0);
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0));
    }

    /// <summary>Stale ratio 20 % over ≥ 20 quotes: 16 fresh + 4 stale = 4/20 = 20 % trips; 16 + 3 (19 samples) does not.</summary>
    [Fact]
    public void Check_StaleRatio_BreakerOpen()
    {
        var risk = new RiskEngine(Config());
        for (int i = 0; i < 16; i++) risk.RecordQuote(A, stale: false, T0);
        for (int i = 0; i < 3; i++) risk.RecordQuote(A, stale: true, T0);
        Assert.False(risk.IsBreakerOpen(A, T0));
        risk.RecordQuote(A, stale: true, T0);
        Assert.True(risk.IsBreakerOpen(A, T0));
        Assert.Equal(RiskRejectReason.BreakerOpen, risk.Check(Intent(A, 1), T0 + 1));
    }

    [Fact]
    public void Check_UnsyncedBook_Refused()
    {
        var risk = new RiskEngine(Config());
        var intent = Intent(A, 1);
        intent.BookSynced = false;
        Assert.Equal(RiskRejectReason.UnsyncedBook, risk.Check(intent, T0));
        Assert.Equal(1, risk.RejectCount(RiskRejectReason.UnsyncedBook));
    }

    /// <summary>Max quote age 1 s: 1,000,000,000 ns passes, 1,000,000,001 ns is stale.</summary>
    [Fact]
    public void Check_QuoteOlderThanMax_StaleQuote()
    {
        var risk = new RiskEngine(Config());
        var intent = Intent(A, 1);
        intent.QuoteAgeNs = Second;
        Assert.Equal(RiskRejectReason.None, risk.Check(intent, T0));
        intent.QuoteAgeNs = Second + 1;
        Assert.Equal(RiskRejectReason.StaleQuote, risk.Check(intent, T0));
    }

    /// <summary>Max order notional 100,000 USD: 100,000.00 passes, 100,000.01 is refused.</summary>
    [Fact]
    public void Check_NotionalAboveMax_MaxNotional()
    {
        var risk = new RiskEngine(Config());
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 100_000), T0));
        var intent = Intent(B, 100_000);
        intent.Notional += Usd / 100;
        Assert.Equal(RiskRejectReason.MaxNotional, risk.Check(intent, T0));
    }

    /// <summary>Minimum edge 0.01 bps (1 centi-bp): an edge of 0 after fees is killed by fees.</summary>
    [Fact]
    public void Check_EdgeGoneAfterFees_FeesKill()
    {
        var risk = new RiskEngine(Config());
        var intent = Intent(A, 1);
        intent.EdgeAfterFeesCentiBps = 0;
        intent.EdgeAfterSlippageCentiBps = -50;
        Assert.Equal(RiskRejectReason.FeesKill, risk.Check(intent, T0));
    }

    /// <summary>+5 bps after fees, −0.5 bps after slippage: slippage kills it.</summary>
    [Fact]
    public void Check_EdgeGoneAfterSlippage_SlippageKill()
    {
        var risk = new RiskEngine(Config());
        var intent = Intent(A, 1);
        intent.EdgeAfterSlippageCentiBps = -50;
        Assert.Equal(RiskRejectReason.SlippageKill, risk.Check(intent, T0));
    }

    /// <summary>Round trip 50,000,001 ns above the 50 ms maximum; or 3 bps of edge against 3 bps of latency cost (0 &lt; 1 centi-bp).</summary>
    [Fact]
    public void Check_SlowVenueOrLatencyEatsEdge_LatencyRisk()
    {
        var risk = new RiskEngine(Config());
        var slow = Intent(A, 1);
        slow.RoundTripNs = 50_000_001;
        Assert.Equal(RiskRejectReason.LatencyRisk, risk.Check(slow, T0));
        var eaten = Intent(A, 1);
        eaten.LatencyCostCentiBps = 300;
        Assert.Equal(RiskRejectReason.LatencyRisk, risk.Check(eaten, T0));
        eaten.LatencyCostCentiBps = 299;
        Assert.Equal(RiskRejectReason.None, risk.Check(eaten, T0));
    }

    /// <summary>Strategy 1 may lose 1,000 USD a day: after −1,000 it is refused, strategy 2 is not; the next UTC day resets it.</summary>
    [Fact]
    public void Check_StrategyDailyLossReached_StrategyLoss()
    {
        var risk = new RiskEngine(Config(c => c with { StrategyMaxDailyLosses = new Dictionary<int, long> { [1] = 1_000 * Usd } }));
        risk.RecordPnl(1, -999 * Usd, T0);
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1, strategy: 1), T0));
        risk.RecordPnl(1, -1 * Usd, T0);
        Assert.Equal(RiskRejectReason.StrategyLoss, risk.Check(Intent(A, 1, strategy: 1), T0));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1, strategy: 2), T0));
        long nextDay = (T0 / (86_400 * Second) + 1) * 86_400 * Second;
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1, strategy: 1), nextDay));
    }

    [Fact]
    public void Check_TooManyOpenOrders_MaxOpenOrders()
    {
        var risk = new RiskEngine(Config(c => c with { MaxOpenOrders = 3 }));
        for (int i = 0; i < 3; i++) Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0));
        Assert.Equal(RiskRejectReason.MaxOpenOrders, risk.Check(Intent(A, 1), T0));
        risk.OnOrderClosed(A, Usd);
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0));
    }

    /// <summary>30 % of 1,000,000 = 300,000 USD per venue: 3 × 100,000 fill A's budget; 1 USD more is refused on A, not on B.</summary>
    [Fact]
    public void Check_VenueBudgetFull_VenueCap()
    {
        var risk = new RiskEngine(Config());
        for (int i = 0; i < 3; i++) Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 100_000), T0));
        Assert.Equal(RiskRejectReason.VenueCap, risk.Check(Intent(A, 1), T0));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(B, 1), T0));
    }

    /// <summary>Global cap 50 % = 500,000 USD: A 300,000 + B 200,000 fill it; 1 USD on C is refused by the global cap.</summary>
    [Fact]
    public void Check_TotalExposureFull_GlobalCap()
    {
        var risk = new RiskEngine(Config(c => c with { GlobalCapPpm = 500_000 }));
        for (int i = 0; i < 3; i++) risk.Check(Intent(A, 100_000), T0);
        for (int i = 0; i < 2; i++) risk.Check(Intent(B, 100_000), T0);
        Assert.Equal(500_000 * Usd, risk.GlobalExposure);
        Assert.Equal(RiskRejectReason.GlobalCap, risk.Check(Intent(C, 1), T0));
    }

    /// <summary>Unified budget: no per-venue cap, so 400,000 USD on one venue passes (refused in the default mode at 300,000).</summary>
    [Fact]
    public void Check_UnifiedMode_OnlyGlobalCapApplies()
    {
        var unified = new RiskEngine(Config(c => c with { CapMode = GlobalCapMode.Unified, GlobalCapPpm = 500_000 }));
        for (int i = 0; i < 4; i++) Assert.Equal(RiskRejectReason.None, unified.Check(Intent(A, 100_000), T0));
        Assert.Equal(RiskRejectReason.None, unified.Check(Intent(A, 100_000), T0));
        Assert.Equal(RiskRejectReason.GlobalCap, unified.Check(Intent(A, 1), T0));
    }

    /// <summary>
    /// Binance spot 10 orders/s, burst 10: ten orders at T0 pass, the 11th is refused; 100 ms later exactly one token has
    /// come back (10/s × 0.1 s), 99,999,999 ns later not yet; after a full second the bucket holds 10 again (never more).
    /// </summary>
    [Fact]
    public void Check_TokenBucket_RefusesThenRefills()
    {
        var risk = new RiskEngine(Config(c => c with { MaxOpenOrders = 1000, RateLimits = new Dictionary<VenueId, RateLimit> { [A] = RateLimit.BinanceSpot } }));
        for (int i = 0; i < 10; i++) Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0));
        Assert.Equal(RiskRejectReason.RateLimit, risk.Check(Intent(A, 1), T0));
        Assert.Equal(0, risk.TokensAvailable(A, new InstrumentId(1), T0 + 99_999_999));
        Assert.Equal(RiskRejectReason.RateLimit, risk.Check(Intent(A, 1), T0 + 99_999_999));
        Assert.Equal(RiskRejectReason.None, risk.Check(Intent(A, 1), T0 + 100_000_000));
        Assert.Equal(RiskRejectReason.RateLimit, risk.Check(Intent(A, 1), T0 + 100_000_000));
        Assert.Equal(10, risk.TokensAvailable(A, new InstrumentId(1), T0 + 5 * Second));
        Assert.Equal(-1, risk.TokensAvailable(B, new InstrumentId(1), T0));   // no bucket configured for B
    }

    /// <summary>OKX: 60 per 2 s per instrument: instrument 1 is refused at the 61st order, instrument 2 still has 60; 1 s refills 30.</summary>
    [Fact]
    public void Check_PerInstrumentBucket_IndependentPerInstrument()
    {
        var risk = new RiskEngine(Config(c => c with { MaxOpenOrders = 1000, RateLimits = new Dictionary<VenueId, RateLimit> { [A] = RateLimit.Okx } }));
        var one = Intent(A, 1);
        for (int i = 0; i < 60; i++) Assert.Equal(RiskRejectReason.None, risk.Check(one, T0));
        Assert.Equal(RiskRejectReason.RateLimit, risk.Check(one, T0));
        var two = Intent(A, 1);
        two.Instrument = new InstrumentId(2);
        Assert.Equal(RiskRejectReason.None, risk.Check(two, T0));
        Assert.Equal(30, risk.TokensAvailable(A, one.Instrument, T0 + Second));
    }

    [Fact]
    public void Check_RefusedIntent_DoesNotConsumeTokenOrExposure()
    {
        var risk = new RiskEngine(Config(c => c with { RateLimits = new Dictionary<VenueId, RateLimit> { [A] = RateLimit.Kraken } }));
        var bad = Intent(A, 1);
        bad.BookSynced = false;
        risk.Check(bad, T0);
        Assert.Equal(60, risk.TokensAvailable(A, bad.Instrument, T0));
        Assert.Equal(0, risk.GlobalExposure);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(500_000_00000001L)]     // 500,000 USD + 10^-8: above 50 % of capital
    public void Validate_DrawdownOutsideBounds_ThrowsNamingKey(long drawdown)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RiskEngine(Config(c => c with { DailyDrawdownLimit = drawdown })));
        Assert.Equal("DailyDrawdownLimit", ex.ParamName);
        Assert.Contains("50%", ex.Message);
    }

    [Fact]
    public void Validate_DrawdownAtHalfCapital_Accepted()
    {
        var risk = new RiskEngine(Config(c => c with { DailyDrawdownLimit = 500_000 * Usd }));
        Assert.False(risk.KillSwitchEngaged);
    }

    [Theory]
    [InlineData("stale-quote", RiskRejectReason.StaleQuote)]
    [InlineData("unsynced-book", RiskRejectReason.UnsyncedBook)]
    [InlineData("fees-kill", RiskRejectReason.FeesKill)]
    [InlineData("slippage-kill", RiskRejectReason.SlippageKill)]
    [InlineData("latency-risk", RiskRejectReason.LatencyRisk)]
    [InlineData("venue-cap", RiskRejectReason.VenueCap)]
    [InlineData("global-cap", RiskRejectReason.GlobalCap)]
    [InlineData("rate-limit", RiskRejectReason.RateLimit)]
    [InlineData("breaker-open", RiskRejectReason.BreakerOpen)]
    [InlineData("kill-switch", RiskRejectReason.KillSwitch)]
    [InlineData("max-notional", RiskRejectReason.MaxNotional)]
    [InlineData("max-open-orders", RiskRejectReason.MaxOpenOrders)]
    [InlineData("strategy-loss", RiskRejectReason.StrategyLoss)]
    public void ConfigName_DocumentedNames_RoundTrip(string name, RiskRejectReason reason)
    {
        Assert.Equal(name, reason.ToConfigName());
        Assert.Equal(reason, RiskRejectReasons.FromConfigName(name));
    }

    [Fact]
    public void FromConfigName_Unknown_ThrowsListingAllowed()
    {
        var ex = Assert.Throws<ArgumentException>(() => RiskRejectReasons.FromConfigName("too-risky"));
        Assert.Contains("kill-switch", ex.Message);
    }

    /// <summary>Venue 500 has no state (ids up to 63 or the largest configured one): it has no budget, and recording trouble for it is ignored.</summary>
    [Fact]
    public void Check_VenueWithoutState_FailsClosed()
    {
        var risk = new RiskEngine(Config());
        var far = new VenueId(500);
        Assert.Equal(RiskRejectReason.VenueCap, risk.Check(Intent(far, 1), T0));
        risk.RecordVenueError(far, T0);
        Assert.True(risk.IsBreakerOpen(far, T0));
        Assert.Equal(0, risk.VenueExposure(far));
    }

    [Fact]
    public void Check_AfterWarmUp_AllocatesNothing()
    {
        var risk = new RiskEngine(Config(c => c with
        {
            MaxOpenOrders = 1_000_000,
            RateLimits = new Dictionary<VenueId, RateLimit> { [A] = RateLimit.Okx, [B] = RateLimit.BinanceSpot },
        }));
        var ok = Intent(A, 1);
        var stale = Intent(B, 1);
        stale.QuoteAgeNs = 2 * Second;
        for (int i = 0; i < 1_000; i++) { Step(i); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1_000; i < 101_000; i++) { Step(i); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Step(int i)
        {
            long now = T0 + i * 1_000_000L;
            if (risk.Check(ok, now) == RiskRejectReason.None) risk.OnOrderClosed(A, ok.Notional);
            risk.Check(stale, now);
            _ = risk.LastReject.ToConfigName();
        }
    }
}
