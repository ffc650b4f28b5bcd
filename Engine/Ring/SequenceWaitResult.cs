using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// What <see cref="SequenceBarrier.WaitFor"/> returns: either the highest sequence that may be consumed, or the fact
/// that the barrier was alerted (the processor is being halted).
/// </summary>
/// <remarks>
/// Alerts are reported with this value rather than an exception: halting is a normal event, and the hot loop
/// stays free of exception-handling frames. The alerted state is encoded as <see cref="long.MinValue"/>, a value no
/// sequence can take (sequences start at -1 and only grow).
/// </remarks>
public readonly struct SequenceWaitResult
{
    private const long AlertedValue = long.MinValue;

    /// <summary>The highest available sequence; meaningless when <see cref="IsAlerted"/> is true.</summary>
    public readonly long Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SequenceWaitResult(long value) => Value = value;

    /// <summary>The barrier was alerted while (or before) waiting.</summary>
    public bool IsAlerted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Value == AlertedValue;
    }

    /// <summary>The result that signals an alert.</summary>
    public static SequenceWaitResult Alerted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(AlertedValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator SequenceWaitResult(long value) => new(value);

    public override string ToString() => IsAlerted ? "Alerted" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
