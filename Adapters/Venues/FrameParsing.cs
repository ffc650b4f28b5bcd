using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues;

/// <summary>Outcome of parsing one frame.</summary>
public enum FrameStatus : byte
{
    /// <summary>Market data: events were appended to the batch.</summary>
    Data = 0,
    /// <summary>A control frame (subscription ack, heartbeat, pong, info): nothing to publish.</summary>
    Control = 1,
    /// <summary>Rejected: <see cref="ParseResult.Reason"/> says why; nothing was appended.</summary>
    Rejected = 2,
}

/// <summary>Why a frame was rejected. Counted per venue; never an exception.</summary>
public enum RejectReason : byte
{
    None = 0,
    InvalidJson,
    InvalidUtf8,
    /// <summary>Valid JSON but not the documented shape (missing field, wrong type, unexpected array length).</summary>
    UnexpectedShape,
    MissingField,
    UnknownSymbol,
    UnknownChannel,
    /// <summary>A price/size that is not a number.</summary>
    BadNumber,
    /// <summary>A number that does not fit the instrument's fixed-point range.</summary>
    NumberOverflow,
    /// <summary>A number with more decimals than the instrument's scale.</summary>
    PrecisionLoss,
    Oversize,
    /// <summary>A venue-level error message (<c>{"event":"error"}</c>, <c>{"type":"error"}</c>).</summary>
    VenueError,
    /// <summary>A per-connection sequence gap (Coinbase <c>sequence_num</c>): the affected books were invalidated.</summary>
    ConnectionSequenceGap,
}

/// <summary>Result of <see cref="IFrameParser.Parse"/>.</summary>
public readonly record struct ParseResult(FrameStatus Status, RejectReason Reason = RejectReason.None)
{
    public static readonly ParseResult Data = new(FrameStatus.Data);
    public static readonly ParseResult Control = new(FrameStatus.Control);
    public static ParseResult Reject(RejectReason reason) => new(FrameStatus.Rejected, reason);
}

/// <summary>What kind of payload a parser is given.</summary>
public enum FrameSource : byte
{
    /// <summary>A WebSocket message received from the venue.</summary>
    WebSocket = 0,
    /// <summary>A REST response body (book snapshot); the request URL is in the parser call.</summary>
    Rest = 1,
}

/// <summary>
/// Turns one venue frame into <see cref="MarketEvent"/>s. One instance per connection (it keeps per-connection state:
/// channel ids, connection sequence numbers, the symbols subscribed). Zero allocation per frame after warm-up.
/// </summary>
public interface IFrameParser
{
    /// <summary>Parses <paramref name="frame"/> (complete, contiguous UTF-8) and appends its events to <paramref name="output"/>.
    /// On rejection nothing is appended (the batch is restored to its count on entry).</summary>
    /// <param name="url">For <see cref="FrameSource.Rest"/>: the request URL (symbol and depth are in its query); otherwise null.</param>
    ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output);
}

/// <summary>
/// One exchange's adapter: which venues it serves, their documented book-sync rules, and a parser factory.
/// Registered in <see cref="VenueAdapters"/>.
/// </summary>
public interface IVenueAdapter
{
    /// <summary>The venues (market segments) this adapter serves.</summary>
    IReadOnlyList<VenueId> Venues { get; }

    /// <summary>The venue's documented book-sync procedure.</summary>
    BookSyncSpec SyncSpec(VenueId venue);

    /// <summary>A parser for one connection to <paramref name="venue"/> (URL as connected, if known).</summary>
    IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl);
}
