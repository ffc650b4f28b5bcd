using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Cli.Commands;

/// <summary>
/// Reads the text files of integer values that <c>percentiles</c> and <c>latency-report</c> take: one integer per
/// line (leading sign allowed, surrounding white space ignored), blank lines and lines starting with '#' skipped.
/// </summary>
internal static class ValuesFile
{
    /// <summary>How many out-of-range values a command names on stderr before it only counts them.</summary>
    public const int OutOfRangeLinesNamed = 5;

    /// <summary>Creates the histogram the commands record into, or explains (naming the option and value) why the
    /// --highest/--digits pair is invalid.</summary>
    public static bool TryCreateHistogram(long highest, int digits, [NotNullWhen(true)] out LongHistogram? histogram,
        [NotNullWhen(false)] out string? error)
    {
        try
        {
            histogram = new LongHistogram(1, highest, digits);
            error = null;
            return true;
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The constructor's message names the parameter, its value and the allowed range.
            histogram = null;
            error = $"invalid --highest/--digits: {e.Message.Split('\n')[0]}";
            return false;
        }
    }

    /// <summary>
    /// Records every value of the file at <paramref name="path"/> into <paramref name="histogram"/>. Values outside
    /// the histogram's range are counted in its <see cref="LongHistogram.OutOfRangeCount"/> and the first
    /// <see cref="OutOfRangeLinesNamed"/> of them are added to <paramref name="outOfRangeLines"/> as
    /// "line N: value". Returns false with a message naming the file problem or the first line that is not an
    /// integer (number and text); the histogram may then hold the values read before it.
    /// </summary>
    public static bool TryRecord(string path, LongHistogram histogram, List<string> outOfRangeLines,
        [NotNullWhen(false)] out string? error)
    {
        if (!File.Exists(path))
        {
            error = $"file not found: {path}";
            return false;
        }
        try
        {
            using var reader = new StreamReader(path);
            long lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                ReadOnlySpan<char> text = line.AsSpan().Trim();
                if (text.IsEmpty || text[0] == '#')
                    continue;
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                {
                    // An .hgrm holds percentile samples, not the recorded values: say so rather than only "not an integer".
                    string hint = text.StartsWith("Value", StringComparison.Ordinal)
                        ? " (this looks like .hgrm percentile output, which cannot be turned back into values; pass the file of raw values)"
                        : "";
                    error = $"line {lineNumber}: not an integer: '{line}'{hint}";
                    return false;
                }
                if (!histogram.TryRecordValue(value) && outOfRangeLines.Count < OutOfRangeLinesNamed)
                    outOfRangeLines.Add($"line {lineNumber}: {value}");
            }
        }
        catch (IOException e)
        {
            error = $"cannot read {path}: {e.Message}";
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            error = $"cannot read {path}: {e.Message}";
            return false;
        }
        error = null;
        return true;
    }
}
