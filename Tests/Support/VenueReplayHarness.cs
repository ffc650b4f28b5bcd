using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Tests.Support;

/// <summary>Parser + BookKeeper wired like the engine's book stage, for replay tests of one venue.</summary>
public sealed class VenueReplayHarness
{
    public VenueReplayHarness(IVenueAdapter adapter, VenueId venue, string? url = null)
    {
        Venue = venue;
        Registry = new InstrumentRegistry();
        Resync = new RecordingResyncRequester();
        Keeper = new BookKeeper(Registry, Resync);
        Keeper.SetSpec(venue, adapter.SyncSpec(venue));
        Parser = adapter.CreateParser(venue, Registry, url);
    }

    public VenueId Venue { get; }
    public InstrumentRegistry Registry { get; }
    public RecordingResyncRequester Resync { get; }
    public BookKeeper Keeper { get; }
    public IFrameParser Parser { get; }
    public MarketEventBatch Batch { get; } = new();
    public int DataFrames;
    public int ControlFrames;
    public int Rejected;
    public Dictionary<RejectReason, int> Rejects { get; } = new();

    /// <summary>Parses one frame and feeds every event to the book keeper.</summary>
    public ParseResult Feed(byte[] frame, long receiveTimeNs = 0)
    {
        Batch.Clear();
        var result = Parser.Parse(frame, FrameSource.WebSocket, null, receiveTimeNs, Batch);
        switch (result.Status)
        {
            case FrameStatus.Data: DataFrames++; break;
            case FrameStatus.Control: ControlFrames++; break;
            default:
                Rejected++;
                Rejects[result.Reason] = Rejects.GetValueOrDefault(result.Reason) + 1;
                break;
        }
        var events = Batch.Events;
        for (int i = 0; i < events.Length; i++) Keeper.OnEvent(ref events[i]);
        return result;
    }

    public ParseResult Feed(string frame) => Feed(Encoding.UTF8.GetBytes(frame));

    public InstrumentId Id(string venueSymbol) =>
        Registry.TryGet(Venue, Encoding.UTF8.GetBytes(venueSymbol), out var id) ? id : throw new KeyNotFoundException(venueSymbol);
}
