using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Risk;

/// <summary>
/// What a strategy wants to send, as the risk stage sees it. Money × 10^8 in the quote currency; edges in hundredths of
/// a basis point.
/// </summary>
public struct RiskIntent
{
    public VenueId Venue;
    public InstrumentId Instrument;
    public Side Side;
    /// <summary>Quantity and limit price mantissas (instrument scales).</summary>
    public long Quantity, Price;
    /// <summary>Order notional × 10^8.</summary>
    public long Notional;
    public int StrategyId;
    /// <summary>Age of the quote the intent rests on at check time.</summary>
    public long QuoteAgeNs;
    public bool BookSynced;
    /// <summary>True when the edge fields are meaningful (arbitrage legs); false skips the edge rules (hedges, flattening).</summary>
    public bool HasEdge;
    /// <summary>Expected edge after taker fees.</summary>
    public long EdgeAfterFeesCentiBps;
    /// <summary>Expected edge after fees and the router's slippage estimate.</summary>
    public long EdgeAfterSlippageCentiBps;
    /// <summary>The router's latency penalty for the venue (round trip × volatility).</summary>
    public long LatencyCostCentiBps;
    /// <summary>The venue's current round-trip estimate.</summary>
    public long RoundTripNs;
}

/// <summary>
/// Pre-trade checks of an <see cref="RiskIntent"/>, in this order: kill switch, venue breaker, unsynced book, stale quote,
/// max order notional, fees-kill, slippage-kill, latency risk, strategy daily loss, max open orders, venue cap, global
/// cap, rate limit. The first failing rule is the reason; every refusal is counted by reason. An accepted intent takes a
/// token, adds its notional to the venue and global exposure and counts as an open order until
/// <see cref="OnOrderClosed"/>.
/// </summary>
/// <remarks>
/// <para>Time is the event clock passed in (never the wall clock), so a replay decides exactly as live did. The day for
/// daily losses is the UTC day of that clock; the kill switch stays latched across days until <see cref="ResetKillSwitch"/>.</para>
/// <para>Circuit breakers: a venue's breaker opens after <see cref="RiskConfig.MaxConsecutiveErrors"/> consecutive errors,
/// <see cref="RiskConfig.MaxConsecutiveRejects"/> consecutive rejects, or a stale-quote ratio of at least
/// <see cref="RiskConfig.MaxStaleRatioPpm"/> within one stale window; it closes only after
/// <see cref="RiskConfig.StableWindowNs"/> with no new trouble (any trouble while open restarts the window).</para>
/// <para>Single-threaded (risk stage). <see cref="Check"/> and the record methods are integer-only and allocation-free;
/// all state is pre-allocated in the constructor for venue ids up to the largest configured one (at least 64).</para>
/// </remarks>
public sealed class RiskEngine
{
    private const long NanoTokensPerToken = 1_000_000_000;
    private const long DayNs = 86_400L * 1_000_000_000;

    private readonly RiskConfig _config;
    private readonly long[] _rejects = new long[RiskRejectReasons.Count];
    // Per venue (index = VenueId.Value).
    private readonly long[] _venueExposure;
    private readonly long[] _venueCap;
    private readonly int[] _consecutiveErrors, _consecutiveRejects;
    private readonly bool[] _breakerOpen;
    private readonly long[] _lastTroubleNs;
    private readonly long[] _staleWindowStartNs;
    private readonly int[] _windowQuotes, _windowStale;
    private readonly RateLimit[] _limits;
    private readonly bool[] _hasLimit;
    private readonly long[][] _bucketLevel;   // [venue][0] or [venue][instrument]: nano-tokens
    private readonly long[][] _bucketLastNs;
    // Per strategy.
    private readonly long[] _strategyPnl;
    private readonly long[] _strategyMaxLoss;
    private long _globalExposure, _globalCap, _dailyPnl, _day = long.MinValue;
    private int _openOrders;

