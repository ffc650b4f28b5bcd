using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>
/// Faults injected into real captures: a dropped depth frame must be detected as a gap (book unsynced, resync asked),
/// and the book must come back with the next REST snapshot + the diff stream, matching bookTicker again.
/// </summary>
public sealed class BinanceFaultInjectionTests
{
    private static bool IsDepth(RawFrame f) => f.Source == FrameSource.WebSocket && Encoding.UTF8.GetString(f.Payload).Contains("\"depthUpdate\"");

    [Fact]
    public void DroppedDepthFrameAfterSync_GapDetected_BookUnsynced_ResyncRequested()
    {
        var frames = RawCapture.ReadByTime(Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt"));
        var depth = frames.Select((f, i) => (f, i)).Where(x => IsDepth(x.f)).Select(x => x.i).ToList();
        int dropped = depth[100]; // well after the snapshot bridge (3 diffs precede the snapshot)
        var resync = new RecordingResyncRequester();
        var replay = new BinanceReplay(VenueCatalog.Binance, resync);
        for (int i = 0; i < dropped; i++) replay.Feed(frames[i]);
        Assert.Equal(BookSyncState.Synced, replay.State("BTCUSDT"));
        long checkedBefore = replay.Stats.BboChecked;
        Assert.True(checkedBefore > 0);

        for (int i = dropped + 1; i < frames.Count; i++) replay.Feed(frames[i]);

        var s = replay.Stats;
        Assert.Equal(1, s.Gaps);
        Assert.Equal(BookSyncState.Unsynced, replay.State("BTCUSDT"));
        Assert.False(replay.Book("BTCUSDT").IsSynced);
        var request = Assert.Single(resync.Requests);
        Assert.Equal(VenueCatalog.Binance, request.Venue);
        Assert.Equal(ResyncReason.SequenceGap, request.Reason);
        // Fail closed: nothing after the gap is applied or compared.
        Assert.Equal(checkedBefore, s.BboChecked);
        Assert.Equal(0, s.BboMismatch);
        Assert.True(s.Buffered > 0); // the diffs after the gap wait for the next snapshot
    }

    /// <summary>
    /// The capture holds one REST snapshot, so recovery is shown where a later snapshot is the exchange's own: the diff
    /// that bridges the snapshot is dropped, the next buffered diff no longer covers lastUpdateId+1 (gap), then the
    /// REST snapshot is delivered again followed by the diff stream from the start (a new connection), and the book
    /// syncs and matches every bookTicker to the end of the file.
    /// </summary>
    [Theory]
    [InlineData("usdm_btcusdt_2024-08-08_first2000.tsns.txt", "futures", "BTCUSDT", 16)]
    [InlineData("coinm_btcusd-perp_2024-08-08_first2000.tsns.txt", "coinm", "BTCUSD_PERP", 55)]
    public void DroppedBridgeFrame_GapThenNextSnapshotResyncs_BboMatchesAgain(string file, string market, string symbol, long bboChecked)
    {
        var venue = market == "futures" ? VenueCatalog.BinanceFutures : VenueCatalog.BinanceCoinM;
        var frames = RawCapture.ReadByTime(Fixture.Path("Binance", file));
        int snapshotAt = frames.FindIndex(f => f.Source == FrameSource.Rest);
        long lastUpdateId = long.Parse(System.Text.RegularExpressions.Regex.Match(Encoding.UTF8.GetString(frames[snapshotAt].Payload), "\"lastUpdateId\":(\\d+)").Groups[1].Value);
        // The bridging diff: the first one (before the snapshot line) whose u > lastUpdateId.
        int bridge = frames.FindIndex(f => IsDepth(f) && long.Parse(System.Text.RegularExpressions.Regex.Match(Encoding.UTF8.GetString(f.Payload), "\"u\":(\\d+)").Groups[1].Value) > lastUpdateId);
        Assert.InRange(bridge, 0, snapshotAt);

        var resync = new RecordingResyncRequester();
        var replay = new BinanceReplay(venue, resync);
        for (int i = 0; i <= snapshotAt; i++) if (i != bridge) replay.Feed(frames[i]);

        Assert.Equal(1, replay.Stats.Gaps);
        Assert.Equal(BookSyncState.Unsynced, replay.State(symbol));
        Assert.Equal(ResyncReason.BridgeFailed, Assert.Single(resync.Requests).Reason);

        // Next REST snapshot, then the stream as a new connection delivers it (from its start; the snapshot line is
        // not repeated). Diffs with u <= lastUpdateId are dropped, the bridging one applies, the chain continues.
        replay.Feed(frames[snapshotAt]);
        for (int i = 0; i < frames.Count; i++) if (i != snapshotAt) replay.Feed(frames[i]);

        var s = replay.Stats;
        Assert.Equal(BookSyncState.Synced, replay.State(symbol));
        Assert.Equal(1, s.Gaps);
        Assert.Single(resync.Requests);
        Assert.Equal(0, s.Crossed);
        Assert.Equal(0, s.BboMismatch);
        Assert.Equal(bboChecked, s.BboChecked); // same count as the clean replay (reference_counts.py)
    }

    [Fact]
    public void CorruptedLevelSize_BboMismatchCounted()
    {
        var frames = RawCapture.ReadByTime(Fixture.Path("Binance", "usdm_btcusdt_2024-08-08_first2000.tsns.txt"));
        // Find a bookTicker whose u is a depth u and whose best bid level is written by that very depth frame, then
        // corrupt that level's size in the depth frame: the exchange's bookTicker must now disagree with our book.
        var depthByU = new Dictionary<string, int>();
        for (int i = 0; i < frames.Count; i++)
        {
            string text = Encoding.UTF8.GetString(frames[i].Payload);
            if (text.Contains("\"depthUpdate\"")) depthByU[Field(text, "\"u\":", ',')] = i;
        }
        int corrupted = -1;
        foreach (var f in frames)
        {
            string text = Encoding.UTF8.GetString(f.Payload);
            if (!text.Contains("\"bookTicker\"")) continue;
            if (!depthByU.TryGetValue(Field(text, "\"u\":", ','), out int d)) continue;
            string level = $"[\"{Field(text, "\"b\":\"", '"')}\",\"{Field(text, "\"B\":\"", '"')}\"]";
            string depth = Encoding.UTF8.GetString(frames[d].Payload);
            if (!depth.Contains(level)) continue;
            string bad = level.Replace("\"]", "1\"]"); // one more decimal digit: a different size
            frames[d] = frames[d] with { Payload = Encoding.UTF8.GetBytes(depth.Replace(level, bad)) };
            corrupted = d;
            break;
        }
        Assert.True(corrupted > 0, "no bookTicker whose best bid is written by its own depth frame");

        var replay = new BinanceReplay(VenueCatalog.BinanceFutures);
        replay.FeedAll(frames);
        Assert.True(replay.Stats.BboMismatch >= 1);
        Assert.Equal(0, replay.Stats.Gaps); // the sequence chain itself is intact
    }

    private static string Field(string text, string key, char end)
    {
        int i = text.IndexOf(key, StringComparison.Ordinal) + key.Length;
        return text[i..text.IndexOf(end, i)];
    }
}
