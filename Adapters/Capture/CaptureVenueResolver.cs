using FastEngine.Adapters.Venues;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Adapters.Capture;

/// <summary>
/// The venue attribution the capture importers need (<c>Func&lt;string, VenueId&gt;</c>: URL or file path → venue),
/// kept here because only adapters may know venues by name.
/// </summary>
/// <remarks>
/// Rules, in order: an explicit venue (<c>--venue NAME</c>) wins for every record; a URL (contains <c>://</c>) is
/// inferred with <see cref="VenueCatalog.TryInferFromUrl"/>; otherwise the key is a file path (formats N and J, or
/// frames before any connect line): a file name with <c>usdm</c> → binance-futures, <c>coinm</c> or a <c>cm</c> word →
/// binance-coinm, a parent folder named like a venue or group (<c>kraken/</c>) → that venue, a venue word in the file
/// name (<c>huobi_...</c>) → that venue, and for format N (a Binance recorder) anything else → binance.
/// Unknown keys give <see cref="VenueId.None"/>. Cold path (called once per connection or REST line); thread-safe.
/// </remarks>
public static class CaptureVenueResolver
{
    /// <summary>The resolver for one input file.</summary>
    /// <exception cref="ArgumentException"><paramref name="venueName"/> is not a known venue name.</exception>
    public static Func<string, VenueId> Create(CaptureFormatKind format, string? venueName = null)
    {
        VenueCatalog.EnsureRegistered();
        if (!string.IsNullOrWhiteSpace(venueName))
        {
            if (!VenueCatalog.TryParse(venueName, out var forced))
                throw new ArgumentException(
                    $"unknown venue '{venueName}'; known: {string.Join(", ", VenueNames.All().Select(v => v.Name))}", nameof(venueName));
            return _ => forced;
        }
        return key => Resolve(key, format);
    }

    /// <summary>Resolves one URL or file path (see the rules on the type).</summary>
    public static VenueId Resolve(string key, CaptureFormatKind format)
    {
        if (key.Contains("://", StringComparison.Ordinal))
            return VenueCatalog.TryInferFromUrl(key, out var fromUrl) ? fromUrl : VenueId.None;

        string file = Path.GetFileName(key).ToLowerInvariant();
        if (file.Contains("usdm", StringComparison.Ordinal)) return VenueCatalog.BinanceFutures;
        if (file.Contains("coinm", StringComparison.Ordinal) || HasWord(file, "cm")) return VenueCatalog.BinanceCoinM;

        string? folder = Path.GetFileName(Path.GetDirectoryName(key));
        if (!string.IsNullOrEmpty(folder) && VenueCatalog.TryParse(folder, out var fromFolder)) return fromFolder;
        if (VenueCatalog.TryInferFromUrl(file, out var fromName)) return fromName;
        return format == CaptureFormatKind.TimestampedRaw ? VenueCatalog.Binance : VenueId.None;
    }

    /// <summary>True when <paramref name="word"/> appears in <paramref name="name"/> between separators (<c>_cm_</c>, <c>cm.</c>).</summary>
    private static bool HasWord(string name, string word)
    {
        for (int at = name.IndexOf(word, StringComparison.Ordinal); at >= 0; at = name.IndexOf(word, at + 1, StringComparison.Ordinal))
        {
            bool startOk = at == 0 || !char.IsLetterOrDigit(name[at - 1]);
            int end = at + word.Length;
            bool endOk = end == name.Length || !char.IsLetterOrDigit(name[end]);
            if (startOk && endOk) return true;
        }
        return false;
    }
}
