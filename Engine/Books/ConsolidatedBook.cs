using FastEngine.Model;
using FastEngine.Routing;

namespace FastEngine.Books;

/// <summary>Best quote of one venue in a <see cref="ConsolidatedBook"/>.</summary>
public readonly record struct VenueQuote(VenueId Venue, long Price, long Size, long FeeAdjustedPrice, long AgeNs);

/// <summary>Why a venue is left out of the consolidated view (fail closed).</summary>
public enum VenueExclusion : byte
{
    None = 0,
    NoBook,
    Unsynced,
    Stale,
    EmptySide,
    Disabled,
}

/// <summary>
/// All venues' books of one canonical instrument side by side: best bid/ask across venues (NBBO) raw and net of each
/// venue's taker fee, depth within N bps, and each venue's quote age. A venue whose book is unsynced or older than
/// <see cref="MaxQuoteAgeNs"/> is excluded from everything (fail closed).
/// </summary>
/// <remarks>Single-threaded (the book/signal stage thread). Reads the live <see cref="OrderBook"/>s; allocation-free.</remarks>
public sealed class ConsolidatedBook
{
    private readonly IBookSource _books;
    private readonly VenueId[] _venues;
    private readonly FeeSchedule[] _fees;
    private readonly OrderBook?[] _cache;
    private readonly bool[] _disabled;

    public ConsolidatedBook(IBookSource books, InstrumentId instrument, IReadOnlyList<(VenueId Venue, FeeSchedule Fees)> venues, long maxQuoteAgeNs)
    {
        _books = books;
        Instrument = instrument;
        _venues = venues.Select(v => v.Venue).ToArray();
        _fees = venues.Select(v => v.Fees).ToArray();
        _cache = new OrderBook?[_venues.Length];
        _disabled = new bool[_venues.Length];
        MaxQuoteAgeNs = maxQuoteAgeNs;
    }

    public InstrumentId Instrument { get; }
    public long MaxQuoteAgeNs { get; }
    public int VenueCount => _venues.Length;
    public VenueId VenueAt(int index) => _venues[index];
    public FeeSchedule FeesAt(int index) => _fees[index];

    /// <summary>Disables or re-enables a venue (circuit breaker, kill switch).</summary>
    public void SetDisabled(VenueId venue, bool disabled)
    {
        int i = Array.IndexOf(_venues, venue);
        if (i >= 0) _disabled[i] = disabled;
    }

    /// <summary>The venue's book if it may be used at <paramref name="nowNs"/>, else why not.</summary>
    public VenueExclusion Check(int index, long nowNs, out OrderBook? book)
    {
        book = _cache[index] ??= _books.TryGetBook(_venues[index], Instrument);
        if (_disabled[index]) return VenueExclusion.Disabled;
        if (book is null) return VenueExclusion.NoBook;
        if (!book.IsSynced) return VenueExclusion.Unsynced;
        if (nowNs - book.LastReceiveTimeNs > MaxQuoteAgeNs) return VenueExclusion.Stale;
        return VenueExclusion.None;
    }

    /// <summary>The venue's best quote on <paramref name="side"/>, fee-adjusted for a taker hitting it.</summary>
    public bool TryGetVenueQuote(int index, Side side, long nowNs, out VenueQuote quote)
    {
        quote = default;
        if (Check(index, nowNs, out var book) != VenueExclusion.None) return false;
        var s = book!.SideOf(side);
        if (s.IsEmpty) return false;
        ref readonly var best = ref s.Best;
        // A taker SELLS into bids (receives less) and BUYS from asks (pays more).
        long adjusted = side == Side.Bid ? _fees[index].SellProceeds(best.Price) : _fees[index].BuyCost(best.Price);
        quote = new VenueQuote(_venues[index], best.Price, best.Size, adjusted, nowNs - book.LastReceiveTimeNs);
        return true;
    }

    /// <summary>Best bid or ask across eligible venues; <paramref name="feeAdjusted"/> ranks by price net of taker fee.</summary>
    public bool TryGetBest(Side side, long nowNs, bool feeAdjusted, out VenueQuote best)
    {
        best = default;
        bool found = false;
        for (int i = 0; i < _venues.Length; i++)
        {
            if (!TryGetVenueQuote(i, side, nowNs, out var q)) continue;
            long key = feeAdjusted ? q.FeeAdjustedPrice : q.Price;
            long bestKey = feeAdjusted ? best.FeeAdjustedPrice : best.Price;
            if (!found || (side == Side.Bid ? key > bestKey : key < bestKey))
            {
                best = q;
                found = true;
            }
        }
        return found;
    }

    /// <summary>
    /// Total size offered on <paramref name="side"/> across eligible venues within <paramref name="bps"/> basis points
    /// of the consolidated best price of that side.
    /// </summary>
    public long DepthWithinBps(Side side, int bps, long nowNs)
    {
        if (!TryGetBest(side, nowNs, feeAdjusted: false, out var best)) return 0;
        long limit = side == Side.Bid
            ? FeeSchedule.MulDivCeil(best.Price, 10_000 - bps, 10_000)
            : FeeSchedule.MulDivFloor(best.Price, 10_000 + bps, 10_000);
        long total = 0;
        for (int i = 0; i < _venues.Length; i++)
        {
            if (Check(i, nowNs, out var book) != VenueExclusion.None) continue;
            var s = book!.SideOf(side);
            for (int d = 0; d < s.Count; d++)
            {
                ref readonly var level = ref s.At(d);
                if (side == Side.Bid ? level.Price < limit : level.Price > limit) break;
                total += level.Size;
            }
        }
        return total;
    }
}
