using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>Why a book asked its venue for a fresh snapshot.</summary>
public enum ResyncReason : byte
{
    SequenceGap = 1,
    ChecksumMismatch = 2,
    BufferOverflow = 3,
    BridgeFailed = 4,
    Invalidated = 5,
}

/// <summary>Receives resync requests from the book stage; implemented by venue connections (enqueue, never block).</summary>
public interface IResyncRequester
{
    void RequestResync(VenueId venue, InstrumentId instrument, ResyncReason reason);
}

/// <summary>Counters of one book (or summed over a venue). Plain fields: written by the book thread only.</summary>
public sealed class BookStats
{
    public long Messages;
    public long Snapshots;
    public long DeltasApplied;
    public long LevelsApplied;
    public long Gaps;
    public long Resyncs;
    public long ChecksumOk;
    public long ChecksumBad;
    public long DroppedStale;
    public long DroppedUnsynced;
    public long Duplicates;
    public long Buffered;
    public long BufferOverflows;
    public long Crossed;
    public long RemovedMissing;
    public long OrphanLevels;
    public long Invalidations;
    public long BboChecked;
    public long BboMismatch;
    /// <summary>Prices listed twice (or with size 0) inside one snapshot: the venue's image was not a clean set of levels.</summary>
    public long SnapshotDuplicateLevels;

    public void AddTo(BookStats total)
    {
        total.Messages += Messages; total.Snapshots += Snapshots; total.DeltasApplied += DeltasApplied;
        total.LevelsApplied += LevelsApplied; total.Gaps += Gaps; total.Resyncs += Resyncs; total.ChecksumOk += ChecksumOk;
        total.ChecksumBad += ChecksumBad; total.DroppedStale += DroppedStale; total.DroppedUnsynced += DroppedUnsynced;
        total.Duplicates += Duplicates; total.Buffered += Buffered; total.BufferOverflows += BufferOverflows;
        total.Crossed += Crossed; total.RemovedMissing += RemovedMissing; total.OrphanLevels += OrphanLevels;
        total.Invalidations += Invalidations; total.BboChecked += BboChecked; total.BboMismatch += BboMismatch;
        total.SnapshotDuplicateLevels += SnapshotDuplicateLevels;
    }
}

/// <summary>Sync state of one book.</summary>
public enum BookSyncState : byte
{
    /// <summary>No snapshot yet.</summary>
    AwaitingSnapshot,
    /// <summary>A REST snapshot was applied; waiting for the first delta that covers its id.</summary>
    Bridging,
    /// <summary>Following the venue: usable.</summary>
    Synced,
    /// <summary>A gap, checksum mismatch or invalidation: unusable until the next snapshot.</summary>
    Unsynced,
}

/// <summary>
/// Keeps every venue's books from the <see cref="MarketEvent"/> stream, executing each venue's documented sync
/// procedure (<see cref="BookSyncSpec"/>): snapshot + buffered deltas with a bridge rule, sequence chaining, checksums,
/// depth truncation. A gap or mismatch marks the book unsynced (fail closed), counts it and asks for a resync.
/// </summary>
/// <remarks>
/// Single-threaded (the book stage's thread). Allocation-free per event once books and buffers reached their working
/// size. Events of one message must arrive in order (header first, <see cref="MarketEventFlags.EndOfMessage"/> last);
/// messages of different books may interleave.
/// </remarks>
public sealed class BookKeeper : IBookSource
{
    private readonly InstrumentRegistry _registry;
    private readonly IResyncRequester? _resync;
    private BookSyncSpec?[] _specs = new BookSyncSpec?[32];
    private BookState?[]?[] _books = new BookState?[]?[32];
    private readonly List<BookState> _all = new();
    /// <summary>The book of the last header seen: the levels that follow it usually belong to it (see OnEvent).</summary>
    private BookState? _open;

    public BookKeeper(InstrumentRegistry registry, IResyncRequester? resync = null)
    {
        _registry = registry;
        _resync = resync;
    }

    /// <summary>Declares a venue's sync procedure (before its first event; default <see cref="BookSyncSpec.Plain"/>).</summary>
    public void SetSpec(VenueId venue, BookSyncSpec spec)
    {
        if (venue.Value >= _specs.Length) Array.Resize(ref _specs, venue.Value + 16);
        _specs[venue.Value] = spec;
    }

