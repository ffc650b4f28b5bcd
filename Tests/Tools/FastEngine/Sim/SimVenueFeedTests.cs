using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Sim;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Tools.FastEngine.Sim;

public class SimVenueFeedTests
{
    private static readonly string Spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");

    [Fact]
    public void TryBuildSnapshot_AtRecordedSnapshot_EqualsTheExchangeSnapshot()
    {
        var feed = SimVenueFeed.Load([Spot]).Single();
        Assert.Equal(VenueCatalog.Binance, feed.Venue);
        int snapshotIndex = Enumerable.Range(0, feed.Frames.Count).First(i => feed.Frames[i].IsSnapshot);
        Assert.Equal(7, snapshotIndex); // line 8 of the fixture (SOURCES.md)
        Assert.Null(feed.TryBuildSnapshot("BTCUSDT", 5000, out _)); // nothing to serve before the book exists
        for (int i = 0; i <= snapshotIndex; i++) feed.Advance(i, sent: !feed.Frames[i].IsSnapshot);

        var served = feed.TryBuildSnapshot("BTCUSDT", 5000, out bool unknown);
        Assert.False(unknown);
        Assert.NotNull(served);

        // Reference, written independently of the book code: Binance's documented procedure on the recorded bytes:
        // the REST snapshot, then every buffered diff with u > lastUpdateId applied level by level (0 removes).
        using var recorded = JsonDocument.Parse(feed.Frames[snapshotIndex].Payload);
        long expectedId = recorded.RootElement.GetProperty("lastUpdateId").GetInt64();
        var bids = ReadSide(recorded.RootElement.GetProperty("bids"));
        var asks = ReadSide(recorded.RootElement.GetProperty("asks"));
        for (int i = 0; i < snapshotIndex; i++)
        {
            using var doc = JsonDocument.Parse(feed.Frames[i].Payload);
            var data = doc.RootElement.GetProperty("data");
            if (!data.TryGetProperty("e", out var e) || e.GetString() != "depthUpdate") continue;
            long u = data.GetProperty("u").GetInt64();
            if (u <= expectedId) continue;
            Assert.True(data.GetProperty("U").GetInt64() <= expectedId + 1); // the bridging diff
            Apply(bids, data.GetProperty("b"));
            Apply(asks, data.GetProperty("a"));
            expectedId = u;
        }
        Assert.True(expectedId > recorded.RootElement.GetProperty("lastUpdateId").GetInt64(), "the fixture bridges with a buffered diff");

        using var ours = JsonDocument.Parse(served);
        Assert.Equal(expectedId, ours.RootElement.GetProperty("lastUpdateId").GetInt64());
        Assert.Equal(bids.OrderByDescending(kv => kv.Key).Select(kv => kv.Value).ToArray(), Levels(ours, "bids"));
        Assert.Equal(asks.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray(), Levels(ours, "asks"));
    }

    private static Dictionary<decimal, string> ReadSide(JsonElement levels)
    {
        var side = new Dictionary<decimal, string>();
        Apply(side, levels);
        return side;
    }

    private static void Apply(Dictionary<decimal, string> side, JsonElement levels)
    {
        foreach (var l in levels.EnumerateArray())
        {
            string p = l[0].GetString()!, q = l[1].GetString()!;
            decimal price = decimal.Parse(p, System.Globalization.CultureInfo.InvariantCulture);
            if (decimal.Parse(q, System.Globalization.CultureInfo.InvariantCulture) == 0) side.Remove(price);
            else side[price] = p + " " + q;
        }
    }

    [Fact]
    public void TryBuildSnapshot_AfterMoreDiffs_LastUpdateIdIsTheLastSentDiffU()
    {
        var feed = SimVenueFeed.Load([Spot]).Single();
        long lastU = 0;
        for (int i = 0; i < 1500; i++)
        {
            feed.Advance(i, sent: true);
            using var doc = JsonDocument.Parse(feed.Frames[i].Payload);
            if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("e", out var e) && e.GetString() == "depthUpdate")
                lastU = data.GetProperty("u").GetInt64();
        }
        var served = feed.TryBuildSnapshot("btcusdt", 20, out _)!;
        using var ours = JsonDocument.Parse(served);
        Assert.Equal(lastU, ours.RootElement.GetProperty("lastUpdateId").GetInt64());
        Assert.Equal(20, ours.RootElement.GetProperty("bids").GetArrayLength());
        Assert.Equal(20, ours.RootElement.GetProperty("asks").GetArrayLength());
    }

    [Fact]
    public void TryBuildSnapshot_UnknownSymbolAfterTheEnd_SaysUnknown()
    {
        var feed = SimVenueFeed.Load([Spot]).Single();
        for (int i = 0; i < feed.Frames.Count; i++) feed.Advance(i, sent: true);
        Assert.Null(feed.TryBuildSnapshot("ETHUSDT", 100, out bool unknown));
        Assert.True(unknown);
    }

    [Theory]
    [InlineData("btcusdt@depth@100ms", "btcusdt@depth")]
    [InlineData("BTCUSDT@depth@0ms", "btcusdt@depth")]
    [InlineData("btcusdt@depth", "btcusdt@depth")]
    [InlineData("btcusdt@markPrice@1s", "btcusdt@markprice")]
    [InlineData("btcusdt@trade", "btcusdt@trade")]
    public void NormalizeStream_SpeedSuffixes_AreIgnored(string stream, string expected) =>
        Assert.Equal(expected, SimVenueFeed.NormalizeStream(stream));

    private static string[] Levels(JsonDocument doc, string side) =>
        doc.RootElement.GetProperty(side).EnumerateArray().Select(l => l[0].GetString() + " " + l[1].GetString()).ToArray();
}
