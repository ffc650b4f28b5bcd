using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Coinbase;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Coinbase;

/// <summary>
/// The span fast path of <see cref="CoinbaseParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult (status and reject reason), events (byte for byte, every field), parser counters, sequence state and
/// tracked books over every frame of the shared 2026 capture (when ../shared is present; AGPL, not bundled) and of
/// hand-written frames in the documented shapes, over one-byte mutations and truncations of those frames, and 0 bytes
/// allocated per frame after warm-up. No l2_data, ticker or market_trades update frame falls back to the reference
/// path once its product is registered.
/// </summary>
public sealed class CoinbaseFastScanTests(ITestOutputHelper output)
{
    private const string CaptureFile = "advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl";

    /// <summary>A pair that also compares the per-reason reject counts, sequence state and tracked books.</summary>
    private static FastPathPair<CoinbaseParser> NewPair() =>
        new((registry, reference) => new CoinbaseParser(VenueCatalog.Coinbase, registry) { ForceReference = reference }, p => p.Counters, p => p.FastFallbacks,
            (pair, result, label) =>
            {
                Assert.Equal(pair.Reference.Counters.Of(result.Reason), pair.Fast.Counters.Of(result.Reason));
                Assert.Equal(pair.Reference.LastSequenceNum, pair.Fast.LastSequenceNum);
                Assert.Equal(pair.Reference.ConnectionGaps, pair.Fast.ConnectionGaps);
                if (!pair.Reference.Books.SequenceEqual(pair.Fast.Books)) Assert.Fail($"{label}: tracked books differ");
            });

    /// <summary>The shapes the fast path covers: l2_data, ticker, and market_trades update events.</summary>
    private static bool IsHot(byte[] payload)
    {
        var head = Encoding.ASCII.GetString(payload, 0, Math.Min(120, payload.Length));
        return head.StartsWith("{\"channel\":\"l2_data\"", StringComparison.Ordinal)
               || head.StartsWith("{\"channel\":\"ticker", StringComparison.Ordinal) // ticker and ticker_batch
               || (head.StartsWith("{\"channel\":\"market_trades\"", StringComparison.Ordinal) && head.Contains("\"events\":[{\"type\":\"update\"", StringComparison.Ordinal));
    }

    private static string L2(long seq, string type, string product, params (string Side, string Price, string Qty)[] levels)
    {
        var updates = string.Join(",", levels.Select(l =>
            $$"""{"side":"{{l.Side}}","event_time":"2026-01-02T03:04:05.123456Z","price_level":"{{l.Price}}","new_quantity":"{{l.Qty}}"}"""));
        return $$"""{"channel":"l2_data","timestamp":"2026-01-02T03:04:05.987654321Z","sequence_num":{{seq}},"events":[{"type":"{{type}}","product_id":"{{product}}","updates":[{{updates}}]}]}""";
    }

