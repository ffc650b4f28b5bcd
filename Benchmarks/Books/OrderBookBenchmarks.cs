using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FastEngine.Books;
using FastEngine.Model;

// Not "FastEngine.Benchmarks.Books": inside FastEngine.Benchmarks that name would shadow FastEngine.Books (PipelineBenchmarks writes Books.BookStats).
namespace FastEngine.Benchmarks.OrderBooks;

/// <summary>
/// The book side and checksum alone, before/after in one run: <see cref="BookSide"/> against
/// <see cref="PairedArraySide"/> (the previous algorithm, kept here verbatim as the baseline: parallel key and level
/// arrays, best at the end, every insert/removal moving all better levels with two <c>Array.Copy</c>, a branching binary
/// search, snapshots sorted by <c>Array.Sort</c>), and the OKX checksum summed (<see cref="BookChecksum.Compute"/>)
/// against the previous Combine chain (<see cref="BookChecksum.ComputeChained"/>) and the whole text rebuilt
/// (<see cref="BookChecksum.ComputeFromText"/>).
/// </summary>
/// <remarks>
/// Workload (deterministic, shaped like the Binance BTCUSDT diff stream measured in perf-results/books.md): a 1,000-level
/// side loaded from a best-first image, then 4,096 updates whose depth is spread like Binance's (about a fifth within 10
/// levels of the best, a quarter 25–99 deep, 40 % 100–999 deep, 4 % beyond), half of them inserting or removing.
/// One operation = one level update (or one snapshot level, or one checksum).
/// </remarks>
[Config(typeof(BenchConfig))]
public class OrderBookBenchmarks
{
    private const int Depth = 1000;
    private const int Updates = 4096;
    private readonly (long Price, long Size)[] _ops = new (long, long)[Updates];
    private readonly long[] _image = new long[Depth];
    private BookSide _side = null!;
    private PairedArraySide _baselineSide = null!;
    private OrderBook _checksumBook = null!;
    private long[] _checksumPrices = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        for (int i = 0; i < Depth; i++) _image[i] = 100_000 - i; // bids, best first
        var live = new HashSet<long>(_image);
        for (int i = 0; i < Updates; i++)
        {
            int r = rng.Next(100);
            int depth = r < 20 ? rng.Next(0, 10) : r < 35 ? rng.Next(10, 25) : r < 60 ? rng.Next(25, 100) : r < 96 ? rng.Next(100, 1000) : rng.Next(1000, 1200);
            long price = 100_000 - depth;
            // Alternate so the side keeps its size: remove a live level, insert a missing one, or resize.
            long size = live.Contains(price) ? (rng.Next(2) == 0 ? 0 : rng.Next(1, 1000)) : rng.Next(1, 1000);
            if (size == 0) live.Remove(price); else live.Add(price);
            _ops[i] = (price, size);
        }
        _side = new BookSide(Side.Bid, 4096);
        _baselineSide = new PairedArraySide(Side.Bid, 4096);
        LoadSnapshot();
        LoadSnapshotBaseline();
        // Both algorithms must end in the same state.
        ApplyUpdates();
        ApplyUpdatesBaseline();
        if (_side.Count != _baselineSide.Count) throw new InvalidOperationException("book sides disagree on count");
        for (int d = 0; d < _side.Count; d++)
            if (_side.At(d).Price != _baselineSide.At(d).Price || _side.At(d).Size != _baselineSide.At(d).Size)
                throw new InvalidOperationException($"book sides disagree at depth {d}");

