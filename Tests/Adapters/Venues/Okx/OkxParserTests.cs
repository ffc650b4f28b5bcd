using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Okx;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Okx;

public sealed class OkxParserTests
{
    internal const string FixtureName = "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt";

    internal static List<RawFrame> Frames() => RawCapture.Received(Fixture.Path("Okx", FixtureName));

    private static (OkxParser Parser, MarketEventBatch Batch, InstrumentRegistry Registry) Create()
    {
        var registry = new InstrumentRegistry();
        return ((OkxParser)new OkxAdapter().CreateParser(VenueCatalog.Okx, registry, OkxAdapter.PublicUrl), new MarketEventBatch(), registry);
    }

    private static byte[] FirstFrame(Func<string, bool> predicate) =>
        Frames().First(f => predicate(Encoding.UTF8.GetString(f.Payload))).Payload;

    [Fact]
    public void Parse_RealBookSnapshot_EmitsHeaderAndEveryLevelWithTextDecimals()
    {
        var frame = FirstFrame(s => s.Contains("\"instId\":\"PROPS-ETH\"},\"action\":\"snapshot\""));
        var (parser, batch, registry) = Create();
        var result = parser.Parse(frame, FrameSource.WebSocket, null, 42, batch);
        Assert.Equal(FrameStatus.Data, result.Status);

        using var doc = JsonDocument.Parse(frame);
        var data = doc.RootElement.GetProperty("data")[0];
        int asks = data.GetProperty("asks").GetArrayLength(), bids = data.GetProperty("bids").GetArrayLength();
        var events = batch.Events.ToArray();
        Assert.Equal(1 + asks + bids, events.Length);
        var h = events[0];
        Assert.Equal(MarketEventKind.BookHeader, h.Kind);
        Assert.True(h.IsSnapshot);
        Assert.True((h.Flags & MarketEventFlags.HasChecksum) != 0);
        Assert.False((h.Flags & MarketEventFlags.HasSequence) != 0); // the 2022 data has no seqId
        Assert.Equal(unchecked((uint)data.GetProperty("checksum").GetInt32()), h.Checksum);
        Assert.Equal(long.Parse(data.GetProperty("ts").GetString()!) * 1_000_000, h.ExchangeTimeNs);
        Assert.True(events[^1].IsEndOfMessage);
        Assert.Equal(1, events.Count(e => e.IsEndOfMessage));

        var instrument = registry[h.Instrument];
        Assert.Equal("PROPS-ETH", instrument.Canonical);
        // Each level round-trips to the exact venue text (what the checksum hashes). Snapshot sides are emitted worst first.
        var expected = data.GetProperty("asks").EnumerateArray().Select(l => (Side.Ask, l[0].GetString()!, l[1].GetString()!))
            .Concat(data.GetProperty("bids").EnumerateArray().Select(l => (Side.Bid, l[0].GetString()!, l[1].GetString()!))).ToList();
        var actual = events[1..].Select(e => (e.Side, FixedPoint.Format(e.Price, instrument.PriceScale, e.PriceDecimals), FixedPoint.Format(e.Size, instrument.QuantityScale, e.SizeDecimals))).ToList();
        Assert.Equal(expected.OrderBy(x => x.ToString()), actual.OrderBy(x => x.ToString()));
        Assert.Equal(expected.Where(x => x.Item1 == Side.Ask).Reverse(), actual.Where(x => x.Item1 == Side.Ask));
    }

    [Fact]
    public void Parse_RealTrade_EmitsTradeWithAggressorSideAndId()
    {
        var frame = FirstFrame(s => s.Contains("\"channel\":\"trades\",\"instId\":\"ZEN-USDT\"},\"data\""));
        var (parser, batch, registry) = Create();
        Assert.Equal(FrameStatus.Data, parser.Parse(frame, FrameSource.WebSocket, null, 0, batch).Status);
        using var doc = JsonDocument.Parse(frame);
        var t = doc.RootElement.GetProperty("data")[0];
        var e = Assert.Single(batch.Events.ToArray());
        Assert.Equal(MarketEventKind.Trade, e.Kind);
        Assert.Equal(t.GetProperty("side").GetString() == "buy" ? Side.Bid : Side.Ask, e.Side);
        Assert.Equal(long.Parse(t.GetProperty("tradeId").GetString()!), e.Sequence);
        var inst = registry[e.Instrument];
        Assert.Equal(t.GetProperty("px").GetString(), FixedPoint.Format(e.Price, inst.PriceScale));
        Assert.Equal(t.GetProperty("sz").GetString(), FixedPoint.Format(e.Size, inst.QuantityScale));
        Assert.True(e.IsEndOfMessage);
    }

