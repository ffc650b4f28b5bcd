using FastEngine.Model;

namespace FastEngine.Risk;

/// <summary>Why the risk engine refused an intent. Config and logs use the kebab-case names of <see cref="RiskRejectReasons.ToConfigName"/>.</summary>
public enum RiskRejectReason : byte
{
    None = 0,
    /// <summary><c>kill-switch</c>: the global daily drawdown switch is latched (or was tripped by hand) until reset.</summary>
    KillSwitch,
    /// <summary><c>breaker-open</c>: the venue's circuit breaker is open (errors, rejects or stale ratio) and not yet stable again.</summary>
    BreakerOpen,
    /// <summary><c>unsynced-book</c>: the book behind the intent is not in sync (fail closed).</summary>
    UnsyncedBook,
    /// <summary><c>stale-quote</c>: the quote behind the intent is older than allowed.</summary>
    StaleQuote,
    /// <summary><c>max-notional</c>: the order's notional exceeds the per-order maximum.</summary>
    MaxNotional,
    /// <summary><c>fees-kill</c>: the expected edge after fees is below the minimum.</summary>
    FeesKill,
    /// <summary><c>slippage-kill</c>: the edge survives fees but not the expected slippage.</summary>
    SlippageKill,
    /// <summary><c>latency-risk</c>: the venue round trip is too long, or the latency cost eats the remaining edge.</summary>
    LatencyRisk,
    /// <summary><c>strategy-loss</c>: the strategy reached its maximum loss for the day.</summary>
    StrategyLoss,
    /// <summary><c>max-open-orders</c>: too many orders are open.</summary>
    MaxOpenOrders,
    /// <summary><c>venue-cap</c>: the venue's exposure would exceed its budget.</summary>
    VenueCap,
    /// <summary><c>global-cap</c>: total exposure would exceed the global cap.</summary>
    GlobalCap,
    /// <summary><c>rate-limit</c>: the venue's (or venue-instrument's) order token bucket is empty.</summary>
    RateLimit,
}

/// <summary>Config names of <see cref="RiskRejectReason"/> (allocation-free: returns literals).</summary>
public static class RiskRejectReasons
{
    public const int Count = (int)RiskRejectReason.RateLimit + 1;

    public static string ToConfigName(this RiskRejectReason reason) => reason switch
    {
        RiskRejectReason.None => "none",
        RiskRejectReason.KillSwitch => "kill-switch",
        RiskRejectReason.BreakerOpen => "breaker-open",
        RiskRejectReason.UnsyncedBook => "unsynced-book",
        RiskRejectReason.StaleQuote => "stale-quote",
        RiskRejectReason.MaxNotional => "max-notional",
        RiskRejectReason.FeesKill => "fees-kill",
        RiskRejectReason.SlippageKill => "slippage-kill",
        RiskRejectReason.LatencyRisk => "latency-risk",
        RiskRejectReason.StrategyLoss => "strategy-loss",
        RiskRejectReason.MaxOpenOrders => "max-open-orders",
        RiskRejectReason.VenueCap => "venue-cap",
        RiskRejectReason.GlobalCap => "global-cap",
        RiskRejectReason.RateLimit => "rate-limit",
        _ => "unknown",
    };

    public static bool TryFromConfigName(ReadOnlySpan<char> name, out RiskRejectReason reason)
    {
        for (int i = 0; i < Count; i++)
        {
            var r = (RiskRejectReason)i;
            if (name.Equals(r.ToConfigName(), StringComparison.OrdinalIgnoreCase)) { reason = r; return true; }
        }
        reason = RiskRejectReason.None;
        return false;
    }

    /// <summary>Parses a config name; an unknown name is a config error naming the allowed values.</summary>
    public static RiskRejectReason FromConfigName(string name)
    {
        if (TryFromConfigName(name, out var reason)) return reason;
        var allowed = string.Join(", ", Enumerable.Range(0, Count).Select(i => ((RiskRejectReason)i).ToConfigName()));
        throw new ArgumentException($"unknown risk reject reason '{name}'; allowed: {allowed}", nameof(name));
    }
}

/// <summary>How exposure caps combine.</summary>
public enum GlobalCapMode : byte
{
    /// <summary>Each venue has its own budget (default 30 % of capital) and the total is capped too (default).</summary>
    PerVenuePlusGlobal = 0,
    /// <summary>One budget for everything: only the global cap applies.</summary>
    Unified = 1,
}

