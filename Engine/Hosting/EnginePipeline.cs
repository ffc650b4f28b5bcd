using System.Diagnostics;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Ring;
using FastEngine.Ring.Dsl;

namespace FastEngine.Hosting;

/// <summary>
/// The engine's ring: parsers publish <see cref="MarketEvent"/>s (one contiguous claim per batch of messages), and the
/// stages of <c>topology.mode</c> consume them, each on its own thread with the configured wait strategy and CPU.
/// <c>fused</c>: one decision stage (<see cref="DecisionEngine"/>: book → signal → route → risk → intent → paper execution).
/// <c>staged</c>: the book stage (<see cref="BookStage"/>: the authoritative <see cref="BookKeeper"/>, thread
/// <c>fe-book</c>, <c>topology.cpus.book</c>) and, gated on it through the ring's sequence barrier, the decision stage
/// (thread <c>fe-decision</c>), which reads a mirror of the books fed with the book stage's images
/// (<see cref="BookSnapshotRing"/>, <c>topology.snapshotDepth</c> levels per side). Both give the same decisions.
/// <see cref="Halt"/> drains everything published through every stage.
/// </summary>
/// <remarks>
/// Producer side: one publishing thread (<see cref="ProducerType.Single"/>) unless <c>multiProducer</c> is set (live
/// runs with one receive loop per venue). A batch larger than a quarter of the ring is published in chunks; a book
/// message is never split across producers because each producer claims its chunks in order.
/// </remarks>
public sealed class EnginePipeline : IMarketEventSink, IDisposable
{
    private readonly Disruptor<MarketEvent> _disruptor;
    private readonly RingBuffer<MarketEvent> _ring;
    private readonly long[] _stamps;
    private readonly int _mask;
    private readonly int _chunk;
    private readonly IEventProcessor _decision;
    private readonly IEventProcessor? _book;
    private readonly SkipAndCountExceptionHandler<MarketEvent> _errors = new();
    private readonly SkipAndCountExceptionHandler<MarketEvent> _bookErrors = new();
    private long _published;

    public EnginePipeline(DecisionEngine engine, TopologyConfig topology, bool multiProducer = false)
    {
        Engine = engine;
        WaitStrategy = WaitStrategyFactory.Parse(topology.WaitStrategy);
        int? cpu = topology.Cpus.TryGetValue("decision", out var c) && c >= 0 ? c : null;
        // With engine.keepWarmMicros the decision stage waits with the keep-warm strategy: a busy-spin or yielding wait
        // that runs the intent path's dry run while idle.
        long keepWarm = engine.Options.KeepWarmMicros;
        KeepWarmActive = keepWarm > 0 && WaitStrategy is WaitStrategyKind.BusySpin or WaitStrategyKind.Yielding;
        var options = new StageOptions(WaitStrategy, cpu, "fe-decision")
        {
            WaitStrategyInstance = KeepWarmActive ? new KeepWarmWaitStrategy(engine, WaitStrategy, keepWarm) : null,
        };
        var producerType = multiProducer ? ProducerType.Multi : ProducerType.Single;
        _stamps = new long[topology.RingSize];
        _mask = topology.RingSize - 1;
        _chunk = Math.Max(1, topology.RingSize / 4);
        Topology = topology.Mode;
        if (topology.Mode == "staged")
        {
            int? bookCpu = topology.Cpus.TryGetValue("book", out var b) && b >= 0 ? b : null;
            var bookOptions = new StageOptions(WaitStrategy, bookCpu, "fe-book");
            _disruptor = new Disruptor<MarketEvent>(topology.RingSize, producerType, bookOptions);
            _ring = _disruptor.RingBuffer;
            var snapshots = new BookSnapshotRing(SnapshotSlots(topology.RingSize, topology.SnapshotDepth), topology.SnapshotDepth);
            engine.UseMirror(new BookMirror(snapshots));
            BookStage = new BookStage(engine.Books, snapshots, engine.Options.WarmupEvents);
            BookClock = new StageClock();
            var marks = new long[topology.RingSize];
            var books = _disruptor.HandleEventsWith(new BookStageHandler(BookStage, _stamps, marks, _mask, BookClock), bookOptions, _bookErrors);
            var decision = books.Then(new StagedDecisionHandler(engine, _stamps, marks, _mask, DecisionClock), options, _errors);
            var bookProcessor = books.Processor<BookStageHandler>();
            BookStage.ReportProgressTo(bookProcessor.Sequence);
            _book = bookProcessor;
            _decision = decision.Processor<StagedDecisionHandler>();
        }
        else
        {
            _disruptor = new Disruptor<MarketEvent>(topology.RingSize, producerType, options);
            _ring = _disruptor.RingBuffer;
            var group = _disruptor.HandleEventsWith(new DecisionStage(engine, _stamps, _mask, DecisionClock), options, _errors);
            _decision = group.Processor<DecisionStage>();
        }
    }

