using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Okx;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Okx;

/// <summary>
/// The span fast path of <see cref="OkxParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult (status and reject reason), events (byte for byte) and parser counters over every frame of the in-repo
/// OKX fixture and the shared full capture (when ../shared is present), and over one-byte mutations and truncations of
/// its first frames; no frame (books, tickers, trades, acks) falls back to the reference path once its instrument was registered.
/// </summary>
public sealed class OkxFastScanTests(ITestOutputHelper output)
{
    private static FastPathPair<OkxParser> NewPair() =>
        new((registry, reference) => new OkxParser(VenueCatalog.Okx, registry) { ForceReference = reference }, p => p.Counters, p => p.FastFallbacks);

    private static bool IsBook(byte[] payload)
    {
        var head = Encoding.ASCII.GetString(payload, 0, Math.Min(40, payload.Length));
        return head.StartsWith("{\"arg\":{\"channel\":\"books", StringComparison.Ordinal);
    }

    private void BothPasses(List<RawFrame> frames, string name)
    {
        var pair = NewPair();
        long books = frames.Count(f => IsBook(f.Payload));
        long bookFallbacks = 0, otherFallbacks = 0;
        long firstPass = pair.BothPasses(frames, name, (f, fellBack) =>
        {
            if (!fellBack) return;
            if (IsBook(f.Payload))
            {
                bookFallbacks++;
                output.WriteLine($"book fallback: line {f.Line} {Encoding.UTF8.GetString(f.Payload)[..Math.Min(200, f.Payload.Length)]}");
            }
            else otherFallbacks++;
        });
        output.WriteLine($"{name}: {frames.Count} frames ({books} book pushes), rejects {pair.ReferenceRejected}, " +
                         $"fallbacks first pass {firstPass}, second pass {bookFallbacks} book + {otherFallbacks} other channels/acks");
        Assert.True(books > 0);
        Assert.Equal(0, pair.ReferenceRejected);
        Assert.Equal(0, bookFallbacks);
        Assert.Equal(0, otherFallbacks); // tickers, trades and subscribe acks have their fast shapes too
    }

    [Fact]
    public void Fixture_FastPathEqualsReference_AndNothingFallsBackOnceInstrumentsAreKnown() =>
        BothPasses(OkxParserTests.Frames(), "fixture");

    [Fact]
    public void SharedCapture_FastPathEqualsReference_AndNothingFallsBackOnceInstrumentsAreKnown()
    {
        var path = RawCapture.SharedOrSkip(output, "okx", "v5_books-l2-tbt_tickers_trades_2022-02-27.legacy.txt");
        if (path is null) return;
        BothPasses(RawCapture.Received(path), "shared");
    }

    private static readonly byte[] MutationBytes = "\",}]0x\\ -."u8.ToArray().Concat(new byte[] { (byte)'[', (byte)':', (byte)'e', (byte)'1', 0x01, 0xFF }).ToArray();

