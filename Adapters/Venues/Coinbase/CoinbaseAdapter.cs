using System.Text;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Coinbase;

/// <summary>
/// Coinbase Advanced Trade public market data (<see cref="VenueCatalog.Coinbase"/>): endpoint, subscribe messages,
/// keep-alive rule and book-sync rules. Symbols are dashed (<c>BTC-USD</c>).
/// </summary>
/// <remarks>
/// Book sync: the <c>level2</c> channel (messages <c>channel:"l2_data"</c>) sends one full snapshot per product after the
/// subscription, then updates carrying the new total size per price (<c>"0"</c> removes). There is no per-book sequence
/// and no checksum: continuity is the connection-wide <c>sequence_num</c>, checked by <see cref="CoinbaseParser"/>, which
/// invalidates the connection's books on a gap; a resync is an unsubscribe + subscribe of <c>level2</c> for the product
/// (a new snapshot follows). Hence <see cref="SequenceRule.None"/>, no checksum. Thread-safe (immutable).
/// </remarks>
public sealed class CoinbaseAdapter : IVenueAdapter
{
    /// <summary>Public market-data WebSocket (no authentication needed for level2/ticker/market_trades/heartbeats).</summary>
    public const string MarketDataUrl = "wss://advanced-trade-ws.coinbase.com";

    /// <summary>Channel names as sent in a subscribe message.</summary>
    public const string Level2Channel = "level2";
    public const string TickerChannel = "ticker";
    public const string TradesChannel = "market_trades";
    public const string HeartbeatsChannel = "heartbeats";
    public const string CandlesChannel = "candles";

    private static readonly BookSyncSpec _spec = new(Sequence: SequenceRule.None, Checksum: ChecksumKind.None);

    /// <summary>
    /// Subscribe to <c>heartbeats</c> once per connection: Coinbase closes connections that stay silent (a product with no
    /// updates for a while), and the heartbeat (one per second) keeps it open and lets us detect a dead link.
    /// </summary>
    public static readonly HeartbeatRule Heartbeat = new(HeartbeatKind.SubscribeChannel, TimeSpan.FromSeconds(1),
        """{"type":"subscribe","channel":"heartbeats"}""", TimeSpan.FromSeconds(5));

    public IReadOnlyList<VenueId> Venues { get; } = [VenueCatalog.Coinbase];

    public BookSyncSpec SyncSpec(VenueId venue) => _spec;

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl) => new CoinbaseParser(venue, registry);

    /// <summary><c>{"type":"subscribe","product_ids":[...],"channel":"level2"}</c> (optionally with a JWT for authenticated use).</summary>
    public static string Subscribe(string channel, IReadOnlyList<string> productIds, string? jwt = null) => Build("subscribe", channel, productIds, jwt);

    public static string Unsubscribe(string channel, IReadOnlyList<string> productIds, string? jwt = null) => Build("unsubscribe", channel, productIds, jwt);

    public static string SubscribeBook(IReadOnlyList<string> productIds) => Subscribe(Level2Channel, productIds);
    public static string SubscribeTicker(IReadOnlyList<string> productIds) => Subscribe(TickerChannel, productIds);
    public static string SubscribeTrades(IReadOnlyList<string> productIds) => Subscribe(TradesChannel, productIds);

    /// <summary>Resync of one book: unsubscribe then subscribe <c>level2</c> (the venue answers with a fresh snapshot).</summary>
    public static IReadOnlyList<string> ResyncBook(string productId) =>
        [Unsubscribe(Level2Channel, [productId]), Subscribe(Level2Channel, [productId])];

    private static string Build(string type, string channel, IReadOnlyList<string> productIds, string? jwt)
    {
        var sb = new StringBuilder();
        sb.Append("{\"type\":\"").Append(type).Append('"');
        if (productIds.Count > 0)
        {
            sb.Append(",\"product_ids\":[");
            for (int i = 0; i < productIds.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append('"').Append(productIds[i]).Append('"');
            }
            sb.Append(']');
        }
        sb.Append(",\"channel\":\"").Append(channel).Append('"');
        if (jwt is not null) sb.Append(",\"jwt\":\"").Append(jwt).Append('"');
        return sb.Append('}').ToString();
    }
}
