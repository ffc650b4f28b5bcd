using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>
/// The span fast path of <see cref="BinanceParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult, reject detail, events (byte for byte) and parser counters over every frame of the in-repo captures (Tests/Fixtures/Binance; data/binance_*.tsns.txt are
/// byte-identical copies of two of them) and
/// over one-byte mutations of their first frames; no fallback to the reference path on the real captures once each
/// symbol was registered.
/// </summary>
public sealed class BinanceFastScanTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Captures() =>
    [
        ["binance", new[] { "Binance/spot_btcusdt_2024-08-08_first3000.tsns.txt" }],
        ["binance", new[] { "Binance/spot_4sym_2021-10-12_ws.legacy.txt", "Binance/spot_4sym_2021-10-12_rest-depth.legacy.txt" }],
        ["binance-futures", new[] { "Binance/usdm_btcusdt_2024-08-08_first2000.tsns.txt" }],
        ["binance-futures", new[] { "Binance/usdm_btcusdt_2023-04-04_first2000.tsus.txt" }],
        ["binance-futures", new[] { "Binance/usdm_4sym_2021-07-22_ws.legacy.txt", "Binance/usdm_4sym_2021-07-22_rest-depth.legacy.txt" }],
        ["binance-coinm", new[] { "Binance/coinm_btcusd-perp_2024-08-08_first2000.tsns.txt" }],
    ];

    private sealed class Pair
    {
        public readonly BinanceParser Fast, Reference;
        public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();
        public long Compared;

        public Pair(VenueId venue)
        {
            Fast = new BinanceParser(venue, new InstrumentRegistry(), BinanceAdapter.StreamUrl(venue));
            Reference = new BinanceParser(venue, new InstrumentRegistry(), BinanceAdapter.StreamUrl(venue)) { ForceReference = true };
        }

        public ParseResult Check(RawFrame f, byte[] payload, string what)
        {
            FastBatch.Clear();
            ReferenceBatch.Clear();
            // A non-empty batch before the call: the fast path must leave the caller's events alone when it falls back.
            FastBatch.Add().Sequence = 42;
            ReferenceBatch.Add().Sequence = 42;
            var fr = Fast.Parse(payload, f.Source, f.Url, f.TimeNs, FastBatch);
            var rr = Reference.Parse(payload, f.Source, f.Url, f.TimeNs, ReferenceBatch);
            Assert.True(rr == fr, $"{what}: result {fr} vs reference {rr}");
            Assert.True(Reference.LastRejectDetail == Fast.LastRejectDetail, $"{what}: detail '{Fast.LastRejectDetail}' vs '{Reference.LastRejectDetail}'");
            var fb = MemoryMarshal.AsBytes(FastBatch.Events);
            var rb = MemoryMarshal.AsBytes(ReferenceBatch.Events);
            Assert.True(fb.SequenceEqual(rb), $"{what}: events differ ({FastBatch.Count} vs {ReferenceBatch.Count})");
            Assert.Equal(Reference.DataFrames, Fast.DataFrames);
            Assert.Equal(Reference.ControlFrames, Fast.ControlFrames);
            Assert.Equal(Reference.RejectedFrames, Fast.RejectedFrames);
            Compared++;
            return fr;
        }
    }

    private static (VenueId Venue, List<RawFrame> Frames) Load(string venueName, string[] files)
    {
        Assert.True(VenueCatalog.TryParse(venueName, out var venue));
        var frames = RawCapture.ReadByTime(files.Select(p => Fixture.Path(p.Split('/'))).ToArray());
        Assert.NotEmpty(frames);
        return (venue, frames);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void RealCaptures_FastPathEqualsReference_AndNeverFallsBackOnceSymbolsAreKnown(string venueName, string[] files)
    {
        var (venue, frames) = Load(venueName, files);
        var pair = new Pair(venue);
        long data = 0;
        foreach (var f in frames)
            if (pair.Check(f, f.Payload, $"line {f.Line}").Status == FrameStatus.Data) data++;
        long firstPass = pair.Fast.FastFallbacks;
        // First pass: only the first sighting of each symbol goes to the reference path (which registers it), and
        // REST bodies parsed before any stream frame named their symbol.
        foreach (var f in frames)
        {
            long before = pair.Fast.FastFallbacks;
            pair.Check(f, f.Payload, $"second pass line {f.Line}");
            if (pair.Fast.FastFallbacks != before)
                output.WriteLine($"fallback: line {f.Line} {System.Text.Encoding.UTF8.GetString(f.Payload)[..Math.Min(200, f.Payload.Length)]}");
        }
        long secondPass = pair.Fast.FastFallbacks - firstPass;
        output.WriteLine($"{string.Join('+', files)}: {frames.Count} frames ({data} data), rejects {pair.Reference.RejectedFrames}, " +
                         $"fallbacks first pass {firstPass}, second pass {secondPass}");
        Assert.True(data > 0);
        Assert.Equal(0, pair.Reference.RejectedFrames);
        Assert.True(firstPass <= 8, $"first pass fell back {firstPass} times");
        Assert.Equal(0, secondPass);
    }

    private static readonly byte[] MutationBytes = "\",}0x\\ "u8.ToArray().Concat(new byte[] { (byte)'[', (byte)']', (byte)':', (byte)'-', (byte)'.', (byte)'e', 0x01, 0xFF }).ToArray();

    [Theory]
    [MemberData(nameof(Captures))]
    public void OneByteMutations_FastPathEqualsReference(string venueName, string[] files)
    {
        var (venue, frames) = Load(venueName, files);
        var pair = new Pair(venue);
        foreach (var f in frames) pair.Check(f, f.Payload, $"line {f.Line}"); // registers the symbols
        // The first frame of each distinct shape (stream or REST + event type) and the first 40 frames.
        var sample = frames.Take(40)
            .Concat(frames.GroupBy(Shape).Select(g => g.First()))
            .Distinct().ToList();
        long mutations = 0;
        foreach (var f in sample)
        {
            var payload = (byte[])f.Payload.Clone();
            int n = payload.Length;
            // Long frames (REST snapshots, big diffs): the head, around the middle and the tail.
            var positions = n <= 700 ? Enumerable.Range(0, n)
                : Enumerable.Range(0, 400).Concat(Enumerable.Range(n / 2 - 50, 100)).Concat(Enumerable.Range(n - 200, 200));
            foreach (int i in positions)
            {
                byte original = payload[i];
                foreach (byte b in MutationBytes)
                {
                    if (b == original) continue;
                    payload[i] = b;
                    pair.Check(f, payload, $"line {f.Line} byte {i} '{(char)original}'->0x{b:X2}");
                    mutations++;
                }
                payload[i] = original;
            }
            // Truncations.
            for (int len = 0; len < Math.Min(n, 300); len++) pair.Check(f, payload.AsSpan(0, len).ToArray(), $"line {f.Line} cut {len}");
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.Reference.RejectedFrames}, fallbacks {pair.Fast.FastFallbacks}");
        Assert.True(pair.Reference.RejectedFrames > 0); // the mutations did exercise the reject paths
    }

    private static string Shape(RawFrame f)
    {
        var s = System.Text.Encoding.ASCII.GetString(f.Payload, 0, Math.Min(80, f.Payload.Length));
        int at = s.IndexOf('@');
        int e = s.IndexOf("\"e\":\"", StringComparison.Ordinal);
        return f.Source + (at > 0 ? s[at..Math.Min(s.Length, at + 12)] : "") + (e > 0 ? s[e..Math.Min(s.Length, e + 12)] : "");
    }

    [Fact]
    public void WrappedBookTickerAndTrade_ExactShapesAndNearMisses_EqualReference()
    {
        // The combined-stream bookTicker and trade frames have their own exact-shape readers: the shapes they take, and
        // near misses that must leave the frame to the general scan or the reference path (same events either way).
        string[] frames =
        [
            """{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1.00000000","B":"2.00000000","a":"1.10000000","A":"3.00000000"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"0.00000000"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239213,"s":"BTCUSDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239214, "s":"BTCUSDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239215,"s":"BTCUSDT","b":"0","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239216,"s":"BTCUSDT","b":"61837.63","B":"-3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239217,"s":"BTCUSDT","b":"6.1e4","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":050093239218,"s":"BTCUSDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239219,"s":"ETHUSDT","b":"3000.1","B":"3","a":"3000.2","A":"1.5"}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239220,"s":"BTCUSDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5","x":1}}""",
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239221,"s":"BTCUSDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5"}} """,
            """{"stream":"btcusdt@bookTicker","data":{"u":50093239222,"s":"BTC\u0055SDT","b":"61837.63","B":"3","a":"61837.64","A":"1.5"}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683260,"p":"61837.63","q":"0","T":1723161255342,"m":false,"M":false}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683261,"p":"61837.63","q":"1","T":999999999999999999,"m":true,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":01,"s":"BTCUSDT","t":3735683262,"p":"61837.63","q":"1","T":1723161255342,"m":true,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683263,"p":"61837.63","q":"1","T":1723161255342,"m":null,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683264,"p":"0.0","q":"1","T":1723161255342,"m":true,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683265,"p":"61837.63","q":"1","T":1723161255342,"m":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"aggTrade","E":1723161255343,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":false,"M":true}}""",
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683266,"p":"61837.63","q":"1","T":1723161255342,"m":true,"M":true}}}""",
        ];
        var pair = new Pair(VenueCatalog.Binance);
        var f0 = new RawFrame(0, "recv", null, [], "0", 1);
        // Registers BTCUSDT (a symbol's first sighting goes to the reference path).
        pair.Check(f0, System.Text.Encoding.UTF8.GetBytes(frames[0]), "registration");
        var data = new List<int>();
        var fast = new List<int>();
        for (int i = 0; i < frames.Length; i++)
        {
            long before = pair.Fast.FastFallbacks;
            var result = pair.Check(f0, System.Text.Encoding.UTF8.GetBytes(frames[i]), $"frame {i}");
            if (result.Status == FrameStatus.Data) data.Add(i);
            if (pair.Fast.FastFallbacks == before) fast.Add(i);
            output.WriteLine($"{i}: {result} {(pair.Fast.FastFallbacks == before ? "fast" : "reference")} {pair.Fast.LastRejectDetail}");
        }
        // Rejected by the reference path: a zero bid, a negative size, a leading zero, an escaped symbol, a 999...ms
        // trade time, a null "m", a zero trade price, trailing data; ETHUSDT registers and is data; the rest are data.
        Assert.Equal([0, 1, 2, 3, 6, 8, 9, 10, 12, 13, 18, 19], data);
        // The exact shapes never reach the reference path.
        Assert.Subset(fast.ToHashSet(), new HashSet<int> { 0, 1, 2, 12, 13 });
    }

    [Fact]
    public void HandWrittenShapes_FastPathEqualsReference()
    {
        // Spot bookTicker without e/E, key orders the fast path declines, escapes, whitespace, an ack, errors, an
        // ignored stream with a nested object, markPrice with funding and a delivery one without.
        string[] frames =
        [
            """{"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}""",
            """{"u":400900218,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}""",
            """{"e":"depthUpdate","E":123456789,"s":"BTCUSDT","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}""",
            """{"e":"depthUpdate","E":123456789,"s":"BTCUSDT","U":161,"u":162,"a":[["0.0026","100"]],"b":[["0.0024","10"]]}""",
            """{"e":"depthUpdate","E":123456789,"U":163,"u":164,"b":[["0.0024","10"]],"s":"BTCUSDT","a":[["0.0026","100"]]}""",
            """{"e":"depthUpdate","E":123456789,"s":"BTCUSDT","U":165,"u":166,"b":[],"a":[]}""",
            """{"e":"depthUpdate", "E":123456789,"s":"BTCUSDT","U":167,"u":168,"b":[],"a":[]}""",
            """{"e":"depthUpdate","E":123456789,"s":"BTC\u0055SDT","U":169,"u":170,"b":[],"a":[]}""",
            """{"e":"trade","E":123456789,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":123456785,"m":true,"M":true}""",
            """{"e":"aggTrade","E":123456789,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":false,"M":true}""",
            """{"e":"trade","E":123456789,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":123456785,"m":null}""",
            """{"e":"trade","E":1.5,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":123456785,"m":true}""",
            """{"e":"trade","E":-1,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":123456785,"m":true}""",
            """{"e":"trade","E":0123,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":123456785,"m":true}""",
            """{"e":"trade","E":99999999999999999999,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":1,"m":true}""",
            """{"e":"trade","E":999999999999999999,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":1,"m":true}""",
            """{"e":"kline","E":123456789,"s":"BTCUSDT","k":{"t":123400000,"i":"1m","o":"0.0010","x":false,"n":100,"B":"123456"}}""",
            """{"result":null,"id":1}""",
            """{"code":-1121,"msg":"Invalid symbol."}""",
            """{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}""",
            """{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"","T":0}""",
            """{"e":"bookTicker","u":400900219,"E":1568014460893,"T":1568014460891,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}""",
            """{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}""",
            """{"lastUpdateId":1027025,"E":1589436922972,"T":1589436922959,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]} """,
            """{"e":"unknownThing","E":1,"s":"BTCUSDT"}""",
            """{"stream":"btcusdt@depth5","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}}""",
        ];
        var pair = new Pair(VenueCatalog.Binance);
        var f0 = new RawFrame(0, "recv", null, [], "0", 1);
        var fast = new List<int>();
        for (int i = 0; i < frames.Length; i++)
        {
            long before = pair.Fast.FastFallbacks;
            var payload = System.Text.Encoding.UTF8.GetBytes(frames[i]);
            var result = pair.Check(f0, payload, $"frame {i}");
            if (pair.Fast.FastFallbacks == before) fast.Add(i);
            output.WriteLine($"{i}: {result} {(pair.Fast.FastFallbacks == before ? "fast" : "reference")} {pair.Fast.LastRejectDetail}");
        }
        // The plain shapes took the fast path (frame 0 is the symbol's first sighting: the reference path registers it);
        // reordered arrays, other whitespace than one space after a separator, escapes, non-boolean m, invalid or negative numbers, acks, errors, unknown
        // events and wrapped partial-depth snapshots went to the reference path.
        Assert.Equal([1, 2, 5, 6, 8, 9, 15, 16, 19, 20, 21, 22], fast);
    }

    [Fact]
    public void GeneratedStreamNamesSymbolsAndIntegers_FastPathEqualsReference()
    {
        // The fast path remembers the connection's stream names and last symbol (compared, not re-checked byte by byte)
        // and reads ids and times eight digits per load. Random frames over more stream names than it remembers (each
        // replacing another), names and symbols of equal length or sharing a prefix, a control byte in a name, and integer
        // texts of 1 to 20 digits, leading zeros, fractions and exponents: every frame equals the reference path.
        var random = new Random(20261122);
        string[] streams =
        [
            "btcusdt@bookTicker", "ethusdt@bookTicker", "btcusdt@trade", "ethusdt@trade", "btcusdt@depth@100ms",
            "btcusdt@bookTickex", "btcusdt@bookTicker2", "btcusdt@trad", "btcusdt@\u0001ookTicker", "btcusdt@bookTi\u0001ker",
        ];
        string[] symbols = ["BTCUSDT", "ETHUSDT", "BTCUSDTX", "BTCUSD", "BTCUSDt", "XTCUSDT"];
        string Int()
        {
            int digits = random.Next(10) == 0 ? random.Next(17, 21) : random.Next(1, 17);
            var text = new System.Text.StringBuilder();
            text.Append(random.Next(20) == 0 ? '0' : (char)('1' + random.Next(9)));
            for (int i = 1; i < digits; i++) text.Append((char)('0' + random.Next(10)));
            switch (random.Next(40))
            {
                case 0: text.Append(".5"); break;
                case 1: text.Append("e3"); break;
                case 2: text.Append('E'); break;
            }
            return text.ToString();
        }
        string Frame()
        {
            string stream = streams[random.Next(streams.Length)];
            string symbol = symbols[random.Next(symbols.Length)];
            string data = random.Next(4) switch
            {
                0 => $$"""{"u":{{Int()}},"s":"{{symbol}}","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}""",
                1 => $$"""{"e":"trade","E":{{Int()}},"s":"{{symbol}}","t":{{Int()}},"p":"61837.63000000","q":"0.02000000","T":{{Int()}},"m":true,"M":true}""",
                2 => $$"""{"e":"depthUpdate","E":{{Int()}},"s":"{{symbol}}","U":{{Int()}},"u":{{Int()}},"b":[["61837.63000000","0.50000000"]],"a":[]}""",
                _ => $$"""{"e":"depthUpdate","E":1,"s":"{{symbol}}","b":[],"a":[],"U":{{Int()}},"u":""" + Int() + "}",
            };
            return random.Next(5) == 0 ? data : $$$"""{"stream":"{{{stream}}}","data":{{{data}}}}""";
        }
        var pair = new Pair(VenueCatalog.Binance);
        var f0 = new RawFrame(0, "recv", null, [], "0", 1);
        // Registers BTCUSDT and ETHUSDT first (a symbol's first sighting goes to the reference path).
        foreach (var first in new[] { "BTCUSDT", "ETHUSDT" })
            pair.Check(f0, System.Text.Encoding.UTF8.GetBytes($$$"""{"stream":"x@bookTicker","data":{"u":1,"s":"{{{first}}}","b":"1.0","B":"1.0","a":"1.1","A":"1.0"}}"""), first);
        long data = 0, fastFrames = 0;
        for (int i = 0; i < 4000; i++)
        {
            long before = pair.Fast.FastFallbacks;
            string frame = Frame();
            if (pair.Check(f0, System.Text.Encoding.UTF8.GetBytes(frame), $"frame {i}: {frame}").Status == FrameStatus.Data) data++;
            if (pair.Fast.FastFallbacks == before) fastFrames++;
        }
        output.WriteLine($"4000 frames: {data} data, {fastFrames} on the fast path, rejects {pair.Reference.RejectedFrames}");
        Assert.True(fastFrames > 1000 && data > 1000 && pair.Reference.RejectedFrames > 100);
    }
}
