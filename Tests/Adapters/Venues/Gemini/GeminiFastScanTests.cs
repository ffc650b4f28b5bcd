using System.Runtime.InteropServices;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Gemini;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Gemini;

/// <summary>
/// The span fast path of <see cref="GeminiParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult (status and reject reason), events (every byte of every field) and parser counters over every frame of
/// the in-repo 2021 fixture and the shared 2026 capture (when ../shared is present; alphabetical keys, auction_events,
/// trades arrays with tid), with the first l2_updates of each symbol replayed again as a full book; over one-byte
/// mutations and truncations of real frames of each shape; and hand-written deviations. No frame falls back to the
/// reference path once its symbol was registered, and the fast path allocates nothing per frame after warm-up.
/// </summary>
public sealed class GeminiFastScanTests(ITestOutputHelper output)
{
    private const string SharedFile = "v2_l2_10sym_2026-08-09.envelope.jsonl";
    private static string FixturePath => Fixture.Path("Gemini", "v2_l2_10sym_2021-04-17.legacy.txt");

    private sealed class Pair
    {
        public readonly InstrumentRegistry FastRegistry = new(), ReferenceRegistry = new();
        public readonly GeminiParser Fast, Reference;
        public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();

        public Pair()
        {
            Fast = new GeminiParser(VenueCatalog.Gemini, FastRegistry);
            Reference = new GeminiParser(VenueCatalog.Gemini, ReferenceRegistry) { ForceReference = true };
        }

        /// <summary>The next l2_updates of every known symbol is a full book again, on both parsers.</summary>
        public void ExpectSnapshots()
        {
            Assert.Equal(ReferenceRegistry.Count, FastRegistry.Count);
            for (int i = 0; i < FastRegistry.Count; i++)
            {
                Fast.ExpectSnapshot(new InstrumentId(i));
                Reference.ExpectSnapshot(new InstrumentId(i));
            }
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
            Assert.Equal(ReferenceRegistry.Count, FastRegistry.Count);
            return fr;
        }
    }

    private static string Head(byte[] payload) => Encoding.UTF8.GetString(payload, 0, Math.Min(200, payload.Length));

    private void BothPasses(List<RawFrame> frames, string name, int expectedSnapshots)
    {
        var pair = new Pair();
        foreach (var f in frames) pair.Check(f.Payload, $"{name} line {f.Line}");
        long firstPass = pair.Fast.FastFallbacks;
        pair.ExpectSnapshots(); // the second pass starts with every symbol's full book again, now on the fast path
        long fallbacks = 0, snapshots = 0, levels = 0;
        foreach (var f in frames)
        {
            long before = pair.Fast.FastFallbacks;
            pair.Check(f.Payload, $"{name} second pass line {f.Line}");
            foreach (var e in pair.FastBatch.Events)
            {
                if (e.Kind == MarketEventKind.BookHeader && e.IsSnapshot) snapshots++;
                if (e.Kind == MarketEventKind.BookLevel) levels++;
            }
            if (pair.Fast.FastFallbacks == before) continue;
            fallbacks++;
            output.WriteLine($"fallback: line {f.Line} {Head(f.Payload)}");
        }
        output.WriteLine($"{name}: {frames.Count} frames, rejects {pair.Reference.Counters.Rejected}, fallbacks first pass {firstPass}, " +
                         $"second pass {fallbacks}; second pass {snapshots} snapshots, {levels} levels");
        Assert.Equal(0, pair.Reference.Counters.Rejected);
        Assert.Equal(expectedSnapshots, snapshots);
        Assert.Equal(0, fallbacks);
        Assert.True(firstPass <= expectedSnapshots, $"first pass fallbacks {firstPass}: only first sightings should fall back");
    }

    [Fact]
    public void Fixture2021_FastPathEqualsReference_AndNothingFallsBackOnceSymbolsAreKnown() =>
        BothPasses(RawCapture.Received(FixturePath), "fixture 2021", 10);

