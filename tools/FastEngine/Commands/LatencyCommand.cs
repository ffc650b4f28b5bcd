using System.CommandLine;
using System.Globalization;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Metrics;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine latency [file...] [--config F] [--speed 1x|Nx] [--max-gap-ms N] [--warmup-runs N] [--out DIR] [--diagnostics]</c>: replays captures at
/// their recorded pace (scaled by the speed) through the whole pipeline — producer thread parsing, ring, fused decision
/// thread — so the ring is not backlogged and each event's latency is the engine's own, then writes the latency report
/// (<see cref="LatencyReport.Write"/>: one <c>.hgrm</c> per stage, Markdown, SVG, JSON) of receive→book,
/// receive→signal and receive→intent (tick-to-intent), measured from the moment each record's events were published into
/// the ring. Idle stretches longer than <c>--max-gap-ms</c> of recording time are cut to that length (the bundled
/// captures were recorded years apart and have 1-second rows). <c>--warmup-runs</c> (default 5: fewer leave the rarely-run intent path in tier-0 code) replays the inputs at max
/// speed first, unmeasured, so the measured run is not timing the JIT. <c>--diagnostics</c> also times each segment of the
/// intent path per leg (<see cref="IntentPathDiagnostics"/>: printed, and written to <c>intent-path.csv</c>).
/// Exit codes: 0 written; 2 bad arguments, config or files; 1 the pipeline failed (a handler threw).
/// </summary>
internal static class LatencyCommand
{
    /// <summary>Names of the report's histograms (file names: latency-receive_book.hgrm, ...).</summary>
    public static readonly string[] StageNames = ["receive→book", "receive→signal", "receive→intent", "signal→intent"];

