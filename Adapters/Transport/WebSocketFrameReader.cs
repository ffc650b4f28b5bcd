using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FastEngine.Adapters.Transport;

/// <summary>A decoded RFC 6455 server frame header (never masked). <see cref="HeaderLength"/> bytes precede the payload.</summary>
public readonly record struct WebSocketFrameHeader(
    bool Fin, bool Rsv1, WebSocketOpcode Opcode, long PayloadLength, int HeaderLength)
{
    public bool IsControl => ((byte)Opcode & 0x8) != 0;
    public long FrameLength => HeaderLength + PayloadLength;
}

/// <summary>
/// Stateless RFC 6455 §5.2 frame header reader over a <see cref="ReadOnlySequence{T}"/>.
/// <code>
///  0               1               2               3
///  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// </code>
/// Guarantees: <see cref="OperationStatus.NeedMoreData"/> consumes nothing and is returned only when the header
/// is incomplete and no rule is broken yet; every per-frame rule is checked as soon as the bytes that decide it
/// are present (so a 2-byte garbage prefix is rejected without waiting), and the size limit is checked as soon
/// as the length is known, before any payload is buffered. No allocation.
/// </summary>
public static class WebSocketFrameReader
{
    /// <summary>Largest header: 2 + 8 (64-bit length) + 4 (mask key).</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>Reads one frame header from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes starting at a frame boundary.</param>
    /// <param name="maxPayloadLength">Largest payload accepted for this frame (data frames: what is left of the
    /// message limit); a bigger declared length is rejected with <see cref="WebSocketRejectReason.MessageTooBig"/>.</param>
    /// <param name="allowRsv1">True when permessage-deflate is negotiated (RSV1 then marks a compressed message
    /// on its first data frame only).</param>
    /// <param name="header">The header when <see cref="OperationStatus.Done"/>.</param>
    /// <param name="reason">The violated rule when <see cref="OperationStatus.InvalidData"/>.</param>
    public static OperationStatus TryReadHeader(in ReadOnlySequence<byte> buffer, long maxPayloadLength, bool allowRsv1,
        out WebSocketFrameHeader header, out WebSocketRejectReason reason)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= MaxHeaderLength)
            return TryReadHeader(first, maxPayloadLength, allowRsv1, out header, out reason);
        return TryReadHeaderSlow(buffer, maxPayloadLength, allowRsv1, out header, out reason);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static OperationStatus TryReadHeaderSlow(in ReadOnlySequence<byte> buffer, long maxPayloadLength, bool allowRsv1,
        out WebSocketFrameHeader header, out WebSocketRejectReason reason)
    {
        // Header split over segments (or the buffer is short): copy at most 14 bytes to the stack.
        Span<byte> scratch = stackalloc byte[MaxHeaderLength];
        int length = (int)Math.Min(buffer.Length, MaxHeaderLength);
        buffer.Slice(0, length).CopyTo(scratch);
        return TryReadHeader(scratch[..length], maxPayloadLength, allowRsv1, out header, out reason);
    }

    /// <summary>Span overload of <see cref="TryReadHeader(in ReadOnlySequence{byte}, long, bool, out WebSocketFrameHeader, out WebSocketRejectReason)"/>.</summary>
    public static OperationStatus TryReadHeader(ReadOnlySpan<byte> span, long maxPayloadLength, bool allowRsv1,
        out WebSocketFrameHeader header, out WebSocketRejectReason reason)
    {
        header = default;
        reason = WebSocketRejectReason.None;
        if (span.Length < 2)
        {
            if (span.Length == 1 && !IsFirstByteValid(span[0], allowRsv1, out reason))
                return OperationStatus.InvalidData;
            return OperationStatus.NeedMoreData;
        }

        byte b0 = span[0];
        byte b1 = span[1];
        if (!IsFirstByteValid(b0, allowRsv1, out reason))
            return OperationStatus.InvalidData;

        var opcode = (WebSocketOpcode)(b0 & 0x0F);
        bool fin = (b0 & 0x80) != 0;
        bool isControl = (b0 & 0x08) != 0;
        int length7 = b1 & 0x7F;
        bool masked = (b1 & 0x80) != 0;

        if (masked)
            return Reject(WebSocketRejectReason.MaskedServerFrame, out reason);
        if (isControl)
        {
            if (!fin)
                return Reject(WebSocketRejectReason.ControlFrameFragmented, out reason);
            if (length7 > 125)
                return Reject(WebSocketRejectReason.ControlFrameTooLong, out reason);
        }

        long payloadLength;
        int headerLength;
        if (length7 <= 125)
        {
            payloadLength = length7;
            headerLength = 2;
        }
        else if (length7 == 126)
        {
            if (span.Length < 4)
                return OperationStatus.NeedMoreData;
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(span.Slice(2, 2));
            headerLength = 4;
        }
        else
        {
            if (span.Length < 10)
                return OperationStatus.NeedMoreData;
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(span.Slice(2, 8));
            if ((length64 & 0x8000_0000_0000_0000UL) != 0)
                return Reject(WebSocketRejectReason.InvalidPayloadLength, out reason);
            payloadLength = (long)length64;
            headerLength = 10;
        }

        if (payloadLength > maxPayloadLength)
            return Reject(WebSocketRejectReason.MessageTooBig, out reason);

        header = new WebSocketFrameHeader(fin, (b0 & 0x40) != 0, opcode, payloadLength, headerLength);
        return OperationStatus.Done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsFirstByteValid(byte b0, bool allowRsv1, out WebSocketRejectReason reason)
    {
        int opcode = b0 & 0x0F;
        // Valid opcodes: 0, 1, 2, 8, 9, 10.
        if (((1 << opcode) & 0b0000_0111_0000_0111) == 0)
        {
            reason = WebSocketRejectReason.UnknownOpcode;
            return false;
        }
        // RSV2/RSV3: no negotiated extension defines them. RSV1: permessage-deflate, first data frame only.
        if ((b0 & 0x30) != 0 || ((b0 & 0x40) != 0 && (!allowRsv1 || opcode == 0 || opcode >= 8)))
        {
            reason = WebSocketRejectReason.ReservedBitsSet;
            return false;
        }
        reason = WebSocketRejectReason.None;
        return true;
    }

    private static OperationStatus Reject(WebSocketRejectReason rule, out WebSocketRejectReason reason)
    {
        reason = rule;
        return OperationStatus.InvalidData;
    }
}
