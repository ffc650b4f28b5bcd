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

    /// <summary>A pair that also compares the registries' sizes (both paths registered the same symbols).</summary>
    private static FastPathPair<GeminiParser> NewPair() =>
        new((registry, reference) => new GeminiParser(VenueCatalog.Gemini, registry) { ForceReference = reference }, p => p.Counters, p => p.FastFallbacks,
            (pair, _, _) => Assert.Equal(pair.ReferenceRegistry.Count, pair.FastRegistry.Count));

    /// <summary>The next l2_updates of every known symbol is a full book again, on both parsers.</summary>
    private static void ExpectSnapshots(FastPathPair<GeminiParser> pair)
    {
        Assert.Equal(pair.ReferenceRegistry.Count, pair.FastRegistry.Count);
        for (int i = 0; i < pair.FastRegistry.Count; i++)
        {
            pair.Fast.ExpectSnapshot(new InstrumentId(i));
            pair.Reference.ExpectSnapshot(new InstrumentId(i));
        }
    }

    private static string Head(byte[] payload) => Encoding.UTF8.GetString(payload, 0, Math.Min(200, payload.Length));

    private void BothPasses(List<RawFrame> frames, string name, int expectedSnapshots)
    {
        var pair = NewPair();
        long fallbacks = 0, snapshots = 0, levels = 0;
        // The second pass starts with every symbol's full book again, now on the fast path.
        long firstPass = pair.BothPasses(frames, name, (f, fellBack) =>
        {
            foreach (var e in pair.FastBatch.Events)
            {
                if (e.Kind == MarketEventKind.BookHeader && e.IsSnapshot) snapshots++;
                if (e.Kind == MarketEventKind.BookLevel) levels++;
            }
            if (!fellBack) return;
            fallbacks++;
            output.WriteLine($"fallback: line {f.Line} {Head(f.Payload)}");
        }, () => ExpectSnapshots(pair));
        output.WriteLine($"{name}: {frames.Count} frames, rejects {pair.ReferenceRejected}, fallbacks first pass {firstPass}, " +
                         $"second pass {fallbacks}; second pass {snapshots} snapshots, {levels} levels");
        Assert.Equal(0, pair.ReferenceRejected);
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
        var pair = NewPair();
        foreach (var f in frames) pair.Check(f.Payload, $"{name} line {f.Line}"); // registers the symbols
        var sample = Sample(frames);
        long mutations = 0, cuts = 0, fallbacksBefore = pair.FastFallbacks, rejectsBefore = pair.ReferenceRejected;
        foreach (var f in sample)
        {
            int n = f.Payload.Length;
            // Large full books: the head (type, symbol, first levels) and the tail (last levels, trades, type).
            mutations += pair.Mutate(f.Payload, $"{name} line {f.Line}", MutationBytes, FastPathEquivalence.HeadAndTail(n, 600, 300, 300));
            cuts += pair.Truncate(f.Payload, $"{name} line {f.Line}", len => len < 300 || len > n - 300 ? 1 : Math.Max(1, n / 60));
        }
        output.WriteLine($"{name}: {sample.Count} frames, {mutations} mutations + {cuts} truncations compared; " +
                         $"rejects {pair.ReferenceRejected - rejectsBefore}, fallbacks {pair.FastFallbacks - fallbacksBefore}");
        Assert.True(pair.ReferenceRejected - rejectsBefore > 1000); // the mutations did exercise the reject paths
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
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], fast);
    }

    [Fact]
    public void HandWrittenEightDigitFractions_FastPathEqualsReference()
    {
        // Sizes with 8 fraction digits (satoshis: 14% of the 2021 capture's sizes) leave the two-word read for the byte
        // loop; they and their neighbours (7 and 9 digits, 8 integer digits, a non-quote after the 8th digit) must
        // agree with the reference path.
        string[] frames =
        [
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60646.46","0.29820000"]]}""", // registers
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","60646.46","27310.08848918"],["sell","60700.5","0.00000001"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","1234567.12345678"],["sell","2","0.00000000"]]}""",
            """{"changes":[["sell","60701","9.87654321"],["buy","60700","0.1234567"]],"symbol":"BTCUSD","type":"l2_updates"}""",
            """{"type":"trade","symbol":"BTCUSD","event_id":1,"timestamp":2,"price":"60646.46","quantity":"0.12345678","side":"buy"}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1",".12345678"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","0.123456789"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","12345678.12345678"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","0.12345678x"]]}""",
            """{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1","0.12345678.1"]]}""",
        ];
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output);
        Assert.Equal([1, 2, 3, 4, 5, 7], fast); // 6: nine fraction digits exceed the size scale (8): PrecisionLoss
        // Every cut of an 8-digit-fraction frame, including those ending inside or right after the tail word.
        var eight = Encoding.UTF8.GetBytes(frames[1]);
        long cuts = pair.Truncate(eight, "frame 1", _ => 1);
        long mutations = pair.Mutate(eight, "frame 1", MutationBytes, Enumerable.Range(0, eight.Length));
        Assert.True(cuts > 100 && mutations > 1000);
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
