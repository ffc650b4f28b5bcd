using System.Buffers.Binary;
using System.Text;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Capture;

public class CaptureReaderTests
{
    private sealed record Expected(long Time, uint Connection, ushort Venue, CaptureRecordKind Kind, byte[] Address, byte[] Payload, CaptureRecordFlags Flags);

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static List<Expected> SampleRecords() =>
    [
        new(1_633_998_511_159_679_000, 1, 1, CaptureRecordKind.ConnectionOpened, Encoding.UTF8.GetBytes("wss://stream.binance.com:9443/stream"), [], CaptureRecordFlags.None),
        new(1_633_998_512_000_000_000, 1, 1, CaptureRecordKind.Sent, Encoding.UTF8.GetBytes("wss://stream.binance.com:9443/stream"), Encoding.UTF8.GetBytes("{\"method\":\"SUBSCRIBE\"}"), CaptureRecordFlags.None),
        new(1_633_998_512_063_356_900, 1, 1, CaptureRecordKind.ReceivedText, [], Encoding.UTF8.GetBytes("{\"stream\":\"x\"}"), CaptureRecordFlags.None),
        new(1_633_998_512_100_000_000, 1, 1, CaptureRecordKind.ReceivedText, [], [], CaptureRecordFlags.None),
        new(1_633_998_512_200_000_000, 2, 11, CaptureRecordKind.ReceivedBinary, [], Bytes(200_000, 1), CaptureRecordFlags.Decompressed),
        new(1_633_998_512_300_000_000, 0, 1, CaptureRecordKind.RestResponse, Encoding.UTF8.GetBytes("https://api.binance.com/api/v3/depth?symbol=X"), Bytes(1_500_000, 2), CaptureRecordFlags.None),
        new(1_633_998_512_400_000_000, 1, 1, CaptureRecordKind.ReceivedText, [], Bytes(65_536, 3), CaptureRecordFlags.None),
        new(long.MaxValue, uint.MaxValue, ushort.MaxValue, CaptureRecordKind.ConnectionClosed, [], Encoding.UTF8.GetBytes("1006 abnormal"), CaptureRecordFlags.SyntheticTime),
        new(0, 3, 4, CaptureRecordKind.ConnectionClosed, [], [], CaptureRecordFlags.None),
    ];

    private static byte[] WriteFile(IEnumerable<Expected> records, CaptureWriterOptions? options = null)
    {
        var stream = new MemoryStream();
        using (var writer = new CaptureWriter(stream, options ?? new CaptureWriterOptions { WriterInfo = "tests" }, leaveOpen: true))
            foreach (var r in records)
                writer.Write(r.Time, r.Connection, new VenueId(r.Venue), r.Kind, r.Address, r.Payload, r.Flags);
        return stream.ToArray();
    }

    private static void AssertRecord(Expected e, CaptureRecord r)
    {
        Assert.Equal(e.Time, r.ReceiveTimeNs);
        Assert.Equal(e.Connection, r.ConnectionId);
        Assert.Equal(e.Venue, r.Venue.Value);
        Assert.Equal(e.Kind, r.Kind);
        Assert.Equal(e.Flags, r.Flags);
        Assert.True(e.Address.AsSpan().SequenceEqual(r.Address.Span));
        Assert.True(e.Payload.AsSpan().SequenceEqual(r.Payload.Span));
    }

    /// <summary>Offsets of each record in a file written by <see cref="WriteFile"/> (computed from the documented sizes).</summary>
    private static List<long> RecordOffsets(IEnumerable<Expected> records, int headerLength)
    {
        var offsets = new List<long>();
        long at = headerLength;
        foreach (var r in records)
        {
            offsets.Add(at);
            at += 32 + r.Address.Length + r.Payload.Length + 4;
        }
        offsets.Add(at);
        return offsets;
    }

