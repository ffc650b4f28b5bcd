namespace FastEngine.Capture.Import;

/// <summary>Why an importer skipped a line. Each skipped line is counted under exactly one reason.</summary>
public enum CaptureImportRejectReason : byte
{
    None = 0,
    /// <summary>The receive time is not a plain decimal (seconds) or integer (ns/µs) number, or does not fit.</summary>
    BadTimestamp,
    /// <summary>A Python <c>b'...'</c> bytes literal with a bad escape, a non-ASCII byte or no closing quote.</summary>
    BadBytesLiteral,
    /// <summary>A gzip frame (HTX) that does not decompress.</summary>
    BadGzip,
    /// <summary>An envelope line that is not a JSON object with a known <c>t</c> and the fields that type needs.</summary>
    BadJsonEnvelope,
    /// <summary>A bare JSON line (format J) that is not valid JSON.</summary>
    BadJson,
    /// <summary>A legacy line that matches none of the documented line forms.</summary>
    UnrecognizedLine,
    /// <summary>A line longer than the importer's limit (skipped up to its newline).</summary>
    LineTooLong,
    /// <summary>An empty line in the middle of a file.</summary>
    EmptyLine,
}

/// <summary>
/// What an importer produced and rejected. Updated by the importer's thread; read it after the import
/// (not thread-safe while importing).
/// </summary>
public sealed class CaptureImportStats
{
    private const int MaxSamples = 20;
    private readonly long[] _records = new long[8];
    private readonly long[] _rejected = new long[Enum.GetValues<CaptureImportRejectReason>().Length];
    private readonly List<(long Line, CaptureImportRejectReason Reason)> _samples = [];

    /// <summary>Lines read (including rejected and metadata lines).</summary>
    public long Lines { get; internal set; }
    /// <summary>Lines that describe the recording, not a frame (legacy <c>configuration:</c>, envelope header).</summary>
    public long MetadataLines { get; internal set; }
    /// <summary>Records produced.</summary>
    public long TotalRecords { get; private set; }
    /// <summary>Lines rejected, all reasons.</summary>
    public long TotalRejected { get; private set; }

    public long Records(CaptureRecordKind kind) => _records[(int)kind & 7];
    public long Rejected(CaptureImportRejectReason reason) => _rejected[(int)reason];

    /// <summary>The first rejected lines (1-based line number and reason), for messages.</summary>
    public IReadOnlyList<(long Line, CaptureImportRejectReason Reason)> RejectedSamples => _samples;

    internal void CountRecord(CaptureRecordKind kind)
    {
        _records[(int)kind & 7]++;
        TotalRecords++;
    }

    internal void CountRejected(CaptureImportRejectReason reason, long line)
    {
        _rejected[(int)reason]++;
        TotalRejected++;
        if (_samples.Count < MaxSamples) _samples.Add((line, reason));
    }
}