    [Fact]
    public void SharedCapture2026_FastPathEqualsReference_AndNothingFallsBackOnceSymbolsAreKnown()
    {
        var path = RawCapture.SharedOrSkip(output, "gemini", SharedFile);
        if (path is null) return;
        BothPasses(RawCapture.Received(path), "shared 2026", 10);
    }

    private static readonly byte[] MutationBytes =
        "\",}]0x\\ -.[:e1"u8.ToArray().Concat(new byte[] { 0x01, 0x7F, 0xFF, (byte)'b', (byte)'s' }).ToArray();

    /// <summary>Frames of every shape in a capture: the first 30 updates under 1,500 bytes, the first trades and
    /// heartbeats, and the smallest first-of-symbol l2_updates (full book) carrying a non-empty trades array and an
    /// auction_events array.</summary>
    private static List<RawFrame> Sample(List<RawFrame> frames)
    {
        bool Has(RawFrame f, string s) => Encoding.ASCII.GetString(f.Payload).Contains(s, StringComparison.Ordinal);
        return frames.Where(f => f.Payload.Length < 1500).Take(30)
            .Concat(frames.Where(f => Has(f, "\"type\":\"trade\"") && !Has(f, "l2_updates")).Take(3))
            .Concat(frames.Where(f => Has(f, "heartbeat")).Take(2))
            .Concat(frames.Where(f => Has(f, "\"trades\":[{")).OrderBy(f => f.Payload.Length).Take(1))
            .Concat(frames.Where(f => Has(f, "\"auction_events\":[")).OrderBy(f => f.Payload.Length).Take(1))
            .Distinct().ToList();
    }

    private void Mutate(List<RawFrame> frames, string name)
    {
        var pair = new Pair();
        foreach (var f in frames) pair.Check(f.Payload, $"{name} line {f.Line}"); // registers the symbols
        var sample = Sample(frames);
        long mutations = 0, cuts = 0, fallbacksBefore = pair.Fast.FastFallbacks, rejectsBefore = pair.Reference.Counters.Rejected;
        foreach (var f in sample)
        {
            var payload = (byte[])f.Payload.Clone();
            int n = payload.Length;
            // Large full books: the head (type, symbol, first levels) and the tail (last levels, trades, type).
            var positions = n <= 600 ? Enumerable.Range(0, n) : Enumerable.Range(0, 300).Concat(Enumerable.Range(n - 300, 300));
            foreach (int i in positions.Distinct())
            {
                byte original = payload[i];
                foreach (byte b in MutationBytes)
                {
                    if (b == original) continue;
                    payload[i] = b;
                    pair.Check(payload, $"{name} line {f.Line} byte {i} '{(char)original}'->0x{b:X2}");
                    mutations++;
                }
                payload[i] = original;
            }
            for (int len = 0; len < n; len += len < 300 || len > n - 300 ? 1 : Math.Max(1, n / 60))
            {
                pair.Check(payload.AsSpan(0, len).ToArray(), $"{name} line {f.Line} cut {len}");
                cuts++;
            }
        }
        output.WriteLine($"{name}: {sample.Count} frames, {mutations} mutations + {cuts} truncations compared; " +
                         $"rejects {pair.Reference.Counters.Rejected - rejectsBefore}, fallbacks {pair.Fast.FastFallbacks - fallbacksBefore}");
        Assert.True(pair.Reference.Counters.Rejected - rejectsBefore > 1000); // the mutations did exercise the reject paths
        Assert.True(pair.Fast.Counters.Data > frames.Count); // and many mutated frames were still data (same events checked)
    }

    [Fact]
    public void Fixture2021_OneByteMutationsAndTruncations_FastPathEqualsReference() =>
        Mutate(RawCapture.Received(FixturePath), "fixture 2021");