    /// <summary>Image slots of the staged topology's snapshot ring: up to 1,024 (the book stage may run that many book
    /// messages ahead of the decision stage), fewer for deep images so the ring stays within about 16 MB, at least 16.</summary>
    public static int SnapshotSlots(int ringSize, int depth)
    {
        long perSlot = 2L * depth * 24;
        long slots = Math.Clamp(16L * 1024 * 1024 / perSlot, 16, Math.Min(1024, ringSize));
        return (int)(1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)slots)));
    }

    public DecisionEngine Engine { get; }
    public WaitStrategyKind WaitStrategy { get; }
    /// <summary>True when the decision thread runs the idle-time keep-warm (<see cref="DecisionOptions.KeepWarmMicros"/> &gt; 0
    /// with a busy-spin or yielding wait).</summary>
    public bool KeepWarmActive { get; }
    public long Published => Volatile.Read(ref _published);
    /// <summary><c>fused</c> or <c>staged</c>.</summary>
    public string Topology { get; }
    /// <summary>Events whose handler threw, in any stage (skipped, counted; the pipeline never hangs on them). In the staged
    /// topology an event the book stage threw on is skipped by the decision stage too and counted once, as in the fused one.</summary>
    public long HandlerFailures => _errors.FailureCount + _bookErrors.FailureCount;
    /// <summary>Events the staged topology's book stage threw on (0 in the fused topology).</summary>
    public long BookHandlerFailures => _bookErrors.FailureCount;
    public Exception? LastHandlerFailure => _errors.LastException ?? _bookErrors.LastException;
    /// <summary>Why the decision thread could not be pinned, if it could not.</summary>
    public string? PinError => _decision.PinError;
    /// <summary>Why the staged topology's book thread could not be pinned, if it could not (null in the fused topology).</summary>
    public string? BookPinError => _book?.PinError;
    /// <summary>The staged topology's book stage (null in the fused topology): its images, book-thread latency and allocation.</summary>
    public BookStage? BookStage { get; }
    /// <summary>Busy time of the decision thread (the fused stage, or the staged topology's decision stage).</summary>
    public StageClock DecisionClock { get; } = new();
    /// <summary>Busy time of the staged topology's book thread (null in the fused topology).</summary>
    public StageClock? BookClock { get; }

    public void Start() => _disruptor.Start();

    /// <summary>Copies <paramref name="events"/> into claimed slots and publishes them. Allocation-free.</summary>
    public void Publish(Span<MarketEvent> events)
    {
        long stamp = Stopwatch.GetTimestamp();
        while (events.Length > 0)
        {
            int n = Math.Min(events.Length, _chunk);
            long hi = _ring.Next(n);
            long lo = hi - n + 1;
            for (int i = 0; i < n; i++)
            {
                long seq = lo + i;
                _ring[seq] = events[i];
                _stamps[seq & _mask] = stamp;
            }
            _ring.Publish(lo, hi);
            events = events[n..];
            _published += n;
        }
    }

    /// <summary>Drains every published event through every stage (the book stage first, then the decision stage), then stops them.</summary>
    public bool Halt(TimeSpan? timeout = null) => _disruptor.Halt(timeout ?? TimeSpan.FromMinutes(5));

    public void Dispose() => _disruptor.Dispose();

    /// <summary>The fused decision stage as a struct handler (devirtualized by the processor).</summary>
    private struct DecisionStage(DecisionEngine engine, long[] stamps, int mask, StageClock clock) : IEventHandler<MarketEvent>
    {
        private readonly DecisionEngine _engine = engine;
        private readonly long[] _stamps = stamps;
        private readonly int _mask = mask;
        private readonly StageClock _clock = clock;
        private long _lastTimeNs;

        public void OnBatchStart(long batchSize, long firstSequence) => _clock.BatchStart(batchSize);

        public void OnEvent(ref MarketEvent data, long sequence, bool endOfBatch)
        {
            _lastTimeNs = data.ReceiveTimeNs;
            _engine.OnEvent(ref data, _stamps[sequence & _mask]);
            if (endOfBatch) _clock.BatchEnd();
        }

        public void OnShutdown() => _engine.MarkEnd(_lastTimeNs);
    }
}
