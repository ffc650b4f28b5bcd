using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Bybit;
using FastEngine.Model;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Adapters.Venues.Bybit;

/// <summary>
/// The span fast path of <see cref="BybitParser"/> against its Utf8JsonReader reference path (ForceReference): same
/// ParseResult (status and reject reason), events (byte for byte), counters and restart count over every frame of the
/// shared Bybit capture (skipped when ../shared is absent) and over hand-written frames (always), over one-byte
/// mutations and truncations of them; no fallback on real orderbook frames once each symbol was registered.
/// </summary>
public sealed class BybitFastScanTests(ITestOutputHelper output)
{
    private const string CaptureFile = "v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl";

    /// <summary>A fast parser and a reference parser per venue, each side with its own registry.</summary>
    private sealed class Pair
    {
        private readonly InstrumentRegistry _fastRegistry = new(), _referenceRegistry = new();
        private readonly Dictionary<VenueId, (BybitParser Fast, BybitParser Reference)> _parsers = new();
        public readonly MarketEventBatch FastBatch = new(), ReferenceBatch = new();
        public long Compared;

        public (BybitParser Fast, BybitParser Reference) For(VenueId venue)
        {
            if (!_parsers.TryGetValue(venue, out var p))
                _parsers[venue] = p = (new BybitParser(venue, _fastRegistry), new BybitParser(venue, _referenceRegistry) { ForceReference = true });
            return p;
        }

        public long FastFallbacks => _parsers.Values.Sum(p => p.Fast.FastFallbacks);
        public long ReferenceRejected => _parsers.Values.Sum(p => p.Reference.Counters.Rejected);

        public ParseResult Check(VenueId venue, ReadOnlySpan<byte> payload, FrameLabel label)
        {
            var (fast, reference) = For(venue);
            var fr = FastPathEquivalence.Compare(fast, fast.Counters, FastBatch, reference, reference.Counters, ReferenceBatch, payload, label);
            Assert.Equal(reference.Restarts, fast.Restarts);
            Compared++;
            return fr;
        }
    }

    private static List<(VenueId Venue, byte[] Payload)>? Shared(ITestOutputHelper output)
    {
        var path = RawCapture.SharedOrSkip(output, "bybit", CaptureFile);
        if (path is null) return null;
        VenueCatalog.EnsureRegistered();
        return RawCapture.Received(path)
            .Select(f => (VenueCatalog.TryInferFromUrl(f.Url!, out var v) ? v : throw new InvalidOperationException(f.Url), f.Payload))
            .ToList();
    }

    private static bool IsBook(byte[] payload) => payload.AsSpan().StartsWith("{\"topic\":\"orderbook."u8);

