using System.Runtime.CompilerServices;
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
/// One side of a book: a sorted array with the BEST level at the END, so the updates venues send most (near the top)
/// move few elements, and best bid/ask is O(1). Keys are the price for bids and the negated price for asks, so both
/// sides sort ascending. Grows on a cold path; never allocates once it has reached its working size.
/// </summary>
public sealed class BookSide
{
    private BookLevel[] _levels;
    private long[] _keys;
    private int _count;

    public BookSide(Side side, int initialCapacity = 256)
    {
        Side = side;
        _levels = new BookLevel[initialCapacity];
        _keys = new long[initialCapacity];
    }

    public Side Side { get; }
    public int Count => _count;
    public bool IsEmpty => _count == 0;

    /// <summary>The level at depth <paramref name="depth"/> (0 = best).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly BookLevel At(int depth) => ref _levels[_count - 1 - depth];

    /// <summary>The level at <paramref name="depth"/>, writable for the checksum cache only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref BookLevel LevelAt(int depth) => ref _levels[_count - 1 - depth];

    /// <summary>Forgets every level's cached checksum text (cold: the checksum kind or scales changed).</summary>
    internal void ClearChecksumCache()
    {
        for (int i = 0; i < _count; i++) _levels[i].ChecksumTextLength = 0;
    }

    /// <summary>Best level; only valid when <see cref="Count"/> &gt; 0.</summary>
    public ref readonly BookLevel Best => ref _levels[_count - 1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Key(long price) => Side == Side.Bid ? price : -price;

    /// <summary>Sets the total size at a price (0 removes).</summary>
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
            level.ChecksumTextLength = 0; // the level's checksum text changed
            return LevelChange.Updated;
        }
        if (size == 0) return LevelChange.RemovedMissing;
        if (_count == _levels.Length) GrowSlow();
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

    /// <summary>
    /// Appends a level without keeping order (loading a snapshot after <see cref="Clear"/>); call
    /// <see cref="CompleteBulk"/> once the image is complete. O(1) per level instead of a shift per insert.
    /// </summary>
    public void AppendUnsorted(long price, long size, byte priceDecimals, byte sizeDecimals)
    {
        if (_count == _levels.Length) GrowSlow();
        _keys[_count] = Key(price);
        _levels[_count] = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
        _count++;
    }

    /// <summary>
    /// Sorts the levels appended by <see cref="AppendUnsorted"/> (allocation-free introsort) and drops zero sizes and
    /// repeated prices (the later one in the image wins when the image was already sorted). Returns how many were dropped.
    /// </summary>
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

    /// <summary>Keeps only the best <paramref name="depth"/> levels.</summary>
    public void Truncate(int depth)
    {
        if (depth <= 0 || _count <= depth) return;
        int drop = _count - depth;
        Array.Copy(_levels, drop, _levels, 0, depth);
        Array.Copy(_keys, drop, _keys, 0, depth);
        _count = depth;
    }

    public void Clear() => _count = 0;

    /// <summary>Size at an exact price, 0 when absent.</summary>
    public long SizeAt(long price)
    {
        int i = BinarySearch(Key(price));
        return i >= 0 ? _levels[i].Size : 0;
    }

    /// <summary>Checks the ordering invariant (tests and debug checks; O(n)).</summary>
    public bool IsStrictlySorted()
    {
        for (int i = 1; i < _count; i++)
            if (_keys[i - 1] >= _keys[i] || _levels[i].Price != (Side == Side.Bid ? _keys[i] : -_keys[i])) return false;
        return true;
    }

    private int BinarySearch(long key)
    {
        // The best end is hit most: check it before the search.
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSlow()
    {
        long cold = ColdPath.Begin();
        Array.Resize(ref _levels, _levels.Length * 2);
        Array.Resize(ref _keys, _keys.Length * 2);
        ColdPath.End(cold);
    }
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
