using System.CommandLine;
using System.Text;
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
/// The live path end to end on loopback: <c>sim</c> serves real captures of three venues (Binance spot and OKX over
/// plain WebSocket, Binance USD-M over TLS with the certificate pinned), drops each venue's first connection
/// mid-stream, and <c>run</c> must reconnect, resync from a fresh snapshot (Binance: REST built from the simulator's
/// replica; OKX: snapshot-on-subscribe, verified by OKX's own checksums) and end with the same books as <c>replay</c>
/// of the same captures, with every trade of the recordings counted exactly once. The USD-M simulator also withholds
/// one depth frame: the books must detect the gap and resync through <see cref="IResyncRequester"/>.
/// </summary>
public class LiveEndToEndTests(ITestOutputHelper output)
{
    private static readonly string Spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
    private static readonly string UsdM = Fixture.Path("Binance", "usdm_btcusdt_2024-08-08_first2000.tsns.txt");
    private static readonly string Okx = Fixture.Path("Okx", "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt");
    private static readonly string[] OkxInstruments =
    [
        "ETH-USD-220624-20000-C", "PROPS-ETH", "ZEN-USDT", "ETH-USD-220624-12000-P", "UNI-USD-SWAP",
        "BTC-USD-220325-40000-C", "ETH-USD-220429-1900-P", "ELON-USDT", "ETH-USD-220325-8800-P", "ETH-USD-220228-3000-C",
    ];

