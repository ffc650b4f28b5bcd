using System.Text;
using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Capture.Import;

/// <summary>
/// Imports format J, bare JSON Lines: every non-empty line is one received text frame, nothing else.
/// </summary>
/// <remarks>
/// The format has no timestamps, so <see cref="CaptureRecord.ReceiveTimeNs"/> is the 1-based line number (a synthetic,
/// strictly increasing time, flagged <see cref="CaptureRecordFlags.SyntheticTime"/>): order is kept, durations are
/// meaningless, and merging such a file with timed sources puts all of it first. A synthetic ConnectionOpened
/// (connection 1, address <c>file:&lt;file name&gt;</c>, time 0) comes first; the venue is the file's default venue.
/// Lines that are not valid JSON are rejected with <see cref="CaptureImportRejectReason.BadJson"/>.
/// </remarks>
public sealed class JsonLinesImporter : CaptureImporter
{
    private const uint ConnectionId = 1;
    private readonly ReadOnlyMemory<byte> _connectAddress;
    private bool _connected;

    public JsonLinesImporter(Stream stream, string name, Func<string, VenueId> resolveVenue, CaptureImportOptions? options = null)
        : base(stream, name, resolveVenue, options)
    {
        _connectAddress = Encoding.UTF8.GetBytes("file:" + Path.GetFileName(name));
    }

    protected override bool TryParseLine(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record)
    {
        record = default;
        if (!IsValidJson(line.Span)) return Reject(CaptureImportRejectReason.BadJson);
        var frame = new CaptureRecord(lineNumber, ConnectionId, DefaultVenue, CaptureRecordKind.ReceivedText, default, line,
            CaptureRecordFlags.SyntheticTime, lineNumber);
        if (_connected)
        {
            record = frame;
            return true;
        }
        _connected = true;
        var connect = new CaptureRecord(0, ConnectionId, DefaultVenue, CaptureRecordKind.ConnectionOpened, _connectAddress, default,
            CaptureRecordFlags.Synthetic | CaptureRecordFlags.SyntheticTime, 0);
        record = EmitBefore(connect, frame);
        return true;
    }

    private static bool IsValidJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            if (!reader.Read()) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
