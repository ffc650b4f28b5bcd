using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>One price level: mantissas at the instrument's scales, plus the fractional digits of the venue's text
/// so checksums can rebuild the exact strings the venue hashed.</summary>
/// <remarks>24 bytes: the checksum cache fits in the padding after the two decimal counts.</remarks>
public struct BookLevel
{
    public long Price;
    public long Size;
    public byte PriceDecimals;
    public byte SizeDecimals;
    /// <summary>Length + 1 of this level's checksum text (see <see cref="BookChecksum"/>); 0 = not computed since the level last changed.</summary>
    internal ushort ChecksumTextLength;
    /// <summary>CRC-32 of this level's checksum text, valid while <see cref="ChecksumTextLength"/> is non-zero.</summary>
    internal uint ChecksumTextCrc;
}

/// <summary>What <see cref="OrderBook.Set"/> did.</summary>
public enum LevelChange : byte
{
    Inserted,
    Updated,
    Removed,
    /// <summary>A removal of a price the book does not hold (venues send these; harmless, counted).</summary>
    RemovedMissing,
}

/// <summary>
/// One side of a book: a sorted array with the BEST level at the END, so best bid/ask is O(1). Levels occupy a window
/// of one array with free slots on both ends: an insert or removal shifts whichever part is shorter — the levels
/// better than it (toward the free end) or the levels worse than it (toward the free start) — so an update at depth d
/// of an n-level side moves min(d, n - d) levels, and <see cref="Truncate"/> is O(1). Bids sort by ascending price,
/// asks by descending price. Grows on a cold path; never allocates once it has reached its working size.
/// </summary>
/// <remarks>
/// Why: venues send levels all over the book (Binance's diffs touch levels hundreds deep in a 1,000-level book), and
/// with the best at the end of an array every deep insert or removal used to move every better level. The levels are
/// one array of <see cref="BookLevel"/> (24 bytes) searched on <see cref="BookLevel.Price"/>, not a second key array
/// kept in step: one move per change instead of two, 24 bytes per moved level instead of 32.
/// </remarks>
public sealed class BookSide
{
    private BookLevel[] _levels;
    /// <summary>Array index of the worst level; levels are <c>[_start, _end)</c>.</summary>
    private int _start;
    /// <summary>One past the best level's array index.</summary>
    private int _end;
    /// <summary>0 for bids, -1 for asks: <c>(price ^ _flip) - _flip</c> is the sort key (price, or -price for asks).</summary>
    private readonly long _flip;
    /// <summary>Keys for sorting an out-of-order snapshot image (cold; allocated on first use).</summary>
    private long[]? _sortKeys;
    /// <summary>Array index of the level the last <see cref="Set"/> touched (or its nearest better neighbour): where
    /// <see cref="Search"/> starts. Only a hint: checked against the window and the keys, never trusted.</summary>
    private int _hint = -1;

    public BookSide(Side side, int initialCapacity = 256)
    {
        Side = side;
        _levels = new BookLevel[Math.Max(initialCapacity, 4)];
        _flip = side == Side.Bid ? 0 : -1;
        _start = _end = _levels.Length / 2;
    }

    public Side Side { get; }
    public int Count => _end - _start;
    public bool IsEmpty => _end == _start;

    /// <summary>The level at depth <paramref name="depth"/> (0 = best); <paramref name="depth"/> must be below <see cref="Count"/>
    /// (<see cref="ArgumentOutOfRangeException"/> otherwise, as for <see cref="Best"/> of an empty side).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly BookLevel At(int depth)
    {
        // The window leaves slots outside [_start, _end) that hold old levels: a depth past the book must not read one.
        if ((uint)depth >= (uint)(_end - _start))
            ThrowDepth(depth, _end - _start);
        return ref _levels[_end - 1 - depth];
    }

    /// <summary>The level at <paramref name="depth"/>, writable for the checksum cache only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref BookLevel LevelAt(int depth) => ref _levels[_end - 1 - depth];