    public BookSyncSpec SpecOf(VenueId venue) => venue.Value < _specs.Length ? _specs[venue.Value] ?? BookSyncSpec.Plain : BookSyncSpec.Plain;

    /// <summary>Every book seen so far (cold path).</summary>
    public IEnumerable<OrderBook> Books => _all.Select(s => s.Book);

    public OrderBook? TryGetBook(VenueId venue, InstrumentId instrument) => Find(venue, instrument)?.Book;

    public BookSyncState StateOf(VenueId venue, InstrumentId instrument) => Find(venue, instrument)?.State ?? BookSyncState.AwaitingSnapshot;

    public BookStats? StatsOf(VenueId venue, InstrumentId instrument) => Find(venue, instrument)?.Stats;

    /// <summary>Counters summed over a venue's books (cold path).</summary>
    public BookStats StatsOf(VenueId venue)
    {
        var total = new BookStats();
        foreach (var s in _all) if (s.Book.Venue == venue) s.Stats.AddTo(total);
        return total;
    }

    /// <summary>
    /// Returns every book to its state after creation — awaiting a snapshot, no levels, no sequence, nothing buffered or
    /// queued — keeping its memory (no allocation) and its counters. For replaying a recording again from its start
    /// (benchmarks) on the book stage's thread; the books then follow the recording exactly as the first time.
    /// </summary>
    public void Reset()
    {
        foreach (var st in _all)
        {
            st.State = BookSyncState.AwaitingSnapshot;
            st.Mode = MessageMode.None;
            st.BridgeSequence = -1;
            st.PendingCount = 0;
            st.Replaying = false;
            st.BboStage = default;
            st.BboHead = 0;
            st.BboCount = 0;
            var book = st.Book;
            book.Clear();
            book.IsSynced = false;
            book.LastSequence = -1;
            book.LastReceiveTimeNs = 0;
            book.LastExchangeTimeNs = 0;
        }
    }

    /// <summary>Processes one event (the book stage handler body).</summary>
    public void OnEvent(ref MarketEvent e)
    {
        switch (e.Kind)
        {
            case MarketEventKind.BookHeader:
            {
                var st = GetOrCreate(e.Venue, e.Instrument);
                _open = st;
                BeginMessage(st, ref e);
                if (e.IsEndOfMessage) EndMessage(st);
                break;
            }
            case MarketEventKind.BookLevel:
            {
                // The book of the message being applied (the usual case: its levels follow its header): no lookup, no
                // mode dispatch, the side without the book. Anything else takes the general path below.
                var open = _open;
                if (open is not null && open.Mode == MessageMode.Apply && open.InstrumentId == e.Instrument && open.Venue == e.Venue)
                {
                    var change = (e.Side == Side.Bid ? open.Bids : open.Asks).Set(e.Price, e.Size, e.PriceDecimals, e.SizeDecimals);
                    if (change == LevelChange.RemovedMissing) open.Stats.RemovedMissing++;
                    open.Stats.LevelsApplied++;
                    if (e.IsEndOfMessage) EndMessage(open);
                    break;
                }
                var st = Find(e.Venue, e.Instrument);
                if (st is null || st.Mode == MessageMode.None) { CountOrphan(st, ref e); break; }
                switch (st.Mode)
                {
                    case MessageMode.Snapshot:
                        // A full image: append unsorted and sort once at the end (venues list levels best-first, which
                        // would shift the whole side on every insert into a best-at-end array).
                        st.Book.SideOf(e.Side).AppendUnsorted(e.Price, e.Size, e.PriceDecimals, e.SizeDecimals);
                        st.Stats.LevelsApplied++;
                        break;
                    case MessageMode.Apply:
                        var change = st.Book.Set(e.Side, e.Price, e.Size, e.PriceDecimals, e.SizeDecimals);
                        if (change == LevelChange.RemovedMissing) st.Stats.RemovedMissing++;
                        st.Stats.LevelsApplied++;
                        break;
                    case MessageMode.Buffer:
                        Buffer(st, ref e);
                        break;
                }
                if (e.IsEndOfMessage) EndMessage(st);
                break;
            }
            case MarketEventKind.Bbo:
                CheckBbo(ref e);
                break;
            case MarketEventKind.BookInvalidate:
            {
                var st = GetOrCreate(e.Venue, e.Instrument);
                st.Stats.Invalidations++;
                if (e.Reason == InvalidateReason.SequenceGap) st.Stats.Gaps++;
                MarkUnsynced(st, ResyncReason.Invalidated);
                break;
            }
        }
    }

