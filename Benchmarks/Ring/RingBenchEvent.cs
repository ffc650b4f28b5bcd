namespace FastEngine.Benchmarks.Ring;

/// <summary>The event both the ring and the channel baseline carry: a struct, copied into the channel and written in
/// place in the ring.</summary>
public struct RingBenchEvent
{
    public long Value;
    public int Producer;
    public int Flags;
}
