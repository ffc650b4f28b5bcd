namespace FastEngine.Ring;

/// <summary>
/// Processes events of a ring in sequence order. Implement it on a <c>struct</c> and pass that struct as the
/// <c>THandler</c> type argument of <see cref="BatchEventProcessor{T, THandler}"/>: the JIT then compiles a processor
/// specialised for the handler, devirtualising and usually inlining <see cref="OnEvent"/>.
/// </summary>
/// <remarks>
/// All members run on the processor's thread only. The lifecycle members have empty defaults. The processor only
/// calls a lifecycle member that the struct itself implements (checked once per type by
/// <see cref="EventHandlerTraits{T, THandler}"/>): calling a default interface member on a struct boxes a copy,
/// which would allocate (on every batch for <see cref="OnBatchStart"/>) and discard any state change.
/// </remarks>
public interface IEventHandler<T> where T : struct
{
    /// <summary>Handles one event, in place. <paramref name="endOfBatch"/> is true for the last event of the batch the
    /// processor took from the ring: a natural point to flush.</summary>
    void OnEvent(ref T data, long sequence, bool endOfBatch);

    /// <summary>Before each batch: <paramref name="batchSize"/> events starting at <paramref name="firstSequence"/>.</summary>
    void OnBatchStart(long batchSize, long firstSequence)
    {
    }

    /// <summary>Once on the processor thread before the first event.</summary>
    void OnStart()
    {
    }

    /// <summary>Once on the processor thread after the last event.</summary>
    void OnShutdown()
    {
    }
}

/// <summary>Facts about a handler type computed once per type (no per-event cost).</summary>
public static class EventHandlerTraits<T, THandler>
    where T : struct
    where THandler : struct, IEventHandler<T>
{
    /// <summary>True when <typeparamref name="THandler"/> overrides <see cref="IEventHandler{T}.OnBatchStart"/>.</summary>
    public static readonly bool HasBatchStart = Overrides(nameof(IEventHandler<T>.OnBatchStart));

    /// <summary>True when <typeparamref name="THandler"/> implements <see cref="IEventHandler{T}.OnStart"/> itself.</summary>
    public static readonly bool HasOnStart = Overrides(nameof(IEventHandler<T>.OnStart));

    /// <summary>True when <typeparamref name="THandler"/> implements <see cref="IEventHandler{T}.OnShutdown"/> itself.</summary>
    public static readonly bool HasOnShutdown = Overrides(nameof(IEventHandler<T>.OnShutdown));

    private static bool Overrides(string name)
    {
        var map = typeof(THandler).GetInterfaceMap(typeof(IEventHandler<T>));
        for (int i = 0; i < map.InterfaceMethods.Length; i++)
        {
            if (map.InterfaceMethods[i].Name == name)
                return map.TargetMethods[i].DeclaringType == typeof(THandler);
        }

        return false;
    }
}
