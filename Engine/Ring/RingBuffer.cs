using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastEngine.Ring;

/// <summary>
/// A pre-allocated ring of <typeparamref name="T"/> struct events, written and read in place by <c>ref</c>.
/// Producers claim a sequence (<see cref="Next()"/>), fill <c>ring[sequence]</c>, then <see cref="Publish(long)"/>;
/// consumers read slots up to what their <see cref="SequenceBarrier"/> reports.
/// </summary>
/// <remarks>
/// Guarantees: a consumer sees every write a producer made to a slot before publishing it; events of one producer
/// are consumed in claim order; producers never overwrite a slot that a gating consumer has not finished. The slot
/// array has <see cref="PaddingEntries"/> unused entries at each end so that the first and last slots never share a
/// cache line (or adjacent-line prefetch pair) with other objects. The indexer does no bounds check: the mask keeps
/// the index inside the array. Nothing allocates after construction. Producer-side members follow the threading rule of
/// the sequencer (<see cref="ProducerType"/>).
/// </remarks>
public sealed class RingBuffer<T> where T : struct
{
    private const int PaddingBytes = 128;

    private readonly T[] _entries;
    private readonly long _indexMask;
    private readonly int _padding;
    private readonly SingleProducerSequencer? _singleProducer;
    private readonly MultiProducerSequencer? _multiProducer;
    private readonly Sequencer _sequencer;

    /// <summary>Creates a ring of <paramref name="bufferSize"/> default-initialised events.</summary>
    /// <exception cref="ArgumentException"><paramref name="bufferSize"/> is not a positive power of two.</exception>
    public RingBuffer(int bufferSize, ProducerType producerType = ProducerType.Single, IWaitStrategy? waitStrategy = null)
        : this(CreateSequencer(bufferSize, producerType, waitStrategy ?? new YieldingWaitStrategy()))
    {
    }

    /// <summary>Creates a ring driven by <paramref name="sequencer"/> (its buffer size is the ring size).</summary>
    public RingBuffer(Sequencer sequencer)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        _sequencer = sequencer;
        _singleProducer = sequencer as SingleProducerSequencer;
        _multiProducer = sequencer as MultiProducerSequencer;
        if (_singleProducer is null && _multiProducer is null)
            throw new ArgumentException("Unsupported sequencer type.", nameof(sequencer));

        _padding = PaddingEntries;
        _indexMask = sequencer.BufferSize - 1;
        _entries = new T[sequencer.BufferSize + 2 * _padding];
    }

    /// <summary>Unused entries at each end of the slot array (enough to cover <c>128</c> bytes).</summary>
    public static int PaddingEntries => (PaddingBytes + Unsafe.SizeOf<T>() - 1) / Unsafe.SizeOf<T>();

    /// <summary>Number of slots (a power of two).</summary>
    public int BufferSize => _sequencer.BufferSize;

    /// <summary>The sequencer coordinating producers and consumers.</summary>
    public Sequencer Sequencer => _sequencer;

    /// <summary>Single or multiple producers.</summary>
    public ProducerType ProducerType => _singleProducer is not null ? ProducerType.Single : ProducerType.Multi;

    /// <summary>See <see cref="Ring.Sequencer.Cursor"/>.</summary>
    public long Cursor => _sequencer.Cursor;

    /// <summary>The slot for <paramref name="sequence"/>, by reference (no copy, no bounds check).</summary>
    public ref T this[long sequence]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(
            ref MemoryMarshal.GetArrayDataReference(_entries),
            (nint)(sequence & _indexMask) + _padding);
    }

    /// <summary>Reference to element 0 of the slot array (padding included); with <see cref="IndexMask"/> and
    /// <see cref="Padding"/> lets a consumer loop keep the slot arithmetic in registers.</summary>
    internal ref T EntriesBase
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref MemoryMarshal.GetArrayDataReference(_entries);
    }

    internal long IndexMask => _indexMask;

    internal int Padding => _padding;

    /// <summary>Claims the next slot, waiting while the ring is full; returns its sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Next() => _singleProducer is not null ? _singleProducer.Next() : _multiProducer!.Next(1);

    /// <summary>Claims <paramref name="n"/> slots (1..<see cref="BufferSize"/>), waiting while the ring is full; returns
    /// the highest claimed sequence (the lowest is the result minus <paramref name="n"/> plus one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Next(int n) => _singleProducer is not null ? _singleProducer.Next(n) : _multiProducer!.Next(n);

    /// <summary>Claims the next slot if one is free; false (nothing claimed) when the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryNext(out long sequence) =>
        _singleProducer is not null ? _singleProducer.TryNext(1, out sequence) : _multiProducer!.TryNext(1, out sequence);

    /// <summary>Claims <paramref name="n"/> slots if that many are free; false (nothing claimed) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryNext(int n, out long sequence) =>
        _singleProducer is not null ? _singleProducer.TryNext(n, out sequence) : _multiProducer!.TryNext(n, out sequence);

    /// <summary>Publishes the slot of <paramref name="sequence"/> (after it was written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(long sequence)
    {
        if (_singleProducer is not null)
            _singleProducer.Publish(sequence);
        else
            _multiProducer!.Publish(sequence);
    }

    /// <summary>Publishes the claimed slots <paramref name="low"/>..<paramref name="high"/> inclusive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(long low, long high)
    {
        if (_singleProducer is not null)
            _singleProducer.Publish(high);
        else
            _multiProducer!.Publish(low, high);
    }

    /// <summary>True when <paramref name="sequence"/> is published and not yet overwritten.</summary>
    public bool IsAvailable(long sequence) => _sequencer.IsAvailable(sequence);

    /// <summary>Free slots as seen by the calling producer now.</summary>
    public long GetRemainingCapacity() => _sequencer.GetRemainingCapacity();

    /// <summary>Adds consumer sequences that producers must not lap.</summary>
    public void AddGatingSequences(params Sequence[] gatingSequences) => _sequencer.AddGatingSequences(gatingSequences);

    /// <summary>Removes a consumer sequence from gating.</summary>
    public bool RemoveGatingSequence(Sequence sequence) => _sequencer.RemoveGatingSequence(sequence);

    /// <summary>Minimum of the gating sequences (or the cursor when none).</summary>
    public long GetMinimumGatingSequence() => _sequencer.GetMinimumSequence(_sequencer.Cursor);

    /// <summary>A barrier for a consumer following <paramref name="dependents"/> (the cursor when none), using the
    /// ring's default wait strategy.</summary>
    public SequenceBarrier NewBarrier(params Sequence[] dependents) => _sequencer.NewBarrier(dependents);

    /// <summary>A barrier with its own wait strategy (per-stage strategies).</summary>
    public SequenceBarrier NewBarrier(IWaitStrategy waitStrategy, params Sequence[] dependents) =>
        _sequencer.NewBarrier(waitStrategy, dependents);

    /// <summary>Creates the sequencer for a producer type.</summary>
    public static Sequencer CreateSequencer(int bufferSize, ProducerType producerType, IWaitStrategy waitStrategy) =>
        producerType switch
        {
            ProducerType.Single => new SingleProducerSequencer(bufferSize, waitStrategy),
            ProducerType.Multi => new MultiProducerSequencer(bufferSize, waitStrategy),
            _ => throw new ArgumentOutOfRangeException(nameof(producerType), producerType, "Unknown producer type."),
        };
}
