namespace FastEngine.Ring.Dsl;

/// <summary>
/// One or more stages of a <see cref="Disruptor{T}"/> that later stages can follow: <see cref="Then{THandler}"/> adds a
/// stage that sees each event only after every stage of this group has finished it. Combine groups with
/// <see cref="And"/> to build diamonds.
/// </summary>
public sealed class EventHandlerGroup<T> where T : struct
{
    private readonly Disruptor<T> _disruptor;
    private readonly IEventProcessor[] _processors;

    internal EventHandlerGroup(Disruptor<T> disruptor, IEventProcessor[] processors)
    {
        _disruptor = disruptor;
        _processors = processors;
    }

    /// <summary>The stages of the group.</summary>
    public IReadOnlyList<IEventProcessor> Processors => _processors;

    /// <summary>Their sequences (what a following stage gates on).</summary>
    public Sequence[] Sequences => Array.ConvertAll(_processors, processor => processor.Sequence);

    /// <summary>The typed processor of the group's stage at <paramref name="index"/> (for <c>ref</c> access to its handler).</summary>
    public BatchEventProcessor<T, THandler> Processor<THandler>(int index = 0)
        where THandler : struct, IEventHandler<T> =>
        (BatchEventProcessor<T, THandler>)_processors[index];

    /// <summary>Adds a stage that follows every stage of this group.</summary>
    public EventHandlerGroup<T> Then<THandler>(THandler handler, StageOptions? options = null, IExceptionHandler<T>? exceptionHandler = null)
        where THandler : struct, IEventHandler<T> =>
        _disruptor.AddStage(Sequences, handler, options, exceptionHandler);

    /// <summary>A group holding the stages of this group and of <paramref name="other"/>.</summary>
    public EventHandlerGroup<T> And(EventHandlerGroup<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new EventHandlerGroup<T>(_disruptor, [.. _processors, .. other._processors]);
    }
}
