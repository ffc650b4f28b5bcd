using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;
using Xunit.Abstractions;

namespace FastEngine.Tests.Support;

/// <summary>
/// Names the frame a fast-path-vs-reference comparison is about: a label, and the mutated position and byte (with the
/// original byte) or the truncation length when given. Formatted only when a comparison fails.
/// </summary>
public readonly record struct FrameLabel(string What, int Position = -1, int Value = -1, int Original = -1)
{
    public static implicit operator FrameLabel(string what) => new(what);

    public override string ToString() =>
        Position < 0 ? What
        : Value < 0 ? $"{What} cut {Position}"
        : $"{What} byte {Position} '{(char)Original}'->0x{Value:X2}";
}

/// <summary>Parses one frame on the fast and on the reference path and asserts they agree (see <see cref="FastPathEquivalence.Compare"/>).</summary>
public delegate ParseResult FrameCheck(ReadOnlySpan<byte> payload, FrameLabel label);

/// <summary>
/// The venue parsers' span fast paths against their Utf8JsonReader reference paths (ForceReference): the shared
/// comparison (same ParseResult, events byte for byte, counters), one-byte mutations and truncations of real frames,
/// and two passes over a capture. Each venue's tests say which frames, which extra state, and what they expect.
/// </summary>
public static class FastPathEquivalence
{
    /// <summary>Parses <paramref name="payload"/> (WebSocket, receive time 7) into both batches, each holding one
    /// event (Sequence 42) before the call (the fast path must leave the caller's events alone when it falls back),
    /// and asserts the same result, the same events byte for byte (naming the first differing event) and the same
    /// data, control and rejected counts.</summary>
    public static ParseResult Compare(IFrameParser fast, ParserCounters fastCounters, MarketEventBatch fastBatch,
                                      IFrameParser reference, ParserCounters referenceCounters, MarketEventBatch referenceBatch,
                                      ReadOnlySpan<byte> payload, FrameLabel label)
    {
        fastBatch.Clear();
        referenceBatch.Clear();
        fastBatch.Add().Sequence = 42;
        referenceBatch.Add().Sequence = 42;
        var fr = fast.Parse(payload, FrameSource.WebSocket, null, 7, fastBatch);
        var rr = reference.Parse(payload, FrameSource.WebSocket, null, 7, referenceBatch);
        if (rr != fr) Assert.Fail($"{label}: result {fr} vs reference {rr}");
        var fb = MemoryMarshal.AsBytes(fastBatch.Events);
        var rb = MemoryMarshal.AsBytes(referenceBatch.Events);
        if (!fb.SequenceEqual(rb))
        {
            int n = Math.Min(fastBatch.Count, referenceBatch.Count), i = 0;
            while (i < n && fastBatch[i].Equals(referenceBatch[i])) i++;
            Assert.Fail($"{label}: events differ ({fastBatch.Count} vs {referenceBatch.Count}), first at {i}: " +
                        (i < n ? $"{Show(fastBatch[i])} vs {Show(referenceBatch[i])}" : "length"));
        }
        Assert.Equal(referenceCounters.Data, fastCounters.Data);
        Assert.Equal(referenceCounters.Control, fastCounters.Control);
        Assert.Equal(referenceCounters.Rejected, fastCounters.Rejected);
        return fr;
    }

    private static string Show(in MarketEvent e) =>
        $"[{e.Kind} {e.Side} inst {e.Instrument} px {e.Price}/{e.PriceDecimals} sz {e.Size}/{e.SizeDecimals} flags {e.Flags} seq {e.Sequence}/{e.PrevSequence}/{e.FirstSequence} exch {e.ExchangeTimeNs} recv {e.ReceiveTimeNs}]";

    /// <summary>Every position of a frame of length <paramref name="n"/> up to <paramref name="whole"/> bytes, else its
    /// first <paramref name="head"/> and last <paramref name="tail"/> positions.</summary>
    public static IEnumerable<int> HeadAndTail(int n, int whole, int head, int tail) =>
        n <= whole ? Enumerable.Range(0, n) : Enumerable.Range(0, head).Concat(Enumerable.Range(n - tail, tail)).Distinct();

    /// <summary>Compares every one-byte mutation of <paramref name="frame"/> at <paramref name="positions"/> to each of
    /// <paramref name="mutationBytes"/> (but its own byte); the frame is left as it was. Returns the mutations compared.</summary>
    public static long Mutate(FrameCheck check, byte[] frame, string what, byte[] mutationBytes, IEnumerable<int> positions)
    {
        long mutations = 0;
        foreach (int i in positions)
        {
            byte original = frame[i];
            foreach (byte b in mutationBytes)
            {
                if (b == original) continue;
                frame[i] = b;
                check(frame, new FrameLabel(what, i, b, original));
                mutations++;
            }
            frame[i] = original;
        }
        return mutations;
    }

