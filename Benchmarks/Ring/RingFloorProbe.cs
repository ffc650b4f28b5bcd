using System.Diagnostics;
using System.Globalization;
using FastEngine.Cli.Bench;
using FastEngine.Metrics;
using FastEngine.Ring;

namespace FastEngine.Benchmarks.Ring;

/// <summary>
/// <c>FastEngine.Benchmarks ring-floor [rounds] [seconds] [producerCpu|- consumerCpu|-] [busy-spin|yielding]</c>: what this
/// machine allows at all, measured beside the ring in the same minutes. Each round runs, back to back with the same
/// thread placement:
/// <list type="bullet">
/// <item>a bare single-producer/single-consumer array with padded counters beside the ring's own 1→1
/// (<see cref="RingScenario"/>, the same 8-byte event). Measured on the project's guest (perf-results/quiet-2026-11-22-s3.md)
/// the bare queue is slower than the ring, not a floor: its consumer publishes two counters per batch and polls
/// without backing off. It stays as a naive reference, not as a bound;</item>
/// <item>the floor of a round trip: two spinning threads bouncing one counter each (two cache-line transfers), and the
/// ring's busy-spin ping-pong (<see cref="RingPingPong"/>: two rings, a processor thread, slots and cursors).</item>
/// </list>
/// Each round runs every variant once, seconds apart: on a shared KVM guest the host's placement of the two vCPUs (and
/// with it every figure, the two-counter floor's included) can change between two variants of one round, so read the
/// rounds for the modes they show, not a single ratio.
/// </summary>
public static class RingFloorProbe
{
    public const string CommandName = "ring-floor";

    private const int Size = 1 << 16;
    private const long EventsPerRound = 3 << 20;
    private const int RoundTrips = 200_000;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        static int? Cpu(string text) => text == "-" ? null : int.Parse(text, CultureInfo.InvariantCulture);
        int? producerCpu = args.Length > 3 ? Cpu(args[2]) : null;
        int? consumerCpu = args.Length > 3 ? Cpu(args[3]) : null;
        var wait = args.Length > 4 ? WaitStrategyFactory.Parse(args[4]) : WaitStrategyKind.Yielding;
        if (producerCpu is { } p)
            RingScenario.PinOrWarn(p, "producer/pinger");

        Console.WriteLine($"ring-floor: {rounds} rounds, {seconds} s per throughput run, {RoundTrips:N0} round trips per latency run, " +
            $"producer/pinger CPU {producerCpu?.ToString(CultureInfo.InvariantCulture) ?? "-"}, " +
            $"consumer/ponger CPU {consumerCpu?.ToString(CultureInfo.InvariantCulture) ?? "-"}");