    [Fact]
    public void OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        var frames = OkxParserTests.Frames();
        var pair = NewPair();
        foreach (var f in frames) pair.Check(f.Payload, $"line {f.Line}"); // registers the instruments
        // The first 40 frames and the first few of each book kind (snapshot and update).
        var sample = frames.Take(40)
            .Concat(frames.Where(f => IsBook(f.Payload)).GroupBy(f => Encoding.ASCII.GetString(f.Payload, 0, Math.Min(90, f.Payload.Length)).Contains("snapshot")).SelectMany(g => g.Take(3)))
            .Distinct().ToList();
        long mutations = 0, fastBefore = pair.FastFallbacks;
        foreach (var f in sample)
        {
            mutations += pair.Mutate(f.Payload, $"line {f.Line}", MutationBytes, FastPathEquivalence.HeadAndTail(f.Payload.Length, 700, 700, 100));
            pair.Truncate(f.Payload, $"line {f.Line}", len => len < 300 ? 1 : 7);
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks - fastBefore}");
        Assert.True(pair.ReferenceRejected > 0); // the mutations did exercise the reject paths
    }

    /// <summary>
    /// The parser skips its separate UTF-8 pass for frames the fast path accepts (<c>DefersUtf8Check</c>): 0xFF and a
    /// lone 0x80 are never UTF-8 (RFC 3629), so at every byte position of a book update, a book snapshot, a ticker, a
    /// trade push and an ack (instruments registered first) the frame must still be rejected as InvalidUtf8 and add no
    /// event; a valid two-byte character ("é") inside a string is not ASCII, so the frame leaves the fast path and
    /// the reference path decides (same result as with the fast path off).
    /// </summary>
    [Fact]
    public void NonUtf8ByteAtEveryPosition_RejectedAsInvalidUtf8()
    {
        var frames = OkxParserTests.Frames();
        var registry = new InstrumentRegistry();
        var parser = new OkxParser(VenueCatalog.Okx, registry);
        var batch = new MarketEventBatch();
        foreach (var f in frames) { batch.Clear(); parser.Parse(f.Payload, FrameSource.WebSocket, null, 0, batch); }
        string[] shapes =
        [
            """{"arg":{"channel":"books-l2-tbt","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["41006.8","0.6","0","1"]],"bids":[["41006.3","0.3","0","2"]],"ts":"1629966436396","checksum":-1290946519}]}""",
            """{"arg":{"channel":"books-l2-tbt","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["41006.8","0.6","0","1"]],"bids":[],"ts":"1629966436396","checksum":5}]}""",
            """{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","askPx":"9999.99","askSz":"11","bidPx":"9999.5","bidSz":"2","ts":"1597026383085"}]}""",
            """{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"}]}""",
            """{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"}}""",
        ];
        long checkedPositions = 0;
        foreach (var shape in shapes)
        {
            byte[] original = Encoding.ASCII.GetBytes(shape);
            batch.Clear();
            Assert.NotEqual(RejectReason.InvalidUtf8, parser.Parse(original, FrameSource.WebSocket, null, 0, batch).Reason);
            foreach (byte bad in new byte[] { 0xFF, 0x80 })
            {
                for (int i = 0; i < original.Length; i++)
                {
                    byte[] mutated = (byte[])original.Clone();
                    mutated[i] = bad;
                    batch.Clear();
                    var result = parser.Parse(mutated, FrameSource.WebSocket, null, 0, batch);
                    Assert.True(result == ParseResult.Reject(RejectReason.InvalidUtf8), $"{shape} with 0x{bad:X2} at {i}: {result}");
                    Assert.Equal(0, batch.Count);
                    checkedPositions++;
                }
            }
            // A valid non-ASCII character in the first string: same answer as the reference path alone.
            int quote = shape.IndexOf('"', 2);
            string accented = shape[..(quote + 1)] + "é" + shape[(quote + 1)..];
            var pair = NewPair();
            foreach (var f in frames.Take(400)) pair.Check(f.Payload, $"line {f.Line}");
            pair.Check(Encoding.UTF8.GetBytes(accented), accented);
        }
        output.WriteLine($"{checkedPositions} mutated frames rejected as InvalidUtf8");
    }

    [Fact]
    public void HandWrittenShapes_FastPathEqualsReference()
    {
        string[] frames =
        [
            // 0: first sighting (reference registers), then the same instrument on the fast path.
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["41006.8","0.60038921","0","1"],["41007","1","0","2"]],"bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396","checksum":-1290946519,"prevSeqId":-1,"seqId":123}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["41006.8","0","0","0"]],"bids":[],"ts":"1629966436397","checksum":0,"prevSeqId":123,"seqId":124}]}""",
            """{"arg":{"channel":"books-l2-tbt","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["41006.3","0.5","0","2"]],"ts":"1629966436398","checksum":17}]}""",
            """{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{"asks":[["41006.8","0.6","0","1"]],"bids":[["41006.3","0.3","0","2"]],"instId":"BTC-USDT","ts":"1629966436396"}]}""",
            """{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{"asks":[["41006.8","0.6","0","1"]],"bids":[["41006.3","0.3","0","2"]],"ts":"1629966436396"}]}""",
            """{"arg":{"channel":"books50-l2-tbt","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[],"bids":[],"ts":"1","checksum":1},{"asks":[["1","2","0","1"]],"bids":[],"ts":"2","checksum":2}]}""",
            // Deviations: whitespace, reordered top-level keys, escapes, numbers, checksums out of range, bad action, empty data.
            """{"arg":{"channel":"books","instId":"BTC-USDT"}, "action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":1}]}""",
            """{"action":"update","arg":{"channel":"books","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[],"ts":"1","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-US\u0044T"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["-1","1","0","1"]],"bids":[],"ts":"1","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":2147483648}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"01","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"partial","data":[{"asks":[],"bids":[],"ts":"1","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"asks":[],"ts":"1","checksum":1}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1","1",0,"1"]],"bids":[],"ts":1,"checksum":-0}]}""",
            """{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":1}]} """,
            """{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}}""",
            """{"event":"error","code":"60012","msg":"Invalid request"}""",
            // 19-: tickers and trades (the instrument is known by now), an ack without arg, and their deviations.
            """{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","askPx":"9999.99","askSz":"11","bidPx":"","bidSz":"","ts":"1597026383085"}]}""",
            """{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"},{"instId":"BTC-USDT","tradeId":"130639475","px":"42220","sz":"1","side":"sell","ts":"1630048897898"}]}""",
            """{"event":"unsubscribe"}""",
            """{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{}]}""",
            """{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":42219.9,"sz":"1","side":"buy","ts":"1"}]}""",
            """{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":"42219.9","sz":"1","side":"buyer","ts":"1"}]}""",
            """{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":"42219.9","sz":"1","ts":"1"}]}""",
            """{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"bidPx":"1","bidPx":"2","ts":"1"}]}""",
            """{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"bidPx":"1","vol24h":7,"ts":"1"}]}""",
            """{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":"a4d3ae55"}""",
        ];
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output);
        Assert.Equal([1, 2, 3, 4, 5, 17, 19, 20, 21, 22], fast);
    }
    /// <summary>
    /// OKX's eight-bytes-per-step number reader against the shared one-pass reader it stands in front of
    /// (<see cref="FastEngine.Adapters.Venues.Common.SpanScan.TryPlainDecimalToQuote"/>): every text it accepts gets that
    /// reader's value, decimals and end, at every scale. Texts: 0 to 20 integer digits, none or a '.' with 0 to 20
    /// fraction digits, leading zeros, OKX's long ELON-USDT forms, followed by the level's tail or the frame's end.
    /// </summary>
    [Fact]
    public void TryNumberWords_RandomTexts_SameAnswerAsSpanScan()
    {
        var random = new Random(20261122);
        int accepted = 0, compared = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var text = new StringBuilder("\"");
            int integerDigits = random.Next(0, 21), fractionDigits = random.Next(0, 21);
            for (int i = 0; i < integerDigits; i++) text.Append((char)('0' + (random.Next(3) == 0 ? 0 : random.Next(10))));
            if (random.Next(4) != 0) text.Append('.');
            for (int i = 0; i < fractionDigits; i++) text.Append((char)('0' + random.Next(10)));
            if (random.Next(20) == 0) text.Append('x');
            text.Append(random.Next(3) switch { 0 => "\",\"0\",\"1\"]],\"bids\":[]}]}", 1 => "\"}", _ => "\",\"1\",\"0\",\"12\"],[\"2\",\"3\",\"0\",\"1\"]]" });
            byte[] frame = Encoding.ASCII.GetBytes(text.ToString());
            for (int scale = 0; scale <= 18; scale++)
            {
                bool ours = OkxParser.TryNumberWords(frame, 1, scale, out long value, out byte decimals, out int end);
                compared++;
                if (!ours) continue;
                accepted++;
                Assert.True(FastEngine.Adapters.Venues.Common.SpanScan.TryPlainDecimalToQuote(frame, 1, scale, out long expected, out byte expectedDecimals, out int expectedEnd),
                    $"{Encoding.ASCII.GetString(frame)} scale {scale}: accepted only by the word reader");
                Assert.Equal((expected, expectedDecimals, expectedEnd), (value, decimals, end));
            }
        }
        output.WriteLine($"{compared} text/scale pairs, {accepted} accepted by the word reader");
        Assert.True(accepted > compared / 20); // the generator does reach the accepted forms (about 9 %)
    }

    [Theory]
    [InlineData("0.00000074717", 11, 74717L, 11)]
    [InlineData("4038943392", 8, 403894339200000000L, 0)]
    [InlineData("41006.8", 8, 4100680000000L, 1)]
    [InlineData("123456789012345.1234", 4, 0L, -1)] // 20 characters: not this reader's text
    public void TryNumberWords_OkxTexts_DocumentedValues(string number, int scale, long mantissa, int decimals)
    {
        byte[] frame = Encoding.ASCII.GetBytes("\"" + number + "\",\"0\",\"1\"]],\"ts\":\"1\"}]}");
        bool ok = OkxParser.TryNumberWords(frame, 1, scale, out long value, out byte actualDecimals, out int end);
        if (decimals < 0)
        {
            Assert.False(ok);
            return;
        }
        Assert.True(ok);
        Assert.Equal((mantissa, decimals, number.Length + 2), (value, (int)actualDecimals, end));
    }

    /// <summary>
    /// 200 instruments (more than the parser's 64 symbol slots, so slots are shared and overwritten) interleaved:
    /// after each symbol's first sighting (the reference path registers it) every push takes the fast path and gets the
    /// same events as the reference path, i.e. the right instrument; a symbol never registered still falls back.
    /// </summary>
    [Fact]
    public void ManySymbols_SlotCacheSharedSlots_FastPathEqualsReference()
    {
        var symbols = Enumerable.Range(0, 200).Select(i => $"C{i}{(char)('A' + i % 26)}-USDT").ToArray();
        var frames = new List<string>();
        foreach (var s in symbols)
            frames.Add($$"""{"arg":{"channel":"books-l2-tbt","instId":"{{s}}"},"action":"snapshot","data":[{"asks":[["2.5","1","0","1"]],"bids":[["1.5","2","0","1"]],"ts":"1","checksum":0}]}""");
        var expectedFast = new List<int>();
        for (int round = 0; round < 3; round++)
            for (int i = 0; i < symbols.Length; i++)
            {
                int k = (i * 7 + round) % symbols.Length;
                expectedFast.Add(frames.Count);
                frames.Add($$"""{"arg":{"channel":"books-l2-tbt","instId":"{{symbols[k]}}"},"action":"update","data":[{"asks":[["2.{{k}}","3","0","1"]],"bids":[],"ts":"2","checksum":0}]}""");
            }
        frames.Add("""{"arg":{"channel":"books-l2-tbt","instId":"NEVER-SEEN"},"action":"update","data":[{"asks":[],"bids":[],"ts":"2","checksum":0}]}""");
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output);
        Assert.Equal(expectedFast, fast);
    }
}
