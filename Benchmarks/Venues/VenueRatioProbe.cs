using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace FastEngine.Benchmarks.Venues;

/// <summary>
/// <c>venue-ratio [class filter] [rounds]</c>: runs the <c>*ParseBenchmarks</c> methods of each venue INTERLEAVED
/// (round r: every method once, then round r+1, ...) and reports each method's median time per frame and the median
/// over rounds of (baseline time ÷ method time) measured in the same round. On a shared, loaded machine this ratio is
/// far steadier than BenchmarkDotNet's, which measures the methods minutes apart under different load; BenchmarkDotNet
/// stays the reference on a quiet machine. Same classes, same setup, same cross-checks (their constructors/GlobalSetup).
/// </summary>
public static class VenueRatioProbe
{
    public const string CommandName = "venue-ratio";

    public static int Run(string[] args)
    {
        string filter = args.Length > 0 ? args[0] : "";
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 21;
        var types = typeof(VenueRatioProbe).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(VenueRatioProbe).Namespace && t.Name.EndsWith("ParseBenchmarks", StringComparison.Ordinal)
                        && t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase))
            .OrderBy(t => t.Name);
        foreach (var type in types) RunClass(type, rounds);
        return 0;
    }

    private static void RunClass(Type type, int rounds)
    {
        object bench = Activator.CreateInstance(type)!;
        type.GetMethods().FirstOrDefault(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null)?.Invoke(bench, null);
        var methods = type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToArray();
        var baseline = methods.Single(m => m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline);
        int frames = baseline.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke;
        var runs = methods.Select(m => (Name: m.GetCustomAttribute<BenchmarkAttribute>()!.Description ?? m.Name, Call: (Action)(() => m.Invoke(bench, null)), IsBaseline: m == baseline)).ToArray();
        foreach (var r in runs) for (int w = 0; w < 5; w++) r.Call(); // warm-up: tiered JIT reaches its final code
        var times = runs.Select(_ => new List<double>()).ToArray();
        var ratios = runs.Select(_ => new List<double>()).ToArray();
        int baseIndex = Array.FindIndex(runs, r => r.IsBaseline);
        var round = new double[runs.Length];
        for (int n = 0; n < rounds; n++)
        {
            for (int i = 0; i < runs.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int k = 0; k < 3; k++) runs[i].Call();
                round[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 3 / frames;
                times[i].Add(round[i]);
            }
            for (int i = 0; i < runs.Length; i++) ratios[i].Add(round[baseIndex] / round[i]);
        }
        Console.WriteLine($"{type.Name}: {rounds} interleaved rounds, {frames} frames per invocation, 3 invocations per method per round");
        Console.WriteLine("| method | median µs/frame | frames/s (median) | speedup vs baseline, median of rounds (min–max) |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (int i = 0; i < runs.Length; i++)
        {
            double t = Median(times[i]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {runs[i].Name}{(runs[i].IsBaseline ? " (baseline)" : "")} | {t:F3} | {1e6 / t:N0} | {Median(ratios[i]):F2}× ({ratios[i].Min():F2}–{ratios[i].Max():F2}) |"));
        }
        Console.WriteLine();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