    [Fact]
    public void Read_AllKindsBigAndEmptyPayloads_RoundTrip()
    {
        var expected = SampleRecords();
        byte[] file = WriteFile(expected, new CaptureWriterOptions { WriterInfo = "round trip", CreatedUnixNs = 42 });
        using var reader = new CaptureReader(new MemoryStream(file), new CaptureReaderOptions { BufferSize = 4096 });
        var offsets = RecordOffsets(expected, 22 + "round trip".Length);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(CaptureReadStatus.Record, reader.Read());
            AssertRecord(expected[i], reader.Current);
            Assert.Equal(offsets[i], reader.Current.SourcePosition);
        }
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Read());
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Read());
        Assert.Equal(new CaptureFileHeader(1, 42, "round trip", 32), reader.Header);
        Assert.Equal(expected.Count, reader.RecordsRead);
        Assert.Equal(0, reader.CrcErrors + reader.HeaderErrors);
        Assert.Equal(file.Length, reader.Position);
    }

    [Fact]
    public void Read_TruncatedAtEveryByteOfLastRecord_ReturnsCompleteRecordsAndReportsTornTail()
    {
        var expected = SampleRecords().Take(3).Append(new Expected(9, 1, 1, CaptureRecordKind.ReceivedText, [], Bytes(50, 9), CaptureRecordFlags.None)).ToList();
        byte[] file = WriteFile(expected);
        long lastStart = RecordOffsets(expected, 27)[3];
        for (long cut = lastStart; cut < file.Length; cut++)
        {
            using var reader = new CaptureReader(new MemoryStream(file, 0, (int)cut));
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(CaptureReadStatus.Record, reader.Read());
                AssertRecord(expected[i], reader.Current);
            }
            var status = reader.Read();
            Assert.Equal(cut == lastStart ? CaptureReadStatus.EndOfData : CaptureReadStatus.Incomplete, status);
            Assert.Equal(lastStart, reader.Position);
            Assert.Equal(0, reader.CrcErrors + reader.HeaderErrors);
            Assert.Null(reader.FailureMessage);
        }
    }

    [Fact]
    public void Read_TruncatedInsideFileHeader_IsIncompleteWithoutRecords()
    {
        byte[] file = WriteFile([]);
        for (int cut = 0; cut < file.Length; cut++)
        {
            using var reader = new CaptureReader(new MemoryStream(file, 0, cut));
            Assert.Equal(CaptureReadStatus.Incomplete, reader.Read());
            Assert.Null(reader.Header);
        }
        using var whole = new CaptureReader(new MemoryStream(file));
        Assert.Equal(CaptureReadStatus.EndOfData, whole.Read());
        Assert.NotNull(whole.Header);
    }

    [Fact]
    public void Read_PayloadByteFlipped_RecordSkippedCountedWithOffset()
    {
        var expected = SampleRecords();
        byte[] file = WriteFile(expected);
        var offsets = RecordOffsets(expected, 27);
        file[offsets[2] + 32 + 3] ^= 0x20; // a payload byte of record 2

        using var reader = new CaptureReader(new MemoryStream(file));
        var read = new List<long>();
        while (reader.MoveNext()) read.Add(reader.Current.ReceiveTimeNs);
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Status);
        Assert.Equal(expected.Where((_, i) => i != 2).Select(e => e.Time), read);
        Assert.Equal(1, reader.CrcErrors);
        Assert.Equal(0, reader.HeaderErrors);
        var error = Assert.Single(reader.Errors);
        Assert.Equal(new CaptureReadError(offsets[2], CaptureReadErrorKind.RecordCrcMismatch, offsets[3] - offsets[2]), error);
    }

    [Fact]
    public void Read_RecordHeaderDamaged_ResynchronizesAtNextRecord()
    {
        var expected = SampleRecords();
        byte[] file = WriteFile(expected);
        var offsets = RecordOffsets(expected, 27);
        file[offsets[4] + 5] ^= 0x01; // the body length of record 4: only the header CRC can tell

        using var reader = new CaptureReader(new MemoryStream(file), new CaptureReaderOptions { BufferSize = 4096 });
        var kinds = new List<long>();
        while (reader.MoveNext()) kinds.Add(reader.Current.ReceiveTimeNs);
        Assert.Equal(expected.Where((_, i) => i != 4).Select(e => e.Time), kinds);
        Assert.Equal(1, reader.HeaderErrors);
        Assert.Equal(offsets[5] - offsets[4], reader.SkippedBytes);
        Assert.Equal(new CaptureReadError(offsets[4], CaptureReadErrorKind.CorruptRecordHeader, offsets[5] - offsets[4]), Assert.Single(reader.Errors));
    }

    [Fact]
    public void Read_GarbageBetweenRecords_SkipsItAndCountsOnce()
    {
        var expected = SampleRecords().Take(4).ToList();
        byte[] file = WriteFile(expected);
        var offsets = RecordOffsets(expected, 27);
        // Insert 100 bytes of garbage containing a false sync marker before record 2.
        var garbage = Enumerable.Repeat((byte)0xAA, 100).ToArray();
        "FER1"u8.CopyTo(garbage.AsSpan(40));
        byte[] damaged = [.. file.AsSpan(0, (int)offsets[2]), .. garbage, .. file.AsSpan((int)offsets[2])];

        using var reader = new CaptureReader(new MemoryStream(damaged));
        int count = 0;
        while (reader.MoveNext()) AssertRecord(expected[count++], reader.Current);
        Assert.Equal(4, count);
        Assert.Equal(1, reader.HeaderErrors);
        Assert.Equal(100, reader.SkippedBytes);
    }

    [Fact]
    public void Read_StopOnCorruption_FailsWithOffset()
    {
        var expected = SampleRecords();
        byte[] file = WriteFile(expected);
        var offsets = RecordOffsets(expected, 27);
        file[offsets[1] + 40] ^= 0xFF;
        using var reader = new CaptureReader(new MemoryStream(file), new CaptureReaderOptions { StopOnCorruption = true });
        Assert.True(reader.MoveNext());
        Assert.Equal(CaptureReadStatus.Failed, reader.Read());
        Assert.Contains($"offset {offsets[1]}", reader.FailureMessage);
        Assert.Equal(CaptureReadStatus.Failed, reader.Read());
    }

    [Fact]
    public void Read_NotACaptureFile_FailsWithClearMessage()
    {
        using var reader = new CaptureReader(new MemoryStream("1633998512.0633569: {\"stream\":1}\n"u8.ToArray()));
        Assert.Equal(CaptureReadStatus.Failed, reader.Read());
        Assert.Contains("FECAP", reader.FailureMessage);
        Assert.Equal(CaptureReadErrorKind.BadFileHeader, Assert.Single(reader.Errors).Kind);
    }

    [Fact]
    public void Read_UnsupportedVersion_Fails()
    {
        byte[] file = WriteFile([]);
        file[5] = 2;
        using var reader = new CaptureReader(new MemoryStream(file));
        Assert.Equal(CaptureReadStatus.Failed, reader.Read());
        Assert.Contains("version 2", reader.FailureMessage);
    }

    [Fact]
    public void Read_WhileWriterAppends_FollowsEveryRecordInOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("live.fecap");
        const int Count = 3000;
        using var writer = CaptureWriter.Create(path, new CaptureWriterOptions { FlushEveryRecords = 1, BufferSize = 4096 });
        Exception? writerError = null;
        var writing = new Thread(() =>
        {
            var payload = new byte[64];
            try
            {
                for (int i = 0; i < Count; i++)
                {
                    // Variable sizes so records straddle the OS's write boundaries as the reader sees them.
                    int length = 8 + i % 57;
                    BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                    writer.Write(i, 1, new VenueId(1), CaptureRecordKind.ReceivedText, [], payload.AsSpan(0, length));
                }
                writer.Flush();
            }
            catch (Exception e)
            {
                writerError = e;
            }
        });
        writing.Start();

        using var reader = CaptureReader.Open(path, new CaptureReaderOptions { BufferSize = 4096 });
        int next = 0, waits = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (next < Count && DateTime.UtcNow < deadline)
        {
            var status = reader.Read();
            if (status == CaptureReadStatus.Record)
            {
                Assert.Equal(next, reader.Current.ReceiveTimeNs);
                Assert.Equal(8 + next % 57, reader.Current.Payload.Length);
                Assert.Equal(next, BinaryPrimitives.ReadInt32LittleEndian(reader.Current.Payload.Span));
                next++;
                continue;
            }
            Assert.True(status is CaptureReadStatus.EndOfData or CaptureReadStatus.Incomplete, $"status {status}: {reader.FailureMessage}");
            waits++;
            Thread.Yield();
        }
        writing.Join();
        Assert.Null(writerError);
        Assert.Equal(Count, next);
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Read());
        Assert.Equal(0, reader.CrcErrors + reader.HeaderErrors);
    }

    [Fact]
    public void Read_TenThousandRecordsFromFile_AllocatesNothingPerRecordAfterWarmUp()
    {
        using var dir = new TempDirectory();
        string path = dir.File("alloc.fecap");
        using (var writer = CaptureWriter.Create(path))
        {
            var payload = new byte[2048];
            for (int i = 0; i < 10_000; i++)
                writer.Write(i, (uint)(i % 3), new VenueId(1), CaptureRecordKind.ReceivedText, i % 10 == 0 ? "wss://x"u8 : [], payload.AsSpan(0, 100 + i % 1900));
        }

        using var reader = CaptureReader.Open(path);
        long sum = 0;
        for (int i = 0; i < 200; i++)
        {
            Assert.True(reader.MoveNext());
            sum += reader.Current.Payload.Span.Length;
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 200;
        while (reader.MoveNext())
        {
            var record = reader.Current;
            sum += record.Payload.Span.Length + record.Address.Span.Length + record.ConnectionId;
            count++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_000, count);
        Assert.True(sum > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Read_OneBytePerStreamRead_SameRecords()
    {
        var expected = SampleRecords().Where(r => r.Payload.Length < 100_000).ToList();
        byte[] file = WriteFile(expected);
        using var reader = new CaptureReader(new TrickleStream(file), new CaptureReaderOptions { BufferSize = 4096 });
        foreach (var e in expected)
        {
            Assert.Equal(CaptureReadStatus.Record, reader.Read());
            AssertRecord(e, reader.Current);
        }
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Read());
    }

    [Fact]
    public void Read_RandomDamage_NeverThrowsAndReturnsOnlyWrittenRecordsInOrder()
    {
        // Small records with distinct payloads so every returned record can be traced to the one written.
        var written = Enumerable.Range(0, 60)
            .Select(i => new Expected(i, (uint)i % 3, 1, (CaptureRecordKind)(1 + i % 6), i % 4 == 0 ? "wss://x"u8.ToArray() : [], Bytes(i * 7 % 90, i), CaptureRecordFlags.None))
            .ToList();
        byte[] clean = WriteFile(written);
        var random = new Random(12345);
        for (int round = 0; round < 300; round++)
        {
            byte[] file = (byte[])clean.Clone();
            int damages = 1 + random.Next(4);
            for (int d = 0; d < damages; d++)
            {
                int at = 27 + random.Next(file.Length - 27); // keep the file header intact
                switch (random.Next(3))
                {
                    case 0: file[at] ^= (byte)(1 + random.Next(255)); break;
                    case 1: Array.Clear(file, at, Math.Min(16, file.Length - at)); break;
                    default: file = file[..at]; break; // truncate
                }
            }

            using var reader = new CaptureReader(new MemoryStream(file), new CaptureReaderOptions { BufferSize = 4096 });
            long previous = -1;
            while (reader.MoveNext())
            {
                var r = reader.Current;
                Assert.InRange(r.ReceiveTimeNs, previous + 1, written.Count - 1);
                AssertRecord(written[(int)r.ReceiveTimeNs], r);
                previous = r.ReceiveTimeNs;
            }
            Assert.NotEqual(CaptureReadStatus.Failed, reader.Status);
        }
    }
}
