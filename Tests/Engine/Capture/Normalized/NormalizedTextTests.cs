using System.Text;
using FastEngine.Capture.Normalized;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Engine.Capture.Normalized;

public class NormalizedTextTests
{
    /// <summary>Known Unix times: 1970-01-01 = 0; 2000-03-01 = 951,868,800 s (day 11,017); 2019-04-01 = 1,554,076,800 s;
    /// 2021-08-20 = 1,629,417,600 s; 1969-12-31 = −86,400 s.</summary>
    [Theory]
    [InlineData("1970-01-01T00:00:00Z", 0L)]
    [InlineData("2000-03-01T00:00:00Z", 951_868_800_000_000_000L)]
    [InlineData("2019-04-01T00:00:00.284668Z", 1_554_076_800_284_668_000L)]
    [InlineData("2021-08-20 00:59:59", 1_629_421_199_000_000_000L)]
    [InlineData("1969-12-31T00:00:00Z", -86_400_000_000_000L)]
    [InlineData("2024-02-29T12:00:00.000000001Z", 1_709_208_000_000_000_001L)]
    public void TryParseUtcNs_KnownTimes(string text, long expected)
    {
        Assert.True(NormalizedText.TryParseUtcNs(Encoding.ASCII.GetBytes(text), out long ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2019-04-01T00:00:00.Z")]
    [InlineData("2019-04-01T00:00:00.1234567891Z")]
    [InlineData("2019-04-01T00:00")]
    [InlineData("2019-04-01X00:00:00Z")]
    [InlineData("2019-04-01T00:00:00Zjunk")]
    public void TryParseUtcNs_Malformed_False(string text) =>
        Assert.False(NormalizedText.TryParseUtcNs(Encoding.ASCII.GetBytes(text), out _));

    private sealed class CountingSink : IMarketEventSink
    {
        public int Messages, Events;
        public void Publish(Span<MarketEvent> events)
        {
            Events += events.Length;
            foreach (var e in events) if (e.IsEndOfMessage) Messages++;
        }
    }

    /// <summary>The fixture's 66 lines: 66 messages; events = 66 headers + 642 + 356 snapshot levels + the levels of the 65 changes.</summary>
    [Fact]
    public void ImportFile_Fixture_PublishesEveryLine()
    {
        var registry = new InstrumentRegistry();
        var feed = TardisFeed.ForBitmexDeribit(registry, new VenueId(1101), new VenueId(1102), out _);
        var sink = new CountingSink();
        string path = Fixture.Path("Multi", "bitmex-deribit_2019-04-01_head66.tardis-normalized.jsonl");
        Assert.Equal(66, feed.ImportFile(path, sink));
        Assert.Equal(66, sink.Messages);
        // Levels counted independently: every {"amount":…,"price":…} object in the text.
        int levels = File.ReadAllLines(path).Sum(l => CountOf(l, "\"price\":"));
        Assert.Equal(66 + levels, sink.Events);
        Assert.Equal(0, feed.Rejected);
    }

    private static int CountOf(string text, string token)
    {
        int n = 0;
        for (int i = text.IndexOf(token, StringComparison.Ordinal); i >= 0; i = text.IndexOf(token, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