    /// <summary>Compares the truncations of <paramref name="frame"/> from length 0, the next length being
    /// len + <paramref name="step"/>(len), below its full length. Returns the truncations compared.</summary>
    public static long Truncate(FrameCheck check, byte[] frame, string what, Func<int, int> step)
    {
        long cuts = 0;
        for (int len = 0; len < frame.Length; len += step(len))
        {
            check(frame.AsSpan(0, len), new FrameLabel(what, len));
            cuts++;
        }
        return cuts;
    }
}

/// <summary>
/// A fast parser and a reference parser (ForceReference) of one venue, each with its own registry and batch, compared
/// frame by frame with <see cref="FastPathEquivalence.Compare"/> plus the venue's own state (<c>alsoCompare</c>).
/// </summary>
public sealed class FastPathPair<TParser> where TParser : IFrameParser
{
    public readonly InstrumentRegistry FastRegistry = new(), ReferenceRegistry = new();
    public readonly TParser Fast, Reference;
    public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();
    private readonly Func<TParser, ParserCounters> _counters;
    private readonly Func<TParser, long> _fallbacks;
    private readonly Action<FastPathPair<TParser>, ParseResult, FrameLabel>? _alsoCompare;

    /// <param name="create">A parser on the registry, on the reference path when the flag is set.</param>
    /// <param name="alsoCompare">Further assertions after each comparison (this pair, the fast result, the label).</param>
    public FastPathPair(Func<InstrumentRegistry, bool, TParser> create, Func<TParser, ParserCounters> counters, Func<TParser, long> fallbacks,
                        Action<FastPathPair<TParser>, ParseResult, FrameLabel>? alsoCompare = null)
    {
        Fast = create(FastRegistry, false);
        Reference = create(ReferenceRegistry, true);
        _counters = counters;
        _fallbacks = fallbacks;
        _alsoCompare = alsoCompare;
    }

    /// <summary>The fast parser's fallbacks to the reference path so far.</summary>
    public long FastFallbacks => _fallbacks(Fast);

    /// <summary>The reference parser's rejected frames so far.</summary>
    public long ReferenceRejected => _counters(Reference).Rejected;

    public ParseResult Check(ReadOnlySpan<byte> payload, FrameLabel label)
    {
        var fr = FastPathEquivalence.Compare(Fast, _counters(Fast), FastBatch, Reference, _counters(Reference), ReferenceBatch, payload, label);
        _alsoCompare?.Invoke(this, fr, label);
        return fr;
    }

    /// <summary>Compares every frame (labelled "<paramref name="name"/> line N"), then every frame again ("second pass"),
    /// calling <paramref name="beforeSecondPass"/> in between and <paramref name="secondPass"/> after each frame of the
    /// second pass with whether it fell back. Returns the first pass's fallbacks.</summary>
    public long BothPasses(List<RawFrame> frames, string name, Action<RawFrame, bool> secondPass, Action? beforeSecondPass = null)
    {
        foreach (var f in frames) Check(f.Payload, $"{name} line {f.Line}");
        long firstPass = FastFallbacks;
        beforeSecondPass?.Invoke();
        foreach (var f in frames)
        {
            long before = FastFallbacks;
            Check(f.Payload, $"{name} second pass line {f.Line}");
            secondPass(f, FastFallbacks != before);
        }
        return firstPass;
    }

    /// <summary>Compares each frame ("frame i"), writes its result and path, calls <paramref name="after"/> with its
    /// index; returns the indices of the frames that took the fast path.</summary>
    public List<int> FastFrames(IReadOnlyList<string> frames, ITestOutputHelper output, Action<int>? after = null)
    {
        var fast = new List<int>();
        for (int i = 0; i < frames.Count; i++)
        {
            long before = FastFallbacks;
            var result = Check(System.Text.Encoding.UTF8.GetBytes(frames[i]), $"frame {i}");
            after?.Invoke(i);
            if (FastFallbacks == before) fast.Add(i);
            output.WriteLine($"{i}: {result} {(FastFallbacks == before ? "fast" : "reference")}");
        }
        return fast;
    }

    /// <summary>Mutations (<see cref="FastPathEquivalence.Mutate"/>) of a copy of <paramref name="frame"/>.</summary>
    public long Mutate(byte[] frame, string what, byte[] mutationBytes, IEnumerable<int> positions) =>
        FastPathEquivalence.Mutate(Check, (byte[])frame.Clone(), what, mutationBytes, positions);

    /// <summary>Truncations (<see cref="FastPathEquivalence.Truncate"/>) of <paramref name="frame"/>.</summary>
    public long Truncate(byte[] frame, string what, Func<int, int> step) => FastPathEquivalence.Truncate(Check, frame, what, step);
}
