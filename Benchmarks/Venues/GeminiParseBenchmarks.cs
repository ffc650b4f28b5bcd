using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Gemini;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Gemini market data v2: the 2021 capture (993 frames: 10 full books, 925 updates, 51 trades, 7 heartbeats; XFree86,
/// read from ../shared) parsed + applied to books, per frame; beside System.Text.Json deserialization into classes
/// applied to SortedDictionary&lt;decimal,decimal&gt; books. The FastEngine rows run the parser's span fast path; the
/// "Utf8JsonReader path" rows the same parser with ForceReference (the path every frame took before the fast path).
/// </summary>
[MemoryDiagnoser]
public class GeminiParseBenchmarks
{
    private const int Frames = 993;
    private readonly VenueCaptureFrames _frames;
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _keeper;
    private readonly MarketEventBatch _batch = new();
    private readonly GeminiParser _parser;
    private readonly GeminiParser _parseOnlyParser;
    // The same work with the span fast path off (every frame through the Utf8JsonReader path), on its own registry and books.
    private readonly InstrumentRegistry _referenceRegistry = new();
    private readonly BookKeeper _referenceKeeper;
    private readonly GeminiParser _referenceParser;
    private readonly GeminiParser _referenceParseOnlyParser;

    public GeminiParseBenchmarks()
    {
        VenueCatalog.EnsureRegistered();
        _frames = VenueCaptureFrames.ReadLegacy(VenueCaptureFrames.SharedCapture("gemini", "v2_l2_10sym_2021-04-17.legacy.txt"));
        if (_frames.Payloads.Length != Frames) throw new InvalidOperationException($"expected {Frames} frames, got {_frames.Payloads.Length}");
        _keeper = new BookKeeper(_registry);
        _keeper.SetSpec(VenueCatalog.Gemini, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini));
        _parser = new GeminiParser(VenueCatalog.Gemini, _registry);
        _parseOnlyParser = new GeminiParser(VenueCatalog.Gemini, _registry);
        _referenceKeeper = new BookKeeper(_referenceRegistry);
        _referenceKeeper.SetSpec(VenueCatalog.Gemini, new GeminiAdapter().SyncSpec(VenueCatalog.Gemini));
        _referenceParser = new GeminiParser(VenueCatalog.Gemini, _referenceRegistry) { ForceReference = true };
        _referenceParseOnlyParser = new GeminiParser(VenueCatalog.Gemini, _referenceRegistry) { ForceReference = true };
        FastEngineParseAndBook();
        ReferencePathParseAndBook();
        var ours = VenueCaptureFrames.TopOfBooks(_keeper, _registry);
        VenueCaptureFrames.AssertSame(ours, VenueCaptureFrames.TopOfBooks(_referenceKeeper, _referenceRegistry));
        var books = new Dictionary<string, DecimalBook>();
        RunBaseline(books);
        VenueCaptureFrames.AssertSame(ours, new(books.ToDictionary(kv => "gemini:" + kv.Key, kv => kv.Value.Top), StringComparer.Ordinal));
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse + BookKeeper")]
    public long FastEngineParseAndBook()
    {
        // Each replay starts as a fresh subscription: the first l2_updates per symbol is its full book again.
        ExpectSnapshots(_parser, _registry);
        return VenueBenchFrames.ParseAndBook(_parser, _keeper, _frames.Payloads, _batch, 1);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse only")]
    public long FastEngineParseOnly()
    {
        ExpectSnapshots(_parseOnlyParser, _registry);
        return VenueBenchFrames.ParseOnly(_parseOnlyParser, _frames.Payloads, _batch, 1);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse + BookKeeper, Utf8JsonReader path (ForceReference)")]
    public long ReferencePathParseAndBook()
    {
        ExpectSnapshots(_referenceParser, _referenceRegistry);
        return VenueBenchFrames.ParseAndBook(_referenceParser, _referenceKeeper, _frames.Payloads, _batch, 1);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "FastEngine parse only, Utf8JsonReader path (ForceReference)")]
    public long ReferencePathParseOnly()
    {
        ExpectSnapshots(_referenceParseOnlyParser, _referenceRegistry);
        return VenueBenchFrames.ParseOnly(_referenceParseOnlyParser, _frames.Payloads, _batch, 1);
    }

    /// <summary>The next l2_updates of every symbol of <paramref name="registry"/> is a full book again (once per replay).</summary>
    private static void ExpectSnapshots(GeminiParser parser, InstrumentRegistry registry)
    {
        for (int i = 0; i < registry.Count; i++) parser.ExpectSnapshot(new InstrumentId(i));
    }

    private readonly Dictionary<string, DecimalBook> _baselineBooks = new();

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "JsonSerializer + SortedDictionary<decimal,decimal>")]
    public decimal JsonSerializerBaseline()
    {
        foreach (var b in _baselineBooks.Values) b.Clear();
        return RunBaseline(_baselineBooks);
    }

    private decimal RunBaseline(Dictionary<string, DecimalBook> books)
    {
        decimal checksum = 0;
        foreach (var payload in _frames.Payloads)
        {
            var msg = JsonSerializer.Deserialize<GeminiMessage>(payload)!;
            switch (msg.Type)
            {
                case "l2_updates":
                    if (!books.TryGetValue(msg.Symbol!, out var book)) books[msg.Symbol!] = book = new DecimalBook();
                    foreach (var c in msg.Changes!)
                        book.Set(c[0] == "buy", decimal.Parse(c[1], CultureInfo.InvariantCulture), decimal.Parse(c[2], CultureInfo.InvariantCulture));
                    break;
                case "trade":
                    checksum += decimal.Parse(msg.Price!, CultureInfo.InvariantCulture) + decimal.Parse(msg.Quantity!, CultureInfo.InvariantCulture);
                    break;
            }
        }
        return checksum;
    }

    public sealed class GeminiMessage
    {
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("symbol")] public string? Symbol { get; set; }
        [JsonPropertyName("changes")] public List<string[]>? Changes { get; set; }
        [JsonPropertyName("price")] public string? Price { get; set; }
        [JsonPropertyName("quantity")] public string? Quantity { get; set; }
        [JsonPropertyName("side")] public string? Side { get; set; }
        [JsonPropertyName("event_id")] public long EventId { get; set; }
        [JsonPropertyName("timestamp")] public long Timestamp { get; set; }
    }
}