/// <summary>
/// A token bucket: <see cref="Tokens"/> orders per <see cref="PerNs"/> nanoseconds, holding at most <see cref="Burst"/>.
/// </summary>
/// <param name="PerInstrument">One bucket per (venue, instrument) instead of per venue (OKX counts per instrument).</param>
public readonly record struct RateLimit(long Tokens, long PerNs, long Burst, bool PerInstrument = false)
{
    private const long Second = 1_000_000_000;

    // Documented order-entry limits (defaults; accounts and tiers differ, so each is configurable):
    /// <summary>Binance spot: <c>ORDERS</c> limit of 10 per SECOND in <c>GET /api/v3/exchangeInfo</c> <c>rateLimits</c>
    /// (developers.binance.com/docs/binance-spot-api-docs, "LIMITS", unfilled order count; later raised to 50 per 10 s).</summary>
    public static readonly RateLimit BinanceSpot = new(10, Second, 10);
    /// <summary>OKX v5 <c>POST /api/v5/trade/order</c>: 60 requests per 2 s, rule "User ID + Instrument ID"
    /// (okx.com/docs-v5/en, Trade → Place order, "Rate Limit").</summary>
    public static readonly RateLimit Okx = new(60, 2 * Second, 60, PerInstrument: true);
    /// <summary>Bybit v5 order endpoints: per UID, rolling one-second window; default 10/s for futures (20/s spot) on a unified
    /// account (bybit-exchange.github.io/docs/v5/rate-limit, "Rate Limit Rules" and "API Rate Limit Rules for PROs").</summary>
    public static readonly RateLimit Bybit = new(10, Second, 10);
    /// <summary>Coinbase Exchange private REST endpoints: 15 requests per second per profile, bursts up to 30; Coinbase itself
    /// describes it as a lazy-fill token bucket that starts full (docs.cdp.coinbase.com/exchange/rest-api/rate-limits).</summary>
    public static readonly RateLimit Coinbase = new(15, Second, 30);
    /// <summary>Kraken spot trading-engine counter, separate per currency pair: +1 per order, Starter tier threshold 60 with a
    /// decay of 1 per second (Intermediate 125 / 2.34 per s, Pro 180 / 3.75 per s; cancelling within seconds adds penalties)
    /// — support.kraken.com/hc/en-us/articles/360045239571 "Trading rate limits", docs.kraken.com/api/docs/guides/spot-ratelimits.
    /// AddOrder/CancelOrder do not use the REST call counter (15–20, 0.33–1 per s), which is a different limiter.</summary>
    public static readonly RateLimit Kraken = new(1, Second, 60, PerInstrument: true);
}

