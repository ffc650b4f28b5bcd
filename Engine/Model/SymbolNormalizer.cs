namespace FastEngine.Model;

/// <summary>How a venue writes its symbols.</summary>
public enum SymbolStyle : byte
{
    /// <summary><c>BTCUSDT</c> (Binance, Bybit, Bitget, MEXC): base and quote concatenated; the quote is found from a known-quote list.</summary>
    Concatenated,
    /// <summary><c>BTC-USD</c>, <c>BTC-USDT-SWAP</c>, <c>BTC-USD-220325</c>, <c>BTC-USD-220304-40000-C</c> (Coinbase, OKX, KuCoin).</summary>
    Dashed,
    /// <summary><c>XBT/USD</c> (Kraken spot WebSocket).</summary>
    Slashed,
    /// <summary><c>PF_XBTUSD</c> (Kraken Futures linear perpetual), <c>PI_XBTUSD</c> (inverse).</summary>
    KrakenFutures,
}

/// <summary>A venue symbol split into canonical parts.</summary>
public readonly record struct SymbolParts(string Base, string Quote, InstrumentKind Kind, bool IsInverse, string? Detail)
{
    public string Canonical => Instrument.CanonicalName(Base, Quote, Kind, Detail);
}

/// <summary>
/// Turns venue symbols into canonical parts (cold path: at subscription time or when a symbol is first seen).
/// Asset aliases are unified (<c>XBT</c>→<c>BTC</c>, <c>XDG</c>→<c>DOGE</c>). Perpetual markers: OKX <c>-SWAP</c>,
/// <c>-PERP</c>, Binance futures symbols when <paramref name="perpetual"/> is set.
/// </summary>
public static class SymbolNormalizer
{
    // Longest first so "USDT" wins over "USD" and "FDUSD" over "USD".
    private static readonly string[] _quotes =
    [
        "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDP", "USDE", "DAI", "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "TRY", "BRL",
        "BTC", "ETH", "BNB", "XBT", "DOT", "TRX", "XRP",
    ];

    public static string NormalizeAsset(string asset) => asset.ToUpperInvariant() switch
    {
        "XBT" => "BTC",
        "XDG" => "DOGE",
        var a => a,
    };

    /// <summary>Splits <paramref name="symbol"/>; false when it cannot be understood (unknown quote, empty part).</summary>
    /// <param name="perpetual">The symbol comes from a perpetual market whose symbols carry no marker (Binance USD-M, Bybit linear).</param>
    public static bool TryParse(string symbol, SymbolStyle style, out SymbolParts parts, bool perpetual = false)
    {
        parts = default;
        if (string.IsNullOrWhiteSpace(symbol)) return false;
        string s = symbol.Trim().ToUpperInvariant();
        switch (style)
        {
            case SymbolStyle.Concatenated:
            {
                // Binance COIN-M "BTCUSD_PERP", dated "BTCUSD_240927".
                string? detail = null;
                var kind = perpetual ? InstrumentKind.Perpetual : InstrumentKind.Spot;
                int underscore = s.IndexOf('_');
                if (underscore > 0)
                {
                    string suffix = s[(underscore + 1)..];
                    s = s[..underscore];
                    if (suffix == "PERP") kind = InstrumentKind.Perpetual;
                    else if (suffix.Length == 6 && suffix.All(char.IsAsciiDigit)) { kind = InstrumentKind.Future; detail = suffix; }
                    else return false;
                }
                // Two passes: first require a base of 3+ letters ("XBTUSD" is XBT-USD, not XB-TUSD), then allow 2 ("OPUSDT").
                for (int minBase = 3; minBase >= 2; minBase--)
                foreach (var q in _quotes)
                {
                    if (s.Length >= q.Length + minBase && s.EndsWith(q, StringComparison.Ordinal))
                    {
                        string b = s[..^q.Length];
                        // Binance COIN-M (BTCUSD_PERP) is inverse: quote USD with an underscore suffix.
                        bool inverse = underscore > 0 && q == "USD";
                        parts = new SymbolParts(NormalizeAsset(b), NormalizeAsset(q), kind, inverse, detail);
                        return true;
                    }
                }
                return false;
            }
            case SymbolStyle.Dashed:
            {
                var tokens = s.Split('-');
                if (tokens.Length < 2 || tokens[0].Length == 0 || tokens[1].Length == 0) return false;
                string b = NormalizeAsset(tokens[0]), q = NormalizeAsset(tokens[1]);
                if (tokens.Length == 2)
                {
                    parts = new SymbolParts(b, q, perpetual ? InstrumentKind.Perpetual : InstrumentKind.Spot, false, null);
                    return true;
                }
                if (tokens.Length == 3 && (tokens[2] == "SWAP" || tokens[2] == "PERP" || tokens[2] == "PERPETUAL"))
                {
                    // OKX BTC-USD-SWAP is coin-margined (inverse); BTC-USDT-SWAP is linear.
                    parts = new SymbolParts(b, q, InstrumentKind.Perpetual, q == "USD" && tokens[2] == "SWAP", null);
                    return true;
                }
                if (tokens.Length == 3 && tokens[2].Length == 6 && tokens[2].All(char.IsAsciiDigit))
                {
                    parts = new SymbolParts(b, q, InstrumentKind.Future, q == "USD", tokens[2]);
                    return true;
                }
                if (tokens.Length == 5 && (tokens[4] == "C" || tokens[4] == "P"))
                {
                    parts = new SymbolParts(b, q, InstrumentKind.Option, q == "USD", string.Join('-', tokens[2..]));
                    return true;
                }
                return false;
            }
            case SymbolStyle.Slashed:
            {
                int slash = s.IndexOf('/');
                if (slash <= 0 || slash == s.Length - 1) return false;
                parts = new SymbolParts(NormalizeAsset(s[..slash]), NormalizeAsset(s[(slash + 1)..]),
                    perpetual ? InstrumentKind.Perpetual : InstrumentKind.Spot, false, null);
                return true;
            }
            case SymbolStyle.KrakenFutures:
            {
                if (s.Length < 5 || s[2] != '_') return false;
                string prefix = s[..2];
                if (prefix is not ("PF" or "PI")) return false;
                if (!TryParse(s[3..], SymbolStyle.Concatenated, out var inner)) return false;
                parts = inner with { Kind = InstrumentKind.Perpetual, IsInverse = prefix == "PI" };
                return true;
            }
            default:
                return false;
        }
    }
}