    [Fact]
    public void SharedCapture2026_OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        var path = RawCapture.SharedOrSkip(output, "gemini", SharedFile);
        if (path is null) return;
        Mutate(RawCapture.Received(path), "shared 2026");
    }

    [Fact]
    public void HandWrittenShapes_FastPathEqualsReference()
    {
        string[] frames =
        [
            // 0: first sighting (the reference path registers), then the same symbol on the fast path.
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60646.46","0.2982"],["sell","60700.5","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60646.46","0"],["sell","60700.50","1.25"]]}""",
            """{"changes":[["sell","60701","0.0"]],"symbol":"BTCUSD","type":"l2_updates"}""",
            """{"auction_events":[],"changes":[],"symbol":"BTCUSD","trades":[{"event_id":1,"price":"1.5","quantity":"2","side":"buy","symbol":"BTCUSD","tid":2,"timestamp":3,"type":"trade"}],"type":"l2_updates"}""",
            """{"type":"trade","symbol":"BTCUSD","event_id":34359626684,"timestamp":1618677942606,"price":"62.0131","quantity":"8.79","side":"buy"}""",
            """{"event_id":1764525600736012,"price":"73.555","quantity":"2.0","side":"sell","symbol":"BTCUSD","tid":1893456010836639,"timestamp":1785982641619,"type":"trade"}""",
            """{"type":"heartbeat","timestamp":1618677942928}""",
            """{"timestamp":1786313195331,"type":"heartbeat"}""",
            """{"type":"trade","symbol":"BTCUSD","price":"1","quantity":"1","side":"sell"}""",
            // 9-: deviations the reference path decides (some accept, some reject).
            """{"type":"l2_updates", "symbol":"BTCUSD","changes":[]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","-1","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1","x"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["bid","1","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy",1,"1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.123456789","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.1234567890","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","99999999999.5","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1e3","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","12345678901234567890","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["b\u0075y","1","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]],"changes":[["sell","2","1"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]],"result":"error"}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]],"trades":[{"price":1.5}]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]],"trades":[{"tid":01}]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]],"trades":[{"tid":-1}]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]]} """,
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1"]]}}""",
            """{"type":"l2_updates","symbol":"ETHUSD","changes":[["buy","1","1"]]}""",
            """{"type":"candles_1m_updates","symbol":"BTCUSD","changes":[]}""",
            """{"type":"trade","symbol":"BTCUSD","tid":12345678901234567890,"price":"1","quantity":"1","side":"buy"}""",
            """{"type":"trade","symbol":"BTCUSD","tid":"123","price":"1","quantity":"1","side":"buy"}""",
            """{"type":"trade","symbol":"BTCUSD","timestamp":1234567890123456789,"price":"1","quantity":"1","side":"buy"}""",
            """{"type":"trade","symbol":"BTCUSD","price":"1","quantity":"1","side":"taker"}""",
            """{"type":"trade","symbol":"BTCUSD","price":"1","quantity":"1"}""",
            """{"type":"heartbeat","timestamp":"1"}""",
            """{"result":"error","reason":"InvalidJson"}""",
            """{"changes":[["buy","1","1"]],"symbol":"BTCUSD","type":"trade","price":"1","quantity":"1","side":"buy"}""",
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
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], fast);
    }

    [Fact]
    public void Fixture2021_FastPathParseAndBook_AllocatesNothingPerFrame()
    {
        VenueCatalog.EnsureRegistered();
        var frames = RawCapture.Received(FixturePath).Select(f => f.Payload).ToArray();
        var registry = new InstrumentRegistry();
        var keeper = new BookKeeper(registry);
        keeper.SetSpec(VenueCatalog.Gemini, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini));
        var parser = new GeminiParser(VenueCatalog.Gemini, registry);
        var batch = new MarketEventBatch();
        void Pass()
        {
            for (int i = 0; i < registry.Count; i++) parser.ExpectSnapshot(new InstrumentId(i));
            foreach (var payload in frames)
            {
                batch.Clear();
                parser.Parse(payload, FrameSource.WebSocket, null, 1, batch);
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++) keeper.OnEvent(ref events[i]);
            }
        }
        Pass();
        Pass(); // warm-up: symbols registered, books and batch at their full size
        long fallbacks = parser.FastFallbacks;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{frames.Length} frames: {bytes} bytes allocated, fallbacks {parser.FastFallbacks - fallbacks}");
        Assert.Equal(fallbacks, parser.FastFallbacks); // every frame of the measured pass took the fast path
        Assert.Equal(0, bytes);
    }
}
