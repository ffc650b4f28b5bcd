using System.Text;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture;

public class CaptureFormatTests
{
    [Theory]
    [InlineData("x/spot_4sym_2021-10-12_ws.legacy.txt", CaptureFormatKind.Legacy)]
    [InlineData("v2_l2_10sym_2026-08-09.envelope.jsonl", CaptureFormatKind.Envelope)]
    [InlineData("usdm_btcusdt_2023-04-04_markprice_depth0ms.tsus.txt", CaptureFormatKind.TimestampedRaw)]
    [InlineData("spot_btcusdt_2024-08-08_0-120s.tsns.txt", CaptureFormatKind.TimestampedRaw)]
    [InlineData("run.fecap", CaptureFormatKind.Fecap)]
    public void Detect_ByFileName(string name, CaptureFormatKind expected)
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, Path.GetFileName(name));
        File.WriteAllText(path, "");
        Assert.Equal(expected, CaptureFormat.Detect(path));
    }

    [Theory]
    [InlineData("binance_spot_4sym_2021-10-12_ws.head20.legacy.txt", CaptureFormatKind.Legacy)]
    [InlineData("binance_spot_2021-10-12_rest-depth.first.legacy.txt", CaptureFormatKind.Legacy)]
    [InlineData("bitfinex_v2_2021-04-05.head6.legacy.txt", CaptureFormatKind.Legacy)]
    [InlineData("binance_spot_btcusdt_2024-08-08.head12.tsns.txt", CaptureFormatKind.TimestampedRaw)]
    [InlineData("kraken_spot_v1_book1000_2021-04-17.head10.jsonl", CaptureFormatKind.JsonLines)]
    public void Detect_ByContent_WhenNameSaysNothing(string fixture, CaptureFormatKind expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("capture.dat");
        File.Copy(Fixture(fixture), path);
        Assert.Equal(expected, CaptureFormat.Detect(path));
    }

    [Theory]
    [InlineData("{\"t\":\"header\",\"format\":2}\n", CaptureFormatKind.Envelope)]
    [InlineData("{\"conn\":\"G.ws.2\",\"ts\":1.5,\"t\":\"connect\",\"addr\":\"wss://x\"}\n", CaptureFormatKind.Envelope)]
    [InlineData("1633998512.0633569: {}\n", CaptureFormatKind.Legacy)]
    [InlineData("[1,{\"a\":1}]\n", CaptureFormatKind.JsonLines)]
    [InlineData("FECAP\u0001", CaptureFormatKind.Fecap)]
    [InlineData("hello world\n", CaptureFormatKind.Unknown)]
    [InlineData("", CaptureFormatKind.Unknown)]
    public void DetectContent_FirstLine(string head, CaptureFormatKind expected) =>
        Assert.Equal(expected, CaptureFormat.DetectContent(Encoding.UTF8.GetBytes(head)));

    [Theory]
    [InlineData("auto", CaptureFormatKind.Unknown)]
    [InlineData("legacy", CaptureFormatKind.Legacy)]
    [InlineData("ENVELOPE", CaptureFormatKind.Envelope)]
    [InlineData("tsraw", CaptureFormatKind.TimestampedRaw)]
    [InlineData("jsonl", CaptureFormatKind.JsonLines)]
    [InlineData("fecap", CaptureFormatKind.Fecap)]
    public void TryParse_KnownNames(string name, CaptureFormatKind expected)
    {
        Assert.True(CaptureFormat.TryParse(name, out var kind));
        Assert.Equal(expected, kind);
    }

    [Fact]
    public void TryParse_UnknownName_False() => Assert.False(CaptureFormat.TryParse("csv", out _));

    [Fact]
    public void Open_ImportedThenWritten_ReadsBackIdenticalRecords()
    {
        using var dir = new TempDirectory();
        string output = dir.File("htx.fecap");
        List<Copy> imported;
        using (var source = CaptureFormat.Open(Fixture("htx_spot_depth-step0_2021-04-17.head40.gzip-pybytes.legacy.txt"), CaptureFormatKind.Unknown, Resolver()))
        using (var writer = CaptureWriter.Create(output))
        {
            imported = [];
            while (source.MoveNext())
            {
                var r = source.Current;
                writer.Write(r);
                imported.Add(new Copy(r.ReceiveTimeNs, r.ConnectionId, r.Venue, r.Kind, r.Flags, r.AddressText(), r.Payload.ToArray(), 0));
            }
        }
        using var reader = CaptureFormat.Open(output, CaptureFormatKind.Unknown, Resolver());
        Assert.IsType<CaptureReader>(reader);
        var back = ReadAll(reader).Select(r => r with { Position = 0 }).ToList();
        Assert.Equal(imported.Count, back.Count);
        for (int i = 0; i < back.Count; i++)
        {
            Assert.Equal(imported[i] with { Payload = [] }, back[i] with { Payload = [] });
            Assert.Equal(imported[i].Payload, back[i].Payload);
        }
    }
}
