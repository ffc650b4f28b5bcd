using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Capture;
using FastEngine.Cli;
using FastEngine.Cli.Live;
using FastEngine.Cli.Replay;
using FastEngine.Cli.Sim;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Tests.Engine.Capture;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Tools;

/// <summary>
/// Record-only operation end to end on loopback: <c>sim</c> serves real Binance spot and OKX recordings, the capture
/// runner records them into a set of small rotated files, and a replay of the whole set must end with the same books
/// and the same trades as a replay of the simulator's source recordings (external truth for the trades: the trade
/// messages of the recordings; for OKX books: OKX's own CRC-32 checksums, all of which must match).
/// </summary>
public class CaptureCommandTests(ITestOutputHelper output)
{
    private static readonly string Spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
    private static readonly string Okx = Fixture.Path("Okx", "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt");
    private static readonly string[] OkxInstruments =
    [
        "ETH-USD-220624-20000-C", "PROPS-ETH", "ZEN-USDT", "ETH-USD-220624-12000-P", "UNI-USD-SWAP",
        "BTC-USD-220325-40000-C", "ETH-USD-220429-1900-P", "ELON-USDT", "ETH-USD-220325-8800-P", "ETH-USD-220228-3000-C",
    ];

    private static EngineConfig ConfigFor(ExchangeSimulator sim) => new()
    {
        Venues =
        [
            new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"], Endpoint = sim.WebSocketUrl("binance"), RestEndpoint = sim.RestUrl },
            new VenueConfig { Name = "okx", Symbols = [.. OkxInstruments], Depth = 400, Endpoint = sim.WebSocketUrl("okx") },
        ],
        Topology = new TopologyConfig { WaitStrategy = "blocking", RingSize = 1 << 16 },
    };

    [Fact]
    public async Task Capture_FromSimulatorWithSmallRotation_ReplayOfAllFilesEqualsReplayOfSource()
    {
        using var dir = new TempDirectory();
        var log = new StringBuilder();
        void Log(string line) { lock (log) log.AppendLine(line); }
        await using var sim = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions { Captures = [Spot, Okx], Speed = new ReplaySpeed(10), Log = Log });
        var config = ConfigFor(sim);
        Assert.Empty(EngineConfigValidator.Validate(config));

