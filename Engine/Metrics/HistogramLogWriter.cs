using System.Globalization;

namespace FastEngine.Metrics;

/// <summary>
/// Writes HdrHistogram interval logs (log format version 1.3, as HdrHistogram's HistogramLogWriter and
/// HistogramLogProcessor/HistogramLogAnalyzer read them): a version line, a start-time line, a CSV legend, then one
/// line per interval histogram: <c>[Tag=..,]start,length,max,base64(V2 compressed)</c>. Times are seconds with 3
/// decimals; the max is divided by a unit ratio (default 10^6: ns in, ms out). Lines end with "\n". The text encoding
/// is the writer's (HdrHistogram.NET writes UTF-16LE with a BOM; Java writes ASCII). Cold path: allocates.
/// Not thread-safe.
/// </summary>
public sealed class HistogramLogWriter
{
    private readonly TextWriter _writer;

    public HistogramLogWriter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Writes the format-version header line.</summary>
    public void WriteLogFormatVersion() => _writer.Write("#[Histogram log format version 1.3]\n");

    /// <summary>Writes the start time as seconds since the Unix epoch and as an ISO 8601 UTC time.</summary>
    public void WriteStartTime(DateTimeOffset startTime)
    {
        double seconds = startTime.ToUnixTimeMilliseconds() / 1000.0;
        _writer.Write(string.Create(CultureInfo.InvariantCulture,
            $"#[StartTime: {seconds:F3} (seconds since epoch), {startTime.UtcDateTime:o}]\n"));
    }

    /// <summary>Writes a comment line (<c>#</c> prefixed). Line breaks in the text are not allowed.</summary>
    public void WriteComment(string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        if (comment.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("A log comment must be a single line.", nameof(comment));
        _writer.Write("#" + comment + "\n");
    }

    /// <summary>Writes the CSV column legend.</summary>
    public void WriteLegend()
        => _writer.Write("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");

    /// <summary>Writes one interval histogram line.</summary>
    /// <param name="histogram">The interval's histogram.</param>
    /// <param name="startSeconds">Interval start, seconds (absolute since the epoch, or relative to the start time).</param>
    /// <param name="lengthSeconds">Interval length, seconds.</param>
    /// <param name="maxValueUnitRatio">Divisor for the Interval_Max column (10^6 turns ns into ms).</param>
    /// <param name="tag">Optional tag (no commas, spaces or line breaks), written as <c>Tag=...,</c>.</param>
    public void WriteHistogram(LongHistogram histogram, double startSeconds, double lengthSeconds,
        double maxValueUnitRatio = 1_000_000.0, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (tag is not null && (tag.Length == 0 || tag.AsSpan().IndexOfAny(", \r\n") >= 0))
            throw new ArgumentException("A histogram tag must be non-empty without commas, spaces or line breaks.", nameof(tag));
        string payload = Convert.ToBase64String(histogram.EncodeV2Compressed());
        double max = histogram.GetMaxValue() / maxValueUnitRatio;
        string prefix = tag is null ? "" : "Tag=" + tag + ",";
        _writer.Write(string.Create(CultureInfo.InvariantCulture,
            $"{prefix}{startSeconds:F3},{lengthSeconds:F3},{max:F3},{payload}\n"));
    }
}
