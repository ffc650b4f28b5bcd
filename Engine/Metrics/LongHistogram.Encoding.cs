using System.Buffers.Binary;
using System.IO.Compression;

namespace FastEngine.Metrics;

/// <summary>Why <see cref="LongHistogram.TryDecodeV2"/> or <see cref="LongHistogram.TryDecodeV2Compressed"/>
/// rejected its input.</summary>
public enum HistogramDecodeError
{
    None = 0,
    /// <summary>The input ends before its header or its declared payload does.</summary>
    Truncated,
    /// <summary>The first four bytes are not the expected HdrHistogram V2 cookie.</summary>
    UnknownCookie,
    /// <summary>A non-zero normalizing index offset (shifted histograms are not supported).</summary>
    UnsupportedNormalizingOffset,
    /// <summary>Lowest/highest/digits in the header fail the constructor's validation.</summary>
    InvalidParameters,
    /// <summary>The counts run past the end of the histogram's counts array.</summary>
    CountsBeyondRange,
    /// <summary>A LEB128 count is unterminated inside the payload.</summary>
    MalformedCount,
    /// <summary>The zlib stream of a compressed histogram is corrupt.</summary>
    BadCompression,
}

public sealed partial class LongHistogram
{
    // Wire format (HdrHistogram "V2", big-endian, as Java's ByteBuffer writes it):
    //   +0  int32  cookie 0x1c849313 (uncompressed) / 0x1c849314 (compressed wrapper)
    //   +4  int32  payload length in bytes
    //   +8  int32  normalizing index offset (0)
    //   +12 int32  number of significant value digits
    //   +16 int64  lowest discernible value
    //   +24 int64  highest trackable value
    //   +32 double integer-to-double conversion ratio (1.0)
    //   +40 payload: counts from index 0 up to the highest non-empty slot, each as ZigZag LEB128 (at most 9 bytes,
    //       the 9th carrying 8 bits); a run of two or more empty slots is written as the negative run length.
    // Compressed wrapper: int32 cookie 0x1c849314, int32 length of the zlib stream, then the zlib (RFC 1950)
    // stream of the whole uncompressed encoding above.
    private const int V2Cookie = 0x1c849313;
    private const int V2CompressedCookie = 0x1c849314;
    private const int V2HeaderLength = 40;

