namespace FastEngine.Ring.Dsl;

/// <summary>What a stage does when its handler throws.</summary>
public enum ExceptionPolicy
{
    /// <summary>Count, record, skip the event, continue (<see cref="SkipAndCountExceptionHandler{T}"/>).</summary>
    SkipAndCount,

    /// <summary>Record and halt the stage (<see cref="HaltOnExceptionHandler{T}"/>).</summary>
    Halt,
}

/// <summary>
/// Per-stage settings, as they come from configuration: wait strategy, CPU to pin the stage thread to (null: not
/// pinned), thread name and exception policy.
/// </summary>
public sealed record StageOptions(
    WaitStrategyKind WaitStrategy = WaitStrategyKind.Yielding,
    int? Cpu = null,
    string? ThreadName = null,
    ExceptionPolicy ExceptionPolicy = ExceptionPolicy.SkipAndCount)
{
    /// <summary>A wait strategy instance to use instead of a new one of kind <see cref="WaitStrategy"/> (a strategy
    /// that does work of its own while idle, such as the decision stage's keep-warm); null: made from the kind. The same
    /// instance serves every stage (and, in a Disruptor's default options, the ring) these options are given to.</summary>
    public IWaitStrategy? WaitStrategyInstance { get; init; }

    /// <summary>The stage's wait strategy: <see cref="WaitStrategyInstance"/>, or a new one of kind <see cref="WaitStrategy"/>.</summary>
    internal IWaitStrategy CreateWaitStrategy() => WaitStrategyInstance ?? WaitStrategyFactory.Create(WaitStrategy);

    /// <summary>Yielding wait, not pinned, skip-and-count exceptions.</summary>
    public static StageOptions Default { get; } = new();
}
