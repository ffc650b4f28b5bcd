using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli.Bench;
using FastEngine.Ring;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine bench ring [--topology 1p1c|pipeline3|3p1c] [--seconds N] [--wait busy-spin|yielding|sleeping|blocking]
/// [--json]</c>: runs the ring and a bounded-channel baseline on the same topology for the same time each and prints
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
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("ring", "Measure ring throughput against a bounded System.Threading.Channels baseline.");
        command.Options.Add(topology);
        command.Options.Add(seconds);
        command.Options.Add(wait);
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

            string topologyName = parseResult.GetValue(topology)!;
            var kind = WaitStrategyFactory.Parse(parseResult.GetValue(wait)!);
            var selected = topologyName switch
            {
                "pipeline3" => RingTopology.Pipeline3,
                "3p1c" => RingTopology.ThreeToOne,
                _ => RingTopology.OneToOne,
            };

            var time = TimeSpan.FromSeconds(duration);
            var ring = RingThroughputRunner.RunRing(selected, kind, time);
            var baseline = RingThroughputRunner.RunChannel(selected, time);
            if (parseResult.GetValue(json))
                WriteJson(output, topologyName, kind, duration, ring, baseline);
            else
                WriteText(output, topologyName, kind, ring, baseline);
            return 0;
        });
        return command;
    }

    private static void WriteText(TextWriter output, string topology, WaitStrategyKind kind, ThroughputResult ring, ThroughputResult baseline)
    {
        output.WriteLine($"topology {topology}, wait {WaitStrategyFactory.ToName(kind)}, {Environment.ProcessorCount} CPUs");
        output.WriteLine($"ring     {ring.OpsPerSecond,16:N0} events/s  ({ring.Events:N0} events, {ring.BytesPerOp:F4} B/event)");
        output.WriteLine($"channel  {baseline.OpsPerSecond,16:N0} events/s  ({baseline.Events:N0} events, {baseline.BytesPerOp:F4} B/event)");
        output.WriteLine($"ratio    {Ratio(ring, baseline),16:F2} x");
    }

    private static void WriteJson(TextWriter output, string topology, WaitStrategyKind kind, double seconds, ThroughputResult ring, ThroughputResult baseline)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topology", topology);
            writer.WriteString("wait_strategy", WaitStrategyFactory.ToName(kind));
            writer.WriteNumber("seconds", seconds);
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
