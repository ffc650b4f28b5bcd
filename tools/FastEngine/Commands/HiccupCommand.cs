using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FastEngine.Metrics;
using FastEngine.Ring;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine hiccup [--seconds N] [--cpu C] [--out FILE]</c>: how long the machine takes a spinning thread away. One
/// thread does nothing but read the clock (<see cref="Stopwatch.GetTimestamp"/>) for N seconds and records every gap
/// between two reads into our HDR histogram (ns): what is left above the clock read's own cost is time the thread did
/// not run (scheduler, interrupts, a hypervisor's steal, SMIs). Prints the percentiles, the gaps over 20 µs / 100 µs /
/// 1 ms per second and the share of the time lost; writes the distribution as <c>.hgrm</c> (µs). No latency figure
/// measured on that machine can have a tail below what this shows: an event that arrives while the thread is away
/// waits for it.
/// </summary>
internal static class HiccupCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to measure.", DefaultValueFactory = _ => 10 };
        var cpu = new Option<int>("--cpu") { Description = "Pin the measuring thread to this CPU (-1: not pinned).", DefaultValueFactory = _ => -1 };
        var outFile = new Option<string?>("--out") { Description = "Write the distribution (.hgrm, values in µs) to this file." };
        var command = new Command("hiccup", "Measure how long the machine takes a spinning thread away (every gap between two clock reads into an HDR histogram).")
        {
            seconds, cpu, outFile,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            double s = parse.GetValue(seconds);
            if (!(s > 0 && s <= 3600))
            {
                error.WriteLine($"error: --seconds '{s.ToString(CultureInfo.InvariantCulture)}' is not valid; allowed: more than 0 up to 3600");
                return 2;
            }
            int pin = parse.GetValue(cpu);
            var histogram = new LongHistogram(1, 3_600_000_000_000, 3);
            string layout = "not pinned";
            long reads = 0;
            var thread = new Thread(() =>
            {
                if (pin >= 0) layout = ThreadAffinity.TryPin(pin, out var pinError) ? $"CPU {pin}" : $"not pinned ({pinError})";
                reads = Measure(histogram, s);
            }) { Name = "fe-hiccup", IsBackground = true };
            thread.Start();
            thread.Join();
            double lostNs = 0;
            long over20 = 0, over100 = 0, over1000 = 0;
            foreach (var v in histogram.RecordedValues())
            {
                long value = v.ValueIteratedTo;
                if (value >= 20_000) { lostNs += (double)value * v.CountAtValueIteratedTo; over20 += v.CountAtValueIteratedTo; }
                if (value >= 100_000) over100 += v.CountAtValueIteratedTo;
                if (value >= 1_000_000) over1000 += v.CountAtValueIteratedTo;
            }
            output.WriteLine($"hiccup: {s.ToString("F1", CultureInfo.InvariantCulture)} s, {reads:N0} clock reads, thread {layout}");
            output.WriteLine($"  gap between reads (ns): p50 {histogram.GetValueAtPercentile(50)}, p99 {histogram.GetValueAtPercentile(99)}, "
                + $"p99.99 {histogram.GetValueAtPercentile(99.99)}, p99.9999 {histogram.GetValueAtPercentile(99.9999)}, max {histogram.GetMaxValue()}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  gaps >= 20 µs: {over20 / s:F1}/s, >= 100 µs: {over100 / s:F1}/s, >= 1 ms: {over1000 / s:F2}/s; time lost in gaps >= 20 µs: {100 * lostNs / (s * 1e9):F2} %"));
            if (parse.GetValue(outFile) is { } path)
            {
                try
                {
                    using var w = new StreamWriter(path);
                    histogram.OutputPercentileDistribution(w, 5, 1000.0);
                    output.WriteLine(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot write {path}: {ex.Message}");
                    return 2;
                }
            }
            return 0;
        });
        return command;
    }

    /// <summary>Reads the clock back to back for <paramref name="seconds"/>, recording each gap (ns). Allocation-free.</summary>
    internal static long Measure(LongHistogram histogram, double seconds)
    {
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long last = Stopwatch.GetTimestamp();
        long reads = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            histogram.RecordValue(Math.Max(1, (long)((now - last) * nsPerTick)));
            reads++;
            last = now;
            if (now >= end) return reads;
        }
    }
}
