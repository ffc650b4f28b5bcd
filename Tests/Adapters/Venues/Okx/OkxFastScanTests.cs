using System.Runtime.InteropServices;
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
    private sealed class Pair
    {
        public readonly OkxParser Fast, Reference;
        public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();

        public Pair()
        {
            Fast = new OkxParser(VenueCatalog.Okx, new InstrumentRegistry());
            Reference = new OkxParser(VenueCatalog.Okx, new InstrumentRegistry()) { ForceReference = true };
        }

        public ParseResult Check(byte[] payload, string what)
        {
            FastBatch.Clear();
            ReferenceBatch.Clear();
            // A non-empty batch before the call: the fast path must leave the caller's events alone when it falls back.
            FastBatch.Add().Sequence = 42;
            ReferenceBatch.Add().Sequence = 42;
            var fr = Fast.Parse(payload, FrameSource.WebSocket, null, 7, FastBatch);
            var rr = Reference.Parse(payload, FrameSource.WebSocket, null, 7, ReferenceBatch);
            Assert.True(rr == fr, $"{what}: result {fr} vs reference {rr}");
            var fb = MemoryMarshal.AsBytes(FastBatch.Events);
            var rb = MemoryMarshal.AsBytes(ReferenceBatch.Events);
            Assert.True(fb.SequenceEqual(rb), $"{what}: events differ ({FastBatch.Count} vs {ReferenceBatch.Count})");
            Assert.Equal(Reference.Counters.Data, Fast.Counters.Data);
            Assert.Equal(Reference.Counters.Control, Fast.Counters.Control);
            Assert.Equal(Reference.Counters.Rejected, Fast.Counters.Rejected);
            return fr;
        }
    }

    private static bool IsBook(byte[] payload)
    {
        var head = Encoding.ASCII.GetString(payload, 0, Math.Min(40, payload.Length));
        return head.StartsWith("{\"arg\":{\"channel\":\"books", StringComparison.Ordinal);
    }

    private void BothPasses(List<RawFrame> frames, string name)
    {
        var pair = new Pair();
        long books = 0;
        foreach (var f in frames)
        {
            pair.Check(f.Payload, $"{name} line {f.Line}");
            if (IsBook(f.Payload)) books++;
        }
        long firstPass = pair.Fast.FastFallbacks;
        long bookFallbacks = 0, otherFallbacks = 0;
        foreach (var f in frames)
        {
            long before = pair.Fast.FastFallbacks;
            pair.Check(f.Payload, $"{name} second pass line {f.Line}");
            if (pair.Fast.FastFallbacks == before) continue;
            if (IsBook(f.Payload))
            {
                bookFallbacks++;
                output.WriteLine($"book fallback: line {f.Line} {Encoding.UTF8.GetString(f.Payload)[..Math.Min(200, f.Payload.Length)]}");
            }
            else otherFallbacks++;
        }
        output.WriteLine($"{name}: {frames.Count} frames ({books} book pushes), rejects {pair.Reference.Counters.Rejected}, " +
                         $"fallbacks first pass {firstPass}, second pass {bookFallbacks} book + {otherFallbacks} other channels/acks");
        Assert.True(books > 0);
        Assert.Equal(0, pair.Reference.Counters.Rejected);
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
        var pair = new Pair();
        foreach (var f in frames) pair.Check(f.Payload, $"line {f.Line}"); // registers the instruments
        // The first 40 frames and the first few of each book kind (snapshot and update).
        var sample = frames.Take(40)
            .Concat(frames.Where(f => IsBook(f.Payload)).GroupBy(f => Encoding.ASCII.GetString(f.Payload, 0, Math.Min(90, f.Payload.Length)).Contains("snapshot")).SelectMany(g => g.Take(3)))
            .Distinct().ToList();
        long mutations = 0, fastBefore = pair.Fast.FastFallbacks;
        foreach (var f in sample)
        {
            var payload = (byte[])f.Payload.Clone();
            int n = payload.Length;
            var positions = n <= 700 ? Enumerable.Range(0, n)
                : Enumerable.Range(0, 700).Concat(Enumerable.Range(n - 100, 100));
            foreach (int i in positions.Distinct())
            {
                byte original = payload[i];
                foreach (byte b in MutationBytes)
                {
                    if (b == original) continue;
                    payload[i] = b;
                    pair.Check(payload, $"line {f.Line} byte {i} '{(char)original}'->0x{b:X2}");
                    mutations++;
                }
                payload[i] = original;
            }
            for (int len = 0; len < n; len += len < 300 ? 1 : 7) pair.Check(payload.AsSpan(0, len).ToArray(), $"line {f.Line} cut {len}");
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.Reference.Counters.Rejected}, fallbacks {pair.Fast.FastFallbacks - fastBefore}");
        Assert.True(pair.Reference.Counters.Rejected > 0); // the mutations did exercise the reject paths
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
        var pair = new Pair();
        var fast = new List<int>();
        for (int i = 0; i < frames.Length; i++)
        {
            long before = pair.Fast.FastFallbacks;
            var result = pair.Check(Encoding.UTF8.GetBytes(frames[i]), $"frame {i}");
            if (pair.Fast.FastFallbacks == before) fast.Add(i);
            output.WriteLine($"{i}: {result} {(pair.Fast.FastFallbacks == before ? "fast" : "reference")}");
        }
        Assert.Equal([1, 2, 3, 4, 5, 17, 19, 20, 21, 22], fast);
    }
}
