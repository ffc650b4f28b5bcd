using FastEngine.Adapters.Venues;
using FastEngine.Capture.Normalized;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// <c>normalized-profile [passes]</c>: the two normalized readers alone over the bundled files (no merge, no sink), fast
/// path and reference path, in thread CPU time per pass (median of the passes after one warm-up pass) — a quick before/after
/// for parser changes on a loaded machine.
/// </summary>
internal static class NormalizedReaderProfile
{
    public const string CommandName = "normalized-profile";

    public static int Run(string[] args)
    {
        int passes = args.Length > 0 ? int.Parse(args[0]) : 20;
        VenueCatalog.EnsureRegistered();
        var (_, files) = PipelineWorkload.Bundled();
        var batch = new MarketEventBatch(16_384);
        foreach (var file in files)
        {
            bool tardis = file.Contains("tardis-normalized"), csv = file.EndsWith(".csv");
            if (!tardis && !csv) continue;
            var lines = File.ReadAllLines(file).Where(l => l.Length > 0).Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
            foreach (bool reference in new[] { false, true })
            {
                var registry = new InstrumentRegistry();
                var feed = TardisFeed.ForBitmexDeribit(registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
                var link = registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 4);
                var times = new List<double>();
                long events = 0;
                for (int pass = 0; pass <= passes; pass++)
                {
                    long cpu = ThreadCpuClock.NowNs();
                    events = 0;
                    foreach (var line in lines)
                    {
                        batch.Clear();
                        if (tardis)
                        {
                            var reader = new TardisNormalizedReader(line, feed, reference);
                            reader.TryRead(batch, out _);
                        }
                        else if (reference) new Depth10CsvReader(line).TryReadChecked(VenueCatalog.Binance, link, batch, out _, out _);
                        else new Depth10CsvReader(line).TryRead(VenueCatalog.Binance, link, batch, out _, out _);
                        events += batch.Count;
                    }
                    if (pass > 0) times.Add((ThreadCpuClock.NowNs() - cpu) / 1e6);
                }
                times.Sort();
                double median = times[times.Count / 2];
                Console.WriteLine($"{Path.GetFileName(file)[..24]} {(reference ? "reference" : "fast     ")} {events,7:N0} ev  {median,7:F2} ms CPU (min {times[0],6:F2})  {events / median / 1e3,6:F2} M ev/s  {median * 1e6 / events,6:F1} ns/ev");
            }
        }
        return 0;
    }
}
