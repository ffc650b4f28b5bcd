using System.Diagnostics;
using FastEngine.Ring;

namespace FastEngine.Cli.Bench;

/// <summary>What one timed run measured.</summary>
internal readonly record struct ThroughputResult(long Events, double Seconds, long AllocatedBytes)
{
    public double OpsPerSecond => Seconds > 0 ? Events / Seconds : 0;

    public double BytesPerOp => Events > 0 ? (double)AllocatedBytes / Events : 0;
}

/// <summary>
/// Runs a topology for a fixed wall-clock time in rounds of <see cref="EventsPerRound"/> events, checking every round's
/// sum against the closed-form total (a wrong pipeline fails instead of reporting a number). Allocation is measured
/// with <see cref="GC.GetTotalAllocatedBytes(bool)"/> around the timed rounds only (threads and rings are created and
/// warmed up before).
/// </summary>
internal static class RingThroughputRunner
{
    /// <summary>
    /// Divisible by 3 producers. Large on purpose (48 laps of the 64 Ki ring, about 30 ms at 1e8 events/s): every round
    /// ends with the consumer draining the ring and starts with it idle and caught up, the worst case of a
    /// one-to-one queue (producer and consumer then hand every slot and the cursor's cache line back and forth until
    /// the consumer falls behind by a batch). Disruptor-net's OneToOne test streams 100 M events per run for the same
    /// reason; a round this size makes that start-up a small share of the time, as in a feed that never stops.
    /// </summary>
    public const int EventsPerRound = 3 << 20;

    /// <summary>Slots of the ring (and capacity of the channel baseline) unless <c>--ring-size</c> says otherwise.</summary>
    public const int DefaultRingSize = 1 << 16;

    public static ThroughputResult RunRing(RingTopology topology, WaitStrategyKind waitStrategy, TimeSpan duration,
        IReadOnlyList<int?>? cpus = null, int ringSize = DefaultRingSize)
    {
        using var scenario = new RingScenario(topology, EventsPerRound, ringSize, waitStrategy, cpus: cpus);
        return Measure(scenario, topology, duration);
    }

    public static ThroughputResult RunChannel(RingTopology topology, TimeSpan duration)
    {
        using var scenario = new ChannelScenario(topology, EventsPerRound);
        return Measure(scenario, topology, duration);
    }

    public static long ExpectedSum(RingTopology topology)
    {
        long producers = topology == RingTopology.ThreeToOne ? 3 : 1;
        long perProducer = EventsPerRound / producers;
        return producers * perProducer * (perProducer - 1) / 2;
    }

    private static ThroughputResult Measure(IThroughputScenario scenario, RingTopology topology, TimeSpan duration)
    {
        long expected = ExpectedSum(topology);
        // Warm-up: one round (3 M events) gets every loop through tiered compilation.
        Check(scenario.RunOnce(), expected);

        long rounds = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        long mismatches = 0;
        do
        {
            if (scenario.RunOnce() != expected)
                mismatches++;
            rounds++;
        }
        while (Stopwatch.GetElapsedTime(start) < duration);

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (mismatches != 0)
            throw new InvalidOperationException($"{topology}: {mismatches} of {rounds} rounds had a wrong sum.");

        return new ThroughputResult(rounds * EventsPerRound, seconds, allocated);
    }

    private static void Check(long actual, long expected)
    {
        if (actual != expected)
            throw new InvalidOperationException($"wrong sum {actual}, expected {expected}");
    }
}
