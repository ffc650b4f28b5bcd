using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Gemini;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Adapters.Venues.Common;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Gemini;

public sealed class GeminiParserTests(ITestOutputHelper output)
{
    private const string SharedFile = "v2_l2_10sym_2026-08-09.envelope.jsonl";
    private static string FixturePath => Fixture.Path("Gemini", "v2_l2_10sym_2021-04-17.legacy.txt");

    private sealed class Harness
    {
        public readonly InstrumentRegistry Registry = new();
        public readonly RecordingResyncRequester Resync = new();
        public readonly BookKeeper Keeper;
        public readonly GeminiParser Parser;
        public readonly MarketEventBatch Batch = new();

        public Harness()
        {
            VenueCatalog.EnsureRegistered();
            Keeper = new BookKeeper(Registry, Resync);
            Keeper.SetSpec(VenueCatalog.Gemini, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini));
            Parser = new GeminiParser(VenueCatalog.Gemini, Registry);
        }

        public ParseResult Feed(string json)
        {
            Batch.Clear();
            var result = Parser.Parse(Encoding.UTF8.GetBytes(json), FrameSource.WebSocket, null, 3, Batch);
            var events = Batch.Events;
            for (int i = 0; i < events.Length; i++) Keeper.OnEvent(ref events[i]);
            return result;
        }

