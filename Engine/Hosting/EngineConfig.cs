using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastEngine.Hosting;

/// <summary>
/// The engine's configuration file (JSON, camelCase keys; documented key by key in the README). Immutable records;
/// read once at start-up by <see cref="EngineConfigLoader"/>, validated by <see cref="EngineConfigValidator"/>.
/// </summary>
public sealed record EngineConfig
{
    /// <summary><c>paper</c> (default) or <c>live</c> (needs credentials; refused otherwise).</summary>
    public string Mode { get; init; } = "paper";
    public List<VenueConfig> Venues { get; init; } = [];
    public TopologyConfig Topology { get; init; } = new();
    /// <summary>Decision-thread behaviour (section <c>engine</c>): idle-time keep-warm.</summary>
    public EngineSectionConfig Engine { get; init; } = new();
    public ThresholdsConfig Thresholds { get; init; } = new();
    public RiskConfigSection Risk { get; init; } = new();
    public RoutingConfig Routing { get; init; } = new();
    public JournalConfig Journal { get; init; } = new();
    public CaptureConfig Capture { get; init; } = new();
    public LoggingConfig Logging { get; init; } = new();
    public TelemetryConfig Telemetry { get; init; } = new();
    /// <summary>JSON file of venue → apiKey/apiSecret[/passphrase] (relative to the config file), used by <c>mode: live</c>
    /// when the environment has no <c>FASTENGINE_&lt;VENUE&gt;_API_KEY</c>; must not be readable by group or others.</summary>
    public string? CredentialsFile { get; init; }
    // Decision strategies (triangular, carry) — see the "Decision strategies" block below.
    public TriangularConfigSection Triangular { get; init; } = new();
    public CarryConfigSection Carry { get; init; } = new();
    /// <summary>Paper broker (section <c>paper</c>): resting maker orders.</summary>
    public PaperConfig Paper { get; init; } = new();
    /// <summary>Replay files (relative to the config file) used by <c>replay</c> when no file is given, and as warm-up.</summary>
    public List<string> Replay { get; init; } = [];
}

public sealed record VenueConfig
{
    /// <summary>Venue name: a folder name of the shared captures (<c>binance</c>, <c>binance-futures</c>, <c>okx</c>, ...).</summary>
    public string Name { get; init; } = "";
    public bool Enabled { get; init; } = true;
    /// <summary>Venue symbols to subscribe (<c>BTCUSDT</c>, <c>BTC-USDT-SWAP</c>, <c>XBT/USD</c>).</summary>
    public List<string> Symbols { get; init; } = [];
    /// <summary>WebSocket endpoint override (the simulator's <c>ws://127.0.0.1:port/...</c>); default: the venue's public URL.</summary>
    public string? Endpoint { get; init; }
    /// <summary>REST endpoint override for book snapshots.</summary>
    public string? RestEndpoint { get; init; }
    public double MakerFeeBps { get; init; } = 2;
    public double TakerFeeBps { get; init; } = 10;
    /// <summary>Book depth to subscribe where the venue lets you choose.</summary>
    public int Depth { get; init; } = 0;
    /// <summary>Accept this server certificate thumbprint (SHA-256 hex) instead of normal validation (simulator only).</summary>
    public string? PinnedCertificateSha256 { get; init; }
}

public sealed record TopologyConfig
{
    /// <summary><c>fused</c> (book→signal→route→risk on one thread: best on small machines) or <c>staged</c> (the book stage on
    /// its own thread, handing book images to the decision stage thread).</summary>
    public string Mode { get; init; } = "fused";
    /// <summary><c>busy-spin</c>, <c>yielding</c>, <c>sleeping</c> or <c>blocking</c>.</summary>
    public string WaitStrategy { get; init; } = "yielding";
    /// <summary>Ring capacity in events, a power of two.</summary>
    public int RingSize { get; init; } = 1 << 16;
    /// <summary>CPU per stage thread (<c>decision</c>, <c>book</c> in the staged topology, <c>capture</c>, <c>metrics</c>, <c>execution</c>) and, for <c>replay</c>
    /// and <c>latency</c>, the replay's publishing thread (<c>producer</c>, pinned for the run and released after it); -1
    /// or absent = not pinned.</summary>
    public Dictionary<string, int> Cpus { get; init; } = new();
    /// <summary>Staged topology: best levels per side of each book image the book stage hands to the decision stage (the
    /// decision side's books hold no more than this). See README, Configuration.</summary>
    public int SnapshotDepth { get; init; } = DefaultSnapshotDepth;

