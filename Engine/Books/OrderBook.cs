using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// of one array with free slots on both ends and at most one free gap inside the window, left where the last change
/// happened. A change next to the gap moves nothing; a change near it moves only the levels between them; a change far
/// from it either shifts the shorter part beside it toward a free end (the gap stays) or closes the gap and reopens it
/// there, whichever moves fewer levels (the reopening counted only for the next step of a walk down the side, where it
/// pays back). Sides of at most 256 levels without a gap shift the shorter part by one per change, as before.
/// <see cref="Truncate"/> is O(1). Bids sort by ascending price, asks by descending price. Grows on a cold path; never
/// allocates once it has reached its working size. Single-threaded, like <see cref="OrderBook"/>.
/// </summary>
/// <remarks>
/// Why: venues send levels all over the book (Binance's diffs touch levels hundreds deep in a 1,000-level book), and
/// with the best at the end of an array every deep insert or removal used to move every better level. A message lists
/// its levels in price order, walking away from the best, so the gap left by one change sits just above the next
/// one: successive changes of a message move only the levels between them. The levels are one array of
/// <see cref="BookLevel"/> (24 bytes) searched on <see cref="BookLevel.Price"/>, not a second key array kept in step.
/// Layout, array indexes growing to the right:
/// <code>
///   free | worse levels | gap (free) | better levels, best last | free
///        ^_start        ^_gapStart   ^_gapEnd                   ^_end
/// </code>
/// The gap is either empty (<c>_gapStart == _gapEnd</c>, anywhere) or strictly inside the window, with levels on both
/// of its sides: the best level is always at <c>_end - 1</c>.
/// </remarks>
public sealed class BookSide
{
    private BookLevel[] _levels;
    /// <summary>Array index of the worst level.</summary>
    private int _start;
    /// <summary>One past the best level's array index.</summary>
    private int _end;
    /// <summary>The free gap inside the window is <c>[_gapStart, _gapEnd)</c>; empty when they are equal.</summary>
    private int _gapStart, _gapEnd;
    /// <summary>0 for bids, -1 for asks: <c>(price ^ _flip) - _flip</c> is the sort key (price, or -price for asks).</summary>
    private readonly long _flip;
    /// <summary>Keys for sorting an out-of-order snapshot image (cold; allocated on first use).</summary>
    private long[]? _sortKeys;
    /// <summary>Array index of the level the last <see cref="Set"/> touched (or its nearest better neighbour): where
    /// <see cref="Search"/> starts. Only a hint: checked against the window and the keys, never trusted.</summary>
    private int _hint = -1;

    /// <summary>Most free slots an insert opens as a new gap when the side has none (the shift costs the same).</summary>
    private const int GapOpen = 8;

    /// <summary>
    /// Sides of at most this many levels and no gap shift the shorter part by one per change, as before the gap
    /// existed: their shifts are short (half of this at most), and the plain path's fewer branches measured faster on
    /// Bybit's 200-level books. A removal in a larger side opens the gap.
    /// </summary>
    private const int SmallSide = 256;
    /// <summary>Sides larger than this use the gap; <see cref="SmallSide"/> with the gap buffer on, int.MaxValue (never) off.</summary>
    private readonly int _plainLimit;
    /// <summary>Interpolating searches (see <see cref="SearchRun"/>); never with the gap buffer.</summary>
    private readonly bool _interpolate;

    /// <summary>An insert at most this many levels below the last change is taken as the next step of a message's walk
    /// down the side, for which moving the gap pays back (Binance spot diffs: three in four within 16 levels).</summary>
    private const int WalkLevels = 64;

