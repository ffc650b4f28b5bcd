using System.CommandLine;
using System.Globalization;
using FastEngine.Metrics;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine percentiles &lt;file&gt; [--highest N] [--digits D] [--scale F] [--csv]</c>: records one integer per
/// line into a <see cref="LongHistogram"/>(1, highest, digits) and prints HdrHistogram's percentile distribution
/// (<c>.hgrm</c> text, or CSV) to stdout, values divided by --scale.
/// </summary>
/// <remarks>
/// Exit codes: 0 printed; 2 input error (file missing, a line that is not an integer — named with its line number —,
/// an invalid option value), nothing printed to stdout; 3 printed, but some values were negative or above --highest:
/// those are not in the distribution, they are counted and the first few are named on stderr (the output is valid for
/// the values that fit, and the non-zero code lets a script notice the loss).
/// Blank lines and lines starting with '#' are skipped.
/// </remarks>
internal static class PercentilesCommand
{
    public const int ExitOk = 0;
    public const int ExitInputError = 2;
    public const int ExitValuesOutOfRange = 3;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Text file with one integer value per line ('#' comments and blank lines skipped)." };
        var highest = new Option<long>("--highest")
        {
            Description = "Highest trackable value; larger values are counted and reported, not recorded.",
            DefaultValueFactory = _ => 3_600_000_000_000,
        };
        var digits = new Option<int>("--digits")
        {
            Description = "Number of significant value digits (1-5).",
            DefaultValueFactory = _ => 3,
        };
        var scale = new Option<double>("--scale")
        {
            Description = "Output value unit scaling ratio: printed values are divided by it (e.g. 1000 for ns -> us).",
            DefaultValueFactory = _ => 1.0,
        };
        var csv = new Option<bool>("--csv") { Description = "Write CSV instead of the .hgrm text." };

        var command = new Command("percentiles",
            "Print the HdrHistogram percentile distribution (.hgrm) of a file of integer values. "
            + "Exit 0 ok, 2 input error, 3 printed but some values were outside [0, --highest] and were skipped.");
        command.Arguments.Add(file);
        command.Options.Add(highest);
        command.Options.Add(digits);
        command.Options.Add(scale);
        command.Options.Add(csv);
        command.SetAction(parseResult => Run(
            parseResult.GetValue(file)!,
            parseResult.GetValue(highest),
            parseResult.GetValue(digits),
            parseResult.GetValue(scale),
            parseResult.GetValue(csv),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string path, long highest, int digits, double scale, bool csv, TextWriter output, TextWriter error)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            return Fail(error, $"--scale = {scale.ToString(CultureInfo.InvariantCulture)} must be a finite number > 0.");
        if (!ValuesFile.TryCreateHistogram(highest, digits, out LongHistogram? histogram, out string? message))
            return Fail(error, message);
        var outOfRangeLines = new List<string>(ValuesFile.OutOfRangeLinesNamed);
        if (!ValuesFile.TryRecord(path, histogram, outOfRangeLines, out message))
            return Fail(error, message);

        histogram.OutputPercentileDistribution(output, 5, scale, csv);
        output.Flush();
        if (histogram.OutOfRangeCount == 0)
            return ExitOk;
        error.WriteLine(
            $"warning: {histogram.OutOfRangeCount} value(s) outside [0, {highest}] were counted but not recorded "
            + $"(first: {string.Join("; ", outOfRangeLines)}).");
        return ExitValuesOutOfRange;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return ExitInputError;
    }
}
