using System.Runtime.InteropServices;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), in ns. On a shared, loaded
/// machine the wall time of a single-threaded part includes the time the thread waited for a core; its CPU time does not,
/// so before/after comparisons of the producer stay meaningful under load (cache and frequency effects remain).
/// Returns -1 where the clock is unavailable (not Linux).
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static long NowNs()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        return ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : -1;
    }
}