    /// <param name="side">Bid or ask.</param>
    /// <param name="initialCapacity">Array slots to start with (grows on a cold path).</param>
    /// <param name="gapBuffer">Keep a movable gap where the last change happened once the side holds more than 256 levels:
    /// for books whose messages walk deep into a large side (Binance diffs against a 1,000-level snapshot: 3.2× fewer levels
    /// moved). Off, every change shifts the shorter part, which is faster for books changed near the top (Kraken, Bybit).</param>
    /// <param name="interpolate">Searches of 16 levels or more interpolate the price's place instead of scanning then
    /// bisecting (see <see cref="SearchRun"/>): for books of levels near the top, mostly one tick apart, changed anywhere
    /// in them (Bybit's 200 levels: 7 % less book work). Ignored with <paramref name="gapBuffer"/>.</param>
    public BookSide(Side side, int initialCapacity = 256, bool gapBuffer = false, bool interpolate = false)
    {
        Side = side;
        _plainLimit = gapBuffer ? SmallSide : int.MaxValue;
        _interpolate = interpolate && !gapBuffer;
        _levels = new BookLevel[Math.Max(initialCapacity, 4)];
        _flip = side == Side.Bid ? 0 : -1;
        _start = _end = _gapStart = _gapEnd = _levels.Length / 2;
    }

    public Side Side { get; }
    public int Count => _end - _start - (_gapEnd - _gapStart);
    public bool IsEmpty => _end == _start;

    /// <summary>The level at depth <paramref name="depth"/> (0 = best); <paramref name="depth"/> must be below <see cref="Count"/>
    /// (<see cref="ArgumentOutOfRangeException"/> otherwise, as for <see cref="Best"/> of an empty side).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly BookLevel At(int depth)
    {
        // The window leaves slots outside the levels that hold old levels: a depth past the book must not read one.
        if ((uint)depth >= (uint)Count)
            ThrowDepth(depth, Count);
        return ref _levels[IndexOf(depth)];
    }

    /// <summary>The level at <paramref name="depth"/>, writable for the checksum cache only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref BookLevel LevelAt(int depth) => ref _levels[IndexOf(depth)];

    /// <summary>Array index of the level at <paramref name="depth"/>: levels below the gap sit its width further down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(int depth)
    {
        int i = _end - 1 - depth;
        if (i < _gapEnd) i -= _gapEnd - _gapStart;
        return i;
    }

