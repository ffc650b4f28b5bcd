using System.Globalization;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Bybit;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Bybit;

/// <summary>
/// The span fast path of <see cref="BybitParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult (status and reject reason), events (byte for byte), counters and restart count over every frame of the
/// shared Bybit capture (skipped when ../shared is absent) and over hand-written frames (always), over one-byte
/// mutations and truncations of them; no fallback on real orderbook, tickers or publicTrade frames once each symbol was
/// registered, and no allocation per frame on those paths after warm-up.
/// </summary>
public sealed class BybitFastScanTests(ITestOutputHelper output)
{
    private const string CaptureFile = "v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl";

    /// <summary>A fast parser and a reference parser per venue, each side with its own registry.</summary>
    private sealed class Pair
    {
        private readonly InstrumentRegistry _fastRegistry = new(), _referenceRegistry = new();
        private readonly Dictionary<VenueId, (BybitParser Fast, BybitParser Reference)> _parsers = new();
        public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();
        public long Compared;

        public (BybitParser Fast, BybitParser Reference) For(VenueId venue)
        {
            if (!_parsers.TryGetValue(venue, out var p))
                _parsers[venue] = p = (new BybitParser(venue, _fastRegistry), new BybitParser(venue, _referenceRegistry) { ForceReference = true });
            return p;
        }

        public long FastFallbacks => _parsers.Values.Sum(p => p.Fast.FastFallbacks);
        public long ReferenceRejected => _parsers.Values.Sum(p => p.Reference.Counters.Rejected);

        public ParseResult Check(VenueId venue, ReadOnlySpan<byte> payload, FrameLabel label)
        {
            var (fast, reference) = For(venue);
            var fr = FastPathEquivalence.Compare(fast, fast.Counters, FastBatch, reference, reference.Counters, ReferenceBatch, payload, label);
            Assert.Equal(reference.Restarts, fast.Restarts);
            Compared++;
            return fr;
        }
    }

    private static List<(VenueId Venue, byte[] Payload)>? Shared(ITestOutputHelper output)
    {
        var path = RawCapture.SharedOrSkip(output, "bybit", CaptureFile);
        if (path is null) return null;
        VenueCatalog.EnsureRegistered();
        return RawCapture.Received(path)
            .Select(f => (VenueCatalog.TryInferFromUrl(f.Url!, out var v) ? v : throw new InvalidOperationException(f.Url), f.Payload))
            .ToList();
    }

    private static bool IsBook(byte[] payload) => payload.AsSpan().StartsWith("{\"topic\":\"orderbook."u8);

    private static bool IsTickerTradeOrKline(byte[] payload) =>
        payload.AsSpan().StartsWith("{\"topic\":\"tickers."u8) || payload.AsSpan().StartsWith("{\"topic\":\"publicTrade."u8)
        || payload.AsSpan().StartsWith("{\"topic\":\"kline."u8) || payload.AsSpan().StartsWith("{\"type\":\"snapshot\",\"topic\":\"kline."u8);

    private static readonly VenueId Linear = VenueCatalog.BybitLinear, Spot = VenueCatalog.BybitSpot;