    private enum MessageMode : byte { None, Apply, Buffer, Drop, Snapshot }

    private sealed class BookState(OrderBook book, BookSyncSpec spec, Instrument instrument)
    {
        public readonly OrderBook Book = book;
        public readonly BookSyncSpec Spec = spec;
        public readonly Instrument Instrument = instrument;
        public readonly BookStats Stats = new();
        // Copies of the book's identity and sides for the level fast path (one object less to load per level).
        public readonly VenueId Venue = book.Venue;
        public readonly InstrumentId InstrumentId = book.Instrument;
        public readonly BookSide Bids = book.Bids, Asks = book.Asks;
        public BookSyncState State;
        public MessageMode Mode;
        public MarketEventFlags MessageFlags;
        public uint MessageChecksum;
        public long MessageSequence;
        public long MessageExchangeTimeNs;
        public long MessageReceiveTimeNs;
        public long BridgeSequence = -1;
        public MarketEvent[] Pending = new MarketEvent[64];
        public int PendingCount;
        public MarketEvent[] Replay = new MarketEvent[64];
        public bool Replaying;
        // BBO probes (venue best bid/ask tagged with the book update id they reflect), see CheckBbo.
        public BboProbe BboStage;
        public readonly BboProbe[] BboQueue = new BboProbe[BboQueueSize];
        public int BboHead;
        public int BboCount;
    }

    /// <summary>Pending BBO probes per book: a feed that leads the diff stream (Binance bookTicker vs 100 ms depth
    /// batches) queues at most this many probes before the oldest is dropped (unchecked, never miscounted).</summary>
    private const int BboQueueSize = 256; // a power of two: ring indexes wrap with a mask

    private struct BboProbe
    {
        public long Sequence, BidPrice, BidSize, AskPrice, AskSize;
        public bool HasBid, HasAsk;
    }

