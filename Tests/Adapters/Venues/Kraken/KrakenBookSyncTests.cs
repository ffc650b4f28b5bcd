using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Kraken;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Kraken;

public sealed class KrakenBookSyncTests(ITestOutputHelper output)
{
    private static VenueReplayHarness NewHarness() => new(new KrakenAdapter(1000), VenueCatalog.Kraken, KrakenAdapter.PublicUrlV1);

    [Fact]
    public void Replay_BookCapture_2234Of2234ChecksumsMatch()
    {
        var frames = KrakenParserTests.Frames(KrakenParserTests.BookFixture);
        var h = NewHarness();
        foreach (var f in frames) h.Feed(f.Payload);
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        int withChecksum = frames.Count(f => Encoding.UTF8.GetString(f.Payload).Contains("\"c\":\""));
        output.WriteLine($"frames={frames.Count} data={h.DataFrames} control={h.ControlFrames} rejected={h.Rejected} snapshots={stats.Snapshots} deltas={stats.DeltasApplied} checksum_ok={stats.ChecksumOk} bad={stats.ChecksumBad} crossed={stats.Crossed}");
        Assert.Equal(2234, withChecksum);
        Assert.Equal(2234, stats.ChecksumOk);
        Assert.Equal(0, stats.ChecksumBad);
        Assert.Equal(5, stats.Snapshots);
        Assert.Equal(2234, stats.DeltasApplied);
        Assert.Equal(0, stats.Crossed);
        Assert.Equal(0, h.Rejected);
        Assert.Equal(37, h.ControlFrames); // 31 heartbeat + 5 subscriptionStatus + 1 systemStatus
        Assert.Empty(h.Resync.Requests);
        Assert.All(h.Keeper.Books, b => Assert.True(b.IsSynced && b.Bids.Count <= 1000 && b.Asks.Count <= 1000 && b.Bids.IsStrictlySorted() && b.Asks.IsStrictlySorted()));
    }

    [Fact]
    public void Replay_WrongDepthSpec_ChecksumMismatchDetected()
    {
        // The depth is part of the procedure: a spec truncating to 10 on this depth-1000 feed drops levels Kraken still
        // holds (they re-enter the top 10 when better levels go), so the venue's checksum must then catch the divergence.
        var frames = KrakenParserTests.Frames(KrakenParserTests.BookFixture);
        var h = new VenueReplayHarness(new KrakenAdapter(10), VenueCatalog.Kraken, KrakenAdapter.PublicUrlV1);
        foreach (var f in frames) h.Feed(f.Payload);
        var stats = h.Keeper.StatsOf(VenueCatalog.Kraken);
        output.WriteLine($"depth 10 spec on a depth-1000 feed: ok={stats.ChecksumOk} bad={stats.ChecksumBad}");
        Assert.True(stats.ChecksumBad > 0, "truncating to the wrong depth must break the venue's checksum");
    }

    [Fact]
    public void FaultInjection_CorruptedLevelSize_ChecksumMismatchUnsyncedResyncThenSnapshotResyncs()
    {
        var frames = KrakenParserTests.Frames(KrakenParserTests.BookFixture).Select(f => f.Payload).ToList();
        var reference = NewHarness();
        var test = NewHarness();
        string? pair = null;
        int corruptedAt = -1;
        for (int i = 0; i < frames.Count && corruptedAt < 0; i++)
        {
            reference.Feed(frames[i]);
            var text = Encoding.UTF8.GetString(frames[i]);
            // Corrupt a frame in the second half, so many updates lie between the pair's snapshot and the corruption.
            if (i >= frames.Count / 2 && text.Contains("\"c\":\"") && TryCorrupt(text, reference, out var corrupted, out pair))
            {
                test.Feed(corrupted);
                corruptedAt = i;
            }
            else test.Feed(frames[i]);
        }
        Assert.True(corruptedAt > 0);
        var id = test.Id(pair!);
        var stats = test.Keeper.StatsOf(test.Venue, id)!;
        Assert.Equal(1, stats.ChecksumBad);
        Assert.Equal(BookSyncState.Unsynced, test.Keeper.StateOf(test.Venue, id));
        Assert.Contains((test.Venue, id, ResyncReason.ChecksumMismatch), test.Resync.Requests);

        // Resubscribe: the pair's snapshot re-syncs the book, and the same updates that followed it match the venue again.
        int snapshotAt = frames.FindIndex(f => { var s = Encoding.UTF8.GetString(f); return s.Contains("{\"as\":") && s.EndsWith($"\"{pair}\"]"); });
        test.Feed(frames[snapshotAt]);
        Assert.Equal(BookSyncState.Synced, test.Keeper.StateOf(test.Venue, id));
        long ok = stats.ChecksumOk;
        int replayed = 0;
        for (int i = snapshotAt + 1; i < corruptedAt; i++)
        {
            if (!Encoding.UTF8.GetString(frames[i]).EndsWith($"\"{pair}\"]")) continue;
            test.Feed(frames[i]);
            replayed++;
        }
        Assert.True(replayed > 10);
        Assert.Equal(ok + replayed, stats.ChecksumOk);
        Assert.Equal(1, stats.ChecksumBad);
        output.WriteLine($"corrupted frame #{corruptedAt} ({pair}); {replayed} updates re-verified after the snapshot");
    }

    private static bool TryCorrupt(string text, VenueReplayHarness reference, out byte[] corrupted, out string? pair)
    {
        corrupted = [];
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        pair = root[root.GetArrayLength() - 1].GetString();
        var id = reference.Id(pair!);
        var book = reference.Keeper.TryGetBook(reference.Venue, id)!;
        var instrument = reference.Registry[id];
        for (int k = 1; k < root.GetArrayLength() - 2; k++)
        foreach (var prop in root[k].EnumerateObject())
        {
            if (prop.Name is not ("a" or "b")) continue;
            var side = prop.Name == "b" ? book.Bids : book.Asks;
            foreach (var level in prop.Value.EnumerateArray())
            {
                string px = level[0].GetString()!, sz = level[1].GetString()!;
                if (decimal.Parse(sz) == 0) continue;
                FixedPoint.TryParse(Encoding.UTF8.GetBytes(px), instrument.PriceScale, out long price);
                bool inTop = false;
                for (int d = 0; d < Math.Min(10, side.Count); d++) if (side.At(d).Price == price) inTop = true;
                if (!inTop) continue;
                char last = sz[^1];
                string bad = sz[..^1] + (last == '9' ? '8' : (char)(last + 1));
                corrupted = Encoding.UTF8.GetBytes(text.Replace($"[\"{px}\",\"{sz}\"", $"[\"{px}\",\"{bad}\"", StringComparison.Ordinal));
                return true;
            }
        }
        return false;
    }

    [Fact]
    public void Replay_SecondPass_AllocatesZeroBytesPerFrame()
    {
        var frames = KrakenParserTests.Frames(KrakenParserTests.BookFixture)
            .Concat(KrakenParserTests.Frames(KrakenParserTests.TradeFixture))
            .Concat(KrakenParserTests.Frames(KrakenParserTests.TickerFixture))
            .Select(f => f.Payload).ToArray();
        var h = NewHarness();
        var (parser, batch, keeper) = (h.Parser, h.Batch, h.Keeper);
        void Pass()
        {
            foreach (var frame in frames)
            {
                batch.Clear();
                parser.Parse(frame, FrameSource.WebSocket, null, 0, batch);
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++) keeper.OnEvent(ref events[i]);
            }
        }
        Pass();
        Pass();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{frames.Length} frames, {allocated} bytes allocated on the measured pass");
        Assert.Equal(0, allocated);
    }
}