    public RiskEngine(RiskConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        int venues = 64;
        foreach (var v in config.RateLimits?.Keys ?? []) venues = Math.Max(venues, v.Value + 1);
        foreach (var v in config.VenueCapsPpm?.Keys ?? []) venues = Math.Max(venues, v.Value + 1);
        _venueExposure = new long[venues];
        _venueCap = new long[venues];
        _consecutiveErrors = new int[venues];
        _consecutiveRejects = new int[venues];
        _breakerOpen = new bool[venues];
        _lastTroubleNs = new long[venues];
        _staleWindowStartNs = new long[venues];
        _windowQuotes = new int[venues];
        _windowStale = new int[venues];
        _limits = new RateLimit[venues];
        _hasLimit = new bool[venues];
        _bucketLevel = new long[venues][];
        _bucketLastNs = new long[venues][];
        for (int v = 0; v < venues; v++)
        {
            int capPpm = config.VenueCapsPpm is { } caps && caps.TryGetValue(new VenueId((ushort)v), out int c) ? c : config.VenueCapPpm;
            _venueCap[v] = PpmOf(config.Capital, capPpm);
            RateLimit? limit = config.RateLimits is { } limits && limits.TryGetValue(new VenueId((ushort)v), out var l) ? l : config.DefaultRateLimit;
            if (limit is { } rl)
            {
                _limits[v] = rl;
                _hasLimit[v] = true;
                int buckets = rl.PerInstrument ? config.MaxInstruments : 1;
                _bucketLevel[v] = new long[buckets];
                _bucketLastNs[v] = new long[buckets];
                Array.Fill(_bucketLevel[v], rl.Burst * NanoTokensPerToken);   // buckets start full
                Array.Fill(_bucketLastNs[v], long.MinValue);
            }
        }
        _globalCap = PpmOf(config.Capital, config.GlobalCapPpm);
        _strategyPnl = new long[config.MaxStrategies];
        _strategyMaxLoss = new long[config.MaxStrategies];
        for (int s = 0; s < config.MaxStrategies; s++)
            _strategyMaxLoss[s] = config.StrategyMaxDailyLosses is { } losses && losses.TryGetValue(s, out long max) ? max : config.StrategyMaxDailyLoss;
    }

    public RiskConfig Config => _config;
    public long Accepted { get; private set; }
    public long Rejected { get; private set; }
    public RiskRejectReason LastReject { get; private set; }
    public long RejectCount(RiskRejectReason reason) => _rejects[(int)reason];
    public bool KillSwitchEngaged { get; private set; }
    public int OpenOrders => _openOrders;
    public long GlobalExposure => _globalExposure;
    public long VenueExposure(VenueId venue) => venue.Value < _venueExposure.Length ? _venueExposure[venue.Value] : 0;
    public long DailyPnl => _dailyPnl;
    public long StrategyDailyPnl(int strategyId) => _strategyPnl[strategyId];
    public long BreakerTrips { get; private set; }
    public long BreakerRecloses { get; private set; }

