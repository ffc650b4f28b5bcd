using System.Diagnostics;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// <c>record-costs [passes] [gap-us] [evict-kb] [keep-warm|-] [config]</c>: what one record (one venue message) costs the decision engine
/// alone, per venue — the work a record in a burst waits behind. The bundled replay of the config (default
/// <c>latency-demo.json</c>: it makes intents) is parsed once; each pass feeds it record by record into a fresh engine
/// (with a fresh journal), timing every record with <see cref="Stopwatch"/>; the last pass is reported (warm code).
/// Between records the thread busy-waits <c>gap-us</c> µs and, with <c>evict-kb</c> &gt; 0, writes that many kB of other
/// memory (what a paced replay's idle time and the rest of the machine do to the caches), outside the timed part; with
/// <c>keep-warm</c> it runs the engine's idle-time dry runs back to back while it waits.
/// Prints per venue: records, p50 / p90 / p99 / max ns, share of the time; then the records that made a signal, and the
/// ten slowest records.
/// </summary>
internal static class RecordCostProfile
{
    public const string CommandName = "record-costs";

    public static int Run(string[] args)
    {
        int passes = args.Length > 0 ? int.Parse(args[0]) : 3;
        int gapMicros = args.Length > 1 ? int.Parse(args[1]) : 0;
        int evictKb = args.Length > 2 ? int.Parse(args[2]) : 0;
        bool keepWarm = args.Length > 3 && args[3] == "keep-warm";
        string configName = args.Length > 4 ? args[4] : "latency-demo.json";
        var (config, files) = PipelineWorkload.Bundled(configName);
        var dir = Directory.CreateTempSubdirectory("fe-record-costs-").FullName;
        try
        {
            using var session = ReplaySession.Open(files);
            var events = ReplayRunner.ParseAll(session, out var ends);
            var ns = new long[ends.Length];
            var signal = new bool[ends.Length];
            var evict = new byte[Math.Max(1, evictKb) * 1024];
            long gapTicks = gapMicros * Stopwatch.Frequency / 1_000_000;
            double tickNs = 1e9 / Stopwatch.Frequency;
            for (int pass = 0; pass < passes; pass++)
            {
                string journal = Path.Combine(dir, $"intents-{pass}.fej");
                using var engine = PipelineWorkload.NewEngine(config, session.Registry, journal);
                int start = 0;
                for (int r = 0; r < ends.Length; r++)
                {
                    if (gapTicks > 0)
                    {
                        long until = Stopwatch.GetTimestamp() + gapTicks;
                        while (Stopwatch.GetTimestamp() < until)
                        {
                            if (keepWarm) engine.KeepWarm();   // as the pipeline's idle wait does (every keepWarmMicros)
                            Thread.SpinWait(1);
                        }
                    }
                    if (evictKb > 0)
                        for (int i = 0; i < evict.Length; i += 64) evict[i]++;
                    long opportunities = engine.Stats.Opportunities;
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = start; i < ends[r]; i++) engine.OnEvent(ref events[i], t0);
                    long t1 = Stopwatch.GetTimestamp();
                    ns[r] = (long)((t1 - t0) * tickNs);
                    signal[r] = engine.Stats.Opportunities != opportunities;
                    start = ends[r];
                }
                if (pass == passes - 1)
                    Console.WriteLine($"pass {pass + 1} of {passes}: {ends.Length:N0} records, {events.Length:N0} events, {engine.Stats.Opportunities} opportunities, "
                        + $"{engine.Stats.Intents} intents, {engine.Stats.LegsRejected} legs refused by risk ("
                        + string.Join(", ", Enumerable.Range(0, engine.Stats.RiskRejects.Length).Where(i => engine.Stats.RiskRejects[i] > 0)
                            .Select(i => $"{(FastEngine.Risk.RiskRejectReason)i}: {engine.Stats.RiskRejects[i]}"))
                        + $"), tracker rejects {string.Join(", ", Enum.GetValues<FastEngine.Arbitrage.OpportunityRejectReason>().Select(r => $"{r}: {engine.Tracker.RejectedBy(r)}"))}; gap {gapMicros} µs, evict {evictKb} kB between records");
            }
            Report(events, ends, ns, signal, session.Registry);
        }
        finally { Directory.Delete(dir, recursive: true); }
        return 0;
    }

    private static void Report(MarketEvent[] events, int[] ends, long[] ns, bool[] signal, InstrumentRegistry registry)
    {
        var byVenue = new SortedDictionary<string, List<long>>();
        var signals = new List<long>();
        long total = ns.Sum();
        int start = 0;
        for (int r = 0; r < ends.Length; r++)
        {
            string venue = VenueNames.NameOf(events[start].Venue);
            (byVenue.TryGetValue(venue, out var l) ? l : byVenue[venue] = new()).Add(ns[r]);
            if (signal[r]) signals.Add(ns[r]);
            start = ends[r];
        }
        Console.WriteLine("| records of | count | p50 ns | p90 ns | p99 ns | max ns | share of time |");
        Console.WriteLine("| :--- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (venue, list) in byVenue) Row(venue, list, total);
        if (signals.Count > 0) Row("records that made a signal", signals, total);
        Row("all", ns.ToList(), total);
        Console.WriteLine();
        Console.WriteLine("slowest records: index, venue, events, ns");
        foreach (int r in Enumerable.Range(0, ends.Length).OrderByDescending(r => ns[r]).Take(10))
        {
            int s = r == 0 ? 0 : ends[r - 1];
            Console.WriteLine($"  {r}, {VenueNames.NameOf(events[s].Venue)}, {ends[r] - s}, {ns[r]:N0}{(signal[r] ? " (signal)" : "")}");
        }
    }

    private static void Row(string name, List<long> values, long total)
    {
        values.Sort();
        long P(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p / 100 * values.Count) - 1)];
        Console.WriteLine($"| {name} | {values.Count:N0} | {P(50):N0} | {P(90):N0} | {P(99):N0} | {values[^1]:N0} | {100.0 * values.Sum() / Math.Max(1, total):F1} % |");
    }
}
