namespace FastEngine.Cli.Bench;

/// <summary>
/// The event both the ring and the channel baseline carry: one 8-byte value, the same shape as the struct event of
/// Disruptor-net's OneToOne throughput test that our target figure comes from, so the two compare like for like. At
/// 1e8+ events/s a one-to-one queue is bound by moving the slots' cache lines from the producer's core to the
/// consumer's: a 16-byte event (this struct had two unused int fields before) moves twice the lines per event.
/// The engine's own <c>MarketEvent</c> is larger and is measured by the pipeline benchmarks.
/// </summary>
public struct BenchEvent
{
    public long Value;
}
