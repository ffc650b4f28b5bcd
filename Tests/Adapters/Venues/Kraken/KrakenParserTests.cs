using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Kraken;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Kraken;

public sealed class KrakenParserTests
{
    internal const string BookFixture = "spot_v1_book1000_5pairs_2021-04-17.legacy.txt";
    internal const string TradeFixture = "spot_v1_trade_2021-04-17.legacy.txt";
    internal const string TickerFixture = "spot_v1_ticker_2021-04-17.legacy.txt";

    internal static List<RawFrame> Frames(string name) => RawCapture.Received(Fixture.Path("Kraken", name));

    private static (KrakenParser Parser, MarketEventBatch Batch, InstrumentRegistry Registry) Create()
    {
        var registry = new InstrumentRegistry();
        return ((KrakenParser)new KrakenAdapter().CreateParser(VenueCatalog.Kraken, registry, KrakenAdapter.PublicUrlV1), new MarketEventBatch(), registry);
    }

    [Fact]
    public void Parse_RealSnapshot_EmitsHeaderAndAllLevelsWithTextDecimals()
    {
        var frame = Frames(BookFixture).First(f => Encoding.UTF8.GetString(f.Payload).Contains("{\"as\":")).Payload;
        var (parser, batch, registry) = Create();
        Assert.Equal(FrameStatus.Data, parser.Parse(frame, FrameSource.WebSocket, null, 0, batch).Status);
        using var doc = JsonDocument.Parse(frame);
        var dict = doc.RootElement[1];
        var asks = dict.GetProperty("as").EnumerateArray().ToArray();
        var bids = dict.GetProperty("bs").EnumerateArray().ToArray();
        var events = batch.Events.ToArray();
        Assert.Equal(1 + asks.Length + bids.Length, events.Length);
        Assert.True(events[0].IsSnapshot);
        Assert.False((events[0].Flags & MarketEventFlags.HasChecksum) != 0); // Kraken sends no checksum in snapshots
        Assert.True(events[^1].IsEndOfMessage);
        var inst = registry[events[0].Instrument];
        Assert.Equal(doc.RootElement[3].GetString()!.Replace("XBT", "BTC").Replace('/', '-'), inst.Canonical);
        // Exact venue text per level (what the checksum hashes); snapshot sides are emitted worst first.
        var expected = asks.Select(l => (Side.Ask, l[0].GetString()!, l[1].GetString()!)).Concat(bids.Select(l => (Side.Bid, l[0].GetString()!, l[1].GetString()!))).ToList();
        var actual = events[1..].Select(e => (e.Side, FixedPoint.Format(e.Price, inst.PriceScale, e.PriceDecimals), FixedPoint.Format(e.Size, inst.QuantityScale, e.SizeDecimals))).ToList();
        Assert.Equal(expected.OrderBy(x => x.ToString()), actual.OrderBy(x => x.ToString()));
        Assert.Equal(expected.Where(x => x.Item1 == Side.Bid).Reverse(), actual.Where(x => x.Item1 == Side.Bid));
    }

    [Fact]
    public void Parse_RealUpdate_HeaderCarriesUnsignedChecksum()
    {
        var frame = Frames(BookFixture).First(f => Encoding.UTF8.GetString(f.Payload).Contains("\"c\":")).Payload;
        var (parser, batch, _) = Create();
        Assert.Equal(FrameStatus.Data, parser.Parse(frame, FrameSource.WebSocket, null, 0, batch).Status);
        using var doc = JsonDocument.Parse(frame);
        var h = batch.Events[0];
        Assert.False(h.IsSnapshot);
        Assert.True((h.Flags & MarketEventFlags.HasChecksum) != 0);
        Assert.Equal(uint.Parse(doc.RootElement[1].GetProperty("c").GetString()!), h.Checksum);
    }