    public const int DefaultSnapshotDepth = 64;
    public const int MaxSnapshotDepth = 5000;
}

/// <summary>Section <c>engine</c>.</summary>
public sealed record EngineSectionConfig
{
    /// <summary>Idle-time keep-warm: after this many µs without an event the decision thread runs a dry run of the intent
    /// path that changes no state (evaluate → size → risk probe → reference id + journal encode into scratch → paper-fill
    /// walk), then again every this many µs while idle, so a rare intent does not run cache-cold. 0: off. Absent: 100 with
    /// the busy-spin and yielding waits, off with sleeping and blocking (which would have to wake up for it).</summary>
    public int? KeepWarmMicros { get; init; }

    /// <summary><c>run</c>: replays of the config's <c>replay</c> files at full speed through a throwaway engine before the
    /// venues connect, so the JIT has compiled the hot paths (parsers, books, decision, intent path) before the first live
    /// message. 0 (default): none. Needs a non-empty <c>replay</c> list.</summary>
    public int WarmupRuns { get; init; }

    /// <summary>Default of <see cref="KeepWarmMicros"/> when absent.</summary>
    public const int DefaultKeepWarmMicros = 100;

    /// <summary>The keep-warm interval in force for <paramref name="waitStrategy"/> (0: off).</summary>
    public int KeepWarmMicrosFor(string waitStrategy) => KeepWarmMicros
        ?? (waitStrategy is "busy-spin" or "yielding" ? DefaultKeepWarmMicros : 0);
}

public sealed record ThresholdsConfig
{
    public double MinEdgeBps { get; init; } = 1;
    /// <summary>Minimum notional of an opportunity in quote currency (USD face value for inverse contracts).</summary>
    public double MinNotional { get; init; } = 10;
    public double MaxQuoteAgeMs { get; init; } = 5_000;
}

public sealed record RiskConfigSection
{
    /// <summary>Trading capital in quote currency.</summary>
    public double Capital { get; init; } = 100_000;
    /// <summary><c>per-venue</c> (per-venue budgets plus a global cap; default) or <c>unified</c>.</summary>
    public string CapMode { get; init; } = "per-venue";
    public double PerVenueCapPct { get; init; } = 30;
    public double GlobalCapPct { get; init; } = 100;
    public double MaxOrderNotional { get; init; } = 10_000;
    public int MaxOpenOrders { get; init; } = 50;
    /// <summary>Global daily drawdown kill switch, percent of capital (hard bounds 0 &lt; x ≤ 50).</summary>
    public double DailyDrawdownPct { get; init; } = 5;
    public double StrategyMaxLossPerDay { get; init; } = 1_000;
    public int BreakerConsecutiveErrors { get; init; } = 5;
    public double BreakerStableWindowSeconds { get; init; } = 60;
}

public sealed record RoutingConfig
{
    public bool MakerPreferred { get; init; } = false;
    public double SlippageBpsPerLevel { get; init; } = 0.5;
    public double LatencyPenaltyBpsPerMs { get; init; } = 0.1;
    /// <summary>Cost added to a venue whose health score is 0, scaled by (1 − score), bps.</summary>
    public double ReliabilityPenaltyBps { get; init; } = 10;
    /// <summary>Venues whose health score (good messages against weighted errors, rejects, disconnects) is below this percent are not routed to.</summary>
    public double MinHealthPct { get; init; } = 50;
}

// ---- Decision strategies (triangular arbitrage, funding/basis carry): owned by the decision stage ----

/// <summary>Triangular arbitrage within one venue over its currency graph (section <c>triangular</c>).</summary>
public sealed record TriangularConfigSection
{
    public bool Enabled { get; init; } = true;
    /// <summary>Minimum top-of-book cycle edge after the three taker fees, bps.</summary>
    public double MinEdgeBps { get; init; } = 1;
    /// <summary>Currencies a cycle starts and ends in (USD-like: risk caps the start amount as USD).</summary>
    public List<string> StartCurrencies { get; init; } = ["USDT", "USDC", "USD"];
    /// <summary>Largest start amount of one cycle, in the start currency.</summary>
    public double MaxStartAmount { get; init; } = 1_000;
}

