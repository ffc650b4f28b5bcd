using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Kraken;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Parse + book update of the real Kraken v1 book capture (2,276 frames, 5 pairs, depth 1000): FastEngine's
/// <see cref="KrakenParser"/> + <see cref="BookKeeper"/> (verifying every Kraken CRC-32 and truncating to depth 1000)
/// against JsonSerializer into plain classes applied to SortedDictionary&lt;decimal, decimal&gt; books (also truncated).
/// One operation = one frame.
/// </summary>
[MemoryDiagnoser]
public class KrakenParseBenchmarks
{
    private const string Fixture = "spot_v1_book1000_5pairs_2021-04-17.legacy.txt";
    private const int Depth = 1000;
    private byte[][] _frames = [];
    private KrakenParser _parser = null!;
    private BookKeeper _keeper = null!;
    private InstrumentRegistry _registry = null!;
    private readonly MarketEventBatch _batch = new();
    private IFrameParser _plainParser = null!;
    private BookKeeper _plainKeeper = null!;
    private IFrameParser _referenceParser = null!;
    private BookKeeper _referenceKeeper = null!;
    private KrakenParser _parseOnlyParser = null!;
    private KrakenParser _parseOnlyReferenceParser = null!;
    private readonly Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)> _books = new();
    private readonly Dictionary<string, (SortedDictionary<decimal, TextLevel> Bids, SortedDictionary<decimal, TextLevel> Asks)> _checkedBooks = new();
    private long _baselineChecksumOk, _baselineChecksumBad;

    [GlobalSetup]
    public void Setup()
    {
        _frames = VenueBenchFrames.Load("Kraken", Fixture);
        _registry = new InstrumentRegistry();
        _keeper = new BookKeeper(_registry);
        _keeper.SetSpec(VenueCatalog.Kraken, KrakenAdapter.BookSpec(Depth));
        _parser = new KrakenParser(VenueCatalog.Kraken, _registry);
        // Same parser and book, checksum verification off: the work the JsonSerializer baseline does.
        var plainRegistry = new InstrumentRegistry();
        _plainKeeper = new BookKeeper(plainRegistry);
        _plainKeeper.SetSpec(VenueCatalog.Kraken, KrakenAdapter.BookSpec(Depth) with { Checksum = ChecksumKind.None });
        _plainParser = new KrakenParser(VenueCatalog.Kraken, plainRegistry);
        // As FastEngineWithoutChecksum, but every frame through the Utf8JsonReader path (the span fast path off).
        var referenceRegistry = new InstrumentRegistry();
        _referenceKeeper = new BookKeeper(referenceRegistry);
        _referenceKeeper.SetSpec(VenueCatalog.Kraken, KrakenAdapter.BookSpec(Depth) with { Checksum = ChecksumKind.None });
        _referenceParser = new KrakenParser(VenueCatalog.Kraken, referenceRegistry) { ForceReference = true };
        _parseOnlyParser = new KrakenParser(VenueCatalog.Kraken, new InstrumentRegistry());
        _parseOnlyReferenceParser = new KrakenParser(VenueCatalog.Kraken, new InstrumentRegistry()) { ForceReference = true };
        FastEngine();
        FastEngineWithoutChecksum();
        FastEngineReferencePathWithoutChecksum();
        ParseOnly();
        ParseOnlyReferencePath();
        JsonSerializerBaseline();
        JsonSerializerWithChecksum();
        CrossCheck();
    }

    private void CrossCheck()
    {
        var stats = _keeper.StatsOf(VenueCatalog.Kraken);
        if (stats.ChecksumBad != 0 || stats.ChecksumOk == 0) throw new InvalidOperationException($"Kraken checksums: ok={stats.ChecksumOk} bad={stats.ChecksumBad}");
        // The checksum baseline must have matched Kraken's own value on every checksummed message, as FastEngine did.
        if (_baselineChecksumBad != 0 || _baselineChecksumOk != stats.ChecksumOk)
            throw new InvalidOperationException($"checksum baseline: ok={_baselineChecksumOk} bad={_baselineChecksumBad}, FastEngine ok={stats.ChecksumOk}");
        if (_books.Count != 5) throw new InvalidOperationException($"baseline built {_books.Count} books");
        foreach (var (pair, book) in _books)
        {
            _registry.TryGet(VenueCatalog.Kraken, System.Text.Encoding.UTF8.GetBytes(pair), out var id);
            var ours = _keeper.TryGetBook(VenueCatalog.Kraken, id)!;
            var inst = _registry[id];
            decimal ourBid = decimal.Parse(FixedPoint.Format(ours.Bids.Best.Price, inst.PriceScale), CultureInfo.InvariantCulture);
            decimal ourAsk = decimal.Parse(FixedPoint.Format(ours.Asks.Best.Price, inst.PriceScale), CultureInfo.InvariantCulture);
            if (ourBid != book.Bids.Keys.Max() || ourAsk != book.Asks.Keys.Min() || ours.Bids.Count != book.Bids.Count || ours.Asks.Count != book.Asks.Count)
                throw new InvalidOperationException($"{pair}: FastEngine {ourBid}/{ourAsk} vs JsonSerializer {book.Bids.Keys.Max()}/{book.Asks.Keys.Min()}");
        }
    }

    [Benchmark(OperationsPerInvoke = 2276)]
    public int FastEngine()
    {
        return (int)VenueBenchFrames.ParseAndBook(_parser, _keeper, _frames, _batch, 0);
    }

    /// <summary>Parse + book update without the venue checksum (apples to apples with the baseline).</summary>
    [Benchmark(OperationsPerInvoke = 2276)]
    public int FastEngineWithoutChecksum()
    {
        return (int)VenueBenchFrames.ParseAndBook(_plainParser, _plainKeeper, _frames, _batch, 0);
    }

    /// <summary>FastEngineWithoutChecksum with the parser's span fast path off (Utf8JsonReader for every frame).</summary>
    [Benchmark(OperationsPerInvoke = 2276)]
    public int FastEngineReferencePathWithoutChecksum()
    {
        return (int)VenueBenchFrames.ParseAndBook(_referenceParser, _referenceKeeper, _frames, _batch, 0);
    }

    /// <summary>The parser alone (no book): how the time splits between parsing and the book update.</summary>
    [Benchmark(OperationsPerInvoke = 2276)]
    public int ParseOnly()
    {
        return (int)VenueBenchFrames.ParseOnly(_parseOnlyParser, _frames, _batch, 0);
    }

    /// <summary>The parser alone with the span fast path off.</summary>
    [Benchmark(OperationsPerInvoke = 2276)]
    public int ParseOnlyReferencePath()
    {
        return (int)VenueBenchFrames.ParseOnly(_parseOnlyReferenceParser, _frames, _batch, 0);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 2276)]
    public int JsonSerializerBaseline()
    {
        int levels = 0;
        foreach (var frame in _frames)
        {
            if (frame[0] != (byte)'[') { JsonSerializer.Deserialize<KrakenEvent>(frame); continue; }
            var items = JsonSerializer.Deserialize<JsonElement[]>(frame)!;
            string pair = items[^1].GetString()!;
            if (!_books.TryGetValue(pair, out var book))
                _books[pair] = book = (new SortedDictionary<decimal, decimal>(), new SortedDictionary<decimal, decimal>());
            for (int i = 1; i < items.Length - 2; i++)
            {
                var dict = items[i].Deserialize<KrakenBookDict>()!;
                if (dict.SnapshotAsks is not null || dict.SnapshotBids is not null) { book.Bids.Clear(); book.Asks.Clear(); }
                levels += Apply(book.Asks, dict.SnapshotAsks ?? dict.Asks) + Apply(book.Bids, dict.SnapshotBids ?? dict.Bids);
            }
            Truncate(book.Bids, best: k => k.Reverse());
            Truncate(book.Asks, best: k => k);
        }
        return levels;
    }

    /// <summary>
    /// The baseline plus Kraken checksum verification the usual way: the original strings kept per level, the best 10
    /// asks then the best 10 bids concatenated with '.' removed and leading zeros stripped (string operations), CRC-32
    /// of the UTF-8 bytes compared with the message's <c>c</c>. Bids sort descending so the best 10 are the first 10.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2276)]
    public int JsonSerializerWithChecksum()
    {
        int levels = 0;
        foreach (var frame in _frames)
        {
            if (frame[0] != (byte)'[') { JsonSerializer.Deserialize<KrakenEvent>(frame); continue; }
            var items = JsonSerializer.Deserialize<JsonElement[]>(frame)!;
            string pair = items[^1].GetString()!;
            if (!_checkedBooks.TryGetValue(pair, out var book))
                _checkedBooks[pair] = book = (new SortedDictionary<decimal, TextLevel>(Descending.Instance), new SortedDictionary<decimal, TextLevel>());
            string? checksum = null;
            for (int i = 1; i < items.Length - 2; i++)
            {
                var dict = items[i].Deserialize<KrakenBookDict>()!;
                if (dict.SnapshotAsks is not null || dict.SnapshotBids is not null) { book.Bids.Clear(); book.Asks.Clear(); }
                levels += Apply(book.Asks, dict.SnapshotAsks ?? dict.Asks) + Apply(book.Bids, dict.SnapshotBids ?? dict.Bids);
                checksum ??= dict.Checksum;
            }
            Truncate(book.Bids);
            Truncate(book.Asks);
            if (checksum is null) continue;
            var text = new System.Text.StringBuilder();
            foreach (var l in book.Asks.Values.Take(ChecksumLevels)) text.Append(Digits(l.Px)).Append(Digits(l.Sz));
            foreach (var l in book.Bids.Values.Take(ChecksumLevels)) text.Append(Digits(l.Px)).Append(Digits(l.Sz));
            uint crc = Crc32.Compute(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
            if (crc == uint.Parse(checksum, CultureInfo.InvariantCulture)) _baselineChecksumOk++; else _baselineChecksumBad++;
        }
        return levels;
    }

    private const int ChecksumLevels = 10;

    private static string Digits(string text) => text.Replace(".", "", StringComparison.Ordinal).TrimStart('0');

    /// <summary>Keeps the best <see cref="Depth"/> levels (the first ones: each side sorts best-first).</summary>
    private static void Truncate(SortedDictionary<decimal, TextLevel> side)
    {
        if (side.Count <= Depth) return;
        foreach (var k in side.Keys.Skip(Depth).ToList()) side.Remove(k);
    }

    private static int Apply(SortedDictionary<decimal, TextLevel> side, List<List<string>>? levels)
    {
        if (levels is null) return 0;
        foreach (var l in levels)
        {
            decimal px = decimal.Parse(l[0], CultureInfo.InvariantCulture), sz = decimal.Parse(l[1], CultureInfo.InvariantCulture);
            if (sz == 0) side.Remove(px); else side[px] = new TextLevel(sz, l[0], l[1]);
        }
        return levels.Count;
    }

    /// <summary>A level of the checksum baseline: the size and the venue's original strings.</summary>
    public readonly record struct TextLevel(decimal Size, string Px, string Sz);

    private sealed class Descending : IComparer<decimal>
    {
        public static readonly Descending Instance = new();
        public int Compare(decimal x, decimal y) => y.CompareTo(x);
    }

    private static void Truncate(SortedDictionary<decimal, decimal> side, Func<IEnumerable<decimal>, IEnumerable<decimal>> best)
    {
        if (side.Count <= Depth) return;
        foreach (var k in best(side.Keys).Skip(Depth).ToList()) side.Remove(k);
    }

    private static int Apply(SortedDictionary<decimal, decimal> side, List<List<string>>? levels)
    {
        if (levels is null) return 0;
        foreach (var l in levels)
        {
            decimal px = decimal.Parse(l[0], CultureInfo.InvariantCulture), sz = decimal.Parse(l[1], CultureInfo.InvariantCulture);
            if (sz == 0) side.Remove(px); else side[px] = sz;
        }
        return levels.Count;
    }

    public sealed class KrakenEvent
    {
        [JsonPropertyName("event")] public string? Event { get; set; }
        [JsonPropertyName("status")] public string? Status { get; set; }
    }

    public sealed class KrakenBookDict
    {
        [JsonPropertyName("as")] public List<List<string>>? SnapshotAsks { get; set; }
        [JsonPropertyName("bs")] public List<List<string>>? SnapshotBids { get; set; }
        [JsonPropertyName("a")] public List<List<string>>? Asks { get; set; }
        [JsonPropertyName("b")] public List<List<string>>? Bids { get; set; }
        [JsonPropertyName("c")] public string? Checksum { get; set; }
    }
}
