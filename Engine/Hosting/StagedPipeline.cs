using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Metrics;
using FastEngine.Model;
using FastEngine.Ring;

namespace FastEngine.Hosting;

/// <summary>
/// The book stage of the staged topology (<c>topology.mode: "staged"</c>), on its own thread: runs the authoritative
/// <see cref="BookKeeper"/> (every sync rule, checksum, resync request, BBO check and book counter) and publishes, into a
/// <see cref="BookSnapshotRing"/>, the state of the book after every book message and every change of its sync state the
/// decision side can observe (an invalidation, or a gap or buffer overflow that marks the book unsynced inside a message).
/// The decision stage applies those images to its <see cref="BookMirror"/> in the same order, at the same events.
/// </summary>
/// <remarks>Single-threaded (the book stage thread). Allocation-free per event once every book exists and the keeper's
/// buffers reached their working size; <see cref="AllocatedSteady"/> proves it for a run.</remarks>
public sealed class BookStage
{
    /// <summary><see cref="OnEvent"/>'s answer for an event after which the decision side's books do not change.</summary>
    public const long NoSnapshot = -1;
    /// <summary>Left in the event's mark when the book stage threw on it: the decision stage skips the event, as the fused
    /// stage (whose book step threw) does.</summary>
    public const long Failed = -2;

    private readonly BookKeeper _keeper;
    private readonly BookSnapshotRing _snapshots;
    private readonly long _warmupEvents;
    // Per venue, per instrument: the keeper's book and the sync state last published for it.
    private Track?[]?[] _tracks = new Track?[]?[32];
    // The main ring's sequence of the event being processed, and the stage's own progress in that ring (see BookSnapshotRing.Publish).
    private long _sequence;
    private Sequence? _progress;

    private sealed class Track(OrderBook book)
    {
        public readonly OrderBook Book = book;
        public bool PublishedSynced;
    }

    public BookStage(BookKeeper keeper, BookSnapshotRing snapshots, long warmupEvents)
    {
        _keeper = keeper;
        _snapshots = snapshots;
        _warmupEvents = warmupEvents;
        Latency.Reset();
    }

    /// <summary>The book stage processor's sequence in the main ring (set once, before the run): advanced early when the
    /// snapshot ring is full (<see cref="BookSnapshotRing.Publish"/>).</summary>
    public void ReportProgressTo(Sequence sequence) => _progress = sequence;

    public BookKeeper Keeper => _keeper;
    public BookSnapshotRing Snapshots => _snapshots;
    public long Events { get; private set; }
    /// <summary>Images published with levels (ends of book messages) and without (sync state changes only).</summary>
    public long LevelImages { get; private set; }
    public long StateImages { get; private set; }
    /// <summary>Receive → authoritative book applied on the book thread, at the end of each book message (ns).</summary>
    public LongHistogram Latency { get; } = new(1, 60_000_000_000, 3);
    public long AllocatedAtWarmup { get; private set; } = -1;
    public long AllocatedAtEnd { get; private set; }
    public long ColdAllocatedAtWarmup { get; private set; }
    public long ColdAllocatedAtEnd { get; private set; }
    /// <summary>Bytes the book thread allocated after warm-up outside declared cold paths (0 before a run ended or warmed up).</summary>
    public long AllocatedSteady => AllocatedAtWarmup < 0 ? 0 : AllocatedAtEnd - AllocatedAtWarmup - (ColdAllocatedAtEnd - ColdAllocatedAtWarmup);

