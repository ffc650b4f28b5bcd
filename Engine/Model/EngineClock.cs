using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastEngine.Model;

/// <summary>
/// The engine's one receive clock: <see cref="Stopwatch.GetTimestamp"/> (monotonic) converted to Unix nanoseconds
/// through an offset taken once at start-up, so latencies between stages are comparable and never go backwards.
/// Thread-safe, allocation-free.
/// </summary>
public static class EngineClock
{
    private static readonly long _originTicks = Stopwatch.GetTimestamp();
    private static readonly long _originUnixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
    private static readonly double _nsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Now, as Unix nanoseconds on the monotonic clock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long NowUnixNs() => ToUnixNs(Stopwatch.GetTimestamp());

    /// <summary>Converts a <see cref="Stopwatch.GetTimestamp"/> value to Unix nanoseconds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ToUnixNs(long stopwatchTimestamp)
    {
        long delta = stopwatchTimestamp - _originTicks;
        // Stopwatch.Frequency is 1e9 on Linux; avoid the floating multiply then.
        return Stopwatch.Frequency == 1_000_000_000 ? _originUnixNs + delta : _originUnixNs + (long)(delta * _nsPerTick);
    }
}