    public static Command Create()
    {
        var files = new Argument<string[]>("file") { Description = "Capture files (any supported format); none: the bundled replay of the config.", Arity = ArgumentArity.ZeroOrMore };
        var config = new Option<string?>("--config") { Description = "Config file (default: config/default.json found from the current directory up; config/latency-demo.json makes intents)." };
        var speed = new Option<string>("--speed") { Description = "Pacing: 1x (recorded pace) or Nx.", DefaultValueFactory = _ => "1x" };
        var maxGap = new Option<double>("--max-gap-ms") { Description = "Cut idle stretches longer than this (ms of recording time) to this length.", DefaultValueFactory = _ => 1000 };
        var warmup = new Option<int>("--warmup-runs") { Description = "Unmeasured replays of the same inputs at max speed before the measured one (JIT warm-up, as before going live).", DefaultValueFactory = _ => 5 };
        var outDir = new Option<string>("--out") { Description = "Directory for the latency report and the intent journal.", DefaultValueFactory = _ => "out/latency" };
        var venue = new Option<string?>("--venue") { Description = "Venue of the files when it cannot be inferred." };
        var format = new Option<string?>("--format") { Description = "Capture format: auto, fecap, legacy, envelope, tsraw, jsonl." };
        var runs = new Option<int>("--runs") { Description = "Measured paced replays (each a fresh engine after the warm-ups); their histograms are merged, so p99 rests on more samples.", DefaultValueFactory = _ => 1 };
        var diagnostics = new Option<bool>("--diagnostics") { Description = "Also time each segment of the intent path (reference id, journal, histograms, paper fill, risk) and count the decision thread's page faults per leg; adds a few µs per leg." };
        var command = new Command("latency", "Replay captures at recorded pace through the full pipeline and write the latency report (receive→book, receive→signal, receive→intent).")
        {
            files, config, speed, maxGap, warmup, runs, outDir, venue, format, diagnostics,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var speedText = parse.GetValue(speed)!;
            if (!ReplaySpeed.TryParse(speedText, out var replaySpeed) || replaySpeed.IsMax)
            {
                error.WriteLine($"error: --speed '{speedText}' is not valid; allowed: 1x or Nx (N > 0) — a latency run is paced, never max");
                return 2;
            }
            double gapMs = parse.GetValue(maxGap);
            if (!(gapMs >= 0) || double.IsInfinity(gapMs))
            {
                error.WriteLine($"error: --max-gap-ms '{gapMs.ToString(CultureInfo.InvariantCulture)}' is not valid; allowed: a finite number ≥ 0");
                return 2;
            }
            int warmupRuns = parse.GetValue(warmup);
            if (warmupRuns is < 0 or > 100)
            {
                error.WriteLine($"error: --warmup-runs '{warmupRuns}' is not valid; allowed: 0-100");
                return 2;
            }
            int measuredRuns = parse.GetValue(runs);
            if (measuredRuns is < 1 or > 50)
            {
                error.WriteLine($"error: --runs '{measuredRuns}' is not valid; allowed: 1-50");
                return 2;
            }
            if (!ReplayArguments.TryResolve(parse.GetValue(config), parse.GetValue(files) ?? [], error, out var cfg, out var inputs)) return 2;
            var dir = parse.GetValue(outDir)!;
            var results = new List<ReplayResult>(measuredRuns);
            var jitBefore = new (long Methods, TimeSpan Time)[measuredRuns];
            var jitAfter = new (long Methods, TimeSpan Time)[measuredRuns];
            try
            {
                // Warm-up: the same work unmeasured, so the measured run sees tiered-up code (a live engine replays before
                // trading for the same reason). Its journal and engine are thrown away.
                // Each warm-up is followed by a pause until the JIT is quiet (JitSettle): tier-1 recompiles happen there,
                // not in the measured runs.
                for (int i = 0; i < warmupRuns; i++)
                {
                    ReplayRunner.Run(inputs, cfg, ReplaySpeed.Max, Path.Combine(dir, "warmup-intents.fej"), parse.GetValue(venue), parse.GetValue(format));
                    JitSettle.WaitForQuiet();
                }
                // Each measured run is a fresh engine and journal (the same intents again would be duplicates).
                for (int i = 0; i < measuredRuns; i++)
                {
                    // Methods the JIT compiled while the measured run went on (tier-1 recompiles of code the warm-ups left
                    // at tier 0, OSR): each compile takes a core for a while, which a 2-core machine feels in the tail.
                    jitBefore[i] = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
                    results.Add(ReplayRunner.Run(inputs, cfg, replaySpeed, Path.Combine(dir, "intents.fej"), parse.GetValue(venue), parse.GetValue(format), maxGapMs: gapMs,
                        intentDiagnostics: parse.GetValue(diagnostics)));
                    jitAfter[i] = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
                }
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 2;
            }
            var result = results[^1];
            (string, LongHistogram)[] histograms =
            [
                (StageNames[0], Merged(results, e => e.BookLatency)),
                (StageNames[1], Merged(results, e => e.SignalLatency)),
                (StageNames[2], Merged(results, e => e.IntentLatency)),
                (StageNames[3], Merged(results, e => e.SignalToIntentLatency)),
            ];
            string threads = result.BookStage is null
                ? "one decision thread (book → signal → route → risk → journal → paper)"
                : $"a book thread (books, checksums, resyncs; images of the top {cfg.Topology.SnapshotDepth} levels per side) + a decision thread "
                  + "(image → mirror book → signal → route → risk → journal → paper; receive→book is measured there, after the image is applied)";
            string topology = $"{result.Topology}: producer thread (parse + publish, one Stopwatch stamp per record) + {threads}, ring {cfg.Topology.RingSize}; "
                + $"{result.ThreadLayout}; tiered compilation {(TieredCompilationOn() ? "on" : "off")}";
            var metadata = LatencyReportMetadata.ForThisMachine(
                $"FastEngine tick-to-intent latency, replay at {speedText} (gaps over {gapMs.ToString(CultureInfo.InvariantCulture)} ms cut, {warmupRuns} warm-up run(s) at max speed before"
                + (measuredRuns > 1 ? $", {measuredRuns} measured runs merged)" : ")"),
                DateTimeOffset.UtcNow, result.WaitStrategy, topology);
            IReadOnlyList<string> written;
            try
            {
                written = LatencyReport.Write(dir, "latency", histograms, metadata);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: cannot write the report into {dir}: {ex.Message}");
                return 2;
            }
            for (int i = 0; i < results.Count; i++)
            {
                var r = results[i];
                var engine = r.Engine;
                output.WriteLine((results.Count > 1 ? $"run {i + 1}: " : "latency: ")
                    + $"{r.Records:N0} records, {r.Events:N0} events in {r.ElapsedSeconds:F3} s at {speedText}; "
                    + $"intents {engine.Stats.Intents}, handler failures {r.HandlerFailures}; keep-warm "
                    + (engine.Options.KeepWarmMicros > 0 ? $"every {engine.Options.KeepWarmMicros} µs idle ({engine.KeepWarmRuns:N0} dry runs)" : "off")
                    + (engine.Journal is { PrecomputedHits: > 0 } j ? $"; reference ids precomputed for {j.PrecomputedHits} of {engine.Stats.IntentsJournaled} intents" : "")
                    + $"; JIT during the run: {jitAfter[i].Methods - jitBefore[i].Methods} methods, {(jitAfter[i].Time - jitBefore[i].Time).TotalMilliseconds:F1} ms");
                if (results.Count > 1)
                    output.WriteLine($"  receive→intent (ns): p50 {engine.IntentLatency.GetValueAtPercentile(50)}, max {engine.IntentLatency.GetMaxValue()} ({engine.IntentLatency.TotalCount} samples)");
                output.WriteLine($"  decision thread busy {r.DecisionBusyNsPerEvent:F0} ns/event"
                    + (r.BookStage is { } b
                        ? $"; book thread busy {r.BookBusyNsPerEvent:F0} ns/event, receive→book on the book thread (ns) p50 {b.Latency.GetValueAtPercentile(50)}, p99 {b.Latency.GetValueAtPercentile(99)}"
                        : ""));
            }
            if (results.Count > 1) output.WriteLine($"latency: {results.Count} measured runs merged");
            foreach (var (name, h) in histograms)
            {
                output.WriteLine(h.TotalCount == 0
                    ? $"  {name}: no samples"
                    : $"  {name} (ns): p50 {h.GetValueAtPercentile(50)}, p99 {h.GetValueAtPercentile(99)}, p99.9 {h.GetValueAtPercentile(99.9)}, max {h.GetMaxValue()} ({h.TotalCount} samples)");
            }
            for (int i = 0; i < results.Count; i++)
            {
                if (results[i].Engine.Diagnostics is not { } d) continue;
                if (results.Count > 1) output.WriteLine($"  run {i + 1}:");
                WriteBreakdown(output, d);
                try { output.WriteLine(WriteCsv(dir, d, results.Count > 1 ? $"intent-path-run{i + 1}.csv" : "intent-path.csv")); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { error.WriteLine($"error: cannot write the intent-path table: {ex.Message}"); }
            }
            foreach (var path in written) output.WriteLine(path);
            return results.All(r => r.HandlerFailures == 0) ? 0 : 1;
        });
        return command;
    }

