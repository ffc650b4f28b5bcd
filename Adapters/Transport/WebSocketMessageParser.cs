using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace FastEngine.Adapters.Transport;

/// <summary>Outcome of one <see cref="WebSocketMessageParser.Parse{THandler}"/> call.</summary>
public enum WebSocketParseStatus : byte
{
    /// <summary>Every complete frame was handled; feed more bytes.</summary>
    NeedMoreData,
    /// <summary>A valid close frame arrived (<see cref="WebSocketMessageParser.CloseCode"/>).</summary>
    CloseReceived,
    /// <summary>A rule was broken (<see cref="WebSocketMessageParser.RejectReason"/>); close with
    /// <see cref="WebSocketMessageParser.RejectCloseCode"/> and drop the buffer.</summary>
    ProtocolViolation,
}

/// <summary>
/// The socket-free RFC 6455 receive state machine: frames in, messages out. Fed with the unconsumed bytes of a
/// receive pipe; hands each complete data message to the handler in place (no copy for uncompressed messages:
/// fragmented messages become a multi-segment sequence over the fragments' payloads, stitched with pooled
/// segments) and reports ping/pong to the control handler.
/// </summary>
/// <remarks>
/// Contract with the caller: after <see cref="Parse{THandler}"/> returns, <c>buffer.Start</c> is the consumed
/// position and everything up to <c>buffer.End</c> was examined (pipe: <c>AdvanceTo(buffer.Start, end)</c>). While
/// a fragmented message is open its frames stay unconsumed, and the next call must start at the same position.
/// Every rule is checked once; a violation is counted per reason and ends parsing for good. Single-threaded;
/// allocates nothing per message once the fragment tables have grown to the largest fragment count seen
/// (a close reason string is allocated on close only).
/// </remarks>
public sealed class WebSocketMessageParser
{
    private readonly long _maxMessageSize;
    private readonly bool _validateUtf8;
    private readonly PerMessageDeflateInflater? _inflater;
    private readonly WebSocketRejectionCounters _rejections;

    // Open fragmented message: fragments are kept as (offset from buffer start, length) pairs because the
    // buffer start does not move until the message completes.
    private bool _inMessage;
    private WebSocketMessageType _messageType;
    private bool _messageCompressed;
    private long _messageLength;
    private long _scanOffset;
    private long[] _fragmentOffsets = new long[8];
    private long[] _fragmentLengths = new long[8];
    private int _fragmentCount;
    private PayloadSegment[] _segments = new PayloadSegment[8];

    private long _messagesReceived;
    private long _framesReceived;

