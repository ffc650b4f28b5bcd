using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Capture.Import;

/// <summary>
/// Imports format E, the cryptofeed v3 envelope JSONL recorder (see shared/captures/README.md):
/// <code>
/// {"t":"header",...}                                 recorder metadata → skipped, counted as metadata
/// {"t":"connect","conn":ID,"ts":T,"addr":URL}        → ConnectionOpened, address URL
/// {"t":"send","conn":ID,"ts":T,"addr":URL,"data":S}  → Sent, address URL, payload = S unescaped
/// {"t":"recv","conn":ID,"ts":T,"data":S}             → ReceivedText, payload = S unescaped
/// {"t":"close"|"disconnect","conn":ID,"ts":T,...}    → ConnectionClosed, payload = "data"/"reason" when present
/// </code>
/// Keys may come in any order. <c>ts</c> (Unix seconds, a JSON number) is converted to ns by digits. The JSON string
/// <c>data</c> is unescaped with <see cref="Utf8JsonReader"/> into a pooled buffer. Connection ids: the trailing number of
/// the recorder's <c>conn</c> string (<c>"BYBIT.ws.3"</c> → 3) when it is unique in the file, else the next free id;
/// the venue of a connection comes from its connect <c>addr</c> (or a send's <c>addr</c>), else the file's default venue.
/// </summary>
public sealed class EnvelopeJsonImporter : CaptureImporter
{
    private readonly List<Connection> _connections = [];
    private byte[] _data = [];
    private byte[] _address = [];

    private sealed class Connection(byte[] key, uint id, VenueId venue)
    {
        public byte[] Key { get; } = key;
        public uint Id { get; } = id;
        public VenueId Venue { get; set; } = venue;
        public bool VenueFromAddress { get; set; }
    }

    private enum EnvelopeType : byte { Unknown, Header, Connect, Send, Recv, Close }

    public EnvelopeJsonImporter(Stream stream, string name, Func<string, VenueId> resolveVenue, CaptureImportOptions? options = null)
        : base(stream, name, resolveVenue, options)
    {
    }

    protected override bool TryParseLine(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record)
    {
        record = default;
        ReadOnlySpan<byte> span = line.Span;
        var type = EnvelopeType.Unknown;
        ReadOnlySpan<byte> conn = default;
        long ns = 0;
        bool hasTime = false, badTime = false;
        int addressLength = -1, dataLength = -1;

        try
        {
            var reader = new Utf8JsonReader(span, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("t"u8))
                {
                    reader.Read();
                    type = reader.TokenType != JsonTokenType.String ? EnvelopeType.Unknown
                        : reader.ValueTextEquals("recv"u8) ? EnvelopeType.Recv
                        : reader.ValueTextEquals("send"u8) ? EnvelopeType.Send
                        : reader.ValueTextEquals("connect"u8) ? EnvelopeType.Connect
                        : reader.ValueTextEquals("header"u8) ? EnvelopeType.Header
                        : reader.ValueTextEquals("close"u8) || reader.ValueTextEquals("disconnect"u8) ? EnvelopeType.Close
                        : EnvelopeType.Unknown;
                }
                else if (reader.ValueTextEquals("conn"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number)) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                    conn = reader.ValueSpan;
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    reader.Read();
                    hasTime = true;
                    badTime = reader.TokenType != JsonTokenType.Number || !CaptureTime.TryParseDecimalSeconds(reader.ValueSpan, out ns);
                }
                else if (reader.ValueTextEquals("addr"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                    addressLength = reader.CopyString(EnsureSize(ref _address, reader.ValueSpan.Length));
                }
                else if (reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                    dataLength = reader.CopyString(EnsureSize(ref _data, reader.ValueSpan.Length));
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
        }
        catch (JsonException)
        {
            return Reject(CaptureImportRejectReason.BadJsonEnvelope);
        }

        if (type == EnvelopeType.Header) return SkipMetadata();
        if (type == EnvelopeType.Unknown) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
        if (!hasTime || badTime) return Reject(CaptureImportRejectReason.BadTimestamp);
        if (conn.IsEmpty) return Reject(CaptureImportRejectReason.BadJsonEnvelope);

        var address = addressLength > 0 ? new ReadOnlyMemory<byte>(_address, 0, addressLength) : default;
        var connection = FindOrAdd(conn);
        if (addressLength > 0 && !connection.VenueFromAddress && type is EnvelopeType.Connect or EnvelopeType.Send)
        {
            connection.Venue = ResolveVenue(address.Span);
            connection.VenueFromAddress = true;
        }
        else if (connection.Venue.IsNone && !connection.VenueFromAddress)
        {
            // A connection seen before any connect/send line: the file's venue (resolved once, lazily).
            connection.Venue = DefaultVenue;
        }

        switch (type)
        {
            case EnvelopeType.Connect:
                if (addressLength <= 0) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                record = new CaptureRecord(ns, connection.Id, connection.Venue, CaptureRecordKind.ConnectionOpened, address, default, sourcePosition: lineNumber);
                return true;
            case EnvelopeType.Send:
                if (dataLength < 0) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                record = new CaptureRecord(ns, connection.Id, connection.Venue, CaptureRecordKind.Sent, address,
                    new ReadOnlyMemory<byte>(_data, 0, dataLength), sourcePosition: lineNumber);
                return true;
            case EnvelopeType.Recv:
                if (dataLength < 0) return Reject(CaptureImportRejectReason.BadJsonEnvelope);
                record = new CaptureRecord(ns, connection.Id, connection.Venue, CaptureRecordKind.ReceivedText, default,
                    new ReadOnlyMemory<byte>(_data, 0, dataLength), sourcePosition: lineNumber);
                return true;
            default:
                record = new CaptureRecord(ns, connection.Id, connection.Venue, CaptureRecordKind.ConnectionClosed, address,
                    dataLength > 0 ? new ReadOnlyMemory<byte>(_data, 0, dataLength) : default, sourcePosition: lineNumber);
                return true;
        }
    }

    private Connection FindOrAdd(ReadOnlySpan<byte> key)
    {
        foreach (var c in _connections)
            if (c.Key.AsSpan().SequenceEqual(key)) return c;
        return AddConnectionSlow(key);
    }

    private Connection AddConnectionSlow(ReadOnlySpan<byte> key)
    {
        // Keep the recorder's own number ("COINBASE.ws.2" → 2) so ids match the source; fall back to the next free id.
        int digits = 0;
        while (digits < key.Length && digits < 9 && (uint)(key[key.Length - 1 - digits] - '0') <= 9) digits++;
        uint id = 0;
        if (digits > 0) foreach (byte b in key[^digits..]) id = id * 10 + (uint)(b - '0');
        if (id == 0 || _connections.Exists(c => c.Id == id))
            id = _connections.Count == 0 ? 1 : _connections.Max(c => c.Id) + 1;
        var connection = new Connection(key.ToArray(), id, VenueId.None);
        _connections.Add(connection);
        return connection;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            ReturnBuffer(ref _data);
            ReturnBuffer(ref _address);
        }
    }
}
