using System.Text;
using System.Text.Json;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using Xunit.Abstractions;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture.Import;

public class EnvelopeJsonImporterTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_SyntheticLines_UnescapesDataAndKeepsConnIds()
    {
        string text = string.Join('\n',
            "{\"t\":\"header\",\"format\":2,\"exchange\":\"X\",\"config\":{\"l2_book\":[\"A\"]},\"recorded\":1.5}",
            "{\"conn\":\"X.ws.7\",\"ts\":10.25,\"t\":\"connect\",\"addr\":\"wss://ws.kraken.com/v2\"}",
            "{\"t\":\"send\",\"conn\":\"X.ws.7\",\"ts\":10.5,\"addr\":\"wss://ws.kraken.com/v2\",\"data\":\"{\\\"op\\\":\\\"sub\\\"}\"}",
            "{\"t\":\"recv\",\"conn\":\"X.ws.7\",\"ts\":11,\"data\":\"{\\\"p\\\":\\\"a\\\\u00e9\\\\n\\\",\\\"q\\\":\\\"\\u20ac\\\"}\"}",
            "{\"t\":\"recv\",\"conn\":\"Y\",\"ts\":12.000000001,\"data\":\"\"}",
            "{\"t\":\"close\",\"conn\":\"X.ws.7\",\"ts\":13,\"reason\":\"1000 bye\"}") + "\n";
        using var importer = new EnvelopeJsonImporter(Utf8(text), "mem.envelope.jsonl", Resolver());
        var records = ReadAll(importer);

        Assert.Equal(5, records.Count);
        Assert.Equal(1, importer.Stats.MetadataLines);
        Assert.Equal((CaptureRecordKind.ConnectionOpened, 7u, KrakenLike, "wss://ws.kraken.com/v2", 10_250_000_000L),
            (records[0].Kind, records[0].Connection, records[0].Venue, records[0].Address, records[0].Time));
        Assert.Equal("{\"op\":\"sub\"}", records[1].Text);
        Assert.Equal("wss://ws.kraken.com/v2", records[1].Address);
        Assert.Equal("{\"p\":\"a\\u00e9\\n\",\"q\":\"€\"}", records[2].Text);
        Assert.Equal(KrakenLike, records[2].Venue);
        // An unnumbered conn gets the next free id and the file's default venue.
        Assert.Equal((8u, FileVenue, 12_000_000_001L, 0), (records[3].Connection, records[3].Venue, records[3].Time, records[3].Payload.Length));
        Assert.Equal((CaptureRecordKind.ConnectionClosed, "1000 bye"), (records[4].Kind, records[4].Text));
    }

    [Fact]
    public void Import_MalformedEnvelopes_CountedByReason()
    {
        string text = string.Join('\n',
            "not json",
            "[1,2]",
            "{\"t\":\"recv\",\"conn\":\"a\",\"ts\":1,\"data\":\"x\"",
            "{\"t\":\"bogus\",\"conn\":\"a\",\"ts\":1}",
            "{\"t\":\"recv\",\"conn\":\"a\",\"ts\":\"1\",\"data\":\"x\"}",
            "{\"t\":\"recv\",\"conn\":\"a\",\"ts\":1e9,\"data\":\"x\"}",
            "{\"t\":\"recv\",\"conn\":\"a\",\"ts\":1}",
            "{\"t\":\"recv\",\"ts\":1,\"data\":\"x\"}",
            "{\"t\":\"recv\",\"conn\":\"a\",\"ts\":1,\"data\":\"ok\"}") + "\n";
        using var importer = new EnvelopeJsonImporter(Utf8(text), "bad.envelope.jsonl", Resolver());
        var records = ReadAll(importer);
        Assert.Equal("ok", Assert.Single(records).Text);
        Assert.Equal(6, importer.Stats.Rejected(CaptureImportRejectReason.BadJsonEnvelope));
        Assert.Equal(2, importer.Stats.Rejected(CaptureImportRejectReason.BadTimestamp));
    }

    /// <summary>Every record's payload equals System.Text.Json's own decoding of the line's <c>data</c> string.</summary>
    private static void AssertPayloadsMatchJsonDocument(string path, List<Copy> records)
    {
        var byLine = records.ToDictionary(r => r.Position);
        long lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            using var doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("data", out var data)) continue;
            Assert.Equal(Encoding.UTF8.GetBytes(data.GetString()!), byLine[lineNumber].Payload);
        }
    }

    [Fact]
    public void Import_SharedBybitFile_3227FramesOnTwoConnections()
    {
        if (SharedCaptures(output, "bybit/v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl") is not { } path) return;
        var calls = new List<string>();
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver(calls));
        var records = ReadAll(importer);
        Assert.Equal(3227, importer.Stats.Records(CaptureRecordKind.ReceivedText)); // README: 3,227 frames
        Assert.Equal(24, importer.Stats.Records(CaptureRecordKind.Sent));
        var connects = records.Where(r => r.Kind == CaptureRecordKind.ConnectionOpened).ToList();
        Assert.Equal(["wss://stream.bybit.com/v5/public/linear", "wss://stream.bybit.com/v5/public/spot"], connects.Select(c => c.Address));
        Assert.Equal([2u, 3u], connects.Select(c => c.Connection)); // "BYBIT.ws.2", "BYBIT.ws.3"
        Assert.Equal(["wss://stream.bybit.com/v5/public/linear", "wss://stream.bybit.com/v5/public/spot"], calls);
        Assert.Equal(0, importer.Stats.TotalRejected);
        AssertPayloadsMatchJsonDocument(path, records);
    }

    [Fact]
    public void Import_SharedGeminiFile_563FramesMatchJsonDocument()
    {
        if (SharedCaptures(output, "gemini/v2_l2_10sym_2026-08-09.envelope.jsonl") is not { } path) return;
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver());
        var records = ReadAll(importer);
        Assert.Equal(563, importer.Stats.Records(CaptureRecordKind.ReceivedText));
        Assert.Equal(1_786_313_192_022_500_000, records[0].Time); // "ts":1786313192.0225
        AssertPayloadsMatchJsonDocument(path, records);
    }

    [Fact]
    public void Import_SharedCoinbaseFile_631FramesSequenceNumContiguous()
    {
        if (SharedCaptures(output, "coinbase/advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl") is not { } path) return;
        using var importer = (CaptureImporter)CaptureFormat.Open(path, CaptureFormatKind.Unknown, Resolver());
        long expected = 0;
        while (importer.MoveNext())
        {
            if (importer.Current.Kind != CaptureRecordKind.ReceivedText) continue;
            // README: sequence_num runs 0…630 without gaps across all channels of the connection.
            var reader = new Utf8JsonReader(importer.Current.Payload.Span);
            long sequence = -1;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isSequence = reader.ValueTextEquals("sequence_num"u8);
                reader.Read();
                if (isSequence) sequence = reader.GetInt64();
                reader.Skip();
            }
            Assert.Equal(expected++, sequence);
        }
        Assert.Equal(631, expected);
        Assert.Equal(0, importer.Stats.TotalRejected);
    }
}
