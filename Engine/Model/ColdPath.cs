namespace FastEngine.Model;

/// <summary>
/// Accounts for bytes allocated on the engine's declared cold paths (a new book, venue or instrument; a buffer growing
/// to a new working size), per thread, so a run can report the hot path's steady-state allocation apart from them.
/// </summary>
/// <remarks>Cold paths call <see cref="Begin"/> and <see cref="End"/> around their allocations. Thread-static: no sharing.</remarks>
public static class ColdPath
{
    [ThreadStatic] private static long _allocated;

    /// <summary>Bytes allocated inside cold paths on this thread so far.</summary>
    public static long AllocatedOnThisThread => _allocated;

    public static long Begin() => GC.GetAllocatedBytesForCurrentThread();

    public static void End(long begin) => _allocated += GC.GetAllocatedBytesForCurrentThread() - begin;
}