/// <summary>Funding/basis carry of a perpetual against spot (section <c>carry</c>).</summary>
public sealed record CarryConfigSection
{
    public bool Enabled { get; init; } = true;
    /// <summary>Minimum |annualized funding + basis|, bps (1,000 = 10 % a year).</summary>
    public double MinCarryBps { get; init; } = 1_000;
    /// <summary>The last N funding observations must share the current rate's sign.</summary>
    public int SignPersistence { get; init; } = 3;
    /// <summary>No carry counts when the next funding is closer than this.</summary>
    public double MinTimeToFundingMinutes { get; init; } = 5;
    public double FundingIntervalHours { get; init; } = 8;
    /// <summary>Throttle: a pair is re-evaluated on book-top changes at most this often (event time); funding/mark/index events always evaluate.</summary>
    public double EvaluateIntervalMs { get; init; } = 100;
    /// <summary>Notional of each leg, USD (face value on an inverse perpetual).</summary>
    public double LegNotional { get; init; } = 1_000;
    /// <summary>Each IOC leg's limit: the top price worsened by this many bps.</summary>
    public double MaxSlippageBps { get; init; } = 5;
    /// <summary>An open carry is unwound when its annualized carry (in the direction it was opened) falls below this, bps;
    /// null: a quarter of <see cref="MinCarryBps"/> (<see cref="ExitCarryBpsOrDefault"/>). Must not exceed minCarryBps.</summary>
    public double? ExitCarryBps { get; init; }
    /// <summary>An open carry is unwound after this many funding timestamps passed while it was held; 0: no limit.</summary>
    public int MaxHoldFundings { get; init; } = 3;

    /// <summary><see cref="ExitCarryBps"/>, or a quarter of <see cref="MinCarryBps"/> when not set.</summary>
    public double ExitCarryBpsOrDefault => ExitCarryBps ?? MinCarryBps / 4;
}

/// <summary>Paper broker (section <c>paper</c>): how resting maker (post-only) orders of the router's maker style behave.</summary>
public sealed record PaperConfig
{
    /// <summary>Time in force of a resting maker order (event time): cancelled this long after it rested, ms.</summary>
    public double MakerMaxRestMs { get; init; } = 5_000;
    /// <summary>Capacity of the pre-allocated resting-order table; a post-only order beyond it is rejected (counted).</summary>
    public int MakerMaxOrders { get; init; } = 64;
}

public sealed record JournalConfig
{
    public string Path { get; init; } = "journal/intents.fej";
    /// <summary><c>never</c>, <c>every-record</c>, <c>every-n</c> or <c>interval</c>.</summary>
    public string Fsync { get; init; } = "every-record";
    public int FsyncEveryN { get; init; } = 64;
    public double FsyncIntervalMs { get; init; } = 10;
}

public sealed record CaptureConfig
{
    /// <summary>Record everything <c>run</c> receives into <see cref="Path"/> (as <c>run --capture</c> does).</summary>
    public bool Enabled { get; init; } = false;
    /// <summary>Base name of the capture files; rotated files are <c>stem.0001.fecap</c>, <c>stem.0002.fecap</c>, ...</summary>
    public string Path { get; init; } = "captures/fastengine.fecap";
    /// <summary>Start a new file when the current one reaches this size (MiB).</summary>
    public double RotateMb { get; init; } = 512;
    /// <summary>Start a new file when the current one is this old (minutes).</summary>
    public double RotateMinutes { get; init; } = 60;
}

public sealed record LoggingConfig
{
    /// <summary><c>verbose</c>, <c>debug</c>, <c>information</c>, <c>warning</c>, <c>error</c>.</summary>
    public string Level { get; init; } = "information";
    /// <summary>Human-readable lines on the console (standard error).</summary>
    public bool Console { get; init; } = true;
    /// <summary>Rolling JSON log file path (Serilog inserts the date before the extension); empty or null = no file.</summary>
    public string? File { get; init; } = "logs/fastengine-.json";
    /// <summary><c>infinite</c>, <c>year</c>, <c>month</c>, <c>day</c>, <c>hour</c> or <c>minute</c>.</summary>
    public string RollingInterval { get; init; } = "day";
    /// <summary>Rolled files kept (oldest deleted first).</summary>
    public int RetainedFiles { get; init; } = 31;
}

