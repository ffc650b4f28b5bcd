using FastEngine.Books;
using FastEngine.Model;
using FsCheck;
using FsCheck.Fluent;

namespace FastEngine.Tests.Engine.Books;

/// <summary>
/// <see cref="BookSide"/> (one array window shifted from whichever end is shorter, re-centred or grown when an end is
/// full) against a <see cref="SortedDictionary{TKey,TValue}"/> model under random sequences of inserts, updates,
/// removals, truncations, clears and bulk snapshot loads, checked after every operation.
/// </summary>
public class BookSideTests
{
    private enum OpKind { Set, Truncate, Bulk, Clear, Diff }

    private sealed record Op(OpKind Kind, long Price, long Size, byte Decimals, int Depth, (long Price, long Size)[] Image, int Order);

    private static readonly Gen<Op> SetOp =
        from price in Gen.Choose(1, 400)
        from size in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 1000)))
        from decimals in Gen.Choose(0, 8)
        select new Op(OpKind.Set, price, size, (byte)decimals, 0, [], 0);

    private static readonly Gen<Op> BulkOp =
        from prices in Gen.ListOf(Gen.Choose(1, 400))
        from sizes in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 1000))), 400)
        from order in Gen.Choose(0, 3)
        select new Op(OpKind.Bulk, 0, 0, 0, 0, prices.Distinct().Select((p, i) => ((long)p, (long)sizes[i % sizes.Length])).ToArray(), order);

    // One diff's levels set one after the other, best first as venues list them (distinct prices, inserts, removals
    // and updates interleaved): the order BookSide.Search's scan from the last touched level is built for.
    private static readonly Gen<Op> DiffOp =
        from prices in Gen.ListOf(Gen.Choose(1, 400))
        from sizes in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 1000))), 400)
        select new Op(OpKind.Diff, 0, 0, 0, 0, prices.Distinct().Select((p, i) => ((long)p, (long)sizes[i % sizes.Length])).ToArray(), 0);

    private static readonly Gen<Op> AnyOp = Gen.Frequency(
        (40, SetOp),
        (8, DiffOp),
        (2, Gen.Choose(0, 60).Select(d => new Op(OpKind.Truncate, 0, 0, 0, d, [], 0))),
        (2, BulkOp),
        (1, Gen.Constant(new Op(OpKind.Clear, 0, 0, 0, 0, [], 0))));

    [Fact]
    public void AnyOperations_BothSides_MatchSortedDictionaryModel()
    {
        var ops = from side in Gen.Elements(Side.Bid, Side.Ask)
                  from capacity in Gen.Choose(1, 16)
                  from list in Gen.ListOf(AnyOp)
                  select (side, capacity, list);
        Prop.ForAll(ops.ToArbitrary(), t => Check(t.side, t.capacity, t.list)).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(300));
        // QuickCheck's default sizes stay small; one long deterministic run covers growth, re-centring and deep shifts.
        var rng = new Random(7);
        var longRun = new List<Op>();
        for (int i = 0; i < 20_000; i++)
        {
            int r = rng.Next(1000);
            if (r < 3) longRun.Add(new Op(OpKind.Truncate, 0, 0, 0, rng.Next(0, 300), [], 0));
            else if (r < 5) longRun.Add(new Op(OpKind.Bulk, 0, 0, 0, 0,
                Enumerable.Range(0, rng.Next(0, 900)).Select(_ => (long)rng.Next(1, 2000)).Distinct().Select(p => (p, (long)rng.Next(0, 50))).ToArray(), rng.Next(4)));
            else if (r < 60) longRun.Add(new Op(OpKind.Diff, 0, 0, 0, 0,
                Enumerable.Range(0, rng.Next(1, 80)).Select(_ => (long)rng.Next(1, 2000)).Distinct().Select(p => (p, rng.Next(3) == 0 ? 0L : rng.Next(1, 1000))).ToArray(), 0));
            else longRun.Add(new Op(OpKind.Set, rng.Next(1, 2000), rng.Next(4) == 0 ? 0 : rng.Next(1, 1000), (byte)rng.Next(9), 0, [], 0));
        }
        Assert.True(Check(Side.Bid, 4, longRun));
        Assert.True(Check(Side.Ask, 4, longRun));
    }

    /// <summary>Every layout: the plain window, the gap buffer, and the plain window with interpolating searches.</summary>
    private static bool Check(Side side, int capacity, IReadOnlyList<Op> ops) =>
        CheckLayout(side, capacity, ops, gapBuffer: false) && CheckLayout(side, capacity, ops, gapBuffer: true)
        && CheckLayout(side, capacity, ops, gapBuffer: false, interpolate: true);

    private static bool CheckLayout(Side side, int capacity, IReadOnlyList<Op> ops, bool gapBuffer, bool interpolate = false)
    {
        var book = new BookSide(side, capacity, gapBuffer, interpolate);
        // Model: best first.
        var model = new SortedDictionary<long, (long Size, byte Decimals)>(side == Side.Bid ? Comparer<long>.Create((a, b) => b.CompareTo(a)) : Comparer<long>.Default);
        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case OpKind.Set:
                {
                    var expected = model.ContainsKey(op.Price)
                        ? (op.Size == 0 ? LevelChange.Removed : LevelChange.Updated)
                        : (op.Size == 0 ? LevelChange.RemovedMissing : LevelChange.Inserted);
                    if (book.Set(op.Price, op.Size, op.Decimals, op.Decimals) != expected) return false;
                    if (op.Size == 0) model.Remove(op.Price); else model[op.Price] = (op.Size, op.Decimals);
                    break;
                }
                case OpKind.Truncate:
                    book.Truncate(op.Depth);
                    if (op.Depth > 0) foreach (var k in model.Keys.Skip(op.Depth).ToList()) model.Remove(k);
                    break;
                case OpKind.Clear:
                    book.Clear();
                    model.Clear();
                    break;
                case OpKind.Diff:
                {
                    var diff = op.Image.ToList();
                    diff.Sort((a, b) => model.Comparer.Compare(a.Price, b.Price)); // best first
                    foreach (var (price, size) in diff)
                    {
                        var expected = model.ContainsKey(price)
                            ? (size == 0 ? LevelChange.Removed : LevelChange.Updated)
                            : (size == 0 ? LevelChange.RemovedMissing : LevelChange.Inserted);
                        if (book.Set(price, size, 4, 4) != expected) return false;
                        if (size == 0) model.Remove(price); else model[price] = (size, 4);
                    }
                    break;
                }
                case OpKind.Bulk:
                {
                    // Orders: 0 best first (how venues send images), 1 worst first, 2 shuffled, 3 worst first with
                    // every third level repeated (same size: which copy survives the unstable sort is not specified).
                    var image = op.Image.ToList();
                    image.Sort((a, b) => model.Comparer.Compare(a.Price, b.Price)); // best first
                    if (op.Order == 1 || op.Order == 3) image.Reverse();
                    if (op.Order == 2) image = image.OrderBy(l => (l.Price * 7919) % 409).ThenBy(l => l.Price).ToList();
                    if (op.Order == 3)
                        image = image.SelectMany((l, i) => i % 3 == 0 && l.Size != 0 ? new[] { l, l } : new[] { l }).ToList();
                    book.Clear();
                    model.Clear();
                    foreach (var (price, size) in image)
                    {
                        book.AppendUnsorted(price, size, 2, 3);
                        if (size != 0) model[price] = (size, 2);
                    }
                    int dropped = book.CompleteBulk();
                    if (dropped != image.Count - model.Count) return false;
                    break;
                }
            }
            if (!Same(book, model)) return false;
        }
        return true;
    }

    private static bool Same(BookSide book, SortedDictionary<long, (long Size, byte Decimals)> model)
    {
        if (book.Count != model.Count || book.IsEmpty != (model.Count == 0) || !book.IsStrictlySorted()) return false;
        int depth = 0;
        foreach (var (price, (size, decimals)) in model)
        {
            ref readonly var level = ref book.At(depth++);
            if (level.Price != price || level.Size != size || level.PriceDecimals != decimals) return false;
            if (book.SizeAt(price) != size) return false;
        }
        if (model.Count > 0 && book.Best.Price != model.Keys.First()) return false;
        return book.SizeAt(0) == 0 && book.SizeAt(100_000) == 0;
    }

    // ------------------------------------------------------------------ the gap inside the window

    private enum GapOpKind { Walk, Set, Truncate, Bulk, Clear, CacheAll, ClearCache }

    private sealed record GapOp(GapOpKind Kind, (long Price, long Size)[] Levels, int Depth, int Seed);

    /// <summary>Prices 1..3000 (hundreds of levels deep, as Binance's 1,000-level books), walks listed best first.</summary>
    private static readonly Gen<(long Price, long Size)> GapLevel =
        from price in Gen.Choose(1, 3000)
        from size in Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(1, 1000)))
        select ((long)price, (long)size);

    private static readonly Gen<GapOp> AnyGapOp = Gen.Frequency(
        (30, from levels in Gen.ListOf(GapLevel) from seed in Gen.Choose(0, 1 << 20)
             select new GapOp(GapOpKind.Walk, levels.ToArray(), 0, seed)),
        (20, from level in GapLevel from seed in Gen.Choose(0, 1 << 20) select new GapOp(GapOpKind.Set, [level], 0, seed)),
        (2, Gen.Choose(0, 1500).Select(d => new GapOp(GapOpKind.Truncate, [], d, 0))),
        (2, from n in Gen.Choose(0, 1500) from seed in Gen.Choose(0, 1 << 20) select new GapOp(GapOpKind.Bulk, [], n, seed)),
        (1, Gen.Constant(new GapOp(GapOpKind.Clear, [], 0, 0))),
        (3, Gen.Constant(new GapOp(GapOpKind.CacheAll, [], 0, 0))),
        (1, Gen.Constant(new GapOp(GapOpKind.ClearCache, [], 0, 0))));

    /// <summary>
    /// Deep books under message-shaped walks (distinct levels best first, inserts, removals and updates mixed), single
    /// sets, truncations, bulk loads and clears, with <see cref="BookSide.At"/> and <see cref="BookSide.LevelAt"/> read
    /// after EVERY change at the changed depth, its neighbours, the best, the worst and a random depth (the reads that
    /// must skip the gap), against a model that also tracks the checksum cache: a level written through
    /// <see cref="BookSide.LevelAt"/> keeps its cached text through every move of the gap until it changes.
    /// </summary>
    [Fact]
    public void GapWalks_InterleavedDepthReads_MatchModel()
    {
        var cases = from side in Gen.Elements(Side.Bid, Side.Ask)
                    from capacity in Gen.Choose(1, 64)
                    from snapshot in Gen.Choose(0, 1200)
                    from list in Gen.ListOf(AnyGapOp)
                    select (side, capacity, snapshot, list);
        Prop.ForAll(cases.ToArbitrary(), t => CheckGap(t.side, t.capacity, t.snapshot, t.list))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(120).WithEndSize(60));
        // One long deterministic run: many messages over a 1,000-level side, the gap closing and reopening all along.
        var rng = new Random(11);
        var ops = new List<GapOp>();
        for (int i = 0; i < 1500; i++)
        {
            int r = rng.Next(100);
            if (r < 2) ops.Add(new GapOp(GapOpKind.Truncate, [], rng.Next(200, 1500), 0));
            else if (r < 3) ops.Add(new GapOp(GapOpKind.Bulk, [], rng.Next(0, 1500), rng.Next()));
            else if (r < 8) ops.Add(new GapOp(GapOpKind.CacheAll, [], 0, 0));
            else ops.Add(new GapOp(GapOpKind.Walk,
                Enumerable.Range(0, rng.Next(1, 60)).Select(_ => ((long)rng.Next(1, 3000), rng.Next(5) < 2 ? 0L : rng.Next(1, 1000))).ToArray(), 0, rng.Next()));
        }
        Assert.True(CheckGap(Side.Bid, 8, 1000, ops));
        Assert.True(CheckGap(Side.Ask, 8, 1000, ops));
    }

    private static bool CheckGap(Side side, int capacity, int snapshot, IReadOnlyList<GapOp> ops)
    {
        var book = new BookSide(side, capacity, gapBuffer: true);
        var model = new SortedDictionary<long, (long Size, ushort Cache)>(side == Side.Bid ? Comparer<long>.Create((a, b) => b.CompareTo(a)) : Comparer<long>.Default);
        Load(book, model, snapshot, 1);
        if (!SameGap(book, model)) return false;
        foreach (var op in ops)
        {
            var rng = new Random(op.Seed);
            switch (op.Kind)
            {
                case GapOpKind.Walk:
                case GapOpKind.Set:
                {
                    var walk = op.Levels.DistinctBy(l => l.Price).ToList();
                    walk.Sort((a, b) => model.Comparer.Compare(a.Price, b.Price)); // best first, as venues list them
                    foreach (var (price, size) in walk)
                    {
                        var expected = model.ContainsKey(price)
                            ? (size == 0 ? LevelChange.Removed : LevelChange.Updated)
                            : (size == 0 ? LevelChange.RemovedMissing : LevelChange.Inserted);
                        if (book.Set(price, size, 2, 3) != expected) return false;
                        if (size == 0) model.Remove(price); else model[price] = (size, 0);
                        if (book.Count != model.Count) return false;
                        // Reads around the change: where the gap was just left.
                        int depth = model.Keys.TakeWhile(k => model.Comparer.Compare(k, price) < 0).Count();
                        foreach (int d in new[] { depth - 1, depth, depth + 1, 0, model.Count - 1, rng.Next(Math.Max(1, model.Count)) })
                            if (!SameAt(book, model, d)) return false;
                    }
                    break;
                }
                case GapOpKind.Truncate:
                    book.Truncate(op.Depth);
                    if (op.Depth > 0) foreach (var k in model.Keys.Skip(op.Depth).ToList()) model.Remove(k);
                    break;
                case GapOpKind.Bulk:
                    Load(book, model, op.Depth, op.Seed);
                    break;
                case GapOpKind.Clear:
                    book.Clear();
                    model.Clear();
                    break;
                case GapOpKind.CacheAll:
                    // What BookChecksum does: cache each level's text through LevelAt; the value is the depth's low bits + 1.
                    for (int d = 0; d < book.Count; d++) book.LevelAt(d).ChecksumTextLength = (ushort)(d % 1000 + 1);
                    foreach (var (k, d) in model.Keys.Select((k, d) => (k, d)).ToList()) model[k] = (model[k].Size, (ushort)(d % 1000 + 1));
                    break;
                case GapOpKind.ClearCache:
                    book.ClearChecksumCache();
                    foreach (var k in model.Keys.ToList()) model[k] = (model[k].Size, 0);
                    break;
            }
            if (!SameGap(book, model)) return false;
        }
        return true;
    }

    private static void Load(BookSide book, SortedDictionary<long, (long Size, ushort Cache)> model, int levels, int seed)
    {
        var rng = new Random(seed);
        book.Clear();
        model.Clear();
        var prices = Enumerable.Range(0, levels).Select(_ => (long)rng.Next(1, 3000)).Distinct().ToList();
        prices.Sort((a, b) => model.Comparer.Compare(a, b)); // best first
        foreach (long p in prices)
        {
            long size = rng.Next(1, 1000);
            book.AppendUnsorted(p, size, 2, 3);
            model[p] = (size, 0);
        }
        book.CompleteBulk();
    }

    private static bool SameAt(BookSide book, SortedDictionary<long, (long Size, ushort Cache)> model, int depth)
    {
        if (depth < 0 || depth >= model.Count) return true;
        var (price, (size, cache)) = model.ElementAt(depth);
        ref readonly var level = ref book.At(depth);
        return level.Price == price && level.Size == size && level.ChecksumTextLength == cache
            && System.Runtime.CompilerServices.Unsafe.AreSame(ref book.LevelAt(depth), ref System.Runtime.CompilerServices.Unsafe.AsRef(in level));
    }

    private static bool SameGap(BookSide book, SortedDictionary<long, (long Size, ushort Cache)> model)
    {
        if (book.Count != model.Count || book.IsEmpty != (model.Count == 0) || !book.IsStrictlySorted()) return false;
        int depth = 0;
        foreach (var (price, (size, cache)) in model)
        {
            ref readonly var level = ref book.At(depth);
            if (level.Price != price || level.Size != size || level.ChecksumTextLength != cache) return false;
            if (!System.Runtime.CompilerServices.Unsafe.AreSame(ref book.LevelAt(depth), ref System.Runtime.CompilerServices.Unsafe.AsRef(in level))) return false;
            if (book.SizeAt(price) != size) return false;
            depth++;
        }
        if (model.Count > 0 && book.Best.Price != model.Keys.First()) return false;
        if (!SameTopRuns(book)) return false;
        return book.SizeAt(0) == 0 && book.SizeAt(3001) == 0;
    }

    /// <summary>Every non-empty <see cref="BookSide.TopRun"/> is the top levels themselves, best last (the checksum
    /// caches through it); an empty one is allowed only when the gap lies among those levels.</summary>
    private static bool SameTopRuns(BookSide book)
    {
        foreach (int count in new[] { 1, 10, 25, book.Count })
        {
            if (count > book.Count) continue;
            var run = book.TopRun(count);
            if (run.Length == 0) continue;
            if (run.Length != count) return false;
            for (int d = 0; d < count; d++)
                if (!System.Runtime.CompilerServices.Unsafe.AreSame(ref run[count - 1 - d], ref book.LevelAt(d))) return false;
        }
        return true;
    }

    /// <summary>
    /// <see cref="BookSide.TopRun"/> with the gap in three places: none (a bulk load: the whole side is one run), below the
    /// top 10 (a deep insert walks the gap there: the top 10 are still one run), then changes among the best five (the run
    /// is empty when the gap is among the levels asked for). Each run is checked level for level against <see cref="BookSide.LevelAt"/>.
    /// </summary>
    [Fact]
    public void TopRun_GapBelowOrAmongTheTopLevels_RunOnlyWhenContiguous()
    {
        var book = new BookSide(Side.Bid, 4096, gapBuffer: true);
        var model = new SortedDictionary<long, (long Size, ushort Cache)>(Comparer<long>.Create((a, b) => b.CompareTo(a)));
        for (int i = 0; i < 1000; i++) { book.AppendUnsorted(2 * i + 2, 1 + i, 2, 3); model[2 * i + 2] = (1 + i, 0); }
        book.CompleteBulk();
        Assert.Equal(1000, book.TopRun(1000).Length);
        Assert.True(SameTopRuns(book));
        // A message walking down from depth 500: inserts at odd prices open the gap there.
        for (long p = 999; p > 900; p -= 2) book.Set(p, 7, 2, 3);
        Assert.Equal(10, book.TopRun(10).Length);
        Assert.True(SameTopRuns(book));
        // Then a change among the best five leaves the gap there.
        book.Set(1995, 7, 2, 3);
        book.Set(1993, 7, 2, 3);
        Assert.True(book.TopRun(1050).Length == 0 || book.TopRun(1050).Length == 1050);
        Assert.True(SameTopRuns(book));
        Assert.Equal(1052, book.Count);
        Assert.Equal(1995, book.At(3).Price);
    }

    /// <summary>Price universes that make <see cref="BookSide"/>'s interpolating search (sides built with interpolate and
    /// without the gap buffer, runs of 16 levels or more) guess badly or compute its share from doubles that cannot tell the keys apart.</summary>
    public static TheoryData<string> SkewedGrids => new() { "dense", "clusters", "geometric", "extremes", "nearMax" };

    private static long[] Universe(string grid) => grid switch
    {
        "dense" => Enumerable.Range(1, 600).Select(i => (long)i).ToArray(),
        // Two dense clusters twelve orders of magnitude apart: the share of the range lands at one end for every key.
        "clusters" => Enumerable.Range(1, 300).Select(i => (long)i).Concat(Enumerable.Range(0, 300).Select(i => 1_000_000_000_000L + 7 * i)).ToArray(),
        "geometric" => Enumerable.Range(1, 160).Select(i => (long)Math.Pow(1.25, i) + i).Distinct().ToArray(),
        // Small prices beside ones next to long.MaxValue (every one of them the same double).
        "extremes" => Enumerable.Range(1, 200).Select(i => (long)i).Concat(Enumerable.Range(0, 200).Select(i => long.MaxValue - 3 * i)).ToArray(),
        // Only prices next to long.MaxValue: the run's price range is 0 in doubles (0 / 0).
        "nearMax" => Enumerable.Range(0, 400).Select(i => long.MaxValue - 1000 + 2 * i).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(grid)),
    };

    [Theory]
    [MemberData(nameof(SkewedGrids))]
    public void Set_SkewedPriceGrids_MatchSortedDictionaryModel(string grid)
    {
        var universe = Universe(grid);
        foreach (var side in new[] { Side.Bid, Side.Ask })
        foreach (var (gapBuffer, interpolate) in new[] { (false, true), (false, false), (true, false) })
        {
            var rng = new Random(grid.Length * 31 + (int)side);
            var book = new BookSide(side, 16, gapBuffer, interpolate);
            var model = new SortedDictionary<long, (long Size, byte Decimals)>(side == Side.Bid ? Comparer<long>.Create((a, b) => b.CompareTo(a)) : Comparer<long>.Default);
            // A snapshot of about half the universe, then single changes and best-first diffs anywhere in it.
            foreach (long price in universe.Where(_ => rng.Next(2) == 0).OrderBy(p => side == Side.Bid ? -p : p))
            {
                long size = 1 + rng.Next(100);
                book.AppendUnsorted(price, size, 2, 3);
                model[price] = (size, 2);
            }
            book.CompleteBulk();
            Assert.True(Same(book, model));
            for (int i = 0; i < 3000; i++)
            {
                int count = rng.Next(4) == 0 ? 1 + rng.Next(12) : 1;
                var prices = Enumerable.Range(0, count).Select(_ => universe[rng.Next(universe.Length)]).Distinct().ToList();
                prices.Sort(model.Comparer.Compare); // best first, as venues list a diff
                foreach (long price in prices)
                {
                    long size = rng.Next(3) == 0 ? 0 : 1 + rng.Next(1000);
                    var expected = model.ContainsKey(price)
                        ? (size == 0 ? LevelChange.Removed : LevelChange.Updated)
                        : (size == 0 ? LevelChange.RemovedMissing : LevelChange.Inserted);
                    Assert.Equal(expected, book.Set(price, size, 4, 4));
                    if (size == 0) model.Remove(price); else model[price] = (size, 4);
                    long probe = universe[rng.Next(universe.Length)];
                    Assert.Equal(model.TryGetValue(probe, out var level) ? level.Size : 0, book.SizeAt(probe));
                }
                if (i % 16 == 0) Assert.True(Same(book, model), $"{grid} {side} gap={gapBuffer} interpolate={interpolate} after {i} changes");
            }
            Assert.True(Same(book, model));
        }
    }

    [Fact]
    public void Check_BrokenModelComparison_Fails()
    {
        // The checker can fail: a side compared with the opposite side's order never matches once it holds two levels.
        var ops = new List<Op> { new(OpKind.Set, 5, 1, 0, 0, [], 0), new(OpKind.Set, 7, 1, 0, 0, [], 0) };
        var book = new BookSide(Side.Bid, 4);
        foreach (var op in ops) book.Set(op.Price, op.Size, 0, 0);
        var wrongOrder = new SortedDictionary<long, (long, byte)> { [5] = (1, 0), [7] = (1, 0) }; // ascending: the ask order
        Assert.False(Same(book, wrongOrder));
    }

    [Fact]
    public void SetAndBulk_WarmSide_AllocatesNothing()
    {
        var side = new BookSide(Side.Ask, 4096);
        for (int warm = 0; warm < 2; warm++) RunMixed(side);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 20; r++) RunMixed(side);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void RunMixed(BookSide side)
        {
            // A shuffled snapshot (sorted on the cold key array, reused), then deep and shallow updates and a truncate.
            side.Clear();
            for (int i = 0; i < 1000; i++) side.AppendUnsorted(1000 + (i * 389) % 1000, 1 + i % 7, 2, 3);
            side.CompleteBulk();
            for (int i = 0; i < 5000; i++) side.Set(900 + (i * 37) % 1300, i % 5, 2, 3);
            side.Truncate(800);
        }
    }

    [Fact]
    public void AtAndBest_PastTheLevels_ThrowInsteadOfReadingOldSlots()
    {
        var side = new BookSide(Side.Bid, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => side.Best.Price);
        side.Set(100, 5, 0, 0);
        side.Set(99, 5, 0, 0);
        side.Set(101, 0, 0, 0);
        Assert.Equal(100, side.At(0).Price);
        Assert.Equal(99, side.At(1).Price);
        side.Set(100, 0, 0, 0); // removed: its slot still holds the old level
        Assert.Equal(99, side.Best.Price);
        Assert.Throws<ArgumentOutOfRangeException>(() => side.At(1).Price);
        Assert.Throws<ArgumentOutOfRangeException>(() => side.At(-1).Price);
        side.Clear();
        Assert.Throws<ArgumentOutOfRangeException>(() => side.Best.Price);
    }
}
