using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Cli.Replay;

/// <summary>Per-venue frame counters of a replay or verify run.</summary>
public sealed class VenueFeedStats
{
    public long Frames;
    public long Data;
    public long Control;
    public long Rejected;
    public long Events;
    public readonly long[] RejectedBy = new long[Enum.GetValues<RejectReason>().Length];

    /// <summary>Counts one parsed frame and the events it appended.</summary>
    public void Count(ParseResult result, int events)
    {
        Frames++;
        Events += events;
        switch (result.Status)
        {
            case FrameStatus.Data: Data++; break;
            case FrameStatus.Control: Control++; break;
            default: Rejected++; RejectedBy[(int)result.Reason]++; break;
        }
    }
}

/// <summary>
/// Turns capture records into <see cref="MarketEvent"/>s with the real venue parsers: one parser per recorded connection
/// (parsers keep per-connection state), REST snapshot bodies to the venue's latest connection parser. Records of venues
/// without an adapter are counted as unsupported and skipped.
/// </summary>
/// <remarks>
/// Reconnects: when a connection of a venue opens after one of that venue closed (a <c>ConnectionClosed</c> record, as
/// <c>run</c> and the envelope recorder write them), every book of the venue is invalidated first
/// (<see cref="MarketEventKind.BookInvalidate"/>, reason <see cref="InvalidateReason.Disconnected"/>), exactly as
/// <c>run</c> does on a reconnect: what the venue sent while disconnected is unknown, so the books wait for the new
/// connection's snapshot (REST or snapshot-on-subscribe). Parallel connections of one venue (no close in between) do
/// not invalidate anything.
/// Single-threaded (the replay producer). Allocation-free per frame once every connection has its parser.
/// </remarks>
public sealed class CaptureFeed
{
    private readonly InstrumentRegistry _registry;
    private readonly Dictionary<(VenueId, uint), IFrameParser> _parsers = new();
    private readonly Dictionary<VenueId, IFrameParser> _latest = new();
    private readonly HashSet<VenueId> _closedSinceOpen = new();
    /// <summary>Books that got a snapshot so far (the ones a reconnect invalidates; trade- or ticker-only instruments
    /// have no book to invalidate).</summary>
    private readonly HashSet<(VenueId Venue, InstrumentId Instrument)> _books = new();

    public CaptureFeed(InstrumentRegistry registry) => _registry = registry;

    public Dictionary<VenueId, VenueFeedStats> Stats { get; } = new();
    public long UnsupportedFrames { get; private set; }

    /// <summary>The sync specs of every venue that has an adapter, for the book keeper.</summary>
    public static void ConfigureBooks(BookKeeper books)
    {
        VenueCatalog.EnsureRegistered();
        foreach (var adapter in VenueAdapters.All)
            foreach (var venue in adapter.Venues)
                books.SetSpec(venue, adapter.SyncSpec(venue));
    }

    /// <summary>Parses one record into <paramref name="batch"/> (appends). Returns the parse result, or Control for records that carry no market data.</summary>
    public ParseResult Feed(in CaptureRecord record, MarketEventBatch batch)
    {
        var venue = record.Venue;
        switch (record.Kind)
        {
            case CaptureRecordKind.ConnectionOpened:
                if (!venue.IsNone)
                {
                    if (_closedSinceOpen.Remove(venue)) InvalidateVenueSlow(venue, record.ReceiveTimeNs, batch);
                    OpenSlow(venue, record.ConnectionId, record.AddressText());
                }
                return ParseResult.Control;
            case CaptureRecordKind.ConnectionClosed:
                if (!venue.IsNone) _closedSinceOpen.Add(venue);
                return ParseResult.Control;
            case CaptureRecordKind.ReceivedText:
            case CaptureRecordKind.ReceivedBinary:
            case CaptureRecordKind.RestResponse:
                break;
            default:
                return ParseResult.Control;
        }
        bool rest = record.Kind == CaptureRecordKind.RestResponse;
        IFrameParser? parser = rest ? LatestOrCreate(venue) : ParserFor(venue, record.ConnectionId);
        if (parser is null)
        {
            UnsupportedFrames++;
            return ParseResult.Reject(RejectReason.UnknownChannel);
        }
        var stats = StatsFor(venue);
        int before = batch.Count;
        var result = parser.Parse(record.Payload.Span, rest ? FrameSource.Rest : FrameSource.WebSocket, rest ? RestUrlSlow(record) : null, record.ReceiveTimeNs, batch);
        stats.Count(result, batch.Count - before);
        for (int i = before; i < batch.Count; i++)
        {
            ref var e = ref batch[i];
            if (e.Kind == MarketEventKind.BookHeader && e.IsSnapshot) NoteBookSlow(e.Venue, e.Instrument);
        }
        return result;
    }

    /// <summary>Snapshots are rare (one per book per (re)subscription): the set is touched only then.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void NoteBookSlow(VenueId venue, InstrumentId instrument)
    {
        if (_books.Contains((venue, instrument))) return;
        long cold = ColdPath.Begin();
        _books.Add((venue, instrument));
        ColdPath.End(cold);
    }

    /// <summary>A reconnect of <paramref name="venue"/>: one BookInvalidate (Disconnected) per book of the venue (every
    /// instrument that got a snapshot), as <c>run</c> publishes on a reconnect.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void InvalidateVenueSlow(VenueId venue, long receiveTimeNs, MarketEventBatch batch)
    {
        long cold = ColdPath.Begin();
        foreach (var (bookVenue, instrument) in _books.OrderBy(b => b.Instrument.Value))
        {
            if (bookVenue != venue) continue;
            ref var e = ref batch.Add();
            e = default;
            e.Kind = MarketEventKind.BookInvalidate;
            e.Venue = venue;
            e.Instrument = instrument;
            e.Reason = InvalidateReason.Disconnected;
            e.Flags = MarketEventFlags.EndOfMessage;
            e.ReceiveTimeNs = receiveTimeNs;
        }
        ColdPath.End(cold);
    }

    private VenueFeedStats StatsFor(VenueId venue)
    {
        if (Stats.TryGetValue(venue, out var s)) return s;
        long cold = ColdPath.Begin();
        s = Stats[venue] = new VenueFeedStats();
        ColdPath.End(cold);
        return s;
    }

    private IFrameParser? ParserFor(VenueId venue, uint connection)
    {
        if (_parsers.TryGetValue((venue, connection), out var p)) return p;
        return OpenSlow(venue, connection, null);
    }

    private IFrameParser? LatestOrCreate(VenueId venue) => _latest.TryGetValue(venue, out var p) ? p : OpenSlow(venue, uint.MaxValue, null);

    private IFrameParser? OpenSlow(VenueId venue, uint connection, string? url)
    {
        long cold = ColdPath.Begin();
        try { return OpenCore(venue, connection, url); } finally { ColdPath.End(cold); }
    }

    private IFrameParser? OpenCore(VenueId venue, uint connection, string? url)
    {
        var adapter = VenueAdapters.For(venue);
        if (adapter is null) return null;
        var parser = adapter.CreateParser(venue, _registry, url);
        _parsers[(venue, connection)] = parser;
        _latest[venue] = parser;
        return parser;
    }

    private static string? RestUrlSlow(in CaptureRecord record)
    {
        var address = record.AddressText();
        return string.IsNullOrEmpty(address) || address.StartsWith("rest:", StringComparison.Ordinal) ? null : address;
    }
}
