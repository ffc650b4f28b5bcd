using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Tests.Adapters.Venues.Binance;

public sealed class BinanceAdapterTests
{
    [Fact]
    public void VenueAdapters_ServesAllThreeBinanceVenues()
    {
        foreach (var v in new[] { VenueCatalog.Binance, VenueCatalog.BinanceFutures, VenueCatalog.BinanceCoinM })
        {
            var a = VenueAdapters.For(v);
            Assert.IsType<BinanceAdapter>(a);
            var spec = a!.SyncSpec(v);
            Assert.Equal(SequenceRule.PrevLinked, spec.Sequence);
            Assert.True(spec.BufferUntilSnapshot);
            Assert.Equal(ChecksumKind.None, spec.Checksum);
            Assert.IsType<BinanceParser>(a.CreateParser(v, new InstrumentRegistry(), null));
        }
        Assert.Throws<ArgumentException>(() => new BinanceAdapter().SyncSpec(VenueCatalog.Okx));
    }

    [Fact]
    public void Endpoints_AreTheDocumentedOnes()
    {
        Assert.Equal("wss://stream.binance.com:9443/stream", BinanceAdapter.StreamUrl(VenueCatalog.Binance));
        Assert.Equal("wss://fstream.binance.com/stream", BinanceAdapter.StreamUrl(VenueCatalog.BinanceFutures));
        Assert.Equal("wss://dstream.binance.com/stream", BinanceAdapter.StreamUrl(VenueCatalog.BinanceCoinM));
        Assert.Equal("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000", BinanceAdapter.DepthSnapshotUrl(VenueCatalog.Binance, "btcusdt"));
        Assert.Equal("https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000", BinanceAdapter.DepthSnapshotUrl(VenueCatalog.BinanceFutures, "BTCUSDT"));
        Assert.Equal("https://dapi.binance.com/dapi/v1/depth?symbol=BTCUSD_PERP&limit=1000", BinanceAdapter.DepthSnapshotUrl(VenueCatalog.BinanceCoinM, "BTCUSD_PERP"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinanceAdapter.DepthSnapshotUrl(VenueCatalog.BinanceFutures, "BTCUSDT", 5000));
        // The captures' URLs infer back to the right venue.
        Assert.True(VenueCatalog.TryInferFromUrl(BinanceAdapter.DepthSnapshotUrl(VenueCatalog.BinanceCoinM, "BTCUSD_PERP"), out var v));
        Assert.Equal(VenueCatalog.BinanceCoinM, v);
    }

    [Fact]
    public void Subscribe_MatchesDocumentedShapeAndCaptureStreamNames()
    {
        var streams = BinanceAdapter.MarketDataStreams(VenueCatalog.BinanceFutures, "BTCUSDT", 0);
        Assert.Equal(new[] { "btcusdt@depth@0ms", "btcusdt@bookTicker", "btcusdt@trade", "btcusdt@markPrice@1s" }, streams);
        byte[] msg = BinanceAdapter.Subscribe(streams, 7);
        Assert.Equal("""{"method":"SUBSCRIBE","params":["btcusdt@depth@0ms","btcusdt@bookTicker","btcusdt@trade","btcusdt@markPrice@1s"],"id":7}""", Encoding.UTF8.GetString(msg));
        using var doc = JsonDocument.Parse(BinanceAdapter.Unsubscribe(["btcusdt@depth@100ms"], 8));
        Assert.Equal("UNSUBSCRIBE", doc.RootElement.GetProperty("method").GetString());
        // Stream names used by the recorded captures (2021 combined-stream URLs).
        Assert.Equal("nknusdt@depth@100ms", BinanceAdapter.BookStream(VenueCatalog.Binance, "NKNUSDT"));
        Assert.Equal("sushiusdt@aggTrade", BinanceAdapter.AggTradeStream("SUSHIUSDT"));
        Assert.Throws<ArgumentException>(() => BinanceAdapter.MarkPriceStream(VenueCatalog.Binance, "BTCUSDT"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinanceAdapter.Subscribe(["btcusdt@trade"], -1));
        Assert.Throws<ArgumentException>(() => BinanceAdapter.BboStream("BTC/USDT"));
    }

    [Fact]
    public void Heartbeat_ServerPingsClientPongs()
    {
        var spot = BinanceAdapter.HeartbeatOf(VenueCatalog.Binance);
        Assert.True(spot.RespondToPingWithPong && spot.EchoPingPayload);
        Assert.Equal(TimeSpan.FromSeconds(20), spot.ServerPingInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), spot.PongDeadline);
        Assert.Equal(TimeSpan.Zero, spot.ClientPingInterval);
        var fut = BinanceAdapter.HeartbeatOf(VenueCatalog.BinanceCoinM);
        Assert.Equal(TimeSpan.FromMinutes(3), fut.ServerPingInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), fut.PongDeadline);
    }
}
