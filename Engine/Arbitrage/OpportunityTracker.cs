using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Arbitrage;

/// <summary>The closed life of one cross-venue opportunity (buy venue, sell venue, instrument).</summary>
/// <param name="FirstSeenNs">Event time of the first qualifying observation.</param>
/// <param name="LastSeenNs">Event time of the last qualifying observation.</param>
/// <param name="ClosedAtNs">Event time of the first evaluation that no longer found it (or found it below the thresholds).</param>
/// <param name="PeakEdgeCentiBps">Largest fee-adjusted top-of-book edge seen, hundredths of a basis point.</param>
/// <param name="PeakNetProfit">Largest expected net profit of the walk seen (× 10^8, see <see cref="ArbOpportunity.NetProfit"/>).</param>
/// <param name="Observations">Qualifying observations while open.</param>
public readonly record struct OpportunityLifetime(
    VenueId BuyVenue, VenueId SellVenue, InstrumentId Instrument,
    long FirstSeenNs, long LastSeenNs, long ClosedAtNs,
    long PeakEdgeCentiBps, long PeakNetProfit, int Observations)
{
    /// <summary>Observed life: first to last qualifying observation (0 for a one-shot opportunity).</summary>
    public long ObservedNs => LastSeenNs - FirstSeenNs;
    /// <summary>Life until it was seen gone: first observation to close. This is what the summary ranks.</summary>
    public long LifetimeNs => ClosedAtNs - FirstSeenNs;
}

/// <summary>Lifetime statistics over the closed lifetimes still held in the ring (cold path).</summary>
public readonly record struct LifetimeSummary(int Count, long MedianNs, long P90Ns, long MaxNs, long MeanNs);

/// <summary>Why an observed opportunity did not count (see <see cref="ArbitrageThresholds"/>).</summary>
public enum OpportunityRejectReason : byte
{
    None = 0,
    BelowMinEdge,
    BelowMinNotional,
    StaleQuote,
}

/// <summary>
/// Tracks the life of every cross-venue opportunity keyed by (buy venue, sell venue, instrument): first seen, last seen,
/// peak edge, observation count. When an evaluation no longer finds a qualifying opportunity for an open key, the key is
/// closed and its <see cref="OpportunityLifetime"/> is appended to a fixed-size ring (oldest overwritten) and counted.
/// </summary>
/// <remarks>
/// Single-threaded (the signal stage). Open opportunities live in pre-allocated slots (linear search: a handful of venue
/// pairs per instrument is the working set); when every slot is taken a new key is dropped and counted in
/// <see cref="SlotOverflows"/>, never grown. <see cref="Observe"/>, <see cref="Absent"/> and <see cref="Scan"/> allocate
/// nothing; <see cref="Summarize"/> sorts a copy and is the cold path.
/// </remarks>
public sealed class OpportunityTracker
{
    private struct Slot
    {
        public bool Used;
        public VenueId Buy, Sell;
        public InstrumentId Instrument;
        public long FirstSeenNs, LastSeenNs, PeakEdgeCentiBps, PeakNetProfit;
        public int Observations;
    }

    private readonly Slot[] _slots;
    private readonly OpportunityLifetime[] _closed;
    private readonly long _minEdgeCentiBps;
    private readonly long _minNotional;
    private readonly long _maxQuoteAgeNs;
    private readonly long[] _rejects = new long[4];
    private long _closedTotal;

    /// <param name="thresholds">What counts as an opportunity: edge ≥ <see cref="ArbitrageThresholds.MinEdgeBps"/>,
    /// notional ≥ <see cref="ArbitrageThresholds.MinNotional"/>, quote age ≤ <see cref="ArbitrageThresholds.MaxQuoteAgeNs"/>.</param>
    /// <param name="maxOpen">Pre-allocated open slots.</param>
    /// <param name="closedCapacity">Closed lifetimes kept (ring).</param>
    public OpportunityTracker(ArbitrageThresholds thresholds, int maxOpen = 64, int closedCapacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpen, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(closedCapacity, 1);
        if (thresholds.MaxQuoteAgeNs <= 0)
            throw new ArgumentOutOfRangeException(nameof(thresholds), thresholds.MaxQuoteAgeNs, "ArbitrageThresholds.MaxQuoteAgeNs must be > 0");
        _slots = new Slot[maxOpen];
        _closed = new OpportunityLifetime[closedCapacity];
        // Config is in bps (double, cold); the hot path compares integer centi-bps.
        _minEdgeCentiBps = (long)Math.Ceiling(thresholds.MinEdgeBps * 100);
        _minNotional = thresholds.MinNotional;
        _maxQuoteAgeNs = thresholds.MaxQuoteAgeNs;
    }