    [Fact]
    public void Parse_RealTickerWithEmptyBid_EmitsBboPairWithZeroBid()
    {
        // An option ticker from the capture: "bidPx":"","bidSz":"" (no bid on the book).
        var frame = FirstFrame(s => s.Contains("\"channel\":\"tickers\"") && s.Contains("\"bidPx\":\"\""));
        var (parser, batch, registry) = Create();
        Assert.Equal(FrameStatus.Data, parser.Parse(frame, FrameSource.WebSocket, null, 0, batch).Status);
        using var doc = JsonDocument.Parse(frame);
        var t = doc.RootElement.GetProperty("data")[0];
        var events = batch.Events.ToArray();
        Assert.Equal(2, events.Length);
        Assert.Equal((MarketEventKind.Bbo, Side.Bid, 0L, 0L), (events[0].Kind, events[0].Side, events[0].Price, events[0].Size));
        var inst = registry[events[1].Instrument];
        Assert.Equal(Side.Ask, events[1].Side);
        Assert.Equal(t.GetProperty("askPx").GetString(), FixedPoint.Format(events[1].Price, inst.PriceScale));
        Assert.Equal(t.GetProperty("askSz").GetString(), FixedPoint.Format(events[1].Size, inst.QuantityScale));
        Assert.True(events[1].IsEndOfMessage);
        Assert.Equal(InstrumentKind.Option, inst.Kind);
    }