    /// <summary>Frames in the documented Advanced Trade shapes (the capture's own key order), then deviations. The first
    /// two register BTC-USD and ETH-USD on the reference path (first sighting).</summary>
    private static string[] HandWritten() =>
    [
        // 0-1: first sightings (reference registers), 2-: the same products on the fast path.
        L2(0, "snapshot", "BTC-USD", ("bid", "65083.66", "0.20371215"), ("bid", "65083.27", "0.02244516"), ("offer", "65083.67", "0.24290402")),
        L2(1, "snapshot", "ETH-USD", ("bid", "1919.44", "1"), ("offer", "1919.49", "3")),
        L2(2, "update", "BTC-USD", ("bid", "65083.66", "0"), ("offer", "65083.68", "0.5")),
        // 3: documented shape with client_id, nanosecond event_time, an empty updates array in a second event.
        """{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":3,"events":[{"type":"update","product_id":"ETH-USD","updates":[{"side":"offer","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"1919.5","new_quantity":"0.0001"}]},{"type":"update","product_id":"BTC-USD","updates":[]}]}""",
        """{"channel":"ticker","client_id":"","timestamp":"2026-08-09T21:05:48.59377133Z","sequence_num":4,"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"ETH-USD","price":"1919.41","volume_24_h":"19976.09208272","price_percent_chg_24_h":"0.02501394006035","best_bid":"1919.44","best_ask":"1919.49","best_bid_quantity":"0.02858092","best_ask_quantity":"0.07814824"}]}]}""",
        """{"channel":"market_trades","timestamp":"2026-08-09T21:05:49.25328358Z","sequence_num":5,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1068572092","price":"65083.66","size":"0.00171442","time":"2026-08-09T21:05:49.205817Z","side":"BUY"},{"product_id":"BTC-USD","trade_id":"1068572093","price":"65083.67","size":"0.00152112","time":"2026-08-09T21:05:49.507468Z","side":"SELL"}]}]}""",
        """{"channel":"ticker_batch","timestamp":"2026-08-09T21:05:50Z","sequence_num":6,"events":[{"type":"snapshot","tickers":[{"product_id":"BTC-USD","best_bid":"65083.66","best_ask":"65083.67","best_bid_quantity":"0.2","best_ask_quantity":"0.3"},{"product_id":"ETH-USD","best_bid":"1919.44","best_ask":"1919.49","best_bid_quantity":"1","best_ask_quantity":"2"}]}]}""",
        // 7: a sequence gap (6 → 8): both books invalidated ahead of the frame's events, on both paths.
        L2(8, "update", "ETH-USD", ("offer", "1919.6", "2.5")),
        // 8-: deviations (reference path): control channels, trades snapshot, whitespace, key order, escapes, odd numbers.
        """{"channel":"heartbeats","timestamp":"2026-08-09T21:05:48.856364007Z","sequence_num":9,"events":[{"current_time":"x","heartbeat_counter":41691}]}""",
        """{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.228568804Z","sequence_num":10,"events":[{"type":"snapshot","trades":[{"product_id":"BTC-USD","trade_id":"1","price":"65083.67","size":"0.002186","time":"2026-08-09T21:05:42.514318Z","side":"SELL"}]}]}""",
        """{"channel":"l2_data", "timestamp":"2026-01-02T03:04:05Z","sequence_num":11,"events":[{"type":"update","product_id":"BTC-USD","updates":[]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":12,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"event_time":"2026-01-02T03:04:05Z","side":"bid","price_level":"1","new_quantity":"1"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":13,"events":[{"type":"update","product_id":"BTC-\u0055SD","updates":[]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":14,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026\u002d01","price_level":"1","new_quantity":"1"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":15,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"1e2","new_quantity":"1"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":16,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"1.123456789","new_quantity":"1"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":017,"events":[]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":18.0,"events":[]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":19,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"99999999999999999999","new_quantity":"1"}]}]}""",
        """{"channel":"ticker","timestamp":"2026-08-09T21:05:50Z","sequence_num":20,"events":[{"type":"update","tickers":[{"product_id":"BTC-USD","best_bid":"65083.66","best_ask":"","best_bid_quantity":"0.2","best_ask_quantity":"0.3"}]}]}""",
        """{"channel":"ticker","timestamp":"2026-08-09T21:05:50Z","sequence_num":21,"events":[{"type":"update","tickers":[{"product_id":"BTC-USD","best_bid":"65083.66","best_ask":"65083.67","best_bid_quantity":"0.2","best_ask_quantity":"0.3","high_24_h":65252.99}]}]}""",
        """{"channel":"market_trades","timestamp":"2026-08-09T21:05:49Z","sequence_num":22,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"x1","price":"65083.66","size":"0.1","time":"2026-08-09T21:05:49Z","side":"BUY"}]}]}""",
        """{"channel":"market_trades","timestamp":"2026-08-09T21:05:49Z","sequence_num":23,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","price":"65083.66","size":"0.1","side":"BUY"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":24,"events":[{"type":"update","product_id":"SOL-USD","updates":[{"side":"bid","event_time":"t","price_level":"150.25","new_quantity":"3"}]}]}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":25,"events":[{"type":"update","product_id":"SOL-USD","updates":[{"side":"bid","event_time":"t","price_level":"150.3","new_quantity":"4"}]}]}""",
        """{"type":"error","message":"failure to subscribe"}""",
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":27,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"1","new_quantity":"1"}]}]} """,
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":28,"events":[{"type":"partial","product_id":"BTC-USD","updates":[]}]}""",
        // 28: a non-ASCII (valid UTF-8) event_time: the reference path accepts it; the fast path only takes ASCII frames.
        """{"channel":"l2_data","timestamp":"2026-01-02T03:04:05Z","sequence_num":29,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-01-02T03:04:05Zé","price_level":"1","new_quantity":"1"}]}]}""",
    ];