        const long rotateBytes = 100_000;
        using var stop = new CancellationTokenSource();
        var capture = LiveCaptureRunner.RunAsync(new LiveCaptureOptions
        {
            Config = config,
            OutPath = dir.File("out.fecap"),
            Rotation = new CaptureRotation { MaxBytes = rotateBytes },
            Stop = stop.Token,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            Log = Log,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!sim.AllSent && DateTime.UtcNow < deadline && !capture.IsCompleted) await Task.Delay(20);
        await Task.Delay(300);
        stop.Cancel();
        var result = await capture;
        output.WriteLine(log.ToString());
        var text = new StringWriter();
        LiveCaptureRunner.WriteText(text, result);
        output.WriteLine(text.ToString());
        Assert.True(sim.AllSent, "the simulator did not send every frame in time");

        // Rotation: numbered files in order, each a standalone capture (valid header, whole records, no torn tail),
        // none over the size limit, together every record exactly once.
        Assert.True(result.Files.Count >= 5, $"only {result.Files.Count} files");
        for (int i = 0; i < result.Files.Count; i++)
            Assert.Equal(dir.File($"out.{i + 1:D4}.fecap"), result.Files[i]);
        long records = 0;
        var byKind = new Dictionary<(VenueId, CaptureRecordKind), long>();
        foreach (var file in result.Files)
        {
            Assert.True(new FileInfo(file).Length <= rotateBytes, $"{file}: {new FileInfo(file).Length} bytes");
            using var reader = CaptureReader.Open(file);
            long inFile = 0;
            while (reader.MoveNext())
            {
                inFile++;
                var key = (reader.Current.Venue, reader.Current.Kind);
                byKind[key] = byKind.GetValueOrDefault(key) + 1;
            }
            Assert.True(inFile > 0, $"{file} has no record");
            Assert.Equal(0, reader.CrcErrors + reader.HeaderErrors);
            Assert.NotEqual(CaptureReadStatus.Incomplete, reader.Status);
            records += inFile;
        }
        Assert.Equal(result.Records, records);
        // Capture only: every frame the simulator sent was recorded (plus one subscribe ack per Binance connection),
        // and Binance's REST snapshot was fetched and recorded though no book asked for it.
        var binance = result.Venues[VenueCatalog.Binance];
        Assert.Equal(sim.FramesSentTo("binance") + binance.Connects, byKind.GetValueOrDefault((VenueCatalog.Binance, CaptureRecordKind.ReceivedText)));
        Assert.True(binance.SnapshotsFetched >= 1);
        Assert.Equal(binance.SnapshotsFetched, byKind.GetValueOrDefault((VenueCatalog.Binance, CaptureRecordKind.RestResponse)));
        Assert.Equal(sim.FramesSentTo("binance") + binance.Connects + binance.SnapshotsFetched, result.Frames[VenueCatalog.Binance]);

        var source = ReplayRunner.Run([Spot, Okx], config, ReplaySpeed.Max, dir.File("source-intents.fej"));
        var rotated = ReplayRunner.Run(result.Files, config, ReplaySpeed.Max, dir.File("rotated-intents.fej"));
        Assert.Equal(0, rotated.HandlerFailures);
        Assert.Equal(0, rotated.Feed.Stats.Values.Sum(s => s.Rejected));

        // Trades: the recordings' own trade messages (external truth), then the rotated set's replay.
        long spotTrades = File.ReadLines(Spot).Count(l => l.Contains("\"e\":\"trade\"", StringComparison.Ordinal));
        Assert.Equal(518, spotTrades);
        var sourceTrades = Trades([Spot, Okx]);
        var rotatedTrades = Trades(result.Files);
        Assert.Equal(spotTrades, sourceTrades.GetValueOrDefault(VenueCatalog.Binance));
        Assert.Equal(sourceTrades.GetValueOrDefault(VenueCatalog.Binance), rotatedTrades.GetValueOrDefault(VenueCatalog.Binance));
        Assert.True(sourceTrades.GetValueOrDefault(VenueCatalog.Okx) > 0);
        Assert.Equal(sourceTrades.GetValueOrDefault(VenueCatalog.Okx), rotatedTrades.GetValueOrDefault(VenueCatalog.Okx));

        var spotSource = BookOf(source.Engine, VenueCatalog.Binance, "BTCUSDT");
        var spotRotated = BookOf(rotated.Engine, VenueCatalog.Binance, "BTCUSDT");
        Assert.True(spotSource.IsSynced && spotRotated.IsSynced, "a Binance book is not synced at the end");
        Assert.Equal(spotSource.LastSequence, spotRotated.LastSequence);
        Assert.Equal(Levels(source.Engine, spotSource.Bids, spotSource.Instrument), Levels(rotated.Engine, spotRotated.Bids, spotRotated.Instrument));
        Assert.Equal(Levels(source.Engine, spotSource.Asks, spotSource.Instrument), Levels(rotated.Engine, spotRotated.Asks, spotRotated.Instrument));
        Assert.Equal(0, rotated.Engine.Books.StatsOf(VenueCatalog.Binance).Gaps);

        var okxBooks = rotated.Engine.Books.StatsOf(VenueCatalog.Okx);
        Assert.True(okxBooks.ChecksumOk > 1000, $"only {okxBooks.ChecksumOk} OKX checksums verified");
        Assert.Equal(0, okxBooks.ChecksumBad);
        Assert.Equal(0, okxBooks.Gaps);
        int compared = 0;
        foreach (var instId in OkxInstruments)
        {
            if (!source.Engine.Registry.TryGet(VenueCatalog.Okx, Encoding.ASCII.GetBytes(instId), out var id)
                || source.Engine.Books.TryGetBook(VenueCatalog.Okx, id) is not { IsSynced: true } expected) continue;
            var actual = BookOf(rotated.Engine, VenueCatalog.Okx, instId);
            Assert.True(actual.IsSynced, $"okx {instId} not synced in the rotated replay");
            Assert.Equal(Levels(source.Engine, expected.Bids, expected.Instrument), Levels(rotated.Engine, actual.Bids, actual.Instrument));
            Assert.Equal(Levels(source.Engine, expected.Asks, expected.Instrument), Levels(rotated.Engine, actual.Asks, actual.Instrument));
            compared++;
        }
        Assert.Equal(OkxInstruments.Length, compared);
    }