    /// <summary>Forgets every level's cached checksum text (cold: the checksum kind or scales changed).</summary>
    internal void ClearChecksumCache()
    {
        for (int i = _start; i < _end; i++) _levels[i].ChecksumTextLength = 0;
    }

    /// <summary>Best level; only valid when <see cref="Count"/> &gt; 0.</summary>
    public ref readonly BookLevel Best
    {
        get
        {
            if (_end == _start)
                ThrowDepth(0, 0);
            return ref _levels[_end - 1];
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDepth(int depth, int count) =>
        throw new ArgumentOutOfRangeException(nameof(depth), depth, $"The side has {count} levels.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Key(long price) => (price ^ _flip) - _flip;

    /// <summary>Sets the total size at a price (0 removes).</summary>
    public LevelChange Set(long price, long size, byte priceDecimals, byte sizeDecimals)
    {
        long key = Key(price);
        int index = Search(key);
        if (index >= 0)
        {
            if (size == 0)
            {
                RemoveAt(index);
                return LevelChange.Removed;
            }
            _hint = index;
            ref var level = ref _levels[index];
            level.Size = size;
            level.SizeDecimals = sizeDecimals;
            level.PriceDecimals = priceDecimals;
            level.ChecksumTextLength = 0; // the level's checksum text changed
            return LevelChange.Updated;
        }
        if (size == 0)
        {
            _hint = ~index; // the nearest better level
            return LevelChange.RemovedMissing;
        }
        InsertAt(~index) = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
        return LevelChange.Inserted;
    }

    /// <summary>Removes the level at array index <paramref name="index"/>, closing the gap from the shorter part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RemoveAt(int index)
    {
        var levels = _levels;
        int worse = index - _start, better = _end - index - 1;
        if (better <= worse)
        {
            if (better > 0) levels.AsSpan(index + 1, better).CopyTo(levels.AsSpan(index, better));
            _end--;
            _hint = index; // the nearest better level moved into the gap
        }
        else
        {
            levels.AsSpan(_start, worse).CopyTo(levels.AsSpan(_start + 1, worse));
            _start++;
            _hint = index + 1; // the nearest better level stayed
        }
    }

    /// <summary>Opens a slot for a level that sorts just below array index <paramref name="index"/>'s level (or at the
    /// end) by shifting the shorter part outward; returns the slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref BookLevel InsertAt(int index)
    {
        int worse = index - _start, better = _end - index;
        if (better <= worse)
        {
            if (_end == _levels.Length) index = MakeRoomSlow(index);
            var levels = _levels;
            if (better > 0) levels.AsSpan(index, better).CopyTo(levels.AsSpan(index + 1, better));
            _end++;
            _hint = index;
            return ref levels[index];
        }
        else
        {
            if (_start == 0) index = MakeRoomSlow(index);
            var levels = _levels;
            if (worse > 0) levels.AsSpan(_start, worse).CopyTo(levels.AsSpan(_start - 1, worse));
            _start--;
            _hint = index - 1;
            return ref levels[index - 1];
        }
    }

    /// <summary>
    /// The shorter part's end of the array is full: re-centre the levels (amortised: it leaves half the free slots on
    /// each end), or grow when less than a quarter of the array is free. Returns where <paramref name="index"/>'s
    /// level moved to.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int MakeRoomSlow(int index)
    {
        int count = _end - _start;
        if (_levels.Length - count < Math.Max(2, _levels.Length / 4))
        {
            long cold = ColdPath.Begin();
            var grown = new BookLevel[_levels.Length * 2];
            int start = (grown.Length - count) / 2;
            _levels.AsSpan(_start, count).CopyTo(grown.AsSpan(start));
            index += start - _start;
            _levels = grown;
            _start = start;
            _end = start + count;
            ColdPath.End(cold);
            return index;
        }
        int centred = (_levels.Length - count) / 2;
        _levels.AsSpan(_start, count).CopyTo(_levels.AsSpan(centred));
        index += centred - _start;
        _start = centred;
        _end = centred + count;
        return index;
    }

    /// <summary>
    /// Appends a level without keeping order (loading a snapshot after <see cref="Clear"/>); call
    /// <see cref="CompleteBulk"/> once the image is complete. O(1) per level instead of a shift per insert.
    /// </summary>
    public void AppendUnsorted(long price, long size, byte priceDecimals, byte sizeDecimals)
    {
        if (_end == _levels.Length) AppendRoomSlow();
        _levels[_end++] = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AppendRoomSlow() => MakeRoomSlow(_end);

    /// <summary>
    /// Sorts the levels appended by <see cref="AppendUnsorted"/> and drops zero sizes and repeated prices (the later
    /// one in the image wins when the image was already sorted). Returns how many were dropped. An image listed
    /// best-first (how venues send them) is reversed in place instead of sorted; anything else is sorted by
    /// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/> (allocation-free once its key array exists).
    /// </summary>
    public int CompleteBulk()
    {
        int count = _end - _start;
        var levels = _levels;
        if (count <= 1)
        {
            if (count == 1 && levels[_start].Size == 0) { _end = _start; return 1; }
            return 0;
        }
        var image = levels.AsSpan(_start, count);
        bool ascending = true, descending = true;
        long previous = Key(image[0].Price);
        for (int i = 1; i < image.Length && (ascending || descending); i++)
        {
            long key = Key(image[i].Price);
            ascending &= previous < key;
            descending &= previous > key;
            previous = key;
        }
        if (descending) image.Reverse(); // strictly descending: no repeated prices, reversing is the sort
        else if (!ascending) SortSlow(image);
        int write = _start, dropped = 0;
        for (int read = _start; read < _end; read++)
        {
            if (levels[read].Size == 0) { dropped++; continue; }
            if (write > _start && levels[write - 1].Price == levels[read].Price)
            {
                levels[write - 1] = levels[read];
                dropped++;
                continue;
            }
            levels[write++] = levels[read];
        }
        _end = write;
        return dropped;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SortSlow(Span<BookLevel> image)
    {
        if (_sortKeys is null || _sortKeys.Length < image.Length) _sortKeys = new long[Math.Max(image.Length, _levels.Length)];
        var keys = _sortKeys.AsSpan(0, image.Length);
        for (int i = 0; i < image.Length; i++) keys[i] = Key(image[i].Price);
        keys.Sort(image);
    }

    /// <summary>Keeps only the best <paramref name="depth"/> levels (O(1): the worst levels are below the window's start).</summary>
    public void Truncate(int depth)
    {
        if (depth <= 0 || _end - _start <= depth) return;
        _start = _end - depth;
    }

    /// <summary>Empties the side, leaving free slots on both ends.</summary>
    public void Clear() => _start = _end = _levels.Length / 2;

    /// <summary>Size at an exact price, 0 when absent.</summary>
    public long SizeAt(long price)
    {
        int i = Search(Key(price));
        return i >= 0 ? _levels[i].Size : 0;
    }

    /// <summary>Checks the ordering invariant (tests and debug checks; O(n)).</summary>
    public bool IsStrictlySorted()
    {
        for (int i = _start + 1; i < _end; i++)
            if (Key(_levels[i - 1].Price) >= Key(_levels[i].Price)) return false;
        return true;
    }

    /// <summary>Levels <see cref="Search"/> scans below its start before it bisects.</summary>
    private const int ScanLevels = 16;

    /// <summary>Array index of <paramref name="key"/>'s level, or the bitwise complement of the index it would be inserted before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Search(long key)
    {
        // The best end is hit most: check it before the search.
        int end = _end, start = _start;
        if (end == start) return ~end;
        ref BookLevel levels = ref MemoryMarshal.GetArrayDataReference(_levels);
        long top = Key(Unsafe.Add(ref levels, end - 1).Price);
        if (key >= top) return key == top ? end - 1 : ~end;
        // Venues list a message's levels best-first, and most land a few levels below the previous one (Binance spot
        // diffs: half within 4 levels, three in four within 16); the first of a message is usually just below the best.
        // So: narrow the range with the last touched level, scan the next levels down from its top, and bisect only
        // when that fails. Every step compares keys: the hint only changes where the search starts.
        int lo = start, hi = end - 2;
        int hint = _hint;
        if ((uint)(hint - start) < (uint)(end - 1 - start))
        {
            long h = Key(Unsafe.Add(ref levels, hint).Price);
            if (h == key) return hint;
            if (h < key) lo = hint + 1; else hi = hint - 1;
        }
        // Level hi + 1 sorts above the key (the best level, or the hint's).
        int stop = Math.Max(lo, hi - (ScanLevels - 1));
        for (int i = hi; i >= stop; i--)
        {
            long k = Key(Unsafe.Add(ref levels, i).Price);
            if (k <= key) return k == key ? i : ~(i + 1);
        }
        hi = stop - 1;
        // A branching binary search: measured faster here than a branch-free lower bound (cmov chain), whose every probe
        // waits for the previous compare, while a predicted branch lets the next probes' loads start early.
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            long k = Key(Unsafe.Add(ref levels, mid).Price);
            if (k == key) return mid;
            if (k < key) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    // ---- Added by the okxsum helper for BookChecksum's piece sums: the one method here outside that helper's files.
    /// <summary>
    /// The best <paramref name="count"/> levels (0 &lt;= count &lt;= <see cref="Count"/>) as one contiguous run of the
    /// level array, BEST LAST (depth d at index count - 1 - d), writable for the checksum cache only; an EMPTY span when
    /// they do not lie in one run (BookChecksum then reads them one by one with <see cref="LevelAt"/>). Lets the checksum
    /// walk the top of the book without a bounds check and two field loads per level.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<BookLevel> TopRun(int count) => _levels.AsSpan(_end - count, count);
}

/// <summary>
/// The L2 book of one instrument on one venue. Single-threaded: owned by the book stage's thread; other threads read
/// published snapshots, never this object. No allocation per update once the sides reached their working size.
/// </summary>
public sealed class OrderBook
{
    public OrderBook(VenueId venue, InstrumentId instrument, int initialCapacity = 256)
    {
        Venue = venue;
        Instrument = instrument;
        Bids = new BookSide(Side.Bid, initialCapacity);
        Asks = new BookSide(Side.Ask, initialCapacity);
    }

    public VenueId Venue { get; }
    public InstrumentId Instrument { get; }
    public BookSide Bids { get; }
    public BookSide Asks { get; }

    /// <summary>True only while the book follows the venue's documented sync procedure; consumers must not use an unsynced book.</summary>
    public bool IsSynced { get; internal set; }
    /// <summary>Sequence of the last applied message (venue's update id), or -1.</summary>
    public long LastSequence { get; internal set; } = -1;
    /// <summary>Local receive time (Unix ns) of the last applied message.</summary>
    public long LastReceiveTimeNs { get; internal set; }
    public long LastExchangeTimeNs { get; internal set; }

    public BookSide SideOf(Side side) => side == Side.Bid ? Bids : Asks;

    /// <summary>Kind and scales the levels' cached checksum texts were computed for (0 = none yet); see <see cref="BookChecksum"/>.</summary>
    internal int ChecksumCacheKey;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LevelChange Set(Side side, long price, long size, byte priceDecimals = 0, byte sizeDecimals = 0) =>
        (side == Side.Bid ? Bids : Asks).Set(price, size, priceDecimals, sizeDecimals);

    public void Clear()
    {
        Bids.Clear();
        Asks.Clear();
    }

    /// <summary>Best bid ≥ best ask (a book that follows its venue never stays crossed).</summary>
    public bool IsCrossed => !Bids.IsEmpty && !Asks.IsEmpty && Bids.Best.Price >= Asks.Best.Price;

    public override string ToString() =>
        $"{VenueNames.NameOf(Venue)}#{Instrument} bids={Bids.Count} asks={Asks.Count} synced={IsSynced} seq={LastSequence}";
}
