using System.CommandLine;
using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine latency-report &lt;file&gt;... --out &lt;dir&gt; [--prefix P] [--title T] [--wait-strategy W]
/// [--topology L] [--date D] [--highest N] [--digits D]</c>: records each file of integer nanosecond values (one per
/// line, as <c>percentiles</c> reads them) into its own <see cref="LongHistogram"/>(1, highest, digits), named after
/// the file (name without extension), and writes the <see cref="LatencyReport"/> (.hgrm per file, .md, .svg, .json)
/// into the output directory; prints the paths written, one per line.
/// </summary>
/// <remarks>
/// Exit codes as <c>percentiles</c>: 0 written; 2 input error (a file missing, a line that is not an integer — named
/// with file and line —, two inputs with the same name, an invalid option), nothing written, or the report could not be written; 3 written, but some
/// values were negative or above --highest: counted and the first few named on stderr per file.
/// The date defaults to now (UTC); pass --date for a report that is byte-identical from run to run.
/// </remarks>
internal static class LatencyReportCommand
{
    public const int ExitOk = 0;
    public const int ExitInputError = 2;
    public const int ExitValuesOutOfRange = 3;

    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Text files with one integer nanosecond value per line ('#' comments and blank lines skipped); one histogram per file.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out")
        {
            Description = "Directory the report is written to (created if missing).",
            Required = true,
        };
        var prefix = new Option<string>("--prefix")
        {
            Description = "File name prefix: <prefix>-<name>.hgrm, <prefix>.md, <prefix>.svg, <prefix>.json.",
            DefaultValueFactory = _ => "latency",
        };
        var title = new Option<string>("--title") { Description = "Report title.", DefaultValueFactory = _ => "Latency report" };
        var waitStrategy = new Option<string?>("--wait-strategy") { Description = "Wait strategy of the measured run, for the report header." };
        var topology = new Option<string?>("--topology") { Description = "Thread topology of the measured run, for the report header." };
        var date = new Option<string?>("--date") { Description = "Date of the run (ISO 8601, e.g. 2026-01-31T12:00:00Z); default: now." };
        var highest = new Option<long>("--highest")
        {
            Description = "Highest trackable value in ns; larger values are counted and reported, not recorded.",
            DefaultValueFactory = _ => 3_600_000_000_000,
        };
        var digits = new Option<int>("--digits")
        {
            Description = "Number of significant value digits (1-5).",
            DefaultValueFactory = _ => 3,
        };

        var command = new Command("latency-report",
            "Write a latency report (.hgrm per input, Markdown table, SVG percentile plot, JSON summary) from files of "
            + "integer nanosecond values. Exit 0 ok, 2 input error, 3 written but some values were outside [0, --highest].");
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.Options.Add(prefix);
        command.Options.Add(title);
        command.Options.Add(waitStrategy);
        command.Options.Add(topology);
        command.Options.Add(date);
        command.Options.Add(highest);
        command.Options.Add(digits);
        command.SetAction(parseResult => Run(
            parseResult.GetValue(files)!,
            parseResult.GetValue(output)!,
            parseResult.GetValue(prefix)!,
            parseResult.GetValue(title)!,
            parseResult.GetValue(waitStrategy),
            parseResult.GetValue(topology),
            parseResult.GetValue(date),
            parseResult.GetValue(highest),
            parseResult.GetValue(digits),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string[] paths, string directory, string prefix, string title, string? waitStrategy,
        string? topology, string? dateText, long highest, int digits, TextWriter output, TextWriter error)
    {
        DateTimeOffset date = DateTimeOffset.UtcNow;
        if (dateText is not null && !DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out date))
            return Fail(error, $"--date = '{dateText}' is not a date (ISO 8601, e.g. 2026-01-31T12:00:00Z).");
        if (prefix.Length == 0 || prefix.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || prefix.Contains('/') || prefix.Contains('\\'))
            return Fail(error, $"--prefix = '{prefix}' must be a non-empty file name without path separators.");

        var histograms = new List<(string Name, LongHistogram Histogram)>(paths.Length);
        var outOfRange = new List<(string Path, long Count, List<string> Lines)>();
        var fileNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in paths)
        {
            string name = Path.GetFileNameWithoutExtension(path);
            string fileName = LatencyReport.SanitizeFileName(name);
            if (!fileNames.TryAdd(fileName, path))
                return Fail(error, $"{fileNames[fileName]} and {path} would both be written as {prefix}-{fileName}.hgrm; rename one of them.");
            if (!ValuesFile.TryCreateHistogram(highest, digits, out LongHistogram? histogram, out string? message))
                return Fail(error, message);
            var lines = new List<string>(ValuesFile.OutOfRangeLinesNamed);
            if (!ValuesFile.TryRecord(path, histogram, lines, out message))
                return Fail(error, message.Contains(path, StringComparison.Ordinal) ? message : $"{path}: {message}");
            histograms.Add((name, histogram));
            if (histogram.OutOfRangeCount != 0)
                outOfRange.Add((path, histogram.OutOfRangeCount, lines));
        }

        var metadata = LatencyReportMetadata.ForThisMachine(title, date, waitStrategy, topology);
        IReadOnlyList<string> written;
        try
        {
            written = LatencyReport.Write(directory, prefix, histograms, metadata);
        }
        catch (IOException e)
        {
            return Fail(error, $"cannot write the report to {directory}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(error, $"cannot write the report to {directory}: {e.Message}");
        }
        foreach (string path in written)
            output.WriteLine(path);
        output.Flush();

        foreach (var (path, count, lines) in outOfRange)
        {
            error.WriteLine(
                $"warning: {path}: {count} value(s) outside [0, {highest}] were counted but not recorded "
                + $"(first: {string.Join("; ", lines)}).");
        }
        return outOfRange.Count == 0 ? ExitOk : ExitValuesOutOfRange;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return ExitInputError;
    }
}
