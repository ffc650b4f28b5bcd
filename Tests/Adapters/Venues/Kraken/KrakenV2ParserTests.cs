using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Kraken;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Kraken;

/// <summary>
/// Kraken WebSocket v2 (no capture exists): the documented book example of Kraken's "Book checksum (v2)" / "book" channel
/// pages (BTC/USD snapshot, checksum 3310070434), plus hand-built updates whose expected checksum is computed here from the
/// documented string algorithm with an independent bitwise CRC-32.
/// </summary>
public sealed class KrakenV2ParserTests
{
    private static readonly (string Price, string Qty)[] DocBids =
    [
        ("45283.5", "0.10000000"), ("45283.4", "1.54582015"), ("45282.1", "0.10000000"), ("45281.0", "0.10000000"), ("45280.3", "1.54592586"),
        ("45279.0", "0.07990000"), ("45277.6", "0.03310103"), ("45277.5", "0.30000000"), ("45277.3", "1.54602737"), ("45276.6", "0.15445238"),
    ];

    private static readonly (string Price, string Qty)[] DocAsks =
    [
        ("45285.2", "0.00100000"), ("45286.4", "1.54571953"), ("45286.6", "1.54571109"), ("45289.6", "1.54560911"), ("45290.2", "0.15890660"),
        ("45291.8", "1.54553491"), ("45294.7", "0.04454749"), ("45296.1", "0.35380000"), ("45297.5", "0.09945542"), ("45299.5", "0.18772827"),
    ];

    private const uint DocChecksum = 3310070434;

    private static string Levels((string Price, string Qty)[] levels, Func<string, string> format) =>
        string.Join(",", levels.Select(l => $"{{\"price\":{format(l.Price)},\"qty\":{format(l.Qty)}}}"));

    private static string Snapshot(Func<string, string> format, uint checksum) =>
        $"{{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{{\"symbol\":\"BTC/USD\",\"bids\":[{Levels(DocBids, format)}],\"asks\":[{Levels(DocAsks, format)}],\"checksum\":{checksum}}}]}}";

    /// <summary>How a JSON serializer writes these numbers on the wire: shortest form (0.10000000 → 0.1, 45281.0 → 45281).</summary>
    private static string Compact(string s) => decimal.Parse(s).ToString("0.############################", System.Globalization.CultureInfo.InvariantCulture);

    private static VenueReplayHarness NewHarness() => new(new KrakenAdapter(10), VenueCatalog.Kraken, KrakenAdapter.PublicUrlV2);

    [Fact]
    public void DocumentedSnapshot_AsPrintedInDocs_ChecksumMatches()
    {
        var h = NewHarness();
        Assert.Equal(FrameStatus.Data, h.Feed(Snapshot(s => s, DocChecksum)).Status);
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        Assert.Equal((1L, 0L), (stats.ChecksumOk, stats.ChecksumBad));
        var book = h.Keeper.TryGetBook(VenueCatalog.Kraken, h.Id("BTC/USD"))!;
        Assert.Equal((10, 10), (book.Bids.Count, book.Asks.Count));
        Assert.True(book.IsSynced);
    }

    [Fact]
    public void DocumentedSnapshot_CompactNumbersWithDeclaredPrecision_ChecksumMatches()
    {
        var h = NewHarness();
        ((KrakenV2Parser)h.Parser).SetPrecision("BTC/USD", 1, 8);
        h.Feed(Snapshot(Compact, DocChecksum));
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        Assert.Equal((1L, 0L), (stats.ChecksumOk, stats.ChecksumBad));
    }