    /// <summary>Applies one event to the keeper; returns the sequence of the image it published, or <see cref="NoSnapshot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long OnEvent(ref MarketEvent e, long stampTicks, long sequence)
    {
        _sequence = sequence;
        if (++Events == _warmupEvents) MarkWarm();
        _keeper.OnEvent(ref e);
        var kind = e.Kind;
        if (kind == MarketEventKind.BookHeader || kind == MarketEventKind.BookLevel)
            return e.IsEndOfMessage ? EndOfMessage(ref e, stampTicks) : InsideMessage(ref e);
        return kind == MarketEventKind.BookInvalidate ? StateImage(ref e) : NoSnapshot;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long EndOfMessage(ref MarketEvent e, long stampTicks)
    {
        var t = TrackOf(e.Venue, e.Instrument);
        if (t is null) return NoSnapshot;   // an orphan level of a book the keeper never created
        var book = t.Book;
        long seq = _snapshots.Publish(book, levels: true, _progress, _sequence - 1);
        t.PublishedSynced = book.IsSynced;
        LevelImages++;
        if (stampTicks != 0) Latency.RecordValue(ElapsedNs(stampTicks));
        return seq;
    }

    /// <summary>Inside a message only the sync state can change in a way the decision side reads (a resting order's book
    /// going unsynced is cancelled at once): an image without levels when it did.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long InsideMessage(ref MarketEvent e)
    {
        var t = TrackOf(e.Venue, e.Instrument);
        if (t is null || t.Book.IsSynced == t.PublishedSynced) return NoSnapshot;
        return PublishState(t);
    }

    private long StateImage(ref MarketEvent e)
    {
        var t = TrackOf(e.Venue, e.Instrument);
        return t is null ? NoSnapshot : PublishState(t);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long PublishState(Track t)
    {
        long seq = _snapshots.Publish(t.Book, levels: false, _progress, _sequence - 1);
        t.PublishedSynced = t.Book.IsSynced;
        StateImages++;
        return seq;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Track? TrackOf(VenueId venue, InstrumentId instrument)
    {
        var tracks = _tracks;
        if ((uint)venue.Value < (uint)tracks.Length && tracks[venue.Value] is { } row && (uint)instrument.Value < (uint)row.Length
            && row[instrument.Value] is { } t)
            return t;
        return AddTrackSlow(venue, instrument);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Track? AddTrackSlow(VenueId venue, InstrumentId instrument)
    {
        var book = _keeper.TryGetBook(venue, instrument);
        if (book is null) return null;
        long cold = ColdPath.Begin();
        try
        {
            return VenueInstrumentTable.Slot(ref _tracks, venue, instrument) = new Track(book);
        }
        finally
        {
            ColdPath.End(cold);
        }
    }

    private void MarkWarm()
    {
        AllocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
        ColdAllocatedAtWarmup = ColdPath.AllocatedOnThisThread;
    }

    /// <summary>Call on the book thread when the run ends (steady-state allocation figure).</summary>
    public void MarkEnd()
    {
        AllocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
        ColdAllocatedAtEnd = ColdPath.AllocatedOnThisThread;
    }

    private static long ElapsedNs(long stampTicks)
    {
        long ticks = Stopwatch.GetTimestamp() - stampTicks;
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
    }
}

/// <summary>
/// Busy time of one stage thread: the time between the start of each batch it took from the ring and the end of that
/// batch's last event (waiting excluded), and the events it handled. Written by the stage thread, read after the run.
/// </summary>
public sealed class StageClock
{
    private long _batchStart;

    public long BusyTicks { get; private set; }
    public long Events { get; private set; }
    public long Batches { get; private set; }
    /// <summary>Busy time per event, ns (0 before any event).</summary>
    public double BusyNsPerEvent => Events == 0 ? 0 : BusyTicks * (1e9 / Stopwatch.Frequency) / Events;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BatchStart(long size)
    {
        Events += size;
        Batches++;
        _batchStart = Stopwatch.GetTimestamp();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BatchEnd() => BusyTicks += Stopwatch.GetTimestamp() - _batchStart;
}

/// <summary>The staged topology's book stage as a struct handler: marks each event with the image it published
/// (<see cref="BookStage.Failed"/> until the keeper returned).</summary>
internal struct BookStageHandler(BookStage stage, long[] stamps, long[] marks, int mask, StageClock clock) : IEventHandler<MarketEvent>
{
    private readonly BookStage _stage = stage;
    private readonly long[] _stamps = stamps;
    private readonly long[] _marks = marks;
    private readonly int _mask = mask;
    private readonly StageClock _clock = clock;

    public void OnBatchStart(long batchSize, long firstSequence) => _clock.BatchStart(batchSize);

    public void OnEvent(ref MarketEvent data, long sequence, bool endOfBatch)
    {
        int i = (int)(sequence & _mask);
        ref long mark = ref _marks[i];
        mark = BookStage.Failed;
        mark = _stage.OnEvent(ref data, _stamps[i], sequence);
        if (endOfBatch) _clock.BatchEnd();
    }

    public void OnShutdown() => _stage.MarkEnd();
}

/// <summary>The staged topology's decision stage: applies the image the book stage published for the event (if any) to
/// the mirror, then runs the decision steps on it (<see cref="DecisionEngine.OnStagedEvent"/>).</summary>
internal struct StagedDecisionHandler(DecisionEngine engine, long[] stamps, long[] marks, int mask, StageClock clock) : IEventHandler<MarketEvent>
{
    private readonly DecisionEngine _engine = engine;
    private readonly long[] _stamps = stamps;
    private readonly long[] _marks = marks;
    private readonly int _mask = mask;
    private readonly StageClock _clock = clock;
    private long _lastTimeNs;

    public void OnBatchStart(long batchSize, long firstSequence) => _clock.BatchStart(batchSize);

    public void OnEvent(ref MarketEvent data, long sequence, bool endOfBatch)
    {
        int i = (int)(sequence & _mask);
        _lastTimeNs = data.ReceiveTimeNs;
        _engine.OnStagedEvent(ref data, _stamps[i], _marks[i]);
        if (endOfBatch) _clock.BatchEnd();
    }

    public void OnShutdown() => _engine.MarkEnd(_lastTimeNs);
}
