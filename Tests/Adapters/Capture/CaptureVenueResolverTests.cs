using FastEngine.Adapters.Capture;
using FastEngine.Adapters.Venues;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Tests.Adapters.Capture;

public class CaptureVenueResolverTests
{
    public static TheoryData<string, CaptureFormatKind, string> Cases => new()
    {
        // URLs as recorded in the shared captures' connect lines.
        { "wss://stream.binance.com:9443/stream?streams=nknusdt@depth@100ms", CaptureFormatKind.Legacy, "binance" },
        { "wss://fstream.binance.com/stream?streams=sushiusdt@depth@100ms", CaptureFormatKind.Legacy, "binance-futures" },
        { "https://fapi.binance.com/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000", CaptureFormatKind.Legacy, "binance-futures" },
        { "wss://api.huobi.pro/ws", CaptureFormatKind.Legacy, "htx" },
        { "wss://api.hbdm.com/linear-swap-ws", CaptureFormatKind.Legacy, "htx-swap" },
        { "wss://stream.bybit.com/v5/public/spot", CaptureFormatKind.Envelope, "bybit-spot" },
        { "wss://stream.bybit.com/v5/public/linear", CaptureFormatKind.Envelope, "bybit-linear" },
        { "wss://advanced-trade-ws.coinbase.com", CaptureFormatKind.Envelope, "coinbase" },
        // File names of format N: spot vs USD-M vs COIN-M.
        { "/x/shared/captures/binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance" },
        { "/x/shared/captures/binance-futures/usdm_btcusdt_2024-08-08_0-45s.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance-futures" },
        { "/x/shared/captures/multi/binance-usdm_btcusdt_2024-08-08_0-120s.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance-futures" },
        { "/x/shared/captures/multi/binance-coinm_btcusd-perp_2024-08-08_0-120s.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance-coinm" },
        { "/data/btcusd_perp_cm_20240808.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance-coinm" },
        { "/data/whatever.tsns.txt", CaptureFormatKind.TimestampedRaw, "binance" },
        // Folder or venue word for frames with no URL.
        { "/x/shared/captures/kraken/spot_v1_trade_2021-04-17.legacy.txt", CaptureFormatKind.Legacy, "kraken" },
        { "/data/huobi_linkusdt.jsonl", CaptureFormatKind.JsonLines, "htx" },
        { "/data/unknown.jsonl", CaptureFormatKind.JsonLines, "none" },
        { "wss://unknown.example/ws", CaptureFormatKind.Legacy, "none" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Create_NoOverride_InfersVenue(string key, CaptureFormatKind format, string expected)
    {
        var venue = CaptureVenueResolver.Create(format)(key);
        Assert.Equal(expected, VenueNames.NameOf(venue));
    }

    [Fact]
    public void Create_VenueOverride_WinsForEveryKey()
    {
        var resolve = CaptureVenueResolver.Create(CaptureFormatKind.TimestampedRaw, "binance-futures");
        Assert.Equal(VenueCatalog.BinanceFutures, resolve("/x/spot_btcusdt.tsns.txt"));
        Assert.Equal(VenueCatalog.BinanceFutures, resolve("wss://ws.kraken.com"));
    }

    [Fact]
    public void Create_UnknownVenueName_ThrowsNamingKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => CaptureVenueResolver.Create(CaptureFormatKind.Legacy, "binanse"));
        Assert.Contains("binanse", e.Message);
        Assert.Contains("binance-futures", e.Message);
    }
}