    [Fact]
    public void Parse_RealSubscribeAckAndPong_AreControl()
    {
        var ack = FirstFrame(s => s.StartsWith("{\"event\":\"subscribe\""));
        var (parser, batch, _) = Create();
        Assert.Equal(ParseResult.Control, parser.Parse(ack, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Control, parser.Parse("pong"u8, FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void Parse_DocumentedErrorEvent_RejectedAsVenueError()
    {
        // OKX v5 docs, "Subscribe" failure response example.
        var (parser, batch, _) = Create();
        var r = parser.Parse("{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request: {\\\"op\\\": \\\"subscribe\\\", \\\"argss\\\":[{ \\\"channel\\\" : \\\"tickers\\\", \\\"instId\\\" : \\\"LTC-USD-200327\\\"}]}\",\"connId\":\"a4d3ae55\"}"u8,
            FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(ParseResult.Reject(RejectReason.VenueError), r);
        Assert.Equal(1, parser.RejectedCount(RejectReason.VenueError));
    }

    [Fact]
    public void Parse_Books5_EveryMessageIsASnapshotWithSequence()
    {
        // Shape per OKX v5 "Order book channel" (books5: no action, full 5-level image, seqId).
        var (parser, batch, _) = Create();
        var r = parser.Parse("{\"arg\":{\"channel\":\"books5\",\"instId\":\"BTC-USDT\"},\"data\":[{\"asks\":[[\"8446\",\"95\",\"0\",\"3\"],[\"8447\",\"1\",\"0\",\"1\"]],\"bids\":[[\"8445\",\"2\",\"0\",\"1\"]],\"instId\":\"BTC-USDT\",\"ts\":\"1597026383085\",\"seqId\":123456}]}"u8,
            FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(FrameStatus.Data, r.Status);
        var h = batch.Events[0];
        Assert.True(h.IsSnapshot);
        Assert.Equal(123456, h.Sequence);
        Assert.Equal(4, batch.Count);
        Assert.False((h.Flags & MarketEventFlags.HasChecksum) != 0);
    }

    [Theory]
    [InlineData("books")]
    [InlineData("books-l2-tbt")]
    [InlineData("books50-l2-tbt")]
    public void Parse_IncrementalBookChannels_SnapshotAndUpdateWithSequence(string channel)
    {
        var (parser, batch, _) = Create();
        var r = parser.Parse(Encoding.UTF8.GetBytes($"{{\"arg\":{{\"channel\":\"{channel}\",\"instId\":\"BTC-USDT\"}},\"action\":\"update\",\"data\":[{{\"asks\":[[\"8476.98\",\"415\",\"0\",\"13\"]],\"bids\":[],\"ts\":\"1597026383085\",\"checksum\":-855196043,\"prevSeqId\":123455,\"seqId\":123456}}]}}"),
            FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(FrameStatus.Data, r.Status);
        var h = batch.Events[0];
        Assert.False(h.IsSnapshot);
        Assert.Equal(MarketEventFlags.HasSequence | MarketEventFlags.HasChecksum, h.Flags);
        Assert.Equal((123456L, 123455L), (h.Sequence, h.PrevSequence));
        Assert.Equal(unchecked((uint)-855196043), h.Checksum);
        Assert.Equal(2, batch.Count);
    }

    [Fact]
    public void Parse_ZeroChecksum_NotFlaggedForVerification()
    {
        // OKX stopped computing the checksum on some channels and sends 0: such a message must not be verified.
        var (parser, batch, _) = Create();
        parser.Parse("{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"2\",\"1\",\"0\",\"1\"]],\"bids\":[],\"ts\":\"5\",\"checksum\":0,\"prevSeqId\":-1,\"seqId\":9}]}"u8, FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(MarketEventFlags.Snapshot | MarketEventFlags.HasSequence, batch.Events[0].Flags & ~MarketEventFlags.EndOfMessage);
    }

    [Fact]
    public void Parse_BboTbt_EmitsBidThenAsk()
    {
        var (parser, batch, registry) = Create();
        var r = parser.Parse("{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"BTC-USDT-SWAP\"},\"data\":[{\"asks\":[[\"8446\",\"95\",\"0\",\"3\"]],\"bids\":[[\"8445.5\",\"2\",\"0\",\"1\"]],\"ts\":\"1597026383085\",\"seqId\":7}]}"u8,
            FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(FrameStatus.Data, r.Status);
        var e = batch.Events.ToArray();
        Assert.Equal(2, e.Length);
        var inst = registry[e[0].Instrument];
        Assert.Equal("BTC-USDT-PERP", inst.Canonical);
        Assert.False(inst.IsInverse);
        Assert.Equal((Side.Bid, "8445.5", "2"), (e[0].Side, FixedPoint.Format(e[0].Price, inst.PriceScale), FixedPoint.Format(e[0].Size, inst.QuantityScale)));
        Assert.Equal((Side.Ask, "8446", "95"), (e[1].Side, FixedPoint.Format(e[1].Price, inst.PriceScale), FixedPoint.Format(e[1].Size, inst.QuantityScale)));
        Assert.True(e[1].IsEndOfMessage);
    }

    [Fact]
    public void Parse_FundingRateAndMarkPrice_EmitFundingAndMarkEvents()
    {
        var (parser, batch, registry) = Create();
        Assert.Equal(FrameStatus.Data, parser.Parse("{\"arg\":{\"channel\":\"funding-rate\",\"instId\":\"BTC-USD-SWAP\"},\"data\":[{\"fundingRate\":\"0.0001875391284828\",\"fundingTime\":\"1700726400000\",\"instId\":\"BTC-USD-SWAP\",\"instType\":\"SWAP\",\"method\":\"next_period\",\"nextFundingRate\":\"0.0001\",\"nextFundingTime\":\"1700755200000\",\"ts\":\"1700724675402\"}]}"u8,
            FrameSource.WebSocket, null, 0, batch).Status);
        var f = Assert.Single(batch.Events.ToArray());
        Assert.Equal(MarketEventKind.Funding, f.Kind);
        Assert.Equal(187_539_128L, f.FundingRate); // 0.000187539128 at scale 12: digits below 1e-12 truncated
        Assert.Equal(1700726400000, f.NextFundingTimeMs);
        Assert.True(registry[f.Instrument].IsInverse);

        batch.Clear();
        Assert.Equal(FrameStatus.Data, parser.Parse("{\"arg\":{\"channel\":\"mark-price\",\"instId\":\"BTC-USD-SWAP\"},\"data\":[{\"instType\":\"SWAP\",\"instId\":\"BTC-USD-SWAP\",\"markPx\":\"42310.6\",\"ts\":\"1630049139746\"}]}"u8,
            FrameSource.WebSocket, null, 0, batch).Status);
        var m = Assert.Single(batch.Events.ToArray());
        Assert.Equal(MarketEventKind.MarkPrice, m.Kind);
        Assert.Equal("42310.6", FixedPoint.Format(m.Price, registry[m.Instrument].PriceScale));
        Assert.Equal(1630049139746L * 1_000_000, m.ExchangeTimeNs);
    }

    public static TheoryData<string, RejectReason> Malformed => new()
    {
        { "", RejectReason.InvalidJson },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"1\",\"2\"", RejectReason.InvalidJson },
        { "[1,2,3]", RejectReason.UnexpectedShape },
        { "{\"x\":" + new string('[', 40) + new string(']', 40) + "}", RejectReason.InvalidJson }, // nesting beyond the reader's depth limit
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"0.0000000000000000001\",\"2\",\"0\",\"1\"]],\"bids\":[]}]}", RejectReason.PrecisionLoss },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[1,\"2\",\"0\",\"1\"]],\"bids\":[]}]}", RejectReason.UnexpectedShape },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"abc\",\"2\",\"0\",\"1\"]],\"bids\":[]}]}", RejectReason.BadNumber },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"99999999999999999999999\",\"2\",\"0\",\"1\"]],\"bids\":[]}]}", RejectReason.NumberOverflow },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"1\",\"2\",\"0\",\"1\"]],\"bids\":[],\"checksum\":99999999999}]}", RejectReason.BadNumber },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"partial\",\"data\":[{\"asks\":[],\"bids\":[]}]}", RejectReason.UnexpectedShape },
        { "{\"arg\":{\"channel\":\"candle1m\",\"instId\":\"BTC-USDT\"},\"data\":[[\"1\"]]}", RejectReason.UnknownChannel },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"NOTASYMBOL\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],\"bids\":[]}]}", RejectReason.UnknownSymbol },
        { "{\"arg\":{\"channel\":\"books\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],\"bids\":[]}]}", RejectReason.MissingField },
        { "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\"}", RejectReason.MissingField },
        { "{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{\"px\":\"1\",\"sz\":\"1\",\"side\":\"up\"}]}", RejectReason.UnexpectedShape },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_Malformed_RejectedWithReasonAndNothingAppended(string frame, RejectReason reason)
    {
        var (parser, batch, _) = Create();
        batch.Add().Kind = MarketEventKind.Trade; // a previous frame's event must survive the rejection
        var r = parser.Parse(Encoding.UTF8.GetBytes(frame), FrameSource.WebSocket, null, 0, batch);
        Assert.Equal(ParseResult.Reject(reason), r);
        Assert.Equal(1, batch.Count);
        Assert.Equal(1, parser.RejectedCount(reason));
    }

    [Fact]
    public void Parse_InvalidUtf8AndOversize_Rejected()
    {
        var (parser, batch, _) = Create();
        Assert.Equal(ParseResult.Reject(RejectReason.InvalidUtf8), parser.Parse([(byte)'{', 0xC3, 0x28, (byte)'}'], FrameSource.WebSocket, null, 0, batch));
        Assert.Equal(ParseResult.Reject(RejectReason.Oversize), parser.Parse(new byte[OkxParser.MaxFrameBytes + 1], FrameSource.WebSocket, null, 0, batch));
    }

    [Fact]
    public void Parse_KeysInAnyOrder_SameEvents()
    {
        var (p1, b1, _) = Create();
        var (p2, b2, _) = Create();
        p1.Parse("{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"2\",\"1\",\"0\",\"1\"]],\"bids\":[[\"1\",\"3\",\"0\",\"1\"]],\"ts\":\"5\",\"checksum\":7}]}"u8, FrameSource.WebSocket, null, 0, b1);
        p2.Parse("{\"data\":[{\"checksum\":7,\"ts\":\"5\",\"bids\":[[\"1\",\"3\",\"0\",\"1\"]],\"asks\":[[\"2\",\"1\",\"0\",\"1\"]]}],\"action\":\"snapshot\",\"arg\":{\"instId\":\"BTC-USDT\",\"channel\":\"books\"}}"u8, FrameSource.WebSocket, null, 0, b2);
        Assert.Equal(3, b1.Count);
        Assert.Equal(3, b2.Count);
        var (h1, h2) = (b1.Events[0], b2.Events[0]);
        Assert.Equal((h1.Kind, h1.Flags, h1.Checksum, h1.ExchangeTimeNs), (h2.Kind, h2.Flags, h2.Checksum, h2.ExchangeTimeNs));
        Assert.Equal((b1.Events[1].Side, b1.Events[1].Price), (b2.Events[2].Side, b2.Events[2].Price)); // ask
        Assert.Equal((b1.Events[2].Side, b1.Events[2].Price), (b2.Events[1].Side, b2.Events[1].Price)); // bid
    }

    [Fact]
    public void SubscribeMessages_MatchDocumentedShape()
    {
        Assert.Equal("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"BTC-USDT\"}]}", Encoding.UTF8.GetString(OkxAdapter.SubscribeBook("BTC-USDT")));
        Assert.Equal("{\"op\":\"unsubscribe\",\"args\":[{\"channel\":\"trades\",\"instId\":\"BTC-USDT-SWAP\"}]}",
            Encoding.UTF8.GetString(OkxAdapter.Unsubscribe([OkxChannel.Trades], ["BTC-USDT-SWAP"])));
        Assert.Contains("\"channel\":\"funding-rate\"", Encoding.UTF8.GetString(OkxAdapter.SubscribeFundingAndMark("BTC-USD-SWAP")));
        var resync = OkxAdapter.Resubscribe(OkxChannel.BooksL2Tbt, "BTC-USDT");
        Assert.StartsWith("{\"op\":\"unsubscribe\"", Encoding.UTF8.GetString(resync[0]));
        Assert.StartsWith("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books-l2-tbt\"", Encoding.UTF8.GetString(resync[1]));
        Assert.Equal("wss://ws.okx.com:8443/ws/v5/public", OkxAdapter.PublicUrl);
        Assert.Same(VenueAdapters.For(VenueCatalog.Okx)!.GetType(), typeof(OkxAdapter));
    }
}