public sealed record TelemetryConfig
{
    /// <summary>Seconds between two telemetry lines of <c>run</c> and <c>capture</c>.</summary>
    public double IntervalSeconds { get; init; } = 10;
    /// <summary>Telemetry lines on or off.</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>A configuration error: the key, the bad value and what is allowed.</summary>
public sealed record ConfigError(string Key, string Value, string Allowed)
{
    public override string ToString() => $"config key '{Key}' = {Value}: {Allowed}";
}

/// <summary>Reads a config file (cold path).</summary>
public static class EngineConfigLoader
{
    private static readonly JsonSerializerOptions _options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Loads and validates; on failure returns the errors (never throws for bad content).</summary>
    public static EngineConfig? TryLoad(string path, out List<ConfigError> errors)
    {
        errors = [];
        if (!File.Exists(path))
        {
            errors.Add(new ConfigError("(file)", path, "the config file does not exist"));
            return null;
        }
        EngineConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<EngineConfig>(File.ReadAllText(path), _options);
        }
        catch (JsonException ex)
        {
            errors.Add(new ConfigError(ex.Path ?? "(root)", $"line {ex.LineNumber + 1}", ex.Message));
            return null;
        }
        if (config is null)
        {
            errors.Add(new ConfigError("(root)", "null", "a JSON object"));
            return null;
        }
        errors.AddRange(EngineConfigValidator.Validate(config));
        return errors.Count == 0 ? config : null;
    }

    public static string Serialize(EngineConfig config) => JsonSerializer.Serialize(config, new JsonSerializerOptions(_options) { WriteIndented = true });
}

/// <summary>Validates every key against its allowed range; the engine exits before connecting anywhere on any error.</summary>
public static class EngineConfigValidator
{
    private static readonly string[] _waitStrategies = ["busy-spin", "yielding", "sleeping", "blocking"];
    private static readonly string[] _stageNames = ["decision", "producer", "capture", "metrics", "execution", "book", "signal", "route", "risk"];