/// <summary>Pre-trade risk limits (from config). Money amounts are quote currency × 10^8 (USD for the usual quote).</summary>
/// <param name="Capital">Account capital the caps are fractions of.</param>
/// <param name="DailyDrawdownLimit">Global kill switch: latched when the day's total P&amp;L falls to −this. Must be 0 &lt; x ≤ 50 % of capital.</param>
/// <param name="VenueCapPpm">Default venue budget, ppm of capital (300,000 = 30 %).</param>
/// <param name="VenueCapsPpm">Per-venue budget overrides.</param>
/// <param name="GlobalCapPpm">Total exposure cap, ppm of capital.</param>
/// <param name="MaxOrderNotional">Largest notional of one order.</param>
/// <param name="MaxOpenOrders">Largest number of open orders across venues.</param>
/// <param name="MaxQuoteAgeNs">Oldest quote an intent may rest on.</param>
/// <param name="MinEdgeCentiBps">Smallest expected edge (after fees, after slippage, after latency) an intent needs.</param>
/// <param name="MaxRoundTripNs">Longest venue round trip accepted.</param>
/// <param name="StrategyMaxDailyLoss">Default per-strategy daily loss limit.</param>
/// <param name="StrategyMaxDailyLosses">Per-strategy overrides.</param>
/// <param name="MaxConsecutiveErrors">Breaker trips after this many consecutive venue errors.</param>
/// <param name="MaxConsecutiveRejects">Breaker trips after this many consecutive order rejects.</param>
/// <param name="MaxStaleRatioPpm">Breaker trips when, within one <paramref name="StaleWindowNs"/>, at least this share of quotes was stale…</param>
/// <param name="StaleMinSamples">…out of at least this many.</param>
/// <param name="StableWindowNs">An open breaker closes only after this long without a new error, reject or stale trip.</param>
/// <param name="RateLimits">Order token buckets per venue (see the documented defaults on <see cref="RateLimit"/>).</param>
/// <param name="DefaultRateLimit">Bucket for venues without an entry; null = no bucket for them.</param>
/// <param name="MaxStrategies">Strategy ids are 0..MaxStrategies−1.</param>
/// <param name="MaxInstruments">Instrument ids covered by per-instrument buckets.</param>
public sealed record RiskConfig(
    long Capital,
    long DailyDrawdownLimit,
    GlobalCapMode CapMode = GlobalCapMode.PerVenuePlusGlobal,
    int VenueCapPpm = 300_000,
    IReadOnlyDictionary<VenueId, int>? VenueCapsPpm = null,
    int GlobalCapPpm = 1_000_000,
    long MaxOrderNotional = long.MaxValue,
    int MaxOpenOrders = 100,
    long MaxQuoteAgeNs = 1_000_000_000,
    long MinEdgeCentiBps = 1,
    long MaxRoundTripNs = 50_000_000,
    long StrategyMaxDailyLoss = long.MaxValue,
    IReadOnlyDictionary<int, long>? StrategyMaxDailyLosses = null,
    int MaxConsecutiveErrors = 5,
    int MaxConsecutiveRejects = 5,
    int MaxStaleRatioPpm = 200_000,
    int StaleMinSamples = 20,
    long StaleWindowNs = 10_000_000_000,
    long StableWindowNs = 30_000_000_000,
    IReadOnlyDictionary<VenueId, RateLimit>? RateLimits = null,
    RateLimit? DefaultRateLimit = null,
    int MaxStrategies = 64,
    int MaxInstruments = 1024)
{
    /// <summary>Checks every value against its allowed range; the exception names the key, the value and the range.</summary>
    public void Validate()
    {
        if (Capital <= 0) Throw(nameof(Capital), Capital, "> 0");
        if (DailyDrawdownLimit <= 0 || DailyDrawdownLimit > Capital / 2)
            Throw(nameof(DailyDrawdownLimit), DailyDrawdownLimit, $"0 < x ≤ 50% of capital ({Capital / 2})");
        if (VenueCapPpm is <= 0 or > 1_000_000) Throw(nameof(VenueCapPpm), VenueCapPpm, "1..1000000 ppm of capital");
        if (VenueCapsPpm is not null)
            foreach (var (venue, cap) in VenueCapsPpm)
                if (cap is <= 0 or > 1_000_000) Throw($"{nameof(VenueCapsPpm)}[{venue}]", cap, "1..1000000 ppm of capital");
        if (GlobalCapPpm is <= 0 or > 1_000_000) Throw(nameof(GlobalCapPpm), GlobalCapPpm, "1..1000000 ppm of capital");
        if (MaxOrderNotional <= 0) Throw(nameof(MaxOrderNotional), MaxOrderNotional, "> 0");
        if (MaxOpenOrders <= 0) Throw(nameof(MaxOpenOrders), MaxOpenOrders, "> 0");
        if (MaxQuoteAgeNs <= 0) Throw(nameof(MaxQuoteAgeNs), MaxQuoteAgeNs, "> 0");
        if (MaxRoundTripNs <= 0) Throw(nameof(MaxRoundTripNs), MaxRoundTripNs, "> 0");
        if (StrategyMaxDailyLoss <= 0) Throw(nameof(StrategyMaxDailyLoss), StrategyMaxDailyLoss, "> 0");
        if (MaxConsecutiveErrors <= 0) Throw(nameof(MaxConsecutiveErrors), MaxConsecutiveErrors, "> 0");
        if (MaxConsecutiveRejects <= 0) Throw(nameof(MaxConsecutiveRejects), MaxConsecutiveRejects, "> 0");
        if (MaxStaleRatioPpm is <= 0 or > 1_000_000) Throw(nameof(MaxStaleRatioPpm), MaxStaleRatioPpm, "1..1000000");
        if (StaleMinSamples <= 0) Throw(nameof(StaleMinSamples), StaleMinSamples, "> 0");
        if (StaleWindowNs <= 0) Throw(nameof(StaleWindowNs), StaleWindowNs, "> 0");
        if (StableWindowNs <= 0) Throw(nameof(StableWindowNs), StableWindowNs, "> 0");
        if (MaxStrategies is <= 0 or > 65_536) Throw(nameof(MaxStrategies), MaxStrategies, "1..65536");
        if (MaxInstruments is <= 0 or > 1 << 20) Throw(nameof(MaxInstruments), MaxInstruments, "1..1048576");
        if (RateLimits is not null)
            foreach (var (venue, limit) in RateLimits) ValidateLimit($"{nameof(RateLimits)}[{venue}]", limit);
        if (DefaultRateLimit is { } d) ValidateLimit(nameof(DefaultRateLimit), d);
    }

    private static void ValidateLimit(string key, RateLimit limit)
    {
        if (limit.Tokens <= 0 || limit.PerNs <= 0 || limit.Burst <= 0 || limit.Burst > 1_000_000_000)
            Throw(key, $"{limit.Tokens}/{limit.PerNs}ns burst {limit.Burst}", "tokens > 0, period > 0, 0 < burst ≤ 10^9");
    }

    private static void Throw(string key, object value, string allowed) =>
        throw new ArgumentOutOfRangeException(key, value, $"risk config '{key}' = {value}; allowed {allowed}");
}
