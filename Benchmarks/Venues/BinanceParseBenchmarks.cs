using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Parse + book update of a real Binance spot capture (BTCUSDT 2024-08-08: depth@100ms, bookTicker, trade and one
/// 1000-level REST snapshot), per frame: FastEngine's <see cref="BinanceParser"/> + <see cref="BookKeeper"/> versus the
/// usual way, System.Text.Json's JsonSerializer into plain classes applied to SortedDictionary&lt;decimal, decimal&gt;
/// books with the same documented sync (buffer, snapshot, bridge, U/u chain). Each invocation replays the whole file as
/// a new connection. The constructor checks that both end with the same best bid/ask.
/// </summary>
[MemoryDiagnoser]
public class BinanceParseBenchmarks
{
    private readonly (byte[] Payload, FrameSource Source)[] _frames;
    private readonly long _bytes;

    // FastEngine
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly BinanceParser _parser;
    private readonly MarketEventBatch _batch = new();

    // Baseline
    private readonly SerializerBook _baseline = new();

    public BinanceParseBenchmarks()
    {
        string path = LocateFixture("spot_btcusdt_2024-08-08_first3000.tsns.txt");
        var frames = new List<(byte[], FrameSource)>();
        foreach (var line in File.ReadLines(path))
        {
            int sp = line.IndexOf(' ');
            if (sp <= 0) continue;
            string payload = line[(sp + 1)..];
            bool rest = payload.Contains("\"lastUpdateId\"") && !payload.Contains("\"stream\"");
            frames.Add((Encoding.UTF8.GetBytes(payload), rest ? FrameSource.Rest : FrameSource.WebSocket));
        }
        _frames = frames.ToArray();
        if (_frames.Length != Frames) throw new InvalidOperationException($"expected {Frames} frames, read {_frames.Length}");
        _bytes = _frames.Sum(f => (long)f.Payload.Length);
        _keeper = new BookKeeper(_registry);
        _keeper.SetSpec(VenueCatalog.Binance, BinanceAdapter.BookSync);
        _parser = new BinanceParser(VenueCatalog.Binance, _registry, BinanceAdapter.SpotStreamUrl);

        FastEngineParseAndApply();
        long fallbacks = _parser.FastFallbacks; // the symbol's first sighting registers it on the reference path
        FastEngineParseAndApply();
        if (_parser.FastFallbacks != fallbacks)
            throw new InvalidOperationException($"fast path fell back {_parser.FastFallbacks - fallbacks} times on a warm pass");
        SerializerParseAndApply();
        var book = _keeper.Books.Single();
        var instrument = _registry[book.Instrument];
        decimal ours(long m) => decimal.Parse(FixedPoint.Format(m, instrument.PriceScale), CultureInfo.InvariantCulture);
        decimal oursSize(long m) => decimal.Parse(FixedPoint.Format(m, instrument.QuantityScale), CultureInfo.InvariantCulture);
        var (bid, bidSize, ask, askSize) = _baseline.Top();
        if (!book.IsSynced || ours(book.Bids.Best.Price) != bid || oursSize(book.Bids.Best.Size) != bidSize
            || ours(book.Asks.Best.Price) != ask || oursSize(book.Asks.Best.Size) != askSize || _baseline.Gaps != 0)
            throw new InvalidOperationException($"variants disagree: ours {book}, baseline {bid}x{bidSize} / {ask}x{askSize}, gaps {_baseline.Gaps}");
        Console.WriteLine($"// {_frames.Length} frames, {_bytes} bytes ({_bytes / (double)_frames.Length:F0} B/frame); best bid/ask agree: {bid} / {ask}");
    }

    public const int Frames = 3000;

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames)]
    public decimal SerializerParseAndApply()
    {
        _baseline.Reset();
        foreach (var (payload, _) in _frames) _baseline.Apply(payload);
        return _baseline.Top().Bid;
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public long FastEngineParseAndApply()
    {
        // A new connection per pass: its books wait for the snapshot again.
        _batch.Clear();
        _parser.Invalidate(_batch, InvalidateReason.Resubscribed, 0);
        foreach (ref var e in _batch.Events) _keeper.OnEvent(ref e);
        var frames = _frames;
        for (int i = 0; i < frames.Length; i++)
        {
            _batch.Clear();
            _parser.Parse(frames[i].Payload, frames[i].Source, null, i, _batch);
            var events = _batch.Events;
            for (int k = 0; k < events.Length; k++) _keeper.OnEvent(ref events[k]);
        }
        return _batch.Count;
    }

    /// <summary>
    /// The events one pass of <see cref="FastEngineParseAndApply"/> feeds the book keeper (the new connection's
    /// invalidation first), and that keeper: for replaying the book side alone (OrderBooks.BookReplayBenchmarks).
    /// </summary>
    internal (MarketEvent[] Events, BookKeeper Keeper, InstrumentRegistry Registry) BookEvents()
    {
        var events = new List<MarketEvent>();
        _batch.Clear();
        _parser.Invalidate(_batch, InvalidateReason.Resubscribed, 0);
        events.AddRange(_batch.Events.ToArray());
        for (int i = 0; i < _frames.Length; i++)
        {
            _batch.Clear();
            _parser.Parse(_frames[i].Payload, _frames[i].Source, null, i, _batch);
            events.AddRange(_batch.Events.ToArray());
        }
        return (events.ToArray(), _keeper, _registry);
    }

    /// <summary>Parsing alone (no book): what the venue parser costs per frame.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public int FastEngineParseOnly()
    {
        var frames = _frames;
        int events = 0;
        for (int i = 0; i < frames.Length; i++)
        {
            _batch.Clear();
            _parser.Parse(frames[i].Payload, frames[i].Source, null, i, _batch);
            events += _batch.Count;
        }
        return events;
    }

    /// <summary><see cref="FastEngineParseAndApply"/> with the parser's span fast path off (every frame through the
    /// Utf8JsonReader path): the before/after of the fast scanner measured in the same run.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public long ReferencePathParseAndApply()
    {
        _parser.ForceReference = true;
        try { return FastEngineParseAndApply(); }
        finally { _parser.ForceReference = false; }
    }

    /// <summary><see cref="FastEngineParseOnly"/> through the Utf8JsonReader path.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public int ReferencePathParseOnly()
    {
        _parser.ForceReference = true;
        try { return FastEngineParseOnly(); }
        finally { _parser.ForceReference = false; }
    }

    private static string LocateFixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "Tests", "Fixtures", "Binance", name);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"Tests/Fixtures/Binance/{name} not found above {AppContext.BaseDirectory}");
    }

    // ------------------------------------------------------------------ baseline: the usual System.Text.Json way

    public sealed class Envelope
    {
        [JsonPropertyName("stream")] public string? Stream { get; set; }
        [JsonPropertyName("data")] public JsonElement Data { get; set; }
    }

    public sealed class DepthUpdate
    {
        [JsonPropertyName("e")] public string? EventType { get; set; }
        [JsonPropertyName("E")] public long EventTime { get; set; }
        [JsonPropertyName("s")] public string? Symbol { get; set; }
        [JsonPropertyName("U")] public long FirstUpdateId { get; set; }
        [JsonPropertyName("u")] public long FinalUpdateId { get; set; }
        [JsonPropertyName("b")] public List<List<string>>? Bids { get; set; }
        [JsonPropertyName("a")] public List<List<string>>? Asks { get; set; }
    }

    public sealed class BookTicker
    {
        [JsonPropertyName("u")] public long UpdateId { get; set; }
        [JsonPropertyName("s")] public string? Symbol { get; set; }
        [JsonPropertyName("b")] public string? BidPrice { get; set; }
        [JsonPropertyName("B")] public string? BidQty { get; set; }
        [JsonPropertyName("a")] public string? AskPrice { get; set; }
        [JsonPropertyName("A")] public string? AskQty { get; set; }
    }

    public sealed class Trade
    {
        [JsonPropertyName("e")] public string? EventType { get; set; }
        [JsonPropertyName("E")] public long EventTime { get; set; }
        [JsonPropertyName("s")] public string? Symbol { get; set; }
        [JsonPropertyName("t")] public long TradeId { get; set; }
        [JsonPropertyName("p")] public string? Price { get; set; }
        [JsonPropertyName("q")] public string? Quantity { get; set; }
        [JsonPropertyName("T")] public long TradeTime { get; set; }
        [JsonPropertyName("m")] public bool BuyerIsMaker { get; set; }
    }

    public sealed class DepthSnapshot
    {
        [JsonPropertyName("lastUpdateId")] public long LastUpdateId { get; set; }
        [JsonPropertyName("bids")] public List<List<string>>? Bids { get; set; }
        [JsonPropertyName("asks")] public List<List<string>>? Asks { get; set; }
    }

    /// <summary>Same documented procedure as BookKeeper, written the straightforward way.</summary>
    private sealed class SerializerBook
    {
        private readonly SortedDictionary<decimal, decimal> _bids = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));
        private readonly SortedDictionary<decimal, decimal> _asks = new();
        private readonly List<DepthUpdate> _pending = new();
        private long _last = -1, _snapshotId = -1;
        private bool _synced;
        public int Gaps, BboChecked, BboMismatch, Trades;

        public void Reset()
        {
            _bids.Clear(); _asks.Clear(); _pending.Clear(); _last = -1; _snapshotId = -1; _synced = false;
        }

        public (decimal Bid, decimal BidSize, decimal Ask, decimal AskSize) Top()
        {
            var b = _bids.First(); var a = _asks.First();
            return (b.Key, b.Value, a.Key, a.Value);
        }

        public void Apply(byte[] payload)
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(payload)!;
            if (envelope.Stream is null)
            {
                var snapshot = JsonSerializer.Deserialize<DepthSnapshot>(payload)!;
                _bids.Clear(); _asks.Clear();
                Set(_bids, snapshot.Bids!); Set(_asks, snapshot.Asks!);
                _snapshotId = snapshot.LastUpdateId;
                _synced = false;
                foreach (var d in _pending) Diff(d);
                _pending.Clear();
                return;
            }
            if (envelope.Stream.EndsWith("@bookTicker", StringComparison.Ordinal))
            {
                var t = envelope.Data.Deserialize<BookTicker>()!;
                if (_synced && t.UpdateId == _last)
                {
                    BboChecked++;
                    var top = Top();
                    if (top != (decimal.Parse(t.BidPrice!, CultureInfo.InvariantCulture), decimal.Parse(t.BidQty!, CultureInfo.InvariantCulture),
                                decimal.Parse(t.AskPrice!, CultureInfo.InvariantCulture), decimal.Parse(t.AskQty!, CultureInfo.InvariantCulture)))
                        BboMismatch++;
                }
            }
            else if (envelope.Stream.EndsWith("@trade", StringComparison.Ordinal))
            {
                var t = envelope.Data.Deserialize<Trade>()!;
                if (decimal.Parse(t.Price!, CultureInfo.InvariantCulture) > 0) Trades++;
            }
            else
            {
                var d = envelope.Data.Deserialize<DepthUpdate>()!;
                if (_snapshotId < 0) _pending.Add(d);
                else Diff(d);
            }
        }

        private void Diff(DepthUpdate d)
        {
            if (!_synced)
            {
                if (d.FinalUpdateId <= _snapshotId) return;
                if (d.FirstUpdateId > _snapshotId + 1) { Gaps++; return; }
                _synced = true;
            }
            else if (d.FirstUpdateId != _last + 1) { Gaps++; _synced = false; return; }
            Set(_bids, d.Bids!); Set(_asks, d.Asks!);
            _last = d.FinalUpdateId;
        }

        private static void Set(SortedDictionary<decimal, decimal> side, List<List<string>> levels)
        {
            foreach (var l in levels)
            {
                decimal price = decimal.Parse(l[0], CultureInfo.InvariantCulture);
                decimal size = decimal.Parse(l[1], CultureInfo.InvariantCulture);
                if (size == 0) side.Remove(price);
                else side[price] = size;
            }
        }
    }
}