    /// <summary>Checks <paramref name="intent"/> at event time <paramref name="nowNs"/>; None = accepted (and reserved).</summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RiskRejectReason Check(in RiskIntent intent, long nowNs)
    {
        RollDay(nowNs);
        if (KillSwitchEngaged) return Reject(RiskRejectReason.KillSwitch);
        int v = intent.Venue.Value;
        if ((uint)v >= (uint)_venueExposure.Length) return Reject(RiskRejectReason.VenueCap);   // an unconfigured venue has no budget
        if (IsBreakerOpen(intent.Venue, nowNs)) return Reject(RiskRejectReason.BreakerOpen);
        if (!intent.BookSynced) return Reject(RiskRejectReason.UnsyncedBook);
        bool stale = intent.QuoteAgeNs > _config.MaxQuoteAgeNs || intent.QuoteAgeNs < 0;
        RecordQuote(intent.Venue, stale, nowNs);
        if (stale) return Reject(RiskRejectReason.StaleQuote);
        if (intent.Notional <= 0 || intent.Notional > _config.MaxOrderNotional) return Reject(RiskRejectReason.MaxNotional);
        if (intent.HasEdge)
        {
            long min = _config.MinEdgeCentiBps;
            if (intent.EdgeAfterFeesCentiBps < min) return Reject(RiskRejectReason.FeesKill);
            if (intent.EdgeAfterSlippageCentiBps < min) return Reject(RiskRejectReason.SlippageKill);
            if (intent.RoundTripNs > _config.MaxRoundTripNs || intent.EdgeAfterSlippageCentiBps - intent.LatencyCostCentiBps < min)
                return Reject(RiskRejectReason.LatencyRisk);
        }
        else if (intent.RoundTripNs > _config.MaxRoundTripNs) return Reject(RiskRejectReason.LatencyRisk);
        int s = intent.StrategyId;
        if ((uint)s >= (uint)_strategyPnl.Length || _strategyPnl[s] <= -_strategyMaxLoss[s]) return Reject(RiskRejectReason.StrategyLoss);
        if (_openOrders >= _config.MaxOpenOrders) return Reject(RiskRejectReason.MaxOpenOrders);
        if (_config.CapMode == GlobalCapMode.PerVenuePlusGlobal && _venueExposure[v] + intent.Notional > _venueCap[v])
            return Reject(RiskRejectReason.VenueCap);
        if (_globalExposure + intent.Notional > _globalCap) return Reject(RiskRejectReason.GlobalCap);
        if (!TryTakeToken(v, intent.Instrument, nowNs)) return Reject(RiskRejectReason.RateLimit);

        _venueExposure[v] += intent.Notional;
        _globalExposure += intent.Notional;
        _openOrders++;
        Accepted++;
        LastReject = RiskRejectReason.None;
        return RiskRejectReason.None;
    }

    /// <summary>
    /// What <see cref="Check"/> would answer for <paramref name="intent"/> now, without any of its effects: nothing is reserved,
    /// no token taken, no reject or quote counted, no breaker closed, no day rolled (so right after midnight of event time a
    /// strategy-loss answer can differ from Check's). Reads the same state as Check: the decision thread's idle-time
    /// keep-warm uses it to keep that state and this code in cache. Allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RiskRejectReason Probe(in RiskIntent intent, long nowNs)
    {
        if (KillSwitchEngaged) return RiskRejectReason.KillSwitch;
        int v = intent.Venue.Value;
        if ((uint)v >= (uint)_venueExposure.Length) return RiskRejectReason.VenueCap;
        if (_breakerOpen[v] && nowNs - _lastTroubleNs[v] < _config.StableWindowNs) return RiskRejectReason.BreakerOpen;
        if (!intent.BookSynced) return RiskRejectReason.UnsyncedBook;
        if (intent.QuoteAgeNs > _config.MaxQuoteAgeNs || intent.QuoteAgeNs < 0) return RiskRejectReason.StaleQuote;
        if (intent.Notional <= 0 || intent.Notional > _config.MaxOrderNotional) return RiskRejectReason.MaxNotional;
        if (intent.HasEdge)
        {
            long min = _config.MinEdgeCentiBps;
            if (intent.EdgeAfterFeesCentiBps < min) return RiskRejectReason.FeesKill;
            if (intent.EdgeAfterSlippageCentiBps < min) return RiskRejectReason.SlippageKill;
            if (intent.RoundTripNs > _config.MaxRoundTripNs || intent.EdgeAfterSlippageCentiBps - intent.LatencyCostCentiBps < min)
                return RiskRejectReason.LatencyRisk;
        }
        else if (intent.RoundTripNs > _config.MaxRoundTripNs) return RiskRejectReason.LatencyRisk;
        int s = intent.StrategyId;
        if ((uint)s >= (uint)_strategyPnl.Length || _strategyPnl[s] <= -_strategyMaxLoss[s]) return RiskRejectReason.StrategyLoss;
        if (_openOrders >= _config.MaxOpenOrders) return RiskRejectReason.MaxOpenOrders;
        if (_config.CapMode == GlobalCapMode.PerVenuePlusGlobal && _venueExposure[v] + intent.Notional > _venueCap[v])
            return RiskRejectReason.VenueCap;
        if (_globalExposure + intent.Notional > _globalCap) return RiskRejectReason.GlobalCap;
        if (_hasLimit[v])
        {
            int b = _limits[v].PerInstrument ? intent.Instrument.Value : 0;
            if ((uint)b >= (uint)_bucketLevel[v].Length) return RiskRejectReason.RateLimit;
            long last = _bucketLastNs[v][b], level = _bucketLevel[v][b];
            if (last != long.MinValue && nowNs > last)
            {
                var rl = _limits[v];
                level = (long)Int128.Min(rl.Burst * NanoTokensPerToken, level + (Int128)(nowNs - last) * rl.Tokens * NanoTokensPerToken / rl.PerNs);
            }
            if (last != long.MinValue && level < NanoTokensPerToken) return RiskRejectReason.RateLimit;
        }
        return RiskRejectReason.None;
    }