    /// <summary>Forgets every level's cached checksum text (cold: the checksum kind or scales changed).</summary>
    internal void ClearChecksumCache()
    {
        for (int i = _start; i < _end; i++)
        {
            if (i == _gapStart) i = _gapEnd;
            if (i < _end) _levels[i].ChecksumTextLength = 0;
        }
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

    /// <summary>Removes the level at array index <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RemoveAt(int index)
    {
        if (_gapStart != _gapEnd || _end - _start > _plainLimit)
        {
            RemoveWithGap(index);
            return;
        }
        // A small side without a gap: close the slot from the shorter part.
        var levels = _levels;
        int worse = index - _start, better = _end - index - 1;
        if (better <= worse)
        {
            if (better > 0) Move(levels, index + 1, index, better);
            _end--;
            _hint = index; // the nearest better level moved into the slot
        }
        else
        {
            Move(levels, _start, _start + 1, worse);
            _start++;
            _hint = index + 1; // the nearest better level stayed
        }
    }

    /// <summary>Removes the level at array index <paramref name="index"/>: its slot joins the gap (see <see cref="MoveGapBelow"/>).</summary>
    private void RemoveWithGap(int index)
    {
        int moved = MoveGapBelow(index, open: false);
        if (moved < 0)
        {
            // Shift the short part beside the slot over it: the gap stays for the changes to come.
            var levels = _levels;
            if (index > _gapEnd)
            {
                Move(levels, index + 1, index, _end - 1 - index);
                _end--;
                _hint = index;
            }
            else
            {
                Move(levels, _start, _start + 1, index - _start);
                _start++;
                _hint = index + 1;
                if (_start == _gapStart) { _start = _gapEnd; _gapStart = _gapEnd; }
            }
            return;
        }
        index = moved;
        _gapEnd = index + 1;
        _hint = index + 1; // the nearest better level (or past the end: no hint)
        if (_gapEnd == _end) { _end = _gapStart; _gapEnd = _gapStart; }
        else if (_gapStart == _start) { _start = _gapEnd; _gapStart = _gapEnd; }
    }

    /// <summary>
    /// Opens a slot for a level that sorts just below array index <paramref name="index"/>'s level (or at the end, or
    /// just below the level above the gap when <paramref name="index"/> is <c>_gapStart</c>) and returns it: a new best or worst level takes a free slot beyond its end,
    /// any other takes the top slot of the gap, moved below that level by <see cref="MoveGapBelow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref BookLevel InsertAt(int index)
    {
        if (_gapStart != _gapEnd || _end - _start > _plainLimit) return ref InsertWithGap(index);
        // A small side without a gap: shift the shorter part outward by one.
        int worse = index - _start, better = _end - index;
        if (better <= worse)
        {
            if (_end == _levels.Length) index = MakeRoomSlow(index);
            var levels = _levels;
            if (better > 0) Move(levels, index, index + 1, better);
            _end++;
            _hint = index;
            return ref levels[index];
        }
        else
        {
            if (_start == 0) index = MakeRoomSlow(index);
            var levels = _levels;
            if (worse > 0) Move(levels, _start, _start - 1, worse);
            _start--;
            _hint = index - 1;
            return ref levels[index - 1];
        }
    }

    /// <summary>See <see cref="InsertAt"/>: a side with a gap, or a large one.</summary>
    private ref BookLevel InsertWithGap(int index)
    {
        if (index == _end)
        {
            if (_end == _levels.Length) index = MakeRoomSlow(index);
            _hint = index;
            return ref _levels[_end++];
        }
        if (index == _start)
        {
            if (_start == 0) index = MakeRoomSlow(index);
            _hint = index - 1;
            return ref _levels[--_start];
        }
        int moved = MoveGapBelow(index, open: true);
        if (moved < 0)
        {
            // The plain shift of the part beside the new level that does not hold the gap (MoveGapBelow checked the room).
            var levels = _levels;
            if (index > _gapEnd)
            {
                Move(levels, index, index + 1, _end - index);
                _end++;
                _hint = index;
                return ref levels[index];
            }
            Move(levels, _start, _start - 1, index - _start);
            _start--;
            _hint = index - 1;
            return ref levels[index - 1];
        }
        index = moved;
        _gapEnd = --index;
        _hint = index;
        return ref _levels[index];
    }

    /// <summary>
    /// Moves the gap just below array index <paramref name="index"/> (a level, or <c>_end</c>, or <c>_gapStart</c>,
    /// which stands for the level above the gap: nothing moves) and returns that level's new index, which is then
    /// <c>_gapEnd</c>; with <paramref name="open"/> the gap is left at least one slot wide. The
    /// cheaper of two ways, counted in levels moved: slide the levels between the gap and that level across the gap, or
    /// close the gap from its shorter side and, for an insert, open a new one from the shorter side of that level by
    /// shifting that part toward its free end (up to <see cref="GapOpen"/> slots: the shift costs the same for any
    /// width). A message's changes walk away from the best, so its first change usually closes the gap the previous
    /// message left deep in the book and opens one near the top, and every later change slides only the levels since
    /// the one before. Returns the bitwise complement of <paramref name="index"/> instead when shifting the part beside
    /// that level which does not hold the gap moves fewer levels (for an insert, only when it is not the next step of a
    /// walk down the side: see <see cref="WalkLevels"/>); the caller then does that shift, and the gap stays.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int MoveGapBelow(int index, bool open)
    {
        int gapStart = _gapStart, gapEnd = _gapEnd;
        if (gapStart != gapEnd)
        {
            if (index == gapEnd) return index;
            var levels = _levels;
            int below = gapStart - _start, above = _end - gapEnd;
            int between, indexAbove;
            if (index > gapEnd) { between = index - gapEnd; indexAbove = _end - index; }
            else { between = gapStart - index; indexAbove = above + between; }
            int viaEnds = Math.Min(below, above) + (open ? Math.Min(indexAbove, below + above - indexAbove) : 0);
            if (!open)
            {
                int plain = index > gapEnd ? _end - 1 - index : index - _start;
                if (plain < between && plain < viaEnds) return ~index;
            }
            else if ((uint)(_hint - index - 1) >= (uint)WalkLevels && (index > gapEnd ? _end < levels.Length : _start > 0))
            {
                // Not the next step of a walk down the side (a message's first change, or a venue whose changes land
                // anywhere): reopening the gap here would not pay back, so a shorter plain shift wins, the gap stays.
                int plain = index > gapEnd ? _end - index : index - _start;
                if (plain < between && plain <= viaEnds) return ~index;
            }
            if (between <= viaEnds)
            {
                if (index > gapEnd)
                {
                    Move(levels, gapEnd, gapStart, between);
                    _gapStart = gapStart + between;
                    _gapEnd = index;
                    return index;
                }
                int top = gapEnd - between; // where the level at index moves to
                Move(levels, index, top, between);
                _gapStart = index;
                _gapEnd = top;
                return top;
            }
            index = CloseGap(index);
        }
        if (!open)
        {
            _gapStart = _gapEnd = index;
            return index;
        }
        return OpenGap(index);
    }

    /// <summary>
    /// Closes the gap by shifting the shorter part across it and leaves an empty gap at <paramref name="index"/>, which does
    /// not move: <see cref="MoveGapBelow"/> closes the gap only for a level on its longer side (a level within the shorter
    /// part is nearer than that part is long, so sliding across the gap always costs less), and the shorter part is the one
    /// that moves.
    /// </summary>
    private int CloseGap(int index)
    {
        var levels = _levels;
        int gapStart = _gapStart, gapEnd = _gapEnd, width = gapEnd - gapStart;
        if (_end - gapEnd <= gapStart - _start)
        {
            Debug.Assert(index < gapStart, "the level lies below the gap: the part above it moves");
            Move(levels, gapEnd, gapStart, _end - gapEnd);
            _end -= width;
        }
        else
        {
            Debug.Assert(index >= gapEnd, "the level lies above the gap: the part below it moves");
            Move(levels, _start, _start + width, gapStart - _start);
            _start += width;
        }
        _gapStart = _gapEnd = index;
        return index;
    }

    /// <summary>Opens a gap just below array index <paramref name="index"/> (a level strictly inside a side without a
    /// gap) by shifting the shorter part toward its free end; returns that level's new index.</summary>
    private int OpenGap(int index)
    {
        if (_end - index <= index - _start)
        {
            if (_end == _levels.Length) index = MakeRoomSlow(index);
            int width = Math.Min(GapOpen, _levels.Length - _end);
            var levels = _levels;
            Move(levels, index, index + width, _end - index);
            _end += width;
            _gapStart = index;
            _gapEnd = index + width;
            return index + width;
        }
        else
        {
            if (_start == 0) index = MakeRoomSlow(index);
            int width = Math.Min(GapOpen, _start);
            var levels = _levels;
            Move(levels, _start, _start - width, index - _start);
            _start -= width;
            _gapStart = index - width;
            _gapEnd = index;
            return index;
        }
    }

    /// <summary>
    /// An end of the array is full: closes the gap, then re-centres the levels (amortised: it leaves half the free
    /// slots on each end), or grows when less than a quarter of the array is free. Returns where
    /// <paramref name="index"/>'s level moved to.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int MakeRoomSlow(int index)
    {
        int gap = _gapEnd - _gapStart;
        if (gap > 0)
        {
            _levels.AsSpan(_gapEnd, _end - _gapEnd).CopyTo(_levels.AsSpan(_gapStart));
            if (index >= _gapEnd) index -= gap;
            _end -= gap;
        }
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
            _gapStart = _gapEnd = _end;
            ColdPath.End(cold);
            return index;
        }
        int centred = (_levels.Length - count) / 2;
        _levels.AsSpan(_start, count).CopyTo(_levels.AsSpan(centred));
        index += centred - _start;
        _start = centred;
        _end = centred + count;
        _gapStart = _gapEnd = _end;
        return index;
    }

