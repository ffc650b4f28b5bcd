using System.Text.Json;
using System.Text.Json.Nodes;
using FastEngine.Cli.Replay;
using FastEngine.Tests.Engine.Hosting;

namespace FastEngine.Tests.Tools.FastEngine.Replay;

/// <summary>The replay summary's <c>carry</c> block and the funding line of <c>pnl</c>, from a decision engine that lived one
/// carry (<see cref="DecisionEngineCarryLifeTests.Lifecycle"/>: opened, 0.01997006 BTC short × 50,105 × 0.0003 =
/// 0.30017995 USDT received at the funding, unwound below the exit carry).</summary>
public class ReplaySummaryTests
{
    [Fact]
    public void WriteJson_CarryLived_CarryBlockAndFundingPnl()
    {
        var m = DecisionEngineCarryLifeTests.Create();
        JsonObject json;
        using (m.Engine)
        {
            DecisionEngineCarryLifeTests.Lifecycle(m);
            var result = new ReplayResult { Engine = m.Engine, Feed = new CaptureFeed(m.Engine.Registry), Files = ["hand-built"] };
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, result);
            json = JsonNode.Parse(stream.ToArray())!.AsObject();
            var text = new StringWriter();
            ReplaySummary.WriteText(text, result);
            Assert.Contains("carry positions: opened 1, unwound 1 (below_exit_carry 1, funding_sign_flip 0, max_hold_fundings 0)", text.ToString());
            Assert.Contains("funding payments 1, USDT 0.30017995", text.ToString());
        }
        var carry = json["carry"]!.AsObject();
        Assert.Equal(1, (long)carry["opened"]!);
        Assert.Equal(1, (long)carry["unwound"]!["below_exit_carry"]!);
        Assert.Equal(0, (long)carry["unwound"]!["funding_sign_flip"]!);
        Assert.Equal(0, (long)carry["unwound"]!["max_hold_fundings"]!);
        Assert.Equal(1, (long)carry["funding_payments"]!);
        Assert.Equal("0.30017995", (string)carry["funding_pnl"]!["USDT"]!);
        Assert.Equal(0, (long)carry["open_at_end"]!);
        Assert.Equal("0.30017995", (string)json["pnl"]!["funding"]!);
        // Trading P&L apart: −0.1997006 (perp) − 0.19986 (spot) = −0.3995606 USDT before fees.
        Assert.Equal("-0.3995606", (string)json["pnl"]!["realized"]!);
    }

    /// <summary>
    /// The per-thread block of the summary: a staged run lists the producer, the book thread and the decision thread with
    /// the events each handled and the bytes each allocated after warm-up (here the book thread's stage allocated on
    /// purpose after its warm-up point: the figure shows, and the total <c>allocated_bytes_steady</c> includes it), the busy
    /// time per event and the thread layout given to it; a fused run lists no book thread.
    /// </summary>
    [Fact]
    public void WriteJson_StagedRun_ThreadsBlockListsBookThreadWithItsFigures()
    {
        var m = DecisionEngineCarryLifeTests.Create();
        using (m.Engine)
        {
            var ring = new global::FastEngine.Books.BookSnapshotRing(16, 4);
            var stage = new global::FastEngine.Hosting.BookStage(m.Engine.Books, ring, warmupEvents: 1);
            var e = new global::FastEngine.Model.MarketEvent { Kind = global::FastEngine.Model.MarketEventKind.Trade, Venue = new(1), Instrument = new(0) };
            for (int i = 0; i < 3; i++) stage.OnEvent(ref e, 0, i);
            var junk = new byte[4_000];   // after the book stage's warm-up point, on its thread (this one)
            stage.MarkEnd();
            GC.KeepAlive(junk);
            Assert.True(stage.AllocatedSteady >= 4_000);
            var staged = new ReplayResult
            {
                Engine = m.Engine, Feed = new CaptureFeed(m.Engine.Registry), Files = ["hand-built"], Events = 3, Topology = "staged",
                BookStage = stage, BookBusyNsPerEvent = 123.44, DecisionBusyNsPerEvent = 56.78, BookHandlerFailures = 2, HandlerFailures = 2,
                ThreadLayout = "producer CPU 0, book CPU 1, decision CPU 2", ProducerAllocatedSteady = 7,
            };
            var json = Json(staged);
            var threads = json["threads"]!.AsObject();
            Assert.Equal(new[] { "producer", "book", "decision" }, threads.Select(kv => kv.Key));
            Assert.Equal(3, (long)threads["producer"]!["events"]!);
            Assert.Equal(7, (long)threads["producer"]!["allocated_bytes_steady"]!);
            Assert.Equal(3, (long)threads["book"]!["events"]!);
            Assert.Equal(stage.AllocatedSteady, (long)threads["book"]!["allocated_bytes_steady"]!);
            Assert.Equal(2, (long)threads["book"]!["handler_failures"]!);
            Assert.Equal(0, (long)threads["book"]!["level_images"]!);   // trades change no book
            Assert.Equal(ReplaySummary.DecisionAllocatedSteady(staged), (long)threads["decision"]!["allocated_bytes_steady"]!);
            Assert.Equal(ReplaySummary.DecisionAllocatedSteady(staged) + 7 + stage.AllocatedSteady, (long)json["allocated_bytes_steady"]!);
            Assert.Equal(123.4, (double)json["busy_ns_per_event"]!["book"]!);
            Assert.Equal(56.8, (double)json["busy_ns_per_event"]!["decision"]!);
            Assert.Equal("producer CPU 0, book CPU 1, decision CPU 2", (string)json["thread_layout"]!);
            Assert.True(json.ContainsKey("book_thread_latency_ns"));
            var text = new StringWriter();
            ReplaySummary.WriteText(text, staged);
            Assert.Contains($"threads (producer CPU 0, book CPU 1, decision CPU 2): producer 7 bytes after warm-up; book 3 events, busy 123 ns/event, 0 + 0 images (levels + state), {stage.AllocatedSteady:N0} bytes after warm-up, handler failures 2; decision ", text.ToString());

            var fused = Json(new ReplayResult { Engine = m.Engine, Feed = new CaptureFeed(m.Engine.Registry), Files = ["hand-built"], Events = 3 });
            Assert.Equal(new[] { "producer", "decision" }, fused["threads"]!.AsObject().Select(kv => kv.Key));
            Assert.False(fused["busy_ns_per_event"]!.AsObject().ContainsKey("book"));
            Assert.False(fused.ContainsKey("book_thread_latency_ns"));

            // Live: the receive loops' allocation is not measured, so no figure is shown for them (never a 0 that was not measured).
            var live = new ReplayResult
            {
                Engine = m.Engine, Feed = new CaptureFeed(m.Engine.Registry), Files = ["live:binance"], Events = 3, ProducerMeasured = false,
                ThreadLayout = "receive loops not pinned, decision not pinned",
            };
            Assert.False(Json(live)["threads"]!["producer"]!.AsObject().ContainsKey("allocated_bytes_steady"));
            var liveText = new StringWriter();
            ReplaySummary.WriteText(liveText, live);
            Assert.Contains("threads (receive loops not pinned, decision not pinned): publishers' allocation not measured; decision ", liveText.ToString());
        }
    }

    private static JsonObject Json(ReplayResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, r);
        return JsonNode.Parse(stream.ToArray())!.AsObject();
    }
}
