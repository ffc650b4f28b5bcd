using System.Globalization;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Binance;

/// <summary>A received frame with its receive time (Unix ns), as recorded.</summary>
public sealed record TimedFrame(long TimeNs, FrameSource Source, string? Url, byte[] Payload, int Line);

/// <summary>Resync requests seen by a test.</summary>
public sealed class RecordingResyncRequester : IResyncRequester
{
    public readonly List<(VenueId Venue, InstrumentId Instrument, ResyncReason Reason)> Requests = new();
    public void RequestResync(VenueId venue, InstrumentId instrument, ResyncReason reason) => Requests.Add((venue, instrument, reason));
}

/// <summary>
/// Reads Binance captures (formats N and L of shared/captures/README.md) with their receive times, merges a WebSocket
/// file with its REST-depth file by receive time, and replays frames through <see cref="BinanceParser"/> + <see cref="BookKeeper"/>.
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

    public void Feed(TimedFrame f)
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

    public void FeedAll(IEnumerable<TimedFrame> frames)
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

    /// <summary>Reads one or more capture files and merges their frames by receive time (stable: file order on ties).</summary>
    public static List<TimedFrame> Read(params string[] paths)
    {
        var all = new List<TimedFrame>();
        foreach (var p in paths) all.AddRange(ReadOne(p));
        // List.Sort is unstable: order by (time, file index, line) explicitly.
        return all.Select((f, i) => (f, i)).OrderBy(x => x.f.TimeNs).ThenBy(x => x.i).Select(x => x.f).ToList();
    }

    private static IEnumerable<TimedFrame> ReadOne(string path)
    {
        string? url = null;
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int sp = line.IndexOf(' ');
            if (sp > 0 && line.AsSpan(0, sp).IndexOfAnyExceptInRange('0', '9') < 0)
            {
                // N: "<ns|µs> <frame>"; a body with lastUpdateId and no "stream" is the REST snapshot (no URL recorded).
                long ts = long.Parse(line.AsSpan(0, sp), CultureInfo.InvariantCulture);
                if (sp <= 16) ts *= 1000;
                string payload = line[(sp + 1)..];
                bool rest = payload.Contains("\"lastUpdateId\"") && !payload.Contains("\"stream\"");
                yield return new TimedFrame(ts, rest ? FrameSource.Rest : FrameSource.WebSocket, null, Encoding.UTF8.GetBytes(payload), lineNo);
                continue;
            }
            int conn = line.IndexOf(" <-> ", StringComparison.Ordinal);
            if (conn > 0) { url = line[..conn]; continue; }
            int sep = line.IndexOf(": ", StringComparison.Ordinal);
            if (sep < 0) continue;
            string head = line[..sep];
            byte[] body = Encoding.UTF8.GetBytes(line[(sep + 2)..]);
            int arrow;
            if ((arrow = head.IndexOf(" -> ", StringComparison.Ordinal)) > 0)
                yield return new TimedFrame(Seconds(head[(arrow + 4)..]), FrameSource.Rest, head[..arrow], body, lineNo);
            else if (head.Contains(" <- ", StringComparison.Ordinal))
                continue; // client → server
            else
                yield return new TimedFrame(Seconds(head), FrameSource.WebSocket, url, body, lineNo);
        }
    }

    /// <summary>Legacy "seconds.fraction" to Unix ns, exactly (decimal, not double).</summary>
    private static long Seconds(string text) => (long)(decimal.Parse(text, CultureInfo.InvariantCulture) * 1_000_000_000m);

    /// <summary>Path of a shared capture, or null (the test then reports SKIPPED).</summary>
    public static string? Shared(string relative)
    {
        var dir = Fixture.SharedDirectory();
        if (dir is null) return null;
        var p = Path.Combine(dir, "captures", relative);
        return File.Exists(p) ? p : null;
    }
}
