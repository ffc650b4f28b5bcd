namespace FastEngine.Model;

/// <summary>Kind of instrument.</summary>
public enum InstrumentKind : byte
{
    Spot = 0,
    /// <summary>Perpetual swap (canonical suffix <c>-PERP</c>).</summary>
    Perpetual = 1,
    /// <summary>Dated future (canonical suffix <c>-YYMMDD</c>).</summary>
    Future = 2,
    Option = 3,
}

/// <summary>
/// One tradable instrument, named canonically (<c>BTC-USDT</c>, <c>BTC-USDT-PERP</c>, <c>BTC-USD-PERP</c> inverse),
/// with the scales every price and size of it uses across all venues. Immutable; created by the
/// <see cref="InstrumentRegistry"/> (cold path).
/// </summary>
public sealed class Instrument
{
    public Instrument(InstrumentId id, string baseAsset, string quoteAsset, InstrumentKind kind, int priceScale, int quantityScale,
        bool isInverse = false, long contractValue = 0, string? expiryOrDetail = null)
    {
        if ((uint)priceScale > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(priceScale), priceScale, $"allowed 0..{FixedPoint.MaxScale}");
        if ((uint)quantityScale > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(quantityScale), quantityScale, $"allowed 0..{FixedPoint.MaxScale}");
        Id = id;
        Base = baseAsset;
        Quote = quoteAsset;
        Kind = kind;
        PriceScale = priceScale;
        QuantityScale = quantityScale;
        IsInverse = isInverse;
        ContractValue = contractValue;
        Detail = expiryOrDetail;
        Canonical = CanonicalName(baseAsset, quoteAsset, kind, expiryOrDetail);
    }

    public InstrumentId Id { get; }
    /// <summary>Base asset, canonical code (<c>BTC</c>, never <c>XBT</c>).</summary>
    public string Base { get; }
    public string Quote { get; }
    public InstrumentKind Kind { get; }
    /// <summary>Prices of this instrument are mantissas × 10^-PriceScale.</summary>
    public int PriceScale { get; }
    /// <summary>Sizes of this instrument are mantissas × 10^-QuantityScale.</summary>
    public int QuantityScale { get; }
    /// <summary>Inverse (coin-margined) contract: size is quote-currency (USD) face value, P&amp;L in base currency.</summary>
    /// <remarks>Canonical size of every inverse instrument, on every venue: USD face value (one quantity unit = 1 USD), so
    /// BitMEX XBTUSD (1 USD contracts), Deribit BTC-PERPETUAL (10 USD) and Binance COIN-M BTCUSD_PERP (100 USD) quote the same
    /// unit; the venue parser applies its contract multiplier (Tardis already writes face value).</remarks>
    public bool IsInverse { get; }
    /// <summary>Quote-currency face value of one whole quantity unit for inverse contracts: 1 everywhere, since sizes are
    /// USD face value (venue contract multipliers such as COIN-M's 100 USD are applied by the parser); 0 for linear.</summary>
    public long ContractValue { get; }
    /// <summary>Expiry (<c>220325</c>) or option detail (<c>220304-40000-C</c>), else null.</summary>
    public string? Detail { get; }
    /// <summary><c>BASE-QUOTE</c>, <c>BASE-QUOTE-PERP</c>, <c>BASE-QUOTE-YYMMDD</c> or <c>BASE-QUOTE-YYMMDD-STRIKE-C|P</c>.</summary>
    public string Canonical { get; }

    public static string CanonicalName(string baseAsset, string quoteAsset, InstrumentKind kind, string? detail = null) => kind switch
    {
        InstrumentKind.Spot => $"{baseAsset}-{quoteAsset}",
        InstrumentKind.Perpetual => $"{baseAsset}-{quoteAsset}-PERP",
        _ => $"{baseAsset}-{quoteAsset}-{detail}",
    };

    public override string ToString() => Canonical;
}
