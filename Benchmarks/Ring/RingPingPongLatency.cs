using FastEngine.Cli.Bench;
using System.Globalization;
using FastEngine.Metrics;
using FastEngine.Ring;

namespace FastEngine.Benchmarks.Ring;

/// <summary>
/// The ping-pong latency run: <c>FastEngine.Benchmarks ring-pingpong [roundTrips] [hgrmPath] [pongerCpu]</c>.
/// Warms up, then records every round trip (ns) of <see cref="RingPingPong"/> into a <see cref="LongHistogram"/>,
/// prints the percentiles and writes the <c>.hgrm</c> percentile distribution (values in microseconds).
/// </summary>
public static class RingPingPongLatency
{
    public const string CommandName = "ring-pingpong";

    public static int Run(string[] args)
    {
        int roundTrips = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        string path = args.Length > 1 ? args[1] : Path.Combine("perf-results", "ring-pingpong.hgrm");
        int? pongerCpu = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;

        // 1 ns .. 10 s, 3 significant digits.
        var histogram = new LongHistogram(1, 10_000_000_000L, 3);
        using var pingPong = new RingPingPong(pongerCpu: pongerCpu);
        if (pongerCpu is { } cpu)
        {
            int pingerCpu = cpu == 0 ? 1 : 0;
            if (!ThreadAffinity.TryPin(pingerCpu, out var error))
                Console.Error.WriteLine($"warning: pinger not pinned: {error}");
        }

        for (int i = 0; i < 200_000; i++)
            pingPong.RoundTrip();

        for (int i = 0; i < roundTrips; i++)
            histogram.RecordValue(pingPong.RoundTrip());

        Console.WriteLine(
            $"ring ping-pong (busy-spin) round trips={histogram.TotalCount} " +
            $"p50={histogram.GetValueAtPercentile(50)} ns p90={histogram.GetValueAtPercentile(90)} ns " +
            $"p99={histogram.GetValueAtPercentile(99)} ns p99.9={histogram.GetValueAtPercentile(99.9)} ns " +
            $"p99.99={histogram.GetValueAtPercentile(99.99)} ns max={histogram.GetMaxValue()} ns");

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        using (var writer = new StreamWriter(path))
            histogram.OutputPercentileDistribution(writer, percentileTicksPerHalfDistance: 5, outputValueUnitScalingRatio: 1000.0);
        Console.WriteLine($"wrote {path} (values in microseconds)");
        return 0;
    }
}
