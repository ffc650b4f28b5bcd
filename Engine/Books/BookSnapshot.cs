using System.Runtime.CompilerServices;
using FastEngine.Model;
using FastEngine.Ring;

namespace FastEngine.Books;

/// <summary>
/// The header of one published book image in a <see cref="BookSnapshotRing"/> slot: which book, its sync state and
/// sequence/time stamps, and how many of its best levels per side the slot holds (the levels themselves live in the ring's
/// pre-allocated level array, indexed by slot). Fixed size, blittable.
/// </summary>
public struct BookSnapshot
{
    public VenueId Venue;
    public InstrumentId Instrument;
    public bool IsSynced;
    /// <summary>False: a state-only image (the book went unsynced inside a message, or was invalidated): the levels did not
    /// change and the slot holds none.</summary>
    public bool HasLevels;
    public int BidCount, AskCount;
    public long LastSequence;
    public long LastReceiveTimeNs;
    public long LastExchangeTimeNs;
}

/// <summary>
/// A single-producer, single-consumer ring of book images: the book stage thread (the producer) publishes the state of a
/// book after each book message it applied (its best <see cref="Depth"/> levels per side with their decimals, sync state,
/// last sequence and times); the decision stage thread (the consumer) applies them, in order, to its <see cref="BookMirror"/>.
/// </summary>
/// <remarks>
/// Memory: <c>slots × 2 × depth</c> <see cref="BookLevel"/>s (24 bytes each), allocated once; nothing is allocated per
/// image. Ordering: the producer writes a slot, then publishes it; the consumer finds an image's sequence through the main
/// ring (the book stage records it for the event, then finishes that event), so the main ring's barrier already orders the
/// slot's writes before the consumer's reads. <see cref="Release"/> hands a slot back; the producer waits (never
/// overwrites) while all slots are unreleased, which cannot deadlock: every unreleased image belongs to an event the book
/// stage finished, which the decision stage can process.
/// </remarks>
public sealed class BookSnapshotRing
{
    private readonly RingBuffer<BookSnapshot> _ring;
    private readonly BookLevel[] _levels;
    private readonly Sequence _consumed = new();
    private readonly int _mask;

    /// <param name="slots">Images in flight at most (a power of two).</param>
    /// <param name="depth">Levels per side kept in an image (1..).</param>
    /// <param name="waitStrategy">How the producer waits for a free slot (default yielding).</param>
    public BookSnapshotRing(int slots, int depth, IWaitStrategy? waitStrategy = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _ring = new RingBuffer<BookSnapshot>(slots, ProducerType.Single, waitStrategy ?? new YieldingWaitStrategy());
        _ring.AddGatingSequences(_consumed);
        _levels = new BookLevel[(long)slots * 2 * depth];
        _mask = slots - 1;
        Depth = depth;
    }

    /// <summary>Levels per side an image holds at most.</summary>
    public int Depth { get; }
    public int Slots => _ring.BufferSize;
    /// <summary>Images published so far (producer side; racy read from elsewhere).</summary>
    public long Published => _ring.Cursor + 1;