    /// <summary>Whether the runtime tiers (DOTNET_TieredCompilation / the runtimeconfig's System.Runtime.TieredCompilation; on by default).</summary>
    internal static bool TieredCompilationOn()
    {
        string? env = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? Environment.GetEnvironmentVariable("COMPlus_TieredCompilation");
        if (env is not null) return env.Trim() != "0";
        return AppContext.GetData("System.Runtime.TieredCompilation") is not (false or "false" or "False");
    }

    /// <summary>One histogram with every run's samples (HdrHistogram's add).</summary>
    private static LongHistogram Merged(List<ReplayResult> results, Func<DecisionEngine, LongHistogram> pick)
    {
        var merged = new LongHistogram(1, 60_000_000_000, 3);
        foreach (var r in results) merged.Add(pick(r.Engine));
        return merged;
    }

    /// <summary>Per segment of the intent path: p50 / p90 / max over the measured legs, µs; then page faults per leg.</summary>
    private static void WriteBreakdown(TextWriter output, IntentPathDiagnostics d)
    {
        output.WriteLine($"  intent path per leg ({d.Count} legs; p50 / p90 / max, µs):");
        var values = new long[d.Count];
        foreach (var segment in Enum.GetValues<IntentPathSegment>())
        {
            for (int i = 0; i < d.Count; i++) values[i] = d.SegmentNs(i, segment);
            output.WriteLine($"    {segment,-14} {Summary(values)}");
        }
        if (!d.HasRusage) return;
        string[] parts = ["", "journal append", "paper fill", "whole leg"];
        for (int part = 1; part < 4; part++)
        {
            for (int i = 0; i < d.Count; i++) values[i] = d.Faults(i, part) * 1000;   // Summary divides by 1000
            output.WriteLine($"    minor faults, {parts[part]}: {Summary(values)} (total {values.Sum() / 1000})");
        }
    }

    /// <summary>One row per leg (ns and fault counts): intent-path.csv in the report directory.</summary>
    private static string WriteCsv(string dir, IntentPathDiagnostics d, string fileName)
    {
        var path = Path.Combine(dir, fileName);
        using var w = new StreamWriter(path);
        w.WriteLine("leg," + string.Join(",", Enum.GetNames<IntentPathSegment>()) + ",faults_journal,faults_fill,faults_leg");
        for (int i = 0; i < d.Count; i++)
        {
            w.Write(i.ToString(CultureInfo.InvariantCulture));
            foreach (var segment in Enum.GetValues<IntentPathSegment>()) w.Write("," + d.SegmentNs(i, segment).ToString(CultureInfo.InvariantCulture));
            w.WriteLine($",{d.Faults(i, 1)},{d.Faults(i, 2)},{d.Faults(i, 3)}");
        }
        return path;
    }

    private static string Summary(long[] values)
    {
        if (values.Length == 0) return "-";
        var sorted = (long[])values.Clone();
        Array.Sort(sorted);
        string At(double q) => (sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] / 1000.0).ToString("F2", CultureInfo.InvariantCulture);
        return $"{At(0.5)} / {At(0.9)} / {(sorted[^1] / 1000.0).ToString("F2", CultureInfo.InvariantCulture)}";
    }
}
