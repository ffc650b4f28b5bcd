using System.Diagnostics;
using FastEngine.Model;
using FastEngine.Ring;
using FastEngine.Ring.Dsl;

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
    private readonly Disruptor<MarketEvent> _disruptor;
    private readonly RingBuffer<MarketEvent> _ring;
    private readonly long[] _stamps;
    private readonly int _mask;
    private readonly int _chunk;
    private readonly BatchEventProcessor<MarketEvent, DecisionStage> _decision;
    private readonly SkipAndCountExceptionHandler<MarketEvent> _errors = new();
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
        _disruptor = new Disruptor<MarketEvent>(topology.RingSize, multiProducer ? ProducerType.Multi : ProducerType.Single, options);
        _ring = _disruptor.RingBuffer;
        _stamps = new long[topology.RingSize];
        _mask = topology.RingSize - 1;
        _chunk = Math.Max(1, topology.RingSize / 4);
        var group = _disruptor.HandleEventsWith(new DecisionStage(engine, _stamps, _mask), options, _errors);
        _decision = group.Processor<DecisionStage>();
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

    /// <summary>Drains every published event through the decision stage, then stops it.</summary>
    public bool Halt(TimeSpan? timeout = null) => _disruptor.Halt(timeout ?? TimeSpan.FromMinutes(5));

    public void Dispose() => _disruptor.Dispose();

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
