using FastEngine.Model;

namespace FastEngine.Adapters.Venues;

/// <summary>All venue adapters of the program, looked up by venue (cold path).</summary>
public static class VenueAdapters
{
    private static readonly Lazy<IVenueAdapter[]> _all = new(() =>
    [
        // One line per adapter.
        new Binance.BinanceAdapter(),
        new Coinbase.CoinbaseAdapter(),
        new Bybit.BybitAdapter(),
        new Gemini.GeminiAdapter(),
        new Okx.OkxAdapter(),
        new Kraken.KrakenAdapter(),
    ]);

    public static IReadOnlyList<IVenueAdapter> All => _all.Value;

    /// <summary>The adapter serving <paramref name="venue"/>, or null.</summary>
    public static IVenueAdapter? For(VenueId venue)
    {
        foreach (var a in _all.Value)
            foreach (var v in a.Venues)
                if (v == venue) return a;
        return null;
    }
}
