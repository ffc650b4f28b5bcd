using FastEngine.Capture;
using FastEngine.Cli.Live;
using FastEngine.Model;
using FastEngine.Tests.Engine.Capture;

namespace FastEngine.Tests.Tools;

public class RotatingCaptureWriterTests
{
    private static readonly VenueId Venue = new(1);

    [Fact]
    public void NumberedPath_Pattern_FourDigitsBeforeExtension()
    {
        Assert.Equal(Path.Combine("d", "out.0001.fecap"), RotatingCaptureWriter.NumberedPath(Path.Combine("d", "out.fecap"), 1));
        Assert.Equal(Path.Combine("d", "out.0042.fecap"), RotatingCaptureWriter.NumberedPath(Path.Combine("d", "out.fecap"), 42));
        Assert.Equal(Path.Combine("d", "out.12345.fecap"), RotatingCaptureWriter.NumberedPath(Path.Combine("d", "out.fecap"), 12345));
        Assert.Equal(Path.Combine("d", "raw.0003.fecap"), RotatingCaptureWriter.NumberedPath(Path.Combine("d", "raw"), 3));
    }

    /// <summary>1,000 records of 100-byte payloads (140 bytes each on disk: 32 header + 100 + 4 trailer + 4 address)
    /// with a 2,000-byte limit: files hold whole records only, each file reads back on its own with no error, the
    /// set holds every record once in order.</summary>
    [Fact]
    public void Write_SizeLimit_WholeRecordsPerFileEveryRecordOnceInOrder()
    {
        using var dir = new TempDirectory();
        var writer = new RotatingCaptureWriter(dir.File("set.fecap"), new CaptureRotation { MaxBytes = 2_000 }, "test");
        var payload = new byte[100];
        for (int i = 0; i < 1000; i++)
        {
            BitConverter.TryWriteBytes(payload, i);
            writer.Write(1_000 + i, 1, Venue, CaptureRecordKind.ReceivedText, "addr"u8, payload);
        }
        var files = writer.Files.ToArray();
        writer.Dispose();
        int next = 0;
        foreach (var file in files)
        {
            Assert.True(new FileInfo(file).Length <= 2_000, file);
            using var reader = CaptureReader.Open(file);
            int inFile = 0;
            while (reader.MoveNext())
            {
                Assert.Equal(next, BitConverter.ToInt32(reader.Current.Payload.Span));
                Assert.Equal(1_000 + next, reader.Current.ReceiveTimeNs);
                next++;
                inFile++;
            }
            Assert.Equal(0, reader.CrcErrors + reader.HeaderErrors);
            Assert.NotEqual(CaptureReadStatus.Incomplete, reader.Status);
            Assert.True(inFile >= 1);
        }
        Assert.Equal(1000, next);
        // Header (22 + writer info) + n × 140 ≤ 2,000 → at most 13 records per file → at least 77 files.
        Assert.True(files.Length >= 77, $"{files.Length} files");
    }

    /// <summary>A record older than the previous file's newest is written with that newest time, so a merge of the
    /// files by time (ties to the earlier file) keeps the written order; inside one file times are kept as received.</summary>
    [Fact]
    public void Write_OlderRecordAfterRotation_RaisedToPreviousFilesNewest()
    {
        using var dir = new TempDirectory();
        var writer = new RotatingCaptureWriter(dir.File("t.fecap"), new CaptureRotation { MaxBytes = 200 }, "test");
        var payload = new byte[100];
        writer.Write(500, 1, Venue, CaptureRecordKind.ReceivedText, default, payload);
        writer.Write(400, 1, Venue, CaptureRecordKind.ReceivedText, default, payload); // rotates: older than 500
        writer.Write(450, 1, Venue, CaptureRecordKind.ReceivedText, default, payload); // rotates again
        writer.Write(900, 1, Venue, CaptureRecordKind.ReceivedText, default, payload);
        var files = writer.Files.ToArray();
        Assert.Equal(2, writer.TimesRaised);
        writer.Dispose();
        var times = files.SelectMany(f =>
        {
            using var r = CaptureReader.Open(f);
            var list = new List<long>();
            while (r.MoveNext()) list.Add(r.Current.ReceiveTimeNs);
            return list;
        }).ToArray();
        Assert.Equal([500L, 500L, 500L, 900L], times);
    }

    [Fact]
    public void Write_NoRotation_OneFileAtExactPath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("single.fecap");
        using (var writer = new RotatingCaptureWriter(path, null, "test"))
            for (int i = 0; i < 100; i++) writer.Write(i, 1, Venue, CaptureRecordKind.ReceivedText, default, new byte[1000]);
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }
}