    public int OpenCount { get; private set; }
    /// <summary>Opportunities opened since start.</summary>
    public long Opened { get; private set; }
    /// <summary>Opportunities closed since start (may exceed the ring's capacity).</summary>
    public long Closed => _closedTotal;
    public long Observations { get; private set; }
    /// <summary>New keys dropped because every slot was open.</summary>
    public long SlotOverflows { get; private set; }
    public long RejectedBy(OpportunityRejectReason reason) => _rejects[(int)reason];
    public int ClosedCapacity => _closed.Length;

    /// <summary>Whether <paramref name="opportunity"/> passes the thresholds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public OpportunityRejectReason Qualify(in ArbOpportunity opportunity, long quoteAgeNs)
    {
        if (quoteAgeNs > _maxQuoteAgeNs) return OpportunityRejectReason.StaleQuote;
        if (opportunity.EdgeCentiBps < _minEdgeCentiBps) return OpportunityRejectReason.BelowMinEdge;
        if (opportunity.Notional < _minNotional) return OpportunityRejectReason.BelowMinNotional;
        return OpportunityRejectReason.None;
    }

    /// <summary>
    /// Records an evaluation that found <paramref name="opportunity"/> at <paramref name="nowNs"/>. When it does not
    /// qualify it counts as absent (an open key closes). Returns true when it counted.
    /// </summary>
    public bool Observe(in ArbOpportunity opportunity, long quoteAgeNs, long nowNs)
    {
        var reason = Qualify(opportunity, quoteAgeNs);
        if (reason != OpportunityRejectReason.None)
        {
            _rejects[(int)reason]++;
            Absent(opportunity.BuyVenue, opportunity.SellVenue, opportunity.Instrument, nowNs);
            return false;
        }
        Observations++;
        int i = Find(opportunity.BuyVenue, opportunity.SellVenue, opportunity.Instrument);
        if (i < 0)
        {
            i = FreeSlot();
            if (i < 0) { SlotOverflows++; return false; }
            ref var s = ref _slots[i];
            s.Used = true;
            s.Buy = opportunity.BuyVenue;
            s.Sell = opportunity.SellVenue;
            s.Instrument = opportunity.Instrument;
            s.FirstSeenNs = nowNs;
            s.PeakEdgeCentiBps = opportunity.EdgeCentiBps;
            s.PeakNetProfit = opportunity.NetProfit;
            s.Observations = 0;
            OpenCount++;
            Opened++;
        }
        ref var slot = ref _slots[i];
        slot.LastSeenNs = nowNs;
        slot.Observations++;
        if (opportunity.EdgeCentiBps > slot.PeakEdgeCentiBps) slot.PeakEdgeCentiBps = opportunity.EdgeCentiBps;
        if (opportunity.NetProfit > slot.PeakNetProfit) slot.PeakNetProfit = opportunity.NetProfit;
        return true;
    }

    /// <summary>Records an evaluation of the key that found nothing: an open opportunity closes at <paramref name="nowNs"/>.</summary>
    public bool Absent(VenueId buy, VenueId sell, InstrumentId instrument, long nowNs)
    {
        int i = Find(buy, sell, instrument);
        if (i < 0) return false;
        Close(i, nowNs);
        return true;
    }

    /// <summary>
    /// Evaluates every ordered venue pair of <paramref name="book"/> with <see cref="CrossVenueArbitrage"/> and feeds the
    /// result into the tracker (found → <see cref="Observe"/>, not found → <see cref="Absent"/>). The quote age is the
    /// older of the two books. Returns the number of qualifying opportunities. Allocation-free.
    /// </summary>
    public int Scan(ConsolidatedBook book, Instrument instrument, long nowNs, long maxQuantity = 0)
    {
        int found = 0;
        int n = book.VenueCount;
        for (int buy = 0; buy < n; buy++)
        {
            for (int sell = 0; sell < n; sell++)
            {
                if (buy == sell) continue;
                if (CrossVenueArbitrage.TryEvaluate(book, instrument, buy, sell, nowNs, maxQuantity, out var opportunity))
                {
                    book.Check(buy, nowNs, out var b);
                    book.Check(sell, nowNs, out var s);
                    long age = nowNs - Math.Min(b!.LastReceiveTimeNs, s!.LastReceiveTimeNs);
                    if (Observe(opportunity, age, nowNs)) found++;
                }
                else
                {
                    Absent(book.VenueAt(buy), book.VenueAt(sell), instrument.Id, nowNs);
                }
            }
        }
        return found;
    }

