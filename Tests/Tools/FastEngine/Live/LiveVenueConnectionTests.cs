using System.Buffers;
using System.Diagnostics;
using System.Text;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Live;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Tools.FastEngine.Live;

public class LiveVenueConnectionTests
{
    [Fact]
    public void OnMessage_RecordedFramesAfterWarmUp_AllocatesNothing()
    {
        VenueCatalog.EnsureRegistered();
        var frames = File.ReadLines(Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt"))
            .Select(l => l[(l.IndexOf(' ') + 1)..])
            .Where(l => l.StartsWith("{\"stream\"", StringComparison.Ordinal))
            .Select(l => new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(l)))
            .ToArray();
        var config = new EngineConfig();
        var registry = new InstrumentRegistry();
        using var engine = new DecisionEngine(registry, ReplayRunner.OptionsFrom(config, Path.Combine(Path.GetTempPath(), $"fe-live-{Guid.NewGuid():N}.fej")));
        CaptureFeed.ConfigureBooks(engine.Books);
        using var pipeline = new EnginePipeline(engine, new TopologyConfig { WaitStrategy = "blocking", RingSize = 1 << 16 }, multiProducer: true);
        var venue = new LiveVenueConnection(VenueCatalog.Binance, new VenueConfig { Name = "binance", Symbols = ["BTCUSDT"], Endpoint = "ws://127.0.0.1:9/stream" },
            registry, pipeline, capture: null, TimeSpan.FromSeconds(1), _ => { });
        pipeline.Start();
        try
        {
            foreach (var f in frames) venue.OnMessage(WebSocketMessageType.Text, f, Stopwatch.GetTimestamp());
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var f in frames) venue.OnMessage(WebSocketMessageType.Text, f, Stopwatch.GetTimestamp());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.Equal(2 * frames.Length, venue.Feed.Frames);
            Assert.Equal(0, venue.Feed.Rejected);
            Assert.Equal(2 * 518, venue.Stats.Trades); // 518 trade frames in the fixture, fed twice
        }
        finally
        {
            pipeline.Halt();
        }
    }
}