    [Fact]
    public async Task Run_AgainstSimulatorWithDrops_ReconnectsResyncsAndEndsWithReplayBooks()
    {
        using var dir = new TempDirectory();
        var log = new SynchronizedLog();
        await using var plain = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            Captures = [Spot, Okx], Speed = new ReplaySpeed(10), DropAfterFrames = 1200, Log = log.Add,
        });
        await using var tls = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            // Recorded pace x2 (9 s of USD-M in about 4.5 s): the resync after the withheld frame (REST snapshot, then a
            // bridging diff) must complete while diffs still flow, as on the venue (a Binance book only bridges on a diff
            // after its snapshot); at x5 only ~0.5 s of the recording remained after the gap, too little on a busy host.
            Captures = [UsdM], Tls = true, Speed = new ReplaySpeed(2), DropAfterFrames = 700, GapAtBookFrame = 100, Log = log.Add,
        });
        Assert.NotNull(tls.CertificateSha256);

        var config = new EngineConfig
        {
            Venues =
            [
                new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"], Endpoint = plain.WebSocketUrl("binance"), RestEndpoint = plain.RestUrl },
                new VenueConfig
                {
                    Name = "binance-futures", Symbols = ["BTCUSDT"], Endpoint = tls.WebSocketUrl("binance-futures"),
                    RestEndpoint = tls.RestUrl, PinnedCertificateSha256 = tls.CertificateSha256,
                },
                new VenueConfig { Name = "okx", Symbols = [.. OkxInstruments], Depth = 400, Endpoint = plain.WebSocketUrl("okx") },
            ],
            Topology = new TopologyConfig { WaitStrategy = "blocking", RingSize = 1 << 16 },
        };
        Assert.Empty(EngineConfigValidator.Validate(config));

        // External truth for trades: one trade per "trade" frame of the recordings.
        long spotTrades = CountTradeFrames(Spot), usdmTrades = CountTradeFrames(UsdM);
        Assert.Equal(518, spotTrades);
        Assert.Equal(347, usdmTrades);
        long okxTrades = CountOkxTrades(Okx);
        Assert.True(okxTrades > 0);

        using var stop = new CancellationTokenSource();
        string capturePath = dir.File("live.fecap");
        var run = LiveRunner.RunAsync(new LiveRunOptions
        {
            Config = config,
            JournalPath = dir.File("live-intents.fej"),
            CapturePath = capturePath,
            Stop = stop.Token,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            Log = log.Add,
        });
        // Wait until both simulators sent everything, then give the last frames a moment through the ring.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!(plain.AllSent && tls.AllSent) && DateTime.UtcNow < deadline && !run.IsCompleted)
            await Task.Delay(20);
        await Task.Delay(300);
        stop.Cancel();
        var live = await run;
        output.WriteLine(log.ToString());
        var text = new StringWriter();
        LiveRunner.WriteText(text, live);
        output.WriteLine(text.ToString());

        Assert.True(plain.AllSent && tls.AllSent, "the simulators did not send every frame in time");
        Assert.Equal(2, plain.Drops); // binance and okx
        Assert.Equal(1, tls.Drops);
        Assert.Equal(1, tls.Gaps);
        Assert.Equal(0, live.Summary.HandlerFailures);
        Assert.Equal(0, live.Summary.Feed.Stats.Values.Sum(s => s.Rejected));

        var spotStats = live.Venues[VenueCatalog.Binance];
        var usdmStats = live.Venues[VenueCatalog.BinanceFutures];
        Assert.True(spotStats.Reconnects >= 1, "spot did not reconnect");
        Assert.True(usdmStats.Reconnects >= 1, "USD-M did not reconnect");
        Assert.True(spotStats.SnapshotsFetched >= 2 && usdmStats.SnapshotsFetched >= 2, "no fresh snapshot after the reconnect");
        Assert.Equal(spotTrades, spotStats.Trades);
        Assert.Equal(usdmTrades, usdmStats.Trades);
        // USD-M: one depth frame withheld after the reconnect: the book saw the pu gap, asked for a resync through
        // IResyncRequester and was rebuilt from a third snapshot.
        var usdmBooks = live.Summary.Engine.Books.StatsOf(VenueCatalog.BinanceFutures);
        Assert.True(usdmBooks.Gaps >= 1, "the withheld USD-M frame was not seen as a gap");
        Assert.True(usdmStats.ResyncRequests >= 2, $"USD-M resync requests {usdmStats.ResyncRequests}");
        Assert.True(usdmStats.SnapshotsFetched >= 3, $"USD-M snapshots {usdmStats.SnapshotsFetched}");
        var okxStats = live.Venues[VenueCatalog.Okx];
        Assert.True(okxStats.Reconnects >= 1, "OKX did not reconnect");
        Assert.Equal(okxTrades, okxStats.Trades);
        // OKX's own checksums (CRC-32 of the top 25 levels, sent with every update) all matched the live books, the
        // replica-made snapshots after the reconnect included.
        var okxBooks = live.Summary.Engine.Books.StatsOf(VenueCatalog.Okx);
        Assert.True(okxBooks.ChecksumOk > 1000, $"only {okxBooks.ChecksumOk} OKX checksums verified");
        Assert.Equal(0, okxBooks.ChecksumBad);
        Assert.Equal(0, okxBooks.Gaps);

        var replay = ReplayRunner.Run([Spot, UsdM, Okx], config, ReplaySpeed.Max, dir.File("replay-intents.fej"));
        Assert.Equal(0, replay.HandlerFailures);
        foreach (var venue in new[] { VenueCatalog.Binance, VenueCatalog.BinanceFutures })
        {
            var liveBook = BookOf(live.Summary.Engine, venue, "BTCUSDT");
            var replayBook = BookOf(replay.Engine, venue, "BTCUSDT");
            Assert.True(liveBook.IsSynced, $"{venue}: the live book is not synced at the end");
            Assert.True(replayBook.IsSynced, $"{venue}: the replay book is not synced at the end");
            Assert.Equal(replayBook.LastSequence, liveBook.LastSequence);
            AssertTopLevelsEqual(venue, replay.Engine, replayBook, live.Summary.Engine, liveBook, 20);
        }

        int okxCompared = 0;
        foreach (var instId in OkxInstruments)
        {
            if (!replay.Engine.Registry.TryGet(VenueCatalog.Okx, Encoding.ASCII.GetBytes(instId), out var id)
                || replay.Engine.Books.TryGetBook(VenueCatalog.Okx, id) is not { IsSynced: true } replayBook) continue;
            var liveBook = BookOf(live.Summary.Engine, VenueCatalog.Okx, instId);
            Assert.True(liveBook.IsSynced, $"okx {instId}: the live book is not synced at the end");
            AssertTopLevelsEqual(VenueCatalog.Okx, replay.Engine, replayBook, live.Summary.Engine, liveBook, 20);
            okxCompared++;
        }
        Assert.Equal(OkxInstruments.Length, okxCompared);

        // The capture holds exactly what was received: every frame the simulators sent plus one subscribe ack per
        // connection, one REST body per snapshot fetched, one open per connect.
        var records = new Dictionary<(VenueId, CaptureRecordKind), int>();
        using (var reader = CaptureReader.Open(capturePath))
            while (reader.MoveNext())
            {
                var key = (reader.Current.Venue, reader.Current.Kind);
                records[key] = records.GetValueOrDefault(key) + 1;
            }
        foreach (var (venue, sim, stats) in new[] { (VenueCatalog.Binance, plain, spotStats), (VenueCatalog.BinanceFutures, tls, usdmStats) })
        {
            Assert.Equal(sim.FramesSentTo(VenueNames.NameOf(venue)) + stats.Connects, records.GetValueOrDefault((venue, CaptureRecordKind.ReceivedText)));
            Assert.Equal(stats.SnapshotsFetched, records.GetValueOrDefault((venue, CaptureRecordKind.RestResponse)));
            Assert.Equal(stats.Connects, records.GetValueOrDefault((venue, CaptureRecordKind.ConnectionOpened)));
        }
        Assert.Equal(okxStats.Connects, records.GetValueOrDefault((VenueCatalog.Okx, CaptureRecordKind.ConnectionOpened)));
        Assert.Equal(plain.SendableFrames["binance"], plain.FramesSentTo("binance"));
        Assert.Equal(plain.SendableFrames["okx"], plain.FramesSentTo("okx"));
        Assert.Equal(tls.SendableFrames["binance-futures"] - tls.Gaps, tls.FramesSentTo("binance-futures")); // one withheld
    }

    [Fact]
    public async Task Run_WrongPinnedCertificate_NeverConnects()
    {
        using var dir = new TempDirectory();
        await using var tls = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions { Captures = [UsdM], Tls = true });
        string wrongPin = new string('A', 64);
        Assert.NotEqual(wrongPin, tls.CertificateSha256);
        var config = new EngineConfig
        {
            Venues =
            [
                new VenueConfig
                {
                    Name = "binance-futures", Symbols = ["BTCUSDT"], Endpoint = tls.WebSocketUrl("binance-futures"),
                    RestEndpoint = tls.RestUrl, PinnedCertificateSha256 = wrongPin,
                },
            ],
            Topology = new TopologyConfig { WaitStrategy = "blocking", RingSize = 1 << 16 },
        };
        var live = await LiveRunner.RunAsync(new LiveRunOptions
        {
            Config = config, JournalPath = dir.File("intents.fej"), Duration = TimeSpan.FromMilliseconds(600),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
        });
        var counters = live.Connections[VenueCatalog.BinanceFutures];
        Assert.Equal(0, live.Venues[VenueCatalog.BinanceFutures].Connects);
        Assert.True(counters.ConnectFailures >= 1);
        Assert.Equal(0, tls.FramesSent);
    }

    [Fact]
    public void RunCommand_LiveModeWithoutCredentials_RefusesWithExit2()
    {
        using var dir = new TempDirectory();
        string path = dir.File("live.json");
        File.WriteAllText(path, """{ "mode": "live", "venues": [ { "name": "binance", "symbols": ["BTCUSDT"] } ] }""");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot().Parse(["run", "--config", path, "--duration", "1"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.Equal(2, exit);
        Assert.Contains("FASTENGINE_BINANCE_API_KEY", stderr.ToString());
        Assert.Contains("refusing", stderr.ToString());
    }

    [Fact]
    public void Check_LiveModeWithCredentials_StillRefusesOrderEntry()
    {
        Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_COINM_API_KEY", "k");
        Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_COINM_API_SECRET", "s");
        try
        {
            var config = new EngineConfig { Mode = "live", Venues = [new VenueConfig { Name = "binance-coinm", Symbols = ["BTCUSD_PERP"] }] };
            var refusal = LiveRunner.Check(config);
            Assert.NotNull(refusal);
            Assert.Contains("live order entry is not implemented", refusal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_COINM_API_KEY", null);
            Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_COINM_API_SECRET", null);
        }
    }

    /// <summary>Trades in the OKX recording: the entries of every <c>trades</c> push (one frame may carry several).</summary>
    private static long CountOkxTrades(string path)
    {
        long count = 0;
        foreach (var line in File.ReadLines(path))
        {
            int json = line.IndexOf(": {\"arg\":{\"channel\":\"trades\"", StringComparison.Ordinal);
            if (json < 0) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line[(json + 2)..]);
            count += doc.RootElement.GetProperty("data").GetArrayLength();
        }
        return count;
    }

    private static long CountTradeFrames(string path) =>
        File.ReadLines(path).Count(l => l.Contains("\"e\":\"trade\"", StringComparison.Ordinal));

    private static OrderBook BookOf(DecisionEngine engine, VenueId venue, string symbol)
    {
        Assert.True(engine.Registry.TryGet(venue, Encoding.ASCII.GetBytes(symbol), out var instrument), $"{venue}: {symbol} never seen");
        return engine.Books.TryGetBook(venue, instrument) ?? throw new Xunit.Sdk.XunitException($"{venue}: no book for {symbol}");
    }

    private static void AssertTopLevelsEqual(VenueId venue, DecisionEngine expectedEngine, OrderBook expected, DecisionEngine actualEngine, OrderBook actual, int depth)
    {
        Assert.False(expected.Bids.IsEmpty && expected.Asks.IsEmpty, $"{venue}: empty reference book"); // option books may be one-sided
        Assert.Equal(Levels(expectedEngine, expected.Bids, expected.Instrument, depth), Levels(actualEngine, actual.Bids, actual.Instrument, depth));
        Assert.Equal(Levels(expectedEngine, expected.Asks, expected.Instrument, depth), Levels(actualEngine, actual.Asks, actual.Instrument, depth));
        _ = venue;
    }

    /// <summary>Levels as decimal text (each engine's registry has its own scales), best first.</summary>
    private static string[] Levels(DecisionEngine engine, BookSide side, InstrumentId instrument, int depth)
    {
        var meta = engine.Registry[instrument];
        return Enumerable.Range(0, Math.Min(depth, side.Count))
            .Select(i => FixedPoint.Format(side.At(i).Price, meta.PriceScale) + " x " + FixedPoint.Format(side.At(i).Size, meta.QuantityScale))
            .ToArray();
    }

    private sealed class SynchronizedLog
    {
        private readonly StringBuilder _text = new();
        public void Add(string line)
        {
            lock (_text) _text.Append(DateTime.UtcNow.ToString("HH:mm:ss.fff")).Append(' ').AppendLine(line);
        }
        public override string ToString()
        {
            lock (_text) return _text.ToString();
        }
    }
}
