using BenchmarkDotNet.Attributes;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// Events per second of the decision pipeline over the bundled captures (config/default.json "replay": 20,456 records,
/// 210,074 events; one operation = one event, so the Op/s column is events/s):
/// <list type="bullet">
/// <item><see cref="DecisionEngineAlone"/>: the fused decision stage (books → signal → route → risk → journal → paper)
/// over pre-parsed events, one Stopwatch stamp per record as the producer stamps each publish; a warm engine replays the
/// whole set again per operation after <see cref="Books.BookKeeper.Reset"/> (every book back to awaiting its snapshot, so
/// each pass does the first pass's work: the constructor checks the counters of two passes are equal, evaluations
/// within 1%).
/// 0 B allocated is part of the result.</item>
/// <item><see cref="ProducerAlone"/>: sources merged by receive time and parsed by the venue parsers into a counting sink.</item>
/// <item><see cref="ParseAndDecideOneThread"/> (baseline): the same work as the whole replay without the ring — parse and
/// call <see cref="DecisionEngine.OnEvent"/> on one thread.</item>
/// <item><see cref="WholeReplayRing"/>: <see cref="ReplayRunner.Run"/> — parse on this thread, decide on the ring's
/// fused decision thread (config topology: yielding wait), including opening the files and building the engine, as the
/// baseline does.</item>
/// </list>
/// Steady-state variants (suffix <c>Steady</c>) time only the replay of an already-opened session into an already-built,
/// warm engine: an <c>[IterationSetup]</c> opens the files (with the warm engine's registry), resets the books and, for the
/// ring, builds and starts the pipeline; the timed operation is merge + parse (+ decide) and, for the ring, the drain
/// (<see cref="EnginePipeline.Halt"/>). <see cref="ProducerAloneSteady"/>, <see cref="ParseAndDecideOneThreadSteady"/>,
/// <see cref="WholeReplayRingSteady"/> are the steady counterparts of the three cold rows, which open the files (and build
/// the engine) inside the timed region as <c>fastengine replay</c> does. Every benchmark runs one operation per iteration
/// (<c>InvocationCount(1)</c>: a whole replay is tens of ms, and the setup must run before each one).
/// The constructor checks the counts against the known facts of the bundled captures (the replay tests assert them
/// too), so a variant that skips work cannot win.
/// </summary>
[Config(typeof(BenchConfig))]
[InvocationCount(1)]
public class PipelineBenchmarks
{
    /// <summary>Events of the bundled replay (header + levels of every book message, trades).</summary>
    public const int BundledEvents = 210_074;
    private const int BundledRecords = 20_456;

