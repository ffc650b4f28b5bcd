using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// Coordinates claiming and publishing slots of a ring buffer of <see cref="BufferSize"/> entries: producers claim
/// sequences, write the slots, then publish; consumers read the cursor (through a <see cref="SequenceBarrier"/>) and
/// report progress through gating sequences, which stop producers from wrapping over unconsumed slots.
/// </summary>
/// <remarks>
/// The concrete sequencers are sealed so that the ring buffer calls them without virtual dispatch. Gating sequences and
/// barriers are normally set up before publishing starts; adding them later is thread-safe (copy-on-write arrays).
/// </remarks>
public abstract class Sequencer
{
    private readonly object _setupLock = new();
    private readonly Sequence _cursor = new();
    private Sequence[] _gatingSequences = [];
    private IWaitStrategy[] _blockingStrategies = [];

    // Read on every publish: a plain bool in this read-mostly object (set only while wiring) instead of an array
    // length, so a publish with a spinning strategy costs one load and a never-taken branch.
    private bool _hasBlockingStrategies;

    protected Sequencer(int bufferSize, IWaitStrategy waitStrategy)
    {
        ArgumentNullException.ThrowIfNull(waitStrategy);
        if (bufferSize < 1 || !System.Numerics.BitOperations.IsPow2(bufferSize))
            throw new ArgumentException($"Buffer size must be a positive power of two, got {bufferSize}.", nameof(bufferSize));

        BufferSize = bufferSize;
        WaitStrategy = waitStrategy;
        RegisterWaitStrategy(waitStrategy);
    }

    /// <summary>Number of slots in the ring (a power of two).</summary>
    public int BufferSize { get; }

    /// <summary>The default wait strategy for barriers created without one.</summary>
    public IWaitStrategy WaitStrategy { get; }

    /// <summary>
    /// The cursor: for a single producer the highest published sequence; for multiple producers the highest
    /// claimed sequence (publication of each slot is tracked separately).
    /// </summary>
    public Sequence CursorSequence => _cursor;

    /// <summary>Current value of <see cref="CursorSequence"/>.</summary>
    public long Cursor => _cursor.Value;

    /// <summary>Claims the next sequence, waiting (spinning, then yielding) while the ring is full.</summary>
    public abstract long Next();

    /// <summary>Claims <paramref name="n"/> consecutive sequences and returns the highest; waits while the ring is full.</summary>
    public abstract long Next(int n);

    /// <summary>Claims the next sequence if a slot is free; returns false at once when the ring is full.</summary>
    public abstract bool TryNext(out long sequence);

    /// <summary>Claims <paramref name="n"/> sequences if that many slots are free; returns false at once otherwise.</summary>
    public abstract bool TryNext(int n, out long sequence);

    /// <summary>Makes the slot of <paramref name="sequence"/> visible to consumers (release semantics).</summary>
    public abstract void Publish(long sequence);

    /// <summary>Makes the slots <paramref name="low"/>..<paramref name="high"/> (inclusive) visible to consumers.</summary>
    public abstract void Publish(long low, long high);

    /// <summary>True when the slot of <paramref name="sequence"/> has been published and not yet wrapped.</summary>
    public abstract bool IsAvailable(long sequence);

    /// <summary>
    /// The highest sequence h in [<paramref name="nextSequence"/>-1, <paramref name="availableSequence"/>] such that every
    /// sequence from <paramref name="nextSequence"/> to h is published.
    /// </summary>
    public abstract long GetHighestPublishedSequence(long nextSequence, long availableSequence);

    /// <summary>Free slots as seen now (call from a producer thread).</summary>
    public abstract long GetRemainingCapacity();

    /// <summary>Adds consumer sequences that producers must not overtake by more than <see cref="BufferSize"/>.</summary>
    public void AddGatingSequences(params Sequence[] gatingSequences)
    {
        ArgumentNullException.ThrowIfNull(gatingSequences);
        lock (_setupLock)
        {
            var current = _gatingSequences;
            var updated = new Sequence[current.Length + gatingSequences.Length];
            current.CopyTo(updated, 0);
            gatingSequences.CopyTo(updated, current.Length);
            Volatile.Write(ref _gatingSequences, updated);
        }
    }

    /// <summary>Removes a gating sequence; returns false when it was not registered.</summary>
    public bool RemoveGatingSequence(Sequence sequence)
    {
        lock (_setupLock)
        {
            var current = _gatingSequences;
            int index = Array.IndexOf(current, sequence);
            if (index < 0)
                return false;

            var updated = new Sequence[current.Length - 1];
            Array.Copy(current, 0, updated, 0, index);
            Array.Copy(current, index + 1, updated, index, current.Length - index - 1);
            Volatile.Write(ref _gatingSequences, updated);
            return true;
        }
    }

    /// <summary>Minimum of the gating sequences, or <paramref name="whenNone"/> when there are none.</summary>
    public long GetMinimumSequence(long whenNone) =>
        DependentSequenceGroup.MinimumOf(Volatile.Read(ref _gatingSequences), whenNone);

    /// <summary>Creates a barrier for a consumer that follows <paramref name="dependents"/> (or the cursor when empty)
    /// and waits with the default wait strategy.</summary>
    public SequenceBarrier NewBarrier(params Sequence[] dependents) => NewBarrier(WaitStrategy, dependents);

    /// <summary>Creates a barrier that waits with <paramref name="waitStrategy"/>; a blocking strategy is registered so that
    /// every publish signals it.</summary>
    public SequenceBarrier NewBarrier(IWaitStrategy waitStrategy, params Sequence[] dependents)
    {
        ArgumentNullException.ThrowIfNull(waitStrategy);
        RegisterWaitStrategy(waitStrategy);
        return new SequenceBarrier(this, waitStrategy, new DependentSequenceGroup(_cursor, dependents ?? []));
    }

    /// <summary>Wakes every consumer parked in a blocking wait strategy of this ring.</summary>
    public void SignalAllWhenBlocking()
    {
        var strategies = Volatile.Read(ref _blockingStrategies);
        for (int i = 0; i < strategies.Length; i++)
            strategies[i].SignalAllWhenBlocking();
    }

    /// <summary>Called after every publish: a field read and a predictable branch unless a blocking strategy is in use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void SignalConsumers()
    {
        if (_hasBlockingStrategies)
            SignalAllWhenBlocking();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    protected static void ThrowInvalidClaim(int n, int bufferSize) =>
        throw new ArgumentOutOfRangeException(nameof(n), n, $"Claim size must be between 1 and the buffer size {bufferSize}.");

    private void RegisterWaitStrategy(IWaitStrategy waitStrategy)
    {
        if (!waitStrategy.IsBlockingStrategy)
            return;

        lock (_setupLock)
        {
            var current = _blockingStrategies;
            if (Array.IndexOf(current, waitStrategy) >= 0)
                return;

            var updated = new IWaitStrategy[current.Length + 1];
            current.CopyTo(updated, 0);
            updated[^1] = waitStrategy;
            Volatile.Write(ref _blockingStrategies, updated);
            Volatile.Write(ref _hasBlockingStrategies, true);
        }
    }
}
