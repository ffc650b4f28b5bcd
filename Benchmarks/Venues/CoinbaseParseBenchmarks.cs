using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Coinbase;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Coinbase Advanced Trade: the 2026 capture (631 frames, 8.9 MB, two 46,000/23,334-level snapshots, 460 updates,
/// tickers, trades) parsed + applied to books, per frame; beside System.Text.Json deserialization into classes applied
/// to SortedDictionary&lt;decimal,decimal&gt; books. Reads the AGPL capture from ../shared at run time.
/// </summary>
[MemoryDiagnoser]
public class CoinbaseParseBenchmarks
{
    private const int Frames = 631;
    private readonly VenueCaptureFrames _frames;
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly MarketEventBatch _batch = new();
    private readonly CoinbaseAdapter _adapter = new();
    private CoinbaseParser? _parser, _parseOnlyParser;
    private readonly InstrumentRegistry _referenceRegistry = new();
    private readonly BookKeeper _referenceKeeper;
    private CoinbaseParser? _referenceParser;

    public CoinbaseParseBenchmarks()
    {
        VenueCatalog.EnsureRegistered();
        _frames = VenueCaptureFrames.ReadEnvelope(VenueCaptureFrames.SharedCapture("coinbase", "advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl"));
        if (_frames.Payloads.Length != Frames) throw new InvalidOperationException($"expected {Frames} frames, got {_frames.Payloads.Length}");
        _keeper = new BookKeeper(_registry);
        _keeper.SetSpec(VenueCatalog.Coinbase, _adapter.SyncSpec(VenueCatalog.Coinbase));
        _referenceKeeper = new BookKeeper(_referenceRegistry);
        _referenceKeeper.SetSpec(VenueCatalog.Coinbase, _adapter.SyncSpec(VenueCatalog.Coinbase));
        // Cross-check: both variants (and the reference path) end with the same best bid/ask on every book.
        FastEngineParseAndBook();
        FastEngineReferencePathParseAndBook();
        var ours = VenueCaptureFrames.TopOfBooks(_keeper, _registry);
        VenueCaptureFrames.AssertSame(ours, VenueCaptureFrames.TopOfBooks(_referenceKeeper, _referenceRegistry));
        var baseline = new Dictionary<string, DecimalBook>();
        RunBaseline(baseline);
        VenueCaptureFrames.AssertSame(ours, new(baseline.ToDictionary(kv => "coinbase:" + kv.Key, kv => kv.Value.Top), StringComparer.Ordinal));
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse + BookKeeper")]
    public long FastEngineParseAndBook()
    {
        // One parser for all replays (no allocation): at each wrap sequence_num jumps 630 → 0, the parser invalidates
        // both books (cold path) and the snapshots 13 frames later re-sync them, as after a resubscribe.
        var parser = _parser ??= new CoinbaseParser(VenueCatalog.Coinbase, _registry);
        return VenueBenchFrames.ParseAndBook(parser, _keeper, _frames.Payloads, _batch, 1);
    }

    /// <summary>FastEngineParseAndBook with the parser's span fast path off (Utf8JsonReader for every frame).</summary>
    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse + BookKeeper, reference path (Utf8JsonReader)")]
    public long FastEngineReferencePathParseAndBook()
    {
        var parser = _referenceParser ??= new CoinbaseParser(VenueCatalog.Coinbase, _referenceRegistry) { ForceReference = true };
        return VenueBenchFrames.ParseAndBook(parser, _referenceKeeper, _frames.Payloads, _batch, 1);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse only")]
    public long FastEngineParseOnly()
    {
        var parser = _parseOnlyParser ??= new CoinbaseParser(VenueCatalog.Coinbase, _registry);
        return VenueBenchFrames.ParseOnly(parser, _frames.Payloads, _batch, 1);
    }

    private readonly Dictionary<string, DecimalBook> _baselineBooks = new();

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "JsonSerializer + SortedDictionary<decimal,decimal>")]
    public decimal JsonSerializerBaseline() => RunBaseline(_baselineBooks);

    private decimal RunBaseline(Dictionary<string, DecimalBook> books)
    {
        decimal checksum = 0;
        foreach (var payload in _frames.Payloads)
        {
            var msg = JsonSerializer.Deserialize<CbMessage>(payload)!;
            if (msg.Events is null) continue;
            foreach (var ev in msg.Events)
            {
                switch (msg.Channel)
                {
                    case "l2_data":
                        if (!books.TryGetValue(ev.ProductId!, out var book)) books[ev.ProductId!] = book = new DecimalBook();
                        if (ev.Type == "snapshot") book.Clear();
                        foreach (var u in ev.Updates!)
                            book.Set(u.Side == "bid", decimal.Parse(u.PriceLevel!, CultureInfo.InvariantCulture), decimal.Parse(u.NewQuantity!, CultureInfo.InvariantCulture));
                        break;
                    case "ticker":
                        foreach (var t in ev.Tickers!)
                            checksum += decimal.Parse(t.BestBid!, CultureInfo.InvariantCulture) + decimal.Parse(t.BestAsk!, CultureInfo.InvariantCulture)
                                + decimal.Parse(t.BestBidQuantity!, CultureInfo.InvariantCulture) + decimal.Parse(t.BestAskQuantity!, CultureInfo.InvariantCulture);
                        break;
                    case "market_trades" when ev.Type == "update":
                        foreach (var t in ev.Trades!)
                            checksum += decimal.Parse(t.Price!, CultureInfo.InvariantCulture) + decimal.Parse(t.Size!, CultureInfo.InvariantCulture);
                        break;
                }
            }
        }
        return checksum;
    }

    public sealed class CbMessage
    {
        [JsonPropertyName("channel")] public string? Channel { get; set; }
        [JsonPropertyName("timestamp")] public string? Timestamp { get; set; }
        [JsonPropertyName("sequence_num")] public long SequenceNum { get; set; }
        [JsonPropertyName("events")] public List<CbEvent>? Events { get; set; }
    }

    public sealed class CbEvent
    {
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("product_id")] public string? ProductId { get; set; }
        [JsonPropertyName("updates")] public List<CbUpdate>? Updates { get; set; }
        [JsonPropertyName("tickers")] public List<CbTicker>? Tickers { get; set; }
        [JsonPropertyName("trades")] public List<CbTrade>? Trades { get; set; }
    }

    public sealed class CbUpdate
    {
        [JsonPropertyName("side")] public string? Side { get; set; }
        [JsonPropertyName("event_time")] public string? EventTime { get; set; }
        [JsonPropertyName("price_level")] public string? PriceLevel { get; set; }
        [JsonPropertyName("new_quantity")] public string? NewQuantity { get; set; }
    }

    public sealed class CbTicker
    {
        [JsonPropertyName("product_id")] public string? ProductId { get; set; }
        [JsonPropertyName("best_bid")] public string? BestBid { get; set; }
        [JsonPropertyName("best_ask")] public string? BestAsk { get; set; }
        [JsonPropertyName("best_bid_quantity")] public string? BestBidQuantity { get; set; }
        [JsonPropertyName("best_ask_quantity")] public string? BestAskQuantity { get; set; }
    }

    public sealed class CbTrade
    {
        [JsonPropertyName("product_id")] public string? ProductId { get; set; }
        [JsonPropertyName("trade_id")] public string? TradeId { get; set; }
        [JsonPropertyName("price")] public string? Price { get; set; }
        [JsonPropertyName("size")] public string? Size { get; set; }
        [JsonPropertyName("side")] public string? Side { get; set; }
    }
}
