using System.Diagnostics;

namespace FastEngine.Cli.Replay;

/// <summary>
/// Waits for the JIT to go quiet between warm-up replays. With tiered compilation (the runtime's default) a method is
/// recompiled at tier 1 on a background thread only after it was called often enough while call counting was on, and
/// call counting starts only once no new tier-0 code was compiled for a while (100 ms by default): back-to-back warm-up
/// replays keep postponing it, and the recompiles then land in the first measured or live minutes (measured: 460–726
/// methods, 0.4–0.7 s of JIT time in the first paced run after five back-to-back warm-ups). A pause after each warm-up
/// lets counting start and the queued recompiles finish before the next one, so the warm-ups leave tier-1 code behind.
/// </summary>
public static class JitSettle
{
    /// <summary>Returns once no method was compiled for <paramref name="quietMs"/> (or after <paramref name="maxMs"/>);
    /// the methods compiled meanwhile. Cold path.</summary>
    public static long WaitForQuiet(int quietMs = 250, int maxMs = 5_000)
    {
        var sw = Stopwatch.StartNew();
        long start = System.Runtime.JitInfo.GetCompiledMethodCount();
        long last = start;
        long quietSince = 0;
        while (sw.ElapsedMilliseconds < maxMs)
        {
            Thread.Sleep(25);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last) { last = now; quietSince = sw.ElapsedMilliseconds; }
            else if (sw.ElapsedMilliseconds - quietSince >= quietMs) break;
        }
        return last - start;
    }
}
