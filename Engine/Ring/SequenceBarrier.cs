using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// What a consumer waits on: the ring's cursor and the sequences of the stages it follows. <see cref="WaitFor"/>
/// returns the highest sequence that is both published and processed by every earlier stage, so a consumer can take
/// the whole batch up to it.
/// </summary>
/// <remarks>
/// Halting uses alerts: <see cref="Alert"/> makes every current and future <see cref="WaitFor"/> return
/// <see cref="SequenceWaitResult.Alerted"/> (no exception is thrown) until <see cref="ClearAlert"/>. One barrier per
/// consumer thread; <see cref="Alert"/> may be called from any thread. Allocation-free.
/// </remarks>
public sealed class SequenceBarrier
{
    private readonly Sequencer _sequencer;
    private readonly MultiProducerSequencer? _multiProducer;
    private readonly IWaitStrategy _waitStrategy;
    private readonly DependentSequenceGroup _dependents;
    private readonly Sequence _cursor;
    private volatile bool _alerted;

    internal SequenceBarrier(Sequencer sequencer, IWaitStrategy waitStrategy, DependentSequenceGroup dependents)
    {
        _sequencer = sequencer;
        _multiProducer = sequencer as MultiProducerSequencer;
        _waitStrategy = waitStrategy;
        _dependents = dependents;
        _cursor = sequencer.CursorSequence;
    }

    /// <summary>The wait strategy this barrier uses.</summary>
    public IWaitStrategy WaitStrategy => _waitStrategy;

    /// <summary>The sequences this barrier follows (the cursor for a first stage).</summary>
    public DependentSequenceGroup Dependents => _dependents;

    /// <summary>Current cursor of the ring.</summary>
    public long Cursor => _cursor.Value;

    /// <summary>True once <see cref="Alert"/> has been called (and not cleared).</summary>
    public bool IsAlerted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _alerted;
    }

    /// <summary>
    /// Waits until <paramref name="sequence"/> is available and returns the highest available sequence (at least
    /// <paramref name="sequence"/>), or <see cref="SequenceWaitResult.Alerted"/>. With several producers the result may
    /// be below <paramref name="sequence"/> when a claimed slot is not yet published; the caller simply waits again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SequenceWaitResult WaitFor(long sequence)
    {
        if (_alerted)
            return SequenceWaitResult.Alerted;

        // Fast path: a consumer that is behind finds its next batch already there and skips the (interface) call into
        // the wait strategy. Every strategy returns at once in that case anyway.
        long available = _dependents.Value;
        if (available < sequence)
            return WaitForSlow(sequence);

        return _multiProducer is null ? available : _multiProducer.GetHighestPublishedSequence(sequence, available);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SequenceWaitResult WaitForSlow(long sequence)
    {
        var result = _waitStrategy.WaitFor(sequence, _cursor, _dependents, this);
        if (result.IsAlerted || result.Value < sequence || _multiProducer is null)
            return result;

        return _multiProducer.GetHighestPublishedSequence(sequence, result.Value);
    }

    /// <summary>
    /// Without waiting: the highest sequence from <paramref name="sequence"/> on that is published and processed by every
    /// earlier stage (<paramref name="sequence"/> - 1 when there is none). Used to drain on halt.
    /// </summary>
    public long GetAvailableWithoutWaiting(long sequence)
    {
        long available = _dependents.Value;
        if (available < sequence)
            return sequence - 1;

        return _sequencer.GetHighestPublishedSequence(sequence, available);
    }

    /// <summary>Raises the alert and wakes consumers parked in a blocking strategy.</summary>
    public void Alert()
    {
        _alerted = true;
        _waitStrategy.SignalAllWhenBlocking();
    }

    /// <summary>Clears the alert so the barrier can be used again.</summary>
    public void ClearAlert() => _alerted = false;
}
