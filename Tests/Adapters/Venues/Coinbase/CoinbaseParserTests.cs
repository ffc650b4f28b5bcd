using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Coinbase;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Adapters.Venues.Common;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Coinbase;

public sealed class CoinbaseParserTests(ITestOutputHelper output)
{
    private const string CaptureFile = "advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl";

    // One replay of the 9 MB capture shared by the tests that only read its results.
    private static readonly Lazy<(List<RawFrame> Frames, CaptureReplay Replay)?> _shared = new(() =>
    {
        var shared = FastEngine.Tests.Support.Fixture.SharedDirectory();
        if (shared is null) return null;
        var path = Path.Combine(shared, "captures", "coinbase", CaptureFile);
        if (!File.Exists(path)) return null;
        var frames = RawCapture.Received(path);
        var replay = new CaptureReplay(new CoinbaseAdapter());
        replay.FeedAll(frames);
        return (frames, replay);
    });

    private static string L2(long seq, string type, string product, params (string Side, string Price, string Qty)[] levels)
    {
        var updates = string.Join(",", levels.Select(l =>
            $$"""{"side":"{{l.Side}}","event_time":"2026-01-02T03:04:05.123456Z","price_level":"{{l.Price}}","new_quantity":"{{l.Qty}}"}"""));
        return $$"""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05.987654321Z","sequence_num":{{seq}},"events":[{"type":"{{type}}","product_id":"{{product}}","updates":[{{updates}}]}]}""";
    }

    private static string Heartbeat(long seq) =>
        $$"""{"channel":"heartbeats","timestamp":"2026-01-02T03:04:06.1Z","sequence_num":{{seq}},"events":[{"current_time":"2026-01-02 03:04:06.1 +0000 UTC m=+1.0","heartbeat_counter":7}]}""";

    private sealed class Harness
    {
        public readonly InstrumentRegistry Registry = new();
        public readonly RecordingResyncRequester Resync = new();
        public readonly BookKeeper Keeper;
        public readonly CoinbaseParser Parser;
        public readonly MarketEventBatch Batch = new();

        public Harness()
        {
            VenueCatalog.EnsureRegistered();
            Keeper = new BookKeeper(Registry, Resync);
            Keeper.SetSpec(VenueCatalog.Coinbase, new CoinbaseAdapter().SyncSpec(VenueCatalog.Coinbase));
            Parser = new CoinbaseParser(VenueCatalog.Coinbase, Registry);
        }

        public ParseResult Feed(string json) => Feed(Encoding.UTF8.GetBytes(json));

        public ParseResult Feed(byte[] frame)
        {
            Batch.Clear();
            var result = Parser.Parse(frame, FrameSource.WebSocket, null, 42, Batch);
            var events = Batch.Events;
            for (int i = 0; i < events.Length; i++) Keeper.OnEvent(ref events[i]);
            return result;
        }

        public InstrumentId Id(string venueSymbol)
        {
            Assert.True(Registry.TryGet(VenueCatalog.Coinbase, Encoding.UTF8.GetBytes(venueSymbol), out var id));
            return id;
        }
    }

