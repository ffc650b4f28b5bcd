using System.Diagnostics;
using FastEngine.Model;
using FastEngine.Ring;

namespace FastEngine.Hosting;

/// <summary>
/// The engine's ring: parsers publish <see cref="MarketEvent"/>s (one contiguous claim per batch of messages), the
/// fused decision stage (<see cref="DecisionEngine"/>: book → signal → route → risk → intent → paper execution) consumes
/// them on its own thread with the configured wait strategy and CPU. <see cref="Halt"/> drains everything published.
/// </summary>
/// <remarks>
/// Producer side: one publishing thread (<see cref="ProducerType.Single"/>) unless <c>multiProducer</c> is set (live
/// runs with one receive loop per venue). A batch larger than a quarter of the ring is published in chunks; a book
/// message is never split across producers because each producer claims its chunks in order.
/// </remarks>
public sealed class EnginePipeline : IMarketEventSink, IDisposable
{
    private readonly RingBuffer<MarketEvent> _ring;
    private readonly long[] _stamps;
    private readonly int _mask;
    private readonly int _chunk;
    private readonly BatchEventProcessor<MarketEvent, DecisionStage> _decision;
    private readonly SkipAndCountExceptionHandler<MarketEvent> _errors = new();
    private readonly int? _cpu;
    private int _state;   // 0 built, 1 started, 2 halted
    private long _published;

    public EnginePipeline(DecisionEngine engine, TopologyConfig topology, bool multiProducer = false)
    {
        Engine = engine;
        WaitStrategy = WaitStrategyFactory.Parse(topology.WaitStrategy);
        _cpu = topology.Cpus.TryGetValue("decision", out var c) && c >= 0 ? c : null;
        // One stage, built without the DSL so its wait strategy can be the keep-warm one (engine.keepWarmMicros): a
        // busy-spin or yielding wait that runs the intent path's dry run while idle. Same ring, barrier and processor.
        long keepWarm = engine.Options.KeepWarmMicros;
        KeepWarmActive = keepWarm > 0 && WaitStrategy is WaitStrategyKind.BusySpin or WaitStrategyKind.Yielding;
        IWaitStrategy wait = KeepWarmActive ? new KeepWarmWaitStrategy(engine, WaitStrategy, keepWarm) : WaitStrategyFactory.Create(WaitStrategy);
        _ring = new RingBuffer<MarketEvent>(topology.RingSize, multiProducer ? ProducerType.Multi : ProducerType.Single, wait);
        _stamps = new long[topology.RingSize];
        _mask = topology.RingSize - 1;
        _chunk = Math.Max(1, topology.RingSize / 4);
        _decision = new BatchEventProcessor<MarketEvent, DecisionStage>(_ring, _ring.NewBarrier(wait), new DecisionStage(engine, _stamps, _mask), _errors);
        _ring.AddGatingSequences(_decision.Sequence);
    }

    public DecisionEngine Engine { get; }
    public WaitStrategyKind WaitStrategy { get; }
    /// <summary>True when the decision thread runs the idle-time keep-warm (<see cref="DecisionOptions.KeepWarmMicros"/> &gt; 0
    /// with a busy-spin or yielding wait).</summary>
    public bool KeepWarmActive { get; }
    public long Published => Volatile.Read(ref _published);
    /// <summary>Events whose handler threw (skipped, counted; the pipeline never hangs on them).</summary>
    public long HandlerFailures => _errors.FailureCount;
    public Exception? LastHandlerFailure => _errors.LastException;
    /// <summary>Why the decision thread could not be pinned, if it could not.</summary>
    public string? PinError => _decision.PinError;

    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("The pipeline was already started.");
        _decision.StartThread("fe-decision", _cpu);
    }

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

    /// <summary>Drains every published event through the decision stage, then stops it.</summary>
    public bool Halt(TimeSpan? timeout = null)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1) return true;
        _decision.Halt();
        return _decision.WaitUntilStopped(timeout ?? TimeSpan.FromMinutes(5));
    }

    public void Dispose() => Halt(TimeSpan.FromSeconds(30));

    /// <summary>The fused decision stage as a struct handler (devirtualized by the processor).</summary>
    private struct DecisionStage(DecisionEngine engine, long[] stamps, int mask) : IEventHandler<MarketEvent>
    {
        private readonly DecisionEngine _engine = engine;
        private readonly long[] _stamps = stamps;
        private readonly int _mask = mask;
        private long _lastTimeNs;

        public void OnEvent(ref MarketEvent data, long sequence, bool endOfBatch)
        {
            _lastTimeNs = data.ReceiveTimeNs;
            _engine.OnEvent(ref data, _stamps[sequence & _mask]);
        }

        public void OnShutdown() => _engine.MarkEnd(_lastTimeNs);
    }
}
