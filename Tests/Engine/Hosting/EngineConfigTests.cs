using FastEngine.Hosting;

namespace FastEngine.Tests.Engine.Hosting;

public class EngineConfigTests
{
    private static List<ConfigError> Load(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fe-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            EngineConfigLoader.TryLoad(path, out var errors);
            return errors;
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(EngineConfigValidator.Validate(new EngineConfig()));
        Assert.Empty(Load("{}"));
    }

    [Theory]
    [InlineData("""{"mode":"yolo"}""", "mode", "\"yolo\"", "\"paper\"")]
    [InlineData("""{"topology":{"ringSize":1000}}""", "topology.ringSize", "1000", "power of two")]
    [InlineData("""{"topology":{"waitStrategy":"spin"}}""", "topology.waitStrategy", "\"spin\"", "busy-spin")]
    [InlineData("""{"topology":{"cpus":{"decision":-5}}}""", "topology.cpus.decision", "-5", "not pinned")]
    [InlineData("""{"risk":{"dailyDrawdownPct":80}}""", "risk.dailyDrawdownPct", "80", "at most 50")]
    [InlineData("""{"risk":{"dailyDrawdownPct":0}}""", "risk.dailyDrawdownPct", "0", "greater than 0")]
    [InlineData("""{"risk":{"perVenueCapPct":130}}""", "risk.perVenueCapPct", "130", "from 0 to 100")]
    [InlineData("""{"venues":[{"name":"binance","symbols":[]}]}""", "venues[0].symbols", "[]", "at least one symbol")]
    [InlineData("""{"venues":[{"name":"okx","symbols":["BTC-USDT"],"endpoint":"http://x"}]}""", "venues[0].endpoint", "\"http://x\"", "ws://")]
    [InlineData("""{"journal":{"fsync":"sometimes"}}""", "journal.fsync", "\"sometimes\"", "every-record")]
    [InlineData("""{"triangular":{"minEdgeBps":-1}}""", "triangular.minEdgeBps", "-1", "from 0 to 10000")]
    [InlineData("""{"triangular":{"startCurrencies":["usdt"]}}""", "triangular.startCurrencies[0]", "\"usdt\"", "upper-case")]
    [InlineData("""{"triangular":{"startCurrencies":[]}}""", "triangular.startCurrencies", "[]", "at least one")]
    [InlineData("""{"carry":{"signPersistence":0}}""", "carry.signPersistence", "0", "from 1 to 1000")]
    [InlineData("""{"carry":{"fundingIntervalHours":0}}""", "carry.fundingIntervalHours", "0", "from 0.01 to 168")]
    [InlineData("""{"carry":{"legNotional":0}}""", "carry.legNotional", "0", "from 1E-08")]
    [InlineData("""{"carry":{"exitCarryBps":1500}}""", "carry.exitCarryBps", "1500", "from 0 to carry.minCarryBps (1000)")]
    [InlineData("""{"carry":{"minCarryBps":200,"exitCarryBps":250}}""", "carry.exitCarryBps", "250", "unwound as soon as it opened")]
    [InlineData("""{"carry":{"exitCarryBps":-1}}""", "carry.exitCarryBps", "-1", "from 0 to carry.minCarryBps")]
    [InlineData("""{"carry":{"maxHoldFundings":-1}}""", "carry.maxHoldFundings", "-1", "from 0 to 100000")]
    [InlineData("""{"routing":{"minHealthPct":101}}""", "routing.minHealthPct", "101", "from 0 to 100")]
    [InlineData("""{"engine":{"keepWarmMicros":-1}}""", "engine.keepWarmMicros", "-1", "from 0 to 1000000")]
    [InlineData("""{"topology":{"waitStrategy":"blocking"},"engine":{"keepWarmMicros":50}}""", "engine.keepWarmMicros", "50", "busy-spin or yielding")]
    [InlineData("""{"engine":{"warmupRuns":101},"replay":["a.jsonl"]}""", "engine.warmupRuns", "101", "from 0 to 100")]
    [InlineData("""{"engine":{"warmupRuns":2}}""", "engine.warmupRuns", "2", "no replay files")]
    [InlineData("""{"topology":{"cpus":{"producre":0}}}""", "topology.cpus.producre", "0", "producer")]
    [InlineData("""{"paper":{"makerMaxRestMs":0}}""", "paper.makerMaxRestMs", "0", "from 0.001 to 86400000")]
    [InlineData("""{"paper":{"makerMaxOrders":0}}""", "paper.makerMaxOrders", "0", "from 1 to 65536")]
    [InlineData("""{"topology":{"mode":"staged","snapshotDepth":0}}""", "topology.snapshotDepth", "0", "from 1 to 5000")]
    [InlineData("""{"topology":{"mode":"staged","snapshotDepth":5001}}""", "topology.snapshotDepth", "5001", "from 1 to 5000")]
    [InlineData("""{"topology":{"mode":"pipelined"}}""", "topology.mode", "\"pipelined\"", "\"staged\"")]
    [InlineData("""{"topology":{"mode":"staged","cpus":{"book":-2}}}""", "topology.cpus.book", "-2", "not pinned")]
    public void Validate_BadValue_NamesKeyValueAndRange(string json, string key, string value, string allowedFragment)
    {
        var error = Assert.Single(Load(json));
        Assert.Equal(key, error.Key);
        Assert.Equal(value, error.Value);
        Assert.Contains(allowedFragment, error.Allowed);
        Assert.Contains(key, error.ToString());
    }