    [Fact]
    public void Parse_L2Snapshot_EmitsHeaderLevelsAndMessageTimestamp()
    {
        var h = new Harness();
        var result = h.Feed(L2(0, "snapshot", "BTC-USD", ("bid", "65083.66", "0.20371215"), ("offer", "65083.67", "0.24290402")));
        Assert.Equal(FrameStatus.Data, result.Status);
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(3, ev.Length);
        Assert.Equal(MarketEventKind.BookHeader, ev[0].Kind);
        Assert.True(ev[0].IsSnapshot);
        Assert.Equal("BTC-USD", h.Registry[ev[0].Instrument].Canonical);
        // 2026-01-02T03:04:05.987654321Z
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds() * 1_000_000_000L + 987_654_321, ev[0].ExchangeTimeNs);
        // Snapshot levels are emitted worst-first (the book appends instead of shifting): the offer, then the bid.
        Assert.Equal((MarketEventKind.BookLevel, Side.Bid, 6_508_366_000_000L, 20_371_215L, (byte)2, (byte)8),
            (ev[2].Kind, ev[2].Side, ev[2].Price, ev[2].Size, ev[2].PriceDecimals, ev[2].SizeDecimals));
        Assert.Equal((Side.Ask, 6_508_367_000_000L), (ev[1].Side, ev[1].Price));
        Assert.True(ev[2].IsEndOfMessage);
        Assert.False(ev[1].IsEndOfMessage);
        Assert.Equal(BookSyncState.Synced, h.Keeper.StateOf(VenueCatalog.Coinbase, h.Id("BTC-USD")));
    }

    [Fact]
    public void Parse_L2UpdateZeroQuantity_RemovesLevel()
    {
        var h = new Harness();
        h.Feed(L2(0, "snapshot", "ETH-USD", ("bid", "1919.44", "1"), ("bid", "1919.40", "2"), ("offer", "1919.49", "3")));
        Assert.Equal(FrameStatus.Data, h.Feed(L2(1, "update", "ETH-USD", ("bid", "1919.44", "0"), ("offer", "1919.45", "0.5"))).Status);
        var book = h.Keeper.TryGetBook(VenueCatalog.Coinbase, h.Id("ETH-USD"))!;
        Assert.Equal(191_940_000_000L, book.Bids.Best.Price);
        Assert.Equal(191_945_000_000L, book.Asks.Best.Price);
        Assert.Equal(50_000_000L, book.Asks.Best.Size);
    }

    [Fact]
    public void Parse_Ticker_EmitsBidThenAskBbo()
    {
        var h = new Harness();
        var r = h.Feed("""{"channel":"ticker","timestamp":"2026-08-09T21:05:48.59377133Z","sequence_num":0,"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"ETH-USD","price":"1919.41","volume_24_h":"19976.09208272","price_percent_chg_24_h":"0.02501394006035","best_bid":"1919.44","best_ask":"1919.49","best_bid_quantity":"0.02858092","best_ask_quantity":"0.07814824"}]}]}""");
        Assert.Equal(FrameStatus.Data, r.Status);
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(2, ev.Length);
        Assert.Equal((MarketEventKind.Bbo, Side.Bid, 191_944_000_000L, 2_858_092L, false), (ev[0].Kind, ev[0].Side, ev[0].Price, ev[0].Size, ev[0].IsEndOfMessage));
        Assert.Equal((MarketEventKind.Bbo, Side.Ask, 191_949_000_000L, 7_814_824L, true), (ev[1].Kind, ev[1].Side, ev[1].Price, ev[1].Size, ev[1].IsEndOfMessage));
        Assert.Equal(MarketEventFlags.None, ev[0].Flags & MarketEventFlags.HasSequence);
    }

    [Fact]
    public void Parse_MarketTradesUpdate_SideIsMakerSoAggressorIsOpposite()
    {
        var h = new Harness();
        h.Feed("""{"channel":"market_trades","timestamp":"2026-08-09T21:05:49.25328358Z","sequence_num":0,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1068572092","price":"65083.66","size":"0.00171442","time":"2026-08-09T21:05:49.205817Z","side":"BUY"},{"product_id":"BTC-USD","trade_id":"1068572093","price":"65083.67","size":"0.00152112","time":"2026-08-09T21:05:49.507468Z","side":"SELL"}]}]}""");
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(2, ev.Length);
        Assert.Equal((MarketEventKind.Trade, Side.Ask, 1068572092L), (ev[0].Kind, ev[0].Side, ev[0].Sequence));
        Assert.Equal((MarketEventKind.Trade, Side.Bid, 1068572093L), (ev[1].Kind, ev[1].Side, ev[1].Sequence));
        Assert.Equal(DateTimeOffset.Parse("2026-08-09T21:05:49.205817Z").ToUnixTimeMilliseconds() * 1_000_000L + 817_000, ev[0].ExchangeTimeNs);
    }

    [Fact]
    public void Parse_MarketTradesSnapshot_IsHistoryAndSkipped()
    {
        var h = new Harness();
        var r = h.Feed("""{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.228568804Z","sequence_num":0,"events":[{"type":"snapshot","trades":[{"product_id":"BTC-USD","trade_id":"1","price":"65083.67","size":"0.002186","time":"2026-08-09T21:05:42.514318Z","side":"SELL"}]}]}""");
        Assert.Equal(FrameStatus.Control, r.Status);
        Assert.Equal(0, h.Batch.Count);
    }

    [Theory]
    [InlineData("""{"channel":"heartbeats","timestamp":"2026-08-09T21:05:48.856364007Z","sequence_num":0,"events":[{"current_time":"x","heartbeat_counter":41691}]}""")]
    [InlineData("""{"channel":"subscriptions","timestamp":"2026-08-09T21:05:48.228846629Z","sequence_num":0,"events":[{"subscriptions":{"market_trades":["BTC-USD","ETH-USD"]}}]}""")]
    [InlineData("""{"channel":"candles","timestamp":"2026-08-09T21:05:48.228971266Z","sequence_num":0,"events":[{"type":"snapshot","candles":[{"start":"1786279500","high":"1916.6","product_id":"ETH-USD"}]}]}""")]
    public void Parse_ControlChannels_AreControl(string json)
    {
        var h = new Harness();
        Assert.Equal(ParseResult.Control, h.Feed(json));
        Assert.Equal(0, h.Parser.LastSequenceNum);
    }

    [Fact]
    public void Parse_EventsBeforeChannelAndProductAfterUpdates_SameEvents()
    {
        var inOrder = new Harness();
        inOrder.Feed(L2(0, "snapshot", "BTC-USD", ("bid", "1.5", "2"), ("offer", "1.6", "3")));
        var reordered = new Harness();
        var r = reordered.Feed("""{"events":[{"updates":[{"new_quantity":"2","price_level":"1.5","side":"bid"},{"side":"offer","price_level":"1.6","new_quantity":"3"}],"product_id":"BTC-USD","type":"snapshot"}],"sequence_num":0,"timestamp":"2026-01-02T03:04:05.987654321Z","channel":"l2_data"}""");
        Assert.Equal(FrameStatus.Data, r.Status);
        Assert.Equal(inOrder.Batch.Events.ToArray(), reordered.Batch.Events.ToArray());
    }

    [Fact]
    public void SequenceGap_InvalidatesEveryBookOfTheConnection_NextSnapshotResyncs()
    {
        var h = new Harness();
        h.Feed(L2(0, "snapshot", "BTC-USD", ("bid", "100", "1"), ("offer", "101", "1")));
        h.Feed(L2(1, "snapshot", "ETH-USD", ("bid", "10", "1"), ("offer", "11", "1")));
        h.Feed(L2(2, "update", "BTC-USD", ("bid", "100.5", "1")));
        var btc = h.Id("BTC-USD");
        var eth = h.Id("ETH-USD");
        Assert.Equal(BookSyncState.Synced, h.Keeper.StateOf(VenueCatalog.Coinbase, btc));

        // Frame 3 is lost; frame 4 (an ETH update) arrives.
        var r = h.Feed(L2(4, "update", "ETH-USD", ("bid", "10.5", "1")));
        Assert.Equal(FrameStatus.Data, r.Status);
        Assert.Equal(1, h.Parser.ConnectionGaps);
        var ev = h.Batch.Events.ToArray();
        Assert.Equal(MarketEventKind.BookInvalidate, ev[0].Kind);
        Assert.Equal(MarketEventKind.BookInvalidate, ev[1].Kind);
        Assert.Equal(new[] { btc, eth }, new[] { ev[0].Instrument, ev[1].Instrument });
        Assert.All(ev[..2], e => Assert.Equal(InvalidateReason.SequenceGap, e.Reason));
        Assert.Equal(MarketEventKind.BookHeader, ev[2].Kind);
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Coinbase, btc));
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Coinbase, eth));
        Assert.Contains(h.Resync.Requests, q => q.Venue == VenueCatalog.Coinbase && q.Instrument == btc);
        Assert.Contains(h.Resync.Requests, q => q.Venue == VenueCatalog.Coinbase && q.Instrument == eth);
        Assert.Equal(1, h.Keeper.StatsOf(VenueCatalog.Coinbase, btc)!.Gaps);
        // The update behind the gap was not applied to the invalidated book.
        Assert.Equal(0, h.Keeper.TryGetBook(VenueCatalog.Coinbase, eth)!.Bids.SizeAt(1_050_000_000));

        // The resubscribe answers with a fresh snapshot: BTC re-syncs, ETH stays unsynced until its own snapshot.
        h.Feed(L2(5, "snapshot", "BTC-USD", ("bid", "99", "1"), ("offer", "102", "1")));
        Assert.Equal(BookSyncState.Synced, h.Keeper.StateOf(VenueCatalog.Coinbase, btc));
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Coinbase, eth));
        Assert.Equal(9_900_000_000L, h.Keeper.TryGetBook(VenueCatalog.Coinbase, btc)!.Bids.Best.Price);
        h.Feed(Heartbeat(6));
        Assert.Equal(1, h.Parser.ConnectionGaps);
    }

    [Fact]
    public void RejectedFrame_DoesNotAdvanceSequence_NextFrameInvalidatesBooks()
    {
        var h = new Harness();
        h.Feed(L2(0, "snapshot", "BTC-USD", ("bid", "100", "1"), ("offer", "101", "1")));
        var bad = h.Feed(L2(1, "update", "BTC-USD", ("bid", "abc", "1")));
        Assert.Equal(ParseResult.Reject(RejectReason.BadNumber), bad);
        Assert.Equal(0, h.Parser.LastSequenceNum);
        h.Feed(Heartbeat(2));
        Assert.Equal(1, h.Parser.ConnectionGaps);
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Coinbase, h.Id("BTC-USD")));
    }

    [Theory]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1""", RejectReason.InvalidJson)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":"0","events":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":1.5,"new_quantity":"1"}]}]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1e400","new_quantity":"1"}]}]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"99999999999999999999","new_quantity":"1"}]}]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1.5","new_quantity":"-1"}]}]}""", RejectReason.BadNumber)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1.5"}]}]}""", RejectReason.MissingField)]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[{"type":"update","product_id":"BTCUSD","updates":[]}]}""", RejectReason.UnknownSymbol)]
    [InlineData("""{"channel":"level3","timestamp":"2026-01-02T03:04:05Z","sequence_num":0,"events":[]}""", RejectReason.UnknownChannel)]
    [InlineData("""{"type":"error","message":"failure to subscribe"}""", RejectReason.VenueError)]
    [InlineData("""[1,2,3]""", RejectReason.UnexpectedShape)]
    [InlineData("""{"channel":"l2_data","timestamp":"yesterday","sequence_num":0,"events":[]}""", RejectReason.UnexpectedShape)]
    public void Parse_Malformed_RejectedWithCountedReason(string json, RejectReason expected)
    {
        var h = new Harness();
        h.Feed(L2(0, "snapshot", "BTC-USD", ("bid", "100", "1"), ("offer", "101", "1")));
        h.Batch.Clear();
        var r = h.Parser.Parse(Encoding.UTF8.GetBytes(json), FrameSource.WebSocket, null, 1, h.Batch);
        Assert.Equal(ParseResult.Reject(expected), r);
        Assert.Equal(0, h.Batch.Count);
        Assert.Equal(1, h.Parser.Counters.Of(expected));
        Assert.Equal(1, h.Parser.Counters.Rejected);
    }

    [Fact]
    public void Parse_InvalidUtf8_Rejected()
    {
        var h = new Harness();
        var bytes = Encoding.UTF8.GetBytes(Heartbeat(0));
        bytes[20] = 0xC3; // a lead byte not followed by a continuation byte
        bytes[21] = 0x28;
        Assert.Equal(ParseResult.Reject(RejectReason.InvalidUtf8), h.Feed(bytes));
    }

    [Fact]
    public void SharedCapture_SequenceContiguousTwoSnapshotsNeverCrossedNoRejects()
    {
        if (RawCapture.SharedOrSkip(output, "coinbase", CaptureFile) is null) return;
        var replay = _shared.Value!.Value.Replay;
        var parser = (CoinbaseParser)replay.Parsers.Values.Single();
        var stats = replay.Stats();
        output.WriteLine($"frames={replay.Frames} data={replay.DataFrames} control={replay.ControlFrames} snapshots={stats.Snapshots} deltas={stats.DeltasApplied} levels={stats.LevelsApplied}");

        // README: 631 frames, sequence_num 0…630 without gaps, 2 snapshots (BTC-USD 46,000 levels, ETH-USD 23,334), 460 updates.
        Assert.Equal(631, replay.Frames);
        Assert.Empty(replay.Rejects);
        Assert.Equal(0, parser.ConnectionGaps);
        Assert.Equal(630, parser.LastSequenceNum);
        Assert.Equal(2, stats.Snapshots);
        Assert.Equal(460, stats.DeltasApplied);
        Assert.Equal(0, stats.Gaps);
        Assert.Equal(0, stats.Crossed);
        Assert.Equal(0, replay.CrossedAfterFrame);
        var snapshotSizes = new List<int>();
        for (int i = 0; i < replay.Events.Count; i++)
        {
            if (replay.Events[i].Kind != MarketEventKind.BookHeader || !replay.Events[i].IsSnapshot) continue;
            int n = 0;
            while (i + 1 + n < replay.Events.Count && replay.Events[i + 1 + n].Kind == MarketEventKind.BookLevel) n++;
            snapshotSizes.Add(n);
        }
        Assert.Equal(new[] { 46_000, 23_334 }, snapshotSizes);
        Assert.Equal(102 * 2, replay.Count(MarketEventKind.Bbo));
    }

    [Fact]
    public void SharedCapture_TradeAggressorAgreesWithTickerQuotes()
    {
        // External truth for the maker-side convention: an aggressive buy lifts the offer, an aggressive sell hits the bid.
        if (RawCapture.SharedOrSkip(output, "coinbase", CaptureFile) is null) return;
        var replay = _shared.Value!.Value.Replay;
        var bid = new Dictionary<InstrumentId, long>();
        var ask = new Dictionary<InstrumentId, long>();
        int agree = 0, contradict = 0;
        foreach (var e in replay.Events)
        {
            if (e.Kind == MarketEventKind.Bbo) (e.Side == Side.Bid ? bid : ask)[e.Instrument] = e.Price;
            if (e.Kind != MarketEventKind.Trade || !bid.TryGetValue(e.Instrument, out long b) || !ask.TryGetValue(e.Instrument, out long a)) continue;
            if ((e.Side == Side.Bid && e.Price >= a) || (e.Side == Side.Ask && e.Price <= b)) agree++;
            else if ((e.Side == Side.Bid && e.Price <= b) || (e.Side == Side.Ask && e.Price >= a)) contradict++;
        }
        output.WriteLine($"agree={agree} contradict={contradict}");
        Assert.Equal(0, contradict);
        Assert.True(agree >= 50, $"agree={agree}");
    }

    [Fact]
    public void SharedCapture_SecondPass_AllocatesNothing()
    {
        if (RawCapture.SharedOrSkip(output, "coinbase", CaptureFile) is null) return;
        long bytes = CaptureReplay.SecondPassAllocatedBytes(new CoinbaseAdapter(), _shared.Value!.Value.Frames);
        output.WriteLine($"second pass allocated {bytes} bytes");
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Adapter_SubscribeMessages_MatchDocumentedShape()
    {
        Assert.Equal("""{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}""", CoinbaseAdapter.SubscribeBook(["BTC-USD"]));
        Assert.Equal("""{"type":"unsubscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"ticker"}""", CoinbaseAdapter.Unsubscribe("ticker", ["BTC-USD", "ETH-USD"]));
        Assert.Equal(SequenceRule.None, new CoinbaseAdapter().SyncSpec(VenueCatalog.Coinbase).Sequence);
        Assert.Same(VenueAdapters.For(VenueCatalog.Coinbase)!.GetType(), typeof(CoinbaseAdapter));
    }
}
