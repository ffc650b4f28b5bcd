using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Bybit;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Adapters.Venues.Common;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Bybit;

public sealed class BybitParserTests(ITestOutputHelper output)
{
    private const string CaptureFile = "v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl";

    private static readonly Lazy<(List<RawFrame> Frames, CaptureReplay Replay)?> _shared = new(() =>
    {
        var shared = FastEngine.Tests.Support.Fixture.SharedDirectory();
        if (shared is null) return null;
        var path = Path.Combine(shared, "captures", "bybit", CaptureFile);
        if (!File.Exists(path)) return null;
        var frames = RawCapture.Received(path);
        var replay = new CaptureReplay(new BybitAdapter());
        replay.FeedAll(frames);
        return (frames, replay);
    });

    private static string Book(string type, long u, string symbol = "BTCUSDT", string bids = "", string asks = "", int depth = 50) =>
        $$"""{"topic":"orderbook.{{depth}}.{{symbol}}","type":"{{type}}","ts":1786310818130,"data":{"s":"{{symbol}}","b":[{{bids}}],"a":[{{asks}}],"u":{{u}},"seq":753843913870},"cts":1786310818129}""";

    private sealed class Harness
    {
        public readonly InstrumentRegistry Registry = new();
        public readonly RecordingResyncRequester Resync = new();
        public readonly BookKeeper Keeper;
        public readonly BybitParser Parser;
        public readonly MarketEventBatch Batch = new();
        public readonly VenueId Venue;

        public Harness(VenueId? venue = null)
        {
            VenueCatalog.EnsureRegistered();
            Venue = venue ?? VenueCatalog.BybitLinear;
            Keeper = new BookKeeper(Registry, Resync);
            Keeper.SetSpec(Venue, new BybitAdapter().SyncSpec(Venue));
            Parser = new BybitParser(Venue, Registry);
        }

        public ParseResult Feed(string json)
        {
            Batch.Clear();
            var result = Parser.Parse(Encoding.UTF8.GetBytes(json), FrameSource.WebSocket, null, 7, Batch);
            var events = Batch.Events;
            for (int i = 0; i < events.Length; i++) Keeper.OnEvent(ref events[i]);
            return result;
        }

        public InstrumentId Id(string symbol)
        {
            Assert.True(Registry.TryGet(Venue, Encoding.UTF8.GetBytes(symbol), out var id));
            return id;
        }

        public OrderBook BookOf(string symbol) => Keeper.TryGetBook(Venue, Id(symbol))!;
        public BookSyncState StateOf(string symbol) => Keeper.StateOf(Venue, Id(symbol));
    }

    [Fact]
    public void Parse_DocumentedSnapshotThenDelta_LinksByU()
    {
        // Shapes of the v5 "Orderbook" doc example (orderbook.50.BTCUSDT, snapshot then delta).
        var h = new Harness();
        var r = h.Feed(Book("snapshot", 13079592, bids: """["17440.00","40.833"],["17439.50","0.513"]""", asks: """["17440.50","78.815"],["17441.00","8.858"]"""));
        Assert.Equal(FrameStatus.Data, r.Status);
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(5, ev.Length);
        Assert.Equal(MarketEventKind.BookHeader, ev[0].Kind);
        Assert.Equal(MarketEventFlags.Snapshot | MarketEventFlags.HasSequence, ev[0].Flags);
        Assert.Equal((13079592L, 13079591L), (ev[0].Sequence, ev[0].PrevSequence));
        Assert.Equal(1786310818129L * 1_000_000, ev[0].ExchangeTimeNs);
        Assert.Equal((Side.Bid, 1_744_000_000_000L, 4_083_300_000L, (byte)2, (byte)3), (ev[1].Side, ev[1].Price, ev[1].Size, ev[1].PriceDecimals, ev[1].SizeDecimals));
        Assert.Equal(Side.Ask, ev[3].Side);
        Assert.True(ev[4].IsEndOfMessage);
        Assert.Equal("BTC-USDT-PERP", h.Registry[ev[0].Instrument].Canonical);

        h.Feed(Book("delta", 13079593, asks: """["17440.50","78.857"],["17442.00","1.510"]"""));
        var book = h.BookOf("BTCUSDT");
        Assert.Equal(BookSyncState.Synced, h.StateOf("BTCUSDT"));
        Assert.Equal(13079593, book.LastSequence);
        Assert.Equal(7_885_700_000L, book.Asks.Best.Size);
        Assert.Equal(3, book.Asks.Count);
    }