    /// <summary>An accepted order is done (filled, cancelled or rejected): its notional leaves the exposure.</summary>
    public void OnOrderClosed(VenueId venue, long notional)
    {
        if (venue.Value >= _venueExposure.Length) return;
        _venueExposure[venue.Value] = Math.Max(0, _venueExposure[venue.Value] - notional);
        _globalExposure = Math.Max(0, _globalExposure - notional);
        if (_openOrders > 0) _openOrders--;
    }

    /// <summary>Part of a position was closed (a reducing fill, e.g. a carry's unwind): <paramref name="notional"/> leaves the venue
    /// and global exposure that the opening fills left there. Unlike <see cref="OnOrderClosed"/> no open order ends.</summary>
    public void ReleaseExposure(VenueId venue, long notional)
    {
        if (venue.Value >= _venueExposure.Length || notional <= 0) return;
        _venueExposure[venue.Value] = Math.Max(0, _venueExposure[venue.Value] - notional);
        _globalExposure = Math.Max(0, _globalExposure - notional);
    }

    /// <summary>Realized P&amp;L (× 10^8) of a strategy: counts toward its daily loss and the global daily drawdown.</summary>
    public void RecordPnl(int strategyId, long pnl, long nowNs)
    {
        RollDay(nowNs);
        if ((uint)strategyId < (uint)_strategyPnl.Length) _strategyPnl[strategyId] += pnl;
        _dailyPnl += pnl;
        if (_dailyPnl <= -_config.DailyDrawdownLimit) KillSwitchEngaged = true;   // latched until ResetKillSwitch
    }

    /// <summary>Trips the kill switch by hand (operator, reconciliation failure).</summary>
    public void TripKillSwitch() => KillSwitchEngaged = true;

    /// <summary>Unlatches the kill switch (operator action). The day's P&amp;L is kept: a new loss trips it again.</summary>
    public void ResetKillSwitch() => KillSwitchEngaged = false;

    /// <summary>A venue request failed (timeout, 5xx, disconnect while sending).</summary>
    public void RecordVenueError(VenueId venue, long nowNs)
    {
        int v = venue.Value;
        if ((uint)v >= (uint)_breakerOpen.Length) return;
        if (++_consecutiveErrors[v] >= _config.MaxConsecutiveErrors) Trip(v, nowNs);
        else if (_breakerOpen[v]) _lastTroubleNs[v] = nowNs;
    }

    /// <summary>The venue rejected an order.</summary>
    public void RecordVenueReject(VenueId venue, long nowNs)
    {
        int v = venue.Value;
        if ((uint)v >= (uint)_breakerOpen.Length) return;
        if (++_consecutiveRejects[v] >= _config.MaxConsecutiveRejects) Trip(v, nowNs);
        else if (_breakerOpen[v]) _lastTroubleNs[v] = nowNs;
    }

    /// <summary>A venue request succeeded: the consecutive counters restart.</summary>
    public void RecordVenueSuccess(VenueId venue)
    {
        if (venue.Value >= _breakerOpen.Length) return;
        _consecutiveErrors[venue.Value] = 0;
        _consecutiveRejects[venue.Value] = 0;
    }