    [Fact]
    public void DocumentedSnapshot_CompactNumbersWithoutPrecision_MismatchDetected()
    {
        // Without the pair's precision the trailing zeros are unknown: the check must fail, not pass by accident.
        var h = NewHarness();
        h.Feed(Snapshot(Compact, DocChecksum));
        Assert.Equal(1, h.Keeper.StatsOf(VenueCatalog.Kraken).ChecksumBad);
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Kraken, h.Id("BTC/USD")));
    }

    [Fact]
    public void HandBuiltUpdates_ChecksumFromDocumentedAlgorithm_MatchAndTruncateToDepth()
    {
        var h = NewHarness();
        ((KrakenV2Parser)h.Parser).SetPrecision("BTC/USD", 1, 8);
        h.Feed(Snapshot(Compact, DocChecksum));
        var bids = DocBids.ToList();
        var asks = DocAsks.ToList();

        // 1) change the best bid's qty, 2) insert a new best ask (the 11th ask falls off at depth 10), 3) remove a bid.
        bids[0] = ("45283.5", "0.25000000");
        uint c1 = ExpectedChecksum(asks, bids);
        h.Feed(Update("\"bids\":[{\"price\":45283.5,\"qty\":0.25}],\"asks\":[]", c1));
        asks.Insert(0, ("45284.0", "2.00000000"));
        asks.RemoveAt(10);
        uint c2 = ExpectedChecksum(asks, bids);
        h.Feed(Update("\"bids\":[],\"asks\":[{\"price\":45284.0,\"qty\":2}]", c2));
        bids.RemoveAt(2);
        uint c3 = ExpectedChecksum(asks, bids); // no refill level is sent in this hand-built update: the hash covers 9 bids
        h.Feed(Update("\"bids\":[{\"price\":45282.1,\"qty\":0}],\"asks\":[]", c3));
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        Assert.Equal((4L, 0L), (stats.ChecksumOk, stats.ChecksumBad));
        var book = h.Keeper.TryGetBook(VenueCatalog.Kraken, h.Id("BTC/USD"))!;
        Assert.Equal(10, book.Asks.Count);
        Assert.Equal(9, book.Bids.Count);

        // A wrong qty is caught.
        h.Feed(Update("\"bids\":[{\"price\":45283.5,\"qty\":0.3}],\"asks\":[]", c3)); // the book now holds 0.3, the venue hashed 0.25
        Assert.Equal(1, h.Keeper.StatsOf(VenueCatalog.Kraken).ChecksumBad);
        Assert.Equal(BookSyncState.Unsynced, h.Keeper.StateOf(VenueCatalog.Kraken, h.Id("BTC/USD")));
        Assert.Single(h.Resync.Requests);
    }

    private static string Update(string sides, uint checksum) =>
        $"{{\"channel\":\"book\",\"type\":\"update\",\"data\":[{{\"symbol\":\"BTC/USD\",{sides},\"checksum\":{checksum},\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}}]}}";

    /// <summary>Kraken's documented algorithm, on the strings: asks low→high then bids high→low, '.' removed, leading zeros stripped.</summary>
    private static uint ExpectedChecksum(List<(string Price, string Qty)> asks, List<(string Price, string Qty)> bids)
    {
        static string F(string s) => s.Replace(".", "").TrimStart('0');
        var text = string.Concat(asks.Take(10).Concat(bids.Take(10)).Select(l => F(l.Price) + F(l.Qty)));
        uint crc = 0xFFFFFFFF;
        foreach (byte b in Encoding.ASCII.GetBytes(text))
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void DocumentedSnapshot_SymbolAfterLevels_SameResult()
    {
        var h = NewHarness();
        string frame = Snapshot(s => s, DocChecksum).Replace("{\"symbol\":\"BTC/USD\",", "{").Replace(",\"checksum\"", ",\"symbol\":\"BTC/USD\",\"checksum\"");
        Assert.Equal(FrameStatus.Data, h.Feed(frame).Status);
        Assert.Equal((1L, 0L), (h.Keeper.StatsOf(VenueCatalog.Kraken).ChecksumOk, h.Keeper.StatsOf(VenueCatalog.Kraken).ChecksumBad));
    }

    [Fact]
    public void Replay_DocumentedFramesSecondPass_AllocatesZeroBytes()
    {
        var h = NewHarness();
        ((KrakenV2Parser)h.Parser).SetPrecision("BTC/USD", 1, 8);
        var frames = new[]
        {
            Encoding.UTF8.GetBytes(Snapshot(Compact, DocChecksum)),
            Encoding.UTF8.GetBytes(Update("\"bids\":[{\"price\":45283.5,\"qty\":0.25}],\"asks\":[]",
                ExpectedChecksum(DocAsks.ToList(), DocBids.Select((l, i) => i == 0 ? (l.Price, "0.25000000") : l).ToList()))),
            "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"price\":45283.5,\"qty\":0.1,\"ord_type\":\"market\",\"trade_id\":4665906,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"}]}"u8.ToArray(),
            "{\"channel\":\"heartbeat\"}"u8.ToArray(),
        };
        var (parser, batch, keeper) = (h.Parser, h.Batch, h.Keeper);
        void Pass()
        {
            for (int n = 0; n < 200; n++)
            foreach (var frame in frames)
            {
                batch.Clear();
                parser.Parse(frame, FrameSource.WebSocket, null, 0, batch);
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++) keeper.OnEvent(ref events[i]);
            }
        }
        Pass();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, keeper.StatsOf(VenueCatalog.Kraken).ChecksumBad);
        Assert.Equal(800, keeper.StatsOf(VenueCatalog.Kraken).ChecksumOk);
    }

    [Fact]
    public void ExpectedChecksum_OfDocumentedBook_IsDocumentedValue() =>
        Assert.Equal(DocChecksum, ExpectedChecksum(DocAsks.ToList(), DocBids.ToList()));

    [Fact]
    public void Parse_TickerTradeAndControl()
    {
        var registry = new InstrumentRegistry();
        var parser = new KrakenV2Parser(VenueCatalog.Kraken, registry);
        var batch = new MarketEventBatch();
        Assert.Equal(FrameStatus.Data, parser.Parse("{\"channel\":\"ticker\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"ALGO/USD\",\"bid\":0.10025,\"bid_qty\":740.0,\"ask\":0.10036,\"ask_qty\":1361.44813783,\"last\":0.10035,\"volume\":997038.98383185,\"vwap\":0.10148,\"low\":0.09979,\"high\":0.10285,\"change\":-0.00017,\"change_pct\":-0.17}]}"u8,
            FrameSource.WebSocket, null, 0, batch).Status);
        var e = batch.Events.ToArray();
        var inst = registry[e[0].Instrument];
        Assert.Equal(("0.10025", "740", "0.10036", "1361.44813783"),
            (FixedPoint.Format(e[0].Price, inst.PriceScale), FixedPoint.Format(e[0].Size, inst.QuantityScale), FixedPoint.Format(e[1].Price, inst.PriceScale), FixedPoint.Format(e[1].Size, inst.QuantityScale)));
        batch.Clear();
        Assert.Equal(FrameStatus.Data, parser.Parse("{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\",\"side\":\"sell\",\"price\":0.5117,\"qty\":40.0,\"ord_type\":\"market\",\"trade_id\":4665906,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"}]}"u8,
            FrameSource.WebSocket, null, 0, batch).Status);
        var t = Assert.Single(batch.Events.ToArray());
        Assert.Equal((MarketEventKind.Trade, Side.Ask, 4665906L), (t.Kind, t.Side, t.Sequence));
        Assert.Equal(new DateTimeOffset(2023, 9, 25, 7, 49, 37, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000 + 708_706_000, t.ExchangeTimeNs);
        Assert.Equal(ParseResult.Control, parser.Parse("{\"channel\":\"heartbeat\"}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Control, parser.Parse("{\"method\":\"subscribe\",\"result\":{\"channel\":\"book\",\"depth\":10,\"snapshot\":true,\"symbol\":\"BTC/USD\"},\"success\":true,\"time_in\":\"2023-10-06T17:35:55.440295Z\",\"time_out\":\"2023-10-06T17:35:55.440372Z\"}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Reject(RejectReason.VenueError), parser.Parse("{\"error\":\"Currency pair not supported\",\"method\":\"subscribe\",\"success\":false,\"symbol\":\"BTC/XYZ\",\"time_in\":\"2023-10-06T17:35:55.440295Z\",\"time_out\":\"2023-10-06T17:35:55.440372Z\"}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Reject(RejectReason.InvalidJson), parser.Parse("{\"channel\":\"book\",\"type\":"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Reject(RejectReason.UnexpectedShape), parser.Parse("{\"channel\":\"book\",\"type\":\"delta\",\"data\":[]}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Reject(RejectReason.UnknownChannel), parser.Parse("{\"channel\":\"ohlc\",\"type\":\"update\",\"data\":[]}"u8, FrameSource.WebSocket, null, 0, batch));
    }
}
