using System.Buffers.Binary;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Capture;

public class CaptureWriterTests
{
    [Fact]
    public void Write_KnownRecord_MatchesDocumentedLayout()
    {
        var stream = new MemoryStream();
        using (var writer = new CaptureWriter(stream, new CaptureWriterOptions { CreatedUnixNs = 123, WriterInfo = "ab" }, leaveOpen: true))
            writer.Write(0x0102030405060708, 7, new VenueId(5), CaptureRecordKind.ReceivedText, "u"u8, "xyz"u8, CaptureRecordFlags.Decompressed);
        byte[] file = stream.ToArray();

        // File header, byte by byte as drawn in CaptureFile's documentation.
        var header = new List<byte>();
        header.AddRange("FECAP"u8.ToArray());
        header.Add(1);                                   // version
        header.AddRange([24, 0]);                        // H = 18 + W(2) + 4
        header.AddRange([123, 0, 0, 0, 0, 0, 0, 0]);     // created
        header.AddRange([2, 0]);                         // W
        header.AddRange("ab"u8.ToArray());
        AppendCrc(header);

        var record = new List<byte>();
        record.AddRange("FER1"u8.ToArray());
        record.AddRange([4, 0, 0, 0]);                   // body = A + P = 1 + 3
        record.AddRange([8, 7, 6, 5, 4, 3, 2, 1]);       // receive ns, little-endian
        record.AddRange([7, 0, 0, 0]);                   // connection
        record.AddRange([5, 0]);                         // venue
        record.Add(2);                                   // kind ReceivedText
        record.Add(1);                                   // flags Decompressed
        record.AddRange([1, 0]);                         // address length
        record.AddRange([0, 0]);                         // reserved
        AppendCrc(record);                               // header CRC over [0, 28)
        record.AddRange("uxyz"u8.ToArray());
        AppendCrc(record);                               // record CRC over everything before it

        Assert.Equal([.. header, .. record], file);
    }

    private static void AppendCrc(List<byte> bytes)
    {
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(bytes.ToArray()));
        bytes.AddRange(crc);
    }

    [Fact]
    public void Write_FlushEveryThreeRecords_StreamSeesRecordsOnlyAfterThird()
    {
        var stream = new MemoryStream();
        using var writer = new CaptureWriter(stream, new CaptureWriterOptions { FlushEveryRecords = 3, WriterInfo = "" }, leaveOpen: true);
        long headerOnly = stream.Length;
        Assert.Equal(22, headerOnly); // the header is flushed at once
        writer.Write(1, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], "a"u8);
        writer.Write(2, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], "b"u8);
        Assert.Equal(headerOnly, stream.Length);
        writer.Write(3, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], "c"u8);
        Assert.Equal(headerOnly + 3 * 37, stream.Length);
        writer.Write(4, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], "d"u8);
        writer.Flush();
        Assert.Equal(headerOnly + 4 * 37, stream.Length);
        Assert.Equal(4, writer.RecordCount);
    }

    [Fact]
    public void Write_UnknownKind_ThrowsWithAllowedRange()
    {
        using var writer = new CaptureWriter(new MemoryStream());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            writer.Write(1, 1, new VenueId(1), (CaptureRecordKind)9, [], "a"u8));
        Assert.Contains("allowed 1..6", e.Message);
    }

    [Fact]
    public void Write_AfterWarmUp_AllocatesNothing()
    {
        using var writer = new CaptureWriter(Stream.Null, new CaptureWriterOptions { FlushEveryRecords = 64 });
        byte[] payload = new byte[300];
        for (int i = 0; i < 1000; i++) writer.Write(i, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], payload);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) writer.Write(i, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], payload);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
