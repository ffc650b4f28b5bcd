using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// The sequences a consumer must stay behind: the ring's cursor for a first stage, or the sequences of the stages it
/// follows. <see cref="Value"/> is the minimum of them (acquire reads).
/// </summary>
/// <remarks>Immutable after construction, thread-safe, allocation-free to read.</remarks>
public sealed class DependentSequenceGroup
{
    private readonly Sequence[] _sequences;
    private readonly Sequence _single;

    /// <param name="cursor">The ring's cursor, used when <paramref name="dependents"/> is empty.</param>
    /// <param name="dependents">Sequences of the previous stages, if any.</param>
    public DependentSequenceGroup(Sequence cursor, params Sequence[] dependents)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        _sequences = dependents is { Length: > 0 } ? (Sequence[])dependents.Clone() : new[] { cursor };
        _single = _sequences[0];
        Cursor = cursor;
        DependsOnCursorOnly = dependents is not { Length: > 0 };
    }

    /// <summary>The ring's cursor.</summary>
    public Sequence Cursor { get; }

    /// <summary>True for a first stage (no previous stage to follow).</summary>
    public bool DependsOnCursorOnly { get; }

    /// <summary>Number of sequences in the group.</summary>
    public int Count => _sequences.Length;

    /// <summary>The minimum of the group's sequences.</summary>
    public long Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _sequences.Length == 1 ? _single.Value : MinimumOf(_sequences);
    }

    /// <summary>Minimum of <paramref name="sequences"/>, or <paramref name="whenEmpty"/> when there are none.</summary>
    public static long MinimumOf(Sequence[] sequences, long whenEmpty = long.MaxValue)
    {
        long minimum = whenEmpty;
        for (int i = 0; i < sequences.Length; i++)
        {
            long value = sequences[i].Value;
            if (value < minimum)
                minimum = value;
        }

        return minimum;
    }
}
