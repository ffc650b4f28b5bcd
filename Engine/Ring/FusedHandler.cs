using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// Runs two handlers one after the other for each event on one thread: the same pipeline order as two chained
/// stages, for machines with fewer cores than stages. The handlers are fields, reachable by <c>ref</c> through the
/// processor's <c>Handler</c>.
/// </summary>
/// <remarks>If <see cref="First"/> throws for an event, <see cref="Second"/> does not see that event (the processor's
/// exception handler decides what happens next). Allocation-free when the inner handlers are.</remarks>
public struct FusedHandler<T, THandler1, THandler2> : IEventHandler<T>
    where T : struct
    where THandler1 : struct, IEventHandler<T>
    where THandler2 : struct, IEventHandler<T>
{
    public THandler1 First;
    public THandler2 Second;

    public FusedHandler(THandler1 first, THandler2 second)
    {
        First = first;
        Second = second;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnEvent(ref T data, long sequence, bool endOfBatch)
    {
        First.OnEvent(ref data, sequence, endOfBatch);
        Second.OnEvent(ref data, sequence, endOfBatch);
    }

    public void OnBatchStart(long batchSize, long firstSequence)
    {
        if (EventHandlerTraits<T, THandler1>.HasBatchStart)
            First.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler2>.HasBatchStart)
            Second.OnBatchStart(batchSize, firstSequence);
    }

    public void OnStart()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnStart)
            First.OnStart();
        if (EventHandlerTraits<T, THandler2>.HasOnStart)
            Second.OnStart();
    }

    public void OnShutdown()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnShutdown)
            First.OnShutdown();
        if (EventHandlerTraits<T, THandler2>.HasOnShutdown)
            Second.OnShutdown();
    }
}

/// <summary>Three handlers fused on one thread, in order. See <see cref="FusedHandler{T, THandler1, THandler2}"/>.</summary>
public struct FusedHandler<T, THandler1, THandler2, THandler3> : IEventHandler<T>
    where T : struct
    where THandler1 : struct, IEventHandler<T>
    where THandler2 : struct, IEventHandler<T>
    where THandler3 : struct, IEventHandler<T>
{
    public THandler1 First;
    public THandler2 Second;
    public THandler3 Third;

    public FusedHandler(THandler1 first, THandler2 second, THandler3 third)
    {
        First = first;
        Second = second;
        Third = third;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnEvent(ref T data, long sequence, bool endOfBatch)
    {
        First.OnEvent(ref data, sequence, endOfBatch);
        Second.OnEvent(ref data, sequence, endOfBatch);
        Third.OnEvent(ref data, sequence, endOfBatch);
    }

    public void OnBatchStart(long batchSize, long firstSequence)
    {
        if (EventHandlerTraits<T, THandler1>.HasBatchStart)
            First.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler2>.HasBatchStart)
            Second.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler3>.HasBatchStart)
            Third.OnBatchStart(batchSize, firstSequence);
    }

    public void OnStart()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnStart)
            First.OnStart();
        if (EventHandlerTraits<T, THandler2>.HasOnStart)
            Second.OnStart();
        if (EventHandlerTraits<T, THandler3>.HasOnStart)
            Third.OnStart();
    }

    public void OnShutdown()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnShutdown)
            First.OnShutdown();
        if (EventHandlerTraits<T, THandler2>.HasOnShutdown)
            Second.OnShutdown();
        if (EventHandlerTraits<T, THandler3>.HasOnShutdown)
            Third.OnShutdown();
    }
}

/// <summary>Four handlers fused on one thread, in order. See <see cref="FusedHandler{T, THandler1, THandler2}"/>.</summary>
public struct FusedHandler<T, THandler1, THandler2, THandler3, THandler4> : IEventHandler<T>
    where T : struct
    where THandler1 : struct, IEventHandler<T>
    where THandler2 : struct, IEventHandler<T>
    where THandler3 : struct, IEventHandler<T>
    where THandler4 : struct, IEventHandler<T>
{
    public THandler1 First;
    public THandler2 Second;
    public THandler3 Third;
    public THandler4 Fourth;

    public FusedHandler(THandler1 first, THandler2 second, THandler3 third, THandler4 fourth)
    {
        First = first;
        Second = second;
        Third = third;
        Fourth = fourth;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnEvent(ref T data, long sequence, bool endOfBatch)
    {
        First.OnEvent(ref data, sequence, endOfBatch);
        Second.OnEvent(ref data, sequence, endOfBatch);
        Third.OnEvent(ref data, sequence, endOfBatch);
        Fourth.OnEvent(ref data, sequence, endOfBatch);
    }

    public void OnBatchStart(long batchSize, long firstSequence)
    {
        if (EventHandlerTraits<T, THandler1>.HasBatchStart)
            First.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler2>.HasBatchStart)
            Second.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler3>.HasBatchStart)
            Third.OnBatchStart(batchSize, firstSequence);
        if (EventHandlerTraits<T, THandler4>.HasBatchStart)
            Fourth.OnBatchStart(batchSize, firstSequence);
    }

    public void OnStart()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnStart)
            First.OnStart();
        if (EventHandlerTraits<T, THandler2>.HasOnStart)
            Second.OnStart();
        if (EventHandlerTraits<T, THandler3>.HasOnStart)
            Third.OnStart();
        if (EventHandlerTraits<T, THandler4>.HasOnStart)
            Fourth.OnStart();
    }

    public void OnShutdown()
    {
        if (EventHandlerTraits<T, THandler1>.HasOnShutdown)
            First.OnShutdown();
        if (EventHandlerTraits<T, THandler2>.HasOnShutdown)
            Second.OnShutdown();
        if (EventHandlerTraits<T, THandler3>.HasOnShutdown)
            Third.OnShutdown();
        if (EventHandlerTraits<T, THandler4>.HasOnShutdown)
            Fourth.OnShutdown();
    }
}
