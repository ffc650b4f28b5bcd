using System.Buffers;

namespace FastEngine.Adapters.Transport;

/// <summary>
/// Receives complete WebSocket data messages. Called synchronously on the connection's receive thread, in wire
/// order, one call at a time.
/// </summary>
/// <remarks>
/// <para><b>Buffer lifetime:</b> <c>payload</c> points into the connection's receive pipe (or, for a compressed
/// message, into the inflater's pooled buffer). It is valid only until <see cref="OnMessage"/> returns: parse it
/// in place, or copy what must outlive the call. Never keep the sequence, its segments or spans.</para>
/// <para>A single-frame message is one span (<c>payload.IsSingleSegment</c>) unless it crossed a pipe segment
/// boundary; a fragmented message is a multi-segment sequence over the fragments' payloads, without copies.</para>
/// <para>Implement it on a struct and pass it as the generic argument to get the call devirtualized.</para>
/// </remarks>
public interface IWebSocketMessageHandler
{
    /// <param name="type">Text (validated UTF-8 unless validation was turned off) or binary.</param>
    /// <param name="payload">The unmasked, reassembled (and inflated, under permessage-deflate) payload.</param>
    /// <param name="receiveTimestamp"><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> taken when the
    /// socket read that completed this message returned.</param>
    void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp);
}

/// <summary>Control frames seen by <see cref="WebSocketMessageParser"/>; implemented by <see cref="PipeWebSocket"/>
/// (pong replies) and by tests.</summary>
public interface IWebSocketControlHandler
{
    void OnPing(in ReadOnlySequence<byte> payload);
    void OnPong(in ReadOnlySequence<byte> payload);
}

/// <summary>Per-reason rejection counters, shareable by all connections of one venue (thread-safe, Interlocked).</summary>
public sealed class WebSocketRejectionCounters
{
    private readonly long[] _counts = new long[WebSocketRejectReasons.Count];

    public void Increment(WebSocketRejectReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long this[WebSocketRejectReason reason] => Volatile.Read(ref _counts[(int)reason]);

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 1; i < _counts.Length; i++)
                total += Volatile.Read(ref _counts[i]);
            return total;
        }
    }
}
