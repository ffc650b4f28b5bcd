using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Model;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>Parser unit tests on real frames from the captures (quoted verbatim) and Binance's documented examples.</summary>
public sealed class BinanceParserTests
{
    private readonly InstrumentRegistry _registry = new();
    private readonly MarketEventBatch _batch = new();

    private BinanceParser NewParser(VenueId venue) => new(venue, _registry, BinanceAdapter.StreamUrl(venue));

    private ParseResult Parse(BinanceParser p, string frame, FrameSource source = FrameSource.WebSocket, string? url = null, long recv = 1)
    {
        _batch.Clear();
        return p.Parse(Encoding.UTF8.GetBytes(frame), source, url, recv, _batch);
    }

    private Instrument InstrumentOf(VenueId venue, string symbol)
    {
        Assert.True(_registry.TryGet(venue, Encoding.ASCII.GetBytes(symbol), out var id));
        return _registry[id];
    }

    // Real frames (shared/captures, quoted verbatim).
    private const string SpotDepth = """{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"],["61730.17000000","0.00000000"],["56854.58000000","0.00000000"]],"a":[["61837.64000000","1.54698000"],["61839.85000000","0.00000000"],["61839.86000000","0.00000000"],["61845.11000000","0.32329000"],["61848.49000000","0.00000000"],["61855.45000000","0.32323000"],["61862.51000000","0.05041000"],["61862.52000000","0.00000000"],["61937.64000000","0.02000000"]]}}""";
    private const string SpotTicker = """{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}""";
    private const string SpotTrade = """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}""";
    private const string FuturesDepth = """{"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],"a":[["7.6150","1563"],["7.6220","3284"]]}}""";
    private const string FuturesTicker = """{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2710246762461,"s":"BTCUSDT","b":"28145.10","B":"3.868","a":"28145.20","A":"6.887","T":1680652700430,"E":1680652700435}}""";
    private const string FuturesTrade = """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}""";
    private const string MarkPrice = """{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1680652701000,"s":"BTCUSDT","p":"28147.27373413","P":"28142.15563565","i":"28159.75642857","r":"0.00002754","T":1680652800000}}""";
    private const string AggTrade = """{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}""";
    private const string Kline = """{"stream":"lrcbtc@kline_1m","data":{"e":"kline","E":1633998534486,"s":"LRCBTC","k":{"t":1633998480000,"T":1633998539999,"s":"LRCBTC","i":"1m","f":12368013,"L":12368013,"o":"0.00000638","c":"0.00000638","h":"0.00000638","l":"0.00000638","v":"177.00000000","n":1,"x":false,"q":"0.00112926","V":"177.00000000","Q":"0.00112926","B":"0"}}}""";
    private const string CoinMTicker = """{"stream":"btcusd_perp@bookTicker","data":{"u":1007198632021,"e":"bookTicker","s":"BTCUSD_PERP","ps":"BTCUSD","b":"61804.7","B":"35","a":"61804.8","A":"1645","T":1723161257465,"E":1723161257476}}""";
    private const string CoinMSnapshot = """{"lastUpdateId":1007198635033,"E":1723161257835,"T":1723161257823,"symbol":"BTCUSD_PERP","pair":"BTCUSD","bids":[["61804.7","35"],["61802.0","8"]],"asks":[["61804.8","1649"]]}""";
    // Documented example of the spot diff-depth stream (Binance spot WebSocket Streams, "Diff. Depth Stream").
    private const string DocumentedSpotDepth = """{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}""";

