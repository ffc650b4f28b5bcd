using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastEngine.Ring;

/// <summary>
/// Sequencer for any number of producer threads. <see cref="Next(int)"/> claims with one atomic add on the cursor;
/// <see cref="TryNext(int, out long)"/> claims with a compare-and-set loop so it never over-claims a full ring.
/// </summary>
/// <remarks>
/// Because producers publish out of claim order, each slot has an availability flag holding the "round" of the
/// sequence last published in it (sequence / buffer size). A slot is available for sequence s when its flag equals
/// s's round, so flags never need resetting and a stale flag from the previous lap reads as unpublished.
/// Consumers use <see cref="GetHighestPublishedSequence"/> to stop at the first gap. Events published by one producer
/// are seen by consumers in that producer's claim order. Thread-safe; allocation-free after construction.
/// </remarks>
public sealed class MultiProducerSequencer : Sequencer
{
    private readonly int[] _availableBuffer;
    private readonly int _indexMask;
    private readonly int _indexShift;

    // Cached minimum gating sequence shared by the producers; its own cache line (Sequence is padded).
    private readonly Sequence _gatingSequenceCache = new();

    public MultiProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _availableBuffer = new int[bufferSize];
        _indexMask = bufferSize - 1;
        _indexShift = System.Numerics.BitOperations.Log2((uint)bufferSize);
        _availableBuffer.AsSpan().Fill(-1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next() => Next(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next(int n)
    {
        if ((uint)(n - 1) >= (uint)BufferSize)
            ThrowInvalidClaim(n, BufferSize);

        long next = CursorSequence.AddAndGet(n);
        long wrapPoint = next - BufferSize;
        if (wrapPoint > _gatingSequenceCache.Value)
            WaitForCapacitySlow(next - n, wrapPoint);

        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool TryNext(out long sequence) => TryNext(1, out sequence);

    public override bool TryNext(int n, out long sequence)
    {
        if ((uint)(n - 1) >= (uint)BufferSize)
            ThrowInvalidClaim(n, BufferSize);

        long current;
        long next;
        do
        {
            current = CursorSequence.Value;
            next = current + n;
            if (!HasCapacity(next - BufferSize, current))
            {
                sequence = 0;
                return false;
            }
        }
        while (!CursorSequence.CompareAndSet(current, next));

        sequence = next;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long sequence)
    {
        SetAvailable(sequence);
        SignalConsumers();
    }

    public override void Publish(long low, long high)
    {
        for (long sequence = low; sequence <= high; sequence++)
            SetAvailable(sequence);

        SignalConsumers();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool IsAvailable(long sequence) =>
        Volatile.Read(ref FlagOf(sequence)) == (int)(sequence >>> _indexShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long GetHighestPublishedSequence(long nextSequence, long availableSequence)
    {
        for (long sequence = nextSequence; sequence <= availableSequence; sequence++)
        {
            if (!IsAvailable(sequence))
                return sequence - 1;
        }

        return availableSequence;
    }

    public override long GetRemainingCapacity()
    {
        long produced = CursorSequence.Value;
        long consumed = GetMinimumSequence(produced);
        return BufferSize - (produced - consumed);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetAvailable(long sequence) =>
        Volatile.Write(ref FlagOf(sequence), (int)(sequence >>> _indexShift));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int FlagOf(long sequence) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_availableBuffer), (nint)(sequence & _indexMask));

    private bool HasCapacity(long wrapPoint, long current)
    {
        if (wrapPoint <= _gatingSequenceCache.Value)
            return true;

        long minimum = GetMinimumSequence(current);
        _gatingSequenceCache.Value = minimum;
        return wrapPoint <= minimum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForCapacitySlow(long current, long wrapPoint)
    {
        var spinner = default(SpinWait);
        long minimum;
        while (wrapPoint > (minimum = GetMinimumSequence(current)))
            spinner.SpinOnce(sleep1Threshold: -1);

        // Racing producers may store an older minimum here; that only makes the cache more conservative.
        _gatingSequenceCache.Value = minimum;
    }
}