    /// <summary>
    /// Hand-written tickers, publicTrade and control-topic frames: the documented v5 shapes (the linear and spot ticker examples of the
    /// Bybit v5 WebSocket "Ticker" page, the "Trade" page's example, spot's numeric trade ids, deltas carrying only
    /// the changed fields), then deviations the fast path must hand to the reference path, and rejects.
    /// </summary>
    private static readonly (VenueId Venue, string Frame)[] TickersAndTrades =
    [
        // 0: linear snapshot (doc example: negative funding rate, "cs" and "ts" after "data").
        (Linear, """{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"17216.00","prevPrice24h":"16926.50","highPrice24h":"17281.50","lowPrice24h":"16915.00","prevPrice1h":"17238.00","markPrice":"17217.33","indexPrice":"17227.36","openInterest":"68744.761","openInterestValue":"1183601235.91","turnover24h":"1570383121.943499","volume24h":"91705.276","nextFundingTime":"1673280000000","fundingRate":"-0.000212","bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020","preOpenPrice":"","preQty":"","curPreListingPhase":""},"cs":24987956059,"ts":1673272861686}"""),
        // 1-4: linear deltas: bid/ask only; mark and other fields; funding rate only; next funding time only.
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"17215.60","bid1Size":"1.5"},"cs":24987956060,"ts":1673272861786}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"17217.40","openInterestValue":"1183601235.95","indexPrice":"17227.5"},"cs":24987956061,"ts":1673272861886}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","fundingRate":"0.0001"},"cs":24987956062,"ts":1673272861986}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","nextFundingTime":"1673308800000"},"cs":24987956063,"ts":1673272862086}"""),
        // 5: spot snapshot (doc example: "ts" and "cs" before "data", no bid/ask: control).
        (Spot, """{"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77","highPrice24h":"21426.99","lowPrice24h":"20575","prevPrice24h":"20704.93","volume24h":"6780.866843","turnover24h":"141946527.22907118","price24hPcnt":"0.0196","usdIndexPrice":"21120.2400136"}}"""),
        // 6: linear trades (doc example shape, several elements, booleans and "seq"); 7: spot trade with a numeric id.
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"RPI":false,"seq":1},{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"2","p":"16578.4","L":"MinusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023b0","BT":true,"seq":2}]}"""),
        (Spot, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"i":"2290000000061666327","T":1672304486865,"p":"16578.50","v":"0.001","S":"Sell","s":"BTCUSDT","BT":false}]}"""),
        // 8: a space after a colon; 9: an unquoted price; 10: an escaped key; 11: a nested object member.
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol": "BTCUSDT","bid1Price":"17215.70"},"cs":1,"ts":1673272862186}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":17215.80},"cs":1,"ts":1673272862286}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1\u0050rice":"17215.90"},"cs":1,"ts":1673272862386}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","x":{"a":1},"ask1Size":"3"},"cs":1,"ts":1673272862486}"""),
        // 12: "ts" twice; 13: a bad funding rate (reject); 14: an empty price (absent on both paths).
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"symbol":"BTCUSDT","ask1Size":"4"},"cs":1,"ts":1673272862586}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","fundingRate":"abc"},"cs":1,"ts":1673272862686}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"","ask1Size":"5"},"cs":1,"ts":1673272862786}"""),
        // 15: an empty trade array (control); 16: a lower-case side (reject); 17: no price (reject); 18: a quoted time.
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486869,"data":[]}"""),
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486870,"data":[{"T":1672304486869,"s":"BTCUSDT","S":"buy","v":"1","p":"16578.50","i":"x"}]}"""),
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486871,"data":[{"T":1672304486870,"s":"BTCUSDT","S":"Buy","v":"1","i":"x"}]}"""),
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486872,"data":[{"T":"1672304486871","s":"BTCUSDT","S":"Buy","v":"1","p":"16578.50","i":"x"}]}"""),
        // 19: a negative time (reject); 20: a trailing space; 21: an over-precise price (reject); 22: a numeric id.
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486873,"data":[{"T":-1,"s":"BTCUSDT","S":"Buy","v":"1","p":"16578.50","i":"x"}]}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Size":"6"},"cs":1,"ts":1673272862886} """),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"17215.123456789012345678"},"cs":1,"ts":1673272862986}"""),
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486874,"data":[{"T":1672304486873,"s":"BTCUSDT","S":"Buy","v":"1","p":"16578.50","i":123}]}"""),
        // 23: "type" before "topic"; 24: a fractional "cs"; 25: no "type" (reject); 26: an unknown top-level member.
        (Linear, """{"type":"delta","topic":"tickers.BTCUSDT","data":{"symbol":"BTCUSDT","ask1Size":"7"},"cs":1,"ts":1673272863086}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Size":"8"},"cs":1.5,"ts":1673272863186}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","data":{"symbol":"BTCUSDT","ask1Size":"9"},"cs":1,"ts":1673272863286}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","id":"x","data":{"symbol":"BTCUSDT","ask1Size":"10"},"cs":1,"ts":1673272863386}"""),
        // 27: "data" before "type" (the reference path defers it); 28: no "ts" (exchange time 0); 29: a trade with null and
        // a zero time; 30: the last plain delta.
        (Linear, """{"topic":"tickers.BTCUSDT","data":{"symbol":"BTCUSDT","ask1Size":"11"},"type":"delta","cs":1,"ts":1673272863486}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Price":"17216.10","ask1Size":"12"}}"""),
        (Linear, """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486875,"data":[{"T":0,"s":"BTCUSDT","S":"Sell","v":"1","p":"16578.50","i":"x","L":null}]}"""),
        (Linear, """{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Size":"13","ask1Size":"14"},"cs":2,"ts":1673272863586}"""),
        // 31: a kline (the capture's linear shape: control); 32: a kline element with an array member; 33: an empty
        // kline array; 34: an allLiquidation frame (doc shape: control); 35: a kline with a fractional number member.
        (Linear, """{"topic":"kline.1.BTCUSDT","data":[{"start":1786310760000,"end":1786310819999,"interval":"1","open":"65119.9","close":"65114.3","high":"65119.9","low":"65114.2","volume":"1.576","turnover":"102627.995","confirm":false,"timestamp":1786310818440}],"ts":1786310818440,"type":"snapshot"}"""),
        (Linear, """{"topic":"kline.1.BTCUSDT","data":[{"start":1786310760000,"x":[1],"confirm":false}],"ts":1786310818441,"type":"snapshot"}"""),
        (Linear, """{"topic":"kline.1.BTCUSDT","data":[],"ts":1786310818442,"type":"snapshot"}"""),
        (Linear, """{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"BTCUSDT","S":"Sell","v":"20000","p":"0.04499"}]}"""),
        (Linear, """{"topic":"kline.1.BTCUSDT","data":[{"start":1786310760000,"x":1.5,"confirm":true}],"ts":1786310818443,"type":"snapshot"}"""),
        // 36: a spot kline ("type" first, as the capture's spot connection sends them: control); 37: "type" twice.
        (Spot, """{"type":"snapshot","topic":"kline.1.BTCUSDT","data":[{"start":1786310760000,"end":1786310819999,"interval":"1","open":"65140.4","close":"65140.5","high":"65140.5","low":"65140.4","volume":"0.15318","turnover":"9978.2084389","confirm":false,"timestamp":1786310816562}],"ts":1786310816562}"""),
        (Spot, """{"type":"snapshot","topic":"kline.1.BTCUSDT","data":[],"ts":1786310816563,"type":"delta"}"""),
    ];

    /// <summary>Hand-written frames: the documented shapes, key orders and spellings the fast path declines, rejects.</summary>
    private static readonly string[] HandWritten =
    [
        """{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1786310818129,"data":{"s":"BTCUSDT","b":[["65114.20","6.054"],["65114.10","0.002"]],"a":[["65114.30","1.5"]],"u":100,"seq":753843911359},"cts":1786310818027}""",
        """{"topic":"orderbook.50.BTCUSDT","ts":1786310818130,"type":"delta","data":{"s":"BTCUSDT","b":[["65114.10","0"]],"a":[],"u":101,"seq":753843911360},"cts":1786310818028}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818131,"data":{"s":"BTCUSDT","b":[],"a":[],"u":102,"seq":753843911361}}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818132,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":1,"seq":753843911362},"cts":0}""",
        """{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":1786310818133,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":5,"seq":1},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818134,"data":{"s":"BTCUSDT","a":[["65114.40","2"]],"b":[["65114.00","0.5"]],"u":103,"seq":2},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818135,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":104,"seq":3}, "cts":1786310818030}""",
        """{"topic":"orderbook.50.BTC\u0055SDT","type":"delta","ts":1786310818136,"data":{"s":"BTCUSDT","b":[],"a":[],"u":105,"seq":4},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818137,"data":{"s":"BTCUSDT","b":[["-1","0.5"]],"a":[],"u":106,"seq":5},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818138,"data":{"s":"BTCUSDT","b":[["65114.00",0.5]],"a":[],"u":107,"seq":6},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"partial","ts":1786310818139,"data":{"s":"BTCUSDT","b":[],"a":[],"u":108,"seq":7},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818140,"data":{"s":"BTCUSDT","b":[],"a":[],"u":0,"seq":8},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818141,"data":{"s":"BTCUSDT","b":[],"a":[],"u":109,"seq":-9},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818142,"data":{"s":"BTCUSDT","b":[],"a":[],"u":110,"seq":10},"cts":1786310818030,"extra":1}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818143,"data":{"s":"BTCUSDT","b":[],"a":[],"u":111,"seq":11},"cts":1786310818030} """,
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1.5,"data":{"s":"BTCUSDT","b":[],"a":[],"u":112,"seq":12},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818144,"data":{"s":"BTCUSDT","b":[],"a":[],"u":113,"seq":13},"cts":01}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"snapshot","ts":1786310818145,"data":{"s":"ETHUSDT","b":[["3000.5","1"]],"a":[["3001","2"]],"u":7,"seq":14},"cts":1786310818030}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1786310818146,"data":{"s":"ETHUSDT","b":[["3000.55","1.25"]],"a":[],"u":8,"seq":15},"cts":1786310818030}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1786310818147,"data":{"s":"ETHUSDT","b":[["3000.555555555555555555","1"]],"a":[],"u":9,"seq":16},"cts":1786310818030}""",
        """{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.054","ask1Price":"65114.30","ask1Size":"1.2","markPrice":"65114.25","indexPrice":"65110.00","fundingRate":"0.0001","nextFundingTime":"1786320000000"},"cs":1,"ts":1786310818150}""",
        """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310818151,"data":[{"T":1786310818150,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","i":"a9188a0a-1","BT":false}]}""",
        """{"success":true,"ret_msg":"","conn_id":"x","op":"subscribe"}""",
        """{"success":false,"ret_msg":"error","op":"subscribe"}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818152,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[],"u":114,"seq":17},"cts":1786310818030}""",
    ];

    [Fact]
    public void HandWrittenFrames_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var venue = VenueCatalog.BybitLinear;
        var fast = new List<int>();
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < HandWritten.Length; i++)
            {
                long before = pair.FastFallbacks;
                var result = pair.Check(venue, Encoding.UTF8.GetBytes(HandWritten[i]), $"pass {pass} frame {i}");
                if (pass == 1 && pair.FastFallbacks == before) fast.Add(i);
                if (pass == 1) output.WriteLine($"{i}: {result} {(pair.FastFallbacks == before ? "fast" : "reference")}");
            }
        // Second pass (symbols registered): the plain orderbook shapes took the fast path; reordered arrays, spaces,
        // escapes, negative or unquoted numbers, unknown types, u = 0, trailing keys or bytes, fractional or
        // zero-led times, over-precise prices and acks went to the reference path; the plain ticker (20) and trade (21)
        // frames took the fast path.
        Assert.Equal([0, 1, 2, 3, 4, 17, 18, 20, 21, 24], fast);
        Assert.True(pair.For(venue).Fast.Restarts > 0);
    }

    [Fact]
    public void IntegersOfEveryLengthAndLeadingZero_FastPathEqualsReference()
    {
        // The fast path reads integers eight digits per load: 1-18 digits are taken, 19 or more and zero-led ones ("01")
        // go to the reference path, which decides them; a lone 0 is an integer. Each frame is compared event for event
        // with the Utf8JsonReader path, and the frames the fast path took are the expected ones.
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var venue = VenueCatalog.BybitLinear;
        const string Frame = """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":@TS,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[],"u":@U,"seq":@SEQ},"cts":1786310818030}""";
        pair.Check(venue, Encoding.UTF8.GetBytes(Frame.Replace("@TS", "1").Replace("@U", "1").Replace("@SEQ", "1")), "warm-up");
        var expectedFast = new List<string>();
        var fast = new List<string>();
        long u = 2;
        foreach (string digits in new[] { "0", "7", "10", "12345678", "123456789", "1234567890123456", "12345678901234567", "123456789012345678",
                     "1234567890123456789", "12345678901234567890", "01", "00000000", "012345678", "0000000000000000001" })
        {
            bool taken = digits.Length <= 18 && (digits.Length == 1 || digits[0] != '0');
            foreach (string field in new[] { "@TS", "@SEQ" })
            {
                string text = Frame.Replace(field, digits).Replace("@TS", "1786310818000").Replace("@SEQ", "5").Replace("@U", (u++).ToString(CultureInfo.InvariantCulture));
                long before = pair.FastFallbacks;
                pair.Check(venue, Encoding.UTF8.GetBytes(text), $"{field}={digits}");
                if (pair.FastFallbacks == before) fast.Add($"{field}={digits}");
                if (taken) expectedFast.Add($"{field}={digits}");
            }
        }
        Assert.Equal(expectedFast, fast);
    }

    [Fact]
    public void SharedCapture_FastPathEqualsReference_NoOrderbookTickerOrTradeFallbackOnSecondPass()
    {
        var frames = Shared(output);
        if (frames is null) return;
        var pair = new Pair();
        long data = 0, books = 0;
        foreach (var (venue, payload) in frames)
            if (pair.Check(venue, payload, $"frame {pair.Compared}").Status == FrameStatus.Data) data++;
        long firstPass = pair.FastFallbacks, hotFallbacks = 0, tickersTradesKlines = 0;
        foreach (var (venue, payload) in frames)
        {
            long before = pair.FastFallbacks;
            pair.Check(venue, payload, $"second pass frame {pair.Compared}");
            if (IsTickerTradeOrKline(payload)) tickersTradesKlines++;
            else if (!IsBook(payload)) continue;
            else books++;
            if (pair.FastFallbacks != before)
            {
                hotFallbacks++;
                output.WriteLine($"fallback: {Encoding.UTF8.GetString(payload)[..Math.Min(200, payload.Length)]}");
            }
        }
        output.WriteLine($"{frames.Count} frames ({data} data, {books} orderbook, {tickersTradesKlines} tickers/trades/klines), rejects {pair.ReferenceRejected}, fallbacks first pass {firstPass}");
        Assert.True(books > 1000);
        Assert.True(tickersTradesKlines > 500);
        Assert.Equal(0, pair.ReferenceRejected);
        Assert.Equal(0, hotFallbacks);
    }

    [Fact]
    public void HandWrittenTickersAndTrades_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var fast = new List<int>();
        var results = new List<ParseResult>();
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < TickersAndTrades.Length; i++)
            {
                var (venue, text) = TickersAndTrades[i];
                long before = pair.FastFallbacks;
                var result = pair.Check(venue, Encoding.UTF8.GetBytes(text), $"pass {pass} frame {i}");
                if (pass == 0) continue;
                results.Add(result);
                if (pair.FastFallbacks == before) fast.Add(i);
                output.WriteLine($"{i}: {result} {(pair.FastFallbacks == before ? "fast" : "reference")}");
            }
        // Second pass (symbols registered): the documented shapes, deltas, the empty price (absent on both paths),
        // "type" before "topic", "data" before "type", a ticker without "ts" and a trade with null and zero time took
        // the fast path; spaces,
        // unquoted or escaped values, nested members, repeated or unknown members, an empty array, lower-case sides,
        // missing fields, quoted or negative times, trailing bytes, over-precise prices, numeric ids, fractional "cs",
        // a missing or repeated "type" went to the reference path.
        // Flat kline and liquidation frames were read as control on the fast path; nested or fractional members fell back.
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 14, 23, 27, 28, 29, 30, 31, 33, 34, 36], fast);
        // The expected outcome of each kind, from the v5 documentation's rules (not from the parser).
        Assert.Equal(FrameStatus.Control, results[5].Status); // a spot ticker carries no bid/ask, funding, mark or index
        Assert.Equal(FrameStatus.Control, results[15].Status);
        Assert.Equal(FrameStatus.Rejected, results[13].Status);
        Assert.Equal(FrameStatus.Rejected, results[16].Status);
        Assert.Equal(FrameStatus.Rejected, results[17].Status);
        Assert.Equal(FrameStatus.Rejected, results[25].Status);
        Assert.All([31, 32, 33, 34, 35, 36, 37], i => Assert.Equal(FrameStatus.Control, results[i].Status)); // control topics
    }

    /// <summary>Documented values (the v5 "Ticker" linear example and "Trade" example above) read on the fast path:
    /// the events compared with what the documentation's numbers say, so a wrong field fails even if both paths agreed.</summary>
    [Fact]
    public void DocumentedTickerAndTrade_FastPath_EmitsDocumentedValues()
    {
        VenueCatalog.EnsureRegistered();
        var registry = new InstrumentRegistry();
        var parser = new BybitParser(Linear, registry);
        var batch = new MarketEventBatch();
        foreach (int i in new[] { 0, 6 }) parser.Parse(Encoding.UTF8.GetBytes(TickersAndTrades[i].Frame), FrameSource.WebSocket, null, 7, batch);
        long fallbacks = parser.FastFallbacks;
        batch.Clear();
        Assert.Equal(FrameStatus.Data, parser.Parse(Encoding.UTF8.GetBytes(TickersAndTrades[0].Frame), FrameSource.WebSocket, null, 7, batch).Status);
        Assert.Equal(fallbacks, parser.FastFallbacks);
        var e = batch.Events.ToArray();
        Assert.Equal([MarketEventKind.Bbo, MarketEventKind.Bbo, MarketEventKind.Funding, MarketEventKind.MarkPrice, MarketEventKind.IndexPrice], e.Select(x => x.Kind));
        Assert.All(e, x => Assert.Equal(1673272861686L * 1_000_000, x.ExchangeTimeNs));
        Assert.Equal((Side.Bid, "17215.5", "84.489"), (e[0].Side, Price(e[0]), Size(e[0])));
        Assert.Equal((Side.Ask, "17216", "83.02"), (e[1].Side, Price(e[1]), Size(e[1])));
        Assert.Equal(-0.000212m, e[2].FundingRate / (decimal)Math.Pow(10, MarketEvent.FundingRateScale));
        Assert.Equal(1673280000000L, e[2].NextFundingTimeMs);
        Assert.Equal("17217.33", Price(e[3]));
        Assert.Equal("17227.36", Price(e[4]));

        batch.Clear();
        Assert.Equal(FrameStatus.Data, parser.Parse(Encoding.UTF8.GetBytes(TickersAndTrades[6].Frame), FrameSource.WebSocket, null, 7, batch).Status);
        Assert.Equal(fallbacks, parser.FastFallbacks);
        e = batch.Events.ToArray();
        Assert.Equal(2, e.Length);
        Assert.Equal((MarketEventKind.Trade, Side.Bid, "16578.5", "0.001", 1672304486865L * 1_000_000, 0L),
            (e[0].Kind, e[0].Side, Price(e[0]), Size(e[0]), e[0].ExchangeTimeNs, e[0].Sequence));
        Assert.Equal((MarketEventKind.Trade, Side.Ask, "16578.4", "2", 1672304486866L * 1_000_000, 0L),
            (e[1].Kind, e[1].Side, Price(e[1]), Size(e[1]), e[1].ExchangeTimeNs, e[1].Sequence));

        string Price(in MarketEvent x) => Scaled(x.Price, registry[x.Instrument].PriceScale);
        string Size(in MarketEvent x) => Scaled(x.Size, registry[x.Instrument].QuantityScale);
        static string Scaled(long v, int scale) => (v / (decimal)Math.Pow(10, scale)).ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
    }

    /// <summary>Warm pass over the tickers, publicTrade and topic-first kline frames (hand-written plain shapes, and the shared capture's when
    /// present): no frame falls back and nothing is allocated.</summary>
    [Fact]
    public void TickersAndTrades_WarmPass_NoFallbackAndAllocatesNothing()
    {
        VenueCatalog.EnsureRegistered();
        var registry = new InstrumentRegistry();
        var parsers = new Dictionary<VenueId, BybitParser>();
        var frames = new List<(BybitParser Parser, byte[] Payload)>();
        BybitParser For(VenueId v) => parsers.TryGetValue(v, out var p) ? p : parsers[v] = new BybitParser(v, registry);
        foreach (int i in new[] { 0, 1, 2, 3, 4, 5, 6, 7, 27, 28, 29, 30, 31, 33, 34, 36 })
            frames.Add((For(TickersAndTrades[i].Venue), Encoding.UTF8.GetBytes(TickersAndTrades[i].Frame)));
        var shared = Shared(output);
        if (shared is not null)
            frames.AddRange(shared.Where(f => IsTickerTradeOrKline(f.Payload)).Select(f => (For(f.Venue), f.Payload)));
        var batch = new MarketEventBatch();
        long data = 0;
        void Pass()
        {
            data = 0;
            foreach (var (parser, payload) in frames)
            {
                batch.Clear();
                if (parser.Parse(payload, FrameSource.WebSocket, null, 7, batch).Status == FrameStatus.Data) data++;
            }
        }
        Pass();
        Pass();
        long fallbacks = parsers.Values.Sum(p => p.FastFallbacks);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Pass();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{frames.Count} tickers/trade/kline frames ({data} data), {bytes} B over 20 passes");
        Assert.Equal(fallbacks, parsers.Values.Sum(p => p.FastFallbacks));
        Assert.Equal(0, bytes);
        Assert.True(data > 0);
        Assert.Equal(0, parsers.Values.Sum(p => p.Counters.Rejected));
    }

    private static readonly byte[] MutationBytes = "\",}]0x\\ -."u8.ToArray().Concat(new byte[] { 0x01, 0xFF, 0xC3 }).ToArray();

    [Fact]
    public void OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var sample = new List<(VenueId Venue, byte[] Payload)>();
        var hand = HandWritten.Select(s => (VenueCatalog.BybitLinear, Encoding.UTF8.GetBytes(s)))
            .Concat(TickersAndTrades.Select(t => (t.Venue, Encoding.UTF8.GetBytes(t.Frame)))).ToList();
        foreach (var (venue, payload) in hand) pair.Check(venue, payload, "warm-up"); // registers the symbols
        sample.AddRange(hand);
        var frames = Shared(output);
        if (frames is not null)
        {
            foreach (var (venue, payload) in frames) pair.Check(venue, payload, "warm-up");
            // Orderbook frames first (snapshots and deltas of every symbol), then a few of the other topics.
            sample.AddRange(frames.Where(f => IsBook(f.Payload)).GroupBy(f => (f.Venue, Encoding.ASCII.GetString(f.Payload, 0, 60)))
                .Select(g => g.First()).Take(24));
            // Tickers (linear snapshots and deltas, spot), trades and klines of every symbol, then a few other frames.
            sample.AddRange(frames.Where(f => IsTickerTradeOrKline(f.Payload)).GroupBy(f => (f.Venue, Encoding.ASCII.GetString(f.Payload, 0, 40)))
                .Select(g => g.First()).Take(32));
            sample.AddRange(frames.Where(f => !IsBook(f.Payload) && !IsTickerTradeOrKline(f.Payload)).Take(6));
        }
        long mutations = 0;
        foreach (var (venue, original) in sample)
        {
            FrameCheck check = (payload, label) => pair.Check(venue, payload, label);
            string what = Encoding.UTF8.GetString(original)[..Math.Min(120, original.Length)];
            mutations += FastPathEquivalence.Mutate(check, (byte[])original.Clone(), what, MutationBytes, Enumerable.Range(0, Math.Min(original.Length, 701)));
            FastPathEquivalence.Truncate(check, original, what, len => len < 700 ? 1 : 97);
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks}");
        Assert.True(pair.ReferenceRejected > 0);
    }
}