    public static List<ConfigError> Validate(EngineConfig c, Func<string, bool>? isKnownVenue = null)
    {
        var e = new List<ConfigError>();
        OneOf(e, "mode", c.Mode, ["paper", "live"]);
        for (int i = 0; i < c.Venues.Count; i++)
        {
            var v = c.Venues[i];
            string k = $"venues[{i}]";
            if (string.IsNullOrWhiteSpace(v.Name)) e.Add(new(k + ".name", Q(v.Name), "a venue name such as \"binance\""));
            else if (isKnownVenue is not null && !isKnownVenue(v.Name)) e.Add(new(k + ".name", Q(v.Name), "a known venue name (see README, Venues)"));
            if (v.Enabled && v.Symbols.Count == 0) e.Add(new(k + ".symbols", "[]", "at least one symbol for an enabled venue"));
            Range(e, k + ".makerFeeBps", v.MakerFeeBps, -10, 100);
            Range(e, k + ".takerFeeBps", v.TakerFeeBps, 0, 100);
            Range(e, k + ".depth", v.Depth, 0, 5000);
            if (v.Endpoint is not null && !(Uri.TryCreate(v.Endpoint, UriKind.Absolute, out var u) && (u.Scheme == "ws" || u.Scheme == "wss")))
                e.Add(new(k + ".endpoint", Q(v.Endpoint), "an absolute ws:// or wss:// URL"));
            if (v.RestEndpoint is not null && !(Uri.TryCreate(v.RestEndpoint, UriKind.Absolute, out var r) && (r.Scheme == "http" || r.Scheme == "https")))
                e.Add(new(k + ".restEndpoint", Q(v.RestEndpoint), "an absolute http:// or https:// URL"));
        }
        var dup = c.Venues.GroupBy(v => v.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) e.Add(new("venues", Q(dup.Key), "each venue at most once"));

        OneOf(e, "topology.mode", c.Topology.Mode, ["fused", "staged"]);
        if (c.Topology.SnapshotDepth < 1 || c.Topology.SnapshotDepth > TopologyConfig.MaxSnapshotDepth)
            e.Add(new("topology.snapshotDepth", c.Topology.SnapshotDepth.ToString(),
                $"from 1 to {TopologyConfig.MaxSnapshotDepth} levels per side (the decision stage's books hold this many; default {TopologyConfig.DefaultSnapshotDepth})"));
        OneOf(e, "topology.waitStrategy", c.Topology.WaitStrategy, _waitStrategies);
        if (c.Topology.RingSize < 1024 || c.Topology.RingSize > (1 << 26) || (c.Topology.RingSize & (c.Topology.RingSize - 1)) != 0)
            e.Add(new("topology.ringSize", c.Topology.RingSize.ToString(), "a power of two from 1024 to 67108864"));
        if (c.Engine.KeepWarmMicros is { } keepWarm)
        {
            Range(e, "engine.keepWarmMicros", keepWarm, 0, 1_000_000);
            if (keepWarm > 0 && c.Topology.WaitStrategy is "sleeping" or "blocking")
                e.Add(new("engine.keepWarmMicros", keepWarm.ToString(), "0 with the sleeping or blocking wait (keep-warm runs with busy-spin or yielding)"));
        }
        Range(e, "engine.warmupRuns", c.Engine.WarmupRuns, 0, 100);
        if (c.Engine.WarmupRuns > 0 && c.Replay.Count == 0)
            e.Add(new("engine.warmupRuns", c.Engine.WarmupRuns.ToString(), "0 when the config lists no replay files (the warm-up replays them)"));
        foreach (var (stage, cpu) in c.Topology.Cpus)
        {
            if (!_stageNames.Contains(stage)) e.Add(new($"topology.cpus.{stage}", cpu.ToString(), $"stage names: {string.Join(", ", _stageNames)}"));
            if (cpu < -1 || cpu >= 4096) e.Add(new($"topology.cpus.{stage}", cpu.ToString(), "-1 (not pinned) or a CPU number 0..4095"));
        }

        Range(e, "thresholds.minEdgeBps", c.Thresholds.MinEdgeBps, -1000, 10_000);
        Range(e, "thresholds.minNotional", c.Thresholds.MinNotional, 0, 1e12);
        Range(e, "thresholds.maxQuoteAgeMs", c.Thresholds.MaxQuoteAgeMs, 1, 3_600_000);

        Range(e, "risk.capital", c.Risk.Capital, 1, 1e12);
        OneOf(e, "risk.capMode", c.Risk.CapMode, ["per-venue", "unified"]);
        Range(e, "risk.perVenueCapPct", c.Risk.PerVenueCapPct, 0, 100);
        Range(e, "risk.globalCapPct", c.Risk.GlobalCapPct, 0, 100);
        Range(e, "risk.maxOrderNotional", c.Risk.MaxOrderNotional, 0, 1e12);
        Range(e, "risk.maxOpenOrders", c.Risk.MaxOpenOrders, 0, 100_000);
        if (!(c.Risk.DailyDrawdownPct > 0 && c.Risk.DailyDrawdownPct <= 50))
            e.Add(new("risk.dailyDrawdownPct", F(c.Risk.DailyDrawdownPct), "greater than 0 and at most 50 (hard bound)"));
        Range(e, "risk.strategyMaxLossPerDay", c.Risk.StrategyMaxLossPerDay, 0, 1e12);
        Range(e, "risk.breakerConsecutiveErrors", c.Risk.BreakerConsecutiveErrors, 1, 10_000);
        Range(e, "risk.breakerStableWindowSeconds", c.Risk.BreakerStableWindowSeconds, 1, 86_400);

        Range(e, "routing.slippageBpsPerLevel", c.Routing.SlippageBpsPerLevel, 0, 1000);
        Range(e, "routing.latencyPenaltyBpsPerMs", c.Routing.LatencyPenaltyBpsPerMs, 0, 1000);
        Range(e, "routing.reliabilityPenaltyBps", c.Routing.ReliabilityPenaltyBps, 0, 1000);
        Range(e, "routing.minHealthPct", c.Routing.MinHealthPct, 0, 100);

        // Decision strategies.
        Range(e, "triangular.minEdgeBps", c.Triangular.MinEdgeBps, 0, 10_000);
        Range(e, "triangular.maxStartAmount", c.Triangular.MaxStartAmount, 0.00000001, 1e12);
        if (c.Triangular.Enabled && c.Triangular.StartCurrencies.Count == 0)
            e.Add(new("triangular.startCurrencies", "[]", "at least one currency code when triangular.enabled is true"));
        for (int i = 0; i < c.Triangular.StartCurrencies.Count; i++)
        {
            string code = c.Triangular.StartCurrencies[i];
            if (string.IsNullOrEmpty(code) || code.Length > 12 || !code.All(ch => ch is >= 'A' and <= 'Z' or >= '0' and <= '9'))
                e.Add(new($"triangular.startCurrencies[{i}]", Q(code), "an upper-case currency code of 1 to 12 letters or digits (\"USDT\")"));
        }
        Range(e, "carry.minCarryBps", c.Carry.MinCarryBps, 0, 1_000_000);
        Range(e, "carry.signPersistence", c.Carry.SignPersistence, 1, 1_000);
        Range(e, "carry.minTimeToFundingMinutes", c.Carry.MinTimeToFundingMinutes, 0, 1_440);
        Range(e, "carry.fundingIntervalHours", c.Carry.FundingIntervalHours, 0.01, 168);
        Range(e, "carry.evaluateIntervalMs", c.Carry.EvaluateIntervalMs, 0, 3_600_000);
        Range(e, "carry.legNotional", c.Carry.LegNotional, 0.00000001, 1e12);
        Range(e, "carry.maxSlippageBps", c.Carry.MaxSlippageBps, 0, 1_000);
        if (c.Carry.ExitCarryBps is { } exit && (double.IsNaN(exit) || exit < 0 || exit > c.Carry.MinCarryBps))
            e.Add(new("carry.exitCarryBps", F(exit), $"from 0 to carry.minCarryBps ({F(c.Carry.MinCarryBps)}): at or above the entry threshold a carry would be unwound as soon as it opened"));
        Range(e, "carry.maxHoldFundings", c.Carry.MaxHoldFundings, 0, 100_000);

        Range(e, "paper.makerMaxRestMs", c.Paper.MakerMaxRestMs, 0.001, 86_400_000);
        Range(e, "paper.makerMaxOrders", c.Paper.MakerMaxOrders, 1, 65_536);

        if (string.IsNullOrWhiteSpace(c.Journal.Path)) e.Add(new("journal.path", Q(c.Journal.Path), "a file path"));
        OneOf(e, "journal.fsync", c.Journal.Fsync, ["never", "every-record", "every-n", "interval"]);
        Range(e, "journal.fsyncEveryN", c.Journal.FsyncEveryN, 1, 1_000_000);
        Range(e, "journal.fsyncIntervalMs", c.Journal.FsyncIntervalMs, 0.1, 60_000);

        ValidateOperations(c, e);
        return e;
    }