    /// <summary>The CLI: exit 0 after <c>--duration</c>, one JSON object on stdout naming the numbered files, progress and
    /// telemetry on stderr / in the JSON log file, never on stdout.</summary>
    [Fact]
    public async Task CaptureCommand_Duration_WritesNumberedFilesJsonAndTelemetry()
    {
        using var dir = new TempDirectory();
        await using var sim = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions { Captures = [Spot], Speed = new ReplaySpeed(10) });
        string logFile = dir.File("logs/capture-.json");
        string configPath = dir.File("capture.json");
        File.WriteAllText(configPath, $$"""
            {
              "venues": [ { "name": "binance", "symbols": ["BTCUSDT"], "endpoint": "{{sim.WebSocketUrl("binance")}}", "restEndpoint": "{{sim.RestUrl}}" } ],
              "capture": { "path": "{{dir.File("unused.fecap").Replace("\\", "/")}}", "rotateMb": 512, "rotateMinutes": 60 },
              "logging": { "level": "information", "console": true, "file": "{{logFile.Replace("\\", "/")}}", "rollingInterval": "infinite" },
              "telemetry": { "intervalSeconds": 0.3 }
            }
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await Task.Run(() => Program.BuildRoot()
            .Parse(["capture", "--config", configPath, "--out", dir.File("cli.fecap"), "--rotate-mb", "0.1", "--duration", "2", "--json"])
            .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr }));
        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(stdout.ToString())!.AsObject(); // stdout is exactly one JSON object
        var files = json["files"]!.AsArray().Select(f => (string)f!).ToArray();
        Assert.NotEmpty(files);
        Assert.Equal(dir.File("cli.0001.fecap"), files[0]);
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        Assert.True((long)json["records"]! > 0);
        Assert.True((long)json["venues"]!["binance"]!["frames"]! > 0);
        Assert.Contains("telemetry", stderr.ToString());
        var logText = File.ReadAllText(Directory.GetFiles(dir.File("logs")).Single());
        var telemetry = logText.Split('\n').Where(l => l.Contains("telemetry", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(telemetry);
        var first = JsonNode.Parse(telemetry[0])!.AsObject(); // Serilog's JsonFormatter: one object per line
        Assert.NotNull(first["Properties"]!["Telemetry"]!["Venues"]);
    }

    [Fact]
    public void CaptureCommand_BadRotation_Exit2NamesOptionAndRange()
    {
        using var dir = new TempDirectory();
        string configPath = dir.File("c.json");
        File.WriteAllText(configPath, """{ "venues": [ { "name": "binance", "symbols": ["BTCUSDT"] } ], "logging": { "file": "" } }""");
        var stderr = new StringWriter();
        int exit = Program.BuildRoot().Parse(["capture", "--config", configPath, "--rotate-mb", "0"]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = stderr });
        Assert.Equal(2, exit);
        Assert.Contains("--rotate-mb 0", stderr.ToString());
        Assert.Contains("0.01 to 1000000", stderr.ToString());
    }

    private static Dictionary<VenueId, long> Trades(IReadOnlyList<string> files)
    {
        using var session = ReplaySession.Open(files);
        var events = ReplayRunner.ParseAll(session, out _);
        return events.Where(e => e.Kind == MarketEventKind.Trade).GroupBy(e => e.Venue).ToDictionary(g => g.Key, g => g.LongCount());
    }

    private static OrderBook BookOf(DecisionEngine engine, VenueId venue, string symbol)
    {
        Assert.True(engine.Registry.TryGet(venue, Encoding.ASCII.GetBytes(symbol), out var instrument), $"{venue}: {symbol} never seen");
        return engine.Books.TryGetBook(venue, instrument) ?? throw new Xunit.Sdk.XunitException($"{venue}: no book for {symbol}");
    }

    /// <summary>Top 20 levels as decimal text (each replay has its own registry and scales), best first.</summary>
    private static string[] Levels(DecisionEngine engine, BookSide side, InstrumentId instrument)
    {
        var meta = engine.Registry[instrument];
        return Enumerable.Range(0, Math.Min(20, side.Count))
            .Select(i => FixedPoint.Format(side.At(i).Price, meta.PriceScale) + " x " + FixedPoint.Format(side.At(i).Size, meta.QuantityScale))
            .ToArray();
    }
}
