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
    /// <summary>Yielding wait, not pinned, skip-and-count exceptions.</summary>
    public static StageOptions Default { get; } = new();
}