    /// <summary>Hand-written frames: the documented shapes, key orders and spellings the fast path declines, rejects.</summary>
    private static readonly string[] HandWritten =
    [
        """{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1786310818129,"data":{"s":"BTCUSDT","b":[["65114.20","6.054"],["65114.10","0.002"]],"a":[["65114.30","1.5"]],"u":100,"seq":753843911359},"cts":1786310818027}""",
        """{"topic":"orderbook.50.BTCUSDT","ts":1786310818130,"type":"delta","data":{"s":"BTCUSDT","b":[["65114.10","0"]],"a":[],"u":101,"seq":753843911360},"cts":1786310818028}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818131,"data":{"s":"BTCUSDT","b":[],"a":[],"u":102,"seq":753843911361}}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818132,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":1,"seq":753843911362},"cts":0}""",
        """{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":1786310818133,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":5,"seq":1},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818134,"data":{"s":"BTCUSDT","a":[["65114.40","2"]],"b":[["65114.00","0.5"]],"u":103,"seq":2},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818135,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[["65114.40","2"]],"u":104,"seq":3}, "cts":1786310818030}""",
        """{"topic":"orderbook.50.BTC\u0055SDT","type":"delta","ts":1786310818136,"data":{"s":"BTCUSDT","b":[],"a":[],"u":105,"seq":4},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818137,"data":{"s":"BTCUSDT","b":[["-1","0.5"]],"a":[],"u":106,"seq":5},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818138,"data":{"s":"BTCUSDT","b":[["65114.00",0.5]],"a":[],"u":107,"seq":6},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"partial","ts":1786310818139,"data":{"s":"BTCUSDT","b":[],"a":[],"u":108,"seq":7},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818140,"data":{"s":"BTCUSDT","b":[],"a":[],"u":0,"seq":8},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818141,"data":{"s":"BTCUSDT","b":[],"a":[],"u":109,"seq":-9},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818142,"data":{"s":"BTCUSDT","b":[],"a":[],"u":110,"seq":10},"cts":1786310818030,"extra":1}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818143,"data":{"s":"BTCUSDT","b":[],"a":[],"u":111,"seq":11},"cts":1786310818030} """,
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1.5,"data":{"s":"BTCUSDT","b":[],"a":[],"u":112,"seq":12},"cts":1786310818030}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818144,"data":{"s":"BTCUSDT","b":[],"a":[],"u":113,"seq":13},"cts":01}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"snapshot","ts":1786310818145,"data":{"s":"ETHUSDT","b":[["3000.5","1"]],"a":[["3001","2"]],"u":7,"seq":14},"cts":1786310818030}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1786310818146,"data":{"s":"ETHUSDT","b":[["3000.55","1.25"]],"a":[],"u":8,"seq":15},"cts":1786310818030}""",
        """{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1786310818147,"data":{"s":"ETHUSDT","b":[["3000.555555555555555555","1"]],"a":[],"u":9,"seq":16},"cts":1786310818030}""",
        """{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.054","ask1Price":"65114.30","ask1Size":"1.2","markPrice":"65114.25","indexPrice":"65110.00","fundingRate":"0.0001","nextFundingTime":"1786320000000"},"cs":1,"ts":1786310818150}""",
        """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310818151,"data":[{"T":1786310818150,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","i":"a9188a0a-1","BT":false}]}""",
        """{"success":true,"ret_msg":"","conn_id":"x","op":"subscribe"}""",
        """{"success":false,"ret_msg":"error","op":"subscribe"}""",
        """{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818152,"data":{"s":"BTCUSDT","b":[["65114.00","0.5"]],"a":[],"u":114,"seq":17},"cts":1786310818030}""",
    ];

    [Fact]
    public void HandWrittenFrames_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var venue = VenueCatalog.BybitLinear;
        var fast = new List<int>();
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < HandWritten.Length; i++)
            {
                long before = pair.FastFallbacks;
                var result = pair.Check(venue, Encoding.UTF8.GetBytes(HandWritten[i]), $"pass {pass} frame {i}");
                if (pass == 1 && pair.FastFallbacks == before) fast.Add(i);
                if (pass == 1) output.WriteLine($"{i}: {result} {(pair.FastFallbacks == before ? "fast" : "reference")}");
            }
        // Second pass (symbols registered): the plain orderbook shapes took the fast path; reordered arrays, spaces,
        // escapes, negative or unquoted numbers, unknown types, u = 0, trailing keys or bytes, fractional or
        // zero-led times, over-precise prices, tickers, trades and acks went to the reference path.
        Assert.Equal([0, 1, 2, 3, 4, 17, 18, 24], fast);
        Assert.True(pair.For(venue).Fast.Restarts > 0);
    }

    [Fact]
    public void SharedCapture_FastPathEqualsReference_NoOrderbookFallbackOnSecondPass()
    {
        var frames = Shared(output);
        if (frames is null) return;
        var pair = new Pair();
        long data = 0, books = 0;
        foreach (var (venue, payload) in frames)
            if (pair.Check(venue, payload, $"frame {pair.Compared}").Status == FrameStatus.Data) data++;
        long firstPass = pair.FastFallbacks, bookFallbacks = 0;
        foreach (var (venue, payload) in frames)
        {
            long before = pair.FastFallbacks;
            pair.Check(venue, payload, $"second pass frame {pair.Compared}");
            if (!IsBook(payload)) continue;
            books++;
            if (pair.FastFallbacks != before)
            {
                bookFallbacks++;
                output.WriteLine($"fallback: {Encoding.UTF8.GetString(payload)[..Math.Min(200, payload.Length)]}");
            }
        }
        output.WriteLine($"{frames.Count} frames ({data} data, {books} orderbook), rejects {pair.ReferenceRejected}, fallbacks first pass {firstPass}");
        Assert.True(books > 1000);
        Assert.Equal(0, pair.ReferenceRejected);
        Assert.Equal(0, bookFallbacks);
    }

    private static readonly byte[] MutationBytes = "\",}]0x\\ -."u8.ToArray().Concat(new byte[] { 0x01 }).ToArray();

    [Fact]
    public void OneByteMutationsAndTruncations_FastPathEqualsReference()
    {
        VenueCatalog.EnsureRegistered();
        var pair = new Pair();
        var sample = new List<(VenueId Venue, byte[] Payload)>();
        var hand = HandWritten.Select(s => (VenueCatalog.BybitLinear, Encoding.UTF8.GetBytes(s))).ToList();
        foreach (var (venue, payload) in hand) pair.Check(venue, payload, "warm-up"); // registers the symbols
        sample.AddRange(hand);
        var frames = Shared(output);
        if (frames is not null)
        {
            foreach (var (venue, payload) in frames) pair.Check(venue, payload, "warm-up");
            // Orderbook frames first (snapshots and deltas of every symbol), then a few of the other topics.
            sample.AddRange(frames.Where(f => IsBook(f.Payload)).GroupBy(f => (f.Venue, Encoding.ASCII.GetString(f.Payload, 0, 60)))
                .Select(g => g.First()).Take(24));
            sample.AddRange(frames.Where(f => !IsBook(f.Payload)).Take(6));
        }
        long mutations = 0;
        foreach (var (venue, original) in sample)
        {
            FrameCheck check = (payload, label) => pair.Check(venue, payload, label);
            string what = Encoding.UTF8.GetString(original)[..Math.Min(120, original.Length)];
            mutations += FastPathEquivalence.Mutate(check, (byte[])original.Clone(), what, MutationBytes, Enumerable.Range(0, Math.Min(original.Length, 701)));
            FastPathEquivalence.Truncate(check, original, what, len => len < 700 ? 1 : 97);
        }
        output.WriteLine($"{sample.Count} frames, {mutations} mutations compared; rejects {pair.ReferenceRejected}, fallbacks {pair.FastFallbacks}");
        Assert.True(pair.ReferenceRejected > 0);
    }
}
