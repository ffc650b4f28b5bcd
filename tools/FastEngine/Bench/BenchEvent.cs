namespace FastEngine.Cli.Bench;

/// <summary>The event both the ring and the channel baseline carry (same shape as the BenchmarkDotNet suite's).</summary>
public struct BenchEvent
{
    public long Value;
    public int Producer;
    public int Flags;
}
