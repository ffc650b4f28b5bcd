using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastEngine.Ring;

/// <summary>
/// A 64-bit counter shared between threads (a producer cursor or a consumer's progress), isolated on its own
/// cache line so that writes to it never invalidate a line holding another thread's hot data.
/// </summary>
/// <remarks>
/// Guarantees: <see cref="Value"/> reads have acquire semantics and writes have release semantics (a consumer that
/// reads a sequence sees every event write made before the sequence was stored); <see cref="SetVolatile"/> adds a
/// full fence (store-load ordering); <see cref="CompareAndSet"/>, <see cref="IncrementAndGet"/> and
/// <see cref="AddAndGet"/> are atomic. Thread-safe; allocation-free after construction.
/// Layout: the value sits at offset 56 of a 120-byte instance, so there are 56 bytes of padding after it and
/// 56 bytes of fields plus the 8-byte method-table pointer before it: with 64-byte lines the value never shares a
/// line with another object's data, and with adjacent-line prefetching (128-byte pairs) the neighbours are at least
/// padding. The layout is asserted by <c>SequenceTests</c>.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = PaddingBytes * 2 + sizeof(long))]
public sealed class Sequence
{
    /// <summary>Bytes of padding on each side of the value: one 64-byte line minus the 8-byte value.</summary>
    public const int PaddingBytes = 56;

    /// <summary>The value a fresh sequence holds: "nothing published / processed yet".</summary>
    public const long InitialValue = -1;

    [FieldOffset(PaddingBytes)]
    private long _value;

    // The runtime ignores StructLayout.Size for classes (an instance would end right after _value), so the trailing
    // padding is a real field at the last 8 bytes of the 120-byte body. SequenceTests measures the allocated size.
#pragma warning disable CS0169 // never read or written: it only reserves space
    [FieldOffset(PaddingBytes * 2)]
    private long _trailingPadding;
#pragma warning restore CS0169

    public Sequence(long initialValue = InitialValue) => _value = initialValue;

    /// <summary>Acquire read / release write of the value.</summary>
    public long Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Volatile.Write(ref _value, value);
    }

    /// <summary>Stores the value and then issues a full fence, so later loads cannot be reordered before the store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetVolatile(long value)
    {
        Volatile.Write(ref _value, value);
        Interlocked.MemoryBarrier();
    }

    /// <summary>Atomically sets the value to <paramref name="newValue"/> if it equals <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSet(long expected, long newValue) =>
        Interlocked.CompareExchange(ref _value, newValue, expected) == expected;

    /// <summary>Atomically adds one and returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long IncrementAndGet() => Interlocked.Increment(ref _value);

    /// <summary>Atomically adds <paramref name="delta"/> and returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long AddAndGet(long delta) => Interlocked.Add(ref _value, delta);

    /// <summary>Reference to the raw field; used by layout tests only.</summary>
    internal ref long ValueRef => ref _value;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
