using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Okx;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Parse + book update of the real OKX capture fixture (1,796 frames: books-l2-tbt snapshots/updates, tickers, trades, acks):
/// FastEngine's <see cref="OkxParser"/> + <see cref="BookKeeper"/> (which also verifies every OKX checksum) against
/// System.Text.Json's JsonSerializer into plain classes applied to SortedDictionary&lt;decimal, decimal&gt; books.
/// One operation = one frame.
/// </summary>
[MemoryDiagnoser]
public class OkxParseBenchmarks
{
    private const string Fixture = "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt";
    private byte[][] _frames = [];
    private OkxParser _parser = null!;
    private BookKeeper _keeper = null!;
    private InstrumentRegistry _registry = null!;
    private readonly MarketEventBatch _batch = new();
    private IFrameParser _plainParser = null!;
    private BookKeeper _plainKeeper = null!;
    private IFrameParser _referenceParser = null!;
    private BookKeeper _referenceKeeper = null!;
    private readonly Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)> _books = new();
    private readonly Dictionary<string, (SortedDictionary<decimal, TextLevel> Bids, SortedDictionary<decimal, TextLevel> Asks)> _checkedBooks = new();
    private long _baselineChecksumOk, _baselineChecksumBad;

    public int Frames => _frames.Length;
    public long Bytes => _frames.Sum(f => (long)f.Length);

    [GlobalSetup]
    public void Setup()
    {
        _frames = VenueBenchFrames.Load("Okx", Fixture);
        _registry = new InstrumentRegistry();
        _keeper = new BookKeeper(_registry);
        _keeper.SetSpec(VenueCatalog.Okx, OkxAdapter.BookSpec);
        _parser = new OkxParser(VenueCatalog.Okx, _registry);
        // Same parser and book, checksum verification off: the work the JsonSerializer baseline does.
        var plainRegistry = new InstrumentRegistry();
        _plainKeeper = new BookKeeper(plainRegistry);
        _plainKeeper.SetSpec(VenueCatalog.Okx, OkxAdapter.BookSpec with { Checksum = ChecksumKind.None });
        _plainParser = new OkxParser(VenueCatalog.Okx, plainRegistry);
        // As FastEngineWithoutChecksum, but every frame through the Utf8JsonReader path (the span fast path off).
        var referenceRegistry = new InstrumentRegistry();
        _referenceKeeper = new BookKeeper(referenceRegistry);
        _referenceKeeper.SetSpec(VenueCatalog.Okx, OkxAdapter.BookSpec with { Checksum = ChecksumKind.None });
        _referenceParser = new OkxParser(VenueCatalog.Okx, referenceRegistry) { ForceReference = true };
        FastEngine();
        FastEngineWithoutChecksum();
        FastEngineReferencePathWithoutChecksum();
        JsonSerializerBaseline();
        JsonSerializerWithChecksum();
        CrossCheck();
    }

    /// <summary>Both variants end with the same best bid/ask on every book, and FastEngine matched every OKX checksum.</summary>
    private void CrossCheck()
    {
        var stats = _keeper.StatsOf(VenueCatalog.Okx);
        if (stats.ChecksumBad != 0 || stats.ChecksumOk == 0) throw new InvalidOperationException($"OKX checksums: ok={stats.ChecksumOk} bad={stats.ChecksumBad}");
        foreach (var (symbol, book) in _books)
        {
            _registry.TryGet(VenueCatalog.Okx, System.Text.Encoding.UTF8.GetBytes(symbol), out var id);
            var ours = _keeper.TryGetBook(VenueCatalog.Okx, id) ?? throw new InvalidOperationException($"no book for {symbol}");
            var inst = _registry[id];
            string ourBid = ours.Bids.IsEmpty ? "-" : FixedPoint.Format(ours.Bids.Best.Price, inst.PriceScale);
            string ourAsk = ours.Asks.IsEmpty ? "-" : FixedPoint.Format(ours.Asks.Best.Price, inst.PriceScale);
            string theirBid = book.Bids.Count == 0 ? "-" : book.Bids.Keys.Max().ToString(CultureInfo.InvariantCulture);
            string theirAsk = book.Asks.Count == 0 ? "-" : book.Asks.Keys.Min().ToString(CultureInfo.InvariantCulture);
            if (decimal.Parse(ourBid == "-" ? "0" : ourBid, CultureInfo.InvariantCulture) != decimal.Parse(theirBid == "-" ? "0" : theirBid, CultureInfo.InvariantCulture)
                || decimal.Parse(ourAsk == "-" ? "0" : ourAsk, CultureInfo.InvariantCulture) != decimal.Parse(theirAsk == "-" ? "0" : theirAsk, CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"{symbol}: FastEngine {ourBid}/{ourAsk} vs JsonSerializer {theirBid}/{theirAsk}");
        }
        if (_books.Count == 0) throw new InvalidOperationException("baseline built no book");
        // The checksum baseline must have matched OKX's own value on every checksummed message, as FastEngine did.
        if (_baselineChecksumBad != 0 || _baselineChecksumOk != stats.ChecksumOk)
            throw new InvalidOperationException($"checksum baseline: ok={_baselineChecksumOk} bad={_baselineChecksumBad}, FastEngine ok={stats.ChecksumOk}");
    }

    [Benchmark(OperationsPerInvoke = 1796)]
    public int FastEngine()
    {
        return (int)VenueBenchFrames.ParseAndBook(_parser, _keeper, _frames, _batch, 0);
    }

    /// <summary>Parse + book update without the venue checksum (apples to apples with the baseline).</summary>
    [Benchmark(OperationsPerInvoke = 1796)]
    public int FastEngineWithoutChecksum()
    {
        return (int)VenueBenchFrames.ParseAndBook(_plainParser, _plainKeeper, _frames, _batch, 0);
    }

    /// <summary>FastEngineWithoutChecksum with the parser's span fast path off (Utf8JsonReader for every frame).</summary>
    [Benchmark(OperationsPerInvoke = 1796)]
    public int FastEngineReferencePathWithoutChecksum()
    {
        return (int)VenueBenchFrames.ParseAndBook(_referenceParser, _referenceKeeper, _frames, _batch, 0);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 1796)]
    public int JsonSerializerBaseline()
    {
        int levels = 0;
        foreach (var frame in _frames)
        {
            if (frame.Length == 4) continue; // "pong"
            var msg = JsonSerializer.Deserialize<OkxMessage>(frame);
            if (msg?.Data is null || msg.Arg?.Channel is null || !msg.Arg.Channel.StartsWith("books", StringComparison.Ordinal)) continue;
            if (!_books.TryGetValue(msg.Arg.InstId!, out var book))
                _books[msg.Arg.InstId!] = book = (new SortedDictionary<decimal, decimal>(), new SortedDictionary<decimal, decimal>());
            foreach (var d in msg.Data)
            {
                if (msg.Action == "snapshot") { book.Bids.Clear(); book.Asks.Clear(); }
                levels += Apply(book.Bids, d.Bids) + Apply(book.Asks, d.Asks);
            }
        }
        return levels;
    }

    /// <summary>
    /// The baseline plus OKX checksum verification the usual way: the original strings kept per level, the checksum
    /// text built by string concatenation of the best 25 bids/asks (<c>bidPx:bidSz:askPx:askSz:…</c>), CRC-32 of its
    /// UTF-8 bytes compared with the message's signed value. Bids sort descending so the best 25 are the first 25.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 1796)]
    public int JsonSerializerWithChecksum()
    {
        int levels = 0;
        foreach (var frame in _frames)
        {
            if (frame.Length == 4) continue; // "pong"
            var msg = JsonSerializer.Deserialize<OkxMessage>(frame);
            if (msg?.Data is null || msg.Arg?.Channel is null || !msg.Arg.Channel.StartsWith("books", StringComparison.Ordinal)) continue;
            if (!_checkedBooks.TryGetValue(msg.Arg.InstId!, out var book))
                _checkedBooks[msg.Arg.InstId!] = book = (new SortedDictionary<decimal, TextLevel>(Descending.Instance), new SortedDictionary<decimal, TextLevel>());
            foreach (var d in msg.Data)
            {
                if (msg.Action == "snapshot") { book.Bids.Clear(); book.Asks.Clear(); }
                levels += Apply(book.Bids, d.Bids) + Apply(book.Asks, d.Asks);
                if (d.Checksum is long expected && expected != 0)
                {
                    var parts = new List<string>(100);
                    using var bid = book.Bids.Values.GetEnumerator();
                    using var ask = book.Asks.Values.GetEnumerator();
                    for (int i = 0; i < 25; i++)
                    {
                        if (bid.MoveNext()) { parts.Add(bid.Current.Px); parts.Add(bid.Current.Sz); }
                        if (ask.MoveNext()) { parts.Add(ask.Current.Px); parts.Add(ask.Current.Sz); }
                    }
                    string text = string.Join(":", parts);
                    int crc = unchecked((int)Crc32.Compute(System.Text.Encoding.UTF8.GetBytes(text)));
                    if (crc == expected) _baselineChecksumOk++; else _baselineChecksumBad++;
                }
            }
        }
        return levels;
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

    public sealed class OkxMessage
    {
        [JsonPropertyName("event")] public string? Event { get; set; }
        [JsonPropertyName("arg")] public OkxArg? Arg { get; set; }
        [JsonPropertyName("action")] public string? Action { get; set; }
        [JsonPropertyName("data")] public List<OkxBookData>? Data { get; set; }
    }

    public sealed class OkxArg
    {
        [JsonPropertyName("channel")] public string? Channel { get; set; }
        [JsonPropertyName("instId")] public string? InstId { get; set; }
    }

    public sealed class OkxBookData
    {
        [JsonPropertyName("asks")] public List<List<string>>? Asks { get; set; }
        [JsonPropertyName("bids")] public List<List<string>>? Bids { get; set; }
        [JsonPropertyName("ts")] public string? Ts { get; set; }
        [JsonPropertyName("checksum")] public long? Checksum { get; set; }
    }
}