    [Fact]
    public void HandWrittenFrames_FastPathEqualsReference_DocumentedShapesTakeFastPath()
    {
        VenueCatalog.EnsureRegistered();
        var frames = HandWritten();
        var pair = NewPair();
        var fast = pair.FastFrames(frames, output, i =>
        {
            if (i == 7) Assert.Equal(1, pair.Fast.ConnectionGaps); // 6 → 8: both books invalidated before frame 7's events
        });
        Assert.True(pair.ReferenceRejected > 0);
        Assert.Equal([2, 3, 4, 5, 6, 7, 14, 22, 24], fast);
    }

    [Fact]
    public void HandWrittenFrames_OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var frames = HandWritten().Take(8).Select(Encoding.UTF8.GetBytes).ToList();
        var pair = NewPair();
        foreach (var f in frames) pair.Check(f, "registration");
        Mutate(pair, frames.Select((f, i) => (f, $"frame {i}")).ToList(), out long mutations);
        output.WriteLine($"{frames.Count} frames, {mutations} mutations; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks}");
        Assert.True(pair.ReferenceRejected > 0); // the mutations did exercise the reject paths
    }

    private static readonly byte[] MutationBytes =
        "\",}]{[:0x\\ -.e1"u8.ToArray().Concat(new byte[] { 0x01, 0xFF }).ToArray();

    /// <summary>Every one-byte mutation (at most the first 700 and last 100 positions) and every truncation (every
    /// byte up to 300, then every 7th) of each frame, compared between the two paths.</summary>
    private static void Mutate(FastPathPair<CoinbaseParser> pair, List<(byte[] Payload, string Name)> frames, out long mutations)
    {
        mutations = 0;
        foreach (var (frame, name) in frames)
        {
            mutations += pair.Mutate(frame, name, MutationBytes, FastPathEquivalence.HeadAndTail(frame.Length, 800, 700, 100));
            pair.Truncate(frame, name, len => len < 300 ? 1 : 7);
        }
    }

    private void BothPasses(List<RawFrame> frames, string name)
    {
        var pair = NewPair();
        // Second pass: sequence_num restarts at 0 (a gap: every book invalidated, on both paths); products are known.
        long hot = 0, hotFallbacks = 0, otherFallbacks = 0;
        long firstPass = pair.BothPasses(frames, name, (f, fellBack) =>
        {
            bool isHot = IsHot(f.Payload);
            if (isHot) hot++;
            if (!fellBack) return;
            if (isHot)
            {
                hotFallbacks++;
                output.WriteLine($"hot fallback: line {f.Line} {Encoding.UTF8.GetString(f.Payload, 0, Math.Min(200, f.Payload.Length))}");
            }
            else otherFallbacks++;
        });
        output.WriteLine($"{name}: {frames.Count} frames ({hot} l2_data/ticker/trade updates), rejects {pair.ReferenceRejected}, " +
                         $"fallbacks first pass {firstPass}, second pass {hotFallbacks} hot + {otherFallbacks} control/trade snapshots; gaps {pair.Fast.ConnectionGaps}");
        Assert.Equal(0, pair.ReferenceRejected);
        Assert.Equal(1, pair.Fast.ConnectionGaps); // the wrap to sequence_num 0
        Assert.True(hot > 0);
        Assert.Equal(0, hotFallbacks);
        Assert.Equal(frames.Count - hot, otherFallbacks);
    }

    [Fact]
    public void SharedCapture_FastPathEqualsReference_HotFramesNeverFallBack()
    {
        var path = RawCapture.SharedOrSkip(output, "coinbase", CaptureFile);
        if (path is null) return;
        VenueCatalog.EnsureRegistered();
        BothPasses(RawCapture.Received(path), "shared");
    }

    /// <summary>The capture's first snapshot of <paramref name="product"/> cut to its first <paramref name="levels"/>
    /// levels (built at test time from the AGPL file; nothing of it is stored in the repository).</summary>
    private static byte[] TrimmedSnapshot(List<RawFrame> frames, string product, int levels)
    {
        var frame = frames.First(f => IsHot(f.Payload) && Encoding.ASCII.GetString(f.Payload, 0, 200).Contains($"\"snapshot\",\"product_id\":\"{product}\"", StringComparison.Ordinal)).Payload;
        int pos = 0;
        for (int i = 0; i < levels; i++) pos = frame.AsSpan(pos).IndexOf("\"}"u8) + pos + 2;
        return [.. frame.AsSpan(0, pos), .. "]}]}"u8];
    }

    [Fact]
    public void SharedCapture_OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        var path = RawCapture.SharedOrSkip(output, "coinbase", CaptureFile);
        if (path is null) return;
        VenueCatalog.EnsureRegistered();
        var frames = RawCapture.Received(path);
        var pair = NewPair();
        foreach (var f in frames) pair.Check(f.Payload, $"line {f.Line}"); // registers the products
        // Both snapshots trimmed to 12 levels, the first two l2 updates, tickers and trade updates.
        var sample = new List<(byte[], string)>
        {
            (TrimmedSnapshot(frames, "BTC-USD", 12), "BTC-USD snapshot (12 levels)"),
            (TrimmedSnapshot(frames, "ETH-USD", 12), "ETH-USD snapshot (12 levels)"),
        };
        foreach (var prefix in new[] { "{\"channel\":\"l2_data\"", "{\"channel\":\"ticker\"", "{\"channel\":\"market_trades\"" })
        {
            sample.AddRange(frames.Where(f => f.Payload.Length < 3000 && IsHot(f.Payload)
                                              && Encoding.ASCII.GetString(f.Payload, 0, 40).StartsWith(prefix, StringComparison.Ordinal))
                .Take(2).Select(f => (f.Payload, $"line {f.Line}")));
        }
        Mutate(pair, sample, out long mutations);
        // The full snapshots (5.1 and 2.9 MB): truncated at 16 places each, and mutations of their last 16 bytes.
        long fullChecks = 0;
        foreach (var f in frames.Where(f => f.Payload.Length > 1_000_000))
        {
            var payload = f.Payload;
            for (int k = 1; k <= 16; k++) pair.Check(payload.AsSpan(0, (int)((long)payload.Length * k / 17)), $"line {f.Line} cut {k}/17");
            fullChecks += pair.Mutate(payload, $"line {f.Line}", [(byte)'"', (byte)']', (byte)'x', (byte)'0'], Enumerable.Range(payload.Length - 16, 16));
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations + {fullChecks} on full snapshots; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks}");
        Assert.True(pair.ReferenceRejected > 0);
        Assert.True(fullChecks > 0);
    }

    private static long SecondPassAllocatedBytes(IReadOnlyList<byte[]> payloads, out long hotFallbacks, out long frames)
    {
        VenueCatalog.EnsureRegistered();
        var registry = new InstrumentRegistry();
        var keeper = new BookKeeper(registry);
        keeper.SetSpec(VenueCatalog.Coinbase, new CoinbaseAdapter().SyncSpec(VenueCatalog.Coinbase));
        var parser = new CoinbaseParser(VenueCatalog.Coinbase, registry);
        var batch = new MarketEventBatch();
        void Pass()
        {
            for (int f = 0; f < payloads.Count; f++) // an index loop: an interface foreach would allocate its enumerator
            {
                batch.Clear();
                parser.Parse(payloads[f], FrameSource.WebSocket, null, 1, batch);
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++) keeper.OnEvent(ref events[i]);
            }
        }
        Pass();
        Pass();
        long fallbacksBefore = parser.FastFallbacks;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        hotFallbacks = parser.FastFallbacks - fallbacksBefore - payloads.Count(p => !IsHot(p));
        frames = payloads.Count;
        return bytes;
    }

    [Fact]
    public void HandWrittenFrames_FastPathPlusBooks_AllocatesNothingAfterWarmUp()
    {
        var payloads = HandWritten().Take(8).Select(Encoding.UTF8.GetBytes).ToList();
        long bytes = SecondPassAllocatedBytes(payloads, out long hotFallbacks, out _);
        output.WriteLine($"third pass: {bytes} bytes, {hotFallbacks} hot fallbacks");
        Assert.Equal(0, hotFallbacks);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void SharedCapture_FastPathPlusBooks_AllocatesNothingAfterWarmUp()
    {
        var path = RawCapture.SharedOrSkip(output, "coinbase", CaptureFile);
        if (path is null) return;
        var payloads = RawCapture.Received(path).Select(f => f.Payload).ToList();
        long bytes = SecondPassAllocatedBytes(payloads, out long hotFallbacks, out long frames);
        output.WriteLine($"third pass over {frames} frames: {bytes} bytes, {hotFallbacks} hot fallbacks");
        Assert.Equal(0, hotFallbacks);
        Assert.Equal(0, bytes);
    }
}
