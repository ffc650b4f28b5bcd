using FastEngine.Capture;
using FastEngine.Capture.Import;
using Xunit.Abstractions;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture.Import;

public class TimestampedRawImporterTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_BinanceSpotHead12Ns_SyntheticConnectFramesAndSnapshotAtLine8()
    {
        using var importer = OpenFixture(CaptureFormatKind.TimestampedRaw, "binance_spot_btcusdt_2024-08-08.head12.tsns.txt");
        var records = ReadAll(importer);
        string[] lines = File.ReadAllLines(Fixture("binance_spot_btcusdt_2024-08-08.head12.tsns.txt"));

        Assert.Equal(13, records.Count);
        var connect = records[0];
        Assert.Equal(CaptureRecordKind.ConnectionOpened, connect.Kind);
        Assert.Equal(CaptureRecordFlags.Synthetic, connect.Flags);
        Assert.Equal("file:binance_spot_btcusdt_2024-08-08.head12.tsns.txt", connect.Address);
        Assert.Equal(1_723_161_253_937_085_768, connect.Time);
        for (int line = 1; line <= 12; line++)
        {
            var r = records[line];
            Assert.Equal(line, r.Position);
            Assert.Equal(long.Parse(lines[line - 1][..19]), r.Time);
            Assert.Equal(lines[line - 1][20..], r.Text);
            Assert.Equal(FileVenue, r.Venue);
            if (line == 8)
            {
                Assert.Equal(CaptureRecordKind.RestResponse, r.Kind);
                Assert.Equal("rest:snapshot", r.Address);
                Assert.Equal(0u, r.Connection);
                Assert.StartsWith("{\"lastUpdateId\":50093239218,", r.Text);
            }
            else
            {
                Assert.Equal(CaptureRecordKind.ReceivedText, r.Kind);
                Assert.Equal(1u, r.Connection);
                Assert.StartsWith("{\"stream\":\"btcusdt@", r.Text);
            }
        }
        Assert.Equal(0, importer.Stats.TotalRejected);
    }

    [Fact]
    public void Import_UsdmHead20Us_MicrosecondsAndReserialisedSnapshotAtLine17()
    {
        using var importer = OpenFixture(CaptureFormatKind.TimestampedRaw, "binance_usdm_btcusdt_2023-04-04.head20.tsus.txt");
        var records = ReadAll(importer);
        Assert.Equal(1_680_652_700_423_575_000, records[1].Time); // "1680652700423575" µs
        var rest = Assert.Single(records, r => r.Kind == CaptureRecordKind.RestResponse);
        Assert.Equal(17, rest.Position);
        Assert.StartsWith("{\"lastUpdateId\": 2710246765483, \"E\": ", rest.Text);
        Assert.Equal(19, importer.Stats.Records(CaptureRecordKind.ReceivedText));
    }

    [Fact]
    public void Import_UnitFromDigitCount_WhenNameDoesNotSay()
    {
        string text = "1723161253937085768 {\"stream\":\"a\"}\n1680652700423575 {\"stream\":\"b\"}\n";
        using var importer = new TimestampedRawImporter(Utf8(text), "capture.dat", Resolver());
        var records = ReadAll(importer);
        // The unit is fixed by the first line (19 digits: ns); the second line is then read as ns too.
        Assert.Equal(1_723_161_253_937_085_768, records[1].Time);
        Assert.Equal(1_680_652_700_423_575, records[2].Time);
    }

    [Theory]
    [InlineData("{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}", true)]
    [InlineData("{\"lastUpdateId\": 2710246765483, \"E\": 1, \"bids\": []}", true)]
    [InlineData("{\"stream\":\"x\",\"data\":{\"lastUpdateId\":1}}", false)]
    [InlineData("{\"data\":{\"lastUpdateId\":1},\"stream\":\"x\"}", false)]
    [InlineData("{\"e\":\"depthUpdate\",\"u\":5}", false)]
    [InlineData("not json lastUpdateId", false)]
    public void IsRestSnapshot_TopLevelKeysOnly(string json, bool expected) =>
        Assert.Equal(expected, TimestampedRawImporter.IsRestSnapshot(System.Text.Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Import_BadTimestamps_CountedAndSkipped()
    {
        string text = "abc {}\n17231612539370857680000 {}\n1723161253937085768{}\n 1723161253937085768 {}\n1723161253937085768 {\"stream\":\"ok\"}\n";
        using var importer = new TimestampedRawImporter(Utf8(text), "x.tsns.txt", Resolver());
        var records = ReadAll(importer);
        Assert.Equal(2, records.Count); // synthetic connect + the good line
        Assert.Equal(4, importer.Stats.Rejected(CaptureImportRejectReason.BadTimestamp));
    }

    [Fact]
    public void Import_WholeBinanceSpot2024File_13753LinesSnapshotAtLine8()
    {
        if (SharedCaptures(output, "binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt") is not { } path) return;
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver());
        var records = ReadAll(importer);
        Assert.Equal(13_753, importer.Stats.Lines);
        Assert.Equal(13_752, importer.Stats.Records(CaptureRecordKind.ReceivedText));
        Assert.Equal(8, Assert.Single(records, r => r.Kind == CaptureRecordKind.RestResponse).Position);
        // README: 1,197 depth@100ms, 9,985 bookTicker, 2,570 trade.
        Assert.Equal(1197, records.Count(r => r.Text.StartsWith("{\"stream\":\"btcusdt@depth@100ms\"", StringComparison.Ordinal)));
        Assert.Equal(9985, records.Count(r => r.Text.StartsWith("{\"stream\":\"btcusdt@bookTicker\"", StringComparison.Ordinal)));
        Assert.Equal(2570, records.Count(r => r.Text.StartsWith("{\"stream\":\"btcusdt@trade\"", StringComparison.Ordinal)));
        Assert.Equal(0, importer.Stats.TotalRejected);
    }
}