    /// <summary>One quote of the venue was looked at, stale or not (feeds the stale-ratio breaker).</summary>
    public void RecordQuote(VenueId venue, bool stale, long nowNs)
    {
        int v = venue.Value;
        if ((uint)v >= (uint)_breakerOpen.Length) return;
        if (nowNs - _staleWindowStartNs[v] >= _config.StaleWindowNs || _windowQuotes[v] == 0)
        {
            _staleWindowStartNs[v] = nowNs;
            _windowQuotes[v] = 0;
            _windowStale[v] = 0;
        }
        _windowQuotes[v]++;
        if (stale) _windowStale[v]++;
        if (_windowQuotes[v] >= _config.StaleMinSamples
            && (long)_windowStale[v] * 1_000_000 >= (long)_config.MaxStaleRatioPpm * _windowQuotes[v])
        {
            Trip(v, nowNs);
            _windowQuotes[v] = 0;
            _windowStale[v] = 0;
        }
    }

    /// <summary>Whether the venue's breaker is open at <paramref name="nowNs"/>; closes it once the stable window has passed.</summary>
    public bool IsBreakerOpen(VenueId venue, long nowNs)
    {
        int v = venue.Value;
        if ((uint)v >= (uint)_breakerOpen.Length) return true;   // a venue without state is never open for trading
        if (!_breakerOpen[v]) return false;
        if (nowNs - _lastTroubleNs[v] < _config.StableWindowNs) return true;
        _breakerOpen[v] = false;
        _consecutiveErrors[v] = 0;
        _consecutiveRejects[v] = 0;
        BreakerRecloses++;
        return false;
    }

    /// <summary>Whole tokens left in the venue's (or venue-instrument's) bucket at <paramref name="nowNs"/>; -1 when unlimited.</summary>
    public long TokensAvailable(VenueId venue, InstrumentId instrument, long nowNs)
    {
        int v = venue.Value;
        if ((uint)v >= (uint)_hasLimit.Length) return 0;
        if (!_hasLimit[v]) return -1;
        int b = _limits[v].PerInstrument ? instrument.Value : 0;
        if ((uint)b >= (uint)_bucketLevel[v].Length) return 0;
        Refill(v, b, nowNs);
        return _bucketLevel[v][b] / NanoTokensPerToken;
    }

    private void Trip(int v, long nowNs)
    {
        if (!_breakerOpen[v]) BreakerTrips++;
        _breakerOpen[v] = true;
        _lastTroubleNs[v] = nowNs;
    }

    /// <summary>
    /// Token bucket in nano-tokens so integer refill is exact for the documented limits (10/s → 10 nano-tokens per ns,
    /// 60 per 2 s → 30); refill = elapsed × tokens × 10^9 / period, capped at the burst.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTakeToken(int v, InstrumentId instrument, long nowNs)
    {
        if (!_hasLimit[v]) return true;
        int b = _limits[v].PerInstrument ? instrument.Value : 0;
        if ((uint)b >= (uint)_bucketLevel[v].Length) return false;   // instrument outside the pre-allocated range: fail closed
        Refill(v, b, nowNs);
        ref long level = ref _bucketLevel[v][b];
        if (level < NanoTokensPerToken) return false;
        level -= NanoTokensPerToken;
        return true;
    }

    private void Refill(int v, int b, long nowNs)
    {
        ref long last = ref _bucketLastNs[v][b];
        if (last == long.MinValue) { last = nowNs; return; }
        long elapsed = nowNs - last;
        if (elapsed <= 0) return;
        var rl = _limits[v];
        long cap = rl.Burst * NanoTokensPerToken;
        Int128 added = (Int128)elapsed * rl.Tokens * NanoTokensPerToken / rl.PerNs;
        ref long level = ref _bucketLevel[v][b];
        level = (long)Int128.Min(cap, level + added);
        last = nowNs;
    }

    private void RollDay(long nowNs)
    {
        long day = nowNs / DayNs;
        if (day == _day) return;
        if (_day != long.MinValue && day < _day) return;   // an older event never rewinds the day
        _day = day;
        Array.Clear(_strategyPnl);
        _dailyPnl = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RiskRejectReason Reject(RiskRejectReason reason)
    {
        _rejects[(int)reason]++;
        Rejected++;
        LastReject = reason;
        return reason;
    }

    private static long PpmOf(long amount, int ppm) => (long)((Int128)amount * ppm / 1_000_000);
}