    private readonly EngineConfig _config;
    private readonly string[] _files;
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"fe-pipeline-bench-{Environment.ProcessId}.fej");
    private readonly MarketEvent[] _events;
    private readonly int[] _recordEnds;
    private readonly DecisionEngine _warm;
    private readonly InstrumentRegistry _registry;
    private readonly long _bookMessagesPerPass;
    private ReplaySession? _session;
    private EnginePipeline? _pipeline;
    /// <summary>The steady variants' producer (its 8,192-event batch built once, not per operation).</summary>
    private readonly ReplayProducer _steadyProducer = new(ReplaySpeed.Max);

    public PipelineBenchmarks()
    {
        (_config, _files) = PipelineWorkload.Bundled();
        using var session = ReplaySession.Open(_files);
        _events = ReplayRunner.ParseAll(session, out _recordEnds);
        // 20,456 records, 2 of which (connection records) carry no event.
        if (_events.Length != BundledEvents || _recordEnds.Length != BundledRecords - 2)
            throw new InvalidOperationException($"bundled replay: expected {BundledRecords - 2} records with events / {BundledEvents} events, got {_recordEnds.Length} / {_events.Length}");
        _registry = session.Registry;
        _warm = PipelineWorkload.NewEngine(_config, session.Registry);
        PipelineWorkload.Feed(_warm, _events, _recordEnds);
        _bookMessagesPerPass = _warm.Stats.BookMessages;
        var first = Counters(_warm);
        CheckBooks(_warm, "engine alone, first pass");
        DecisionEngineAlone();
        var second = Counters(_warm);
        CheckBooks(_warm, "engine alone, second pass");
        // Evaluations (index 2) may be slightly more: the consolidated views exist from the start of a second pass, so the
        // first venue's first messages are evaluated (and fail fast: the other venue's book awaits its snapshot) where
        // the first pass had no view yet. Every other counter must match exactly.
        long extra = second[2] - 2 * first[2];
        if (extra < 0 || extra > first[2] / 100) throw new InvalidOperationException($"engine alone: second pass evaluations {second[2] - first[2]} vs {first[2]}");
        for (int i = 0; i < first.Length; i++)
            if (i != 2 && second[i] != 2 * first[i]) throw new InvalidOperationException($"engine alone: counter {i} of the second pass differs from the first ({second[i] - first[i]} vs {first[i]})");

        long direct = ParseAndDecideOneThread();
        long ring = WholeReplayRing();
        if (direct != _bookMessagesPerPass || ring != _bookMessagesPerPass)
            throw new InvalidOperationException($"book messages: engine alone {_bookMessagesPerPass}, one thread {direct}, ring {ring}");
        if (ProducerAlone() != BundledEvents) throw new InvalidOperationException("producer: wrong event count");

        // The steady variants over a warm engine do a pass's work again (same book messages; every book synced after).
        OpenSession();
        if (ProducerAloneSteady() != BundledEvents) throw new InvalidOperationException("steady producer: wrong event count");
        CloseSession();
        OpenSession();
        if (ParseAndDecideOneThreadSteady() != _bookMessagesPerPass) throw new InvalidOperationException("steady one thread: wrong book messages");
        CheckBooks(_warm, "steady one thread");
        CloseSession();
        OpenSessionAndPipeline();
        if (WholeReplayRingSteady() != _bookMessagesPerPass) throw new InvalidOperationException("steady ring: wrong book messages");
        CheckBooks(_warm, "steady ring");
        CloseSession();
    }

    [IterationSetup(Targets = [nameof(ProducerAloneSteady), nameof(ParseAndDecideOneThreadSteady)])]
    public void OpenSession()
    {
        _session = ReplaySession.Open(_files, registry: _registry);
        _warm.Books.Reset();
    }

    [IterationSetup(Target = nameof(WholeReplayRingSteady))]
    public void OpenSessionAndPipeline()
    {
        OpenSession();
        _pipeline = new EnginePipeline(_warm, _config.Topology);
        _pipeline.Start();
    }

    [IterationCleanup(Targets = [nameof(ProducerAloneSteady), nameof(ParseAndDecideOneThreadSteady), nameof(WholeReplayRingSteady)])]
    public void CloseSession()
    {
        _pipeline?.Dispose();
        _pipeline = null;
        _session?.Dispose();
        _session = null;
    }

    /// <summary>Engine and book counters that say what work a pass did.</summary>
    private static long[] Counters(DecisionEngine engine)
    {
        var total = new Books.BookStats();
        foreach (var b in engine.Books.Books) engine.Books.StatsOf(b.Venue, b.Instrument)!.AddTo(total);
        var s = engine.Stats;
        return [s.Events, s.BookMessages, s.Evaluations, s.Opportunities, s.Intents, total.Messages, total.Snapshots, total.DeltasApplied,
            total.LevelsApplied, total.Gaps, total.Resyncs, total.Buffered, total.Duplicates, total.DroppedStale, total.BboChecked, total.BboMismatch];
    }

    private static void CheckBooks(DecisionEngine engine, string what)
    {
        int books = 0;
        foreach (var b in engine.Books.Books)
        {
            books++;
            if (!b.IsSynced) throw new InvalidOperationException($"{what}: {b} is not synced");
        }
        if (books != 6) throw new InvalidOperationException($"{what}: expected 6 books, got {books}");
        if (engine.Stats.Intents != 0) throw new InvalidOperationException($"{what}: retail fees must leave no intent");
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long DecisionEngineAlone()
    {
        _warm.Books.Reset();
        PipelineWorkload.Feed(_warm, _events, _recordEnds);
        return _warm.Stats.BookMessages;
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long ProducerAlone()
    {
        using var session = ReplaySession.Open(_files);
        var sink = new CountingSink();
        new ReplayProducer(ReplaySpeed.Max).Run(session.Merge, sink);
        return sink.Events;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BundledEvents)]
    public long ParseAndDecideOneThread()
    {
        if (File.Exists(_journal)) File.Delete(_journal);
        using var session = ReplaySession.Open(_files);
        using var engine = PipelineWorkload.NewEngine(_config, session.Registry, _journal);
        new ReplayProducer(ReplaySpeed.Max).Run(session.Merge, new DirectEngineSink(engine));
        engine.MarkEnd(0);
        return engine.Stats.BookMessages;
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long WholeReplayRing()
    {
        var result = ReplayRunner.Run(_files, _config, ReplaySpeed.Max, _journal);
        if (result.HandlerFailures != 0) throw new InvalidOperationException("ring: a handler failed");
        return result.Engine.Stats.BookMessages;
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long ProducerAloneSteady()
    {
        var sink = new CountingSink();
        _steadyProducer.Run(_session!.Merge, sink);
        return sink.Events;
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long ParseAndDecideOneThreadSteady()
    {
        long before = _warm.Stats.BookMessages;
        _steadyProducer.Run(_session!.Merge, new DirectEngineSink(_warm));
        _warm.MarkEnd(0);
        return _warm.Stats.BookMessages - before;
    }

    [Benchmark(OperationsPerInvoke = BundledEvents)]
    public long WholeReplayRingSteady()
    {
        long before = _warm.Stats.BookMessages;
        _steadyProducer.Run(_session!.Merge, _pipeline!);
        _pipeline!.Halt();
        if (_pipeline.HandlerFailures != 0) throw new InvalidOperationException("ring: a handler failed");
        return _warm.Stats.BookMessages - before;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _warm.Dispose();
        if (File.Exists(_journal)) File.Delete(_journal);
    }
}
