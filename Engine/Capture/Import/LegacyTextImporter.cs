using FastEngine.Model;

namespace FastEngine.Capture.Import;

/// <summary>
/// Imports format L, the cryptofeed legacy text recorder (see shared/captures/README.md):
/// <code>
/// URL &lt;-&gt; T            connection opened       → ConnectionOpened, address URL
/// URL &lt;- T: PAYLOAD     frame sent              → Sent, address URL
/// T: PAYLOAD           frame received          → ReceivedText (or ReceivedBinary for b'...' literals)
/// URL -&gt; T: BODY       REST response           → RestResponse, address URL, connection 0
/// configuration: {..}  recorder metadata (first line only) → skipped, counted as metadata
/// </code>
/// T is Unix seconds as a decimal, converted to ns by digits. The payload is everything after the first <c>": "</c>.
/// Connection ids count the <c>&lt;-&gt;</c> lines (1, 2, ...); a received or sent line belongs to the most recent
/// connection opened before it in the file (0 with the file's default venue when none was). A received payload written as
/// a Python bytes literal (HTX) is unescaped, and gunzipped when it is gzip: the record is then ReceivedBinary with
/// <see cref="CaptureRecordFlags.Decompressed"/> and the JSON text as payload.
/// </summary>
public sealed class LegacyTextImporter : CaptureImporter
{
    private uint _lastConnection;
    private VenueId _connectionVenue;
    private byte[] _literal = [];
    private byte[] _inflated = [];

    public LegacyTextImporter(Stream stream, string name, Func<string, VenueId> resolveVenue, CaptureImportOptions? options = null)
        : base(stream, name, resolveVenue, options)
    {
    }

    protected override bool TryParseLine(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record)
    {
        record = default;
        ReadOnlySpan<byte> span = line.Span;

        if ((uint)(span[0] - '0') <= 9)
            return TryParseReceived(line, lineNumber, out record);

        if (lineNumber == 1 && span.StartsWith("configuration: "u8))
            return SkipMetadata();

        // URL-prefixed forms: the URL never contains a space.
        int space = span.IndexOf((byte)' ');
        if (space <= 0) return Reject(CaptureImportRejectReason.UnrecognizedLine);
        var url = line[..space];
        ReadOnlySpan<byte> rest = span[(space + 1)..];

        if (rest.StartsWith("<-> "u8))
        {
            if (!CaptureTime.TryParseDecimalSeconds(rest[4..], out long openedNs)) return Reject(CaptureImportRejectReason.BadTimestamp);
            _lastConnection++;
            _connectionVenue = ResolveVenue(url.Span);
            record = new CaptureRecord(openedNs, _lastConnection, _connectionVenue, CaptureRecordKind.ConnectionOpened, url, default, sourcePosition: lineNumber);
            return true;
        }

        bool sent = rest.StartsWith("<- "u8);
        if (!sent && !rest.StartsWith("-> "u8)) return Reject(CaptureImportRejectReason.UnrecognizedLine);
        int afterArrow = space + 1 + 3; // "<- " and "-> " are both 3 bytes
        ReadOnlySpan<byte> tail = span[afterArrow..];
        int colon = tail.IndexOf(": "u8);
        if (colon < 0) return Reject(CaptureImportRejectReason.UnrecognizedLine);
        if (!CaptureTime.TryParseDecimalSeconds(tail[..colon], out long ns)) return Reject(CaptureImportRejectReason.BadTimestamp);
        var body = line[(afterArrow + colon + 2)..];

        if (sent)
        {
            var venue = _lastConnection != 0 ? _connectionVenue : ResolveVenue(url.Span);
            record = new CaptureRecord(ns, _lastConnection, venue, CaptureRecordKind.Sent, url, body, sourcePosition: lineNumber);
        }
        else
        {
            // REST responses are not on a WebSocket connection: connection 0, venue from the request URL.
            record = new CaptureRecord(ns, 0, ResolveVenue(url.Span), CaptureRecordKind.RestResponse, url, body, sourcePosition: lineNumber);
        }
        return true;
    }

    private bool TryParseReceived(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record)
    {
        record = default;
        ReadOnlySpan<byte> span = line.Span;
        // The first ": " ends the time; the payload itself may contain ": ".
        int colon = span.IndexOf(": "u8);
        if (colon < 0) return Reject(CaptureImportRejectReason.UnrecognizedLine);
        if (!CaptureTime.TryParseDecimalSeconds(span[..colon], out long ns)) return Reject(CaptureImportRejectReason.BadTimestamp);
        var payload = line[(colon + 2)..];
        uint connection = _lastConnection;
        VenueId venue = connection != 0 ? _connectionVenue : DefaultVenue;

        if (!PythonBytesLiteral.IsBytesLiteral(payload.Span))
        {
            record = new CaptureRecord(ns, connection, venue, CaptureRecordKind.ReceivedText, default, payload, sourcePosition: lineNumber);
            return true;
        }
        return TryDecodeBytesLiteralSlow(payload, ns, connection, venue, lineNumber, out record);
    }

    private bool TryDecodeBytesLiteralSlow(ReadOnlyMemory<byte> literal, long ns, uint connection, VenueId venue, long lineNumber, out CaptureRecord record)
    {
        record = default;
        EnsureSize(ref _literal, literal.Length);
        if (!PythonBytesLiteral.TryUnescape(literal.Span, _literal, out int raw)) return Reject(CaptureImportRejectReason.BadBytesLiteral);
        if (!PythonBytesLiteral.IsGzip(_literal.AsSpan(0, raw)))
        {
            record = new CaptureRecord(ns, connection, venue, CaptureRecordKind.ReceivedBinary, default,
                new ReadOnlyMemory<byte>(_literal, 0, raw), sourcePosition: lineNumber);
            return true;
        }
        if (!PythonBytesLiteral.TryGunzip(_literal, 0, raw, ref _inflated, out int inflated)) return Reject(CaptureImportRejectReason.BadGzip);
        record = new CaptureRecord(ns, connection, venue, CaptureRecordKind.ReceivedBinary, default,
            new ReadOnlyMemory<byte>(_inflated, 0, inflated), CaptureRecordFlags.Decompressed, lineNumber);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            ReturnBuffer(ref _literal);
            ReturnBuffer(ref _inflated);
        }
    }
}
