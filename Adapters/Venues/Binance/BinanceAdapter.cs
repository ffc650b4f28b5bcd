using System.Buffers;
using System.Text.Json;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Binance;

/// <summary>
/// How a Binance connection stays alive, as data for the transport: the server pings, the client answers.
/// </summary>
/// <param name="RespondToPingWithPong">Answer every WebSocket ping frame with a pong frame (RFC 6455 §5.5.3).</param>
/// <param name="EchoPingPayload">The pong carries a copy of the ping's payload (Binance spot requires it).</param>
/// <param name="ServerPingInterval">How often the server pings (documented).</param>
/// <param name="PongDeadline">The server disconnects when no pong arrived within this window.</param>
/// <param name="ClientPingInterval">Client-initiated keep-alive; <see cref="TimeSpan.Zero"/> = none (Binance needs none).</param>
public sealed record BinanceHeartbeat(
    bool RespondToPingWithPong,
    bool EchoPingPayload,
    TimeSpan ServerPingInterval,
    TimeSpan PongDeadline,
    TimeSpan ClientPingInterval);

/// <summary>
/// Binance market data: spot (<see cref="VenueCatalog.Binance"/>), USD-M futures (<see cref="VenueCatalog.BinanceFutures"/>)
/// and COIN-M futures (<see cref="VenueCatalog.BinanceCoinM"/>, inverse contracts).
/// Endpoints, stream names, subscribe messages, REST depth-snapshot URLs, the heartbeat rule and the documented
/// "How to manage a local order book correctly" procedure as a <see cref="BookSyncSpec"/>.
/// </summary>
/// <remarks>
/// Everything here is cold path (configuration and connection set-up) and thread-safe (immutable).
/// The hot path is <see cref="BinanceParser"/>.
/// </remarks>
public sealed class BinanceAdapter : IVenueAdapter
{
    /// <summary>Spot combined-stream endpoint (documented base <c>wss://stream.binance.com:9443</c>).</summary>
    public const string SpotStreamUrl = "wss://stream.binance.com:9443/stream";
    /// <summary>USD-M futures combined-stream endpoint.</summary>
    public const string UsdMStreamUrl = "wss://fstream.binance.com/stream";
    /// <summary>COIN-M futures combined-stream endpoint.</summary>
    public const string CoinMStreamUrl = "wss://dstream.binance.com/stream";

    /// <summary>Spot REST depth snapshot (<c>GET /api/v3/depth</c>).</summary>
    public const string SpotDepthUrl = "https://api.binance.com/api/v3/depth";
    /// <summary>USD-M REST depth snapshot (<c>GET /fapi/v1/depth</c>).</summary>
    public const string UsdMDepthUrl = "https://fapi.binance.com/fapi/v1/depth";
    /// <summary>COIN-M REST depth snapshot (<c>GET /dapi/v1/depth</c>).</summary>
    public const string CoinMDepthUrl = "https://dapi.binance.com/dapi/v1/depth";

    /// <summary>Streams one connection may carry (all three markets document 1024).</summary>
    public const int MaxStreamsPerConnection = 1024;
    /// <summary>Incoming (client → server) messages per second: spot 5, futures 10 (beyond it the server disconnects).</summary>
    public static int MaxClientMessagesPerSecond(VenueId venue) => venue == VenueCatalog.Binance ? 5 : 10;

    /// <summary>Contract face value in USD of COIN-M contracts: BTC 100 USD, every other coin 10 USD (Binance contract specs).</summary>
    public static long CoinMContractValue(string baseAsset) => baseAsset is "BTC" ? 100 : 10;

    private static readonly VenueId[] _venues = [VenueCatalog.Binance, VenueCatalog.BinanceFutures, VenueCatalog.BinanceCoinM];