    [Fact]
    public void Parse_SpotDepthUpdate_HeaderThenLevelsWithSpotLinks()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Data, Parse(p, SpotDepth, recv: 42).Status);
        var ev = _batch.Events;
        Assert.Equal(1 + 3 + 9, ev.Length);
        ref var h = ref ev[0];
        Assert.Equal(MarketEventKind.BookHeader, h.Kind);
        Assert.Equal(MarketEventFlags.HasSequence, h.Flags);
        Assert.Equal(50093239202, h.Sequence);
        Assert.Equal(50093239189, h.FirstSequence);
        Assert.Equal(50093239188, h.PrevSequence);
        Assert.Equal(1723161255208L * 1_000_000, h.ExchangeTimeNs);
        Assert.Equal(42, h.ReceiveTimeNs);
        var instrument = InstrumentOf(VenueCatalog.Binance, "BTCUSDT");
        Assert.Equal("BTC-USDT", instrument.Canonical);
        Assert.Equal(8, instrument.PriceScale);
        Assert.Equal(Side.Bid, ev[1].Side);
        Assert.Equal(6173763000000, ev[1].Price);
        Assert.Equal(0, ev[1].Size);
        Assert.Equal(8, ev[1].PriceDecimals);
        Assert.Equal(Side.Ask, ev[4].Side);
        Assert.Equal(154698000, ev[4].Size);
        for (int i = 0; i < ev.Length; i++) Assert.Equal(i == ev.Length - 1, ev[i].IsEndOfMessage);
        Assert.All(ev.ToArray(), e => Assert.Equal(instrument.Id, e.Instrument));
    }

    [Fact]
    public void Parse_DocumentedSpotRawFrame_Parsed()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Data, Parse(p, DocumentedSpotDepth).Status);
        Assert.Equal(3, _batch.Count);
        Assert.Equal(160, _batch[0].Sequence);
        Assert.Equal(156, _batch[0].PrevSequence);
        Assert.Equal(240000, _batch[1].Price); // 0.0024 at scale 8
        Assert.Equal(1000000000, _batch[1].Size);
        Assert.Equal("BNB-BTC", InstrumentOf(VenueCatalog.Binance, "BNBBTC").Canonical);
    }

    [Fact]
    public void Parse_FuturesDepthUpdate_PrevIsPu()
    {
        var p = NewParser(VenueCatalog.BinanceFutures);
        Assert.Equal(FrameStatus.Data, Parse(p, FuturesDepth).Status);
        ref var h = ref _batch[0];
        Assert.Equal(600859600917, h.Sequence);
        Assert.Equal(600859598061, h.PrevSequence);
        Assert.Equal(600859598062, h.FirstSequence);
        Assert.Equal(1626992741024L * 1_000_000, h.ExchangeTimeNs); // T (transaction time)
        Assert.Equal(6, _batch.Count);
        Assert.Equal("SUSHI-USDT-PERP", InstrumentOf(VenueCatalog.BinanceFutures, "SUSHIUSDT").Canonical);
    }

    [Fact]
    public void Parse_FuturesDepthWithoutPu_MissingField()
    {
        var p = NewParser(VenueCatalog.BinanceFutures);
        var r = Parse(p, FuturesDepth.Replace("\"pu\":600859598061,", ""));
        Assert.Equal(RejectReason.MissingField, r.Reason);
        Assert.Equal(0, _batch.Count);
    }

    [Fact]
    public void Parse_SpotBookTickerWithoutEventType_TwoBboEventsWithSequence()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Data, Parse(p, SpotTicker).Status);
        Assert.Equal(2, _batch.Count);
        Assert.Equal((MarketEventKind.Bbo, Side.Bid, 6183763000000L, 378826000L), (_batch[0].Kind, _batch[0].Side, _batch[0].Price, _batch[0].Size));
        Assert.Equal((MarketEventKind.Bbo, Side.Ask, 6183764000000L, 154698000L), (_batch[1].Kind, _batch[1].Side, _batch[1].Price, _batch[1].Size));
        Assert.All(_batch.Events.ToArray(), e => Assert.Equal(50093239212, e.Sequence));
        Assert.True((_batch[0].Flags & MarketEventFlags.HasSequence) != 0);
        Assert.False(_batch[0].IsEndOfMessage);
        Assert.True(_batch[1].IsEndOfMessage);
        Assert.Equal(0, _batch[0].ExchangeTimeNs); // spot bookTicker carries no time
    }

    [Fact]
    public void Parse_RawStreamBookTicker_SameAsCombined()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Data, Parse(p, """{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}""").Status);
        Assert.Equal(2, _batch.Count);
        Assert.Equal(6183764000000L, _batch[1].Price);
    }

    [Fact]
    public void Parse_FuturesBookTicker_UsesTransactionTime()
    {
        var p = NewParser(VenueCatalog.BinanceFutures);
        Assert.Equal(FrameStatus.Data, Parse(p, FuturesTicker).Status);
        Assert.Equal(2710246762461, _batch[1].Sequence);
        Assert.Equal(1680652700430L * 1_000_000, _batch[1].ExchangeTimeNs);
        Assert.Equal(2814520000000, _batch[1].Price);
        Assert.Equal(688700000, _batch[1].Size);
    }

    [Fact]
    public void Parse_Trades_AggressorFromMakerFlag()
    {
        var spot = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Data, Parse(spot, SpotTrade).Status);
        Assert.Equal((MarketEventKind.Trade, Side.Ask, 3735683259L), (_batch[0].Kind, _batch[0].Side, _batch[0].Sequence)); // m=true: seller aggressed
        Assert.Equal(2000000, _batch[0].Size);
        Assert.True(_batch[0].IsEndOfMessage);

        var fut = NewParser(VenueCatalog.BinanceFutures);
        Assert.Equal(FrameStatus.Data, Parse(fut, FuturesTrade).Status);
        Assert.Equal((Side.Bid, 5266583935L, 6180030000000L), (_batch[0].Side, _batch[0].Sequence, _batch[0].Price));

        Assert.Equal(FrameStatus.Data, Parse(fut, AggTrade).Status);
        Assert.Equal((MarketEventKind.Trade, Side.Bid, 16599292L, 101100000L), (_batch[0].Kind, _batch[0].Side, _batch[0].Sequence, _batch[0].Price));
    }

    [Fact]
    public void Parse_MarkPriceUpdate_FundingMarkIndex()
    {
        var p = NewParser(VenueCatalog.BinanceFutures);
        Assert.Equal(FrameStatus.Data, Parse(p, MarkPrice).Status);
        Assert.Equal(3, _batch.Count);
        Assert.Equal(MarketEventKind.Funding, _batch[0].Kind);
        Assert.Equal(27_540_000, _batch[0].FundingRate); // 0.00002754 × 10^12
        Assert.Equal(1680652800000, _batch[0].NextFundingTimeMs);
        Assert.Equal((MarketEventKind.MarkPrice, 2814727373413L), (_batch[1].Kind, _batch[1].Price));
        Assert.Equal((MarketEventKind.IndexPrice, 2815975642857L), (_batch[2].Kind, _batch[2].Price));
        Assert.True(_batch[2].IsEndOfMessage);
        Assert.Equal(1680652701000L * 1_000_000, _batch[1].ExchangeTimeNs);
    }

    [Fact]
    public void Parse_DeliveryMarkPriceWithEmptyFunding_NoFundingEvent()
    {
        var p = NewParser(VenueCatalog.BinanceCoinM);
        var frame = """{"e":"markPriceUpdate","E":1591261236000,"s":"BTCUSD_200925","p":"9493.98","P":"9480.2","i":"","r":"","T":0}""";
        Assert.Equal(FrameStatus.Data, Parse(p, frame).Status);
        Assert.Equal(1, _batch.Count);
        Assert.Equal(MarketEventKind.MarkPrice, _batch[0].Kind);
        var instrument = InstrumentOf(VenueCatalog.BinanceCoinM, "BTCUSD_200925");
        Assert.Equal("BTC-USD-200925", instrument.Canonical);
        Assert.True(instrument.IsInverse);
    }

    [Fact]
    public void Parse_KlineAndAck_Control()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(FrameStatus.Control, Parse(p, Kline).Status);
        Assert.Equal(FrameStatus.Control, Parse(p, """{"result":null,"id":1}""").Status);
        Assert.Equal(0, _batch.Count);
        Assert.Equal(2, p.ControlFrames);
    }

    [Fact]
    public void Parse_VenueError_Rejected()
    {
        var p = NewParser(VenueCatalog.Binance);
        Assert.Equal(RejectReason.VenueError, Parse(p, """{"error":{"code":2,"msg":"Invalid request: unknown variant"},"id":1}""").Reason);
        Assert.Equal(RejectReason.VenueError, Parse(p, """{"code":-1121,"msg":"Invalid symbol."}""").Reason);
        Assert.Equal(2, p.RejectCount(RejectReason.VenueError));
    }

    [Fact]
    public void Parse_CoinMSnapshotWithSymbol_InverseInstrumentContracts()
    {
        var p = NewParser(VenueCatalog.BinanceCoinM);
        Assert.Equal(FrameStatus.Data, Parse(p, CoinMSnapshot, FrameSource.Rest).Status);
        ref var h = ref _batch[0];
        Assert.Equal(MarketEventFlags.Snapshot | MarketEventFlags.RestSnapshot | MarketEventFlags.HasSequence, h.Flags & ~MarketEventFlags.EndOfMessage);
        Assert.Equal(1007198635033, h.Sequence);
        Assert.Equal(1723161257823L * 1_000_000, h.ExchangeTimeNs);
        Assert.Equal(4, _batch.Count);
        Assert.Equal(350000000000, _batch[1].Size); // 35 contracts × 100 USD = 3,500 USD face at scale 8
        var instrument = InstrumentOf(VenueCatalog.BinanceCoinM, "BTCUSD_PERP");
        Assert.True(instrument.IsInverse);
        Assert.Equal(1, instrument.ContractValue); // sizes are USD face value
        Assert.Equal(FrameStatus.Data, Parse(p, CoinMTicker).Status);
        Assert.Equal(16450000000000, _batch[1].Size); // 1,645 contracts × 100 USD
    }

    [Fact]
    public void Parse_SnapshotWithoutSymbol_TakesUrlSymbol()
    {
        var p = NewParser(VenueCatalog.Binance);
        var body = """{"lastUpdateId":499869752,"bids":[["0.35210000","672.00000000"]],"asks":[["0.35290000","10968.00000000"]]}""";
        var r = Parse(p, body, FrameSource.Rest, "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000");
        Assert.Equal(FrameStatus.Data, r.Status);
        Assert.Equal(InstrumentOf(VenueCatalog.Binance, "NKNUSDT").Id, _batch[0].Instrument);
        Assert.Equal(InstrumentOf(VenueCatalog.Binance, "NKNUSDT").Id, _batch[2].Instrument);
        Assert.Equal(3, _batch.Count);
        Assert.True(_batch[2].IsEndOfMessage);
    }

    [Fact]
    public void Parse_SnapshotWithoutSymbolOrUrl_UsesConnectionsOnlySymbol()
    {
        var p = NewParser(VenueCatalog.Binance);
        var body = """{"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"]],"asks":[["61837.64000000","1.54698000"]]}""";
        Assert.Equal(RejectReason.UnknownSymbol, Parse(p, body, FrameSource.Rest).Reason);
        Assert.Contains("no symbol seen", p.LastRejectDetail);
        Parse(p, SpotDepth);
        Assert.Equal(FrameStatus.Data, Parse(p, body, FrameSource.Rest).Status);
        Assert.Equal(InstrumentOf(VenueCatalog.Binance, "BTCUSDT").Id, _batch[0].Instrument);
        Assert.Equal(6183763000000, _batch[1].Price);
        Parse(p, DocumentedSpotDepth); // a second symbol on the connection
        Assert.Equal(RejectReason.UnknownSymbol, Parse(p, body, FrameSource.Rest).Reason);
        Assert.Contains("ambiguous", p.LastRejectDetail);
        Assert.Equal(0, _batch.Count);
    }

    [Theory]
    [InlineData("", RejectReason.InvalidJson)]
    [InlineData("not json", RejectReason.InvalidJson)]
    [InlineData("[1,2]", RejectReason.UnexpectedShape)]
    [InlineData("{}", RejectReason.UnexpectedShape)]
    [InlineData("""{"stream":"btcusdt@depth@100ms"}""", RejectReason.MissingField)]
    [InlineData("""{"stream":"x","data":[1]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"157","u":160,"b":[],"a":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","u":160,"b":[],"a":[]}""", RejectReason.MissingField)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":161,"u":160,"b":[],"a":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1.0"]],"a":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1.0","2","3"]],"a":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[[true,"2"]],"a":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1,5","2"]],"a":[]}""", RejectReason.BadNumber)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["-1","2"]],"a":[]}""", RejectReason.BadNumber)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1","-2"]],"a":[]}""", RejectReason.BadNumber)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["99999999999999999999","2"]],"a":[]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1.0000000001","2"]],"a":[]}""", RejectReason.PrecisionLoss)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":99999999999999999999,"u":160,"b":[],"a":[]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"e":"depthUpdate","E":99999999999999,"s":"BTCUSDT","U":157,"u":160,"b":[],"a":[]}""", RejectReason.NumberOverflow)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1.0","2"]],"a":[""", RejectReason.InvalidJson)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":157,"u":160,"b":[["1.0","2"]],"a":[]}} """, RejectReason.InvalidJson)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"XYZQQQ","U":157,"u":160,"b":[],"a":[]}""", RejectReason.UnknownSymbol)]
    [InlineData("""{"e":"depthUpdate","E":1,"s":"btc-usdt","U":157,"u":160,"b":[],"a":[]}""", RejectReason.UnknownSymbol)]
    [InlineData("""{"e":"newEvent","E":1,"s":"BTCUSDT"}""", RejectReason.UnknownChannel)]
    [InlineData("""{"u":1,"s":"BTCUSDT","b":"1.0","B":"1","a":5,"A":"1"}""", RejectReason.MissingField)]
    [InlineData("""{"u":1,"s":"BTCUSDT","b":"1.0","B":1,"a":"2","A":"1"}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.0","q":"1","m":"yes"}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"e":"trade","E":1,"s":"BTCUSDT","p":"1.0","q":"1","m":true}""", RejectReason.MissingField)]
    [InlineData("""{"lastUpdateId":1,"bids":{},"asks":[]}""", RejectReason.UnexpectedShape)]
    [InlineData("""{"lastUpdateId":1,"bids":[]}""", RejectReason.MissingField)]
    public void Parse_MalformedFrames_RejectedWithReasonAndNothingAppended(string frame, RejectReason expected)
    {
        var p = NewParser(VenueCatalog.Binance);
        Parse(p, SpotDepth); // BTCUSDT known, so symbol-free snapshots resolve
        _batch.Clear();
        _batch.Add().Kind = MarketEventKind.Trade; // an earlier frame's event must survive the rejection
        var r = p.Parse(Encoding.UTF8.GetBytes(frame), FrameSource.WebSocket, null, 1, _batch);
        Assert.Equal(FrameStatus.Rejected, r.Status);
        Assert.Equal(expected, r.Reason);
        Assert.Equal(1, _batch.Count);
        Assert.Equal(1, p.RejectCount(expected));
        Assert.False(string.IsNullOrEmpty(p.LastRejectDetail));
    }

    [Fact]
    public void Parse_InvalidUtf8_RejectedNotThrown()
    {
        var p = NewParser(VenueCatalog.Binance);
        byte[] frame = Encoding.UTF8.GetBytes(SpotTicker);
        int i = Array.IndexOf(frame, (byte)'B', 40); // inside "BTCUSDT"
        frame[i] = 0xFF;
        var r = p.Parse(frame, FrameSource.WebSocket, null, 1, _batch);
        Assert.Equal(FrameStatus.Rejected, r.Status);
        Assert.True(r.Reason is RejectReason.InvalidJson or RejectReason.UnknownSymbol, r.Reason.ToString());
    }

    [Fact]
    public void Parse_EveryTruncationOfRealFrames_RejectedNeverThrows()
    {
        var p = NewParser(VenueCatalog.BinanceFutures);
        foreach (var frame in new[] { FuturesDepth, FuturesTicker, MarkPrice, AggTrade, CoinMSnapshot })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(frame);
            for (int cut = 0; cut < bytes.Length; cut++)
            {
                _batch.Clear();
                var r = p.Parse(bytes.AsSpan(0, cut), FrameSource.WebSocket, null, 1, _batch);
                Assert.Equal(FrameStatus.Rejected, r.Status);
                Assert.Equal(0, _batch.Count);
            }
        }
    }

    [Fact]
    public void Parse_Oversize_Rejected()
    {
        var p = NewParser(VenueCatalog.Binance);
        var big = new byte[BinanceParser.MaxFrameBytes + 1];
        Assert.Equal(RejectReason.Oversize, p.Parse(big, FrameSource.WebSocket, null, 1, _batch).Reason);
    }

    [Fact]
    public void Parse_FieldsInAnyOrder_SameEvents()
    {
        var p = NewParser(VenueCatalog.Binance);
        Parse(p, DocumentedSpotDepth);
        var expected = _batch.Events.ToArray();
        // Levels before the symbol and the ids: the arrays are re-read once the instrument is known.
        Parse(p, """{"b":[["0.0024","10"]],"a":[["0.0026","100"]],"u":160,"U":157,"s":"BNBBTC","E":1672515782136,"e":"depthUpdate"}""");
        Assert.Equal(expected, _batch.Events.ToArray());
    }

    [Fact]
    public void SymbolFromUrl_QueryVariants()
    {
        Span<byte> buf = stackalloc byte[32];
        Assert.Equal(7, BinanceParser.SymbolFromUrl("https://api.binance.com/api/v3/depth?symbol=btcusdt&limit=1000", buf));
        Assert.Equal("BTCUSDT", Encoding.ASCII.GetString(buf[..7]));
        Assert.Equal(11, BinanceParser.SymbolFromUrl("https://dapi.binance.com/dapi/v1/depth?limit=1000&symbol=BTCUSD_PERP", buf));
        Assert.Equal(0, BinanceParser.SymbolFromUrl("https://api.binance.com/api/v3/depth?limit=1000", buf));
        Assert.Equal(0, BinanceParser.SymbolFromUrl("https://api.binance.com/api/v3/depth?symbol=BTC%2FUSDT", buf));
    }
}
