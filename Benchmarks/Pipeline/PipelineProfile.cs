using System.Diagnostics;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// <c>pipeline-profile [rounds]</c>: where the replay's time goes, each part timed alone over the bundled captures in one
/// process (after a warm-up round): opening the sources, the producer (parse + merge) into a counting sink, the decision
/// engine over pre-parsed events (fresh engine, and a second pass over a warm one), parse + decide on one thread (no
/// ring), and the whole replay through the ring. Prints the median of the rounds.
/// </summary>
internal static class PipelineProfile
{
    public const string CommandName = "pipeline-profile";

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 7;
        // "producer": only the producer parts (open, merge + parse per file and together), for quick before/after runs.
        bool producerOnly = args.Length > 1 && args[1] == "producer";
        var (config, files) = PipelineWorkload.Bundled();
        var journal = Path.Combine(Path.GetTempPath(), "fe-pipeline-profile.fej");
        var times = new Dictionary<string, List<double>>();
        long events = 0;
        var cpuTimes = new Dictionary<string, List<double>>();
        void Add(string name, double seconds) => (times.TryGetValue(name, out var l) ? l : times[name] = new()).Add(seconds);
        // Thread CPU time of the single-threaded producer parts: on a loaded box wall time includes waiting for a core.
        void AddCpu(string name, long startNs) =>
            (cpuTimes.TryGetValue(name, out var l) ? l : cpuTimes[name] = new()).Add((ThreadCpuClock.NowNs() - startNs) / 1e9);
        for (int round = 0; round <= rounds; round++)
        {
            var sw = Stopwatch.StartNew();
            using (var session = ReplaySession.Open(files))
            {
                Add("open sources", sw.Elapsed.TotalSeconds);
                var sink = new CountingSink();
                sw.Restart();
                long cpu = ThreadCpuClock.NowNs();
                new ReplayProducer(ReplaySpeed.Max).Run(session.Merge, sink);
                Add("producer (parse+merge) -> counting sink", sw.Elapsed.TotalSeconds);
                AddCpu("producer (parse+merge) -> counting sink", cpu);
                events = sink.Events;
            }
            foreach (var file in files)
            {
                using var one = ReplaySession.Open([file]);
                var counted = new CountingSink();
                sw.Restart();
                long cpu = ThreadCpuClock.NowNs();
                new ReplayProducer(ReplaySpeed.Max).Run(one.Merge, counted);
                string name = $"  producer, {Path.GetFileName(file)[..Math.Min(40, Path.GetFileName(file).Length)]} ({counted.Events} ev)";
                Add(name, sw.Elapsed.TotalSeconds);
                AddCpu(name, cpu);
            }
            if (producerOnly)
            {
                if (round == 0) { times.Clear(); cpuTimes.Clear(); }
                continue;
            }
            using (var session = ReplaySession.Open(files))
            {
                var all = ReplayRunner.ParseAll(session, out var ends);
                using var engine = PipelineWorkload.NewEngine(config, session.Registry);
                sw.Restart();
                PipelineWorkload.Feed(engine, all, ends);
                Add("engine alone, fresh engine (pre-parsed)", sw.Elapsed.TotalSeconds);
                engine.Books.Reset();
                sw.Restart();
                PipelineWorkload.Feed(engine, all, ends);
                Add("engine alone, second pass after Books.Reset (pre-parsed)", sw.Elapsed.TotalSeconds);
            }
            using (var session = ReplaySession.Open(files))
            {
                using var engine = PipelineWorkload.NewEngine(config, session.Registry);
                sw.Restart();
                new ReplayProducer(ReplaySpeed.Max).Run(session.Merge, new DirectEngineSink(engine));
                Add("parse + engine, one thread (no ring)", sw.Elapsed.TotalSeconds);
            }
            foreach (int batchEvents in new[] { 1, 1024 })
            {
                using var session = ReplaySession.Open(files);
                using var engine = PipelineWorkload.NewEngine(config, session.Registry);
                using var pipeline = new EnginePipeline(engine, config.Topology);
                sw.Restart();
                pipeline.Start();
                new ReplayProducer(ReplaySpeed.Max) { MaxBatchEvents = batchEvents }.Run(session.Merge, pipeline);
                pipeline.Halt();
                Add($"ring, publish batches of <= {batchEvents} events (record-aligned)", sw.Elapsed.TotalSeconds);
            }
            sw.Restart();
            var r = ReplayRunner.Run(files, config, ReplaySpeed.Max, journal);
            Add("whole replay via ReplayRunner.Run (open+ring+engine)", sw.Elapsed.TotalSeconds);
            Add("  of which ReplayResult.ElapsedSeconds", r.ElapsedSeconds);
            r.Engine.Dispose();
            if (round == 0) { times.Clear(); cpuTimes.Clear(); }
        }
        Console.WriteLine($"events per pass: {events:N0}; median (and fastest) of {rounds} rounds; M events/s of the median");
        foreach (var (name, list) in times)
        {
            list.Sort();
            double median = list[list.Count / 2];
            // Per-file rows are rated by their own events ("(N ev)" in the name), the others by the whole pass.
            int open = name.LastIndexOf('('), close = name.LastIndexOf(" ev)", StringComparison.Ordinal);
            long n = open >= 0 && close > open && long.TryParse(name[(open + 1)..close], out var own) ? own : events;
            string cpu = "";
            if (cpuTimes.TryGetValue(name, out var cpuList))
            {
                cpuList.Sort();
                double cpuMedian = cpuList[cpuList.Count / 2];
                cpu = $"  thread CPU {cpuMedian * 1e3,8:F2} ms = {n / cpuMedian / 1e6,6:F2} M events/s per CPU-second";
            }
            Console.WriteLine($"  {name,-62} {median * 1e3,9:F2} ms  (min {list[0] * 1e3,8:F2})  {n / median / 1e6,7:F2} M events/s{cpu}");
        }
        return 0;
    }
}
