using System.Buffers;

namespace FastEngine.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s to feed parsers input split at any byte.</summary>
public static class SegmentedSequence
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>Two segments split at <paramref name="split"/> (either may be empty).</summary>
    public static ReadOnlySequence<byte> Create(byte[] data, int split) => Create(data, [split]);

    /// <summary>Segments split at each given offset (ascending).</summary>
    public static ReadOnlySequence<byte> Create(byte[] data, IReadOnlyList<int> splits)
    {
        int start = 0;
        Segment? first = null, last = null;
        foreach (int s in splits.Append(data.Length))
        {
            var mem = new ReadOnlyMemory<byte>(data, start, s - start);
            if (first is null) first = last = new Segment(mem, 0);
            else last = last!.Append(mem);
            start = s;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>One byte per segment.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        Create(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());
}
