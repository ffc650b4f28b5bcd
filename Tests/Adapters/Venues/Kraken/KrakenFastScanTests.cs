using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Adapters.Venues.Kraken;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Kraken;

/// <summary>
/// The span fast path of <see cref="KrakenParser"/> (v1) against its Utf8JsonReader reference path (ForceReference):
/// same ParseResult (status and reject reason), events (byte for byte) and parser counters over every frame of the
/// Kraken captures (in-repo fixtures, and the shared files when ../shared is present), over one-byte mutations and
/// truncations of real frames and over hand-written variants of every shape; once the pairs are registered no data
/// frame falls back; every Kraken checksum still matches through BookKeeper; 0 bytes allocated per frame.
/// </summary>
public sealed class KrakenFastScanTests(ITestOutputHelper output)
{
    private static readonly string[] Captures = [KrakenParserTests.BookFixture, KrakenParserTests.TradeFixture, KrakenParserTests.TickerFixture];

    private static FastPathPair<KrakenParser> NewPair() =>
        new((registry, reference) => new KrakenParser(VenueCatalog.Kraken, registry) { ForceReference = reference }, p => p.Counters, p => p.FastFallbacks);

    private static bool IsData(byte[] payload) => payload.Length > 0 && payload[0] == (byte)'[';

    private static bool IsHeartbeat(byte[] payload) => payload.AsSpan().SequenceEqual("{\"event\":\"heartbeat\"}"u8);

    private void BothPasses(List<RawFrame> frames, string name)
    {
        var pair = NewPair();
        long data = frames.Count(f => IsData(f.Payload));
        long dataFallbacks = 0, heartbeatFallbacks = 0, otherFallbacks = 0;
        long firstPass = pair.BothPasses(frames, name, (f, fellBack) =>
        {
            if (!fellBack) return;
            if (IsData(f.Payload))
            {
                dataFallbacks++;
                output.WriteLine($"data fallback: line {f.Line} {Encoding.UTF8.GetString(f.Payload)[..Math.Min(200, f.Payload.Length)]}");
            }
            else if (IsHeartbeat(f.Payload)) heartbeatFallbacks++;
            else otherFallbacks++;
        });
        output.WriteLine($"{name}: {frames.Count} frames ({data} data), rejects {pair.ReferenceRejected}, " +
                         $"fallbacks first pass {firstPass}, second pass {dataFallbacks} data + {heartbeatFallbacks} heartbeat + {otherFallbacks} other control");
        Assert.True(data > 0);
        Assert.Equal(0, pair.ReferenceRejected);
        Assert.Equal(0, dataFallbacks);
        Assert.Equal(0, heartbeatFallbacks);
    }

    [Theory]
    [InlineData(KrakenParserTests.BookFixture)]
    [InlineData(KrakenParserTests.TradeFixture)]
    [InlineData(KrakenParserTests.TickerFixture)]
    public void Fixture_FastPathEqualsReference_AndNoDataFrameFallsBackOncePairsAreKnown(string name) =>
        BothPasses(KrakenParserTests.Frames(name), name);

    [Fact]
    public void SharedCaptures_FastPathEqualsReference_AndNoDataFrameFallsBackOncePairsAreKnown()
    {
        foreach (var name in Captures)
        {
            var path = RawCapture.Shared("kraken", name);
            if (path is null)
            {
                output.WriteLine($"SKIPPED: ../shared absent (kraken/{name})");
                continue;
            }
            BothPasses(RawCapture.Received(path), "shared " + name);
        }
    }

    private static readonly byte[] MutationBytes = "\",}]0x\\ -.r"u8.ToArray().Concat(new byte[] { (byte)'[', (byte)'{', (byte)':', (byte)'e', (byte)'1', (byte)'9', 0x01, 0xFF }).ToArray();