    /// <summary>README, configuration table: <c>topology.mode</c> <c>staged</c> with a book thread CPU (<c>topology.cpus.book</c>)
    /// and a snapshot depth from 1 to 5,000 loads without error and reaches the topology; the depth defaults to 64.</summary>
    [Theory]
    [InlineData("""{"topology":{"mode":"staged","waitStrategy":"busy-spin","cpus":{"producer":0,"book":1,"decision":2},"snapshotDepth":1}}""", 1, 1)]
    [InlineData("""{"topology":{"mode":"staged","cpus":{"book":3},"snapshotDepth":5000}}""", 5000, 3)]
    [InlineData("""{"topology":{"mode":"staged","cpus":{"book":-1}}}""", 64, -1)]
    public void Topology_Staged_AcceptedWithBookCpuAndSnapshotDepth(string json, int depth, int bookCpu)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fe-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var config = EngineConfigLoader.TryLoad(path, out var errors);
            Assert.Empty(errors);
            Assert.Equal("staged", config!.Topology.Mode);
            Assert.Equal(depth, config.Topology.SnapshotDepth);
            Assert.Equal(bookCpu, config.Topology.Cpus["book"]);
        }
        finally { File.Delete(path); }
    }

    /// <summary>README, configuration table: <c>carry.exitCarryBps</c> defaults to a quarter of <c>carry.minCarryBps</c> (1,000 → 250,
    /// 2,000 → 500), an explicit value wins (0 included: unwind only when the carry turns against the position);
    /// <c>carry.maxHoldFundings</c> defaults to 3, 0 means no limit. Both reach the decision options.</summary>
    [Theory]
    [InlineData("""{}""", 250, 3)]
    [InlineData("""{"carry":{"minCarryBps":2000}}""", 500, 3)]
    [InlineData("""{"carry":{"exitCarryBps":0,"maxHoldFundings":0}}""", 0, 0)]
    [InlineData("""{"carry":{"minCarryBps":2000,"exitCarryBps":1200,"maxHoldFundings":7}}""", 1200, 7)]
    public void CarryExitKeys_DefaultsAndExplicitValues_ReachDecisionOptions(string json, double exitBps, int maxHold)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fe-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var config = EngineConfigLoader.TryLoad(path, out var errors);
            Assert.Empty(errors);
            var carry = new DecisionOptions().WithStrategies(config!).Carry;
            Assert.Equal(exitBps, carry.ExitCarryBps);
            Assert.Equal(maxHold, carry.MaxHoldFundings);
        }
        finally { File.Delete(path); }
    }

    /// <summary>README, configuration table: keep-warm defaults to 100 µs with the spinning waits, off with the sleeping and
    /// blocking ones, and an explicit value (0 included) wins.</summary>
    [Theory]
    [InlineData("busy-spin", null, 100)]
    [InlineData("yielding", null, 100)]
    [InlineData("sleeping", null, 0)]
    [InlineData("blocking", null, 0)]
    [InlineData("yielding", 0, 0)]
    [InlineData("busy-spin", 250, 250)]
    public void KeepWarmMicrosFor_DefaultByWaitStrategy_ExplicitValueWins(string wait, int? configured, int expected)
    {
        Assert.Equal(expected, new EngineSectionConfig { KeepWarmMicros = configured }.KeepWarmMicrosFor(wait));
    }

    /// <summary>The shipped config files load, and their strategy sections reach the decision options.</summary>
    [Theory]
    [InlineData("default.json")]
    [InlineData("latency-demo.json")]
    public void ShippedConfig_StrategySections_ReachDecisionOptions(string name)
    {
        string? path = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && path is null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "config", name))) path = Path.Combine(dir.FullName, "config", name);
        Assert.NotNull(path);
        var config = EngineConfigLoader.TryLoad(path!, out var errors);
        Assert.Empty(errors);
        var options = new DecisionOptions().WithStrategies(config!);
        Assert.Equal(1_000L * 100_000_000, options.Triangular.MaxStartAmount);
        Assert.Equal(["USDT", "USDC", "USD"], options.Triangular.StartCurrencies);
        Assert.Equal(100_000_000, options.Carry.EvaluateIntervalNs);        // 100 ms
        Assert.Equal(5L * 60 * 1_000_000_000, options.Carry.MinTimeToFundingNs);
        Assert.Equal(500_000, options.Router.MinHealthPpm);                  // 50 %
    }

    /// <summary>Every config file shipped in config/ loads without an error (a file added later is covered without a change
    /// here); config/latency-demo-staged.json is the staged topology with a CPU for each of its three threads and the same
    /// venues, fees and thresholds as config/latency-demo.json, so its decisions are that file's.</summary>
    [Fact]
    public void ShippedConfigs_EveryFile_LoadsWithoutError()
    {
        string? dir = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && dir is null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "config", "default.json"))) dir = Path.Combine(d.FullName, "config");
        Assert.NotNull(dir);
        var files = Directory.GetFiles(dir!, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.Contains(files, f => Path.GetFileName(f) == "latency-demo-staged.json");
        Assert.True(files.Length >= 7, string.Join(", ", files.Select(Path.GetFileName)));
        foreach (var file in files)
        {
            var config = EngineConfigLoader.TryLoad(file, out var errors);
            Assert.True(config is not null && errors.Count == 0, $"{Path.GetFileName(file)}: {string.Join("; ", errors)}");
        }
        var staged = EngineConfigLoader.TryLoad(Path.Combine(dir!, "latency-demo-staged.json"), out _)!;
        var demo = EngineConfigLoader.TryLoad(Path.Combine(dir!, "latency-demo.json"), out _)!;
        Assert.Equal("staged", staged.Topology.Mode);
        Assert.Equal("yielding", staged.Topology.WaitStrategy);
        Assert.Equal((0, 1, 2), (staged.Topology.Cpus["producer"], staged.Topology.Cpus["book"], staged.Topology.Cpus["decision"]));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(demo with { Topology = new TopologyConfig() }),
            System.Text.Json.JsonSerializer.Serialize(staged with { Topology = new TopologyConfig() }));
    }

    /// <summary>README, configuration table: <c>paper.makerMaxRestMs</c> 5000 and <c>paper.makerMaxOrders</c> 64 by default; set
    /// values reach the paper broker of the decision engine (its time in force, table size and the thresholds' quote age).</summary>
    [Fact]
    public void PaperSection_DefaultsAndValues_ReachPaperBroker()
    {
        var defaults = new DecisionOptions().WithStrategies(new EngineConfig());
        Assert.Equal((5_000_000_000L, 64), (defaults.MakerMaxRestNs, defaults.MakerMaxOrders));
        var config = new EngineConfig { Paper = new PaperConfig { MakerMaxRestMs = 250, MakerMaxOrders = 3 } };
        Assert.Empty(EngineConfigValidator.Validate(config));
        var options = new DecisionOptions().WithStrategies(config);
        using var engine = new DecisionEngine(new FastEngine.Model.InstrumentRegistry(), options);
        Assert.Equal(250_000_000, engine.Broker.Options.MakerMaxRestNs);
        Assert.Equal(3, engine.Broker.Options.MaxRestingOrders);
        Assert.Equal(options.Thresholds.MaxQuoteAgeNs, engine.Broker.Options.MaxQuoteAgeNs);
    }

    [Fact]
    public void Load_UnknownKeyOrBadJson_ClearError()
    {
        var unknown = Assert.Single(Load("""{"topology":{"ringsize":4096}}"""));
        Assert.Contains("ringsize", unknown.Allowed + unknown.Key);
        var bad = Assert.Single(Load("""{"mode": """));
        Assert.Contains("line", bad.Value);
        var missing = new List<ConfigError>();
        Assert.Null(EngineConfigLoader.TryLoad("/nonexistent/fe.json", out missing));
        Assert.Contains("does not exist", Assert.Single(missing).Allowed);
    }
}
