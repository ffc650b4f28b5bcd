using System.Text.Json;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using Xunit.Abstractions;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture.Import;

public class LegacyTextImporterTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_BinanceHead20_ConnectThenFramesSplitAtFirstColonSpace()
    {
        var calls = new List<string>();
        using var importer = OpenFixture(CaptureFormatKind.Legacy, "binance_spot_4sym_2021-10-12_ws.head20.legacy.txt", Resolver(calls));
        var records = ReadAll(importer);
        string[] lines = File.ReadAllLines(Fixture("binance_spot_4sym_2021-10-12_ws.head20.legacy.txt"));

        Assert.Equal(21, records.Count);
        var connect = records[0];
        Assert.Equal(CaptureRecordKind.ConnectionOpened, connect.Kind);
        Assert.Equal(lines[0][..lines[0].IndexOf(" <-> ", StringComparison.Ordinal)], connect.Address);
        Assert.Equal(1_633_998_511_159_679_000, connect.Time);   // "1633998511.159679"
        Assert.Equal(1u, connect.Connection);
        Assert.Equal(OtherVenue, connect.Venue);
        Assert.Equal(connect.Address, Assert.Single(calls));      // resolved once per connection
        Assert.Equal(1_633_998_512_063_356_900, records[1].Time); // "1633998512.0633569"
        for (int i = 1; i < 21; i++)
        {
            Assert.Equal(CaptureRecordKind.ReceivedText, records[i].Kind);
            Assert.Equal(1u, records[i].Connection);
            Assert.Equal(OtherVenue, records[i].Venue);
            Assert.Equal(lines[i][(lines[i].IndexOf(": ", StringComparison.Ordinal) + 2)..], records[i].Text);
            Assert.Equal(i + 1, records[i].Position);
        }
        Assert.Equal(0, importer.Stats.TotalRejected);
        Assert.Equal(20, importer.Stats.Records(CaptureRecordKind.ReceivedText));
    }

    [Fact]
    public void Import_KrakenHead30_SentLineCarriesUrlAndConnection()
    {
        using var importer = OpenFixture(CaptureFormatKind.Legacy, "kraken_spot_v1_book1000_2021-04-17.head30.legacy.txt");
        var records = ReadAll(importer);
        Assert.Equal(32, records.Count);
        var sent = records[1];
        Assert.Equal(CaptureRecordKind.Sent, sent.Kind);
        Assert.Equal("wss://ws.kraken.com", sent.Address);
        Assert.Equal(1u, sent.Connection);
        Assert.Equal(KrakenLike, sent.Venue);
        Assert.StartsWith("{\"event\":\"subscribe\",\"pair\":[\"WAVES/EUR\"", sent.Text);
        Assert.Equal(30, records.Count(r => r.Kind == CaptureRecordKind.ReceivedText && r.Venue == KrakenLike));
    }

    [Fact]
    public void Import_RestFile_RestResponseOnConnectionZeroWithRequestUrl()
    {
        using var importer = OpenFixture(CaptureFormatKind.Legacy, "binance_spot_2021-10-12_rest-depth.first.legacy.txt");
        var rest = Assert.Single(ReadAll(importer));
        Assert.Equal(CaptureRecordKind.RestResponse, rest.Kind);
        Assert.Equal("https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000", rest.Address);
        Assert.Equal(0u, rest.Connection);
        Assert.Equal(OtherVenue, rest.Venue);
        Assert.Equal(1_633_998_512_320_639_000, rest.Time);
        Assert.StartsWith("{\"lastUpdateId\":499869752,\"bids\":[[\"0.35210000\"", rest.Text);
        Assert.EndsWith("]]}", rest.Text);
    }

    [Fact]
    public void Import_HtxHead40_BytesLiteralsGunzipToPythonReference()
    {
        using var importer = OpenFixture(CaptureFormatKind.Legacy, "htx_spot_depth-step0_2021-04-17.head40.gzip-pybytes.legacy.txt");
        var records = ReadAll(importer);
        // Reference decoded independently with Python (ast.literal_eval + gzip.decompress), see SOURCES.md.
        string[] reference = File.ReadAllLines(Fixture("htx_spot_depth-step0_2021-04-17.head40.decoded.jsonl"));
        var received = records.Where(r => r.Kind == CaptureRecordKind.ReceivedBinary).ToList();
        Assert.Equal(19, received.Count);
        Assert.Equal(20, records.Count(r => r.Kind == CaptureRecordKind.Sent));
        for (int i = 0; i < received.Count; i++)
        {
            Assert.Equal(CaptureRecordFlags.Decompressed, received[i].Flags);
            Assert.Equal(HtxLike, received[i].Venue);
            Assert.Equal(reference[i], received[i].Text);
        }
        Assert.Equal(0, importer.Stats.TotalRejected);
    }

    [Fact]
    public void Import_BitfinexConfigurationLine_IsMetadataNotAFrame()
    {
        using var importer = OpenFixture(CaptureFormatKind.Legacy, "bitfinex_v2_2021-04-05.head6.legacy.txt");
        var records = ReadAll(importer);
        Assert.Equal(5, records.Count);
        Assert.Equal(CaptureRecordKind.ConnectionOpened, records[0].Kind);
        Assert.Equal("wss://api.bitfinex.com/ws/2", records[0].Address);
        Assert.Equal(1, importer.Stats.MetadataLines);
        Assert.Equal(0, importer.Stats.TotalRejected);
    }

    [Fact]
    public void Import_MalformedLines_CountedByReasonAndSkipped()
    {
        string text = string.Join('\n',
            "wss://a.example/ws <-> 100.5",
            "100.6: {\"a\": 1, \"b\": \"x: y\"}",
            "1x0.7: {\"bad\":\"time\"}",
            "100.8: b'\\x1f\\x8b\\x08garbage'",
            "100.9: b'\\q'",
            "101.0: b'unterminated",
            "",
            "no-colon-line",
            "wss://a.example/ws <-> not-a-time",
            "wss://a.example/ws ~~ 101.1: {}",
            "101.2: {\"ok\":true}") + "\n";
        using var importer = new LegacyTextImporter(Utf8(text), "mem.legacy.txt", Resolver());
        var records = ReadAll(importer);

        Assert.Equal(["{\"a\": 1, \"b\": \"x: y\"}", "{\"ok\":true}"], records.Where(r => r.Kind == CaptureRecordKind.ReceivedText).Select(r => r.Text));
        Assert.Equal(100_600_000_000, records[1].Time);
        var s = importer.Stats;
        Assert.Equal(2, s.Rejected(CaptureImportRejectReason.BadTimestamp));
        Assert.Equal(1, s.Rejected(CaptureImportRejectReason.BadGzip));
        Assert.Equal(2, s.Rejected(CaptureImportRejectReason.BadBytesLiteral));
        Assert.Equal(1, s.Rejected(CaptureImportRejectReason.EmptyLine));
        Assert.Equal(2, s.Rejected(CaptureImportRejectReason.UnrecognizedLine));
        Assert.Equal(8, s.TotalRejected);
        Assert.Equal(11, s.Lines);
        Assert.Equal((3L, CaptureImportRejectReason.BadTimestamp), s.RejectedSamples[0]);
    }

    [Fact]
    public void Import_ReceivedBeforeConnectAndSecondConnection_AttributedToLatestConnection()
    {
        string text = "5.0: {\"orphan\":1}\nwss://a/1 <-> 6\n7: {\"c\":1}\nwss://ws.kraken.com <-> 8\n9: {\"c\":2}\n";
        using var importer = new LegacyTextImporter(Utf8(text), "dir/file.legacy.txt", Resolver());
        var records = ReadAll(importer);
        Assert.Equal([0u, 1u, 1u, 2u, 2u], records.Select(r => r.Connection));
        Assert.Equal([FileVenue, OtherVenue, OtherVenue, KrakenLike, KrakenLike], records.Select(r => r.Venue));
        Assert.Equal(9_000_000_000, records[4].Time);
    }

    [Fact]
    public void Import_WholeKrakenBookFile_2276ReceivedFrames()
    {
        if (SharedCaptures(output, "kraken/spot_v1_book1000_5pairs_2021-04-17.legacy.txt") is not { } path) return;
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver());
        var records = ReadAll(importer);
        Assert.Equal(2276, importer.Stats.Records(CaptureRecordKind.ReceivedText)); // README: 2,276 frames
        Assert.Equal(2234, records.Count(r => r.Text.Contains("\"c\":\"", StringComparison.Ordinal)));  // README: 2,234 updates with checksum
        Assert.Equal(31, records.Count(r => r.Text.Contains("\"heartbeat\"", StringComparison.Ordinal)));
        Assert.Equal(0, importer.Stats.TotalRejected);
    }

    [Fact]
    public void Import_WholeHtxSpotFile_362FramesAllDecodeToJson()
    {
        if (SharedCaptures(output, "htx/spot_depth-step0_trade_2021-04-17.gzip-pybytes.legacy.txt") is not { } path) return;
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver());
        var frames = ReadAll(importer).Where(r => r.Kind == CaptureRecordKind.ReceivedBinary).ToList();
        Assert.Equal(362, frames.Count);
        foreach (var f in frames)
        {
            Assert.Equal(CaptureRecordFlags.Decompressed, f.Flags);
            using var _ = JsonDocument.Parse(f.Payload); // throws (fails the test) on invalid JSON
        }
        // README: 292 depth.step0, 44 trade.detail, 20 sub acks, 6 ping.
        Assert.Equal(292, frames.Count(f => f.Text.StartsWith("{\"ch\":\"market.", StringComparison.Ordinal) && f.Text.Contains(".depth.step0\"", StringComparison.Ordinal)));
        Assert.Equal(44, frames.Count(f => f.Text.StartsWith("{\"ch\":\"market.", StringComparison.Ordinal) && f.Text.Contains(".trade.detail\"", StringComparison.Ordinal)));
        Assert.Equal(20, frames.Count(f => f.Text.Contains("\"subbed\"", StringComparison.Ordinal)));
        Assert.Equal(6, frames.Count(f => f.Text.StartsWith("{\"ping\":", StringComparison.Ordinal)));
        Assert.Equal(0, importer.Stats.TotalRejected);
    }

    [Fact]
    public void Import_OneBytePerStreamRead_SameRecordsAsWholeFile()
    {
        string name = "htx_spot_depth-step0_2021-04-17.head40.gzip-pybytes.legacy.txt";
        using var whole = OpenFixture(CaptureFormatKind.Legacy, name);
        var expected = ReadAll(whole);
        using var trickled = new LegacyTextImporter(new FastEngine.Tests.Engine.Capture.TrickleStream(File.ReadAllBytes(Fixture(name)), 7), name, Resolver());
        var actual = ReadAll(trickled);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i] with { Payload = [] }, actual[i] with { Payload = [] });
            Assert.Equal(expected[i].Payload, actual[i].Payload);
        }
    }

    [Fact]
    public void Import_LineLongerThanLimit_RejectedAndNextLineKept()
    {
        string text = "1.0: " + new string('x', 10_000) + "\n2.0: {\"ok\":1}\n";
        using var importer = new LegacyTextImporter(new FastEngine.Tests.Engine.Capture.TrickleStream(System.Text.Encoding.UTF8.GetBytes(text), 4096), "x.legacy.txt",
            Resolver(), new CaptureImportOptions { MaxLineBytes = 1000 });
        var records = ReadAll(importer);
        Assert.Equal("{\"ok\":1}", Assert.Single(records).Text);
        Assert.Equal(1, importer.Stats.Rejected(CaptureImportRejectReason.LineTooLong));
        Assert.Equal((1L, CaptureImportRejectReason.LineTooLong), importer.Stats.RejectedSamples[0]);
    }
}