        // Each harness exists only while it is measured: their threads spin, and an idle spinning thread would take
        // one of the two vCPUs from the harness being measured. Each starts with an untimed warm-up.
        var throughput = new (string Name, Func<IThroughputScenario> Create)[]
        {
            ("bare SPSC 1→1 (spin)", () => new BareQueue(consumerCpu, pause: false)),
            ("bare SPSC 1→1 (SpinWait(1))", () => new BareQueue(consumerCpu, pause: true)),
            ($"ring 1→1 ({WaitStrategyFactory.ToName(wait)})", () => new RingScenario(RingTopology.OneToOne, EventsPerRound, waitStrategy: wait, cpus: [null, consumerCpu])),
            ("ring 1→1 (busy-spin)", () => new RingScenario(RingTopology.OneToOne, EventsPerRound, waitStrategy: WaitStrategyKind.BusySpin, cpus: [null, consumerCpu])),
        };
        var latency = new (string Name, Func<IRoundTrip> Create)[]
        {
            ("floor RTT (spin)", () => new FloorPingPong(consumerCpu, pause: false)),
            ("floor RTT (PAUSE)", () => new FloorPingPong(consumerCpu, pause: true)),
            ("ring RTT (busy-spin)", () => new RingRoundTrip(new RingPingPong(pongerCpu: consumerCpu))),
        };
        var rates = throughput.Select(_ => new List<double>()).ToArray();
        var p50 = latency.Select(_ => new List<double>()).ToArray();
        var p99 = latency.Select(_ => new List<double>()).ToArray();
        var histogram = new LongHistogram(1, 10_000_000_000L, 3);
        for (int round = 1; round <= rounds; round++)
        {
            var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"round {round}:"));
            for (int i = 0; i < throughput.Length; i++)
            {
                using var scenario = throughput[i].Create();
                scenario.RunOnce();
                rates[i].Add(Rate(scenario.RunOnce, seconds));
                line.Append(CultureInfo.InvariantCulture, $" | {throughput[i].Name} {rates[i][^1] / 1e6:F1} M/s");
            }

            for (int i = 0; i < latency.Length; i++)
            {
                using var pingPong = latency[i].Create();
                var (a50, a99) = Percentiles(histogram, pingPong.RoundTrip);
                p50[i].Add(a50);
                p99[i].Add(a99);
                line.Append(CultureInfo.InvariantCulture, $" | {latency[i].Name} p50 {a50:F0} p99 {a99:F0} ns");
            }

            Console.WriteLine(line);
        }

        Console.WriteLine("medians:");
        for (int i = 0; i < throughput.Length; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {throughput[i].Name,-24} {Median(rates[i]) / 1e6,8:F1} M events/s  (vs bare SPSC spin: median of per-round ratios {Median(rates[i].Zip(rates[0], (x, f) => x / f).ToList()):F2})"));
        for (int i = 0; i < latency.Length; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {latency[i].Name,-24} p50 {Median(p50[i]),6:F0} ns  p99 {Median(p99[i]),6:F0} ns"));
        return 0;
    }

    private interface IRoundTrip : IDisposable
    {
        long RoundTrip();
    }

    private sealed class RingRoundTrip(RingPingPong inner) : IRoundTrip
    {
        public long RoundTrip() => inner.RoundTrip();

        public void Dispose() => inner.Dispose();
    }

    private static double Rate(Func<long> runOnce, double seconds)
    {
        long events = 0;
        long start = Stopwatch.GetTimestamp();
        do
        {
            runOnce();
            events += EventsPerRound;
        }
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);

        return events / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static (double P50, double P99) Percentiles(LongHistogram histogram, Func<long> roundTrip)
    {
        for (int i = 0; i < RoundTrips / 4; i++)
            roundTrip();
        histogram.Reset();
        for (int i = 0; i < RoundTrips; i++)
            histogram.RecordValue(roundTrip());
        return (histogram.GetValueAtPercentile(50), histogram.GetValueAtPercentile(99));
    }

    /// <summary>A background thread pinned to <paramref name="cpu"/> (when given) before it runs <paramref name="body"/>.</summary>
    private static Thread StartThread(string name, int? cpu, Action body)
    {
        var thread = new Thread(() =>
        {
            if (cpu is { } c)
                RingScenario.PinOrWarn(c, name);
            body();
        }) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>A naive bounded one-to-one queue: an array, the producer's published counter and the consumer's
    /// consumed counter (each a padded <see cref="Sequence"/>, plus the running sum the round check reads), the
    /// consumer taking every available slot per counter read. No claim API, barrier, wait strategy or handler.</summary>
    private sealed class BareQueue : IThroughputScenario
    {
        private readonly long[] _slots = new long[Size];
        private readonly Sequence _published = new();
        private readonly Sequence _consumed = new();
        private readonly Sequence _sum = new();
        private readonly Thread _consumer;
        private volatile bool _stop;
        private long _next;
        private long _cachedConsumed = -1;
        private long _lastSum;

        private readonly bool _pause;

        public BareQueue(int? cpu, bool pause)
        {
            _pause = pause;
            _consumer = StartThread("bare-consumer", cpu, Consume);
        }

        public long RunOnce()
        {
            long[] slots = _slots;
            long first = _next;
            long end = first + EventsPerRound;
            for (long i = first; i < end; i++)
            {
                long wrap = i - Size;
                if (wrap > _cachedConsumed)
                {
                    // Full ring: wait as the ring's producer does (spin, then yield), so a descheduled consumer gets
                    // its CPU back on a busy machine.
                    long consumed;
                    var spinner = default(SpinWait);
                    while (wrap > (consumed = _consumed.Value))
                        spinner.SpinOnce(sleep1Threshold: -1);
                    _cachedConsumed = consumed;
                }

                slots[i & (Size - 1)] = i - first;
                _published.Value = i;
            }

            _next = end;
            RingScenario.WaitForSequence(_consumed, end - 1);
            long sum = _sum.Value;
            long round = sum - _lastSum;
            _lastSum = sum;
            if (round != EventsPerRound * (EventsPerRound - 1) / 2)
                throw new InvalidOperationException($"bare queue lost events: sum {round}");
            return round;
        }

        // Fully optimised from the start, as the ring's processor loop is (entered once per thread).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private void Consume()
        {
            long[] slots = _slots;
            long next = 0;
            long sum = 0;
            while (!_stop)
            {
                long available = _published.Value;
                if (available < next)
                {
                    if (_pause)
                        Thread.SpinWait(1);
                    continue;
                }
                for (; next <= available; next++)
                    sum += slots[next & (Size - 1)];
                _sum.Value = sum;
                _consumed.Value = available;
            }
        }

        public void Dispose()
        {
            _stop = true;
            _consumer.Join(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The least a round trip between two threads can cost: the pinger stores a counter, the ponger spins on
    /// it and stores it back into a second counter, the pinger spins on that (two cache-line transfers).</summary>
    private sealed class FloorPingPong : IRoundTrip
    {
        private readonly Sequence _ping = new();
        private readonly Sequence _pong = new();
        private readonly Thread _ponger;
        private volatile bool _stop;
        private long _next;

        private readonly bool _pause;

        public FloorPingPong(int? cpu, bool pause)
        {
            _pause = pause;
            _ponger = StartThread("floor-ponger", cpu, Pong);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private void Pong()
        {
            long expected = 0;
            while (!_stop)
            {
                long value = _ping.Value;
                if (value >= expected)
                {
                    _pong.Value = value;
                    expected = value + 1;
                }
                else if (_pause)
                {
                    if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
                        System.Runtime.Intrinsics.X86.X86Base.Pause();
                    else
                        Thread.SpinWait(1);
                }
            }
        }

        public long RoundTrip()
        {
            long value = _next++;
            long start = Stopwatch.GetTimestamp();
            _ping.Value = value;
            while (_pong.Value < value)
            {
                // Busy spin: this is the latency being measured.
            }

            long end = Stopwatch.GetTimestamp();
            return (end - start) * 1_000_000_000L / Stopwatch.Frequency;
        }

        public void Dispose()
        {
            _stop = true;
            _ponger.Join(TimeSpan.FromSeconds(5));
        }
    }
}