    /// <summary>The HdrHistogram V2 uncompressed encoding (byte-exact with HdrHistogram's
    /// <c>EncodeIntoByteBuffer</c>). Cold path: allocates the result.</summary>
    public byte[] EncodeV2()
    {
        // HdrHistogram writes up to the slot of the max value, and at least slot 0 (an empty histogram is one 0).
        int countsLimit = Math.Max(LastNonZeroIndex(), 0) + 1;
        byte[] buffer = new byte[V2HeaderLength + 9 * countsLimit];
        int position = V2HeaderLength;
        int index = 0;
        while (index < countsLimit)
        {
            long count = _counts[index++];
            if (count == 0)
            {
                int zeros = 1;
                while (index < countsLimit && _counts[index] == 0)
                {
                    zeros++;
                    index++;
                }
                // A lone empty slot costs one byte either way; HdrHistogram writes it as the count 0.
                if (zeros > 1)
                    count = -zeros;
            }
            position += WriteZigZag(buffer.AsSpan(position), count);
        }

        Span<byte> header = buffer.AsSpan(0, V2HeaderLength);
        BinaryPrimitives.WriteInt32BigEndian(header, V2Cookie);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], position - V2HeaderLength);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 0);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], NumberOfSignificantValueDigits);
        BinaryPrimitives.WriteInt64BigEndian(header[16..], LowestDiscernibleValue);
        BinaryPrimitives.WriteInt64BigEndian(header[24..], HighestTrackableValue);
        BinaryPrimitives.WriteDoubleBigEndian(header[32..], 1.0);
        return buffer.AsSpan(0, position).ToArray();
    }

    /// <summary>The HdrHistogram V2 compressed encoding (what histogram logs carry in base64). The zlib bytes depend
    /// on the zlib build, so compare compressed forms by decoding them.</summary>
    public byte[] EncodeV2Compressed()
    {
        byte[] plain = EncodeV2();
        using var compressed = new MemoryStream(plain.Length / 2 + 64);
        compressed.Write(stackalloc byte[8]);
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(plain);
        byte[] result = compressed.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(result, V2CompressedCookie);
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(4), result.Length - 8);
        return result;
    }

    /// <summary>Decodes an HdrHistogram V2 uncompressed encoding.</summary>
    /// <exception cref="FormatException">The input is not a valid V2 encoding; the message carries the
    /// <see cref="HistogramDecodeError"/>.</exception>
    public static LongHistogram DecodeV2(ReadOnlySpan<byte> encoded)
        => TryDecodeV2(encoded, out LongHistogram? histogram, out HistogramDecodeError error)
            ? histogram
            : throw new FormatException($"Not a valid HdrHistogram V2 encoding: {error}.");

    /// <summary>Decodes an HdrHistogram V2 compressed encoding.</summary>
    /// <exception cref="FormatException">The input is not valid; the message carries the reason.</exception>
    public static LongHistogram DecodeV2Compressed(ReadOnlySpan<byte> encoded)
        => TryDecodeV2Compressed(encoded, out LongHistogram? histogram, out HistogramDecodeError error)
            ? histogram
            : throw new FormatException($"Not a valid compressed HdrHistogram V2 encoding: {error}.");

    /// <summary>Decodes an HdrHistogram V2 uncompressed encoding; on bad input returns false with the reason and
    /// never throws.</summary>
    public static bool TryDecodeV2(ReadOnlySpan<byte> encoded,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LongHistogram? histogram, out HistogramDecodeError error)
    {
        histogram = null;
        if (encoded.Length < V2HeaderLength)
            return Reject(HistogramDecodeError.Truncated, out error);
        if (BinaryPrimitives.ReadInt32BigEndian(encoded) != V2Cookie)
            return Reject(HistogramDecodeError.UnknownCookie, out error);
        int payloadLength = BinaryPrimitives.ReadInt32BigEndian(encoded[4..]);
        if (payloadLength < 0 || payloadLength > encoded.Length - V2HeaderLength)
            return Reject(HistogramDecodeError.Truncated, out error);
        if (BinaryPrimitives.ReadInt32BigEndian(encoded[8..]) != 0)
            return Reject(HistogramDecodeError.UnsupportedNormalizingOffset, out error);
        int digits = BinaryPrimitives.ReadInt32BigEndian(encoded[12..]);
        long lowest = BinaryPrimitives.ReadInt64BigEndian(encoded[16..]);
        long highest = BinaryPrimitives.ReadInt64BigEndian(encoded[24..]);
        if (!ParametersAreValid(lowest, highest, digits))
            return Reject(HistogramDecodeError.InvalidParameters, out error);

        var result = new LongHistogram(lowest, highest, digits);
        ReadOnlySpan<byte> payload = encoded.Slice(V2HeaderLength, payloadLength);
        int index = 0;
        while (!payload.IsEmpty)
        {
            int used = ReadZigZag(payload, out long count);
            if (used == 0)
                return Reject(HistogramDecodeError.MalformedCount, out error);
            payload = payload[used..];
            if (count < 0)
            {
                long skipped = index - count;
                if (skipped > result._counts.Length)
                    return Reject(HistogramDecodeError.CountsBeyondRange, out error);
                index = (int)skipped;
                continue;
            }
            if (index >= result._counts.Length)
                return Reject(HistogramDecodeError.CountsBeyondRange, out error);
            result.SetCountAtIndex(index++, count);
        }
        histogram = result;
        error = HistogramDecodeError.None;
        return true;
    }

    /// <summary>Decodes an HdrHistogram V2 compressed encoding; on bad input returns false with the reason and
    /// never throws.</summary>
    public static bool TryDecodeV2Compressed(ReadOnlySpan<byte> encoded,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LongHistogram? histogram, out HistogramDecodeError error)
    {
        histogram = null;
        if (encoded.Length < 8)
            return Reject(HistogramDecodeError.Truncated, out error);
        if (BinaryPrimitives.ReadInt32BigEndian(encoded) != V2CompressedCookie)
            return Reject(HistogramDecodeError.UnknownCookie, out error);
        int length = BinaryPrimitives.ReadInt32BigEndian(encoded[4..]);
        if (length < 0 || length > encoded.Length - 8)
            return Reject(HistogramDecodeError.Truncated, out error);

        byte[] plain;
        try
        {
            using var input = new MemoryStream(encoded.Slice(8, length).ToArray(), writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            plain = output.ToArray();
        }
        catch (InvalidDataException)
        {
            return Reject(HistogramDecodeError.BadCompression, out error);
        }
        return TryDecodeV2(plain, out histogram, out error);
    }

    private static bool ParametersAreValid(long lowest, long highest, int digits)
    {
        if (lowest < 1 || lowest > highest / 2 || digits is < 1 or > 5)
            return false;
        int unitMagnitude = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)lowest);
        int halfCountMagnitude = CeilLog2(2 * Pow10(digits)) - 1;
        return unitMagnitude + halfCountMagnitude <= 61;
    }

    private static bool Reject(HistogramDecodeError reason, out HistogramDecodeError error)
    {
        error = reason;
        return false;
    }

    private static int WriteZigZag(Span<byte> destination, long value)
    {
        ulong bits = (ulong)((value << 1) ^ (value >> 63));
        int i = 0;
        // Eight groups of 7 bits with a continuation flag, then a ninth byte with the remaining 8 bits.
        while (i < 8 && bits >= 0x80)
        {
            destination[i++] = (byte)(bits | 0x80);
            bits >>= 7;
        }
        destination[i++] = (byte)bits;
        return i;
    }

    /// <summary>Reads one ZigZag LEB128 long; returns the bytes used, or 0 when it is unterminated.</summary>
    private static int ReadZigZag(ReadOnlySpan<byte> source, out long value)
    {
        ulong bits = 0;
        int i = 0;
        while (true)
        {
            if (i >= source.Length)
            {
                value = 0;
                return 0;
            }
            byte b = source[i];
            if (i == 8)
            {
                bits |= (ulong)b << 56;
                i++;
                break;
            }
            bits |= (ulong)(b & 0x7F) << (7 * i);
            i++;
            if (b < 0x80)
                break;
        }
        value = (long)(bits >> 1) ^ -(long)(bits & 1);
        return i;
    }
}
