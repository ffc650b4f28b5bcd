using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FastEngine.Metrics;

/// <summary>
/// Latency reports a run writes about itself, for a set of named <see cref="LongHistogram"/>s whose values are
/// nanoseconds (stages such as "receive→book", "receive→signal", "receive→intent", "end-to-end"):
/// one HdrHistogram <c>.hgrm</c> percentile file per histogram (output in microseconds, scaling ratio 1000), a
/// Markdown table, an SVG percentile plot drawn like HdrHistogram's plotter, and a JSON summary in nanoseconds.
/// </summary>
/// <remarks>
/// <para>Numbers: count, min (<see cref="LongHistogram.GetMinValue"/>), p50/p90/p99/p99.9/p99.99
/// (<see cref="LongHistogram.GetValueAtPercentile"/>), max (<see cref="LongHistogram.GetMaxValue"/>) and mean
/// (<see cref="LongHistogram.GetMean"/>): HdrHistogram's semantics, i.e. values are reported at the edges or middle of
/// their slots. Markdown and SVG print microseconds with 3 decimals (exact for integer nanoseconds); JSON prints the
/// nanoseconds themselves. An empty histogram (count 0) gets "-" in Markdown, null in JSON and no curve in the plot.</para>
/// <para>Determinism: invariant culture, "\n" line ends, no clock read: the same histograms and metadata give
/// byte-identical output. Names must be non-null and unique; in <see cref="Write"/> they must also stay unique once
/// sanitized into file names.</para>
/// <para>Cold path: allocates freely. Not thread-safe with respect to the histograms: no thread may record into them
/// while a report is written (take <see cref="LongHistogram.Copy"/> snapshots first).</para>
/// </remarks>
public static partial class LatencyReport
{
    /// <summary>Output value unit scaling ratio of the <c>.hgrm</c> files: nanoseconds in, microseconds out.</summary>
    public const double HgrmScalingRatio = 1000.0;

    /// <summary>Percentile ticks per half distance of the <c>.hgrm</c> files and of the plot (HdrHistogram's default).</summary>
    public const int PercentileTicksPerHalfDistance = 5;

    private static readonly (string Label, string JsonKey, double Percentile)[] _percentiles =
    [
        ("p50", "p50", 50.0),
        ("p90", "p90", 90.0),
        ("p99", "p99", 99.0),
        ("p99.9", "p999", 99.9),
        ("p99.99", "p9999", 99.99),
    ];

