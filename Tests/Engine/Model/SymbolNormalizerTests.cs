using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class SymbolNormalizerTests
{
    [Theory]
    [InlineData("BTCUSDT", SymbolStyle.Concatenated, false, "BTC-USDT", false)]
    [InlineData("BTCUSDT", SymbolStyle.Concatenated, true, "BTC-USDT-PERP", false)]
    [InlineData("ETHBTC", SymbolStyle.Concatenated, false, "ETH-BTC", false)]
    [InlineData("BTCFDUSD", SymbolStyle.Concatenated, false, "BTC-FDUSD", false)]
    [InlineData("OPUSDT", SymbolStyle.Concatenated, false, "OP-USDT", false)]
    [InlineData("BTCUSD_PERP", SymbolStyle.Concatenated, false, "BTC-USD-PERP", true)]
    [InlineData("BTCUSD_240927", SymbolStyle.Concatenated, false, "BTC-USD-240927", true)]
    [InlineData("BTC-USDT-SWAP", SymbolStyle.Dashed, false, "BTC-USDT-PERP", false)]
    [InlineData("BTC-USD-SWAP", SymbolStyle.Dashed, false, "BTC-USD-PERP", true)]
    [InlineData("BTC-USD", SymbolStyle.Dashed, false, "BTC-USD", false)]
    [InlineData("BTC-USD-220304-40000-C", SymbolStyle.Dashed, false, "BTC-USD-220304-40000-C", true)]
    [InlineData("XBT/USD", SymbolStyle.Slashed, false, "BTC-USD", false)]
    [InlineData("XDG/EUR", SymbolStyle.Slashed, false, "DOGE-EUR", false)]
    [InlineData("PF_XBTUSD", SymbolStyle.KrakenFutures, false, "BTC-USD-PERP", false)]
    [InlineData("PI_XBTUSD", SymbolStyle.KrakenFutures, false, "BTC-USD-PERP", true)]
    public void TryParse_VenueSymbols_Canonical(string symbol, SymbolStyle style, bool perp, string canonical, bool inverse)
    {
        Assert.True(SymbolNormalizer.TryParse(symbol, style, out var parts, perp));
        Assert.Equal(canonical, parts.Canonical);
        Assert.Equal(inverse, parts.IsInverse);
    }

    [Theory]
    [InlineData("", SymbolStyle.Dashed)]
    [InlineData("BTC", SymbolStyle.Concatenated)]
    [InlineData("USDT", SymbolStyle.Concatenated)]
    [InlineData("BTC-", SymbolStyle.Dashed)]
    [InlineData("XBT/", SymbolStyle.Slashed)]
    [InlineData("FF_XBTUSD", SymbolStyle.KrakenFutures)]
    [InlineData("BTCUSD_XYZ", SymbolStyle.Concatenated)]
    public void TryParse_Unknown_False(string symbol, SymbolStyle style)
    {
        Assert.False(SymbolNormalizer.TryParse(symbol, style, out _));
    }
}
