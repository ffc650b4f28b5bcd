using BenchmarkDotNet.Attributes;
using FastEngine.Benchmarks.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.OrderBooks;

/// <summary>
/// The book side of the venue benchmarks alone: the <see cref="MarketEvent"/>s that one pass of
/// <see cref="BinanceParseBenchmarks"/> / <see cref="BybitParseBenchmarks"/> feeds its <see cref="BookKeeper"/>, parsed
/// once, then replayed into that keeper per invocation (Binance: from the new connection's invalidation through buffer,
/// REST snapshot, bridge and 281 depth diffs of about 29 levels over 1,000-level sides, plus bookTicker probes; Bybit:
/// 200-level linear and spot books, snapshots and deltas). One operation = one frame of the capture, as in the venue
/// benchmarks, so the per-frame book cost reads directly against their parse + book figures.
/// </summary>
/// <remarks>
/// Cross-check: a replay, with either layout, must leave every book exactly as the venue benchmark's own parse + book pass
/// left it (all levels compared), and that pass is itself checked against the JsonSerializer baseline's best bid/ask.
/// </remarks>
[Config(typeof(BenchConfig))]
public class BookReplayBenchmarks
{
    private MarketEvent[] _events = [];
    private BookKeeper _keeper = null!;

    /// <summary>The venues' sync specs with <see cref="BookSyncSpec.DeepDiffs"/> forced off or on: the two <see cref="BookSide"/>
    /// layouts on the same events (the venue benchmarks run each venue's own choice: on for Binance, off for Bybit).</summary>
    [Params(false, true)]
    public bool GapBuffer { get; set; }

    [GlobalSetup(Target = nameof(Binance))]
    public void SetupBinance() => Setup(new BinanceParseBenchmarks().BookEvents());

    [GlobalSetup(Target = nameof(Bybit))]
    public void SetupBybit() => Setup(new BybitParseBenchmarks().BookEvents());

    private void Setup((MarketEvent[] Events, BookKeeper Keeper, InstrumentRegistry Registry) source)
    {
        _events = source.Events;
        var expected = Fingerprint(source.Keeper);
        // A fresh keeper with the layout under test; the events start with the connection's invalidation, so each replay
        // rebuilds every book from its snapshot.
        _keeper = new BookKeeper(source.Registry);
        foreach (var venue in source.Keeper.Books.Select(b => b.Venue).Distinct())
            _keeper.SetSpec(venue, source.Keeper.SpecOf(venue) with { DeepDiffs = GapBuffer });
        Replay();
        Replay();
        var actual = Fingerprint(_keeper);
        if (actual != expected)
            throw new InvalidOperationException($"a book replay left the books unlike the venue benchmark's pass: {actual} vs {expected}");
    }

    [Benchmark(OperationsPerInvoke = BinanceParseBenchmarks.Frames, Description = "Binance spot BTCUSDT: book events of one frame")]
    public int Binance() => Replay();

    [Benchmark(OperationsPerInvoke = BybitParseBenchmarks.Frames, Description = "Bybit linear + spot: book events of one frame")]
    public int Bybit() => Replay();

    private int Replay()
    {
        var events = _events;
        for (int i = 0; i < events.Length; i++) _keeper.OnEvent(ref events[i]);
        return events.Length;
    }

    /// <summary>Every level of every book, folded into one string-free hash (with the level count).</summary>
    private static (int Levels, long Hash) Fingerprint(BookKeeper keeper)
    {
        int levels = 0;
        long hash = 17;
        foreach (var book in keeper.Books.OrderBy(b => b.Venue.Value).ThenBy(b => b.Instrument.Value))
        {
            hash = hash * 31 + (book.IsSynced ? 1 : 0);
            foreach (var side in new[] { book.Bids, book.Asks })
            {
                hash = hash * 31 + side.Count;
                for (int d = 0; d < side.Count; d++, levels++)
                    hash = (hash * 31 + side.At(d).Price) * 31 + side.At(d).Size;
            }
        }
        return (levels, hash);
    }
}
