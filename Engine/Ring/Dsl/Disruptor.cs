namespace FastEngine.Ring.Dsl;

/// <summary>
/// Builds and runs a pipeline of struct handlers over one ring:
/// <code>
/// var d = new Disruptor&lt;MarketEvent&gt;(4096, ProducerType.Single);
/// var books = d.HandleEventsWith(new BookStage());               // stage 1
/// var signals = books.Then(new SignalStage());                    // stage 2 follows stage 1
/// var capture = d.HandleEventsWith(new CaptureStage());           // parallel to stage 1
/// signals.And(capture).Then(new RiskStage());                     // diamond: after both
/// d.Start(); ... d.RingBuffer.Next()/Publish ...; d.Halt();
/// </code>
/// </summary>
/// <remarks>
/// Each stage runs on its own background thread with its own wait strategy and optional CPU pin
/// (<see cref="StageOptions"/>). Only the last stages of each chain gate the producers. <see cref="Halt"/> drains:
/// stages are halted in the order they were added (which is a topological order), each after the stages before it
/// have stopped, so every event published before <see cref="Halt"/> is processed by every stage. Stop publishing
/// before calling it. Building is not thread-safe; <see cref="Start"/> and <see cref="Halt"/> are called once each.
/// </remarks>
public sealed class Disruptor<T> : IDisposable where T : struct
{
    private readonly List<Stage> _stages = [];
    private readonly HashSet<Sequence> _followed = [];
    private readonly StageOptions _defaultOptions;
    private int _state; // 0 building, 1 started, 2 halted

    /// <param name="ringSize">Slots in the ring (a power of two).</param>
    /// <param name="producerType">Single (one publishing thread) or multiple producers.</param>
    /// <param name="defaultOptions">Options for stages added without their own; its wait strategy is also the ring's.</param>
    public Disruptor(int ringSize, ProducerType producerType = ProducerType.Single, StageOptions? defaultOptions = null)
    {
        _defaultOptions = defaultOptions ?? StageOptions.Default;
        RingBuffer = new RingBuffer<T>(ringSize, producerType, _defaultOptions.CreateWaitStrategy());
    }

    /// <summary>The ring producers publish to.</summary>
    public RingBuffer<T> RingBuffer { get; }

    /// <summary>Every stage, in the order added.</summary>
    public IReadOnlyList<IEventProcessor> Processors => _stages.ConvertAll(stage => stage.Processor);

    /// <summary>True between <see cref="Start"/> and <see cref="Halt"/>.</summary>
    public bool IsStarted => Volatile.Read(ref _state) == 1;

    /// <summary>Adds a first stage (it follows the producers only).</summary>
    public EventHandlerGroup<T> HandleEventsWith<THandler>(THandler handler, StageOptions? options = null, IExceptionHandler<T>? exceptionHandler = null)
        where THandler : struct, IEventHandler<T> =>
        AddStage([], handler, options, exceptionHandler);

    /// <summary>A group of existing stages, to add stages after all of them.</summary>
    public EventHandlerGroup<T> After(params EventHandlerGroup<T>[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Length == 0)
            throw new ArgumentException("At least one group is required.", nameof(groups));

        var combined = groups[0];
        for (int i = 1; i < groups.Length; i++)
            combined = combined.And(groups[i]);
        return combined;
    }

    /// <summary>Registers the gating sequences and starts one thread per stage.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("The disruptor was already started.");
        if (_stages.Count == 0)
            throw new InvalidOperationException("Add at least one stage before starting.");

        // Only the ends of chains gate producers: a stage that others follow is never ahead of its followers.
        var ends = _stages.Select(stage => stage.Processor.Sequence).Where(sequence => !_followed.Contains(sequence)).ToArray();
        RingBuffer.AddGatingSequences(ends);

        for (int i = 0; i < _stages.Count; i++)
        {
            var stage = _stages[i];
            stage.Processor.StartThread(stage.Options.ThreadName ?? $"ring-stage-{i}", stage.Options.Cpu);
        }
    }

    /// <summary>
    /// Drains and stops every stage (see the class remarks). Returns false when a stage did not stop within
    /// <paramref name="timeout"/> (default 30 s), which means a handler is stuck.
    /// </summary>
    public bool Halt(TimeSpan? timeout = null)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
            return true;

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        bool allStopped = true;
        foreach (var stage in _stages)
        {
            stage.Processor.Halt();
            var remaining = deadline - DateTime.UtcNow;
            allStopped &= stage.Processor.WaitUntilStopped(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        return allStopped;
    }

    public void Dispose() => Halt();

    internal EventHandlerGroup<T> AddStage<THandler>(Sequence[] dependents, THandler handler, StageOptions? options, IExceptionHandler<T>? exceptionHandler)
        where THandler : struct, IEventHandler<T>
    {
        if (Volatile.Read(ref _state) != 0)
            throw new InvalidOperationException("Stages must be added before Start.");

        options ??= _defaultOptions;
        exceptionHandler ??= options.ExceptionPolicy == ExceptionPolicy.Halt
            ? new HaltOnExceptionHandler<T>()
            : new SkipAndCountExceptionHandler<T>();

        var barrier = RingBuffer.NewBarrier(options.CreateWaitStrategy(), dependents);
        var processor = new BatchEventProcessor<T, THandler>(RingBuffer, barrier, handler, exceptionHandler);
        foreach (var dependent in dependents)
            _followed.Add(dependent);

        _stages.Add(new Stage(processor, options));
        return new EventHandlerGroup<T>(this, [processor]);
    }

    private sealed record Stage(IEventProcessor Processor, StageOptions Options);
}
