using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Bybit;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Bybit v5: the 2026 capture (3,227 frames on a linear and a spot connection: orderbook.200 snapshots + 2,142 deltas,
/// tickers with funding/mark/index, trades, klines) parsed + applied to books, per frame; beside System.Text.Json
/// deserialization into classes applied to SortedDictionary&lt;decimal,decimal&gt; books and a per-symbol ticker cache.
/// Reads the AGPL capture from ../shared at run time.
/// </summary>
[MemoryDiagnoser]
public class BybitParseBenchmarks
{
    internal const int Frames = 3227;
    private readonly VenueCaptureFrames _frames;
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly MarketEventBatch _batch = new();
    private readonly BybitParser[] _parsers;
    private readonly BybitParser[] _parseOnlyParsers;
    private readonly BybitParser[] _referenceParsers;
    private readonly string[] _venueNames;

    public BybitParseBenchmarks()
    {
        VenueCatalog.EnsureRegistered();
        _frames = VenueCaptureFrames.ReadEnvelope(VenueCaptureFrames.SharedCapture("bybit", "v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl"));
        if (_frames.Payloads.Length != Frames) throw new InvalidOperationException($"expected {Frames} frames, got {_frames.Payloads.Length}");
        var adapter = new BybitAdapter();
        _keeper = new BookKeeper(_registry);
        var venues = _frames.ConnectionUrls.Select(u => VenueCatalog.TryInferFromUrl(u, out var v) ? v : throw new InvalidOperationException(u)).ToArray();
        foreach (var v in venues) _keeper.SetSpec(v, adapter.SyncSpec(v));
        _parsers = venues.Select(v => new BybitParser(v, _registry)).ToArray();
        _parseOnlyParsers = venues.Select(v => new BybitParser(v, _registry)).ToArray();
        _referenceParsers = venues.Select(v => new BybitParser(v, _registry) { ForceReference = true }).ToArray();
        _venueNames = venues.Select(v => VenueNames.NameOf(v)).ToArray();
        FastEngineParseAndBook();
        var ours = VenueCaptureFrames.TopOfBooks(_keeper, _registry);
        var books = new Dictionary<string, DecimalBook>();
        RunBaseline(books, new Dictionary<string, BybitTicker>());
        VenueCaptureFrames.AssertSame(ours, new(books.ToDictionary(kv => kv.Key, kv => kv.Value.Top), StringComparer.Ordinal));
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse + BookKeeper")]
    public long FastEngineParseAndBook()
    {
        long events = 0;
        var payloads = _frames.Payloads;
        var connection = _frames.Connection;
        for (int f = 0; f < payloads.Length; f++)
        {
            _batch.Clear();
            _parsers[connection[f]].Parse(payloads[f], FrameSource.WebSocket, null, 1, _batch);
            var span = _batch.Events;
            for (int i = 0; i < span.Length; i++) _keeper.OnEvent(ref span[i]);
            events += span.Length;
        }
        return events;
    }

    /// <summary>
    /// The events one pass of <see cref="FastEngineParseAndBook"/> feeds the book keeper (parsed by the parse-only
    /// parsers, whose state the book never sees), and that keeper: for replaying the book side alone
    /// (OrderBooks.BookReplayBenchmarks).
    /// </summary>
    internal (MarketEvent[] Events, BookKeeper Keeper, InstrumentRegistry Registry) BookEvents()
    {
        var events = new List<MarketEvent>();
        var payloads = _frames.Payloads;
        var connection = _frames.Connection;
        for (int f = 0; f < payloads.Length; f++)
        {
            _batch.Clear();
            _parseOnlyParsers[connection[f]].Parse(payloads[f], FrameSource.WebSocket, null, 1, _batch);
            events.AddRange(_batch.Events.ToArray());
        }
        return (events.ToArray(), _keeper, _registry);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse only")]
    public long FastEngineParseOnly() => ParseOnly(_parseOnlyParsers);

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse only, Utf8JsonReader path (ForceReference)")]
    public long FastEngineParseOnlyReference() => ParseOnly(_referenceParsers);

    /// <summary>Every frame through its connection's parser from <paramref name="parsers"/>, no book.</summary>
    private long ParseOnly(BybitParser[] parsers)
    {
        long events = 0;
        var payloads = _frames.Payloads;
        var connection = _frames.Connection;
        for (int f = 0; f < payloads.Length; f++)
        {
            _batch.Clear();
            parsers[connection[f]].Parse(payloads[f], FrameSource.WebSocket, null, 1, _batch);
            events += _batch.Count;
        }
        return events;
    }

    private readonly Dictionary<string, DecimalBook> _baselineBooks = new();
    private readonly Dictionary<string, BybitTicker> _baselineTickers = new();

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "JsonSerializer + SortedDictionary<decimal,decimal>")]
    public decimal JsonSerializerBaseline() => RunBaseline(_baselineBooks, _baselineTickers);

    private decimal RunBaseline(Dictionary<string, DecimalBook> books, Dictionary<string, BybitTicker> tickers)
    {
        decimal checksum = 0;
        for (int f = 0; f < _frames.Payloads.Length; f++)
        {
            var msg = JsonSerializer.Deserialize<BybitMessage>(_frames.Payloads[f])!;
            if (msg.Topic is null || msg.Data.ValueKind == JsonValueKind.Undefined) continue;
            string venue = _venueNames[_frames.Connection[f]];
            if (msg.Topic.StartsWith("orderbook.", StringComparison.Ordinal))
            {
                var data = msg.Data.Deserialize<BybitBookData>()!;
                string key = venue + ":" + data.Symbol;
                if (!books.TryGetValue(key, out var book)) books[key] = book = new DecimalBook();
                if (msg.Type == "snapshot" || data.U == 1) book.Clear();
                foreach (var l in data.Bids!) book.Set(true, decimal.Parse(l[0], CultureInfo.InvariantCulture), decimal.Parse(l[1], CultureInfo.InvariantCulture));
                foreach (var l in data.Asks!) book.Set(false, decimal.Parse(l[0], CultureInfo.InvariantCulture), decimal.Parse(l[1], CultureInfo.InvariantCulture));
            }
            else if (msg.Topic.StartsWith("tickers.", StringComparison.Ordinal))
            {
                var t = msg.Data.Deserialize<BybitTicker>()!;
                string key = venue + ":" + t.Symbol;
                if (!tickers.TryGetValue(key, out var kept)) tickers[key] = kept = new BybitTicker();
                // Deltas carry only changed fields: merge into the kept values, then read the complete set.
                kept.Bid1Price = t.Bid1Price ?? kept.Bid1Price; kept.Bid1Size = t.Bid1Size ?? kept.Bid1Size;
                kept.Ask1Price = t.Ask1Price ?? kept.Ask1Price; kept.Ask1Size = t.Ask1Size ?? kept.Ask1Size;
                kept.MarkPrice = t.MarkPrice ?? kept.MarkPrice; kept.IndexPrice = t.IndexPrice ?? kept.IndexPrice;
                kept.FundingRate = t.FundingRate ?? kept.FundingRate; kept.NextFundingTime = t.NextFundingTime ?? kept.NextFundingTime;
                foreach (var s in new[] { kept.Bid1Price, kept.Bid1Size, kept.Ask1Price, kept.Ask1Size, kept.MarkPrice, kept.IndexPrice, kept.FundingRate })
                    if (s is not null) checksum += decimal.Parse(s, CultureInfo.InvariantCulture);
            }
            else if (msg.Topic.StartsWith("publicTrade.", StringComparison.Ordinal))
            {
                foreach (var t in msg.Data.Deserialize<List<BybitTrade>>()!)
                    checksum += decimal.Parse(t.Price!, CultureInfo.InvariantCulture) + decimal.Parse(t.Size!, CultureInfo.InvariantCulture);
            }
        }
        return checksum;
    }

    public sealed class BybitMessage
    {
        [JsonPropertyName("topic")] public string? Topic { get; set; }
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("ts")] public long Ts { get; set; }
        [JsonPropertyName("data")] public JsonElement Data { get; set; }
    }

    public sealed class BybitBookData
    {
        [JsonPropertyName("s")] public string? Symbol { get; set; }
        [JsonPropertyName("b")] public List<string[]>? Bids { get; set; }
        [JsonPropertyName("a")] public List<string[]>? Asks { get; set; }
        [JsonPropertyName("u")] public long U { get; set; }
        [JsonPropertyName("seq")] public long Seq { get; set; }
    }

    public sealed class BybitTicker
    {
        [JsonPropertyName("symbol")] public string? Symbol { get; set; }
        [JsonPropertyName("bid1Price")] public string? Bid1Price { get; set; }
        [JsonPropertyName("bid1Size")] public string? Bid1Size { get; set; }
        [JsonPropertyName("ask1Price")] public string? Ask1Price { get; set; }
        [JsonPropertyName("ask1Size")] public string? Ask1Size { get; set; }
        [JsonPropertyName("markPrice")] public string? MarkPrice { get; set; }
        [JsonPropertyName("indexPrice")] public string? IndexPrice { get; set; }
        [JsonPropertyName("fundingRate")] public string? FundingRate { get; set; }
        [JsonPropertyName("nextFundingTime")] public string? NextFundingTime { get; set; }
    }

    public sealed class BybitTrade
    {
        [JsonPropertyName("s")] public string? Symbol { get; set; }
        [JsonPropertyName("S")] public string? Side { get; set; }
        [JsonPropertyName("p")] public string? Price { get; set; }
        [JsonPropertyName("v")] public string? Size { get; set; }
        [JsonPropertyName("i")] public string? Id { get; set; }
    }
}
