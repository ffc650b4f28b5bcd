using System.Runtime.InteropServices;

namespace FastEngine.Model;

/// <summary>What a <see cref="MarketEvent"/> carries.</summary>
public enum MarketEventKind : byte
{
    None = 0,
    /// <summary>
    /// Starts one book message (snapshot or delta). Carries the message's sequence numbers
    /// (<see cref="MarketEvent.Sequence"/> = last update id, <see cref="MarketEvent.PrevSequence"/> = the id the previous
    /// message must have ended with, <see cref="MarketEvent.FirstSequence"/> = first update id covered), the venue checksum
    /// when <see cref="MarketEventFlags.HasChecksum"/>, and <see cref="MarketEventFlags.Snapshot"/> for a full image.
    /// The message's level events follow; the last event of the message has <see cref="MarketEventFlags.EndOfMessage"/>.
    /// </summary>
    BookHeader = 1,
    /// <summary>One price level of a book message: size is the new total at that price; 0 removes the level.</summary>
    BookLevel = 2,
    /// <summary>Best bid or offer from a venue's BBO/ticker stream (one event per side).</summary>
    Bbo = 3,
    /// <summary>A public trade: price, size, aggressor side, trade id in <see cref="MarketEvent.Sequence"/>.</summary>
    Trade = 4,
    /// <summary>Funding rate (<see cref="MarketEvent.FundingRate"/>, scale <see cref="MarketEvent.FundingRateScale"/>),
    /// next funding time (<see cref="MarketEvent.NextFundingTimeMs"/>).</summary>
    Funding = 5,
    /// <summary>Mark price of a derivative.</summary>
    MarkPrice = 6,
    /// <summary>Index (spot reference) price of a derivative.</summary>
    IndexPrice = 7,
    /// <summary>
    /// The adapter declares the book unusable (a per-connection sequence gap, a disconnect, a rejected frame of that
    /// book); <see cref="MarketEvent.Reason"/> says why. The book is unsynced until its next snapshot.
    /// </summary>
    BookInvalidate = 8,
}

/// <summary>Bit flags of a <see cref="MarketEvent"/>.</summary>
[Flags]
public enum MarketEventFlags : ushort
{
    None = 0,
    /// <summary>Last event of one venue message: a book message is applied as one unit up to here.</summary>
    EndOfMessage = 1 << 0,
    /// <summary>The book message is a full image: clear the book first.</summary>
    Snapshot = 1 << 1,
    /// <summary><see cref="MarketEvent.Checksum"/> holds the venue's checksum of the book after this message.</summary>
    HasChecksum = 1 << 2,
    /// <summary>The message carries sequence numbers to check.</summary>
    HasSequence = 1 << 3,
    /// <summary>A venue's "republish" or repeated level (Kraken <c>r</c>): applied, not a change of state.</summary>
    Republish = 1 << 4,
    /// <summary>The snapshot came from a REST request (sync bridge rules apply to the deltas around it).</summary>
    RestSnapshot = 1 << 5,
    /// <summary>Replayed from a capture, not live.</summary>
    Replay = 1 << 6,
}

/// <summary>Why an adapter sent <see cref="MarketEventKind.BookInvalidate"/> (stored in <see cref="MarketEvent.Reason"/>).</summary>
public enum InvalidateReason : byte
{
    None = 0,
    SequenceGap = 1,
    Disconnected = 2,
    RejectedFrame = 3,
    VenueReset = 4,
    Resubscribed = 5,
}

/// <summary>
/// The normalized market-data event that venue parsers write into the ring: fixed 64 bytes (one cache line), blittable,
/// no references, so the ring is one pre-allocated array of structs accessed by <c>ref</c>.
/// Prices and sizes are fixed-point mantissas at the instrument's scales; <see cref="PriceDecimals"/>/<see cref="SizeDecimals"/>
/// keep how many fractional digits the venue's text had, so checksums can rebuild the exact original strings.
/// </summary>
/// <remarks>
/// Layout (bytes): 0 Price | 8 Size | 16 Sequence | 24 PrevSequence | 32 ExchangeTimeNs | 40 ReceiveTimeNs |
/// 48 Instrument | 52 Checksum | 56 Venue | 58 Flags | 60 Kind | 61 Side | 62 PriceDecimals | 63 SizeDecimals.
/// Some kinds reuse fields under other names (<see cref="FirstSequence"/>, <see cref="FundingRate"/>, ...), documented there.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public struct MarketEvent
{
    /// <summary>Price mantissa (instrument price scale). For <see cref="MarketEventKind.BookHeader"/>: <see cref="FirstSequence"/>.</summary>
    [FieldOffset(0)] public long Price;
    /// <summary>Size mantissa (instrument quantity scale). For <see cref="MarketEventKind.Funding"/>: <see cref="FundingRate"/>.</summary>
    [FieldOffset(8)] public long Size;
    /// <summary>The venue's sequence / update id / trade id of this message (see the kind).</summary>
    [FieldOffset(16)] public long Sequence;
    /// <summary>The id the previous message must have ended with (Binance <c>pu</c>, OKX <c>prevSeqId</c>), or -1.
    /// For <see cref="MarketEventKind.Funding"/>: <see cref="NextFundingTimeMs"/>.</summary>
    [FieldOffset(24)] public long PrevSequence;
    /// <summary>Exchange event time, Unix nanoseconds (0 when the venue sends none).</summary>
    [FieldOffset(32)] public long ExchangeTimeNs;
    /// <summary>Local receive time, Unix nanoseconds from the engine's monotonic clock (<c>EngineClock</c>).</summary>
    [FieldOffset(40)] public long ReceiveTimeNs;
    [FieldOffset(48)] public InstrumentId Instrument;
    /// <summary>The venue's checksum (CRC32 bits) when <see cref="MarketEventFlags.HasChecksum"/>.</summary>
    [FieldOffset(52)] public uint Checksum;
    [FieldOffset(56)] public VenueId Venue;
    [FieldOffset(58)] public MarketEventFlags Flags;
    [FieldOffset(60)] public MarketEventKind Kind;
    [FieldOffset(61)] public Side Side;
    /// <summary>Fractional digits of the price text as sent. For <see cref="MarketEventKind.BookInvalidate"/>: <see cref="Reason"/>.</summary>
    [FieldOffset(62)] public byte PriceDecimals;
    [FieldOffset(63)] public byte SizeDecimals;

    /// <summary>Alias of <see cref="Price"/> on <see cref="MarketEventKind.BookHeader"/>: first update id the message covers (Binance <c>U</c>).</summary>
    [FieldOffset(0)] public long FirstSequence;
    /// <summary>Alias of <see cref="Size"/> on <see cref="MarketEventKind.Funding"/>: rate × 10^<see cref="FundingRateScale"/>.</summary>
    [FieldOffset(8)] public long FundingRate;
    /// <summary>Alias of <see cref="PrevSequence"/> on <see cref="MarketEventKind.Funding"/>: next funding time, Unix ms.</summary>
    [FieldOffset(24)] public long NextFundingTimeMs;
    /// <summary>Alias of <see cref="PriceDecimals"/> on <see cref="MarketEventKind.BookInvalidate"/>.</summary>
    [FieldOffset(62)] public InvalidateReason Reason;

    /// <summary>Fixed scale of <see cref="FundingRate"/> (rates such as 0.00010000 need 8 decimals; 12 leaves headroom).</summary>
    public const int FundingRateScale = 12;

    public readonly bool IsEndOfMessage => (Flags & MarketEventFlags.EndOfMessage) != 0;
    public readonly bool IsSnapshot => (Flags & MarketEventFlags.Snapshot) != 0;
}
