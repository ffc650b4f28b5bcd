using System.Text.Json.Nodes;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Hosting;
using FastEngine.Cli.Live;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Tests.Engine.Capture;
using FastEngine.Tests.Support;
using Serilog.Core;
using Serilog.Events;

namespace FastEngine.Tests.Tools;

/// <summary>The Serilog set-up from the config's <c>logging</c> block, the telemetry line, and the config keys of
/// unattended operation.</summary>
public class EngineLoggingTests
{
    [Fact]
    public void Create_FileAndConsole_JsonLinesInFileTextLinesOnConsoleLevelFiltered()
    {
        using var dir = new TempDirectory();
        string file = dir.File("logs/app.json");
        var console = new StringWriter();
        using (var logger = EngineLogging.Create(new LoggingConfig { Level = "warning", File = file, RollingInterval = "infinite" }, console))
        {
            logger.Information("not shown {N}", 1);
            logger.Warning("shown {Venue:l} {Count}", "okx", 42);
        } // disposing drains the async sinks
        string line = Assert.Single(File.ReadAllLines(file));
        var json = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("Warning", (string)json["Level"]!);
        Assert.Equal("shown okx 42", (string)json["RenderedMessage"]!);
        Assert.Equal(42, (int)json["Properties"]!["Count"]!);
        Assert.Contains("[WRN] shown okx 42", console.ToString());
        Assert.DoesNotContain("not shown", console.ToString());
    }

    [Fact]
    public void Create_ConsoleOff_NothingOnConsole_FailStillPrintsErrorOnce()
    {
        var console = new StringWriter();
        using (var logger = EngineLogging.Create(new LoggingConfig { Console = false, File = null }, console))
            logger.Information("quiet");
        Assert.Equal("", console.ToString());

        var shown = new StringWriter();
        using (var logger = EngineLogging.Create(new LoggingConfig { File = null }, shown))
            EngineLogging.Fail(logger, shown, "bad thing");
        Assert.Single(shown.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("bad thing"));
    }

    /// <summary>Telemetry over a real replay (the bundled Binance spot fixture: one book, synced at the end, no gap) and
    /// the line it logs: counters as structured properties, a final line on dispose.</summary>
    [Fact]
    public void TelemetryReporter_AfterReplay_FinalLineWithBooksSyncedAndStructuredProperties()
    {
        using var dir = new TempDirectory();
        var spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
        var config = new EngineConfig { Venues = [new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"] }] };
        var replay = ReplayRunner.Run([spot], config, ReplaySpeed.Max, dir.File("i.fej"));
        var feed = replay.Feed.Stats[VenueCatalog.Binance];
        var probe = new VenueProbe("binance", VenueCatalog.Binance, feed, new LiveVenueStats(), new WebSocketConnectionCounters());
        var sink = new CollectingSink();
        using (var logger = new Serilog.LoggerConfiguration().WriteTo.Sink(sink).CreateLogger())
        using (new TelemetryReporter(new TelemetrySampler([probe], replay.Engine), logger, TimeSpan.FromHours(1))) { }
        var e = Assert.Single(sink.Events);
        Assert.StartsWith("telemetry (final): binance DOWN", e.RenderMessage());
        var sample = (StructureValue)e.Properties["Telemetry"];
        var venues = (SequenceValue)sample.Properties.Single(p => p.Name == "Venues").Value;
        var venue = (StructureValue)venues.Elements.Single();
        long Value(string name) => Convert.ToInt64(((ScalarValue)venue.Properties.Single(p => p.Name == name).Value).Value);
        // The fixture: 3,000 non-empty lines (2,999 stream frames + the REST snapshot), one BTCUSDT book, synced, no gap.
        Assert.Equal(File.ReadLines(spot).Count(l => l.Length > 0), Value("Messages"));
        Assert.Equal(3_000, Value("Messages"));
        Assert.Equal(1, Value("Books"));
        Assert.Equal(1, Value("BooksSynced"));
        Assert.Equal(0, Value("Gaps"));
    }

    [Theory]
    [InlineData("""{ "capture": { "rotateMb": 0 } }""", "capture.rotateMb", "0", "from 0.01 to 1000000")]
    [InlineData("""{ "capture": { "rotateMinutes": -1 } }""", "capture.rotateMinutes", "-1", "from 0.01 to 100000")]
    [InlineData("""{ "logging": { "rollingInterval": "weekly" } }""", "logging.rollingInterval", "\"weekly\"", "\"minute\"")]
    [InlineData("""{ "logging": { "retainedFiles": 0 } }""", "logging.retainedFiles", "0", "from 1 to 100000")]
    [InlineData("""{ "telemetry": { "intervalSeconds": 0 } }""", "telemetry.intervalSeconds", "0", "from 0.1 to 86400")]
    [InlineData("""{ "credentialsFile": " " }""", "credentialsFile", "\" \"", "a file path")]
    public void Validate_OperationsKeys_ErrorNamesKeyValueAndRange(string json, string key, string value, string allowed)
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.json");
        File.WriteAllText(path, json);
        Assert.Null(EngineConfigLoader.TryLoad(path, out var errors));
        var error = Assert.Single(errors);
        Assert.Equal(key, error.Key);
        Assert.Equal(value, error.Value);
        Assert.Contains(allowed, error.Allowed);
    }

    [Fact]
    public void BundledConfigs_IncludingLiveExample_Validate()
    {
        foreach (var name in new[] { "default.json", "sim.json", "latency-demo.json", "live.example.json" })
        {
            var path = RepoFile("config", name);
            var config = EngineConfigLoader.TryLoad(path, out var errors);
            Assert.True(config is not null, $"{name}: {string.Join("; ", errors)}");
        }
    }

    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, .. parts]);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(string.Join('/', parts));
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = new();
        public void Emit(LogEvent logEvent) { lock (Events) Events.Add(logEvent); }
    }
}
