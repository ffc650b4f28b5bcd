using FastEngine.Cli.Bench;
using System.Diagnostics;
using FastEngine.Ring;

namespace FastEngine.Benchmarks.Ring;

/// <summary>
/// Round-trip latency through two rings with busy-spin waits: the pinger (the calling thread) publishes an event
/// into the ping ring, a ponger processor thread copies it into the pong ring, and the pinger spins on the pong ring's
/// cursor until it appears. Each round trip is timed with <see cref="Stopwatch.GetTimestamp"/> and reported in
/// nanoseconds. Needs two free cores (two spinning threads).
/// </summary>
public sealed class RingPingPong : IDisposable
{
    private struct PongHandler : IEventHandler<BenchEvent>
    {
        public RingBuffer<BenchEvent> Pong;

        public void OnEvent(ref BenchEvent data, long sequence, bool endOfBatch)
        {
            long slot = Pong.Next();
            Pong[slot].Value = data.Value;
            Pong.Publish(slot);
        }
    }

    private readonly RingBuffer<BenchEvent> _ping;
    private readonly RingBuffer<BenchEvent> _pong;
    private readonly Sequence _pongConsumed = new();
    private readonly BatchEventProcessor<BenchEvent, PongHandler> _ponger;
    private long _next;

    public RingPingPong(int ringSize = 1024, int? pongerCpu = null)
    {
        _ping = new RingBuffer<BenchEvent>(ringSize, ProducerType.Single, new BusySpinWaitStrategy());
        _pong = new RingBuffer<BenchEvent>(ringSize, ProducerType.Single, new BusySpinWaitStrategy());
        _pong.AddGatingSequences(_pongConsumed);
        _ponger = new BatchEventProcessor<BenchEvent, PongHandler>(_ping, _ping.NewBarrier(), new PongHandler { Pong = _pong });
        _ping.AddGatingSequences(_ponger.Sequence);
        _ponger.StartThread("ponger", pongerCpu);
    }

    /// <summary>One round trip; returns its duration in nanoseconds.</summary>
    public long RoundTrip()
    {
        long value = _next++;
        long start = Stopwatch.GetTimestamp();
        long sequence = _ping.Next();
        _ping[sequence].Value = value;
        _ping.Publish(sequence);

        var pongCursor = _pong.Sequencer.CursorSequence;
        while (pongCursor.Value < sequence)
        {
            // Busy spin: this is the latency being measured.
        }

        long end = Stopwatch.GetTimestamp();
        if (_pong[sequence].Value != value)
            ThrowMismatch(sequence, value);
        _pongConsumed.Value = sequence;
        return (end - start) * 1_000_000_000L / Stopwatch.Frequency;
    }

    /// <summary>Runs <paramref name="count"/> round trips into <paramref name="nanoseconds"/> (allocation-free).</summary>
    public void Run(Span<long> nanoseconds)
    {
        for (int i = 0; i < nanoseconds.Length; i++)
            nanoseconds[i] = RoundTrip();
    }

    private static void ThrowMismatch(long sequence, long value) =>
        throw new InvalidOperationException($"pong {sequence} did not echo {value}");

    public void Dispose()
    {
        _ponger.Halt();
        _ponger.WaitUntilStopped(TimeSpan.FromSeconds(10));
    }
}
