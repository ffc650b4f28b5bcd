using System.Text;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Okx;

/// <summary>OKX v5 public channels the adapter understands (the <c>arg.channel</c> value).</summary>
public enum OkxChannel : byte
{
    Unknown = 0,
    /// <summary><c>books</c>: 400 levels, snapshot then incremental updates, checksum.</summary>
    Books,
    /// <summary><c>books-l2-tbt</c>: 400 levels tick-by-tick (snapshot + updates, checksum).</summary>
    BooksL2Tbt,
    /// <summary><c>books50-l2-tbt</c>: 50 levels tick-by-tick (snapshot + updates, checksum).</summary>
    Books50L2Tbt,
    /// <summary><c>books5</c>: a full 5-level image every time (each message is a snapshot).</summary>
    Books5,
    /// <summary><c>bbo-tbt</c>: a 1-level image every time → <see cref="MarketEventKind.Bbo"/>.</summary>
    BboTbt,
    /// <summary><c>tickers</c>: best bid/ask and last trade → <see cref="MarketEventKind.Bbo"/>.</summary>
    Tickers,
    /// <summary><c>trades</c> → <see cref="MarketEventKind.Trade"/>.</summary>
    Trades,
    /// <summary><c>funding-rate</c> → <see cref="MarketEventKind.Funding"/>.</summary>
    FundingRate,
    /// <summary><c>mark-price</c> → <see cref="MarketEventKind.MarkPrice"/>.</summary>
    MarkPrice,
}

/// <summary>
/// OKX v5 public market data (spot <c>BTC-USDT</c>, linear perpetual <c>BTC-USDT-SWAP</c>, inverse <c>BTC-USD-SWAP</c>,
/// futures <c>BTC-USD-220325</c>, options <c>BTC-USD-220325-40000-C</c>): endpoint, subscription messages, heartbeat rule
/// and the documented book-sync procedure (<c>seqId</c>/<c>prevSeqId</c> chaining and the 25-level CRC-32 checksum).
/// </summary>
/// <remarks>Stateless and thread-safe; message builders allocate (cold path, at subscription time).</remarks>
public sealed class OkxAdapter : IVenueAdapter
{
    /// <summary>The public WebSocket endpoint (all instrument types share it).</summary>
    public const string PublicUrl = "wss://ws.okx.com:8443/ws/v5/public";

    /// <summary>Heartbeat rule (OKX v5 "Connect" section): the server closes a connection that is silent for 30 s, so when no
    /// message has arrived for <see cref="HeartbeatIdleInterval"/> the client sends the text frame <see cref="HeartbeatPing"/>
    /// and expects <see cref="HeartbeatPong"/> back (also a plain text frame, not JSON).</summary>
    public static readonly TimeSpan HeartbeatIdleInterval = TimeSpan.FromSeconds(25);

    /// <inheritdoc cref="HeartbeatIdleInterval"/>
    public const string HeartbeatPing = "ping";

    /// <inheritdoc cref="HeartbeatIdleInterval"/>
    public const string HeartbeatPong = "pong";

    /// <summary>Levels per side covered by the book checksum (OKX "Checksum" section).</summary>
    public const int ChecksumDepth = 25;

    /// <summary>
    /// OKX's book sync: each update's <c>prevSeqId</c> equals the previous message's <c>seqId</c> (snapshot: -1), an empty
    /// keep-alive update repeats the same id, a maintenance reset sends a smaller <c>seqId</c> with the right <c>prevSeqId</c>;
    /// CRC-32 over 25 interleaved levels, compared as signed int32 (only while the venue sends a non-zero checksum).
    /// </summary>
    public static readonly BookSyncSpec BookSpec = new(SequenceRule.PrevLinked, ChecksumKind.InterleavedColonCrc32, ChecksumDepth);

    private static readonly VenueId[] _venues = [VenueCatalog.Okx];

    public IReadOnlyList<VenueId> Venues => _venues;

    public BookSyncSpec SyncSpec(VenueId venue) => BookSpec;

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl) => new OkxParser(venue, registry);

    /// <summary>The wire name of a channel (<c>books-l2-tbt</c>, ...).</summary>
    public static string ChannelName(OkxChannel channel) => channel switch
    {
        OkxChannel.Books => "books",
        OkxChannel.BooksL2Tbt => "books-l2-tbt",
        OkxChannel.Books50L2Tbt => "books50-l2-tbt",
        OkxChannel.Books5 => "books5",
        OkxChannel.BboTbt => "bbo-tbt",
        OkxChannel.Tickers => "tickers",
        OkxChannel.Trades => "trades",
        OkxChannel.FundingRate => "funding-rate",
        OkxChannel.MarkPrice => "mark-price",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "no wire name for this channel"),
    };

    /// <summary><c>{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},...]}</c> for every channel × instrument.</summary>
    public static byte[] Subscribe(IEnumerable<OkxChannel> channels, IEnumerable<string> instIds) => Operation("subscribe", channels, instIds);

    /// <summary>The matching <c>unsubscribe</c> message.</summary>
    public static byte[] Unsubscribe(IEnumerable<OkxChannel> channels, IEnumerable<string> instIds) => Operation("unsubscribe", channels, instIds);

    /// <summary>Book subscription (<see cref="OkxChannel.BooksL2Tbt"/> by default; <c>books-l2-tbt</c> needs a VIP tier on the live venue today).</summary>
    public static byte[] SubscribeBook(string instId, OkxChannel channel = OkxChannel.Books) => Subscribe([channel], [instId]);

    public static byte[] SubscribeBbo(string instId) => Subscribe([OkxChannel.BboTbt], [instId]);

    public static byte[] SubscribeTickers(string instId) => Subscribe([OkxChannel.Tickers], [instId]);

    public static byte[] SubscribeTrades(string instId) => Subscribe([OkxChannel.Trades], [instId]);

    /// <summary>Funding rate and mark price of a derivative (<c>BTC-USDT-SWAP</c>).</summary>
    public static byte[] SubscribeFundingAndMark(string instId) => Subscribe([OkxChannel.FundingRate, OkxChannel.MarkPrice], [instId]);

    /// <summary>
    /// How a book resyncs on OKX (after a gap or checksum mismatch): unsubscribe then subscribe the same channel; the venue
    /// answers with a fresh snapshot, which <see cref="Books.BookKeeper"/> takes as the new base. Returns both messages, in order.
    /// </summary>
    public static byte[][] Resubscribe(OkxChannel channel, string instId) => [Unsubscribe([channel], [instId]), Subscribe([channel], [instId])];

    private static byte[] Operation(string op, IEnumerable<OkxChannel> channels, IEnumerable<string> instIds)
    {
        var sb = new StringBuilder();
        sb.Append("{\"op\":\"").Append(op).Append("\",\"args\":[");
        bool first = true;
        var ids = instIds.ToArray();
        foreach (var channel in channels)
        foreach (var id in ids)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append("{\"channel\":\"").Append(ChannelName(channel)).Append("\",\"instId\":\"").Append(id).Append("\"}");
        }
        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
