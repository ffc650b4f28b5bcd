using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// Loads received frames of a shared capture for the venue parse benchmarks. The AGPL captures are read from the
/// sibling <c>shared/captures</c> folder at run time and never copied into the repository.
/// </summary>
public sealed class VenueCaptureFrames
{
    public required byte[][] Payloads { get; init; }
    public required int[] Connection { get; init; }
    public required string[] ConnectionUrls { get; init; }
    public long TotalBytes => Payloads.Sum(p => (long)p.Length);

    public static string SharedCapture(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "captures"), Path.Combine(dir.FullName, "..", "shared", "captures") })
            {
                var path = Path.Combine([candidate, .. parts]);
                if (File.Exists(path)) return Path.GetFullPath(path);
            }
        }
        throw new FileNotFoundException($"shared/captures/{string.Join('/', parts)} not found (the benchmark reads it at run time; it is not bundled)");
    }

    /// <summary>Envelope (E) capture: <c>recv</c> frames with their connection.</summary>
    public static VenueCaptureFrames ReadEnvelope(string path)
    {
        var urls = new List<string>();
        var ids = new Dictionary<string, int>();
        var payloads = new List<byte[]>();
        var conns = new List<int>();
        foreach (var line in File.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string t = root.GetProperty("t").GetString()!;
            if (!root.TryGetProperty("conn", out var c)) continue;
            string conn = c.ToString();
            if (t == "connect") { ids[conn] = urls.Count; urls.Add(root.GetProperty("addr").GetString()!); }
            else if (t == "recv") { payloads.Add(Encoding.UTF8.GetBytes(root.GetProperty("data").GetString()!)); conns.Add(ids[conn]); }
        }
        return new VenueCaptureFrames { Payloads = payloads.ToArray(), Connection = conns.ToArray(), ConnectionUrls = urls.ToArray() };
    }

    /// <summary>Legacy (L) capture with one connection: received lines <c>T: PAYLOAD</c>.</summary>
    public static VenueCaptureFrames ReadLegacy(string path)
    {
        string url = "";
        var payloads = new List<byte[]>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Contains(" <-> ")) { url = line[..line.IndexOf(" <-> ", StringComparison.Ordinal)]; continue; }
            int sep = line.IndexOf(": ", StringComparison.Ordinal);
            if (sep < 0 || line[..sep].Contains(" <- ")) continue;
            payloads.Add(Encoding.UTF8.GetBytes(line[(sep + 2)..]));
        }
        return new VenueCaptureFrames { Payloads = payloads.ToArray(), Connection = new int[payloads.Count], ConnectionUrls = [url] };
    }

    /// <summary>Best bid/ask of every book as decimals (for the constructor cross-check between variants).</summary>
    public static SortedDictionary<string, (decimal Bid, decimal Ask)> TopOfBooks(BookKeeper keeper, InstrumentRegistry registry)
    {
        var result = new SortedDictionary<string, (decimal, decimal)>(StringComparer.Ordinal);
        foreach (var book in keeper.Books)
        {
            var inst = registry[book.Instrument];
            decimal bid = book.Bids.IsEmpty ? 0 : book.Bids.Best.Price / (decimal)FixedPoint.Pow10(inst.PriceScale);
            decimal ask = book.Asks.IsEmpty ? 0 : book.Asks.Best.Price / (decimal)FixedPoint.Pow10(inst.PriceScale);
            result[$"{VenueNames.NameOf(book.Venue)}:{registry.VenueSymbols(book.Venue, book.Instrument).First()}"] = (bid, ask);
        }
        return result;
    }

    public static void AssertSame(SortedDictionary<string, (decimal Bid, decimal Ask)> ours, SortedDictionary<string, (decimal Bid, decimal Ask)> baseline)
    {
        if (ours.Count != baseline.Count || ours.Any(kv => !baseline.TryGetValue(kv.Key, out var b) || b != kv.Value))
            throw new InvalidOperationException("cross-check failed: best bid/ask differ\nours: " + string.Join(", ", ours)
                + "\nbaseline: " + string.Join(", ", baseline));
    }
}

/// <summary>A plain decimal book for the JsonSerializer baselines (the usual way: SortedDictionary price → size).</summary>
public sealed class DecimalBook
{
    public readonly SortedDictionary<decimal, decimal> Bids = new();
    public readonly SortedDictionary<decimal, decimal> Asks = new();

    public void Clear() { Bids.Clear(); Asks.Clear(); }

    public void Set(bool bid, decimal price, decimal size)
    {
        var side = bid ? Bids : Asks;
        if (size == 0) side.Remove(price); else side[price] = size;
    }

    public (decimal Bid, decimal Ask) Top => (Bids.Count == 0 ? 0 : Bids.Keys.Last(), Asks.Count == 0 ? 0 : Asks.Keys.First());
}
