using System.Text;
using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Capture.Import;

/// <summary>
/// Imports format N, the hftbacktest recorder: <c>&lt;integer receive time&gt;&lt;space&gt;&lt;raw frame&gt;</c> per line, Unix ns in
/// <c>*.tsns.txt</c>, µs in <c>*.tsus.txt</c> (see <see cref="CaptureImportOptions.TimestampNsPerUnit"/>).
/// </summary>
/// <remarks>
/// The file holds one connection and no URL, so the importer first emits a synthetic ConnectionOpened
/// (connection 1, address <c>file:&lt;file name&gt;</c>, flag <see cref="CaptureRecordFlags.Synthetic"/>, the first line's time),
/// all frames then use connection 1 and the file's default venue (resolved from the file path). A line whose JSON object
/// has a top-level <c>lastUpdateId</c> and no <c>stream</c> key is the REST depth snapshot the recorder fetched: it
/// becomes a RestResponse on connection 0 with the synthetic address <c>rest:snapshot</c> (the request URL is not recorded).
/// </remarks>
public sealed class TimestampedRawImporter : CaptureImporter
{
    /// <summary>The address given to REST snapshot lines, whose request URL the recorder did not keep.</summary>
    public static ReadOnlyMemory<byte> SnapshotAddress { get; } = "rest:snapshot"u8.ToArray();

    private const uint ConnectionId = 1;
    private readonly ReadOnlyMemory<byte> _connectAddress;
    private long _nsPerUnit;
    private bool _connected;

    public TimestampedRawImporter(Stream stream, string name, Func<string, VenueId> resolveVenue, CaptureImportOptions? options = null)
        : base(stream, name, resolveVenue, options)
    {
        _nsPerUnit = Options.TimestampNsPerUnit ?? UnitFromName(name);
        _connectAddress = Encoding.UTF8.GetBytes("file:" + Path.GetFileName(name));
    }

    /// <summary>ns per unit from a file name (<c>.tsns.</c> → 1, <c>.tsus.</c> → 1,000), 0 when the name does not say.</summary>
    public static long UnitFromName(string name)
    {
        string file = Path.GetFileName(name);
        if (file.Contains(".tsns.", StringComparison.OrdinalIgnoreCase)) return 1;
        if (file.Contains(".tsus.", StringComparison.OrdinalIgnoreCase)) return 1_000;
        return 0;
    }

    protected override bool TryParseLine(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record)
    {
        record = default;
        ReadOnlySpan<byte> span = line.Span;
        int space = span.IndexOf((byte)' ');
        if (space <= 0) return Reject(CaptureImportRejectReason.BadTimestamp);
        ReadOnlySpan<byte> digits = span[..space];
        if (_nsPerUnit == 0) _nsPerUnit = UnitFromDigitCount(digits.Length);
        if (_nsPerUnit == 0 || !CaptureTime.TryParseInteger(digits, _nsPerUnit, out long ns)) return Reject(CaptureImportRejectReason.BadTimestamp);

        var payload = line[(space + 1)..];
        var frame = IsRestSnapshot(payload.Span)
            ? new CaptureRecord(ns, 0, DefaultVenue, CaptureRecordKind.RestResponse, SnapshotAddress, payload, sourcePosition: lineNumber)
            : new CaptureRecord(ns, ConnectionId, DefaultVenue, CaptureRecordKind.ReceivedText, default, payload, sourcePosition: lineNumber);

        if (_connected)
        {
            record = frame;
            return true;
        }
        _connected = true;
        var connect = new CaptureRecord(ns, ConnectionId, DefaultVenue, CaptureRecordKind.ConnectionOpened, _connectAddress, default,
            CaptureRecordFlags.Synthetic, 0);
        record = EmitBefore(connect, frame);
        return true;
    }

    private static long UnitFromDigitCount(int digits) => digits switch
    {
        19 => 1,
        16 => 1_000,
        13 => 1_000_000,
        10 => 1_000_000_000,
        _ => 0,
    };

    /// <summary>True for a JSON object with a top-level <c>lastUpdateId</c> and no top-level <c>stream</c>.</summary>
    public static bool IsRestSnapshot(ReadOnlySpan<byte> json)
    {
        // Fast path: WebSocket frames of a combined stream start with {"stream":
        if (json.StartsWith("{\"stream\":"u8)) return false;
        if (json.IndexOf("lastUpdateId"u8) < 0) return false;
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            bool lastUpdateId = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("stream"u8)) return false;
                if (reader.ValueTextEquals("lastUpdateId"u8)) lastUpdateId = true;
                reader.Read();
                reader.Skip();
            }
            return lastUpdateId;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