    /// <summary>Closes every open opportunity at <paramref name="nowNs"/> (end of a replay, shutdown).</summary>
    public void CloseAll(long nowNs)
    {
        for (int i = 0; i < _slots.Length; i++)
            if (_slots[i].Used) Close(i, nowNs);
    }

    /// <summary>
    /// Closes every open opportunity at the time it was last observed (end of a replay: an opportunity whose quotes
    /// stopped arriving — its recording ended — has no later evaluation to close it, and must not live until the end
    /// of an unrelated later recording).
    /// </summary>
    public void CloseAllAtLastSeen()
    {
        for (int i = 0; i < _slots.Length; i++)
            if (_slots[i].Used) Close(i, _slots[i].LastSeenNs);
    }

    /// <summary>Open opportunity of a key, if any.</summary>
    public bool TryGetOpen(VenueId buy, VenueId sell, InstrumentId instrument, out OpportunityLifetime open)
    {
        int i = Find(buy, sell, instrument);
        if (i < 0) { open = default; return false; }
        ref var s = ref _slots[i];
        open = new OpportunityLifetime(s.Buy, s.Sell, s.Instrument, s.FirstSeenNs, s.LastSeenNs, 0, s.PeakEdgeCentiBps, s.PeakNetProfit, s.Observations);
        return true;
    }

    /// <summary>Number of closed lifetimes held in the ring (≤ capacity).</summary>
    public int ClosedHeld => (int)Math.Min(_closedTotal, _closed.Length);

    /// <summary>The <paramref name="index"/>-th held closed lifetime, oldest first.</summary>
    public OpportunityLifetime ClosedAt(int index)
    {
        int held = ClosedHeld;
        if ((uint)index >= (uint)held) throw new ArgumentOutOfRangeException(nameof(index), index, $"allowed 0..{held - 1}");
        long first = _closedTotal - held;
        return _closed[(int)((first + index) % _closed.Length)];
    }

    /// <summary>
    /// Count, median, p90, max and mean of <see cref="OpportunityLifetime.LifetimeNs"/> over the held closed lifetimes.
    /// Percentiles are nearest-rank (the smallest value with at least p% of the values at or below it). Cold path: copies
    /// and sorts.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public LifetimeSummary Summarize()
    {
        int held = ClosedHeld;
        if (held == 0) return default;
        var lifetimes = new long[held];
        Int128 sum = 0;
        for (int i = 0; i < held; i++)
        {
            lifetimes[i] = ClosedAt(i).LifetimeNs;
            sum += lifetimes[i];
        }
        Array.Sort(lifetimes);
        return new LifetimeSummary(held, NearestRank(lifetimes, 50), NearestRank(lifetimes, 90), lifetimes[^1], (long)(sum / held));
    }

    /// <summary>Nearest-rank percentile of sorted values: index ceil(p/100 × n) − 1.</summary>
    public static long NearestRank(long[] sorted, int percent)
    {
        int rank = (int)(((long)percent * sorted.Length + 99) / 100);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private void Close(int i, long nowNs)
    {
        ref var s = ref _slots[i];
        _closed[(int)(_closedTotal % _closed.Length)] = new OpportunityLifetime(s.Buy, s.Sell, s.Instrument, s.FirstSeenNs, s.LastSeenNs,
            nowNs, s.PeakEdgeCentiBps, s.PeakNetProfit, s.Observations);
        _closedTotal++;
        s.Used = false;
        OpenCount--;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(VenueId buy, VenueId sell, InstrumentId instrument)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            ref var s = ref slots[i];
            if (s.Used && s.Buy == buy && s.Sell == sell && s.Instrument == instrument) return i;
        }
        return -1;
    }

    private int FreeSlot()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
            if (!slots[i].Used) return i;
        return -1;
    }
}