        // OKX-like book for the checksum: 400 levels a side, 25 checksummed, prices 8 decimals written as 1, sizes 3.
        _checksumBook = new OrderBook(new VenueId(1), new InstrumentId(0), 1024);
        for (int i = 0; i < 400; i++)
        {
            _checksumBook.Set(Side.Bid, (4_000_000 - i * 10) * 1_000_000L, (i % 17 + 1) * 100_000L, 1, 3);
            _checksumBook.Set(Side.Ask, (4_000_010 + i * 10) * 1_000_000L, (i % 13 + 1) * 100_000L, 1, 3);
        }
        _checksumPrices = Enumerable.Range(0, 64).Select(i => (4_000_000 - (i % 25) * 10) * 1_000_000L).ToArray();
        uint summed = BookChecksum.Compute(_checksumBook, ChecksumKind.InterleavedColonCrc32, 25, 8, 8);
        if (summed != BookChecksum.ComputeChained(_checksumBook, ChecksumKind.InterleavedColonCrc32, 25, 8, 8)
            || summed != BookChecksum.ComputeFromText(_checksumBook, ChecksumKind.InterleavedColonCrc32, 25, 8, 8))
            throw new InvalidOperationException("checksum forms disagree");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Updates, Description = "updates: paired arrays (before)")]
    public int ApplyUpdatesBaseline()
    {
        int changes = 0;
        foreach (var (price, size) in _ops) changes += (int)_baselineSide.Set(price, size, 2, 5);
        return changes;
    }

    [Benchmark(OperationsPerInvoke = Updates, Description = "updates: BookSide (after)")]
    public int ApplyUpdates()
    {
        int changes = 0;
        foreach (var (price, size) in _ops) changes += (int)_side.Set(price, size, 2, 5);
        return changes;
    }

    [Benchmark(OperationsPerInvoke = Depth, Description = "snapshot 1,000 best-first: paired arrays (before)")]
    public int LoadSnapshotBaseline()
    {
        _baselineSide.Clear();
        foreach (long price in _image) _baselineSide.AppendUnsorted(price, 7, 2, 5);
        return _baselineSide.CompleteBulk();
    }

    [Benchmark(OperationsPerInvoke = Depth, Description = "snapshot 1,000 best-first: BookSide (after)")]
    public int LoadSnapshot()
    {
        _side.Clear();
        foreach (long price in _image) _side.AppendUnsorted(price, 7, 2, 5);
        return _side.CompleteBulk();
    }

    /// <summary>Changes one top-25 bid level, then runs <paramref name="checksum"/>, once per price of the set (the same
    /// changes for every checksum row; the delegate call costs the same in each).</summary>
    private uint AfterEachChange(Func<OrderBook, uint> checksum)
    {
        uint x = 0;
        for (int i = 0; i < _checksumPrices.Length; i++)
        {
            _checksumBook.Set(Side.Bid, _checksumPrices[i], (i % 9 + 1) * 100_000L, 1, 3);
            x ^= checksum(_checksumBook);
        }
        return x;
    }

    /// <summary>One OKX checksum after one top-25 level changed (the usual tick: one piece re-formatted).</summary>
    [Benchmark(OperationsPerInvoke = 64, Description = "OKX checksum after 1 change: Combine chain (before)")]
    public uint ChecksumChained() => AfterEachChange(static book => BookChecksum.ComputeChained(book, ChecksumKind.InterleavedColonCrc32, 25, 8, 8));

    [Benchmark(OperationsPerInvoke = 64, Description = "OKX checksum after 1 change: summed (after)")]
    public uint ChecksumSummed() => AfterEachChange(static book => BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, 8, 8));

    [Benchmark(OperationsPerInvoke = 64, Description = "OKX checksum after 1 change: whole text rebuilt")]
    public uint ChecksumFromText() => AfterEachChange(static book => BookChecksum.ComputeFromText(book, ChecksumKind.InterleavedColonCrc32, 25, 8, 8));

    /// <summary>The book side as it was before (commit 3d5f4d9), kept as the benchmark's baseline.</summary>
    public sealed class PairedArraySide
    {
        private BookLevel[] _levels;
        private long[] _keys;
        private int _count;

        public PairedArraySide(Side side, int initialCapacity)
        {
            Side = side;
            _levels = new BookLevel[initialCapacity];
            _keys = new long[initialCapacity];
        }

        public Side Side { get; }
        public int Count => _count;

        public ref readonly BookLevel At(int depth) => ref _levels[_count - 1 - depth];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private long Key(long price) => Side == Side.Bid ? price : -price;

        public LevelChange Set(long price, long size, byte priceDecimals, byte sizeDecimals)
        {
            long key = Key(price);
            int index = BinarySearch(key);
            if (index >= 0)
            {
                ref var level = ref _levels[index];
                if (size == 0)
                {
                    int move = _count - index - 1;
                    if (move > 0)
                    {
                        Array.Copy(_levels, index + 1, _levels, index, move);
                        Array.Copy(_keys, index + 1, _keys, index, move);
                    }
                    _count--;
                    return LevelChange.Removed;
                }
                level.Size = size;
                level.SizeDecimals = sizeDecimals;
                level.PriceDecimals = priceDecimals;
                return LevelChange.Updated;
            }
            if (size == 0) return LevelChange.RemovedMissing;
            if (_count == _levels.Length) Grow();
            int insert = ~index;
            int tail = _count - insert;
            if (tail > 0)
            {
                Array.Copy(_levels, insert, _levels, insert + 1, tail);
                Array.Copy(_keys, insert, _keys, insert + 1, tail);
            }
            _keys[insert] = key;
            _levels[insert] = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
            _count++;
            return LevelChange.Inserted;
        }

        public void AppendUnsorted(long price, long size, byte priceDecimals, byte sizeDecimals)
        {
            if (_count == _levels.Length) Grow();
            _keys[_count] = Key(price);
            _levels[_count] = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
            _count++;
        }

        public int CompleteBulk()
        {
            if (_count <= 1)
            {
                if (_count == 1 && _levels[0].Size == 0) { _count = 0; return 1; }
                return 0;
            }
            bool sorted = true;
            for (int i = 1; i < _count && sorted; i++) sorted = _keys[i - 1] < _keys[i];
            if (!sorted) Array.Sort(_keys, _levels, 0, _count);
            int write = 0, dropped = 0;
            for (int read = 0; read < _count; read++)
            {
                if (_levels[read].Size == 0) { dropped++; continue; }
                if (write > 0 && _keys[write - 1] == _keys[read])
                {
                    _levels[write - 1] = _levels[read];
                    dropped++;
                    continue;
                }
                _keys[write] = _keys[read];
                _levels[write] = _levels[read];
                write++;
            }
            _count = write;
            return dropped;
        }

        public void Clear() => _count = 0;

        private int BinarySearch(long key)
        {
            int hi = _count - 1;
            if (hi >= 0)
            {
                long top = _keys[hi];
                if (key == top) return hi;
                if (key > top) return ~_count;
            }
            int lo = 0;
            hi--;
            while (lo <= hi)
            {
                int mid = (int)((uint)(lo + hi) >> 1);
                long k = _keys[mid];
                if (k == key) return mid;
                if (k < key) lo = mid + 1; else hi = mid - 1;
            }
            return ~lo;
        }

        private void Grow()
        {
            Array.Resize(ref _levels, _levels.Length * 2);
            Array.Resize(ref _keys, _keys.Length * 2);
        }
    }
}