    /// <summary>
    /// Appends a level without keeping order (loading a snapshot after <see cref="Clear"/>); call
    /// <see cref="CompleteBulk"/> once the image is complete. O(1) per level instead of a shift per insert.
    /// </summary>
    public void AppendUnsorted(long price, long size, byte priceDecimals, byte sizeDecimals)
    {
        if (_end == _levels.Length || _gapStart != _gapEnd) AppendRoomSlow();
        _levels[_end++] = new BookLevel { Price = price, Size = size, PriceDecimals = priceDecimals, SizeDecimals = sizeDecimals };
    }

    /// <summary>Closes the gap (appending to a side that was not cleared) and makes room at the end.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AppendRoomSlow()
    {
        MakeRoomSlow(_end);
        if (_end == _levels.Length) MakeRoomSlow(_end);
    }

    /// <summary>
    /// Sorts the levels appended by <see cref="AppendUnsorted"/> and drops zero sizes and repeated prices (the later
    /// one in the image wins when the image was already sorted). Returns how many were dropped. An image listed
    /// best-first (how venues send them) is reversed in place instead of sorted; anything else is sorted by
    /// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/> (allocation-free once its key array exists).
    /// </summary>
    public int CompleteBulk()
    {
        if (_gapStart != _gapEnd) MakeRoomSlow(_end); // never after Clear + AppendUnsorted: they leave no gap
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
        _gapStart = _gapEnd = write;
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
        if (depth <= 0 || Count <= depth) return;
        int worst = _end - depth; // array index of the level at depth - 1 when it is above the gap
        if (worst >= _gapEnd) { _start = worst; _gapStart = _gapEnd = _end; } // the gap goes with the worse levels
        else _start = worst - (_gapEnd - _gapStart);
    }

