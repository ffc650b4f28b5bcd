using System.Text;
using FastEngine.Model;

namespace FastEngine.Capture;

/// <summary>What a capture record holds. Stored as one byte in the file: values never change meaning.</summary>
public enum CaptureRecordKind : byte
{
    /// <summary>Not a valid kind (a zeroed record).</summary>
    None = 0,
    /// <summary>A WebSocket connection was opened; <see cref="CaptureRecord.Address"/> is its URL, the payload is empty.</summary>
    ConnectionOpened = 1,
    /// <summary>A text frame received from the venue (UTF-8, exactly as received).</summary>
    ReceivedText = 2,
    /// <summary>
    /// A binary frame received from the venue. When <see cref="CaptureRecordFlags.Decompressed"/> is set the payload is
    /// the frame after the venue's gzip/deflate was undone (HTX), so replay sees what the parser sees live.
    /// </summary>
    ReceivedBinary = 3,
    /// <summary>A frame the client sent (subscription request); <see cref="CaptureRecord.Address"/> is the connection URL when known.</summary>
    Sent = 4,
    /// <summary>A REST response body; <see cref="CaptureRecord.Address"/> is the request URL (or a synthetic <c>rest:...</c> address).</summary>
    RestResponse = 5,
    /// <summary>The connection closed; the payload is the close reason text (may be empty).</summary>
    ConnectionClosed = 6,
}

/// <summary>Per-record flag bits (one byte in the file).</summary>
[Flags]
public enum CaptureRecordFlags : byte
{
    None = 0,
    /// <summary>The payload was decompressed (gzip/deflate) from the frame bytes on the wire.</summary>
    Decompressed = 1,
    /// <summary>The receive time is synthetic (e.g. a line number for formats without timestamps).</summary>
    SyntheticTime = 2,
    /// <summary>The record was made by an importer (e.g. the connect of a format without connect lines), not observed.</summary>
    Synthetic = 4,
}

/// <summary>
/// One captured event: a raw frame (after WebSocket de-framing and decompression), a connect/close, a sent frame or a
/// REST body, with its local receive time. The same shape comes out of <see cref="CaptureReader"/>, every importer and
/// <see cref="CaptureMerge"/>.
/// </summary>
/// <remarks>
/// <see cref="Address"/> and <see cref="Payload"/> point into the producing source's buffers: they are valid only until
/// that source's next <c>MoveNext</c>. Copy them to keep them. Copying the struct itself allocates nothing.
/// </remarks>
public readonly struct CaptureRecord
{
    public CaptureRecord(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind,
        ReadOnlyMemory<byte> address, ReadOnlyMemory<byte> payload, CaptureRecordFlags flags = CaptureRecordFlags.None,
        long sourcePosition = 0)
    {
        ReceiveTimeNs = receiveTimeNs;
        ConnectionId = connectionId;
        Venue = venue;
        Kind = kind;
        Flags = flags;
        Address = address;
        Payload = payload;
        SourcePosition = sourcePosition;
    }

    /// <summary>Local receive time, Unix nanoseconds.</summary>
    public long ReceiveTimeNs { get; }
    /// <summary>The connection the record belongs to; 0 = not on a WebSocket connection (REST, unattributed).</summary>
    public uint ConnectionId { get; }
    public VenueId Venue { get; }
    public CaptureRecordKind Kind { get; }
    public CaptureRecordFlags Flags { get; }
    /// <summary>UTF-8 URL or synthetic address (connects, sends, REST responses); empty otherwise.</summary>
    public ReadOnlyMemory<byte> Address { get; }
    /// <summary>The frame or body bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }
    /// <summary>
    /// Where the record came from in its source, for error messages and stable ordering: the byte offset of the record
    /// in a capture file, or the 1-based line number in an imported text file.
    /// </summary>
    public long SourcePosition { get; }

    /// <summary>The address as a string, or null when empty (cold path: allocates).</summary>
    public string? AddressText() => Address.IsEmpty ? null : Encoding.UTF8.GetString(Address.Span);

    /// <summary>This record with another connection id (used by <see cref="CaptureMerge"/>).</summary>
    public CaptureRecord WithConnectionId(uint connectionId) =>
        new(ReceiveTimeNs, connectionId, Venue, Kind, Address, Payload, Flags, SourcePosition);

    public override string ToString() =>
        $"{Kind} t={ReceiveTimeNs} conn={ConnectionId} venue={Venue.Value} addr={AddressText()} payload={Payload.Length} B";
}

/// <summary>
/// A forward-only stream of <see cref="CaptureRecord"/>s: a capture file, an importer over a recorded text file, or a
/// merge of several. Single-threaded: one consumer calls <see cref="MoveNext"/>.
/// </summary>
public interface ICaptureSource : IDisposable
{
    /// <summary>A name for messages (usually the file path).</summary>
    string Name { get; }

    /// <summary>
    /// Advances to the next record. False when no record is available now (end of data, a torn tail, or a fatal error:
    /// see the concrete source's status).
    /// </summary>
    bool MoveNext();

    /// <summary>The record <see cref="MoveNext"/> produced; its memory is valid until the next call.</summary>
    CaptureRecord Current { get; }
}