    public WebSocketMessageParser(long maxMessageSize, bool validateUtf8 = true, PerMessageDeflateInflater? inflater = null,
        WebSocketRejectionCounters? rejections = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, 1);
        _maxMessageSize = maxMessageSize;
        _validateUtf8 = validateUtf8;
        _inflater = inflater;
        _rejections = rejections ?? new WebSocketRejectionCounters();
        for (int i = 0; i < _segments.Length; i++)
            _segments[i] = new PayloadSegment();
    }

    public long MessagesReceived => Volatile.Read(ref _messagesReceived);
    public long FramesReceived => Volatile.Read(ref _framesReceived);
    public WebSocketRejectionCounters Rejections => _rejections;
    public WebSocketRejectReason RejectReason { get; private set; }
    public WebSocketCloseCode RejectCloseCode => WebSocketRejectReasons.CloseCodeFor(RejectReason);
    /// <summary>Code of the received close frame (<see cref="WebSocketCloseCode.NoStatusReceived"/> for an empty one).</summary>
    public WebSocketCloseCode CloseCode { get; private set; }
    public string? CloseReason { get; private set; }
    public bool InMessage => _inMessage;

    /// <summary>Parses every complete frame at the start of <paramref name="buffer"/>; see the class remarks.</summary>
    public WebSocketParseStatus Parse<THandler>(ref ReadOnlySequence<byte> buffer, ref THandler handler,
        IWebSocketControlHandler? control, long receiveTimestamp)
        where THandler : IWebSocketMessageHandler
    {
        if (RejectReason != WebSocketRejectReason.None)
            return WebSocketParseStatus.ProtocolViolation;

        while (true)
        {
            ReadOnlySequence<byte> rest = _scanOffset == 0 ? buffer : buffer.Slice(_scanOffset);
            OperationStatus status = WebSocketFrameReader.TryReadHeader(rest, _maxMessageSize, _inflater is not null,
                out WebSocketFrameHeader header, out WebSocketRejectReason reason);
            if (status == OperationStatus.NeedMoreData)
                return WebSocketParseStatus.NeedMoreData;
            if (status != OperationStatus.Done)
                return Reject(reason);

            if (!header.IsControl)
            {
                if (header.Opcode == WebSocketOpcode.Continuation)
                {
                    if (!_inMessage)
                        return Reject(WebSocketRejectReason.ContinuationWithoutStart);
                    if (header.PayloadLength > _maxMessageSize - _messageLength)
                        return Reject(WebSocketRejectReason.MessageTooBig);
                }
                else if (_inMessage)
                {
                    return Reject(WebSocketRejectReason.DataFrameDuringFragmentedMessage);
                }
            }

            if (rest.Length < header.FrameLength)
                return WebSocketParseStatus.NeedMoreData;
            _framesReceived++;
            ReadOnlySequence<byte> payload = rest.Slice(header.HeaderLength, header.PayloadLength);

            if (header.IsControl)
            {
                if (header.Opcode == WebSocketOpcode.Close)
                    return HandleClose(payload, ref buffer, header.FrameLength);
                if (header.Opcode == WebSocketOpcode.Ping)
                    control?.OnPing(payload);
                else
                    control?.OnPong(payload);
                SkipFrame(ref buffer, header.FrameLength);
                continue;
            }

            if (header.Opcode != WebSocketOpcode.Continuation)
            {
                var type = header.Opcode == WebSocketOpcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                if (header.Fin)
                {
                    // Common case: one frame, one message, one span in place.
                    if (!Deliver(type, header.Rsv1, payload, ref handler, receiveTimestamp))
                        return WebSocketParseStatus.ProtocolViolation;
                    buffer = buffer.Slice(header.FrameLength);
                    continue;
                }
                _inMessage = true;
                _messageType = type;
                _messageCompressed = header.Rsv1;
                _messageLength = 0;
                _fragmentCount = 0;
            }

            _messageLength += header.PayloadLength;
            AddFragment(_scanOffset + header.HeaderLength, header.PayloadLength);
            _scanOffset += header.FrameLength;
            if (!header.Fin)
                continue;

            ReadOnlySequence<byte> message = BuildFragmentedMessage(buffer);
            _inMessage = false;
            bool delivered = Deliver(_messageType, _messageCompressed, message, ref handler, receiveTimestamp);
            buffer = buffer.Slice(_scanOffset);
            _scanOffset = 0;
            ReleaseSegments();
            if (!delivered)
                return WebSocketParseStatus.ProtocolViolation;
        }
    }

    /// <summary>Resets the state for a new connection (counters are kept).</summary>
    public void Reset()
    {
        _inMessage = false;
        _scanOffset = 0;
        _fragmentCount = 0;
        _messageLength = 0;
        RejectReason = WebSocketRejectReason.None;
        CloseCode = WebSocketCloseCode.None;
        CloseReason = null;
        _inflater?.Reset();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Deliver<THandler>(WebSocketMessageType type, bool compressed, in ReadOnlySequence<byte> payload,
        ref THandler handler, long receiveTimestamp)
        where THandler : IWebSocketMessageHandler
    {
        if (compressed)
            return DeliverCompressedSlow(type, payload, ref handler, receiveTimestamp);
        if (type == WebSocketMessageType.Text && _validateUtf8 && !Utf8Validation.IsValid(payload))
        {
            Reject(WebSocketRejectReason.InvalidUtf8Text);
            return false;
        }
        _messagesReceived++;
        handler.OnMessage(type, payload, receiveTimestamp);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool DeliverCompressedSlow<THandler>(WebSocketMessageType type, in ReadOnlySequence<byte> payload,
        ref THandler handler, long receiveTimestamp)
        where THandler : IWebSocketMessageHandler
    {
        WebSocketRejectReason reason = _inflater!.TryInflate(payload, _maxMessageSize, out ReadOnlySequence<byte> inflated);
        if (reason != WebSocketRejectReason.None)
        {
            Reject(reason);
            return false;
        }
        return Deliver(type, compressed: false, inflated, ref handler, receiveTimestamp);
    }

    private void SkipFrame(ref ReadOnlySequence<byte> buffer, long frameLength)
    {
        // Inside a fragmented message the earlier fragments must stay in the buffer, so only the scan moves.
        if (_inMessage)
            _scanOffset += frameLength;
        else
            buffer = buffer.Slice(frameLength);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WebSocketParseStatus HandleClose(in ReadOnlySequence<byte> payload, ref ReadOnlySequence<byte> buffer, long frameLength)
    {
        if (payload.Length == 1)
            return Reject(WebSocketRejectReason.ClosePayloadTooShort);
        if (payload.Length == 0)
        {
            CloseCode = WebSocketCloseCode.NoStatusReceived;
            CloseReason = string.Empty;
        }
        else
        {
            Span<byte> codeBytes = stackalloc byte[2];
            payload.Slice(0, 2).CopyTo(codeBytes);
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(codeBytes);
            if (!IsValidReceivedCloseCode(code))
                return Reject(WebSocketRejectReason.InvalidCloseCode);
            ReadOnlySequence<byte> reason = payload.Slice(2);
            if (!Utf8Validation.IsValid(reason))
                return Reject(WebSocketRejectReason.InvalidUtf8CloseReason);
            CloseCode = (WebSocketCloseCode)code;
            CloseReason = Encoding.UTF8.GetString(reason);
        }
        SkipFrame(ref buffer, frameLength);
        return WebSocketParseStatus.CloseReceived;
    }

    /// <summary>RFC 6455 §7.4: 1000-1003, 1007-1011 (and the IANA-registered 1012-1014) and 3000-4999 may appear on
    /// the wire; 1004-1006, 1015, other 1xxx, 2xxx and everything outside 1000-4999 may not.</summary>
    public static bool IsValidReceivedCloseCode(ushort code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WebSocketParseStatus Reject(WebSocketRejectReason reason)
    {
        RejectReason = reason;
        _rejections.Increment(reason);
        _inMessage = false;
        _scanOffset = 0;
        ReleaseSegments();
        return WebSocketParseStatus.ProtocolViolation;
    }

    private void AddFragment(long offset, long length)
    {
        if (length == 0)
            return;
        if (_fragmentCount == _fragmentOffsets.Length)
            GrowFragmentsSlow();
        _fragmentOffsets[_fragmentCount] = offset;
        _fragmentLengths[_fragmentCount] = length;
        _fragmentCount++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowFragmentsSlow()
    {
        Array.Resize(ref _fragmentOffsets, _fragmentOffsets.Length * 2);
        Array.Resize(ref _fragmentLengths, _fragmentLengths.Length * 2);
    }

    /// <summary>Stitches the fragments' payloads (each possibly spanning pipe segments) into one sequence
    /// through pooled segments; no payload byte is copied.</summary>
    private ReadOnlySequence<byte> BuildFragmentedMessage(in ReadOnlySequence<byte> buffer)
    {
        if (_fragmentCount == 0)
            return ReadOnlySequence<byte>.Empty;
        if (_fragmentCount == 1)
            return buffer.Slice(_fragmentOffsets[0], _fragmentLengths[0]);

        int used = 0;
        PayloadSegment? previous = null;
        for (int f = 0; f < _fragmentCount; f++)
        {
            ReadOnlySequence<byte> fragment = buffer.Slice(_fragmentOffsets[f], _fragmentLengths[f]);
            foreach (ReadOnlyMemory<byte> memory in fragment)
            {
                if (memory.IsEmpty)
                    continue;
                if (used == _segments.Length)
                    GrowSegmentsSlow();
                PayloadSegment segment = _segments[used++];
                segment.Set(memory, previous);
                previous = segment;
            }
        }
        PayloadSegment first = _segments[0];
        return used == 1 ? new ReadOnlySequence<byte>(first.Memory) : new ReadOnlySequence<byte>(first, 0, previous!, previous!.Memory.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSegmentsSlow()
    {
        int old = _segments.Length;
        Array.Resize(ref _segments, old * 2);
        for (int i = old; i < _segments.Length; i++)
            _segments[i] = new PayloadSegment();
    }

    private void ReleaseSegments()
    {
        // Drop references to pipe memory so returned pool arrays are not kept reachable from here.
        for (int i = 0; i < _segments.Length && _segments[i].Memory.Length != 0; i++)
            _segments[i].Clear();
        _fragmentCount = 0;
    }

    /// <summary>Reusable link of a stitched fragmented message.</summary>
    private sealed class PayloadSegment : ReadOnlySequenceSegment<byte>
    {
        public void Set(ReadOnlyMemory<byte> memory, PayloadSegment? previous)
        {
            Memory = memory;
            Next = null;
            if (previous is null)
            {
                RunningIndex = 0;
            }
            else
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }

        public void Clear()
        {
            Memory = default;
            Next = null;
            RunningIndex = 0;
        }
    }
}
