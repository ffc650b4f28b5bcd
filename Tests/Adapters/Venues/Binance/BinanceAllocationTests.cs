using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>Parse + BookKeeper.OnEvent allocate nothing per frame once warm (second pass over a real capture).</summary>
public sealed class BinanceAllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("spot_btcusdt_2024-08-08_first3000.tsns.txt", "binance")]
    [InlineData("usdm_btcusdt_2023-04-04_first2000.tsus.txt", "binance-futures")]
    [InlineData("coinm_btcusd-perp_2024-08-08_first2000.tsns.txt", "binance-coinm")]
    public void SecondPass_ParseAndBookUpdate_ZeroBytesPerFrame(string file, string venueName)
    {
        Assert.True(VenueCatalog.TryParse(venueName, out var venue));
        var frames = RawCapture.ReadByTime(Fixture.Path("Binance", file));
        var replay = new BinanceReplay(venue);
        // Warm-up: registers the symbol, sizes books, batch and buffers, JITs. Each later pass is a new connection
        // (its books are invalidated and wait for the snapshot again, buffering the diffs before it).
        replay.FeedAll(frames);
        long dataPerPass = replay.Data;
        InvalidateConnection(replay);
        replay.FeedAll(frames);
        InvalidateConnection(replay);
        long deltasBefore = replay.Stats.DeltasApplied;

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var f in frames)
        {
            long b = GC.GetAllocatedBytesForCurrentThread();
            replay.Feed(f);
            long a = GC.GetAllocatedBytesForCurrentThread() - b;
            if (a > 0) output.WriteLine($"line {f.Line}: {a} B {System.Text.Encoding.UTF8.GetString(f.Payload)[..Math.Min(120, f.Payload.Length)]}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{file}: {frames.Count} frames, {allocated} bytes allocated on the second pass");
        Assert.Equal(dataPerPass * 3, replay.Data); // the measured pass parsed every frame again
        Assert.Equal(0, replay.Rejected);
        Assert.Equal(0, replay.Stats.Gaps);
        Assert.True(replay.Stats.DeltasApplied > deltasBefore); // and the book followed the diffs again
        Assert.Equal(BookSyncState.Synced, replay.Keeper.StateOf(venue, replay.Keeper.Books.Single().Instrument));
        Assert.Equal(0, allocated);
    }

    private static void InvalidateConnection(BinanceReplay replay)
    {
        replay.Batch.Clear();
        replay.Parser.Invalidate(replay.Batch, InvalidateReason.Resubscribed, 0);
        foreach (ref var e in replay.Batch.Events) replay.Keeper.OnEvent(ref e);
    }
}
