using System.Buffers.Binary;

namespace FastEngine.Adapters.Transport;

/// <summary>Writes RFC 6455 frame headers. Used by the client send path (masked) and by loopback test/bench
/// servers (unmasked). Stateless; allocates nothing.</summary>
public static class WebSocketFrameWriter
{
    /// <summary>Header size for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int HeaderLength(long payloadLength, bool masked) =>
        (payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>Writes a header into <paramref name="destination"/> and returns its length. The mask key bytes
    /// are written in wire order from <paramref name="maskKey"/> as read by <see cref="WebSocketMask.ReadKey"/>.</summary>
    public static int WriteHeader(Span<byte> destination, WebSocketOpcode opcode, long payloadLength, bool fin = true,
        bool masked = false, uint maskKey = 0, bool rsv1 = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        destination[0] = (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (int)opcode);
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        int position;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | payloadLength);
            position = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            position = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            position = 10;
        }
        if (masked)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[position..], maskKey);
            position += 4;
        }
        return position;
    }

    /// <summary>Builds a complete unmasked (server-to-client) frame; for tests, simulators and benchmarks.</summary>
    public static byte[] BuildServerFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, bool rsv1 = false)
    {
        var frame = new byte[HeaderLength(payload.Length, masked: false) + payload.Length];
        int header = WriteHeader(frame, opcode, payload.Length, fin, rsv1: rsv1);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }
}