    [Fact]
    public void Parse_DocumentedTwoDictUpdate_OneMessageWithBothSides()
    {
        // Kraken "Book checksum (WebSocket v1)" example update: asks dict, then bids dict carrying "c".
        var (parser, batch, _) = Create();
        var r = parser.Parse("[0,{\"a\":[[\"0.05120\",\"0.00000500\",\"1582905486.493008\"],[\"0.05275\",\"0.00000500\",\"1582905486.493034\"]]},{\"b\":[[\"0.04765\",\"0.00000500\",\"1582905486.493008\"],[\"0.04940\",\"0.00000500\",\"1582905486.493034\"]],\"c\":\"974947235\"},\"book-1000\",\"BTC/USD\"]"u8,
            FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(FrameStatus.Data, r.Status);
        var e = batch.Events.ToArray();
        Assert.Equal(5, e.Length);
        Assert.Equal(1, e.Count(x => x.Kind == MarketEventKind.BookHeader));
        Assert.Equal(974947235u, e[0].Checksum);
        Assert.Equal([Side.Ask, Side.Ask, Side.Bid, Side.Bid], e[1..].Select(x => x.Side).ToArray());
        Assert.Equal(1582905486493034000L, e[0].ExchangeTimeNs);
        Assert.True(e[4].IsEndOfMessage);
    }

    [Fact]
    public void Parse_RepublishLevel_FlaggedRepublish()
    {
        var (parser, batch, _) = Create();
        parser.Parse("[1234,{\"a\":[[\"5541.30000\",\"2.50700000\",\"1534614248.456738\",\"r\"],[\"5542.50000\",\"0.40100000\",\"1534614248.456738\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\"]"u8,
            FrameSource.WebSocket, null, 0, batch);
        Assert.True((batch.Events[1].Flags & MarketEventFlags.Republish) != 0);
        Assert.False((batch.Events[2].Flags & MarketEventFlags.Republish) != 0);
    }

    [Fact]
    public void Parse_RealTradeFile_EveryTradeArrayParsesNoRejects()
    {
        var frames = Frames(TradeFixture);
        var (parser, batch, registry) = Create();
        int data = 0, control = 0, trades = 0, expectedTrades = 0;
        foreach (var f in frames)
        {
            batch.Clear();
            var r = parser.Parse(f.Payload, FrameSource.WebSocket, null, 0, batch);
            Assert.NotEqual(FrameStatus.Rejected, r.Status);
            if (r.Status == FrameStatus.Data)
            {
                data++;
                using var doc = JsonDocument.Parse(f.Payload);
                var arr = doc.RootElement[1].EnumerateArray().ToArray();
                expectedTrades += arr.Length;
                var events = batch.Events.ToArray();
                Assert.Equal(arr.Length, events.Length);
                var inst = registry[events[0].Instrument];
                for (int i = 0; i < arr.Length; i++)
                {
                    trades++;
                    Assert.Equal(MarketEventKind.Trade, events[i].Kind);
                    Assert.Equal(arr[i][3].GetString() == "b" ? Side.Bid : Side.Ask, events[i].Side);
                    Assert.Equal(decimal.Parse(arr[i][0].GetString()!), decimal.Parse(FixedPoint.Format(events[i].Price, inst.PriceScale)));
                    Assert.Equal(decimal.Parse(arr[i][1].GetString()!), decimal.Parse(FixedPoint.Format(events[i].Size, inst.QuantityScale)));
                }
            }
            else control++;
        }
        Assert.Equal(8, data); // README: 8 trade arrays
        Assert.Equal(expectedTrades, trades);
        Assert.Equal(0, parser.RejectedTotal);
        Assert.Equal(frames.Count, data + control);
    }

    [Fact]
    public void Parse_RealTickerFile_EveryTickerIsABboPairNoRejects()
    {
        var frames = Frames(TickerFixture);
        var (parser, batch, registry) = Create();
        int data = 0;
        foreach (var f in frames)
        {
            batch.Clear();
            var r = parser.Parse(f.Payload, FrameSource.WebSocket, null, 0, batch);
            Assert.NotEqual(FrameStatus.Rejected, r.Status);
            if (r.Status != FrameStatus.Data) continue;
            data++;
            using var doc = JsonDocument.Parse(f.Payload);
            var t = doc.RootElement[1];
            var e = batch.Events.ToArray();
            Assert.Equal(2, e.Length);
            var inst = registry[e[0].Instrument];
            Assert.Equal((Side.Bid, Side.Ask), (e[0].Side, e[1].Side));
            Assert.Equal(decimal.Parse(t.GetProperty("b")[0].GetString()!), decimal.Parse(FixedPoint.Format(e[0].Price, inst.PriceScale)));
            Assert.Equal(decimal.Parse(t.GetProperty("b")[2].GetString()!), decimal.Parse(FixedPoint.Format(e[0].Size, inst.QuantityScale)));
            Assert.Equal(decimal.Parse(t.GetProperty("a")[0].GetString()!), decimal.Parse(FixedPoint.Format(e[1].Price, inst.PriceScale)));
            Assert.Equal(decimal.Parse(t.GetProperty("a")[2].GetString()!), decimal.Parse(FixedPoint.Format(e[1].Size, inst.QuantityScale)));
            Assert.True(e[1].IsEndOfMessage);
        }
        Assert.Equal(18, data); // README: 18 ticker arrays
        Assert.Equal(0, parser.RejectedTotal);
    }

    [Fact]
    public void Parse_ControlEvents_ControlAndErrorStatusRejected()
    {
        var (parser, batch, _) = Create();
        Assert.Equal(ParseResult.Control, parser.Parse("{\"event\":\"heartbeat\"}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Control, parser.Parse("{\"connectionID\":17843232920108168701,\"event\":\"systemStatus\",\"status\":\"online\",\"version\":\"1.8.3\"}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Control, parser.Parse("{\"channelID\":1664,\"channelName\":\"book-1000\",\"event\":\"subscriptionStatus\",\"pair\":\"WAVES/EUR\",\"status\":\"subscribed\",\"subscription\":{\"depth\":1000,\"name\":\"book\"}}"u8, FrameSource.WebSocket, null, 0, batch));
        // Documented subscriptionStatus error example (Kraken WebSocket v1 "subscriptionStatus").
        Assert.Equal(ParseResult.Reject(RejectReason.VenueError), parser.Parse("{\"errorMessage\":\"Subscription depth not supported\",\"event\":\"subscriptionStatus\",\"pair\":\"XBT/USD\",\"status\":\"error\",\"subscription\":{\"depth\":42,\"name\":\"book\"}}"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(0, batch.Count);
    }

    public static TheoryData<string, RejectReason> Malformed => new()
    {
        { "[1,{\"a\":[[\"1.0\",\"2.0\",\"3.0\"]]", RejectReason.InvalidJson },
        { "\"hello\"", RejectReason.UnexpectedShape },
        { "[\"x\",{\"a\":[]},\"book-10\",\"XBT/USD\"]", RejectReason.UnexpectedShape },
        { "[1,{\"a\":[[1.0,\"2.0\",\"3.0\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\"]", RejectReason.UnexpectedShape },
        { "[1,{\"a\":[[\"1.0\",\"x\",\"3.0\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\"]", RejectReason.BadNumber },
        { "[1,{\"a\":[[\"123456789012345678901234.0\",\"1\",\"3.0\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\"]", RejectReason.NumberOverflow },
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]],\"c\":\"99999999999\"},\"book-10\",\"XBT/USD\"]", RejectReason.BadNumber },
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]]},\"book-10\"]", RejectReason.MissingField },
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]]},\"ohlc-5\",\"XBT/USD\"]", RejectReason.UnknownChannel },
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]]},\"book-10\",\"XBTUSD\"]", RejectReason.UnknownSymbol },
        { "[1,{\"as\":[[\"1.0\",\"1\",\"3.0\"]],\"b\":[]},\"book-10\",\"XBT/USD\"]", RejectReason.UnexpectedShape },
        { "[1,[[\"1.0\",\"1\",\"3.0\",\"x\",\"m\",\"\"]],\"trade\",\"XBT/USD\"]", RejectReason.UnexpectedShape },
        { "[1,{\"a\":[\"1.0\",1,\"1.0\"]},\"ticker\",\"XBT/USD\"]", RejectReason.MissingField },
        { "{\"event\":\"error\",\"errorMessage\":\"Malformed request\"}", RejectReason.VenueError },
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]],\"c\":\"1\"},\"book-10\",\"XBT\\/USD\"]", RejectReason.UnexpectedShape }, // escaped pair: slow path refuses
        { "[1,{\"a\":[[\"1.0\",\"1\",\"3.0\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\",\"extra\"]", RejectReason.UnknownChannel }, // the last two strings are taken as channel and pair
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_Malformed_RejectedWithReasonAndNothingAppended(string frame, RejectReason reason)
    {
        var (parser, batch, _) = Create();
        batch.Add().Kind = MarketEventKind.Trade;
        Assert.Equal(ParseResult.Reject(reason), parser.Parse(Encoding.UTF8.GetBytes(frame), FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(1, batch.Count);
        Assert.Equal(1, parser.RejectedCount(reason));
    }

    [Fact]
    public void Parse_PrettyPrintedFrame_SameEventsAsCompact()
    {
        var (p1, b1, _) = Create();
        var (p2, b2, _) = Create();
        p1.Parse("[992,{\"b\":[[\"354.15000000\",\"5.00000000\",\"1618678133.365913\"]],\"c\":\"2583817756\"},\"book-1000\",\"XMR/USD\"]"u8, FrameSource.WebSocket, null, 0, b1);
        p2.Parse("[ 992 ,\n {\"b\": [[\"354.15000000\", \"5.00000000\", \"1618678133.365913\"]], \"c\": \"2583817756\"} ,\n \"book-1000\" , \"XMR/USD\" \n]\n"u8, FrameSource.WebSocket, null, 0, b2);
        Assert.Equal(2, b1.Count);
        Assert.Equal(b1.Events.ToArray(), b2.Events.ToArray());
    }

    [Fact]
    public void SubscribeMessages_MatchDocumentedShape()
    {
        Assert.Equal("{\"event\":\"subscribe\",\"pair\":[\"XBT/USD\"],\"subscription\":{\"name\":\"book\",\"depth\":1000}}",
            Encoding.UTF8.GetString(KrakenAdapter.SubscribeBook(["XBT/USD"])));
        Assert.Equal("{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\"],\"depth\":10}}",
            Encoding.UTF8.GetString(KrakenAdapter.SubscribeBookV2(["BTC/USD"])));
        Assert.Equal(1000, KrakenAdapter.DepthOfChannelName("book-1000"));
        Assert.Equal(25, KrakenAdapter.BookSpec(25).MaxDepth);
        Assert.IsType<KrakenV2Parser>(new KrakenAdapter().CreateParser(VenueCatalog.Kraken, new InstrumentRegistry(), KrakenAdapter.PublicUrlV2));
        Assert.Same(typeof(KrakenAdapter), VenueAdapters.For(VenueCatalog.Kraken)!.GetType());
    }
}
