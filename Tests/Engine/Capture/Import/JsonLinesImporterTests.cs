using FastEngine.Capture;
using FastEngine.Capture.Import;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture.Import;

public class JsonLinesImporterTests
{
    [Fact]
    public void Import_KrakenHead10_LineNumberIsSyntheticTime()
    {
        using var importer = OpenFixture(CaptureFormatKind.JsonLines, "kraken_spot_v1_book1000_2021-04-17.head10.jsonl");
        var records = ReadAll(importer);
        string[] lines = File.ReadAllLines(Fixture("kraken_spot_v1_book1000_2021-04-17.head10.jsonl"));
        Assert.Equal(11, records.Count);
        Assert.Equal(CaptureRecordKind.ConnectionOpened, records[0].Kind);
        Assert.Equal(0, records[0].Time);
        for (int i = 1; i <= 10; i++)
        {
            Assert.Equal(CaptureRecordKind.ReceivedText, records[i].Kind);
            Assert.Equal(i, records[i].Time);
            Assert.Equal(CaptureRecordFlags.SyntheticTime, records[i].Flags);
            Assert.Equal(lines[i - 1], records[i].Text);
            Assert.Equal(FileVenue, records[i].Venue);
        }
    }

    [Fact]
    public void Import_InvalidJsonLines_RejectedAsBadJson()
    {
        string text = "{\"a\":1}\n{\"a\":\n[1,2]\nnot json\n{\"a\":1} trailing\n";
        using var importer = new JsonLinesImporter(Utf8(text), "x.jsonl", Resolver());
        var records = ReadAll(importer);
        Assert.Equal([1L, 3L], records.Skip(1).Select(r => r.Time));
        Assert.Equal(3, importer.Stats.Rejected(CaptureImportRejectReason.BadJson));
    }
}