    [Fact]
    public void OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        var frames = Captures.SelectMany(KrakenParserTests.Frames).ToList();
        var pair = NewPair();
        foreach (var f in frames) pair.Check(f.Payload, $"line {f.Line}"); // registers the pairs
        bool Snapshot(RawFrame f) => Encoding.ASCII.GetString(f.Payload, 0, Math.Min(20, f.Payload.Length)).Contains("{\"as\":");
        bool Contains(RawFrame f, string s) => Encoding.UTF8.GetString(f.Payload).Contains(s, StringComparison.Ordinal);
        // Book updates (asks, bids), a snapshot's head and tail, trades, tickers and control frames.
        var sample = frames.Where(f => IsData(f.Payload) && Contains(f, "\"a\":[")).Take(6)
            .Concat(frames.Where(f => IsData(f.Payload) && Contains(f, "\"b\":[")).Take(6))
            .Concat(frames.Where(Snapshot).Take(1))
            .Concat(frames.Where(f => Contains(f, "\"trade\"")).Take(4))
            .Concat(frames.Where(f => Contains(f, "\"ticker\"")).Take(2))
            .Concat(frames.Where(f => !IsData(f.Payload)).Take(4))
            .Distinct().ToList();
        long mutations = 0, fastBefore = pair.FastFallbacks;
        foreach (var f in sample)
        {
            int n = f.Payload.Length;
            // A snapshot (~100 KB): its head and tail only (every mutation re-parses the whole frame twice).
            mutations += pair.Mutate(f.Payload, $"line {f.Line}", MutationBytes, FastPathEquivalence.HeadAndTail(n, 700, 160, 80));
            pair.Truncate(f.Payload, $"line {f.Line}", len => n <= 700 || len < 200 ? 1 : 4999);
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks - fastBefore}");
        Assert.True(sample.Count >= 20);
        Assert.True(pair.ReferenceRejected > 0); // the mutations did exercise the reject paths
    }

    [Fact]
    public void HandWrittenShapes_FastPathEqualsReference()
    {
        string[] frames =
        [
            // 0: first sighting (the reference path registers the pair), then the shapes the fast path takes.
            """[10,{"as":[["5541.30000","2.50700000","1534614248.123678"],["5541.80000","0.33000000","1534614098.345543"]],"bs":[["5541.20000","1.52900000","1534614248.765567"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"],["5542.50000","0.40100000","1534614248.456738"]],"c":"974942666"},"book-10","XBT/USD"]""",
            """[10,{"b":[["5541.30000","0.00000000","1534614335.345903"]],"c":"974942666"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]]},{"b":[["5541.30000","0.00000000","1534614335.345903"]],"c":"974942666"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738","r"],["5542.50000","0.40100000","1534614248.456738"]],"c":"0"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"b":[["5541.20000","1.00000000","1534614248.456739"]],"c":"4294967295"},"book-10","XBT/USD"]""",
            """[0,{"a":[],"c":"12"},"book","XBT/USD"]""",
            """[10,{"b":[["5541.3","0.0000000000","1534614335.345903"]]},"book-10","XBT/USD"]""",
            """[10,[["5541.20000","0.15850568","1534614057.321597","s","l",""],["6060.00000","0.02455000","1534614057.324998","b","l",""]],"trade","XBT/USD"]""",
            """[10,{"a":["5525.40000",1,"1.000"],"b":["5525.10000",1,"1.000"],"c":["5525.10000","0.00398963"],"v":["2634.11501494","3591.17907851"],"t":[11493,14990],"o":["5544.20000","5541.10000"]},"ticker","XBT/USD"]""",
            """{"event":"heartbeat"}""",
            // 11-: deviations the reference path decides (whitespace, escapes, other keys, numbers, shapes, channels).
            """[10, {"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10","XBT\/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10","XBT/USD"] """,
            """[010,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"4294967296"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"0974942666"},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":974942666},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"d":"x"},"book-10","XBT/USD"]""",
            """[10,{"a":[["-5541.30000","2.50700000","1534614248.456738"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["0","2.50700000","1534614248.456738"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000",2.507,"1534614248.456738"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.4567381234"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738",1]]},"book-10","XBT/USD"]""",
            """[10,{"as":[],"a":[]},"book-10","XBT/USD"]""",
            """[10,{},"book-10","XBT/USD"]""",
            """[10,{"a":[]},{"b":[]},{"c":"1"},"book-10","XBT/USD"]""",
            """[10,{"a":[]},"book-10","XBT/USD","extra"]""",
            """[10,{"a":[["1e3","2.50700000","1534614248.456738"]]},"book-10","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]]},"spread","XBT/USD"]""",
            """[10,["5698.40000","5700.00000","1542057299.545897","1.01234567","0.98765432"],"spread","XBT/USD"]""",
            """[10,[],"trade","XBT/USD"]""",
            """[10,[["5541.20000","0.15850568","1534614057.321597","x","l",""]],"trade","XBT/USD"]""",
            """[10,[["5541.20000","0.15850568","1534614057.321597","s","l",null]],"trade","XBT/USD"]""",
            """[10,{"a":["5525.40000",1,"1.000"],"c":["5525.10000","0.00398963"]},"ticker","XBT/USD"]""",
            """[10,{"a":["5525.40000",1.5,"1.000"],"b":["5525.10000",1,"1.000"]},"ticker","XBT/USD"]""",
            """[10,{"a":["5525.40000",1,"1.000"],"b":["5525.10000",1,"1.000"],"t":{"x":1}},"ticker","XBT/USD"]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]]},"book-10","DOGE/USD"]""",
            """{"event":"heartbeat","x":1}""",
            """{"event":"systemStatus","status":"online","version":"1.8.3"}""",
            """{"errorMessage":"Currency pair not supported","event":"subscriptionStatus","pair":"XBT/EUR","status":"error"}""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10",""]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"},"book-10","XBT/USD"]]""",
            """[10,{"a":[["5541.30000","2.50700000","1534614248.456738"]],"c":"974942666"}"book-10","XBT/USD"]""",
            // 44-45: a pair and channel name too long for the 32-byte tail window and the pair cache (first sighting, then fast).
            """[11,{"a":[["1.5","2.5","1534614248.456738"]],"c":"1"},"book-1000","VERYLONGBASEASSET/VERYLONGQUOTE"]""",
            """[11,{"b":[["1.4","2.5","1534614248.456739"]],"c":"2"},"book-1000","VERYLONGBASEASSET/VERYLONGQUOTE"]""",
        ];
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 28, 45], fast); // 7 and 28: numbers the plain read leaves to FixedPoint's general parse
        // The republish flag and the two-dict form are really what the reference path emits (not just equal to it).
        pair.Check(Encoding.UTF8.GetBytes(frames[4]), "frame 4 again");
        Assert.Equal(MarketEventFlags.Republish, pair.FastBatch[2].Flags);
        Assert.Equal(0u, pair.FastBatch[1].Checksum);
        pair.Check(Encoding.UTF8.GetBytes(frames[3]), "frame 3 again");
        Assert.Equal(3, pair.FastBatch.Count - 1);
        Assert.Equal(974942666u, pair.FastBatch[1].Checksum);
        Assert.Equal(Side.Ask, pair.FastBatch[2].Side);
        Assert.Equal(Side.Bid, pair.FastBatch[3].Side);
    }

    [Fact]
    public void Replay_BookCapture_EveryChecksumMatchesThroughTheFastPath()
    {
        var frames = KrakenParserTests.Frames(KrakenParserTests.BookFixture);
        var h = new VenueReplayHarness(new KrakenAdapter(1000), VenueCatalog.Kraken, KrakenAdapter.PublicUrlV1);
        var parser = (KrakenParser)h.Parser;
        foreach (var f in frames) h.Feed(f.Payload);
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        int controls = frames.Count(f => !IsData(f.Payload) && !IsHeartbeat(f.Payload));
        output.WriteLine($"checksum_ok={stats.ChecksumOk} bad={stats.ChecksumBad} fallbacks={parser.FastFallbacks} (5 first sightings + {controls} non-heartbeat control frames)");
        Assert.Equal(2234, stats.ChecksumOk);
        Assert.Equal(0, stats.ChecksumBad);
        Assert.Equal(0, h.Rejected);
        Assert.Equal(5 + controls, parser.FastFallbacks); // every other frame (2,234 updates, heartbeats) took the fast path
    }

    [Fact]
    public void Replay_SecondPass_FastPathAllocatesZeroBytesPerFrame()
    {
        var frames = Captures.SelectMany(KrakenParserTests.Frames).Where(f => IsData(f.Payload) || IsHeartbeat(f.Payload)).Select(f => f.Payload).ToArray();
        var h = new VenueReplayHarness(new KrakenAdapter(1000), VenueCatalog.Kraken, KrakenAdapter.PublicUrlV1);
        var parser = (KrakenParser)h.Parser;
        void Pass()
        {
            foreach (var frame in frames)
            {
                h.Batch.Clear();
                parser.Parse(frame, FrameSource.WebSocket, null, 0, h.Batch);
                var events = h.Batch.Events;
                for (int i = 0; i < events.Length; i++) h.Keeper.OnEvent(ref events[i]);
            }
        }
        Pass();
        Pass();
        long fallbacks = parser.FastFallbacks;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{frames.Length} frames, {allocated} bytes allocated on the measured pass, {parser.FastFallbacks - fallbacks} fallbacks");
        Assert.Equal(fallbacks, parser.FastFallbacks);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WideNumberRead_EqualsScalarReadAndFixedPoint_OnRandomAndEdgeTexts()
    {
        // The 8-bytes-at-a-time reads used by the fast path against the per-digit read and FixedPoint.TryParse (the
        // reference path's parser): same acceptance, value, decimals and end, for every scale, text and padding.
        var random = new Random(20261122);
        const string alphabet = "0123456789012345678901234567890123456789..\"e-+ :\u00ff";
        var texts = new List<string> { "", ".", "0", "00", "0.", ".0", "5.", "1.2.3", "9223372036854775807", "9223372036854775808", "1234567890123456789",
            "12345678901234567890", "0.000000000000000001", "1618678133.478962", "353.73000000", "0.00000000", "12345678", "1234567.8", "12345678.", ".12345678" };
        for (int i = 0; i < 20000; i++)
        {
            int length = random.Next(0, 24);
            var chars = new char[length];
            for (int k = 0; k < length; k++) chars[k] = random.Next(4) == 0 ? alphabet[random.Next(alphabet.Length)] : (char)('0' + random.Next(10));
            texts.Add(new string(chars));
        }
        int accepted = 0;
        foreach (var text in texts)
        foreach (int pad in new[] { 0, 1, 7, 30, 64 })
        {
            var frame = Encoding.Latin1.GetBytes("\"" + text + "\"" + new string(']', pad));
            for (int scale = 0; scale <= 18; scale += random.Next(1, 7))
            {
                bool narrow = SpanScan.TryPlainDecimalToQuote(frame, 1, scale, out long v1, out byte d1, out int e1);
                bool wide = SpanScan.TryPlainDecimalToQuoteWide(frame, 1, scale, out long v2, out byte d2, out int e2);
                Assert.True(narrow == wide && v1 == v2 && d1 == d2 && e1 == e2, $"'{text}' pad {pad} scale {scale}: {narrow}/{wide} {v1}/{v2} {d1}/{d2} {e1}/{e2}");
                if (!wide) continue;
                accepted++;
                Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(frame.AsSpan(1, e2 - 2), scale, out long v3, out byte d3));
                Assert.Equal((v3, d3), (v2, d2));
            }
            bool digits = SpanScan.TryDigitsToQuote(frame, 1, out ulong u, out int n, out int end);
            // The digits up to the first non-digit, which must be a quote (the text's own, or the closing one).
            string head = new(text.TakeWhile(char.IsAsciiDigit).ToArray());
            bool plainDigits = head.Length is > 0 and <= 19 && (head.Length == text.Length || text[head.Length] == '"');
            if (digits) Assert.True(plainDigits && (u, n, end) == (ulong.Parse(head), head.Length, head.Length + 2), $"digits '{text}' pad {pad}");
            else Assert.False(plainDigits && frame.Length >= 1 + 8 * (head.Length / 8 + 1), $"digits '{text}' pad {pad} refused");
        }
        output.WriteLine($"{texts.Count} texts, {accepted} accepted reads compared");
        Assert.True(accepted > 10000);
    }
}
