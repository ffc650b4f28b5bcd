using FastEngine.Capture;
using FastEngine.Capture.Import;
using Xunit.Abstractions;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Engine.Capture;

public class CaptureMergeTests(ITestOutputHelper output)
{
    private static TimestampedRawImporter Source(string name, params long[] times) =>
        new(Utf8(string.Concat(times.Select((t, i) => $"{t:D19} {{\"src\":\"{name}\",\"line\":{i + 1}}}\n"))), name + ".tsns.txt", Resolver());

    [Fact]
    public void MoveNext_TiesKeepSourceThenLineOrder()
    {
        using var merge = new CaptureMerge([Source("a", 1, 3, 3, 5), Source("b", 2, 3, 4)]);
        var order = new List<string>();
        while (merge.MoveNext())
        {
            var r = merge.Current;
            if (r.Kind == CaptureRecordKind.ReceivedText)
                order.Add($"{r.ReceiveTimeNs}{System.Text.Encoding.UTF8.GetString(r.Payload.Span)[8]}{r.SourcePosition}");
        }
        // time, source letter, line: ties at t=3 go to source a (both lines) before b.
        Assert.Equal(["1a1", "2b1", "3a2", "3a3", "3b2", "4b3", "5a4"], order);
    }

    [Fact]
    public void MoveNext_ConnectionIdsOfLaterSourcesOffset()
    {
        using var merge = new CaptureMerge([Source("a", 10), Source("b", 5)]);
        var seen = new List<(uint Connection, int Source)>();
        while (merge.MoveNext()) seen.Add((merge.Current.ConnectionId, merge.CurrentSource));
        Assert.Equal([(1u + (1u << 24), 1), (1u + (1u << 24), 1), (1u, 0), (1u, 0)], seen);
    }

    [Fact]
    public void MoveNext_SharedBinanceSpotAndUsdm_InterleavedByReceiveTime()
    {
        if (SharedCaptures(output, "binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt") is not { } spot) return;
        if (SharedCaptures(output, "binance-futures/usdm_btcusdt_2024-08-08_0-45s.tsns.txt") is not { } usdm) return;
        using var merge = new CaptureMerge([
            CaptureFormat.Open(spot, CaptureFormatKind.Unknown, Resolver()),
            CaptureFormat.Open(usdm, CaptureFormatKind.Unknown, Resolver())]);
        long last = long.MinValue, count = 0;
        var perSource = new long[2];
        int switches = 0, previous = -1;
        while (merge.MoveNext())
        {
            Assert.True(merge.Current.ReceiveTimeNs >= last, $"time went back at record {count}");
            last = merge.Current.ReceiveTimeNs;
            perSource[merge.CurrentSource]++;
            if (previous >= 0 && previous != merge.CurrentSource) switches++;
            previous = merge.CurrentSource;
            count++;
        }
        Assert.Equal(13_753 + 1, perSource[0]);  // lines + synthetic connect
        Assert.Equal(11_078 + 1, perSource[1]);
        Assert.True(switches > 1000, $"only {switches} switches: the two files should interleave");
    }
}