    /// <summary>
    /// Producer (book stage thread): publishes <paramref name="book"/>'s state; with <paramref name="levels"/> its best
    /// <see cref="Depth"/> levels per side too. Returns the image's sequence. Allocation-free.
    /// </summary>
    /// <remarks>When every slot is taken, <paramref name="progress"/> (the book stage's sequence in the main ring) is first
    /// advanced to <paramref name="doneThrough"/> (the events before the current one, all finished): the decision stage
    /// frees slots only as it passes those events, and the processor would otherwise publish them only at the end of its
    /// batch, which may hold more book messages than the ring has slots.</remarks>
    public long Publish(OrderBook book, bool levels, Sequence? progress = null, long doneThrough = -1)
    {
        if (!_ring.TryNext(out long seq)) seq = NextSlow(progress, doneThrough);
        ref var s = ref _ring[seq];
        s.Venue = book.Venue;
        s.Instrument = book.Instrument;
        s.IsSynced = book.IsSynced;
        s.LastSequence = book.LastSequence;
        s.LastReceiveTimeNs = book.LastReceiveTimeNs;
        s.LastExchangeTimeNs = book.LastExchangeTimeNs;
        s.HasLevels = levels;
        if (levels)
        {
            int depth = Depth;
            long at = (seq & _mask) * 2 * depth;
            s.BidCount = CopyTop(book.Bids, _levels.AsSpan((int)at, depth));
            s.AskCount = CopyTop(book.Asks, _levels.AsSpan((int)at + depth, depth));
        }
        else
        {
            s.BidCount = s.AskCount = 0;
        }
        _ring.Publish(seq);
        return seq;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long NextSlow(Sequence? progress, long doneThrough)
    {
        if (progress is not null && doneThrough > progress.Value) progress.Value = doneThrough;
        FullWaits++;
        return _ring.Next();
    }

    /// <summary>Times the producer found every slot taken and waited for the consumer (producer side).</summary>
    public long FullWaits { get; private set; }

    /// <summary>Copies the best levels of <paramref name="side"/> (as many as fit) BEST LAST, as a side stores them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CopyTop(BookSide side, Span<BookLevel> to)
    {
        int n = Math.Min(side.Count, to.Length);
        var run = side.TopRun(n);
        if (run.Length == n)
        {
            run.CopyTo(to);
            return n;
        }
        return CopyTopSlow(side, to, n);
    }

    /// <summary>The gap of <paramref name="side"/> lies among its best levels: one by one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CopyTopSlow(BookSide side, Span<BookLevel> to, int n)
    {
        for (int d = 0; d < n; d++) to[n - 1 - d] = side.At(d);
        return n;
    }

    /// <summary>Consumer: the image of <paramref name="sequence"/> (valid until <see cref="Release"/> of it).</summary>
    public ref readonly BookSnapshot this[long sequence] => ref _ring[sequence];

    /// <summary>Consumer: the bid levels of image <paramref name="sequence"/>, best last.</summary>
    public ReadOnlySpan<BookLevel> BidsOf(long sequence) =>
        _levels.AsSpan((int)((sequence & _mask) * 2 * Depth), _ring[sequence].BidCount);

    /// <summary>Consumer: the ask levels of image <paramref name="sequence"/>, best last.</summary>
    public ReadOnlySpan<BookLevel> AsksOf(long sequence) =>
        _levels.AsSpan((int)((sequence & _mask) * 2 * Depth + Depth), _ring[sequence].AskCount);

    /// <summary>Consumer: every image up to <paramref name="sequence"/> was applied; the producer may reuse their slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(long sequence) => _consumed.Value = sequence;
}

/// <summary>
/// The decision thread's copy of every book, fed by a <see cref="BookSnapshotRing"/>: each <see cref="Apply"/> makes one
/// book what the authoritative <see cref="BookKeeper"/> showed at the end of a message (its best levels up to the ring's
/// depth), so the decision side never sees half a message. Mirror books never run sync rules or checksums: the keeper did.
/// </summary>
/// <remarks>Single-threaded (the decision stage thread). A book's first image creates it (a declared cold path); after
/// that, applying an image allocates nothing.</remarks>
public sealed class BookMirror : IBookSource
{
    private OrderBook?[]?[] _books = new OrderBook?[]?[32];
    private readonly List<OrderBook> _all = new();

    public BookMirror(BookSnapshotRing snapshots) => Snapshots = snapshots;

    public BookSnapshotRing Snapshots { get; }
    /// <summary>Images applied so far.</summary>
    public long Applied { get; private set; }

    /// <summary>Every mirrored book (cold path).</summary>
    public IReadOnlyList<OrderBook> Books => _all;

    public OrderBook? TryGetBook(VenueId venue, InstrumentId instrument)
    {
        var books = _books;
        if ((uint)venue.Value >= (uint)books.Length) return null;
        var row = books[venue.Value];
        return row is not null && (uint)instrument.Value < (uint)row.Length ? row[instrument.Value] : null;
    }

    /// <summary>Applies image <paramref name="sequence"/> of the ring to its book, then releases its slot.</summary>
    public void Apply(long sequence)
    {
        var ring = Snapshots;
        ref readonly var s = ref ring[sequence];
        var book = TryGetBook(s.Venue, s.Instrument) ?? CreateSlow(s.Venue, s.Instrument);
        book.IsSynced = s.IsSynced;
        book.LastSequence = s.LastSequence;
        book.LastReceiveTimeNs = s.LastReceiveTimeNs;
        book.LastExchangeTimeNs = s.LastExchangeTimeNs;
        if (s.HasLevels)
        {
            Load(book.Bids, ring.BidsOf(sequence));
            Load(book.Asks, ring.AsksOf(sequence));
        }
        Applied++;
        ring.Release(sequence);
    }

    /// <summary>Replaces a side's levels with <paramref name="levels"/> (sorted, best last: appended in order, the bulk
    /// completion finds them sorted and only checks them).</summary>
    private static void Load(BookSide side, ReadOnlySpan<BookLevel> levels)
    {
        side.Clear();
        for (int i = 0; i < levels.Length; i++)
        {
            ref readonly var l = ref levels[i];
            side.AppendUnsorted(l.Price, l.Size, l.PriceDecimals, l.SizeDecimals);
        }
        side.CompleteBulk();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private OrderBook CreateSlow(VenueId venue, InstrumentId instrument)
    {
        long cold = ColdPath.Begin();
        try
        {
            ref var slot = ref VenueInstrumentTable.Slot(ref _books, venue, instrument);
            // Room for a full image on either side of the array's centre: loading one never moves or grows the array.
            var book = new OrderBook(venue, instrument, initialCapacity: 2 * Snapshots.Depth + 8);
            slot = book;
            _all.Add(book);
            return book;
        }
        finally
        {
            ColdPath.End(cold);
        }
    }
}
