using FastEngine.Books;
using FastEngine.Model;
using FsCheck;
using FsCheck.Fluent;

namespace FastEngine.Tests.Engine.Books;

public class OrderBookTests
{
    private static OrderBook NewBook() => new(new VenueId(1), new InstrumentId(0), initialCapacity: 4);

    [Fact]
    public void Set_InsertUpdateRemove_BestIsO1AndSorted()
    {
        var book = NewBook();
        Assert.Equal(LevelChange.Inserted, book.Set(Side.Bid, 100, 5));
        Assert.Equal(LevelChange.Inserted, book.Set(Side.Bid, 102, 1));
        Assert.Equal(LevelChange.Inserted, book.Set(Side.Bid, 101, 2));
        Assert.Equal(LevelChange.Inserted, book.Set(Side.Ask, 105, 3));
        Assert.Equal(LevelChange.Inserted, book.Set(Side.Ask, 103, 4));
        Assert.Equal(102, book.Bids.Best.Price);
        Assert.Equal(103, book.Asks.Best.Price);
        Assert.Equal(new long[] { 102, 101, 100 }, Enumerable.Range(0, 3).Select(i => book.Bids.At(i).Price));
        Assert.Equal(LevelChange.Updated, book.Set(Side.Bid, 101, 9));
        Assert.Equal(9, book.Bids.SizeAt(101));
        Assert.Equal(LevelChange.Removed, book.Set(Side.Bid, 102, 0));
        Assert.Equal(101, book.Bids.Best.Price);
        Assert.Equal(LevelChange.RemovedMissing, book.Set(Side.Ask, 999, 0));
        Assert.False(book.IsCrossed);
        book.Set(Side.Bid, 103, 1);
        Assert.True(book.IsCrossed);
    }

    [Fact]
    public void Truncate_KeepsBestLevels()
    {
        var book = NewBook();
        for (int p = 1; p <= 20; p++) { book.Set(Side.Bid, p, 1); book.Set(Side.Ask, 100 + p, 1); }
        book.Bids.Truncate(5);
        book.Asks.Truncate(5);
        Assert.Equal(5, book.Bids.Count);
        Assert.Equal(20, book.Bids.Best.Price);
        Assert.Equal(16, book.Bids.At(4).Price);
        Assert.Equal(101, book.Asks.Best.Price);
        Assert.Equal(105, book.Asks.At(4).Price);
    }

    /// <summary>Any sequence of sets leaves each side equal to a reference dictionary model, strictly sorted.</summary>
    [Fact]
    public void Set_AnyOperations_MatchesReferenceModel()
    {
        var op = from side in Gen.Elements(Side.Bid, Side.Ask)
                 from price in Gen.Choose(1, 60)
                 from size in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 1000)))
                 select (side, price, size);
        Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            var book = NewBook();
            var model = new Dictionary<(Side, long), long>();
            foreach (var (side, price, size) in ops)
            {
                book.Set(side, price, size);
                if (size == 0) model.Remove((side, price)); else model[(side, price)] = size;
            }
            var bids = model.Where(kv => kv.Key.Item1 == Side.Bid).OrderByDescending(kv => kv.Key.Item2).Select(kv => (kv.Key.Item2, kv.Value)).ToArray();
            var asks = model.Where(kv => kv.Key.Item1 == Side.Ask).OrderBy(kv => kv.Key.Item2).Select(kv => (kv.Key.Item2, kv.Value)).ToArray();
            var ourBids = Enumerable.Range(0, book.Bids.Count).Select(i => (book.Bids.At(i).Price, book.Bids.At(i).Size)).ToArray();
            var ourAsks = Enumerable.Range(0, book.Asks.Count).Select(i => (book.Asks.At(i).Price, book.Asks.At(i).Size)).ToArray();
            return bids.SequenceEqual(ourBids) && asks.SequenceEqual(ourAsks) && book.Bids.IsStrictlySorted() && book.Asks.IsStrictlySorted();
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Set_WarmBook_AllocatesNothing()
    {
        var book = new OrderBook(new VenueId(1), new InstrumentId(0), 2048);
        for (int i = 0; i < 1000; i++) book.Set(Side.Bid, i, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 100_000; r++)
        {
            int p = 900 + (r % 200);
            book.Set(Side.Bid, p, r % 7);
            book.Set(Side.Ask, 2000 + p, r % 5);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
