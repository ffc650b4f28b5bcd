using FastEngine.Cli.Bench;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace FastEngine.Benchmarks.Ring;

/// <summary>
/// Events per second through the ring (yielding wait strategy, 64 Ki slots, struct events written in place) beside a
/// bounded <see cref="System.Threading.Channels.Channel{T}"/> of the same capacity doing the same work (sum a field),
/// for three topologies: 1→1, 1→3-stage pipeline, 3→1. Each invocation moves <see cref="Events"/> events and waits for
/// the last stage to finish them. Every variant's sum is checked against the closed-form total in the constructor and
/// in its setup, so a fast wrong answer fails instead of winning.
/// </summary>
[Config(typeof(BenchConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RingThroughputBenchmarks
{
    /// <summary>Divisible by 3 producers and by claim batches of 16. Same size as the CLI's rounds
    /// (<c>RingThroughputRunner.EventsPerRound</c>): each invocation starts with an idle, caught-up consumer, so a
    /// short invocation would mostly measure that start-up instead of the streaming rate.</summary>
    public const int Events = 3 << 20;

    private IThroughputScenario? _scenario;

    public RingThroughputBenchmarks()
    {
        // Cross-check every variant on a small round before anything is timed.
        const int small = 3 << 12;
        foreach (var topology in Enum.GetValues<RingTopology>())
        {
            long expected = ExpectedSum(topology, small);
            using (var ring = new RingScenario(topology, small))
                Verify(ring.RunOnce(), expected, $"ring {topology}");
            using (var batched = new RingScenario(topology, small, claimBatch: 16))
                Verify(batched.RunOnce(), expected, $"ring {topology} batch 16");
            using (var channel = new ChannelScenario(topology, small))
                Verify(channel.RunOnce(), expected, $"channel {topology}");
        }
    }

    /// <summary>Sum of the values every producer publishes in one round (each publishes 0..n-1).</summary>
    public static long ExpectedSum(RingTopology topology, long events)
    {
        long producers = topology == RingTopology.ThreeToOne ? 3 : 1;
        long perProducer = events / producers;
        return producers * perProducer * (perProducer - 1) / 2;
    }

    private static void Verify(long actual, long expected, string what)
    {
        if (actual != expected)
            throw new InvalidOperationException($"{what}: sum {actual}, expected {expected}");
    }

    private void Setup(IThroughputScenario scenario, RingTopology topology)
    {
        _scenario = scenario;
        Verify(scenario.RunOnce(), ExpectedSum(topology, Events), scenario.GetType().Name + " " + topology);
    }

    [GlobalSetup(Target = nameof(RingOneToOne))]
    public void SetupRingOneToOne() => Setup(new RingScenario(RingTopology.OneToOne, Events), RingTopology.OneToOne);

    [GlobalSetup(Target = nameof(RingOneToOneBatch16))]
    public void SetupRingOneToOneBatch16() => Setup(new RingScenario(RingTopology.OneToOne, Events, claimBatch: 16), RingTopology.OneToOne);

    [GlobalSetup(Target = nameof(ChannelOneToOne))]
    public void SetupChannelOneToOne() => Setup(new ChannelScenario(RingTopology.OneToOne, Events), RingTopology.OneToOne);

    [GlobalSetup(Target = nameof(RingPipeline3))]
    public void SetupRingPipeline3() => Setup(new RingScenario(RingTopology.Pipeline3, Events), RingTopology.Pipeline3);

    [GlobalSetup(Target = nameof(ChannelPipeline3))]
    public void SetupChannelPipeline3() => Setup(new ChannelScenario(RingTopology.Pipeline3, Events), RingTopology.Pipeline3);

    [GlobalSetup(Target = nameof(RingThreeToOne))]
    public void SetupRingThreeToOne() => Setup(new RingScenario(RingTopology.ThreeToOne, Events), RingTopology.ThreeToOne);

    [GlobalSetup(Target = nameof(ChannelThreeToOne))]
    public void SetupChannelThreeToOne() => Setup(new ChannelScenario(RingTopology.ThreeToOne, Events), RingTopology.ThreeToOne);

    [GlobalCleanup]
    public void Cleanup() => _scenario?.Dispose();

    [BenchmarkCategory("OneToOne"), Benchmark(OperationsPerInvoke = Events)]
    public long RingOneToOne() => _scenario!.RunOnce();

    [BenchmarkCategory("OneToOne"), Benchmark(OperationsPerInvoke = Events)]
    public long RingOneToOneBatch16() => _scenario!.RunOnce();

    [BenchmarkCategory("OneToOne"), Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long ChannelOneToOne() => _scenario!.RunOnce();

    [BenchmarkCategory("Pipeline3"), Benchmark(OperationsPerInvoke = Events)]
    public long RingPipeline3() => _scenario!.RunOnce();

    [BenchmarkCategory("Pipeline3"), Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long ChannelPipeline3() => _scenario!.RunOnce();

    [BenchmarkCategory("ThreeToOne"), Benchmark(OperationsPerInvoke = Events)]
    public long RingThreeToOne() => _scenario!.RunOnce();

    [BenchmarkCategory("ThreeToOne"), Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long ChannelThreeToOne() => _scenario!.RunOnce();
}