    private void BeginMessage(BookState st, ref MarketEvent h)
    {
        var stats = st.Stats;
        stats.Messages++;
        st.MessageFlags = h.Flags;
        st.MessageChecksum = h.Checksum;
        st.MessageSequence = h.Sequence;
        st.MessageExchangeTimeNs = h.ExchangeTimeNs;
        st.MessageReceiveTimeNs = h.ReceiveTimeNs;
        if (h.IsSnapshot)
        {
            stats.Snapshots++;
            st.Book.Clear();
            st.Mode = MessageMode.Snapshot;
            return;
        }
        bool sequenced = (h.Flags & MarketEventFlags.HasSequence) != 0 && st.Spec.Sequence == SequenceRule.PrevLinked;
        switch (st.State)
        {
            case BookSyncState.AwaitingSnapshot:
            case BookSyncState.Unsynced:
                if (st.Spec.BufferUntilSnapshot && !st.Replaying) { st.Mode = MessageMode.Buffer; Buffer(st, ref h); }
                else { st.Mode = MessageMode.Drop; stats.DroppedUnsynced++; }
                return;
            case BookSyncState.Bridging:
                if (!sequenced) { st.Mode = MessageMode.Apply; return; }
                if (h.Sequence <= st.BridgeSequence) { st.Mode = MessageMode.Drop; stats.DroppedStale++; return; }
                if (h.FirstSequence <= st.BridgeSequence + 1) { st.Mode = MessageMode.Apply; return; }
                GapSlow(st, ref h, ResyncReason.BridgeFailed);
                return;
            default: // Synced
                if (!sequenced || h.PrevSequence == st.Book.LastSequence) { st.Mode = MessageMode.Apply; return; }
                if (h.Sequence <= st.Book.LastSequence) { st.Mode = MessageMode.Drop; stats.Duplicates++; return; }
                GapSlow(st, ref h, ResyncReason.SequenceGap);
                return;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GapSlow(BookState st, ref MarketEvent h, ResyncReason reason)
    {
        st.Stats.Gaps++;
        MarkUnsynced(st, reason);
        if (st.Spec.BufferUntilSnapshot && !st.Replaying) { st.Mode = MessageMode.Buffer; Buffer(st, ref h); }
        else st.Mode = MessageMode.Drop;
    }

    private void EndMessage(BookState st)
    {
        var mode = st.Mode;
        st.Mode = MessageMode.None;
        if (mode == MessageMode.Snapshot)
        {
            st.Stats.SnapshotDuplicateLevels += st.Book.Bids.CompleteBulk() + st.Book.Asks.CompleteBulk();
        }
        else if (mode != MessageMode.Apply) return;
        var book = st.Book;
        var flags = st.MessageFlags;
        bool snapshot = (flags & MarketEventFlags.Snapshot) != 0;
        if (snapshot || (flags & MarketEventFlags.HasSequence) != 0) book.LastSequence = st.MessageSequence;
        book.LastExchangeTimeNs = st.MessageExchangeTimeNs;
        book.LastReceiveTimeNs = st.MessageReceiveTimeNs;
        if (!snapshot) st.Stats.DeltasApplied++;
        if (st.Spec.MaxDepth > 0)
        {
            book.Bids.Truncate(st.Spec.MaxDepth);
            book.Asks.Truncate(st.Spec.MaxDepth);
        }

        if (snapshot && (flags & MarketEventFlags.RestSnapshot) != 0 && st.Spec.Sequence == SequenceRule.PrevLinked)
        {
            st.State = BookSyncState.Bridging;
            st.BridgeSequence = st.MessageSequence;
            book.IsSynced = false;
            ReplayPendingSlow(st);
            return;
        }
        if (snapshot || st.State == BookSyncState.Bridging)
        {
            st.State = BookSyncState.Synced;
            book.IsSynced = true;
        }

        if ((flags & MarketEventFlags.HasChecksum) != 0 && st.Spec.Checksum != ChecksumKind.None)
        {
            uint ours = BookChecksum.Compute(book, st.Spec.Checksum, st.Spec.ChecksumDepth, st.Instrument.PriceScale, st.Instrument.QuantityScale);
            if (ours == st.MessageChecksum) st.Stats.ChecksumOk++;
            else ChecksumMismatchSlow(st);
        }
        if (st.State == BookSyncState.Synced && book.IsCrossed) st.Stats.Crossed++;
        if (st.BboCount > 0 && st.State == BookSyncState.Synced) DrainBbo(st);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ChecksumMismatchSlow(BookState st)
    {
        st.Stats.ChecksumBad++;
        MarkUnsynced(st, ResyncReason.ChecksumMismatch);
    }

    private void MarkUnsynced(BookState st, ResyncReason reason)
    {
        st.State = BookSyncState.Unsynced;
        st.Book.IsSynced = false;
        st.Stats.Resyncs++;
        _resync?.RequestResync(st.Book.Venue, st.Book.Instrument, reason);
    }

    /// <summary>After a REST snapshot: runs the buffered deltas through the bridge rule, in arrival order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReplayPendingSlow(BookState st)
    {
        (st.Replay, st.Pending) = (st.Pending, st.Replay);
        int count = st.PendingCount;
        st.PendingCount = 0;
        st.Replaying = true;
        try
        {
            var events = st.Replay;
            for (int i = 0; i < count; i++) OnEvent(ref events[i]);
        }
        finally
        {
            st.Replaying = false;
        }
        // Deltas that neither bridged nor were stale leave the book bridging: the live stream continues the bridge.
    }

    private void Buffer(BookState st, ref MarketEvent e)
    {
        if (st.PendingCount == st.Pending.Length)
        {
            if (st.PendingCount >= st.Spec.MaxBufferedEvents) { BufferOverflowSlow(st); return; }
            GrowPendingSlow(st);
        }
        st.Pending[st.PendingCount++] = e;
        if (e.Kind == MarketEventKind.BookHeader) st.Stats.Buffered++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GrowPendingSlow(BookState st)
    {
        long cold = ColdPath.Begin();
        try { GrowPendingCore(st); } finally { ColdPath.End(cold); }
    }

    private static void GrowPendingCore(BookState st)
    {
        int size = Math.Min(st.Pending.Length * 2, Math.Max(st.Spec.MaxBufferedEvents, 64));
        Array.Resize(ref st.Pending, size);
        if (st.Replay.Length < size) st.Replay = new MarketEvent[size];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BufferOverflowSlow(BookState st)
    {
        st.Stats.BufferOverflows++;
        st.PendingCount = 0;
        st.Mode = MessageMode.Drop;
        MarkUnsynced(st, ResyncReason.BufferOverflow);
    }

    /// <summary>
    /// Compares a venue BBO message carrying the book update id it reflects (<see cref="MarketEventFlags.HasSequence"/>)
    /// with our book at that same update id: at once when the book is there, or later, when a delta brings the book
    /// exactly to that id (a BBO feed usually leads the diff stream: Binance bookTicker is real-time while spot depth
    /// comes in 100 ms batches, so its <c>u</c> is reached only by a later diff). Ids the book skips are never compared.
    /// </summary>
    private void CheckBbo(ref MarketEvent e)
    {
        if ((e.Flags & MarketEventFlags.HasSequence) == 0) return;
        var st = Find(e.Venue, e.Instrument);
        if (st is null) return;
        ref var probe = ref st.BboStage;
        if (probe.Sequence != e.Sequence) probe = default;
        probe.Sequence = e.Sequence;
        if (e.Side == Side.Bid) { probe.BidPrice = e.Price; probe.BidSize = e.Size; probe.HasBid = true; }
        else { probe.AskPrice = e.Price; probe.AskSize = e.Size; probe.HasAsk = true; }
        if (!e.IsEndOfMessage) return;
        var complete = probe;
        probe = default;
        if (st.State == BookSyncState.Synced && st.Book.LastSequence == complete.Sequence) CompareBbo(st, in complete);
        else if (complete.Sequence > st.Book.LastSequence) EnqueueBbo(st, in complete);
    }

    private static void EnqueueBbo(BookState st, in BboProbe probe)
    {
        var queue = st.BboQueue;
        if (st.BboCount == queue.Length) { st.BboHead = (st.BboHead + 1) & (BboQueueSize - 1); st.BboCount--; }
        queue[(st.BboHead + st.BboCount) & (BboQueueSize - 1)] = probe;
        st.BboCount++;
    }

    /// <summary>After a delta: drops probes the book went past, compares the one it reached exactly.</summary>
    private static void DrainBbo(BookState st)
    {
        long last = st.Book.LastSequence;
        var queue = st.BboQueue;
        while (st.BboCount > 0)
        {
            ref readonly var probe = ref queue[st.BboHead];
            if (probe.Sequence > last) return;
            if (probe.Sequence == last) CompareBbo(st, in probe);
            st.BboHead = (st.BboHead + 1) & (BboQueueSize - 1);
            st.BboCount--;
        }
    }

    private static void CompareBbo(BookState st, in BboProbe probe)
    {
        bool mismatch = false;
        if (probe.HasBid) mismatch |= Differs(st.Book.Bids, probe.BidPrice, probe.BidSize);
        if (probe.HasAsk) mismatch |= Differs(st.Book.Asks, probe.AskPrice, probe.AskSize);
        st.Stats.BboChecked++;
        if (mismatch) st.Stats.BboMismatch++;
    }

    private static bool Differs(BookSide side, long price, long size) => side.IsEmpty || side.Best.Price != price || side.Best.Size != size;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CountOrphan(BookState? st, ref MarketEvent e)
    {
        if (st is not null) st.Stats.OrphanLevels++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BookState? Find(VenueId venue, InstrumentId instrument)
    {
        var books = _books;
        if (venue.Value >= books.Length) return null;
        var row = books[venue.Value];
        if (row is null || (uint)instrument.Value >= (uint)row.Length) return null;
        return row[instrument.Value];
    }

    private BookState GetOrCreate(VenueId venue, InstrumentId instrument) => Find(venue, instrument) ?? CreateSlow(venue, instrument);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private BookState CreateSlow(VenueId venue, InstrumentId instrument)
    {
        long cold = ColdPath.Begin();
        try { return CreateCore(venue, instrument); } finally { ColdPath.End(cold); }
    }

    private BookState CreateCore(VenueId venue, InstrumentId instrument)
    {
        if (instrument.IsNone) throw new ArgumentException("book event without an instrument", nameof(instrument));
        ref var slot = ref VenueInstrumentTable.Slot(ref _books, venue, instrument);
        var spec = SpecOf(venue);
        var st = new BookState(new OrderBook(venue, instrument, gapBuffer: spec.DeepDiffs, interpolate: spec.DenseBooks), spec, _registry[instrument]);
        slot = st;
        _all.Add(st);
        return st;
    }
}