    /// <summary>
    /// The documented sync procedure, identical in shape for the three markets: buffer the diff stream, fetch a REST
    /// snapshot, drop diffs with <c>u</c> ≤ <c>lastUpdateId</c>, the first applied diff covers <c>lastUpdateId</c>+1,
    /// then every diff links to the previous one (spot: <c>U</c> = previous <c>u</c>+1, emitted as PrevSequence = U-1;
    /// futures: <c>pu</c> = previous <c>u</c>). No checksum. Diffs walk deep into the 1,000-level books: the gap buffer (DeepDiffs).
    /// </summary>
    public static readonly BookSyncSpec BookSync = new(SequenceRule.PrevLinked, ChecksumKind.None, BufferUntilSnapshot: true, DeepDiffs: true);

    /// <summary>Spot: the server pings every 20 s and disconnects without a pong (payload echoed) within 1 minute.</summary>
    public static readonly BinanceHeartbeat SpotHeartbeat = new(true, true, TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1), TimeSpan.Zero);
    /// <summary>USD-M / COIN-M: the server pings every 3 minutes and disconnects without a pong within 10 minutes.</summary>
    public static readonly BinanceHeartbeat FuturesHeartbeat = new(true, true, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(10), TimeSpan.Zero);

    public IReadOnlyList<VenueId> Venues => _venues;

    public BookSyncSpec SyncSpec(VenueId venue)
    {
        ThrowIfNotBinance(venue);
        return BookSync;
    }

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl)
    {
        ThrowIfNotBinance(venue);
        return new BinanceParser(venue, registry, connectionUrl);
    }

    /// <summary>The heartbeat rule of <paramref name="venue"/>.</summary>
    public static BinanceHeartbeat HeartbeatOf(VenueId venue)
    {
        ThrowIfNotBinance(venue);
        return venue == VenueCatalog.Binance ? SpotHeartbeat : FuturesHeartbeat;
    }

    /// <summary>The combined-stream WebSocket endpoint of <paramref name="venue"/>.</summary>
    public static string StreamUrl(VenueId venue)
    {
        ThrowIfNotBinance(venue);
        return venue == VenueCatalog.Binance ? SpotStreamUrl : venue == VenueCatalog.BinanceFutures ? UsdMStreamUrl : CoinMStreamUrl;
    }

    /// <summary>REST depth snapshot URL, e.g. <c>https://api.binance.com/api/v3/depth?symbol=BTCUSDT&amp;limit=1000</c>.</summary>
    /// <param name="symbol">Exchange symbol (<c>BTCUSDT</c>, <c>BTCUSD_PERP</c>); upper-cased.</param>
    /// <param name="limit">Levels per side: spot 1..5000, futures 5/10/20/50/100/500/1000.</param>
    public static string DepthSnapshotUrl(VenueId venue, string symbol, int limit = 1000)
    {
        ThrowIfNotBinance(venue);
        ValidateSymbol(symbol);
        bool spot = venue == VenueCatalog.Binance;
        if (spot ? limit is < 1 or > 5000 : limit is not (5 or 10 or 20 or 50 or 100 or 500 or 1000))
            throw new ArgumentOutOfRangeException(nameof(limit), limit, spot ? "allowed 1..5000" : "allowed 5, 10, 20, 50, 100, 500, 1000");
        string baseUrl = spot ? SpotDepthUrl : venue == VenueCatalog.BinanceFutures ? UsdMDepthUrl : CoinMDepthUrl;
        return $"{baseUrl}?symbol={symbol.ToUpperInvariant()}&limit={limit}";
    }

    /// <summary>Diff-depth stream name: <c>btcusdt@depth@100ms</c>. Spot documents 100 and 1000 ms, futures 100, 250 and
    /// 500 ms; the captures' futures files also use the undocumented real-time <c>@depth@0ms</c>.</summary>
    public static string BookStream(VenueId venue, string symbol, int updateSpeedMs = 100)
    {
        ThrowIfNotBinance(venue);
        ValidateSymbol(symbol);
        bool ok = venue == VenueCatalog.Binance ? updateSpeedMs is 100 or 1000 : updateSpeedMs is 0 or 100 or 250 or 500;
        if (!ok) throw new ArgumentOutOfRangeException(nameof(updateSpeedMs), updateSpeedMs, venue == VenueCatalog.Binance ? "allowed 100, 1000" : "allowed 0, 100, 250, 500");
        string s = symbol.ToLowerInvariant();
        return updateSpeedMs == 250 ? $"{s}@depth" : $"{s}@depth@{updateSpeedMs}ms";
    }

    /// <summary>Best bid/offer stream: <c>btcusdt@bookTicker</c> (its <c>u</c> is the book's update id).</summary>
    public static string BboStream(string symbol) { ValidateSymbol(symbol); return $"{symbol.ToLowerInvariant()}@bookTicker"; }

    /// <summary>Raw trade stream: <c>btcusdt@trade</c>.</summary>
    public static string TradeStream(string symbol) { ValidateSymbol(symbol); return $"{symbol.ToLowerInvariant()}@trade"; }

    /// <summary>Aggregate trade stream: <c>btcusdt@aggTrade</c>.</summary>
    public static string AggTradeStream(string symbol) { ValidateSymbol(symbol); return $"{symbol.ToLowerInvariant()}@aggTrade"; }

    /// <summary>Mark price, index price and funding stream of a futures symbol: <c>btcusdt@markPrice@1s</c> (or 3 s).</summary>
    public static string MarkPriceStream(VenueId venue, string symbol, bool everySecond = true)
    {
        ThrowIfNotBinance(venue);
        if (venue == VenueCatalog.Binance) throw new ArgumentException("markPrice streams exist on futures only (binance-futures, binance-coinm)", nameof(venue));
        ValidateSymbol(symbol);
        return everySecond ? $"{symbol.ToLowerInvariant()}@markPrice@1s" : $"{symbol.ToLowerInvariant()}@markPrice";
    }

    /// <summary>The streams FastEngine subscribes for one symbol: book diffs, BBO, trades, and mark/funding on futures.</summary>
    public static IReadOnlyList<string> MarketDataStreams(VenueId venue, string symbol, int bookUpdateSpeedMs = 100)
    {
        var streams = new List<string> { BookStream(venue, symbol, bookUpdateSpeedMs), BboStream(symbol), TradeStream(symbol) };
        if (venue != VenueCatalog.Binance) streams.Add(MarkPriceStream(venue, symbol));
        return streams;
    }

    /// <summary><c>{"method":"SUBSCRIBE","params":[...],"id":N}</c> as UTF-8.</summary>
    public static byte[] Subscribe(IEnumerable<string> streams, long id) => Request("SUBSCRIBE", streams, id);

    /// <summary><c>{"method":"UNSUBSCRIBE","params":[...],"id":N}</c> as UTF-8.</summary>
    public static byte[] Unsubscribe(IEnumerable<string> streams, long id) => Request("UNSUBSCRIBE", streams, id);

    private static byte[] Request(string method, IEnumerable<string> streams, long id)
    {
        var list = streams.ToList();
        if (list.Count == 0) throw new ArgumentException("at least one stream is required", nameof(streams));
        if (list.Count > MaxStreamsPerConnection) throw new ArgumentOutOfRangeException(nameof(streams), list.Count, $"allowed 1..{MaxStreamsPerConnection} streams per connection");
        if (id < 0) throw new ArgumentOutOfRangeException(nameof(id), id, "allowed 0..2^63-1");
        var buffer = new ArrayBufferWriter<byte>(64 + 32 * list.Count);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("method", method);
            w.WriteStartArray("params");
            foreach (var s in list)
            {
                if (string.IsNullOrWhiteSpace(s)) throw new ArgumentException("empty stream name", nameof(streams));
                w.WriteStringValue(s);
            }
            w.WriteEndArray();
            w.WriteNumber("id", id);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void ValidateSymbol(string symbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        foreach (char c in symbol)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                throw new ArgumentException($"Binance symbol '{symbol}' may hold letters, digits and '_' only", nameof(symbol));
    }

    private static void ThrowIfNotBinance(VenueId venue)
    {
        if (venue != VenueCatalog.Binance && venue != VenueCatalog.BinanceFutures && venue != VenueCatalog.BinanceCoinM)
            throw new ArgumentException($"venue '{venue}' is not served by the Binance adapter (binance, binance-futures, binance-coinm)", nameof(venue));
    }
}
