using System.Globalization;
using System.Text;

namespace FastEngine.Metrics;

public static partial class LatencyReport
{
    /// <summary>Highest percentile level drawn: the x axis ends at 99.9999% (six nines, 10^6 on the 1/(1-p) scale).</summary>
    public const double MaxPlottedPercentile = 99.9999;

    private const int SvgWidth = 960;
    private const int SvgHeight = 540;
    private const int PlotLeft = 90;
    private const int PlotRight = 730;
    private const int PlotTop = 70;
    private const int PlotBottom = 470;
    private const int LegendLeft = 750;
    private const int XDecades = 6;

    // Google Charts' default series colours: the ones HdrHistogram's plotFiles.html shows, in the same order.
    private static readonly string[] _colours =
        ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00", "#b82e2e", "#316395"];

    private static readonly string[] _xLabels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];

    /// <summary>
    /// Writes an SVG percentile plot in the manner of HdrHistogram's plotter: x is the percentile on a log scale of
    /// 1/(1-p) (ticks "0%", "90%", "99%" ... "99.9999%", one decade each), y is the latency in µs on a linear axis from
    /// 0 to a round top (steps of 1, 2 or 5 times a power of ten, computed on integer nanoseconds). Each non-empty
    /// histogram gets one <c>polyline</c> (class "series") through its <see cref="LongHistogram.Percentiles"/>
    /// steps (<see cref="PercentileTicksPerHalfDistance"/> ticks per half distance) whose level is at most
    /// <see cref="MaxPlottedPercentile"/>, point (x of the level, y of <c>ValueIteratedTo</c>); an empty histogram
    /// appears in the legend only. Colours cycle through a fixed palette in input order. Coordinates have 2
    /// decimals; text is XML-escaped and characters XML forbids become U+FFFD, so the output is well-formed XML.
    /// Deterministic: invariant culture, "\n" line ends.
    /// </summary>
    public static void WriteSvg(TextWriter writer, IReadOnlyList<(string Name, LongHistogram Histogram)> histograms,
        LatencyReportMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Validate(histograms, metadata);

        var series = new List<(double Level, long Value)>?[histograms.Count];
        long highest = 0;
        for (int i = 0; i < histograms.Count; i++)
        {
            LongHistogram histogram = histograms[i].Histogram;
            if (histogram.TotalCount == 0)
                continue;
            var points = new List<(double, long)>();
            foreach (HistogramIterationValue step in histogram.Percentiles(PercentileTicksPerHalfDistance))
            {
                if (step.PercentileLevelIteratedTo > MaxPlottedPercentile)
                    break;
                points.Add((step.PercentileLevelIteratedTo, step.ValueIteratedTo));
                highest = Math.Max(highest, step.ValueIteratedTo);
            }
            series[i] = points;
        }
        (long yStep, long yTop, int yDecimals) = NiceAxis(Math.Max(highest, 1));

        var svg = new StringBuilder(4096 + 4096 * histograms.Count);
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(SvgWidth).Append("\" height=\"").Append(SvgHeight)
            .Append("\" viewBox=\"0 0 ").Append(SvgWidth).Append(' ').Append(SvgHeight)
            .Append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<title>").Append(XmlText(metadata.Title)).Append("</title>\n");
        svg.Append("<rect width=\"").Append(SvgWidth).Append("\" height=\"").Append(SvgHeight).Append("\" fill=\"#ffffff\"/>\n");
        AppendText(svg, "title", SvgWidth / 2.0, 24, "middle", metadata.Title, " font-size=\"18\" font-weight=\"bold\"");
        AppendText(svg, "subtitle", SvgWidth / 2.0, 42, "middle",
            JoinSet(metadata.WaitStrategy is null ? null : "wait strategy: " + metadata.WaitStrategy,
                metadata.Topology is null ? null : "topology: " + metadata.Topology, metadata.FormattedDate), "");
        AppendText(svg, "subtitle", SvgWidth / 2.0, 58, "middle", JoinSet(metadata.Machine, metadata.Runtime), "");

        svg.Append("<g class=\"y-ticks\" stroke=\"#dddddd\">\n");
        for (long value = 0; value <= yTop; value += yStep)
        {
            string y = Coordinate(YOf(value, yTop));
            svg.Append("<g class=\"y-tick\"><line x1=\"").Append(PlotLeft).Append("\" y1=\"").Append(y)
                .Append("\" x2=\"").Append(PlotRight).Append("\" y2=\"").Append(y).Append("\"/>");
            svg.Append("<text x=\"").Append(PlotLeft - 6).Append("\" y=\"").Append(Coordinate(YOf(value, yTop) + 4))
                .Append("\" text-anchor=\"end\" stroke=\"none\" fill=\"#000000\">").Append(FormatMicros(value, yDecimals))
                .Append("</text></g>\n");
            if (yTop - value < yStep)
                break; // the last tick is the top; stepping again would overflow on absurd ranges
        }
        svg.Append("</g>\n");

        svg.Append("<g class=\"x-ticks\" stroke=\"#dddddd\">\n");
        for (int decade = 0; decade <= XDecades; decade++)
        {
            string x = Coordinate(PlotLeft + (double)decade / XDecades * (PlotRight - PlotLeft));
            svg.Append("<g class=\"x-tick\"><line x1=\"").Append(x).Append("\" y1=\"").Append(PlotTop)
                .Append("\" x2=\"").Append(x).Append("\" y2=\"").Append(PlotBottom).Append("\"/>");
            svg.Append("<text x=\"").Append(x).Append("\" y=\"").Append(PlotBottom + 18)
                .Append("\" text-anchor=\"middle\" stroke=\"none\" fill=\"#000000\">").Append(_xLabels[decade]).Append("</text></g>\n");
        }
        svg.Append("</g>\n");

        svg.Append("<rect class=\"plot-area\" x=\"").Append(PlotLeft).Append("\" y=\"").Append(PlotTop)
            .Append("\" width=\"").Append(PlotRight - PlotLeft).Append("\" height=\"").Append(PlotBottom - PlotTop)
            .Append("\" fill=\"none\" stroke=\"#000000\"/>\n");
        AppendText(svg, "x-axis-title", (PlotLeft + PlotRight) / 2.0, PlotBottom + 45, "middle", "Percentile", "");
        double yTitleY = (PlotTop + PlotBottom) / 2.0;
        svg.Append("<text class=\"y-axis-title\" x=\"24\" y=\"").Append(Coordinate(yTitleY))
            .Append("\" text-anchor=\"middle\" transform=\"rotate(-90 24 ").Append(Coordinate(yTitleY))
            .Append(")\">Latency (µs)</text>\n");

        for (int i = 0; i < histograms.Count; i++)
        {
            if (series[i] is not { } points)
                continue;
            svg.Append("<polyline class=\"series\" data-name=\"").Append(XmlText(histograms[i].Name))
                .Append("\" fill=\"none\" stroke=\"").Append(Colour(i)).Append("\" stroke-width=\"1.5\" points=\"");
            for (int p = 0; p < points.Count; p++)
            {
                if (p > 0)
                    svg.Append(' ');
                svg.Append(Coordinate(XOf(points[p].Level))).Append(',').Append(Coordinate(YOf(points[p].Value, yTop)));
            }
            svg.Append("\"/>\n");
        }

        svg.Append("<g class=\"legend\">\n");
        for (int i = 0; i < histograms.Count; i++)
        {
            int y = PlotTop + 10 + 20 * i;
            bool empty = series[i] is null;
            svg.Append("<line x1=\"").Append(LegendLeft).Append("\" y1=\"").Append(y).Append("\" x2=\"").Append(LegendLeft + 24)
                .Append("\" y2=\"").Append(y).Append("\" stroke=\"").Append(Colour(i)).Append("\" stroke-width=\"3\"")
                .Append(empty ? " stroke-dasharray=\"2 3\"" : "").Append("/>");
            svg.Append("<text x=\"").Append(LegendLeft + 30).Append("\" y=\"").Append(y + 4).Append("\">")
                .Append(XmlText(histograms[i].Name)).Append(empty ? " (no samples)" : "").Append("</text>\n");
        }
        svg.Append("</g>\n");
        svg.Append("</svg>\n");
        writer.Write(svg);
    }

    /// <summary>Round linear axis for values 0..<paramref name="highest"/> ns: step = 1, 2 or 5 times 10^k ns (the
    /// smallest giving at most 8 intervals), top = the first multiple of step at or above the highest value, and the
    /// µs decimals that print every tick exactly.</summary>
    private static (long Step, long Top, int Decimals) NiceAxis(long highest)
    {
        long rough = highest / 8 + (highest % 8 == 0 ? 0 : 1);
        long power = 1;
        int exponent = 0;
        while (true)
        {
            foreach (long multiple in (ReadOnlySpan<long>)[1, 2, 5])
            {
                if (multiple * power >= rough)
                {
                    long step = multiple * power;
                    long steps = highest / step + (highest % step == 0 ? 0 : 1);
                    long top = steps > long.MaxValue / step ? highest : steps * step;
                    return (step, top, Math.Max(0, 3 - exponent));
                }
            }
            power *= 10;
            exponent++;
        }
    }

    private static double XOf(double percentileLevel)
        => PlotLeft + Math.Log10(100.0 / (100.0 - percentileLevel)) / XDecades * (PlotRight - PlotLeft);

    private static double YOf(long value, long top) => PlotBottom - (double)value / top * (PlotBottom - PlotTop);

    private static string Coordinate(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Colour(int index) => _colours[index % _colours.Length];

    private static string? JoinSet(params string?[] parts)
    {
        string joined = string.Join(" · ", parts.Where(part => part is not null));
        return joined.Length == 0 ? null : joined;
    }

    private static void AppendText(StringBuilder svg, string cssClass, double x, double y, string anchor, string? text, string attributes)
    {
        if (text is null)
            return;
        svg.Append("<text class=\"").Append(cssClass).Append("\" x=\"").Append(Coordinate(x)).Append("\" y=\"")
            .Append(Coordinate(y)).Append("\" text-anchor=\"").Append(anchor).Append('"').Append(attributes).Append('>')
            .Append(XmlText(text)).Append("</text>\n");
    }

    /// <summary>Escapes text for element content and double-quoted attributes; characters XML 1.0 does not allow
    /// (control characters, lone surrogates, U+FFFE/U+FFFF) become U+FFFD so a stage name cannot break the file.</summary>
    private static string XmlText(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&apos;"); break;
                case '\t' or '\n' or '\r':
                    escaped.Append(' ');
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        escaped.Append(c).Append(text[++i]);
                    }
                    else if (c < ' ' || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                    {
                        escaped.Append('\uFFFD');
                    }
                    else
                    {
                        escaped.Append(c);
                    }
                    break;
            }
        }
        return escaped.ToString();
    }
}
