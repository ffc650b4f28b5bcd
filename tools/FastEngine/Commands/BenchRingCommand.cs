using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli.Bench;
using FastEngine.Ring;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine bench ring [--topology 1p1c|pipeline3|3p1c] [--seconds N] [--wait busy-spin|yielding|sleeping|blocking]
/// [--cpus LIST] [--ring-size N] [--json]</c>: runs the ring and a bounded-channel baseline on the same topology for the same time each and prints
/// events per second, the ratio, and the ring's allocated bytes per event (0 is the target).
/// </summary>
internal static class BenchRingCommand
{
    private static readonly string[] Topologies = ["1p1c", "pipeline3", "3p1c"];

    public static Command Create()
    {
        var topology = new Option<string>("--topology")
        {
            Description = "1p1c (one producer, one consumer), pipeline3 (one producer, three chained stages), 3p1c (three producers, one consumer).",
            DefaultValueFactory = _ => "1p1c",
        };
        topology.AcceptOnlyFromAmong(Topologies);
        var seconds = new Option<double>("--seconds")
        {
            Description = "Seconds to run each of the ring and the baseline.",
            DefaultValueFactory = _ => 5,
        };
        var wait = new Option<string>("--wait")
        {
            Description = "Ring consumers' wait strategy.",
            DefaultValueFactory = _ => "yielding",
        };
        wait.AcceptOnlyFromAmong([.. WaitStrategyFactory.Names]);
        var cpus = new Option<string?>("--cpus")
        {
            Description = "Thread layout: comma-separated CPU numbers, producers first, then the stages in order "
                + "(1p1c: P,C; pipeline3: P,S1,S2,S3; 3p1c: P1,P2,P3,C); '-' leaves a thread unpinned. Default: none pinned.",
        };
        var ringSize = new Option<int>("--ring-size")
        {
            Description = "Slots of the ring, a power of two from 64 to 16777216 (the channel baseline keeps its capacity).",
            DefaultValueFactory = _ => RingThroughputRunner.DefaultRingSize,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("ring", "Measure ring throughput against a bounded System.Threading.Channels baseline.");
        command.Options.Add(topology);
        command.Options.Add(seconds);
        command.Options.Add(wait);
        command.Options.Add(cpus);
        command.Options.Add(ringSize);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            double duration = parseResult.GetValue(seconds);
            if (!(duration > 0 && duration <= 3600))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"--seconds must be in (0, 3600], got {duration}.");
                return 2;
            }

            int slots = parseResult.GetValue(ringSize);
            if (slots < 64 || slots > 1 << 24 || (slots & (slots - 1)) != 0)
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"--ring-size must be a power of two from 64 to 16777216, got {slots}.");
                return 2;
            }

            string topologyName = parseResult.GetValue(topology)!;
            var kind = WaitStrategyFactory.Parse(parseResult.GetValue(wait)!);
            var selected = topologyName switch
            {
                "pipeline3" => RingTopology.Pipeline3,
                "3p1c" => RingTopology.ThreeToOne,
                _ => RingTopology.OneToOne,
            };

            int threads = selected == RingTopology.OneToOne ? 2 : 4;
            if (!TryParseCpus(parseResult.GetValue(cpus), threads, out var layout, out var cpuError))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"--cpus: {cpuError}");
                return 2;
            }

            var time = TimeSpan.FromSeconds(duration);
            var ring = RingThroughputRunner.RunRing(selected, kind, time, layout, slots);
            var baseline = RingThroughputRunner.RunChannel(selected, time);
            string layoutText = DescribeLayout(layout);
            if (parseResult.GetValue(json))
                WriteJson(output, topologyName, kind, duration, layoutText, slots, ring, baseline);
            else
                WriteText(output, topologyName, kind, layoutText, slots, ring, baseline);
            return 0;
        });
        return command;
    }

    /// <summary>Parses <c>--cpus</c>: at most <paramref name="threads"/> entries, each a CPU number or '-'.</summary>
    internal static bool TryParseCpus(string? text, int threads, out IReadOnlyList<int?>? layout, out string? error)
    {
        layout = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > threads)
        {
            error = $"'{text}' names {parts.Length} threads; this topology has {threads}.";
            return false;
        }

        var list = new int?[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i] == "-")
                continue;
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int cpu)
                || cpu >= Environment.ProcessorCount)
            {
                error = $"'{parts[i]}' is not a CPU number from 0 to {Environment.ProcessorCount - 1} or '-'.";
                return false;
            }

            list[i] = cpu;
        }

        layout = list;
        return true;
    }

    private static string DescribeLayout(IReadOnlyList<int?>? layout) =>
        layout is null ? "not pinned" : string.Join(",", layout.Select(c => c?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"));

    private static void WriteText(TextWriter output, string topology, WaitStrategyKind kind, string layout, int slots, ThroughputResult ring, ThroughputResult baseline)
    {
        output.WriteLine($"topology {topology}, wait {WaitStrategyFactory.ToName(kind)}, threads pinned: {layout}, ring {slots} slots, {Environment.ProcessorCount} CPUs");
        output.WriteLine($"ring     {ring.OpsPerSecond,16:N0} events/s  ({ring.Events:N0} events, {ring.BytesPerOp:F4} B/event)");
        output.WriteLine($"channel  {baseline.OpsPerSecond,16:N0} events/s  ({baseline.Events:N0} events, {baseline.BytesPerOp:F4} B/event)");
        output.WriteLine($"ratio    {Ratio(ring, baseline),16:F2} x");
    }

    private static void WriteJson(TextWriter output, string topology, WaitStrategyKind kind, double seconds, string layout, int slots, ThroughputResult ring, ThroughputResult baseline)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topology", topology);
            writer.WriteString("wait_strategy", WaitStrategyFactory.ToName(kind));
            writer.WriteNumber("seconds", seconds);
            writer.WriteString("cpus", layout);
            writer.WriteNumber("ring_size", slots);
            writer.WriteNumber("ring_ops_per_s", Math.Round(ring.OpsPerSecond));
            writer.WriteNumber("baseline_ops_per_s", Math.Round(baseline.OpsPerSecond));
            writer.WriteNumber("ratio", Math.Round(Ratio(ring, baseline), 3));
            writer.WriteNumber("ring_events", ring.Events);
            writer.WriteNumber("baseline_events", baseline.Events);
            writer.WriteNumber("ring_bytes_per_op", ring.BytesPerOp);
            writer.WriteNumber("baseline_bytes_per_op", baseline.BytesPerOp);
            writer.WriteNumber("processor_count", Environment.ProcessorCount);
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static double Ratio(ThroughputResult ring, ThroughputResult baseline) =>
        baseline.OpsPerSecond > 0 ? ring.OpsPerSecond / baseline.OpsPerSecond : 0;
}
