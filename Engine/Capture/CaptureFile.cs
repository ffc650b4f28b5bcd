using System.Buffers.Binary;
using System.Text;
using FastEngine.Model;

namespace FastEngine.Capture;

/// <summary>
/// The FastEngine capture file (<c>.fecap</c>) layout. All integers little-endian. Version 1.
/// <code>
/// File header (variable length, H bytes):
///  0      5   magic  'F' 'E' 'C' 'A' 'P'
///  5      1   format version (1)
///  6      2   H: header length in bytes, including this field and the CRC (= 22 + W)
///  8      8   created, Unix ns (int64)
/// 16      2   W: writer-info length
/// 18      W   writer info, UTF-8 (program, version, host; free text)
/// 18+W    4   CRC-32 of bytes [0, 18+W)
///
/// Record (repeated until end of file; 36 + A + P bytes):
/// +---------+---------+------------------+---------------+-------+-----+-------+---------+------------+
/// | sync  4 | body  4 | receive ns     8 | connection  4 | venue | kind| flags | addr  2 | hdr crc  4 |
/// | "FER1"  | A + P   | int64            | uint32        | u16   | u8  | u8    | A       | of [0,28)  |
/// +---------+---------+------------------+---------------+-------+-----+-------+---------+------------+
///  0         4         8                  16              20      22    23      24        28
/// | address A bytes (UTF-8) | payload P bytes | record crc 4 = CRC-32 of [0, 32 + A + P) |
///  32                        32+A              32+A+P
/// </code>
/// Why two CRCs: the header CRC makes the length trustworthy before the body is read, so a corrupt body is skipped
/// exactly and a corrupt header is found at once (then the reader scans for the next "FER1" whose header CRC holds).
/// A record is complete only when all its bytes are present: a reader that sees fewer reports a torn tail
/// ("incomplete"), never a partial record. Records are only ever appended.
/// </summary>
public static class CaptureFile
{
    public const byte Version = 1;
    public const int RecordHeaderSize = 32;
    public const int RecordTrailerSize = 4;
    /// <summary>The largest body (address + payload) a record may hold: 256 MiB (a 6 MB Coinbase snapshot fits easily).</summary>
    public const int MaxBodyLength = 256 << 20;
    /// <summary>Bytes before the writer info in the file header.</summary>
    public const int FileHeaderFixedSize = 18;

    /// <summary>"FECAP".</summary>
    public static ReadOnlySpan<byte> Magic => "FECAP"u8;
    /// <summary>Record sync marker "FER1" read as a little-endian uint32.</summary>
    public const uint RecordSync = 0x31524546;

    internal static int WriteFileHeader(Span<byte> destination, long createdUnixNs, ReadOnlySpan<byte> writerInfo)
    {
        int length = FileHeaderFixedSize + writerInfo.Length + 4;
        Magic.CopyTo(destination);
        destination[5] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], createdUnixNs);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[16..], (ushort)writerInfo.Length);
        writerInfo.CopyTo(destination[FileHeaderFixedSize..]);
        int crcAt = FileHeaderFixedSize + writerInfo.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[crcAt..], Crc32.Compute(destination[..crcAt]));
        return length;
    }

    /// <summary>Fills the 32-byte record header (including its CRC).</summary>
    internal static void WriteRecordHeader(Span<byte> h, long receiveTimeNs, uint connectionId, VenueId venue,
        CaptureRecordKind kind, CaptureRecordFlags flags, int addressLength, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(h, RecordSync);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], addressLength + payloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], receiveTimeNs);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], connectionId);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], venue.Value);
        h[22] = (byte)kind;
        h[23] = (byte)flags;
        BinaryPrimitives.WriteUInt16LittleEndian(h[24..], (ushort)addressLength);
        h[26] = 0;
        h[27] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], Crc32.Compute(h[..28]));
    }

    /// <summary>True when <paramref name="h"/> (32 bytes) is a record header with a valid sync, CRC and lengths.</summary>
    internal static bool IsValidRecordHeader(ReadOnlySpan<byte> h, out int bodyLength, out int addressLength)
    {
        bodyLength = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
        addressLength = BinaryPrimitives.ReadUInt16LittleEndian(h[24..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(h) == RecordSync
            && BinaryPrimitives.ReadUInt32LittleEndian(h[28..]) == Crc32.Compute(h[..28])
            && (uint)bodyLength <= MaxBodyLength
            && addressLength <= bodyLength
            && h[22] is >= (byte)CaptureRecordKind.ConnectionOpened and <= (byte)CaptureRecordKind.ConnectionClosed;
    }

    /// <summary>Default writer info: program and runtime, as found in new file headers.</summary>
    internal static byte[] DefaultWriterInfo() =>
        Encoding.UTF8.GetBytes($"FastEngine {typeof(CaptureFile).Assembly.GetName().Version} {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} {Environment.MachineName}");
}

/// <summary>The decoded file header of a capture file.</summary>
public sealed record CaptureFileHeader(byte Version, long CreatedUnixNs, string WriterInfo, int Length);
