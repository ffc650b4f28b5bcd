using System.Globalization;
using System.Text;

namespace FastEngine.Metrics;

public sealed partial class LongHistogram
{
    /// <summary>
    /// Writes the percentile distribution in HdrHistogram's <c>.hgrm</c> text format (what HistogramPlotter and
    /// HdrHistogram's own tools read), character for character as HdrHistogram.NET writes it: a header, one line
    /// per percentile step (value / <paramref name="outputValueUnitScalingRatio"/> with
    /// <see cref="NumberOfSignificantValueDigits"/> decimals, percentile as a fraction with 12 decimals, running
    /// count, 1/(1-percentile)), a last line at 100% without the last column, and the Mean/Max/Buckets footer.
    /// With <paramref name="useCsvFormat"/> the same rows are written as CSV (last row's last column "Infinity",
    /// no footer). Lines end with "\n"; numbers use the invariant culture. Cold path: allocates.
    /// </summary>
    public void OutputPercentileDistribution(TextWriter writer, int percentileTicksPerHalfDistance = 5,
        double outputValueUnitScalingRatio = 1.0, bool useCsvFormat = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!(outputValueUnitScalingRatio > 0) || double.IsInfinity(outputValueUnitScalingRatio))
            throw new ArgumentOutOfRangeException(nameof(outputValueUnitScalingRatio), outputValueUnitScalingRatio,
                $"outputValueUnitScalingRatio = {outputValueUnitScalingRatio.ToString(CultureInfo.InvariantCulture)} must be a finite number > 0.");

        string valueFormat = "F" + NumberOfSignificantValueDigits.ToString(CultureInfo.InvariantCulture);
        var line = new StringBuilder(96);
        writer.Write(useCsvFormat
            ? "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n"
            : $"{"Value",12} {"Percentile",14} {"TotalCount",10} {"1/(1-Percentile)",14}\n\n");

        foreach (HistogramIterationValue step in Percentiles(percentileTicksPerHalfDistance))
        {
            double scaledValue = step.ValueIteratedTo / outputValueUnitScalingRatio;
            double fraction = step.PercentileLevelIteratedTo / 100.0;
            bool last = step.PercentileLevelIteratedTo == 100.0;
            line.Clear();
            if (useCsvFormat)
            {
                line.Append(Format(scaledValue, valueFormat)).Append(',')
                    .Append(Format(fraction, "F12")).Append(',')
                    .Append(step.TotalCountToThisValue.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(last ? "Infinity" : Format(1 / (1.0 - fraction), "F2"));
            }
            else
            {
                AppendRight(line, Format(scaledValue, valueFormat), 12).Append(' ');
                AppendRight(line, Format(fraction, "F12"), 2).Append(' ');
                AppendRight(line, step.TotalCountToThisValue.ToString(CultureInfo.InvariantCulture), 10);
                if (!last)
                    AppendRight(line.Append(' '), Format(1 / (1.0 - fraction), "F2"), 14);
            }
            writer.Write(line.Append('\n'));
        }

        if (useCsvFormat)
            return;
        line.Clear();
        AppendRight(line.Append("#[Mean    = "), Format(GetMean() / outputValueUnitScalingRatio, valueFormat), 12);
        AppendRight(line.Append(", StdDeviation   = "), Format(GetStdDeviation() / outputValueUnitScalingRatio, valueFormat), 12);
        line.Append("]\n");
        AppendRight(line.Append("#[Max     = "), Format(GetMaxValue() / outputValueUnitScalingRatio, valueFormat), 12);
        AppendRight(line.Append(", Total count    = "), TotalCount.ToString(CultureInfo.InvariantCulture), 12);
        line.Append("]\n");
        AppendRight(line.Append("#[Buckets = "), BucketCount.ToString(CultureInfo.InvariantCulture), 12);
        AppendRight(line.Append(", SubBuckets     = "), SubBucketCount.ToString(CultureInfo.InvariantCulture), 12);
        line.Append("]\n");
        writer.Write(line);
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static StringBuilder AppendRight(StringBuilder builder, string text, int width)
        => builder.Append(' ', Math.Max(0, width - text.Length)).Append(text);
}
