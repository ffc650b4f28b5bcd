using System.IO.Compression;

namespace FastEngine.Capture.Import;

/// <summary>
/// Python <c>bytes</c> repr (<c>b'...'</c> / <c>b"..."</c>) → bytes, as cryptofeed's recorder wrote HTX's binary
/// frames, and gzip → bytes. Escapes: <c>\xNN</c>, <c>\t</c>, <c>\n</c>, <c>\r</c>, <c>\\</c>, <c>\'</c>, <c>\"</c>;
/// every other byte must be printable ASCII. Pure functions (no state); gunzip allocates its streams (import path only).
/// </summary>
public static class PythonBytesLiteral
{
    /// <summary>True when <paramref name="text"/> looks like a bytes literal (starts with <c>b'</c> or <c>b"</c>).</summary>
    public static bool IsBytesLiteral(ReadOnlySpan<byte> text) =>
        text.Length >= 3 && text[0] == (byte)'b' && (text[1] == (byte)'\'' || text[1] == (byte)'"');

    /// <summary>
    /// Unescapes <paramref name="literal"/> into <paramref name="destination"/> (at least literal.Length bytes).
    /// False on a missing closing quote, an unknown escape, a bad hex digit or a non-printable byte.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<byte> literal, Span<byte> destination, out int written)
    {
        written = 0;
        if (!IsBytesLiteral(literal)) return false;
        byte quote = literal[1];
        if (literal[^1] != quote) return false;
        ReadOnlySpan<byte> body = literal[2..^1];
        int w = 0;
        for (int i = 0; i < body.Length; i++)
        {
            byte b = body[i];
            if (b == (byte)'\\')
            {
                if (++i >= body.Length) return false;
                switch (body[i])
                {
                    case (byte)'x':
                        if (i + 2 >= body.Length) return false;
                        int hi = Hex(body[i + 1]), lo = Hex(body[i + 2]);
                        if ((hi | lo) < 0) return false;
                        destination[w++] = (byte)(hi << 4 | lo);
                        i += 2;
                        break;
                    case (byte)'t': destination[w++] = (byte)'\t'; break;
                    case (byte)'n': destination[w++] = (byte)'\n'; break;
                    case (byte)'r': destination[w++] = (byte)'\r'; break;
                    case (byte)'\\': destination[w++] = (byte)'\\'; break;
                    case (byte)'\'': destination[w++] = (byte)'\''; break;
                    case (byte)'"': destination[w++] = (byte)'"'; break;
                    default: return false;
                }
            }
            else
            {
                // Python escapes every byte outside 0x20..0x7E and the delimiting quote itself.
                if (b < 0x20 || b > 0x7E || b == quote) return false;
                destination[w++] = b;
            }
        }
        written = w;
        return true;
    }

    private static int Hex(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>True when <paramref name="data"/> starts with the gzip magic 1F 8B.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B;

    /// <summary>
    /// Decompresses one gzip member (offset, count of <paramref name="source"/>) into <paramref name="output"/> (a pooled
    /// buffer it may replace with a larger one). False on corrupt or truncated data: the member's trailer CRC-32 and
    /// size must match what was decompressed.
    /// </summary>
    public static bool TryGunzip(byte[] source, int offset, int count, ref byte[] output, out int written)
    {
        written = 0;
        try
        {
            using var input = new MemoryStream(source, offset, count, writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            while (true)
            {
                if (written == output.Length)
                {
                    var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(4096, output.Length * 2));
                    output.AsSpan(0, written).CopyTo(bigger);
                    if (output.Length > 0) System.Buffers.ArrayPool<byte>.Shared.Return(output);
                    output = bigger;
                }
                int n = gzip.Read(output, written, output.Length - written);
                if (n == 0) break;
                written += n;
                if (written > CaptureFile.MaxBodyLength) return false;
            }
            // GZipStream stops quietly at truncated input; the gzip trailer (RFC 1952: CRC-32 and size mod 2^32 of the
            // data) tells a complete frame from a damaged one.
            if (count < 18) return false;
            var trailer = source.AsSpan(offset + count - 8, 8);
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer) == FastEngine.Model.Crc32.Compute(output.AsSpan(0, written))
                && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)written;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
