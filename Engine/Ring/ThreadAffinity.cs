using System.Runtime.InteropServices;

namespace FastEngine.Ring;

/// <summary>
/// Pins the calling thread to one CPU. On Linux this calls <c>sched_setaffinity(0, …)</c>, which applies to the calling
/// thread only (pid 0 = the caller's thread id). Elsewhere pinning is not supported: the call returns false with a
/// reason and changes nothing; the caller decides whether to log a warning.
/// </summary>
/// <remarks>Thread-safe; call it at the start of a dedicated thread, before its first event. Never throws.</remarks>
public static partial class ThreadAffinity
{
    /// <summary>Pins the calling thread to <paramref name="cpu"/>; on failure returns false and says why.</summary>
    public static bool TryPin(int cpu, out string? error)
    {
        if (cpu < 0 || cpu >= 1024)
        {
            error = $"CPU {cpu} is outside the supported range 0..1023.";
            return false;
        }

        if (!OperatingSystem.IsLinux())
        {
            error = $"Thread pinning is only implemented on Linux (running on {RuntimeInformation.OSDescription}); thread not pinned.";
            return false;
        }

        return TryPinLinux(cpu, out error);
    }

    /// <summary>CPUs the calling thread may run on (Linux only; null elsewhere or on failure).</summary>
    public static IReadOnlyList<int>? GetCurrentAffinity()
    {
        if (!OperatingSystem.IsLinux())
            return null;

        Span<ulong> mask = stackalloc ulong[MaskWords];
        mask.Clear();
        unsafe
        {
            fixed (ulong* pointer = mask)
            {
                if (SchedGetAffinity(0, (nint)(MaskWords * sizeof(ulong)), pointer) != 0)
                    return null;
            }
        }

        var cpus = new List<int>();
        for (int word = 0; word < MaskWords; word++)
        {
            for (int bit = 0; bit < 64; bit++)
            {
                if ((mask[word] & (1UL << bit)) != 0)
                    cpus.Add(word * 64 + bit);
            }
        }

        return cpus;
    }

    /// <summary>Lets the calling thread run on <paramref name="cpus"/> again (e.g. what <see cref="GetCurrentAffinity"/>
    /// returned before a temporary pin). False off Linux, with an empty or out-of-range set, or when the call fails.</summary>
    public static bool TrySetAffinity(IReadOnlyList<int> cpus)
    {
        if (!OperatingSystem.IsLinux() || cpus.Count == 0) return false;
        Span<ulong> mask = stackalloc ulong[MaskWords];
        mask.Clear();
        foreach (int cpu in cpus)
        {
            if (cpu < 0 || cpu >= MaskWords * 64) return false;
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }
        unsafe
        {
            fixed (ulong* pointer = mask)
                return SchedSetAffinity(0, (nint)(MaskWords * sizeof(ulong)), pointer) == 0;
        }
    }

    // 1024 CPUs, the glibc cpu_set_t size.
    private const int MaskWords = 16;

    private static unsafe bool TryPinLinux(int cpu, out string? error)
    {
        Span<ulong> mask = stackalloc ulong[MaskWords];
        mask.Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        int result;
        fixed (ulong* pointer = mask)
        {
            result = SchedSetAffinity(0, (nint)(MaskWords * sizeof(ulong)), pointer);
        }

        if (result == 0)
        {
            error = null;
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        error = $"sched_setaffinity(cpu {cpu}) failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}).";
        return false;
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nint cpuSetSize, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetAffinity(int pid, nint cpuSetSize, ulong* mask);
}