    /// <summary>
    /// Writes the whole report into <paramref name="directory"/> (created if missing): one
    /// <c>&lt;prefix&gt;-&lt;sanitized name&gt;.hgrm</c> per histogram, in input order, then <c>&lt;prefix&gt;.md</c>,
    /// <c>&lt;prefix&gt;.svg</c> and <c>&lt;prefix&gt;.json</c> (UTF-8 without BOM). Existing files are overwritten.
    /// Returns the full paths written, in that order. Sanitizing keeps ASCII letters, digits, '.', '_' and '-' and
    /// turns every other run of characters into one '_' ("receive→book" becomes "receive_book").
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is empty or holds a path separator or a character not allowed
    /// in file names; a name is null or repeated, or two names give the same file name.</exception>
    public static IReadOnlyList<string> Write(string directory, string prefix,
        IReadOnlyList<(string Name, LongHistogram Histogram)> histograms, LatencyReportMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        Validate(histograms, metadata);
        if (prefix.Length == 0 || prefix.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || prefix.Contains('/') || prefix.Contains('\\'))
            throw new ArgumentException($"The prefix '{prefix}' must be a non-empty file name without path separators.", nameof(prefix));

        var fileNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var hgrmPaths = new string[histograms.Count];
        for (int i = 0; i < histograms.Count; i++)
        {
            string fileName = prefix + "-" + SanitizeFileName(histograms[i].Name) + ".hgrm";
            // Case-insensitive: "Book" and "book" would overwrite each other on Windows and macOS file systems.
            if (!fileNames.TryAdd(fileName, histograms[i].Name))
                throw new ArgumentException(
                    $"The histograms '{fileNames[fileName]}' and '{histograms[i].Name}' would both be written to {fileName}; give them names that differ in letters or digits.",
                    nameof(histograms));
            hgrmPaths[i] = Path.Combine(directory, fileName);
        }

        Directory.CreateDirectory(directory);
        var written = new List<string>(histograms.Count + 3);
        for (int i = 0; i < histograms.Count; i++)
        {
            LongHistogram histogram = histograms[i].Histogram;
            WriteText(hgrmPaths[i], writer => histogram.OutputPercentileDistribution(writer, PercentileTicksPerHalfDistance, HgrmScalingRatio));
            written.Add(hgrmPaths[i]);
        }

        string markdownPath = Path.Combine(directory, prefix + ".md");
        WriteText(markdownPath, writer => WriteMarkdown(writer, histograms, metadata));
        written.Add(markdownPath);

        string svgPath = Path.Combine(directory, prefix + ".svg");
        WriteText(svgPath, writer => WriteSvg(writer, histograms, metadata));
        written.Add(svgPath);

        string jsonPath = Path.Combine(directory, prefix + ".json");
        using (var stream = new FileStream(jsonPath, FileMode.Create, FileAccess.Write, FileShare.Read))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions
               {
                   Indented = true,
                   // The file is read by people and by jq, not embedded in HTML: keep "→" and "µ" readable.
                   Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                   NewLine = "\n",
               }))
        {
            WriteJson(json, histograms, metadata);
        }
        written.Add(jsonPath);
        return written;
    }

    /// <summary>
    /// Writes the Markdown report: a "# title" heading, one "- Key: value" line per metadata field that is set, and
    /// a table with one row per histogram (count, then min, p50, p90, p99, p99.9, p99.99, max and mean in µs with 3
    /// decimals; "-" for an empty histogram). A '|' in a name is escaped, line breaks become spaces.
    /// </summary>
    public static void WriteMarkdown(TextWriter writer, IReadOnlyList<(string Name, LongHistogram Histogram)> histograms,
        LatencyReportMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Validate(histograms, metadata);
        var text = new StringBuilder(256 + 160 * histograms.Count);
        text.Append("# ").Append(MarkdownInline(metadata.Title)).Append("\n\n");
        int metadataLines = 0;
        AppendMetadataLine(text, "Machine", metadata.Machine, ref metadataLines);
        AppendMetadataLine(text, "Runtime", metadata.Runtime, ref metadataLines);
        AppendMetadataLine(text, "Date", metadata.FormattedDate, ref metadataLines);
        AppendMetadataLine(text, "Wait strategy", metadata.WaitStrategy, ref metadataLines);
        AppendMetadataLine(text, "Topology", metadata.Topology, ref metadataLines);
        if (metadataLines > 0)
            text.Append('\n');

        text.Append("| Histogram | Count | Min (µs)");
        foreach (var (label, _, _) in _percentiles)
            text.Append(" | ").Append(label).Append(" (µs)");
        text.Append(" | Max (µs) | Mean (µs) |\n");
        text.Append("| :--- | ---:");
        for (int column = 0; column < _percentiles.Length + 3; column++)
            text.Append(" | ---:");
        text.Append(" |\n");

        foreach (var (name, histogram) in histograms)
        {
            text.Append("| ").Append(MarkdownCell(name)).Append(" | ")
                .Append(histogram.TotalCount.ToString(CultureInfo.InvariantCulture));
            bool empty = histogram.TotalCount == 0;
            text.Append(" | ").Append(empty ? "-" : FormatMicros(histogram.GetMinValue()));
            foreach (var (_, _, percentile) in _percentiles)
                text.Append(" | ").Append(empty ? "-" : FormatMicros(histogram.GetValueAtPercentile(percentile)));
            text.Append(" | ").Append(empty ? "-" : FormatMicros(histogram.GetMaxValue()));
            text.Append(" | ").Append(empty ? "-" : (histogram.GetMean() / 1000.0).ToString("F3", CultureInfo.InvariantCulture));
            text.Append(" |\n");
        }
        text.Append("\nHdrHistogram values in microseconds: percentiles and max at the high edge of their slot, ")
            .Append("min at the low edge, mean over slot middles.\n");
        writer.Write(text);
    }

    /// <summary>
    /// Writes the JSON summary as one object: the metadata fields that are set ("title", "machine", "runtime",
    /// "date", "waitStrategy", "topology"), "unit": "ns", and "histograms": an array in input order of objects with
    /// "name", "count", "min", "p50", "p90", "p99", "p999", "p9999", "max" (integer nanoseconds) and "mean"
    /// (nanoseconds, a double); for an empty histogram every field but "name" and "count" is null. Flushes the writer.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter writer, IReadOnlyList<(string Name, LongHistogram Histogram)> histograms,
        LatencyReportMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Validate(histograms, metadata);
        writer.WriteStartObject();
        writer.WriteString("title", metadata.Title);
        WriteOptional(writer, "machine", metadata.Machine);
        WriteOptional(writer, "runtime", metadata.Runtime);
        WriteOptional(writer, "date", metadata.FormattedDate);
        WriteOptional(writer, "waitStrategy", metadata.WaitStrategy);
        WriteOptional(writer, "topology", metadata.Topology);
        writer.WriteString("unit", "ns");
        writer.WriteStartArray("histograms");
        foreach (var (name, histogram) in histograms)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteNumber("count", histogram.TotalCount);
            if (histogram.TotalCount == 0)
            {
                writer.WriteNull("min");
                foreach (var (_, key, _) in _percentiles)
                    writer.WriteNull(key);
                writer.WriteNull("max");
                writer.WriteNull("mean");
            }
            else
            {
                writer.WriteNumber("min", histogram.GetMinValue());
                foreach (var (_, key, percentile) in _percentiles)
                    writer.WriteNumber(key, histogram.GetValueAtPercentile(percentile));
                writer.WriteNumber("max", histogram.GetMaxValue());
                writer.WriteNumber("mean", histogram.GetMean());
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The file-name form of a histogram name used by <see cref="Write"/>: ASCII letters, digits, '.', '_'
    /// and '-' kept, every other run of characters turned into one '_', leading and trailing '_' and '.' removed;
    /// "histogram" when nothing is left.</summary>
    public static string SanitizeFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new StringBuilder(name.Length);
        bool replacing = false;
        foreach (char c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            {
                result.Append(c);
                replacing = false;
            }
            else if (!replacing)
            {
                result.Append('_');
                replacing = true;
            }
        }
        string sanitized = result.ToString().Trim('_', '.');
        return sanitized.Length == 0 ? "histogram" : sanitized;
    }

    /// <summary>Integer nanoseconds as microseconds with exactly 3 decimals, computed on the integer so no binary
    /// rounding can move the last digit.</summary>
    internal static string FormatMicros(long nanoseconds) => FormatMicros(nanoseconds, 3);

    /// <summary>Integer nanoseconds as microseconds with <paramref name="decimals"/> (0..3) decimals, truncated
    /// (callers pass values that are multiples of 10^(3 - decimals)).</summary>
    internal static string FormatMicros(long nanoseconds, int decimals)
    {
        // Histogram values are never negative; a negative input would be a programming error, printed with its sign.
        string sign = nanoseconds < 0 ? "-" : "";
        ulong magnitude = nanoseconds < 0 ? (ulong)-(nanoseconds + 1) + 1 : (ulong)nanoseconds;
        string whole = (magnitude / 1000).ToString(CultureInfo.InvariantCulture);
        if (decimals <= 0)
            return sign + whole;
        string fraction = (magnitude % 1000).ToString("D3", CultureInfo.InvariantCulture);
        return sign + whole + "." + fraction[..Math.Min(decimals, 3)];
    }

    private static void Validate(IReadOnlyList<(string Name, LongHistogram Histogram)> histograms, LatencyReportMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(histograms);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(metadata.Title, nameof(metadata) + "." + nameof(metadata.Title));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < histograms.Count; i++)
        {
            var (name, histogram) = histograms[i];
            if (name is null)
                throw new ArgumentException($"histograms[{i}] has no name.", nameof(histograms));
            if (histogram is null)
                throw new ArgumentException($"histograms[{i}] ('{name}') has no histogram.", nameof(histograms));
            if (!names.Add(name))
                throw new ArgumentException($"The name '{name}' is used by more than one histogram.", nameof(histograms));
        }
    }

    private static void WriteText(string path, Action<TextWriter> write)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        write(writer);
    }

    private static void AppendMetadataLine(StringBuilder text, string key, string? value, ref int lines)
    {
        if (value is null)
            return;
        text.Append("- ").Append(key).Append(": ").Append(MarkdownInline(value)).Append('\n');
        lines++;
    }

    private static void WriteOptional(Utf8JsonWriter writer, string key, string? value)
    {
        if (value is not null)
            writer.WriteString(key, value);
    }

    // A line break inside a heading, list item or cell would end it early and shift the rest of the report.
    private static string MarkdownInline(string text) => text.ReplaceLineEndings(" ");

    private static string MarkdownCell(string text) => MarkdownInline(text).Replace("|", "\\|", StringComparison.Ordinal);
}
