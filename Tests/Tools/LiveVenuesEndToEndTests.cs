using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Capture;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Capture;
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
/// The live path end to end on loopback for the snapshot-on-subscribe venues: <c>sim</c> serves real captures of several
/// venues of different protocols (one simulator over TLS with its certificate pinned), drops each venue's first
/// connection mid-stream, and <c>run</c>, through the real adapters, must reconnect with backoff, resync from the fresh
/// snapshot the simulator makes of its replica on the resubscribe, and end with exactly the books of <c>replay</c> of the
/// same captures (every level) and the same trades (nothing lost, nothing doubled). The external truths are the
/// venues' own checks (Kraken's CRC-32 in every update, verified against the live books, the replica-made snapshots
/// included; Bybit's <c>u</c> chain; Coinbase's <c>sequence_num</c>) and trade counts read from the recordings' text.
/// </summary>
public class LiveVenuesEndToEndTests(ITestOutputHelper output)
{
    private static readonly string Spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
    private static readonly string KrakenBook = Fixture.Path("Kraken", "spot_v1_book1000_5pairs_2021-04-17.legacy.txt");
    private static readonly string KrakenTrade = Fixture.Path("Kraken", "spot_v1_trade_2021-04-17.legacy.txt");
    private static readonly string KrakenTicker = Fixture.Path("Kraken", "spot_v1_ticker_2021-04-17.legacy.txt");
    private static readonly string Gemini2021 = Fixture.Path("Gemini", "v2_l2_10sym_2021-04-17.legacy.txt");
    private static readonly string[] KrakenPairs = ["WAVES/EUR", "XMR/USD", "KSM/XBT", "GRT/ETH", "SC/EUR", "ETH/CHF", "OCEAN/XBT", "OMG/USD", "XBT/CHF", "ADA/XBT"];
    private static readonly string[] KrakenBookPairs = ["XMR/USD", "WAVES/EUR", "ADA/XBT", "ETH/CHF", "OCEAN/XBT"];
    private static readonly string[] Gemini2021Symbols = ["LTCUSD", "ZECBTC", "BCHBTC", "BTCUSD", "OXTUSD", "MKRUSD", "BALUSD", "AMPUSD", "ETHBTC", "ETHUSD"];