    /// <summary>Empties the side, leaving free slots on both ends.</summary>
    public void Clear() => _start = _end = _gapStart = _gapEnd = _levels.Length / 2;

    /// <summary>Size at an exact price, 0 when absent.</summary>
    public long SizeAt(long price)
    {
        int i = Search(Key(price));
        return i >= 0 ? _levels[i].Size : 0;
    }

    /// <summary>Checks the ordering invariant and the gap's place (tests and debug checks; O(n)).</summary>
    public bool IsStrictlySorted()
    {
        if (_start < 0 || _start > _end || _end > _levels.Length) return false;
        if (_gapStart == _gapEnd) return IsRunSorted(_start, _end);
        // A gap lies strictly inside the window, with levels on both sides that still sort across it.
        if (_start >= _gapStart || _gapStart > _gapEnd || _gapEnd >= _end) return false;
        return IsRunSorted(_start, _gapStart) && IsRunSorted(_gapEnd, _end)
            && Key(_levels[_gapStart - 1].Price) < Key(_levels[_gapEnd].Price);
    }

    private bool IsRunSorted(int from, int to)
    {
        for (int i = from + 1; i < to; i++)
            if (Key(_levels[i - 1].Price) >= Key(_levels[i].Price)) return false;
        return true;
    }

    /// <summary>
    /// Moves <paramref name="count"/> levels from array index <paramref name="from"/> to <paramref name="to"/> (the runs
    /// may overlap). Why not <c>Span.CopyTo</c>: for overlapping runs (every shift by one slot, most slides across the
    /// gap) it calls the C runtime's memmove through a P/Invoke with a GC mode switch, about 20 ns before the first byte
    /// moves, while most moves here are a few hundred bytes (Binance: 28 levels per change on average, Bybit fewer).
    /// In-process A/B on the venue captures' book events (thread CPU per frame, 401 interleaved rounds): Binance
    /// book 0.2554 to 0.2354 us median (ratio 0.92), Bybit 0.3693 to 0.3549 (ratio 0.96).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Move(BookLevel[] levels, int from, int to, int count)
    {
        if ((ulong)(uint)from + (uint)count > (ulong)levels.Length || (ulong)(uint)to + (uint)count > (ulong)levels.Length)
            ThrowMove();
        ref BookLevel first = ref MemoryMarshal.GetArrayDataReference(levels);
        MoveBytes(ref Unsafe.As<BookLevel, byte>(ref Unsafe.Add(ref first, from)),
            ref Unsafe.As<BookLevel, byte>(ref Unsafe.Add(ref first, to)), (nuint)(uint)count * (nuint)Unsafe.SizeOf<BookLevel>());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMove() => throw new InvalidOperationException("a level move fell outside the level array");

    /// <summary>
    /// Copies <paramref name="length"/> bytes (a multiple of 24) from <paramref name="source"/> to
    /// <paramref name="destination"/>, which may overlap: short runs with every load before the first store, longer
    /// ones 32 bytes at a time in the direction that never overwrites a byte before it is read.
    /// </summary>
    private static void MoveBytes(ref byte source, ref byte destination, nuint length)
    {
        if (length <= 32)
        {
            if (length == 0) return;
            var a = Vector128.LoadUnsafe(ref source);
            var b = Vector128.LoadUnsafe(ref source, length - 16);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, length - 16);
            return;
        }
        if (length <= 64)
        {
            var a = Vector256.LoadUnsafe(ref source);
            var b = Vector256.LoadUnsafe(ref source, length - 32);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, length - 32);
            return;
        }
        if (length <= 128)
        {
            var a = Vector256.LoadUnsafe(ref source);
            var b = Vector256.LoadUnsafe(ref source, 32);
            var c = Vector256.LoadUnsafe(ref source, length - 64);
            var d = Vector256.LoadUnsafe(ref source, length - 32);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, 32);
            c.StoreUnsafe(ref destination, length - 64);
            d.StoreUnsafe(ref destination, length - 32);
            return;
        }
        if (Unsafe.IsAddressGreaterThan(ref destination, ref source))
        {
            // Toward higher addresses: copy from the top down; the stores stay above every byte still to be read.
            var head = Vector256.LoadUnsafe(ref source);
            nuint at = length;
            do
            {
                at -= 32;
                Vector256.LoadUnsafe(ref source, at).StoreUnsafe(ref destination, at);
            }
            while (at > 32);
            head.StoreUnsafe(ref destination);
        }
        else
        {
            // Toward lower addresses: copy from the bottom up; the stores stay below every byte still to be read.
            var tail = Vector256.LoadUnsafe(ref source, length - 32);
            nuint at = 0;
            do
            {
                Vector256.LoadUnsafe(ref source, at).StoreUnsafe(ref destination, at);
                at += 32;
            }
            while (at < length - 32);
            tail.StoreUnsafe(ref destination, length - 32);
        }
    }

    /// <summary>Levels <see cref="Search"/> scans below its start before it bisects.</summary>
    private const int ScanLevels = 16;

    /// <summary>Array index of <paramref name="key"/>'s level, or the bitwise complement of the array index of the
    /// nearest better level (<c>_end</c> when none), or of <c>_gapStart</c> for a key between the levels below the gap
    /// and those above it (where <see cref="InsertAt"/> puts it at the gap's top without moving anything).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Search(long key)
    {
        // The best end is hit most: check it before the search.
        int end = _end, start = _start;
        if (end == start) return ~end;
        ref BookLevel levels = ref MemoryMarshal.GetArrayDataReference(_levels);
        long top = Key(Unsafe.Add(ref levels, end - 1).Price);
        if (key >= top) return key == top ? end - 1 : ~end;
        // Search one run of levels: above the gap (up to the best) or below it.
        int lo = start, hi = end - 2;
        int gapStart = _gapStart, gapEnd = _gapEnd;
        if (gapStart != gapEnd)
        {
            long g = Key(Unsafe.Add(ref levels, gapEnd).Price);
            if (key >= g)
            {
                if (key == g) return gapEnd;
                lo = gapEnd + 1;
            }
            else hi = gapStart - 1;
        }
        return SearchRun(ref levels, key, lo, hi);
    }

    /// <summary>Searches the sorted run <c>[lo, hi]</c>, whose level <c>hi + 1</c> (or slot, at the gap) sorts above the key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SearchRun(ref BookLevel levels, long key, int lo, int hi)
    {
        // Venues list a message's levels best-first, and most land a few levels below the previous one (Binance spot
        // diffs: half within 4 levels, three in four within 16); the first of a message is usually just below the best.
        // So: narrow the range with the last touched level, then scan the next levels down from its top (or interpolate,
        // below), and bisect only when that fails. Every step compares keys: the hint only changes where the search starts.
        int hint = _hint;
        if ((uint)(hint - lo) < (uint)(hi + 1 - lo))
        {
            long h = Key(Unsafe.Add(ref levels, hint).Price);
            if (h == key) return hint;
            if (h < key) lo = hint + 1; else hi = hint - 1;
        }
        if (!_interpolate || hi - lo < ScanLevels)
        {
            // Gap-buffer sides (a message walks deep into a large side from the last change), sides not asked to
            // interpolate, and short runs.
            int stop = Math.Max(lo, hi - (ScanLevels - 1));
            for (int i = hi; i >= stop; i--)
            {
                long k = Key(Unsafe.Add(ref levels, i).Price);
                if (k <= key) return k == key ? i : ~(i + 1);
            }
            hi = stop - 1;
        }
        else
        {
            // Sides asked to interpolate hold the levels near the top (Bybit's 200), mostly one tick apart, and a
            // message's levels land anywhere in them: interpolate the key's place in the run's price range (on its level
            // for half of Bybit's searches that the scan above would miss, within 2 levels for 86 %), gallop from there
            // to bracket it, and bisect the bracket. A sparse run only costs more gallop steps (2 log2 of the miss at most).
            long low = Key(Unsafe.Add(ref levels, lo).Price), high = Key(Unsafe.Add(ref levels, hi).Price);
            if (key <= low) return key == low ? lo : ~lo;
            if (key >= high) return key == high ? hi : ~(hi + 1);
            // low < key < high. Doubles: no overflow for any longs; rounding keeps the share within [0, 1], a NaN (keys too
            // close for doubles) or anything else outside the run falls back to lo.
            int guess = lo + (int)(((double)key - low) / ((double)high - low) * (hi - lo));
            if ((uint)(guess - lo) > (uint)(hi - lo)) guess = lo;
            long g = Key(Unsafe.Add(ref levels, guess).Price);
            if (g == key) return guess;
            int step = 1;
            if (g < key)
            {
                lo = guess + 1;
                while (guess + step < hi)
                {
                    int probe = guess + step;
                    long k = Key(Unsafe.Add(ref levels, probe).Price);
                    if (k == key) return probe;
                    if (k > key) { hi = probe - 1; break; }
                    lo = probe + 1;
                    step <<= 1;
                }
            }
            else
            {
                hi = guess - 1;
                while (guess - step > lo)
                {
                    int probe = guess - step;
                    long k = Key(Unsafe.Add(ref levels, probe).Price);
                    if (k == key) return probe;
                    if (k < key) { lo = probe + 1; break; }
                    hi = probe - 1;
                    step <<= 1;
                }
            }
        }
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

    /// <summary>
    /// The best <paramref name="count"/> levels (0 &lt;= count &lt;= <see cref="Count"/>) as one contiguous run of the
    /// level array, BEST LAST (depth d at index count - 1 - d), writable for the checksum cache only; an EMPTY span when
    /// they do not lie in one run: the gap lies among them (BookChecksum then reads them one by one with
    /// <see cref="LevelAt"/>). Lets the checksum walk the top of the book without a bounds check and two field loads per level.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<BookLevel> TopRun(int count) =>
        _gapStart == _gapEnd || _end - count >= _gapEnd ? _levels.AsSpan(_end - count, count) : default;
}

/// <summary>
/// The L2 book of one instrument on one venue. Single-threaded: owned by the book stage's thread; other threads read
/// published snapshots, never this object. No allocation per update once the sides reached their working size.
/// </summary>
public sealed class OrderBook
{
    /// <param name="gapBuffer">See <see cref="BookSide(Side, int, bool, bool)"/>: on for venues whose diffs walk deep (<see cref="BookSyncSpec.DeepDiffs"/>).</param>
    /// <param name="interpolate">See <see cref="BookSide(Side, int, bool, bool)"/>: on for venues with dense books changed anywhere (<see cref="BookSyncSpec.DenseBooks"/>).</param>
    public OrderBook(VenueId venue, InstrumentId instrument, int initialCapacity = 256, bool gapBuffer = false, bool interpolate = false)
    {
        Venue = venue;
        Instrument = instrument;
        Bids = new BookSide(Side.Bid, initialCapacity, gapBuffer, interpolate);
        Asks = new BookSide(Side.Ask, initialCapacity, gapBuffer, interpolate);
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