    [Fact]
    public void Parse_SameSymbolOnSpotAndLinear_MapsToSpotAndPerpetual()
    {
        var registry = new InstrumentRegistry();
        var batch = new MarketEventBatch();
        var frame = Encoding.UTF8.GetBytes(Book("snapshot", 5, bids: """["65140.4","0.885797"]"""));
        new BybitParser(VenueCatalog.BybitSpot, registry).Parse(frame, FrameSource.WebSocket, null, 1, batch);
        new BybitParser(VenueCatalog.BybitLinear, registry).Parse(frame, FrameSource.WebSocket, null, 1, batch);
        Assert.Equal("BTC-USDT", registry[batch[0].Instrument].Canonical);
        Assert.Equal("BTC-USDT-PERP", registry[batch[2].Instrument].Canonical);
        Assert.Equal(VenueCatalog.BybitSpot, batch[0].Venue);
        Assert.Equal(VenueCatalog.BybitLinear, batch[2].Venue);
    }

    [Fact]
    public void DeltaGap_MarksUnsyncedRequestsResync_NextSnapshotResyncs()
    {
        var h = new Harness();
        h.Feed(Book("snapshot", 100, bids: """["100.0","1"]""", asks: """["101.0","1"]"""));
        h.Feed(Book("delta", 101, bids: """["100.5","1"]"""));
        h.Feed(Book("delta", 103, bids: """["100.6","1"]""")); // 102 lost
        var id = h.Id("BTCUSDT");
        Assert.Equal(BookSyncState.Unsynced, h.StateOf("BTCUSDT"));
        Assert.Equal(1, h.Keeper.StatsOf(h.Venue, id)!.Gaps);
        Assert.Contains(h.Resync.Requests, q => q.Instrument == id && q.Reason == ResyncReason.SequenceGap);
        Assert.Equal(0, h.BookOf("BTCUSDT").Bids.SizeAt(10_060_000_000));
        h.Feed(Book("delta", 104, bids: """["100.7","1"]"""));
        Assert.Equal(BookSyncState.Unsynced, h.StateOf("BTCUSDT"));

        h.Feed(Book("snapshot", 200, bids: """["99.0","2"]""", asks: """["102.0","2"]"""));
        Assert.Equal(BookSyncState.Synced, h.StateOf("BTCUSDT"));
        h.Feed(Book("delta", 201, asks: """["101.5","3"]"""));
        Assert.Equal(BookSyncState.Synced, h.StateOf("BTCUSDT"));
        Assert.Equal(10_150_000_000L, h.BookOf("BTCUSDT").Asks.Best.Price);
    }

    [Fact]
    public void DeltaWithUEqualOne_IsServiceRestartSnapshot_OverwritesBook()
    {
        var h = new Harness();
        h.Feed(Book("snapshot", 5000, bids: """["100.0","1"]""", asks: """["101.0","1"]"""));
        var r = h.Feed(Book("delta", 1, bids: """["90.0","4"]""", asks: """["91.0","5"]"""));
        Assert.Equal(FrameStatus.Data, r.Status);
        Assert.True(h.Batch[0].IsSnapshot);
        Assert.Equal(1, h.Parser.Restarts);
        var book = h.BookOf("BTCUSDT");
        Assert.Equal(BookSyncState.Synced, h.StateOf("BTCUSDT"));
        Assert.Equal((1, 1), (book.Bids.Count, book.Asks.Count));
        Assert.Equal(9_000_000_000L, book.Bids.Best.Price);
        Assert.Equal(1, book.LastSequence);
        h.Feed(Book("delta", 2, bids: """["90.5","1"]"""));
        Assert.Equal(BookSyncState.Synced, h.StateOf("BTCUSDT"));
        Assert.Equal(0, h.Keeper.StatsOf(h.Venue, h.Id("BTCUSDT"))!.Gaps);
    }

