using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastEngine.Ring;

/// <summary>
/// Sequencer for exactly one producer thread: claiming is plain arithmetic on producer-private fields; publishing is
/// one release store of the cursor. Not safe for concurrent producers (use <see cref="MultiProducerSequencer"/>).
/// </summary>
/// <remarks>
/// The producer caches the slowest consumer's sequence and only re-reads the gating sequences when a claim would
/// reach past that cache, so a producer that is not blocked touches no consumer cache line. Allocation-free.
/// </remarks>
public sealed class SingleProducerSequencer : Sequencer
{
    /// <summary>Producer-private state, padded so consumer-written lines never share it.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct ProducerState
    {
        [FieldOffset(56)] public long NextValue;
        [FieldOffset(64)] public long CachedGatingValue;
    }

    private ProducerState _state;

    public SingleProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _state.NextValue = Sequence.InitialValue;
        _state.CachedGatingValue = Sequence.InitialValue;
    }

    /// <summary>Claims one slot: the common case, without the claim-size check of <see cref="Next(int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next()
    {
        long next = _state.NextValue + 1;
        if (next - BufferSize > _state.CachedGatingValue)
            WaitForCapacitySlow(next - 1, next - BufferSize);

        _state.NextValue = next;
        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next(int n)
    {
        if ((uint)(n - 1) >= (uint)BufferSize)
            ThrowInvalidClaim(n, BufferSize);

        long current = _state.NextValue;
        long next = current + n;
        if (next - BufferSize > _state.CachedGatingValue)
            WaitForCapacitySlow(current, next - BufferSize);

        _state.NextValue = next;
        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool TryNext(out long sequence) => TryNext(1, out sequence);

    public override bool TryNext(int n, out long sequence)
    {
        if ((uint)(n - 1) >= (uint)BufferSize)
            ThrowInvalidClaim(n, BufferSize);

        long current = _state.NextValue;
        long next = current + n;
        if (next - BufferSize > _state.CachedGatingValue && !RefreshCapacitySlow(current, next - BufferSize))
        {
            sequence = 0;
            return false;
        }

        _state.NextValue = next;
        sequence = next;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long sequence)
    {
        CursorSequence.Value = sequence;
        SignalConsumers();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Publish(long low, long high) => Publish(high);

    public override bool IsAvailable(long sequence)
    {
        long cursor = CursorSequence.Value;
        return sequence <= cursor && sequence > cursor - BufferSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long GetHighestPublishedSequence(long nextSequence, long availableSequence) => availableSequence;

    public override long GetRemainingCapacity()
    {
        long produced = _state.NextValue;
        long consumed = GetMinimumSequence(produced);
        return BufferSize - (produced - consumed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForCapacitySlow(long current, long wrapPoint)
    {
        // Full fence: the gating reads below must not be satisfied before our earlier cursor store is visible,
        // otherwise producer and consumer could each wait on a stale view of the other.
        Interlocked.MemoryBarrier();
        var spinner = default(SpinWait);
        long minimum;
        while (wrapPoint > (minimum = GetMinimumSequence(current)))
            spinner.SpinOnce(sleep1Threshold: -1);

        _state.CachedGatingValue = minimum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefreshCapacitySlow(long current, long wrapPoint)
    {
        Interlocked.MemoryBarrier();
        long minimum = GetMinimumSequence(current);
        _state.CachedGatingValue = minimum;
        return wrapPoint <= minimum;
    }
}
