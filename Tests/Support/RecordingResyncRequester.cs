using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Tests.Support;

/// <summary>Records resync requests (the test double of a venue connection).</summary>
public sealed class RecordingResyncRequester : IResyncRequester
{
    public List<(VenueId Venue, InstrumentId Instrument, ResyncReason Reason)> Requests { get; } = new();

    public void RequestResync(VenueId venue, InstrumentId instrument, ResyncReason reason) => Requests.Add((venue, instrument, reason));
}
