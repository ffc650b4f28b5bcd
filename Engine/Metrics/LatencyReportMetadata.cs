using System.Globalization;
using System.Runtime.InteropServices;

namespace FastEngine.Metrics;

/// <summary>
/// What a latency report says about the run it measured: a title and the conditions a reader needs to compare two
/// reports (machine, runtime, date, wait strategy, thread topology). Every field except <see cref="Title"/> may be
/// null and is then left out of the report. Immutable; the report never adds anything that is not in here (no clock
/// is read while writing), so the same metadata and histograms give byte-identical files.
/// </summary>
public sealed record LatencyReportMetadata(string Title)
{
    /// <summary>The machine the run measured, e.g. CPU model, core count, operating system.</summary>
    public string? Machine { get; init; }

    /// <summary>The runtime, e.g. ".NET 10.0.0 linux-x64".</summary>
    public string? Runtime { get; init; }

    /// <summary>When the run took place; written as ISO 8601 with its offset (<c>yyyy-MM-ddTHH:mm:sszzz</c>).</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>The consumers' wait strategy (busy-spin, yielding, sleeping, blocking).</summary>
    public string? WaitStrategy { get; init; }

    /// <summary>The thread layout, e.g. "4 stage threads pinned to cores 2-5" or "fused on one thread".</summary>
    public string? Topology { get; init; }

    /// <summary>Metadata for a run on this process's machine: <see cref="Machine"/> from the CPU model (Linux
    /// <c>/proc/cpuinfo</c> where readable), the logical core count and the OS; <see cref="Runtime"/> from the
    /// framework description and runtime identifier. Cold path: reads a file and allocates.</summary>
    public static LatencyReportMetadata ForThisMachine(string title, DateTimeOffset date, string? waitStrategy = null, string? topology = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        string cores = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) + " logical cores";
        string? cpu = ReadCpuModel();
        string machine = (cpu is null ? "" : cpu + ", ") + cores + ", " + RuntimeInformation.OSDescription.Trim()
            + " " + RuntimeInformation.OSArchitecture.ToString();
        return new LatencyReportMetadata(title)
        {
            Machine = machine,
            Runtime = RuntimeInformation.FrameworkDescription + " " + RuntimeInformation.RuntimeIdentifier,
            Date = date,
            WaitStrategy = waitStrategy,
            Topology = topology,
        };
    }

    internal string? FormattedDate => Date?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string? ReadCpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo"))
                return null;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    int colon = line.IndexOf(':');
                    return colon < 0 ? null : line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        // The model is a courtesy to the reader; a machine that hides it still gets its core count and OS.
        return null;
    }
}
