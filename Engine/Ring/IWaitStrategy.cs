namespace FastEngine.Ring;

/// <summary>
/// How a consumer waits for a sequence to become available. Implementations must return as soon as both the cursor
/// and the dependent sequences reach the requested sequence, and must notice an alert on the barrier within a bounded
/// time (the strategy's wake-up latency).
/// </summary>
/// <remarks>
/// Called once per batch, not per event, so the interface call is amortised. Implementations are thread-safe and
/// allocate nothing while waiting.
/// </remarks>
public interface IWaitStrategy
{
    /// <summary>
    /// Waits until <paramref name="dependents"/> (which include the cursor, directly or through earlier stages) reach
    /// <paramref name="sequence"/>, then returns their minimum (which may exceed <paramref name="sequence"/>); returns
    /// <see cref="SequenceWaitResult.Alerted"/> when <paramref name="barrier"/> is alerted.
    /// </summary>
    SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier);

    /// <summary>Wakes consumers parked by this strategy; a no-op for strategies that never park.</summary>
    void SignalAllWhenBlocking();

    /// <summary>
    /// True when waiters park and need <see cref="SignalAllWhenBlocking"/> after each publish. Producers only make the
    /// signalling call for such strategies, so spinning strategies cost nothing on the publish path.
    /// </summary>
    bool IsBlockingStrategy { get; }
}

/// <summary>The wait strategies selectable by name from configuration.</summary>
public enum WaitStrategyKind
{
    /// <summary>"busy-spin": lowest latency, burns a whole core per waiting consumer; for isolated cores only.</summary>
    BusySpin,

    /// <summary>"yielding": spins briefly then yields the CPU; good latency, polite on shared machines.</summary>
    Yielding,

    /// <summary>"sleeping": spins, yields, then sleeps; low CPU use, millisecond-scale wake-up when idle.</summary>
    Sleeping,

    /// <summary>"blocking": parks on a monitor signalled by producers; lowest CPU use, microsecond-scale wake-up.</summary>
    Blocking,
}

/// <summary>Creates wait strategies from <see cref="WaitStrategyKind"/> and parses their configuration names.</summary>
public static class WaitStrategyFactory
{
    /// <summary>The configuration names, in <see cref="WaitStrategyKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "busy-spin", "yielding", "sleeping", "blocking" };

    /// <summary>A new strategy instance of the given kind (blocking strategies hold per-instance state).</summary>
    public static IWaitStrategy Create(WaitStrategyKind kind) => kind switch
    {
        WaitStrategyKind.BusySpin => new BusySpinWaitStrategy(),
        WaitStrategyKind.Yielding => new YieldingWaitStrategy(),
        WaitStrategyKind.Sleeping => new SleepingWaitStrategy(),
        WaitStrategyKind.Blocking => new BlockingWaitStrategy(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown wait strategy kind."),
    };

    /// <summary>Parses a configuration name ("busy-spin", "yielding", "sleeping", "blocking"; case-insensitive).</summary>
    public static bool TryParse(string? name, out WaitStrategyKind kind)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(name, Names[i], StringComparison.OrdinalIgnoreCase))
            {
                kind = (WaitStrategyKind)i;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Parses a configuration name or throws <see cref="ArgumentException"/> naming the allowed values.</summary>
    public static WaitStrategyKind Parse(string name) =>
        TryParse(name, out var kind)
            ? kind
            : throw new ArgumentException($"Unknown wait strategy '{name}'; allowed: {string.Join(", ", Names)}.", nameof(name));

    /// <summary>The configuration name of a kind.</summary>
    public static string ToName(WaitStrategyKind kind) => (uint)kind < (uint)Names.Count
        ? Names[(int)kind]
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown wait strategy kind.");
}
