using FastEngine.Model;

namespace FastEngine.Adapters.Venues;

/// <summary>
/// The venues FastEngine knows, with fixed ids (stable across runs and in capture files) and the names users type
/// (the folder names of the shared captures). A venue is one exchange market segment with its own books and endpoint:
/// Binance spot and Binance USD-M are two venues; Bybit spot and linear are two venues of the group <c>bybit</c>.
/// </summary>
public static class VenueCatalog
{
    public static readonly VenueId Binance = Register(1, "binance");
    public static readonly VenueId BinanceFutures = Register(2, "binance-futures");
    public static readonly VenueId BinanceCoinM = Register(3, "binance-coinm");
    public static readonly VenueId Coinbase = Register(4, "coinbase");
    public static readonly VenueId Kraken = Register(5, "kraken");
    public static readonly VenueId Okx = Register(6, "okx");
    public static readonly VenueId BybitSpot = Register(7, "bybit-spot");
    public static readonly VenueId BybitLinear = Register(8, "bybit-linear");
    public static readonly VenueId Bitget = Register(9, "bitget");
    public static readonly VenueId KuCoin = Register(10, "kucoin");
    public static readonly VenueId Htx = Register(11, "htx");
    public static readonly VenueId GateIo = Register(12, "gateio");
    public static readonly VenueId Bitfinex = Register(13, "bitfinex");
    public static readonly VenueId Bitstamp = Register(14, "bitstamp");
    public static readonly VenueId Gemini = Register(15, "gemini");
    public static readonly VenueId Deribit = Register(16, "deribit");
    public static readonly VenueId BitMex = Register(17, "bitmex");
    public static readonly VenueId Dydx = Register(18, "dydx");
    public static readonly VenueId Mexc = Register(19, "mexc");
    public static readonly VenueId Dex = Register(20, "dex");
    public static readonly VenueId KrakenFutures = Register(21, "kraken-futures");
    public static readonly VenueId BitgetFutures = Register(22, "bitget-futures");
    public static readonly VenueId HtxSwap = Register(23, "htx-swap");

    private static VenueId Register(ushort id, string name) => VenueNames.Register(id, name);

    /// <summary>Forces the static registrations (call once at start-up before parsing names).</summary>
    public static void EnsureRegistered() => _ = Binance;

    /// <summary>
    /// The reporting group of a venue: the shared-captures folder name users pass to <c>--venue</c>
    /// (<c>bybit-spot</c> and <c>bybit-linear</c> are both <c>bybit</c>).
    /// </summary>
    public static string GroupOf(VenueId venue)
    {
        if (venue == BybitSpot || venue == BybitLinear) return "bybit";
        if (venue == BitgetFutures) return "bitget";
        if (venue == HtxSwap) return "htx";
        return VenueNames.NameOf(venue);
    }

    /// <summary>
    /// Infers the venue from a WebSocket or REST URL as recorded in captures (cold path). Returns false when unknown.
    /// </summary>
    public static bool TryInferFromUrl(string url, out VenueId venue)
    {
        EnsureRegistered();
        string u = url.ToLowerInvariant();
        venue = u switch
        {
            _ when u.Contains("fstream.binance") || u.Contains("fapi.binance") || u.Contains("/fapi/") => BinanceFutures,
            _ when u.Contains("dstream.binance") || u.Contains("dapi.binance") || u.Contains("/dapi/") => BinanceCoinM,
            _ when u.Contains("binance") => Binance,
            _ when u.Contains("coinbase") => Coinbase,
            _ when u.Contains("futures.kraken") => KrakenFutures,
            _ when u.Contains("kraken") => Kraken,
            _ when u.Contains("okx.com") || u.Contains("okex.com") => Okx,
            _ when u.Contains("bybit") && u.Contains("/spot") => BybitSpot,
            _ when u.Contains("bybit") => BybitLinear,
            _ when u.Contains("bitget") && u.Contains("/mix") => BitgetFutures,
            _ when u.Contains("bitget") => Bitget,
            _ when u.Contains("kucoin") => KuCoin,
            _ when u.Contains("hbdm") => HtxSwap,
            _ when u.Contains("huobi") || u.Contains("htx") => Htx,
            _ when u.Contains("gateio") || u.Contains("gate.io") => GateIo,
            _ when u.Contains("bitfinex") => Bitfinex,
            _ when u.Contains("bitstamp") => Bitstamp,
            _ when u.Contains("gemini") => Gemini,
            _ when u.Contains("deribit") => Deribit,
            _ when u.Contains("bitmex") => BitMex,
            _ when u.Contains("dydx") => Dydx,
            _ when u.Contains("mexc") => Mexc,
            _ => VenueId.None,
        };
        return !venue.IsNone;
    }

    /// <summary>Looks a venue up by its name or group name (case-insensitive). A group resolves to its first venue.</summary>
    public static bool TryParse(string name, out VenueId venue)
    {
        EnsureRegistered();
        if (string.Equals(name, "bybit", StringComparison.OrdinalIgnoreCase)) { venue = BybitLinear; return true; }
        return VenueNames.TryGet(name, out venue);
    }
}