    /// <summary>In-repo data only: Kraken v1 over TLS (plus one withheld book frame: checksum mismatch → unsubscribe +
    /// subscribe → snapshot from the replica), Gemini v2 and Binance spot over plain WebSocket; every venue dropped once.</summary>
    [Fact]
    public async Task Run_KrakenTlsGeminiBinanceWithDrops_ReconnectsResyncsAndEndsWithReplayBooks()
    {
        using var dir = new TempDirectory();
        var log = new Log();
        await using var plain = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            // Binance at 10x: its resync (REST snapshot, then a bridging diff) must complete while diffs still flow.
            Captures = [Spot, Gemini2021], Speed = new ReplaySpeed(10), DropAfterFrames = 300, Log = log.Add,
        });
        await using var tls = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            Captures = [KrakenBook, KrakenTrade, KrakenTicker], Tls = true, Speed = new ReplaySpeed(10),
            DropAfterFrames = 700, GapAtBookFrame = 1200, Log = log.Add,
        });
        Assert.NotNull(tls.CertificateSha256);
        var config = Config(
            new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"], Endpoint = plain.WebSocketUrl("binance"), RestEndpoint = plain.RestUrl },
            new VenueConfig { Name = "gemini", Symbols = [.. Gemini2021Symbols], Endpoint = plain.WebSocketUrl("gemini") },
            new VenueConfig
            {
                Name = "kraken", Symbols = [.. KrakenPairs], Endpoint = tls.WebSocketUrl("kraken"), PinnedCertificateSha256 = tls.CertificateSha256,
            });

        string capture = dir.File("live.fecap");
        var live = await RunUntilSentAsync(config, capture, dir, log, plain, tls);

        Assert.Equal(2, plain.Drops);
        Assert.Equal(1, tls.Drops);
        Assert.Equal(1, tls.Gaps);
        Assert.Equal(0, live.Summary.HandlerFailures);
        Assert.Equal(0, live.Summary.Feed.Stats.Values.Sum(s => s.Rejected));
        foreach (var venue in new[] { VenueCatalog.Binance, VenueCatalog.Gemini, VenueCatalog.Kraken })
            Assert.True(live.Venues[venue].Reconnects >= 1, $"{VenueNames.NameOf(venue)} did not reconnect");

        // Kraken: the withheld update made the next checksum fail; the book asked for a resync, the connection
        // unsubscribed + subscribed, and the simulator's snapshot (made from its replica) re-synced it: every later
        // Kraken checksum matched the live books.
        var kraken = live.Summary.Engine.Books.StatsOf(VenueCatalog.Kraken);
        Assert.Equal(1, kraken.ChecksumBad);
        Assert.True(kraken.ChecksumOk > 2000, $"only {kraken.ChecksumOk} Kraken checksums verified");
        Assert.True(live.Venues[VenueCatalog.Kraken].ResyncRequests >= 1);
        Assert.True(live.Venues[VenueCatalog.Kraken].SnapshotsFetched >= 1, "no Kraken resubscribe");
        Assert.True(tls.SnapshotsServed >= 5 + 1, $"Kraken snapshots served {tls.SnapshotsServed} (5 books after the reconnect + the resync)");
        Assert.True(plain.SnapshotsServed >= 2, "no fresh snapshot after the reconnects");

        // Trades: the recordings' own text is the truth (Kraken: one entry per trade array element; Gemini: one
        // "trade" message each, the first l2_updates' trade history excluded; Binance: one "trade" frame each).
        Assert.Equal(KrakenTradeCount(KrakenTrade), live.Venues[VenueCatalog.Kraken].Trades);
        Assert.Equal(File.ReadLines(Gemini2021).Count(l => l.Contains(": {\"type\":\"trade\"", StringComparison.Ordinal)), live.Venues[VenueCatalog.Gemini].Trades);
        Assert.Equal(File.ReadLines(Spot).Count(l => l.Contains("\"e\":\"trade\"", StringComparison.Ordinal)), live.Venues[VenueCatalog.Binance].Trades);

        var replay = ReplayRunner.Run([Spot, Gemini2021, KrakenBook, KrakenTrade, KrakenTicker], config, ReplaySpeed.Max, dir.File("replay.fej"));
        Assert.Equal(0, replay.HandlerFailures);
        AssertTradesEqual(replay, live, VenueCatalog.Binance, VenueCatalog.Gemini, VenueCatalog.Kraken);
        // Binance: a REST snapshot carries the best 1000 levels per side, so a book resynced from one cannot know the deeper
        // levels a never-resynced replay book still holds (as on the venue): compared on the best 500.
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.Binance, ["BTCUSDT"], 500);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.Kraken, KrakenBookPairs);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.Gemini, Gemini2021Symbols);

        // The run's own capture spans the reconnects: replaying it must give the same books (replay invalidates a
        // venue's books on a reconnect as run does, so the Binance book waits for the new REST snapshot instead of
        // seeing a bridge gap).
        var again = ReplayRunner.Run([capture], config, ReplaySpeed.Max, dir.File("again.fej"));
        Assert.Equal(0, again.HandlerFailures);
        Assert.Equal(0, again.Engine.Books.StatsOf(VenueCatalog.Binance).Gaps);
        AssertBooksEqual(replay.Engine, again.Engine, VenueCatalog.Binance, ["BTCUSDT"], 500);
        AssertBooksEqual(replay.Engine, again.Engine, VenueCatalog.Kraken, KrakenBookPairs);
        AssertBooksEqual(replay.Engine, again.Engine, VenueCatalog.Gemini, Gemini2021Symbols);
        AssertTradesEqual(replay, again, VenueCatalog.Binance, VenueCatalog.Gemini, VenueCatalog.Kraken);
    }

    /// <summary>The AGPL 2026 recordings of ../shared (never copied into the repository): Bybit v5 spot + linear,
    /// Coinbase Advanced Trade over TLS (its 5.8 MB level2 snapshot included) and Gemini v2; every venue dropped once.</summary>
    [Fact]
    public async Task Run_BybitCoinbaseTlsGeminiSharedCaptures_ReconnectsResyncsAndEndsWithReplayBooks()
    {
        var shared = Fixture.SharedDirectory();
        if (shared is null)
        {
            output.WriteLine("SKIPPED: ../shared absent (AGPL capture not bundled)");
            return;
        }
        string bybit = Path.Combine(shared, "captures", "bybit", "v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl");
        string coinbase = Path.Combine(shared, "captures", "coinbase", "advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl");
        string gemini = Path.Combine(shared, "captures", "gemini", "v2_l2_10sym_2026-08-09.envelope.jsonl");
        using var dir = new TempDirectory();
        var log = new Log();
        // 10x the recorded pace: the resyncs after the withheld book frames (Bybit u gap, Coinbase sequence_num gap)
        // complete while frames still flow.
        await using var plain = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            Captures = [bybit, gemini], Speed = new ReplaySpeed(10), DropAfterFrames = 250, GapAtBookFrame = 400, Log = log.Add,
        });
        await using var tls = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            Captures = [coinbase], Tls = true, Speed = new ReplaySpeed(10), DropAfterFrames = 200, GapAtBookFrame = 150, Log = log.Add,
        });
        string[] linear = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"], spot = ["BTCUSDT", "ETHUSDT"], products = ["BTC-USD", "ETH-USD"];
        string[] geminiSymbols = ["SOLUSDCPERP", "BTCUSDCPERP", "BTCUSDT", "SOLUSD", "ETHUSDT", "BTCGBP", "ETHUSDCPERP", "ETHUSD", "BTCEUR", "BTCUSD"];
        var config = Config(
            new VenueConfig { Name = "bybit-linear", Symbols = [.. linear], Depth = 200, Endpoint = plain.WebSocketUrl("bybit-linear") },
            new VenueConfig { Name = "bybit-spot", Symbols = [.. spot], Depth = 200, Endpoint = plain.WebSocketUrl("bybit-spot") },
            new VenueConfig { Name = "gemini", Symbols = [.. geminiSymbols], Endpoint = plain.WebSocketUrl("gemini") },
            new VenueConfig
            {
                Name = "coinbase", Symbols = [.. products], Endpoint = tls.WebSocketUrl("coinbase"), PinnedCertificateSha256 = tls.CertificateSha256,
            });

        var live = await RunUntilSentAsync(config, dir.File("live.fecap"), dir, log, plain, tls);

        Assert.Equal(3, plain.Drops);
        Assert.Equal(1, tls.Drops);
        Assert.Equal(0, live.Summary.HandlerFailures);
        Assert.Equal(0, live.Summary.Feed.Stats.Values.Sum(s => s.Rejected));
        foreach (var venue in new[] { VenueCatalog.BybitLinear, VenueCatalog.BybitSpot, VenueCatalog.Gemini, VenueCatalog.Coinbase })
            Assert.True(live.Venues[venue].Reconnects >= 1, $"{VenueNames.NameOf(venue)} did not reconnect");
        Assert.True(plain.SnapshotsServed >= 1 && tls.SnapshotsServed >= 1, "no fresh snapshot after the reconnects");
        // One withheld book frame per venue (Bybit spot and linear, Coinbase): Bybit's u chain and Coinbase's
        // per-connection sequence_num (renumbered from 0 on the new connection, the lost message keeping its number) show
        // exactly that one gap (Coinbase: the counter is connection-wide, so both products' books are invalidated), the
        // connection resubscribes the book(s), and the snapshot from the replica re-syncs them.
        Assert.Equal(2, plain.Gaps);
        Assert.Equal(1, tls.Gaps);
        foreach (var (venue, books) in new[] { (VenueCatalog.BybitLinear, 1), (VenueCatalog.BybitSpot, 1), (VenueCatalog.Coinbase, products.Length) })
        {
            Assert.Equal(books, live.Summary.Engine.Books.StatsOf(venue).Gaps);
            Assert.True(live.Venues[venue].ResyncRequests >= 1 && live.Venues[venue].SnapshotsFetched >= 1, $"{VenueNames.NameOf(venue)}: no resubscribe after the gap");
        }
        Assert.Equal(0, live.Summary.Engine.Books.StatsOf(VenueCatalog.Gemini).Gaps);

        var replay = ReplayRunner.Run([bybit, coinbase, gemini], config, ReplaySpeed.Max, dir.File("replay.fej"));
        Assert.Equal(0, replay.HandlerFailures);
        // Trades: Bybit publicTrade entries, Coinbase market_trades "update" entries, Gemini "trade" messages.
        Assert.Equal(EnvelopeTrades(bybit, VenueCatalog.BybitLinear), live.Venues[VenueCatalog.BybitLinear].Trades);
        Assert.Equal(EnvelopeTrades(bybit, VenueCatalog.BybitSpot), live.Venues[VenueCatalog.BybitSpot].Trades);
        Assert.Equal(EnvelopeTrades(coinbase, VenueCatalog.Coinbase), live.Venues[VenueCatalog.Coinbase].Trades);
        Assert.Equal(EnvelopeTrades(gemini, VenueCatalog.Gemini), live.Venues[VenueCatalog.Gemini].Trades);
        AssertTradesEqual(replay, live, VenueCatalog.BybitLinear, VenueCatalog.BybitSpot, VenueCatalog.Coinbase, VenueCatalog.Gemini);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.BybitLinear, linear);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.BybitSpot, spot);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.Coinbase, products);
        AssertBooksEqual(replay.Engine, live.Summary.Engine, VenueCatalog.Gemini, geminiSymbols);
    }

    /// <summary>
    /// The replay gap fix end to end: the Binance stream goes on while <c>run</c> is disconnected (40 frames lost), so
    /// the capture <c>run</c> records has a hole in the <c>U</c>/<c>u</c> chain across the reconnect. <c>run</c> bridged it
    /// with a fresh REST snapshot; <c>replay</c> of that capture must do the same (invalidate on the recorded reconnect,
    /// wait for the recorded snapshot) and end with the live books, level for level, and the live trades.
    /// </summary>
    [Fact]
    public async Task Replay_OfRunCaptureAcrossLossyReconnect_HasNoGapAndEqualsLiveBooks()
    {
        using var dir = new TempDirectory();
        var log = new Log();
        await using var sim = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
        {
            Captures = [Spot], Speed = new ReplaySpeed(10), DropAfterFrames = 600, LoseOnDrop = 40, Log = log.Add,
        });
        var config = Config(new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"], Endpoint = sim.WebSocketUrl("binance"), RestEndpoint = sim.RestUrl });
        string capture = dir.File("live.fecap");
        var live = await RunUntilSentAsync(config, capture, dir, log, sim);
        Assert.Equal(1, sim.Drops);
        Assert.Equal(sim.SendableFrames["binance"] - 40, sim.FramesSentTo("binance"));
        Assert.True(live.Venues[VenueCatalog.Binance].Reconnects >= 1);
        Assert.True(live.Venues[VenueCatalog.Binance].SnapshotsFetched >= 2);

        var again = ReplayRunner.Run([capture], config, ReplaySpeed.Max, dir.File("again.fej"));
        Assert.Equal(0, again.HandlerFailures);
        Assert.Equal(0, again.Engine.Books.StatsOf(VenueCatalog.Binance).Gaps);
        AssertBooksEqual(live.Summary.Engine, again.Engine, VenueCatalog.Binance, ["BTCUSDT"]);
        Assert.Equal(live.Venues[VenueCatalog.Binance].Trades, TradesOf(again, VenueCatalog.Binance));
    }

    /// <summary>The replay gap fix on its own: a recorded reconnect (close, then a new connection of the venue) makes
    /// the feed invalidate the venue's books before the new connection's frames, as run does.</summary>
    [Fact]
    public void CaptureFeed_ConnectionOpenedAfterClose_InvalidatesTheVenuesBooks()
    {
        var registry = new InstrumentRegistry();
        var feed = new CaptureFeed(registry);
        var batch = new MarketEventBatch(1024);
        var frames = File.ReadLines(KrakenBook).Where(l => l.Contains(",\"book-1000\",", StringComparison.Ordinal)).Take(3)
            .Select(l => Encoding.UTF8.GetBytes(l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..])).ToList();
        var url = Encoding.UTF8.GetBytes("wss://ws.kraken.com");
        feed.Feed(new CaptureRecord(1, 1, VenueCatalog.Kraken, CaptureRecordKind.ConnectionOpened, url, default), batch);
        Assert.Equal(0, batch.Count);
        foreach (var f in frames) feed.Feed(new CaptureRecord(2, 1, VenueCatalog.Kraken, CaptureRecordKind.ReceivedText, default, f), batch);
        var books = batch.Events.ToArray().Where(e => e.Kind == MarketEventKind.BookHeader && e.IsSnapshot).Select(e => e.Instrument).Distinct().OrderBy(i => i.Value).ToArray();
        Assert.Equal(3, books.Length); // the first three book frames are three pairs' snapshots
        // Trades of pairs with no book (ticker/trade-only instruments) have nothing to invalidate.
        int before = batch.Count;
        foreach (var line in File.ReadLines(KrakenTrade).Where(l => l.Contains(",\"trade\",", StringComparison.Ordinal)))
            feed.Feed(new CaptureRecord(2, 1, VenueCatalog.Kraken, CaptureRecordKind.ReceivedText, default,
                Encoding.UTF8.GetBytes(line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..])), batch);
        Assert.Contains(batch.Events.ToArray()[before..], e => e.Kind == MarketEventKind.Trade && !books.Contains(e.Instrument));
        // A second connection without a close in between (parallel connections, as cryptofeed records them): nothing.
        batch.Clear();
        feed.Feed(new CaptureRecord(3, 2, VenueCatalog.Kraken, CaptureRecordKind.ConnectionOpened, url, default), batch);
        Assert.Equal(0, batch.Count);
        feed.Feed(new CaptureRecord(4, 2, VenueCatalog.Kraken, CaptureRecordKind.ConnectionClosed, url, default), batch);
        feed.Feed(new CaptureRecord(5, 3, VenueCatalog.Kraken, CaptureRecordKind.ConnectionOpened, url, default), batch);
        var invalidations = batch.Events.ToArray();
        Assert.Equal(books, invalidations.Select(e => e.Instrument).OrderBy(i => i.Value).ToArray());
        Assert.All(invalidations, e =>
        {
            Assert.Equal(MarketEventKind.BookInvalidate, e.Kind);
            Assert.Equal(InvalidateReason.Disconnected, e.Reason);
            Assert.Equal(VenueCatalog.Kraken, e.Venue);
        });
        // Another venue's close does not touch Kraken.
        batch.Clear();
        feed.Feed(new CaptureRecord(6, 9, VenueCatalog.Gemini, CaptureRecordKind.ConnectionClosed, default, default), batch);
        feed.Feed(new CaptureRecord(7, 4, VenueCatalog.Kraken, CaptureRecordKind.ConnectionOpened, url, default), batch);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void Check_NewVenues_AreSupportedAndUnknownOnesNamed()
    {
        foreach (var name in new[] { "bybit", "bybit-spot", "coinbase", "kraken", "gemini" })
            Assert.Null(LiveRunner.Check(new EngineConfig { Venues = [new VenueConfig { Name = name, Symbols = ["X"] }] }));
        var refusal = LiveRunner.Check(new EngineConfig { Venues = [new VenueConfig { Name = "htx", Symbols = ["btcusdt"] }] });
        Assert.NotNull(refusal);
        Assert.Contains("coinbase", refusal);
    }

    private static EngineConfig Config(params VenueConfig[] venues)
    {
        var config = new EngineConfig { Venues = [.. venues], Topology = new TopologyConfig { WaitStrategy = "blocking", RingSize = 1 << 16 } };
        Assert.Empty(EngineConfigValidator.Validate(config));
        return config;
    }

    private async Task<LiveRunResult> RunUntilSentAsync(EngineConfig config, string capture, TempDirectory dir, Log log, params ExchangeSimulator[] sims)
    {
        using var stop = new CancellationTokenSource();
        var run = LiveRunner.RunAsync(new LiveRunOptions
        {
            Config = config, JournalPath = dir.File("live.fej"), CapturePath = capture, Stop = stop.Token,
            InitialBackoff = TimeSpan.FromMilliseconds(50), Log = log.Add,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!sims.All(s => s.AllSent) && DateTime.UtcNow < deadline && !run.IsCompleted) await Task.Delay(20);
        // Let the last frames and any late resync (resubscribe → snapshot, served from the replica after the last frame)
        // go through: wait until no simulator served a snapshot for 0.5 s (bounded).
        int served = -1;
        for (var settle = DateTime.UtcNow + TimeSpan.FromSeconds(10); DateTime.UtcNow < settle;)
        {
            int now = sims.Sum(s => s.SnapshotsServed);
            if (now == served) break;
            served = now;
            await Task.Delay(500);
        }
        stop.Cancel();
        var live = await run;
        output.WriteLine(log.ToString());
        var text = new StringWriter();
        LiveRunner.WriteText(text, live);
        output.WriteLine(text.ToString());
        Assert.True(sims.All(s => s.AllSent), "the simulators did not send every frame in time");
        return live;
    }

    private static long KrakenTradeCount(string path)
    {
        long count = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.Contains(",\"trade\",", StringComparison.Ordinal)) continue;
            using var doc = JsonDocument.Parse(line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
            count += doc.RootElement[1].GetArrayLength();
        }
        return count;
    }

    /// <summary>Trades in an envelope recording, counted from the frames' JSON (not through our parsers).</summary>
    private static long EnvelopeTrades(string path, VenueId venue)
    {
        long count = 0;
        string? bybitConnection = null;
        foreach (var line in File.ReadLines(path))
        {
            using var envelope = JsonDocument.Parse(line);
            var root = envelope.RootElement;
            string t = root.GetProperty("t").GetString()!;
            if (t == "connect" && (venue == VenueCatalog.BybitSpot ? "/spot" : "/linear") is { } suffix
                && root.GetProperty("addr").GetString()!.EndsWith(suffix, StringComparison.Ordinal))
                bybitConnection = root.GetProperty("conn").GetString();
            if (t != "recv") continue;
            using var frame = JsonDocument.Parse(root.GetProperty("data").GetString()!);
            var f = frame.RootElement;
            if (venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear)
            {
                if (root.GetProperty("conn").GetString() == bybitConnection && f.TryGetProperty("topic", out var topic)
                    && topic.GetString()!.StartsWith("publicTrade.", StringComparison.Ordinal))
                    count += f.GetProperty("data").GetArrayLength();
            }
            else if (venue == VenueCatalog.Coinbase)
            {
                if (f.TryGetProperty("channel", out var ch) && ch.GetString() == "market_trades")
                    foreach (var e in f.GetProperty("events").EnumerateArray())
                        if (e.GetProperty("type").GetString() == "update") count += e.GetProperty("trades").GetArrayLength();
            }
            else if (f.TryGetProperty("type", out var type) && type.GetString() == "trade") count++;
        }
        return count;
    }

    private static void AssertTradesEqual(ReplayResult expected, object actual, params VenueId[] venues)
    {
        foreach (var venue in venues)
        {
            long want = TradesOf(expected, venue);
            long got = actual is LiveRunResult live ? live.Venues[venue].Trades : TradesOf((ReplayResult)actual, venue);
            Assert.True(want > 0, $"{VenueNames.NameOf(venue)}: no trade in the replay");
            Assert.Equal(want, got);
        }
    }

    /// <summary>Trade events the replay's parsers produced for a venue: the capture re-read through <see cref="CaptureFeed"/>.</summary>
    private static long TradesOf(ReplayResult replay, VenueId venue)
    {
        var registry = new InstrumentRegistry();
        var feed = new CaptureFeed(registry);
        var batch = new MarketEventBatch(1 << 16);
        long trades = 0;
        foreach (var file in replay.Files)
        {
            var kind = CaptureFormat.Detect(file);
            using var source = CaptureFormat.Open(file, kind, CaptureVenueResolver.Create(kind));
            while (source.MoveNext())
            {
                if (source.Current.Venue != venue) continue;
                batch.Clear();
                feed.Feed(source.Current, batch);
                foreach (var e in batch.Events) if (e.Kind == MarketEventKind.Trade) trades++;
            }
        }
        return trades;
    }

    /// <summary>Every level (or the best <paramref name="depth"/>) of every named book, as decimal text (each engine has
    /// its own registry scales).</summary>
    private static void AssertBooksEqual(DecisionEngine expected, DecisionEngine actual, VenueId venue, IEnumerable<string> symbols, int depth = int.MaxValue)
    {
        int compared = 0;
        foreach (var symbol in symbols)
        {
            var want = BookOf(expected, venue, symbol);
            var got = BookOf(actual, venue, symbol);
            string name = $"{VenueNames.NameOf(venue)} {symbol}";
            Assert.True(want is { IsSynced: true }, $"{name}: the reference book is not synced");
            Assert.True(got is { IsSynced: true }, $"{name}: the book under test is not synced at the end");
            Assert.False(want!.Bids.IsEmpty && want.Asks.IsEmpty, $"{name}: empty reference book");
            Assert.Equal(Levels(expected, want.Bids, want.Instrument, depth), Levels(actual, got!.Bids, got.Instrument, depth));
            Assert.Equal(Levels(expected, want.Asks, want.Instrument, depth), Levels(actual, got.Asks, got.Instrument, depth));
            compared++;
        }
        Assert.True(compared > 0);
    }

    private static OrderBook? BookOf(DecisionEngine engine, VenueId venue, string symbol) =>
        engine.Registry.TryGet(venue, Encoding.UTF8.GetBytes(symbol), out var instrument) ? engine.Books.TryGetBook(venue, instrument) : null;

    private static string[] Levels(DecisionEngine engine, BookSide side, InstrumentId instrument, int depth)
    {
        var meta = engine.Registry[instrument];
        return Enumerable.Range(0, Math.Min(depth, side.Count))
            .Select(i => FixedPoint.Format(side.At(i).Price, meta.PriceScale) + " x " + FixedPoint.Format(side.At(i).Size, meta.QuantityScale))
            .ToArray();
    }

    private sealed class Log
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
