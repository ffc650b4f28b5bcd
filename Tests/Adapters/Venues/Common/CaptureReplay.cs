using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Common;

/// <summary>
/// Replays captured frames through a venue adapter's parsers (one per connection, venue inferred from the URL) and a
/// <see cref="BookKeeper"/> configured with the adapter's sync spec, counting what the exchange's own data lets us check.
/// </summary>
public sealed class CaptureReplay
{
    private readonly IVenueAdapter _adapter;
    private readonly Dictionary<string, IFrameParser> _parsers = new();

    public CaptureReplay(IVenueAdapter adapter, IResyncRequester? resync = null)
    {
        VenueCatalog.EnsureRegistered();
        _adapter = adapter;
        Registry = new InstrumentRegistry();
        Keeper = new BookKeeper(Registry, resync);
        foreach (var v in adapter.Venues) Keeper.SetSpec(v, adapter.SyncSpec(v));
    }

    public InstrumentRegistry Registry { get; }
    public BookKeeper Keeper { get; }
    public MarketEventBatch Batch { get; } = new();
    public Dictionary<RejectReason, int> Rejects { get; } = new();
    public int Frames, DataFrames, ControlFrames;
    /// <summary>Frames after which a synced book of the frame's venue had best bid ≥ best ask.</summary>
    public int CrossedAfterFrame;
    /// <summary>Every event, when <see cref="KeepEvents"/> is set.</summary>
    public List<MarketEvent> Events { get; } = new();
    public bool KeepEvents { get; set; } = true;

    public IFrameParser ParserOf(string connection) => _parsers[connection];
    public IReadOnlyDictionary<string, IFrameParser> Parsers => _parsers;

    public ParseResult Feed(RawFrame frame)
    {
        if (!_parsers.TryGetValue(frame.Connection, out var parser))
        {
            string url = frame.Url ?? "";
            Assert.True(VenueCatalog.TryInferFromUrl(url, out var venue), url);
            parser = _adapter.CreateParser(venue, Registry, url);
            _parsers[frame.Connection] = parser;
        }
        Batch.Clear();
        var result = parser.Parse(frame.Payload, FrameSource.WebSocket, null, 1, Batch);
        Frames++;
        if (result.Status == FrameStatus.Rejected) Rejects[result.Reason] = Rejects.GetValueOrDefault(result.Reason) + 1;
        else if (result.Status == FrameStatus.Data) DataFrames++;
        else ControlFrames++;
        var events = Batch.Events;
        for (int i = 0; i < events.Length; i++)
        {
            Keeper.OnEvent(ref events[i]);
            if (KeepEvents) Events.Add(events[i]);
        }
        foreach (var book in Keeper.Books)
            if (book.IsSynced && book.IsCrossed) { CrossedAfterFrame++; break; }
        return result;
    }

    public void FeedAll(IEnumerable<RawFrame> frames)
    {
        foreach (var f in frames) Feed(f);
    }

    public BookStats Stats()
    {
        var total = new BookStats();
        foreach (var v in _adapter.Venues) Keeper.StatsOf(v).AddTo(total);
        return total;
    }

    public int Count(MarketEventKind kind) => Events.Count(e => e.Kind == kind);

    /// <summary>
    /// Replays <paramref name="frames"/> twice through fresh parsers sharing one registry/keeper/batch and returns the bytes
    /// allocated by this thread during the second pass (parse + BookKeeper.OnEvent for every event).
    /// </summary>
    public static long SecondPassAllocatedBytes(IVenueAdapter adapter, IReadOnlyList<RawFrame> frames)
    {
        var replay = new CaptureReplay(adapter) { KeepEvents = false };
        var registry = replay.Registry;
        var keeper = replay.Keeper;
        var batch = replay.Batch;
        var payloads = frames.Select(f => f.Payload).ToArray();
        var connections = frames.Select(f => f.Connection).Distinct().ToArray();
        var urls = connections.ToDictionary(c => c, c => frames.First(f => f.Connection == c).Url ?? "");
        var index = frames.Select(f => Array.IndexOf(connections, f.Connection)).ToArray();
        IFrameParser[] MakeParsers() => connections.Select(c =>
        {
            VenueCatalog.TryInferFromUrl(urls[c], out var venue);
            return adapter.CreateParser(venue, registry, urls[c]);
        }).ToArray();

        void Pass(IFrameParser[] parsers)
        {
            for (int f = 0; f < payloads.Length; f++)
            {
                batch.Clear();
                parsers[index[f]].Parse(payloads[f], FrameSource.WebSocket, null, 1, batch);
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++) keeper.OnEvent(ref events[i]);
            }
        }

        Pass(MakeParsers());
        var second = MakeParsers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass(second);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
