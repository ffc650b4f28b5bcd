namespace FastEngine.Books;

/// <summary>How consecutive book messages of one venue chain.</summary>
public enum SequenceRule : byte
{
    /// <summary>No sequence numbers in book messages (Kraken v1, Gemini, HTX images): only checksums or nothing.</summary>
    None = 0,
    /// <summary>
    /// Each delta's <c>PrevSequence</c> must equal the previous message's <c>Sequence</c>: Binance futures <c>pu</c>,
    /// Binance spot (adapter sets PrevSequence = <c>U</c> - 1), Bybit (<c>u</c> - 1), OKX <c>prevSeqId</c>,
    /// Deribit <c>prev_change_id</c>. A REST snapshot with id L is bridged by the first delta with
    /// <c>FirstSequence</c> ≤ L+1 ≤ <c>Sequence</c>; deltas with <c>Sequence</c> ≤ L are dropped as already contained.
    /// </summary>
    PrevLinked = 1,
}

/// <summary>Book checksum algorithms, named by what they compute (the engine knows no venue by name).</summary>
public enum ChecksumKind : byte
{
    None = 0,
    /// <summary>
    /// CRC-32 of <c>bid1Px:bid1Sz:ask1Px:ask1Sz:…</c> over the best <see cref="BookSyncSpec.ChecksumDepth"/> levels per side
    /// (when one side is shorter, the other side's remaining levels continue alone), the venue's original number text,
    /// compared as a signed 32-bit integer. OKX v5 books (depth 25) and Bitget v1 books (depth 25).
    /// </summary>
    InterleavedColonCrc32 = 1,
    /// <summary>
    /// CRC-32 of the best N asks (lowest first) then the best N bids (highest first), each level as price text then size
    /// text with the '.' removed and leading zeros stripped; unsigned. Kraken WebSocket v1 books (N = 10).
    /// </summary>
    ConcatenatedDigitsCrc32 = 2,
}

/// <summary>
/// A venue's documented book-sync procedure, declared by its adapter and executed by <see cref="BookKeeper"/>.
/// </summary>
/// <param name="Sequence">How deltas chain.</param>
/// <param name="Checksum">Which checksum the venue sends, if any.</param>
/// <param name="ChecksumDepth">Levels per side the checksum covers.</param>
/// <param name="MaxDepth">Truncate each side to this many levels after every message (Kraken: the subscribed depth); 0 = keep all.</param>
/// <param name="BufferUntilSnapshot">Deltas arrive before a REST snapshot and must be kept until it comes (Binance).</param>
/// <param name="MaxBufferedEvents">Upper bound of buffered events before the book gives up and resyncs.</param>
/// <param name="DeepDiffs">The venue's deltas walk deep into a large book (Binance diff streams against a 1,000-level REST
/// snapshot): its books keep <see cref="BookSide"/>'s gap buffer. Measured faster there, slower for books changed near the top.</param>
/// <param name="DenseBooks">The venue's books hold levels near the top, mostly one tick apart, and its deltas change them
/// anywhere (Bybit orderbook.200): <see cref="BookSide"/> interpolates a price's place instead of scanning then bisecting.
/// Measured faster on Bybit's capture (7 % less book work); not measured faster elsewhere, so off by default.</param>
public sealed record BookSyncSpec(
    SequenceRule Sequence = SequenceRule.None,
    ChecksumKind Checksum = ChecksumKind.None,
    int ChecksumDepth = 0,
    int MaxDepth = 0,
    bool BufferUntilSnapshot = false,
    int MaxBufferedEvents = 1 << 20,
    bool DeepDiffs = false,
    bool DenseBooks = false)
{
    public static readonly BookSyncSpec Plain = new();
}
