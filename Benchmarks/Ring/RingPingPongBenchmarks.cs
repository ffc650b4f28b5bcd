using FastEngine.Cli.Bench;
using BenchmarkDotNet.Attributes;

namespace FastEngine.Benchmarks.Ring;

/// <summary>Mean round-trip time of <see cref="RingPingPong"/> (busy-spin, two threads). Percentiles come from the
/// latency run (<c>FastEngine.Benchmarks ring-pingpong</c>), which records every round trip.</summary>
[Config(typeof(BenchConfig))]
public class RingPingPongBenchmarks
{
    public const int RoundTrips = 10_000;

    private RingPingPong? _pingPong;

    [GlobalSetup]
    public void Setup()
    {
        _pingPong = new RingPingPong();
        for (int i = 0; i < RoundTrips; i++)
            _pingPong.RoundTrip();
    }

    [GlobalCleanup]
    public void Cleanup() => _pingPong?.Dispose();

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public long PingPongRoundTrip()
    {
        long total = 0;
        for (int i = 0; i < RoundTrips; i++)
            total += _pingPong!.RoundTrip();
        return total;
    }
}
