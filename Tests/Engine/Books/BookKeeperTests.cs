using System.Text;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Books;

public class BookKeeperTests
{
    private static readonly VenueId Venue = new(950);

    private sealed class ResyncLog : IResyncRequester
    {
        public readonly List<(VenueId, InstrumentId, ResyncReason)> Requests = new();
        public void RequestResync(VenueId venue, InstrumentId instrument, ResyncReason reason) => Requests.Add((venue, instrument, reason));
    }

    private readonly InstrumentRegistry _registry = new();
    private readonly ResyncLog _resync = new();
    private readonly BookKeeper _keeper;
    private readonly InstrumentId _id;

    public BookKeeperTests()
    {
        _id = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, 1, 0).Id;
        _keeper = new BookKeeper(_registry, _resync);
    }

    private void Message(MarketEventFlags flags, long first, long last, long prev, params (Side Side, long Price, long Size)[] levels) =>
        MessageWithChecksum(flags, first, last, prev, 0, levels);

    private void MessageWithChecksum(MarketEventFlags flags, long first, long last, long prev, uint checksum, params (Side Side, long Price, long Size)[] levels)
    {
        var header = new MarketEvent
        {
            Kind = MarketEventKind.BookHeader, Venue = Venue, Instrument = _id, Flags = flags | MarketEventFlags.HasSequence,
            FirstSequence = first, Sequence = last, PrevSequence = prev, Checksum = checksum,
        };
        if (levels.Length == 0) header.Flags |= MarketEventFlags.EndOfMessage;
        _keeper.OnEvent(ref header);
        for (int i = 0; i < levels.Length; i++)
        {
            var e = new MarketEvent
            {
                Kind = MarketEventKind.BookLevel, Venue = Venue, Instrument = _id, Side = levels[i].Side, Price = levels[i].Price,
                Size = levels[i].Size, PriceDecimals = 1, SizeDecimals = 0,
                Flags = i == levels.Length - 1 ? MarketEventFlags.EndOfMessage : MarketEventFlags.None,
            };
            _keeper.OnEvent(ref e);
        }
    }

    private void RestSnapshot(long lastUpdateId, params (Side, long, long)[] levels) =>
        Message(MarketEventFlags.Snapshot | MarketEventFlags.RestSnapshot, 0, lastUpdateId, -1, levels);

    // Binance spot delta: PrevSequence = U - 1.
    private void SpotDelta(long u1, long u2, params (Side, long, long)[] levels) => Message(MarketEventFlags.None, u1, u2, u1 - 1, levels);

    private OrderBook Book => _keeper.TryGetBook(Venue, _id)!;
    private BookStats Stats => _keeper.StatsOf(Venue, _id)!;

    private static BookSyncSpec BinanceLike => new(SequenceRule.PrevLinked, BufferUntilSnapshot: true);

    /// <summary>
    /// After <see cref="BookKeeper.Reset"/> the book is as new (awaiting its snapshot, empty, no sequence) and the same
    /// Binance sequence (buffer, REST snapshot, bridge, chain) played again ends in the same book; without the reset the
    /// replayed pre-snapshot deltas would be dropped as duplicates and the bridge would fail. Counters are kept.
    /// </summary>
    [Fact]
    public void Reset_SameSequenceAgain_SameBookAsFirstTime()
    {
        _keeper.SetSpec(Venue, BinanceLike);
        for (int pass = 1; pass <= 2; pass++)
        {
            if (pass == 2)
            {
                _keeper.Reset();
                Assert.Equal(BookSyncState.AwaitingSnapshot, _keeper.StateOf(Venue, _id));
                Assert.False(Book.IsSynced);
                Assert.Equal(-1, Book.LastSequence);
                Assert.Equal(0, Book.Bids.Count + Book.Asks.Count);
                Assert.Equal(1, Stats.Snapshots);
            }
            SpotDelta(95, 99, (Side.Bid, 1000, 1));
            SpotDelta(100, 105, (Side.Bid, 1001, 2));
            SpotDelta(106, 110, (Side.Ask, 1010, 3));
            RestSnapshot(100, (Side.Bid, 999, 5), (Side.Ask, 1011, 6));
            Assert.Equal(BookSyncState.Synced, _keeper.StateOf(Venue, _id));
            Assert.Equal(110, Book.LastSequence);
            Assert.Equal(2, Book.Bids.SizeAt(1001));
            Assert.Equal(1010, Book.Asks.Best.Price);
            Assert.Equal(pass, Stats.DroppedStale);
            Assert.Equal(0, Stats.Gaps);
        }
        Assert.Empty(_resync.Requests);
    }

    /// <summary>Binance "how to manage a local order book": buffer, drop u ≤ lastUpdateId, bridge U ≤ lastUpdateId+1 ≤ u, then U = u+1.</summary>
    [Fact]
    public void RestSnapshot_BufferedDeltas_DropStaleBridgeThenChain()
    {
        _keeper.SetSpec(Venue, BinanceLike);
        SpotDelta(95, 99, (Side.Bid, 1000, 1));           // entirely before the snapshot: dropped
        SpotDelta(100, 105, (Side.Bid, 1001, 2));         // bridges 101
        SpotDelta(106, 110, (Side.Ask, 1010, 3));         // chains
        Assert.Equal(BookSyncState.AwaitingSnapshot, _keeper.StateOf(Venue, _id));
        RestSnapshot(100, (Side.Bid, 999, 5), (Side.Ask, 1011, 6));
        Assert.Equal(BookSyncState.Synced, _keeper.StateOf(Venue, _id));
        Assert.True(Book.IsSynced);
        Assert.Equal(110, Book.LastSequence);
        Assert.Equal(1, Stats.DroppedStale);
        Assert.Equal(0, Stats.Gaps);
        Assert.Equal(0, Book.Bids.SizeAt(1000));
        Assert.Equal(2, Book.Bids.SizeAt(1001));
        Assert.Equal(1010, Book.Asks.Best.Price);
        SpotDelta(111, 111, (Side.Bid, 1001, 0));
        Assert.Equal(999, Book.Bids.Best.Price);
        Assert.Empty(_resync.Requests);
    }

    [Fact]
    public void Synced_MissingDelta_GapUnsyncedResyncRequested_ThenNewSnapshotResyncs()
    {
        _keeper.SetSpec(Venue, BinanceLike);
        RestSnapshot(100, (Side.Bid, 999, 5), (Side.Ask, 1011, 6));
        SpotDelta(101, 105, (Side.Bid, 1001, 2));
        Assert.True(Book.IsSynced);
        SpotDelta(107, 110, (Side.Bid, 1002, 2));          // 106 missing
        Assert.False(Book.IsSynced);
        Assert.Equal(BookSyncState.Unsynced, _keeper.StateOf(Venue, _id));
        Assert.Equal(1, Stats.Gaps);
        Assert.Equal((Venue, _id, ResyncReason.SequenceGap), Assert.Single(_resync.Requests));
        SpotDelta(111, 115, (Side.Bid, 1003, 2));          // buffered while unsynced
        RestSnapshot(112, (Side.Bid, 1003, 2), (Side.Ask, 1011, 6));
        Assert.True(Book.IsSynced);
        Assert.Equal(115, Book.LastSequence);
    }

    [Fact]
    public void RestSnapshot_FirstDeltaStartsTooLate_BridgeFails()
    {
        _keeper.SetSpec(Venue, BinanceLike);
        RestSnapshot(100, (Side.Bid, 999, 5));
        SpotDelta(103, 105, (Side.Bid, 1001, 2));          // 101..102 missing
        Assert.Equal(BookSyncState.Unsynced, _keeper.StateOf(Venue, _id));
        Assert.Equal(ResyncReason.BridgeFailed, Assert.Single(_resync.Requests).Item3);
    }

    [Fact]
    public void WebSocketSnapshotVenue_DropsBeforeSnapshot_DropsDuplicates()
    {
        _keeper.SetSpec(Venue, new BookSyncSpec(SequenceRule.PrevLinked));
        Message(MarketEventFlags.None, 5, 5, 4, (Side.Bid, 1, 1));
        Assert.Equal(1, Stats.DroppedUnsynced);
        Message(MarketEventFlags.Snapshot, 10, 10, -1, (Side.Bid, 100, 1), (Side.Ask, 101, 1));
        Message(MarketEventFlags.None, 11, 11, 10, (Side.Bid, 100, 2));
        Message(MarketEventFlags.None, 11, 11, 10, (Side.Bid, 100, 7));  // replayed duplicate
        Assert.Equal(1, Stats.Duplicates);
        Assert.Equal(2, Book.Bids.SizeAt(100));
        Message(MarketEventFlags.None, 11, 11, 11);                       // OKX keep-alive: prevSeqId == seqId == last, no levels
        Assert.True(Book.IsSynced);
        Assert.Equal(0, Stats.Gaps);
    }

    /// <summary>The interleaved checksum string of a book with one bid 3366.1×7 and one ask 3366.8×9 is "3366.1:7:3366.8:9".</summary>
    [Fact]
    public void Checksum_MatchAndMismatch()
    {
        _keeper.SetSpec(Venue, new BookSyncSpec(SequenceRule.None, ChecksumKind.InterleavedColonCrc32, 25));
        uint expected = BitwiseCrc32(Encoding.ASCII.GetBytes("3366.1:7:3366.8:9"));
        MessageWithChecksum(MarketEventFlags.Snapshot | MarketEventFlags.HasChecksum, 0, 0, -1, expected,
            (Side.Bid, 33661, 7), (Side.Ask, 33668, 9));
        Assert.Equal(1, Stats.ChecksumOk);
        Assert.True(Book.IsSynced);
        MessageWithChecksum(MarketEventFlags.HasChecksum, 0, 0, -1, expected, (Side.Bid, 33661, 8));
        Assert.Equal(1, Stats.ChecksumBad);
        Assert.False(Book.IsSynced);
        Assert.Equal(ResyncReason.ChecksumMismatch, Assert.Single(_resync.Requests).Item3);
    }

    [Fact]
    public void Invalidate_MarksUnsyncedUntilSnapshot()
    {
        _keeper.SetSpec(Venue, BookSyncSpec.Plain);
        Message(MarketEventFlags.Snapshot, 0, 0, -1, (Side.Bid, 100, 1));
        var inv = new MarketEvent { Kind = MarketEventKind.BookInvalidate, Venue = Venue, Instrument = _id, Reason = InvalidateReason.SequenceGap };
        _keeper.OnEvent(ref inv);
        Assert.False(Book.IsSynced);
        Assert.Equal(1, Stats.Gaps);
        Message(MarketEventFlags.None, 0, 0, -1, (Side.Bid, 100, 2));
        Assert.Equal(1, Book.Bids.SizeAt(100));           // not applied while unsynced
        Message(MarketEventFlags.Snapshot, 0, 0, -1, (Side.Bid, 100, 3));
        Assert.True(Book.IsSynced);
    }

    [Fact]
    public void Bbo_SameUpdateId_ComparedWithTop()
    {
        _keeper.SetSpec(Venue, BinanceLike);
        RestSnapshot(100, (Side.Bid, 999, 5), (Side.Ask, 1011, 6));
        SpotDelta(101, 101, (Side.Bid, 1000, 1));
        Bbo(101, 1000, 1, 1011, 6);
        Bbo(101, 1000, 2, 1011, 6);   // wrong size
        Bbo(99, 1, 1, 2, 2);          // other update id: not compared
        Assert.Equal(2, Stats.BboChecked);
        Assert.Equal(1, Stats.BboMismatch);
    }

    private void Bbo(long u, long bid, long bidSize, long ask, long askSize)
    {
        var b = new MarketEvent { Kind = MarketEventKind.Bbo, Venue = Venue, Instrument = _id, Side = Side.Bid, Price = bid, Size = bidSize, Sequence = u, Flags = MarketEventFlags.HasSequence };
        var a = new MarketEvent { Kind = MarketEventKind.Bbo, Venue = Venue, Instrument = _id, Side = Side.Ask, Price = ask, Size = askSize, Sequence = u, Flags = MarketEventFlags.HasSequence | MarketEventFlags.EndOfMessage };
        _keeper.OnEvent(ref b);
        _keeper.OnEvent(ref a);
    }

    [Fact]
    public void MaxDepth_TruncatesAfterEachMessage()
    {
        _keeper.SetSpec(Venue, new BookSyncSpec(MaxDepth: 2));
        Message(MarketEventFlags.Snapshot, 0, 0, -1, (Side.Bid, 1, 1), (Side.Bid, 2, 1), (Side.Bid, 3, 1), (Side.Ask, 10, 1));
        Assert.Equal(2, Book.Bids.Count);
        Assert.Equal(2, Book.Bids.At(1).Price);
    }

    private static uint BitwiseCrc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    [Fact]
    public void InterleavedMessagesOfSeveralBooks_EachBookEqualsSortedDictionaryModel()
    {
        // Levels normally follow their own header (BookKeeper then skips the lookup), but messages of different books may
        // interleave: random messages of four books (two venues sharing instrument ids) and of one book that never gets a
        // snapshot (its levels are dropped), their events interleaved at random in order within each message; every book
        // must equal a SortedDictionary model and count the levels it applied and the removals of missing prices.
        var random = new Random(4242);
        var registry = new InstrumentRegistry();
        var a = registry.GetOrAdd("AAA", "USDT", InstrumentKind.Spot, 1, 0).Id;
        var b = registry.GetOrAdd("BBB", "USDT", InstrumentKind.Spot, 1, 0).Id;
        var c = registry.GetOrAdd("CCC", "USDT", InstrumentKind.Spot, 1, 0).Id;
        var keeper = new BookKeeper(registry);
        VenueId v1 = new(950), v2 = new(951);
        var books = new[] { (v1, a), (v1, b), (v2, a), (v2, b) };
        var models = books.Select(_ => (Bids: new SortedDictionary<long, long>(), Asks: new SortedDictionary<long, long>())).ToArray();
        var applied = new long[books.Length];
        var missing = new long[books.Length];
        var synced = new bool[books.Length];
        for (int round = 0; round < 400; round++)
        {
            var messages = new List<List<MarketEvent>>();
            var chosen = new HashSet<int>(); // one message per book at a time: a book's own messages never interleave
            for (int m = 0, count = random.Next(1, 4); m < count; m++)
            {
                int k = random.Next(books.Length + 1);
                if (!chosen.Add(k)) continue;
                bool orphan = k == books.Length; // the book without a snapshot
                var (venue, instrument) = orphan ? (v2, c) : books[k];
                bool snapshot = !orphan && (!synced[k] || random.Next(30) == 0);
                var events = new List<MarketEvent>
                {
                    new() { Kind = MarketEventKind.BookHeader, Venue = venue, Instrument = instrument, Flags = snapshot ? MarketEventFlags.Snapshot : MarketEventFlags.None },
                };
                var staged = snapshot ? (Bids: new SortedDictionary<long, long>(), Asks: new SortedDictionary<long, long>()) : default;
                for (int l = 0, levels = random.Next(snapshot ? 1 : 0, 12); l < levels; l++)
                {
                    var side = random.Next(2) == 0 ? Side.Bid : Side.Ask;
                    long price = side == Side.Bid ? random.Next(100, 140) : random.Next(141, 180);
                    long size = snapshot ? random.Next(1, 50) : random.Next(3) == 0 ? 0 : random.Next(1, 50);
                    if (snapshot && (side == Side.Bid ? staged.Bids : staged.Asks).ContainsKey(price)) continue; // a clean image
                    events.Add(new() { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = instrument, Side = side, Price = price, Size = size });
                    if (orphan) continue;
                    applied[k]++;
                    var model = snapshot ? (side == Side.Bid ? staged.Bids : staged.Asks) : (side == Side.Bid ? models[k].Bids : models[k].Asks);
                    if (size > 0) model[price] = size;
                    else if (!model.Remove(price)) missing[k]++;
                }
                if (snapshot) { models[k] = staged; synced[k] = true; }
                var last = events[^1];
                last.Flags |= MarketEventFlags.EndOfMessage;
                events[^1] = last;
                messages.Add(events);
            }
            var next = new int[messages.Count];
            for (int left = messages.Sum(x => x.Count); left > 0; left--)
            {
                int m;
                do m = random.Next(messages.Count); while (next[m] == messages[m].Count);
                var e = messages[m][next[m]++];
                keeper.OnEvent(ref e);
            }
        }
        for (int k = 0; k < books.Length; k++)
        {
            var book = keeper.TryGetBook(books[k].Item1, books[k].Item2)!;
            Assert.Equal(models[k].Bids.Reverse().Select(kv => (kv.Key, kv.Value)), Enumerable.Range(0, book.Bids.Count).Select(d => (book.Bids.At(d).Price, book.Bids.At(d).Size)));
            Assert.Equal(models[k].Asks.Select(kv => (kv.Key, kv.Value)), Enumerable.Range(0, book.Asks.Count).Select(d => (book.Asks.At(d).Price, book.Asks.At(d).Size)));
            var stats = keeper.StatsOf(books[k].Item1, books[k].Item2)!;
            Assert.Equal(applied[k], stats.LevelsApplied);
            Assert.Equal(missing[k], stats.RemovedMissing);
        }
        Assert.Equal(0, keeper.TryGetBook(v2, c)!.Bids.Count + keeper.TryGetBook(v2, c)!.Asks.Count);
    }
}