    [Fact]
    public void OrderBookDepthOne_IsAlwaysAFullImage()
    {
        var h = new Harness();
        h.Feed(Book("snapshot", 10, bids: """["100.0","1"]""", asks: """["101.0","1"]""", depth: 1));
        h.Feed(Book("delta", 11, bids: """["100.5","2"]""", asks: """["100.9","1"]""", depth: 1));
        Assert.True(h.Batch[0].IsSnapshot);
        var book = h.BookOf("BTCUSDT");
        Assert.Equal((1, 1), (book.Bids.Count, book.Asks.Count));
    }

    [Fact]
    public void Tickers_DeltaCarriesOnlyChanges_ParserEmitsCompleteEvents()
    {
        var h = new Harness();
        h.Feed("""{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"65114.30","markPrice":"65117.44","indexPrice":"65137.76","nextFundingTime":"1786320000000","fundingRate":"0.0001","bid1Price":"65114.20","bid1Size":"6.054","ask1Price":"65114.30","ask1Size":"10.486"},"cs":753843907770,"ts":1786310817883}""");
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(new[] { MarketEventKind.Bbo, MarketEventKind.Bbo, MarketEventKind.Funding, MarketEventKind.MarkPrice, MarketEventKind.IndexPrice }, ev.Select(e => e.Kind));
        Assert.Equal(100_000_000L, ev[2].FundingRate); // 0.0001 × 10^12
        Assert.Equal(1786320000000L, ev[2].NextFundingTimeMs);
        Assert.Equal(6_511_744_000_000L, ev[3].Price);
        Assert.Equal(6_513_776_000_000L, ev[4].Price);
        Assert.All(ev, e => Assert.Equal(1786310817883L * 1_000_000, e.ExchangeTimeNs));

        // Delta with only the ask size: the BBO pair is complete from the kept values.
        h.Feed("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Size":"10.488","openInterestValue":"3899995666.09"},"cs":753843915209,"ts":1786310818183}""");
        ev = h.Batch.Events.ToArray();
        Assert.Equal(2, ev.Length);
        Assert.Equal((Side.Bid, 6_511_420_000_000L, 605_400_000L), (ev[0].Side, ev[0].Price, ev[0].Size));
        Assert.Equal((Side.Ask, 6_511_430_000_000L, 1_048_800_000L, true), (ev[1].Side, ev[1].Price, ev[1].Size, ev[1].IsEndOfMessage));

        // Funding rate change only: Funding keeps the next funding time.
        h.Feed("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","fundingRate":"-0.000025"},"cs":1,"ts":1786310818283}""");
        ev = h.Batch.Events.ToArray();
        Assert.Single(ev);
        Assert.Equal((MarketEventKind.Funding, -25_000_000L, 1786320000000L), (ev[0].Kind, ev[0].FundingRate, ev[0].NextFundingTimeMs));

        // Irrelevant fields only: control.
        Assert.Equal(ParseResult.Control, h.Feed("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","openInterest":"59891.7"},"cs":2,"ts":1786310818383}"""));
    }

    [Fact]
    public void PublicTrade_SideIsTaker()
    {
        var h = new Harness(VenueCatalog.BybitSpot);
        h.Feed("""{"topic":"publicTrade.BTCUSDT","ts":1786310822606,"type":"snapshot","data":[{"i":"2290000001189048101","T":1786310822605,"p":"65140.5","v":"0.002705","S":"Buy","seq":112488547164,"s":"BTCUSDT","BT":false,"RPI":false},{"i":"2290000001189048102","T":1786310822605,"p":"65140.4","v":"0.1","S":"Sell","seq":112488547165,"s":"BTCUSDT","BT":false,"RPI":false}]}""");
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(2, ev.Length);
        Assert.Equal((MarketEventKind.Trade, Side.Bid, 6_514_050_000_000L, 270_500L, 2290000001189048101L), (ev[0].Kind, ev[0].Side, ev[0].Price, ev[0].Size, ev[0].Sequence));
        Assert.Equal(Side.Ask, ev[1].Side);
        Assert.Equal(1786310822605L * 1_000_000, ev[0].ExchangeTimeNs);
    }

    [Theory]
    [InlineData("""{"success":true,"ret_msg":"","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"","op":"subscribe"}""")]
    [InlineData("""{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"}""")]
    [InlineData("""{"type":"snapshot","topic":"kline.1.BTCUSDT","data":[{"start":1786310760000,"end":1786310819999,"interval":"1","open":"65140.4","confirm":false}],"ts":1786310816562}""")]
    [InlineData("""{"topic":"tickers.ETHUSDT","ts":1786310819415,"type":"snapshot","cs":178477361130,"data":{"symbol":"ETHUSDT","lastPrice":"1923.27","usdIndexPrice":"1921.802757"}}""")]
    public void Parse_ControlFrames_AreControl(string json)
    {
        var h = new Harness(VenueCatalog.BybitSpot);
        Assert.Equal(ParseResult.Control, h.Feed(json));
        Assert.Equal(0, h.Batch.Count);
    }

    [Theory]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.0","1"]],"a":[""", RejectReason.InvalidJson)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.0"]],"a":[],"u":5}}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[[1.0,"1"]],"a":[],"u":5}}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.0","1"]],"a":[]}}""", RejectReason.MissingField)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.0","1"]],"a":[],"u":"5"}}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.x","1"]],"a":[],"u":5}}""", RejectReason.BadNumber)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["92233720368547758070","1"]],"a":[],"u":5}}""", RejectReason.NumberOverflow)]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.0000000001","1"]],"a":[],"u":5}}""", RejectReason.PrecisionLoss)]
    [InlineData("""{"topic":"orderbook.50.XYZ","type":"delta","ts":1,"data":{"s":"XYZ","b":[],"a":[],"u":5}}""", RejectReason.UnknownSymbol)]
    [InlineData("""{"topic":"orderbook.abc.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":5}}""", RejectReason.UnknownChannel)]
    [InlineData("""{"topic":"spread.BTCUSDT","type":"delta","ts":1,"data":{}}""", RejectReason.UnknownChannel)]
    [InlineData("""{"success":false,"ret_msg":"error:handler not found","conn_id":"x","op":"subscribe"}""", RejectReason.VenueError)]
    [InlineData("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","fundingRate":"abc"},"ts":1}""", RejectReason.BadNumber)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"s":"BTCUSDT","S":"Hold","v":"1","p":"1"}]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"hello":1}""", RejectReason.MissingField)]
    public void Parse_Malformed_RejectedWithCountedReason(string json, RejectReason expected)
    {
        var h = new Harness();
        h.Feed(Book("snapshot", 4, bids: """["1.0","1"]"""));
        h.Batch.Clear();
        var r = h.Parser.Parse(Encoding.UTF8.GetBytes(json), FrameSource.WebSocket, null, 1, h.Batch);
        Assert.Equal(ParseResult.Reject(expected), r);
        Assert.Equal(0, h.Batch.Count);
        Assert.Equal(1, h.Parser.Counters.Of(expected));
    }

    [Fact]
    public void Tickers_RejectedFrame_LeavesKeptValuesUntouched()
    {
        var h = new Harness();
        h.Feed("""{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","bid1Price":"10","bid1Size":"1","ask1Price":"11","ask1Size":"2"},"ts":1}""");
        Assert.Equal(RejectReason.BadNumber, h.Feed("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"10.5","ask1Size":"x"},"ts":2}""").Reason);
        h.Feed("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Price":"12"},"ts":3}""");
        Assert.Equal(1_000_000_000L, h.Batch[0].Price); // still 10, not the rejected 10.5
    }

    [Fact]
    public void SharedCapture_UContiguousSixSnapshotsNeverCrossedFundingAndMarkEmitted()
    {
        if (RawCapture.SharedOrSkip(output, "bybit", CaptureFile) is null) return;
        var replay = _shared.Value!.Value.Replay;
        var stats = replay.Stats();
        output.WriteLine($"frames={replay.Frames} data={replay.DataFrames} control={replay.ControlFrames} snapshots={stats.Snapshots} deltas={stats.DeltasApplied} gaps={stats.Gaps}");
        Assert.Equal(3227, replay.Frames);
        Assert.Empty(replay.Rejects);
        Assert.Equal(6, stats.Snapshots);
        Assert.Equal(2142, stats.DeltasApplied);
        Assert.Equal(0, stats.Gaps);
        Assert.Equal(0, stats.Crossed);
        Assert.Equal(0, replay.CrossedAfterFrame);
        Assert.Equal(6, replay.Keeper.Books.Count(b => b.IsSynced));

        // Independent check of the README's rule on the emitted headers: u + 1 on every delta of a book.
        var lastU = new Dictionary<(VenueId, InstrumentId), long>();
        int steps = 0, breaks = 0;
        foreach (var e in replay.Events.Where(e => e.Kind == MarketEventKind.BookHeader))
        {
            var key = (e.Venue, e.Instrument);
            if (!e.IsSnapshot)
            {
                if (lastU[key] + 1 == e.Sequence) steps++; else breaks++;
            }
            lastU[key] = e.Sequence;
        }
        Assert.Equal((2142, 0), (steps, breaks));

        var linearFunding = replay.Events.Where(e => e.Kind == MarketEventKind.Funding).ToList();
        Assert.NotEmpty(linearFunding);
        Assert.All(linearFunding, e => Assert.Equal(VenueCatalog.BybitLinear, e.Venue));
        Assert.All(linearFunding, e => Assert.Equal(1786320000000L, e.NextFundingTimeMs));
        Assert.Equal(4 + 85, replay.Count(MarketEventKind.MarkPrice)); // 4 snapshots + 85 deltas carrying markPrice
        Assert.Equal(4 + 65, replay.Count(MarketEventKind.IndexPrice));
        Assert.DoesNotContain(replay.Events, e => e.Venue == VenueCatalog.BybitSpot && e.Kind is MarketEventKind.Funding or MarketEventKind.MarkPrice);
        Assert.True(replay.Count(MarketEventKind.Trade) >= 120);
    }

    [Fact]
    public void SharedCapture_SecondPass_AllocatesNothing()
    {
        if (RawCapture.SharedOrSkip(output, "bybit", CaptureFile) is null) return;
        long bytes = CaptureReplay.SecondPassAllocatedBytes(new BybitAdapter(), _shared.Value!.Value.Frames);
        output.WriteLine($"second pass allocated {bytes} bytes");
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Adapter_SubscribeAndHeartbeat_MatchDocumentedShape()
    {
        Assert.Equal("""{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}""", BybitAdapter.SubscribeBook(["BTCUSDT"]));
        Assert.Equal("""{"op":"subscribe","args":["tickers.BTCUSDT","tickers.ETHUSDT"]}""", BybitAdapter.SubscribeTicker(["BTCUSDT", "ETHUSDT"]));
        Assert.Equal("""{"op":"ping"}""", BybitAdapter.Heartbeat.Payload);
        Assert.Equal(TimeSpan.FromSeconds(20), BybitAdapter.Heartbeat.Interval);
        Assert.Equal(SequenceRule.PrevLinked, new BybitAdapter().SyncSpec(VenueCatalog.BybitSpot).Sequence);
        Assert.IsType<BybitAdapter>(VenueAdapters.For(VenueCatalog.BybitLinear));
        Assert.IsType<BybitAdapter>(VenueAdapters.For(VenueCatalog.BybitSpot));
        Assert.Throws<ArgumentOutOfRangeException>(() => BybitAdapter.BookTopic("BTCUSDT", 7));
    }
}
