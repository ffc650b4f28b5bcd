using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>
/// Replays Binance capture frames (read with <see cref="RawCapture.ReadByTime"/>, receive times and REST snapshots included)
/// through <see cref="BinanceParser"/> + <see cref="BookKeeper"/>.
/// </summary>
public sealed class BinanceReplay
{
    public readonly InstrumentRegistry Registry = new();
    public readonly BookKeeper Keeper;
    public readonly BinanceParser Parser;
    public readonly VenueId Venue;
    public readonly MarketEventBatch Batch = new();
    public long Rejected, Data, Control, Crossed;
    /// <summary>BBO messages whose update id equalled the book's last applied id at arrival (the multi README's count).</summary>
    public long BboCheckedAtArrival;

    public BinanceReplay(VenueId venue, IResyncRequester? resync = null)
    {
        Venue = venue;
        Keeper = new BookKeeper(Registry, resync);
        var adapter = VenueAdapters.For(venue)!;
        Keeper.SetSpec(venue, adapter.SyncSpec(venue));
        Parser = (BinanceParser)adapter.CreateParser(venue, Registry, BinanceAdapter.StreamUrl(venue));
    }

    public void Feed(RawFrame f)
    {
        Batch.Clear();
        var result = Parser.Parse(f.Payload, f.Source, f.Url, f.TimeNs, Batch);
        if (result.Status == FrameStatus.Rejected) { Rejected++; return; }
        if (result.Status == FrameStatus.Control) { Control++; return; }
        Data++;
        var events = Batch.Events;
        for (int i = 0; i < events.Length; i++)
        {
            ref var e = ref events[i];
            if (e.Kind == MarketEventKind.Bbo && e.Side == Side.Ask
                && Keeper.StateOf(e.Venue, e.Instrument) == BookSyncState.Synced
                && Keeper.TryGetBook(e.Venue, e.Instrument)!.LastSequence == e.Sequence)
                BboCheckedAtArrival++;
            Keeper.OnEvent(ref e);
        }
    }

    public void FeedAll(IEnumerable<RawFrame> frames)
    {
        foreach (var f in frames) Feed(f);
    }

    public BookStats Stats => Keeper.StatsOf(Venue);

    public OrderBook Book(string venueSymbol)
    {
        Assert.True(Registry.TryGet(Venue, Encoding.ASCII.GetBytes(venueSymbol), out var id), $"symbol {venueSymbol} not registered");
        return Keeper.TryGetBook(Venue, id)!;
    }

    public BookSyncState State(string venueSymbol)
    {
        Assert.True(Registry.TryGet(Venue, Encoding.ASCII.GetBytes(venueSymbol), out var id), $"symbol {venueSymbol} not registered");
        return Keeper.StateOf(Venue, id);
    }
}
