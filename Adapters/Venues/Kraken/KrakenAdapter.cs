using System.Text;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Kraken;

/// <summary>
/// Kraken spot public market data over WebSocket v1 (<c>wss://ws.kraken.com</c>, pairs <c>XBT/USD</c>) and v2
/// (<c>wss://ws.kraken.com/v2</c>, symbols <c>BTC/USD</c>): endpoints, subscription messages, heartbeat rule and the
/// documented book procedure (no sequence numbers; CRC-32 of the best 10 asks then bids; truncate to the subscribed depth).
/// </summary>
/// <remarks>
/// Kraken spot has no funding or mark price (those are Kraken Futures, a separate venue). Thread-safe; builders allocate
/// (cold path). <see cref="CreateParser"/> picks the v2 parser when the URL contains <c>/v2</c>.
/// </remarks>
public sealed class KrakenAdapter : IVenueAdapter
{
    /// <summary>WebSocket v1 public endpoint.</summary>
    public const string PublicUrlV1 = "wss://ws.kraken.com";

    /// <summary>WebSocket v2 public endpoint.</summary>
    public const string PublicUrlV2 = "wss://ws.kraken.com/v2";

    /// <summary>Levels per side covered by the checksum, whatever the subscribed depth (Kraken "Book checksum").</summary>
    public const int ChecksumDepth = 10;

    /// <summary>The book depth this adapter subscribes to by default (the captures use 1000).</summary>
    public const int DefaultBookDepth = 1000;

    /// <summary>Heartbeat rule: the server sends <c>{"event":"heartbeat"}</c> (v2: <c>{"channel":"heartbeat"}</c>) about once
    /// a second when a subscribed channel is quiet. When nothing at all has arrived for <see cref="HeartbeatIdleInterval"/>
    /// the client sends <see cref="PingV1"/>/<see cref="PingV2"/> and expects a <c>pong</c> reply; no reply → reconnect.</summary>
    public static readonly TimeSpan HeartbeatIdleInterval = TimeSpan.FromSeconds(10);

    /// <inheritdoc cref="HeartbeatIdleInterval"/>
    public const string PingV1 = "{\"event\":\"ping\"}";

    /// <inheritdoc cref="HeartbeatIdleInterval"/>
    public const string PingV2 = "{\"method\":\"ping\"}";

    private static readonly VenueId[] _venues = [VenueCatalog.Kraken];
    private readonly BookSyncSpec _spec;

    /// <param name="bookDepth">The subscribed book depth (10, 25, 100, 500 or 1000); books are truncated to it after every
    /// message, as Kraken does not send removals for levels that fall out of scope.</param>
    public KrakenAdapter(int bookDepth = DefaultBookDepth)
    {
        BookDepth = bookDepth;
        _spec = BookSpec(bookDepth);
    }

    /// <summary>The subscribed depth this adapter's sync spec truncates to.</summary>
    public int BookDepth { get; }

    public IReadOnlyList<VenueId> Venues => _venues;

    public BookSyncSpec SyncSpec(VenueId venue) => _spec;

    /// <summary>The book procedure for a subscription of <paramref name="depth"/> levels (v1 channel name <c>book-{depth}</c>).</summary>
    public static BookSyncSpec BookSpec(int depth)
    {
        if (depth <= 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "book depth must be positive (Kraken allows 10, 25, 100, 500, 1000)");
        return new BookSyncSpec(SequenceRule.None, ChecksumKind.ConcatenatedDigitsCrc32, ChecksumDepth, MaxDepth: depth);
    }

    /// <summary>The depth in a v1 channel name (<c>book-1000</c> → 1000), or 0.</summary>
    public static int DepthOfChannelName(string channelName) =>
        channelName.StartsWith("book-", StringComparison.Ordinal) && int.TryParse(channelName.AsSpan(5), out int d) ? d : 0;

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl) =>
        connectionUrl is not null && connectionUrl.Contains("/v2", StringComparison.OrdinalIgnoreCase)
            ? new KrakenV2Parser(venue, registry)
            : new KrakenParser(venue, registry);

    // ---- v1 messages -------------------------------------------------------------------------------------------------

    /// <summary><c>{"event":"subscribe","pair":["XBT/USD"],"subscription":{"name":"book","depth":1000}}</c>.</summary>
    public static byte[] SubscribeBook(IEnumerable<string> pairs, int depth = DefaultBookDepth) => V1("subscribe", pairs, "book", depth);

    public static byte[] UnsubscribeBook(IEnumerable<string> pairs, int depth = DefaultBookDepth) => V1("unsubscribe", pairs, "book", depth);

    /// <summary>Ticker (best bid/ask with lot volumes) → Bbo events.</summary>
    public static byte[] SubscribeTicker(IEnumerable<string> pairs) => V1("subscribe", pairs, "ticker", 0);

    public static byte[] UnsubscribeTicker(IEnumerable<string> pairs) => V1("unsubscribe", pairs, "ticker", 0);

    public static byte[] SubscribeTrades(IEnumerable<string> pairs) => V1("subscribe", pairs, "trade", 0);

    public static byte[] UnsubscribeTrades(IEnumerable<string> pairs) => V1("unsubscribe", pairs, "trade", 0);

    private static byte[] V1(string evt, IEnumerable<string> pairs, string name, int depth)
    {
        var sb = new StringBuilder();
        sb.Append("{\"event\":\"").Append(evt).Append("\",\"pair\":[");
        AppendList(sb, pairs);
        sb.Append("],\"subscription\":{\"name\":\"").Append(name).Append('"');
        if (depth > 0) sb.Append(",\"depth\":").Append(depth);
        sb.Append("}}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// How a book resyncs on Kraken v1 (after a checksum mismatch): unsubscribe then subscribe the pair's book; the venue
    /// answers with a fresh snapshot. Returns both messages, in order.
    /// </summary>
    public static byte[][] ResubscribeBook(string pair, int depth = DefaultBookDepth) => [UnsubscribeBook([pair], depth), SubscribeBook([pair], depth)];

    /// <summary>The v2 equivalent of <see cref="ResubscribeBook"/>.</summary>
    public static byte[][] ResubscribeBookV2(string symbol, int depth = 10) => [UnsubscribeBookV2([symbol], depth), SubscribeBookV2([symbol], depth)];

    // ---- v2 messages -------------------------------------------------------------------------------------------------

    /// <summary><c>{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10}}</c>.</summary>
    public static byte[] SubscribeBookV2(IEnumerable<string> symbols, int depth = 10) => V2("subscribe", "book", symbols, depth);

    public static byte[] UnsubscribeBookV2(IEnumerable<string> symbols, int depth = 10) => V2("unsubscribe", "book", symbols, depth);

    public static byte[] SubscribeTickerV2(IEnumerable<string> symbols) => V2("subscribe", "ticker", symbols, 0);

    public static byte[] SubscribeTradesV2(IEnumerable<string> symbols) => V2("subscribe", "trade", symbols, 0);

    private static byte[] V2(string method, string channel, IEnumerable<string> symbols, int depth)
    {
        var sb = new StringBuilder();
        sb.Append("{\"method\":\"").Append(method).Append("\",\"params\":{\"channel\":\"").Append(channel).Append("\",\"symbol\":[");
        AppendList(sb, symbols);
        sb.Append(']');
        if (depth > 0) sb.Append(",\"depth\":").Append(depth);
        sb.Append("}}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void AppendList(StringBuilder sb, IEnumerable<string> items)
    {
        bool first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append('"').Append(item).Append('"');
        }
    }
}