    /// <summary>Unattended operation: capture rotation, logging, telemetry, credentials.</summary>
    private static void ValidateOperations(EngineConfig c, List<ConfigError> e)
    {
        if (string.IsNullOrWhiteSpace(c.Capture.Path)) e.Add(new("capture.path", Q(c.Capture.Path), "a file path"));
        Range(e, "capture.rotateMb", c.Capture.RotateMb, 0.01, 1_000_000);
        Range(e, "capture.rotateMinutes", c.Capture.RotateMinutes, 0.01, 100_000);
        OneOf(e, "logging.level", c.Logging.Level, ["verbose", "debug", "information", "warning", "error"]);
        OneOf(e, "logging.rollingInterval", c.Logging.RollingInterval, ["infinite", "year", "month", "day", "hour", "minute"]);
        Range(e, "logging.retainedFiles", c.Logging.RetainedFiles, 1, 100_000);
        if (c.Logging.File is { } file && file.Length > 0 && string.IsNullOrWhiteSpace(file))
            e.Add(new("logging.file", Q(file), "a file path, or empty for no log file"));
        Range(e, "telemetry.intervalSeconds", c.Telemetry.IntervalSeconds, 0.1, 86_400);
        if (c.CredentialsFile is not null && string.IsNullOrWhiteSpace(c.CredentialsFile))
            e.Add(new("credentialsFile", Q(c.CredentialsFile), "a file path (relative to the config file), or absent"));
    }

    private static void Range(List<ConfigError> e, string key, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max) e.Add(new(key, F(value), $"from {F(min)} to {F(max)}"));
    }

    private static void OneOf(List<ConfigError> e, string key, string value, string[] allowed)
    {
        if (!allowed.Contains(value)) e.Add(new(key, Q(value), "one of " + string.Join(", ", allowed.Select(a => $"\"{a}\""))));
    }

    private static string Q(string? s) => s is null ? "null" : $"\"{s}\"";
    private static string F(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