        public InstrumentId Id(string symbol)
        {
            Assert.True(Registry.TryGet(VenueCatalog.Gemini, Encoding.UTF8.GetBytes(symbol), out var id));
            return id;
        }
    }

    [Fact]
    public void Parse_FirstL2UpdatesPerSymbol_IsSnapshot_LaterAreDeltas()
    {
        var h = new Harness();
        var r = h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60696.02","0.02"],["sell","60700.00","1.5"]],"trades":[{"type":"trade","symbol":"BTCUSD","event_id":1,"timestamp":1,"price":"60696.02","quantity":"0.1","side":"sell"}],"auction_events":[]}""");
        Assert.Equal(FrameStatus.Data, r.Status);
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(3, ev.Length); // the replayed trade history is skipped
        Assert.True(ev[0].IsSnapshot);
        // The full book's levels are emitted worst-first (appends in the book): the sell level first here.
        Assert.Equal((MarketEventKind.BookLevel, Side.Bid, 6_069_602_000_000L, 2_000_000L), (ev[2].Kind, ev[2].Side, ev[2].Price, ev[2].Size));
        Assert.Equal((Side.Ask, false), (ev[1].Side, ev[1].IsEndOfMessage));
        Assert.True(ev[2].IsEndOfMessage);
        Assert.Equal("BTC-USD", h.Registry[ev[0].Instrument].Canonical);

        h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60696.02","0"],["buy","60690.00","3"]]}""");
        Assert.False(h.Batch[0].IsSnapshot);
        var book = h.Keeper.TryGetBook(VenueCatalog.Gemini, h.Id("BTCUSD"))!;
        Assert.Equal(6_069_000_000_000L, book.Bids.Best.Price);
        Assert.Equal(1, book.Bids.Count);

        // Another symbol's first message is its snapshot; after a resubscribe the symbol's next message is one again.
        h.Feed("""{"type":"l2_updates","symbol":"ETHUSD","changes":[["buy","2368.64","0.275036"]]}""");
        Assert.True(h.Batch[0].IsSnapshot);
        h.Parser.ExpectSnapshot(h.Id("BTCUSD"));
        h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.00","1"]]}""");
        Assert.True(h.Batch[0].IsSnapshot);
        Assert.Equal(1, h.Keeper.TryGetBook(VenueCatalog.Gemini, h.Id("BTCUSD"))!.Bids.Count);
    }

    [Fact]
    public void Parse_AlphabeticalKeys_ChangesBeforeSymbolAndType_Parsed()
    {
        var h = new Harness();
        var r = h.Feed("""{"auction_events":[],"changes":[["buy","65317.0","0.0031"],["sell","65320.5","0.1"]],"symbol":"BTCUSDCPERP","trades":[],"type":"l2_updates"}""");
        Assert.Equal(FrameStatus.Data, r.Status);
        Assert.Equal(3, h.Batch.Count);
        Assert.Equal("BTC-USDC-PERP", h.Registry[h.Batch[0].Instrument].Canonical);
        Assert.True(h.Batch[0].IsSnapshot);
    }

    [Fact]
    public void Parse_Trade_SideIsTaker_IdFromTidElseEventId()
    {
        var h = new Harness();
        h.Feed("""{"event_id":1764551741926942,"price":"65206.29","quantity":"0.00007667","side":"buy","symbol":"BTCUSD","tid":2840141017904555,"timestamp":1786313194672,"type":"trade"}""");
        var e = h.Batch[0];
        Assert.Equal((MarketEventKind.Trade, Side.Bid, 6_520_629_000_000L, 7_667L, 2840141017904555L, 1786313194672L * 1_000_000),
            (e.Kind, e.Side, e.Price, e.Size, e.Sequence, e.ExchangeTimeNs));
        h.Feed("""{"type":"trade","symbol":"BALUSD","event_id":34359626684,"timestamp":1618677942606,"price":"62.0131","quantity":"8.79","side":"sell"}""");
        Assert.Equal((Side.Ask, 34359626684L), (h.Batch[0].Side, h.Batch[0].Sequence));
    }

    [Fact]
    public void Parse_Heartbeat_IsControl()
    {
        var h = new Harness();
        Assert.Equal(ParseResult.Control, h.Feed("""{"type":"heartbeat","timestamp":1618677942928}"""));
    }

    [Theory]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.0","1"]""", RejectReason.InvalidJson)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["hold","1.0","1"]]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.0"]]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy",1.0,"1"]]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.0.0","1"]]}""", RejectReason.BadNumber)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1e30","1"]]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD"}""", RejectReason.MissingField)]
    [InlineData("""{"type":"l2_updates","symbol":"QQQ","changes":[]}""", RejectReason.UnknownSymbol)]
    [InlineData("""{"type":"auction_result","symbol":"BTCUSD"}""", RejectReason.UnknownChannel)]
    [InlineData("""{"result":"error","reason":"InvalidJson","message":"Failed to parse subscription"}""", RejectReason.VenueError)]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","price":"1","quantity":"1"}""", RejectReason.MissingField)]
    [InlineData("""{"symbol":"BTCUSD"}""", RejectReason.MissingField)]
    [InlineData("""   """, RejectReason.InvalidJson)]
    public void Parse_Malformed_RejectedWithCountedReason(string json, RejectReason expected)
    {
        var h = new Harness();
        h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.0","1"]]}""");
        h.Batch.Clear();
        var r = h.Parser.Parse(Encoding.UTF8.GetBytes(json), FrameSource.WebSocket, null, 1, h.Batch);
        Assert.Equal(ParseResult.Reject(expected), r);
        Assert.Equal(0, h.Batch.Count);
        Assert.Equal(1, h.Parser.Counters.Of(expected));
    }

    [Fact]
    public void Parse_RejectedFirstMessage_DoesNotConsumeTheSnapshot()
    {
        var h = new Harness();
        Assert.Equal(RejectReason.BadNumber, h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","x","1"]]}""").Reason);
        h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.0","1"]]}""");
        Assert.True(h.Batch[0].IsSnapshot);
    }

    private void AssertReplay(CaptureReplay replay, int frames, int trades, int heartbeats)
    {
        var stats = replay.Stats();
        output.WriteLine($"frames={replay.Frames} data={replay.DataFrames} control={replay.ControlFrames} snapshots={stats.Snapshots} deltas={stats.DeltasApplied} levels={stats.LevelsApplied}");
        Assert.Equal(frames, replay.Frames);
        Assert.Empty(replay.Rejects);
        Assert.Equal(10, stats.Snapshots);
        Assert.Equal(frames - trades - heartbeats - 10, stats.DeltasApplied);
        Assert.Equal(0, stats.Crossed);
        Assert.Equal(0, replay.CrossedAfterFrame);
        Assert.Equal(heartbeats, replay.ControlFrames);
        Assert.Equal(trades, replay.Count(MarketEventKind.Trade));
        Assert.Equal(10, replay.Keeper.Books.Count(b => b.IsSynced));

        // External truth for the taker-side convention: a buy prints at or above the best ask of the rebuilt book.
        int agree = 0, contradict = 0;
        var best = new Dictionary<InstrumentId, (long Bid, long Ask)>();
        var keeper = new BookKeeper(replay.Registry);
        keeper.SetSpec(VenueCatalog.Gemini, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini));
        foreach (var e0 in replay.Events)
        {
            var e = e0;
            keeper.OnEvent(ref e);
            if (e.Kind != MarketEventKind.Trade) continue;
            var book = keeper.TryGetBook(VenueCatalog.Gemini, e.Instrument);
            if (book is null || book.Bids.IsEmpty || book.Asks.IsEmpty) continue;
            long b = book.Bids.Best.Price, a = book.Asks.Best.Price;
            if ((e.Side == Side.Bid && e.Price >= a) || (e.Side == Side.Ask && e.Price <= b)) agree++;
            else if ((e.Side == Side.Bid && e.Price <= b) || (e.Side == Side.Ask && e.Price >= a)) contradict++;
        }
        output.WriteLine($"taker side: agree={agree} contradict={contradict}");
        Assert.Equal(0, contradict);
        Assert.True(agree >= trades * 9 / 10 - 1, $"agree={agree}");
    }

    [Fact]
    public void Fixture2021_TenSnapshotsNeverCrossedNoRejects()
    {
        // SOURCES: 993 frames = 935 l2_updates (10 full books) + 51 trades + 7 heartbeats.
        var replay = new CaptureReplay(new GeminiAdapter());
        replay.FeedAll(RawCapture.Received(FixturePath));
        AssertReplay(replay, 993, 51, 7);
    }

    [Fact]
    public void SharedCapture2026_TenSnapshotsNeverCrossedNoRejects()
    {
        var path = RawCapture.SharedOrSkip(output, "gemini", SharedFile);
        if (path is null) return;
        var replay = new CaptureReplay(new GeminiAdapter());
        replay.FeedAll(RawCapture.Received(path));
        AssertReplay(replay, 563, 2, 2);
        Assert.Contains(replay.Registry.All, i => i.Canonical == "BTC-USDC-PERP");
    }

    [Fact]
    public void Fixture2021_SecondPass_AllocatesNothing()
    {
        long bytes = CaptureReplay.SecondPassAllocatedBytes(new GeminiAdapter(), RawCapture.Received(FixturePath));
        output.WriteLine($"second pass allocated {bytes} bytes");
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void SharedCapture2026_SecondPass_AllocatesNothing()
    {
        var path = RawCapture.SharedOrSkip(output, "gemini", SharedFile);
        if (path is null) return;
        long bytes = CaptureReplay.SecondPassAllocatedBytes(new GeminiAdapter(), RawCapture.Received(path));
        output.WriteLine($"second pass allocated {bytes} bytes");
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Adapter_Subscribe_MatchesDocumentedShape()
    {
        Assert.Equal("""{"type":"subscribe","subscriptions":[{"name":"l2","symbols":["BTCUSD"]}]}""", GeminiAdapter.SubscribeBook(["BTCUSD"]));
        Assert.Equal(SequenceRule.None, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini).Sequence);
        Assert.IsType<GeminiAdapter>(VenueAdapters.For(VenueCatalog.Gemini));
    }

    [Theory]
    // changes read in place (type and symbol first) vs read after the object (changes first, 2026 key order)
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60696.02","0.02"],["sell","60700.00","1.5"]]}""",
                """{"changes":[["buy","60696.02","0.02"],["sell","60700.00","1.5"]],"symbol":"BTCUSD","type":"l2_updates"}""")]
    // "symbol" repeated after the levels: the last value decides, as in the deferred read
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.5","2"]],"symbol":"ETHUSD"}""",
                """{"changes":[["buy","1.5","2"]],"type":"l2_updates","symbol":"ETHUSD"}""")]
    // a bad number inside the levels followed by an error result: the error wins in both key orders
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","x","2"]],"result":"error"}""",
                """{"changes":[["buy","x","2"]],"type":"l2_updates","symbol":"BTCUSD","result":"error"}""")]
    public void Parse_KeyOrder_SameEventsAndOutcome(string inPlace, string deferred)
    {
        var a = new Harness();
        var b = new Harness();
        foreach (var h in new[] { a, b }) // both symbols known, so the in-place read is taken where the order allows it
        {
            h.Feed("""{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]]}""");
            h.Feed("""{"type":"l2_updates","symbol":"ETHUSD","changes":[["buy","1","1"]]}""");
        }
        var ra = a.Feed(inPlace);
        var rb = b.Feed(deferred);
        Assert.Equal(rb.Status, ra.Status);
        Assert.Equal(rb.Reason, ra.Reason);
        Assert.Equal(b.Batch.Events.ToArray(), a.Batch.Events.ToArray());
    }
}
