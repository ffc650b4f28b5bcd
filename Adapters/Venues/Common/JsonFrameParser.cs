using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Common;

/// <summary>
/// The entry every JSON venue parser of this shape shares: a frame larger than <see cref="MaxFrameBytes"/> is rejected
/// unparsed (<see cref="RejectReason.Oversize"/>), a venue's plain-text control frame (<see cref="IsControlText"/>) is
/// control, text that is not UTF-8 is <see cref="RejectReason.InvalidUtf8"/>, a <see cref="JsonException"/> from the
/// reader is <see cref="RejectReason.InvalidJson"/>; on any rejection the batch is truncated to what it held on entry
/// (a rejected frame adds no event), and every outcome is counted in <see cref="Counters"/>.
/// </summary>
/// <remarks>One instance per connection, single-threaded; allocation-free per frame.</remarks>
public abstract class JsonFrameParser : IFrameParser
{
    /// <summary>Frames above this size are rejected unparsed (the largest snapshots these venues send are ~80 KB).</summary>
    public const int MaxFrameBytes = 4 << 20;

    /// <summary>Frames by outcome and rejections by reason.</summary>
    public ParserCounters Counters { get; } = new();

    /// <summary>Frames rejected for <paramref name="reason"/> by this parser.</summary>
    public long RejectedCount(RejectReason reason) => Counters.Of(reason);

    /// <summary>All rejected frames.</summary>
    public long RejectedTotal => Counters.Rejected;

    public ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        int start = output.Count;
        RejectReason reason;
        FrameStatus status = FrameStatus.Data;
        if (frame.Length > MaxFrameBytes) reason = RejectReason.Oversize;
        else if (IsControlText(frame)) return Counters.Count(ParseResult.Control);
        else if (!DefersUtf8Check && !Utf8.IsValid(frame)) reason = RejectReason.InvalidUtf8;
        else
        {
            try
            {
                reason = ParseJson(frame, receiveTimeNs, output, out status);
            }
            catch (JsonException)
            {
                reason = RejectReason.InvalidJson;
            }
        }
        if (reason == RejectReason.None) return Counters.Count(status == FrameStatus.Control ? ParseResult.Control : ParseResult.Data);
        return Reject(output, start, reason);
    }

    /// <summary>
    /// True when <see cref="ParseJson"/> checks the text is UTF-8 itself (before anything that could accept a frame that
    /// is not), so <see cref="Parse"/> skips its own check: a fast path that only accepts ASCII needs no separate pass
    /// over the bytes. Same outcome for every frame either way; false by default.
    /// </summary>
    protected virtual bool DefersUtf8Check => false;

    /// <summary>A frame the venue sends as plain text rather than JSON (OKX's <c>pong</c>); false by default.</summary>
    protected virtual bool IsControlText(ReadOnlySpan<byte> frame) => false;

    /// <summary>Parses one UTF-8 frame into <paramref name="output"/>; <see cref="RejectReason.None"/> when accepted
    /// (<paramref name="status"/> says data or control). May throw <see cref="JsonException"/> on malformed JSON.</summary>
    protected abstract RejectReason ParseJson(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ParseResult Reject(MarketEventBatch output, int start, RejectReason reason)
    {
        output.Truncate(start);
        return Counters.Count(ParseResult.Reject(reason));
    }
}

/// <summary>
/// A <see cref="JsonFrameParser"/> with a span fast path in front of its Utf8JsonReader reference path (Kraken v1,
/// OKX): <see cref="TryFast"/> takes the frames of the shapes it knows; any frame it declines (false) is parsed again by
/// <see cref="ParseReference"/> after the batch is restored to its count on entry, and counted in
/// <see cref="FastFallbacks"/>. The reference path stays the single authority on rejects and their reasons.
/// </summary>
/// <remarks>One instance per connection, single-threaded; allocation-free per frame.</remarks>
public abstract class FastScanJsonFrameParser : JsonFrameParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>Frames the fast path handed to the Utf8JsonReader path (any deviation from the expected shapes, other
    /// channels, control frames, a symbol's first sighting, and every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    protected sealed override RejectReason ParseJson(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        if (!ForceReference)
        {
            int start = output.Count;
            if (TryFast(frame, receiveTimeNs, output, out status)) return RejectReason.None;
            output.Truncate(start);
            FastFallbacks++;
        }
        if (DefersUtf8Check && !Utf8.IsValid(frame))
        {
            status = FrameStatus.Data;
            return RejectReason.InvalidUtf8;
        }
        return ParseReference(frame, receiveTimeNs, output, out status);
    }

    /// <summary>The fast path: true when the frame was accepted (events appended, <paramref name="status"/> set); false
    /// to hand it to the reference path (what it appended is discarded). Never throws on any input. A parser that sets
    /// <see cref="JsonFrameParser.DefersUtf8Check"/> must accept only frames that are UTF-8 (its fast path reads every
    /// byte and accepts ASCII only); the check then runs once, before the reference path.</summary>
    protected abstract bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status);

    /// <summary>The Utf8JsonReader path: any spacing and key order; the single authority on rejects. May throw
    /// <see cref="System.Text.Json.JsonException"/> on malformed JSON.</summary>
    protected abstract RejectReason ParseReference(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status);
}
