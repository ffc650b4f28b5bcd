using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>One funding settlement applied to a paper position. <see cref="Amount"/> is what the position received (negative:
/// paid) in the settlement currency at the broker's <see cref="PaperBrokerOptions.AmountScale"/>: the quote currency of a
/// linear perpetual, the base coin of an inverse one.</summary>
/// <param name="FundingTimeMs">The funding timestamp the payment settled at (the venue's next funding time, Unix ms).</param>
/// <param name="Rate">The rate settled: the last one the venue announced before that time, × 10^<see cref="MarketEvent.FundingRateScale"/>.</param>
/// <param name="MarkPrice">The price the position was valued at (the last mark at or before the funding time; the average
/// entry price when the venue sent no mark, counted in <see cref="PaperBroker.FundingWithoutMarkCount"/>).</param>
/// <param name="Quantity">The signed position quantity mantissa at the funding time.</param>
public readonly record struct FundingPayment(
    VenueId Venue,
    InstrumentId Instrument,
    long FundingTimeMs,
    long Rate,
    long MarkPrice,
    long Quantity,
    long Amount);

/// <summary>Funding of one perpetual on one venue as the paper broker accrued it.</summary>
/// <param name="Fundings">Funding timestamps that passed while the broker knew the perpetual's rate (with or without a position).</param>
/// <param name="Payments">Settlements applied to a non-zero position.</param>
/// <param name="Amount">Σ received (negative: paid), settlement currency at the amount scale.</param>
public readonly record struct FundingSnapshot(VenueId Venue, InstrumentId Instrument, long Fundings, long Payments, long Amount);

// Funding payments of perpetual positions: the venue's funding events carry the rate and the next funding time; when event time
// passes that time, every open position on the perpetual pays or receives the last announced rate on its value at the mark.
public sealed partial class PaperBroker
{
    /// <summary>Capacity of the funding table (perpetuals whose funding the broker follows; pre-allocated).</summary>
    public const int MaxFundingInstruments = 256;

    /// <summary>What the broker knows of one perpetual's funding. Structs in a pre-allocated array: no allocation per event.</summary>
    private struct FundingState
    {
        public int PositionIndex;
        public VenueId Venue;
        public InstrumentId Instrument;
        public long Rate;          // last announced, scale 12
        public long NextMs;        // next funding time, Unix ms (0: unknown)
        public long SettledMs;     // the last funding time settled: never settled twice
        public long Mark;          // last mark price mantissa (0: none yet)
        public bool HasRate;
        public long Fundings, Payments, Amount;
    }

    private readonly FundingState[] _funding = new FundingState[MaxFundingInstruments];
    private int _fundingCount;
    private int _fundingLast;   // index of the last lookup's hit (events of one perpetual come in runs)
    private readonly FundingPayment[] _fundingPayments = new FundingPayment[MaxFundingInstruments];
    private int _fundingPaymentCount;
    private readonly long[] _fundingPaymentsByVenue;

    /// <summary>Event time (Unix ns) at or after which <see cref="SettleFunding"/> has a funding to settle; long.MaxValue when
    /// none is known. One compare per event decides whether to call it.</summary>
    public long NextFundingDueNs { get; private set; } = long.MaxValue;
    /// <summary>Funding settlements applied to non-zero positions, all venues.</summary>
    public long FundingPaymentCount { get; private set; }
    /// <summary>Funding settlements valued at the average entry price because the venue had sent no mark price.</summary>
    public long FundingWithoutMarkCount { get; private set; }
    /// <summary>Funding or mark events of perpetuals beyond <see cref="MaxFundingInstruments"/> (ignored, counted).</summary>
    public long FundingTableFullCount { get; private set; }
    /// <summary>The payments of the last <see cref="SettleFunding"/> call (valid until the next call).</summary>
    public ReadOnlySpan<FundingPayment> LastFundingPayments => new(_fundingPayments, 0, _fundingPaymentCount);
    /// <summary>Funding settlements applied to positions on <paramref name="venue"/>.</summary>
    public long FundingPaymentsOf(VenueId venue) => (uint)venue.Value < (uint)_fundingPaymentsByVenue.Length ? _fundingPaymentsByVenue[venue.Value] : 0;

    /// <summary>Signed position quantity mantissa of one venue and instrument (0 when never traded). Allocation-free, O(1).</summary>
    public long PositionQuantity(VenueId venue, InstrumentId instrument) =>
        TryIndex(venue, instrument, out int index, out _) ? _positions[index].Quantity : 0;

    /// <summary>
    /// Takes a perpetual's <see cref="MarketEventKind.Funding"/> (rate, next funding time) and <see cref="MarketEventKind.MarkPrice"/>
    /// events; other events and instruments are ignored. Call <see cref="SettleFunding"/> first when the event's time has
    /// reached <see cref="NextFundingDueNs"/>, so that a funding settles with the rate announced before it, not the next one.
    /// Allocation-free (a perpetual seen for the first time takes a slot of the pre-allocated table).
    /// </summary>
    public void OnFundingInput(in MarketEvent e)
    {
        if (e.Kind is not (MarketEventKind.Funding or MarketEventKind.MarkPrice)) return;
        if (!TryIndex(e.Venue, e.Instrument, out int index, out var instrument) || instrument.Kind != InstrumentKind.Perpetual) return;
        int slot = FundingSlotOf(index);
        if (slot < 0) slot = AddFundingSlotSlow(index, e.Venue, e.Instrument);
        if (slot < 0) return;
        ref var f = ref _funding[slot];
        if (e.Kind == MarketEventKind.MarkPrice)
        {
            if (e.Price > 0) f.Mark = e.Price;
            return;
        }
        f.Rate = e.FundingRate;
        f.HasRate = true;
        long next = e.NextFundingTimeMs;
        if (next == f.NextMs) return;
        long old = f.NextMs;
        f.NextMs = next;
        if (next > f.SettledMs && next > 0 && (long)Math.Min(next, long.MaxValue / 1_000_000) * 1_000_000 < NextFundingDueNs)
            NextFundingDueNs = Math.Min(next, long.MaxValue / 1_000_000) * 1_000_000;
        else if (old > 0 && Math.Min(old, long.MaxValue / 1_000_000) * 1_000_000 == NextFundingDueNs) RecomputeFundingDue();
    }

    /// <summary>
    /// Settles every funding whose time is at or before <paramref name="nowNs"/> (event time) and not settled yet: each open
    /// position on that perpetual receives (or pays, when negative) the last announced rate on its value at the last mark,
    /// exchange formulas:
    /// <list type="bullet">
    /// <item>Linear (USDT-margined): funding = position quantity × mark price × rate, in the quote currency. Binance: "Funding
    /// Amount = Nominal Value of Positions × Funding Rate", nominal value = mark price × size (Introduction to Binance Futures
    /// Funding Rates, quoted at https://docs.traderwagon.com/faq/futures-trading-introduction/funding-fee); Bitget: forward
    /// contract position value = face value × contracts × mark price (https://web3.bitget.com/en/academy/funding-cost-calculation).</item>
    /// <item>Inverse (BitMEX XBTUSD, Deribit BTC-PERPETUAL, Binance COIN-M): funding = face value / mark × rate, in the coin.
    /// BitMEX: "Funding Amount = Mark Value * Funding Rate", long 15,000 XBTUSD at 750: 20 XBT × 0.25 % = 0.05 XBT
    /// (https://www.bitmex.com/app/perpetualContractsGuideExamples); Bitget: reverse contract position value = face value ×
    /// contracts / mark price.</item>
    /// </list>
    /// A positive rate: longs pay, shorts receive; a negative rate the reverse. The amount is rounded down (toward paying more,
    /// receiving less) at the amount scale, as fees are rounded against us: a simulation never looks better than the venue.
    /// Funding P&amp;L is kept apart from trading P&amp;L (<see cref="GetFunding"/>). Returns the number of payments (read
    /// <see cref="LastFundingPayments"/>). Allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int SettleFunding(long nowNs)
    {
        _fundingPaymentCount = 0;
        if (nowNs < NextFundingDueNs) return 0;
        for (int i = 0; i < _fundingCount; i++)
        {
            ref var f = ref _funding[i];
            // Due when NextMs × 10^6 ≤ nowNs, i.e. NextMs ≤ ⌊nowNs / 10^6⌋ (no overflow for any NextMs).
            if (f.NextMs <= f.SettledMs || f.NextMs <= 0 || f.NextMs > nowNs / 1_000_000) continue;
            f.SettledMs = f.NextMs;
            if (!f.HasRate) continue;
            f.Fundings++;
            ref var p = ref _positions[f.PositionIndex];
            if (p.Quantity == 0) continue;
            var instrument = _instruments[f.Instrument];
            long mark = f.Mark;
            if (mark <= 0)
            {
                mark = AverageEntryOf(in p, instrument);
                FundingWithoutMarkCount++;
                if (mark <= 0) continue;
            }
            long amount = FundingAmount(instrument, p.Quantity, mark, f.Rate, _amountScale);
            f.Amount += amount;
            f.Payments++;
            FundingPaymentCount++;
            _fundingPaymentsByVenue[f.Venue.Value]++;
            _fundingPayments[_fundingPaymentCount++] = new FundingPayment(f.Venue, f.Instrument, f.SettledMs, f.Rate, mark, p.Quantity, amount);
        }
        RecomputeFundingDue();
        return _fundingPaymentCount;
    }

    /// <summary>
    /// What a position of <paramref name="signedQuantity"/> receives (negative: pays) at one funding, at 10^-<paramref name="amountScale"/>
    /// of the settlement currency, rounded toward negative infinity. Linear: −quantity × mark × rate (quote); inverse:
    /// −face × contract value / mark × rate (coin). <paramref name="rate"/> at scale <see cref="MarketEvent.FundingRateScale"/>.
    /// Exact integer math on 128 bits.
    /// </summary>
    public static long FundingAmount(Instrument instrument, long signedQuantity, long mark, long rate, int amountScale)
    {
        if (signedQuantity == 0 || rate == 0 || mark <= 0) return 0;
        int ps = instrument.PriceScale, qs = instrument.QuantityScale;
        Int128 numerator, denominator;
        if (instrument.IsInverse)
        {
            // face × cv / (mark / 10^ps) × rate / 10^12 × 10^A  =  face × cv × rate × 10^(ps + A − qs − 12) / mark
            numerator = -(Int128)signedQuantity * Math.Max(1, instrument.ContractValue) * rate;
            denominator = mark;
            int e = ps + amountScale - qs - MarketEvent.FundingRateScale;
            if (e >= 0) numerator *= Pow10(e); else denominator *= Pow10(-e);
        }
        else
        {
            // quantity / 10^qs × mark / 10^ps × rate / 10^12 × 10^A
            numerator = -(Int128)signedQuantity * mark * rate;
            denominator = 1;
            int e = amountScale - ps - qs - MarketEvent.FundingRateScale;
            if (e >= 0) numerator *= Pow10(e); else denominator = Pow10(-e);
        }
        Int128 q = numerator / denominator;
        if (numerator % denominator != 0 && numerator < 0) q -= 1;   // floor: toward paying more
        return (long)q;
    }

    /// <summary>Funding accrued on one venue's perpetual (all zero when the broker never saw its funding).</summary>
    public FundingSnapshot GetFunding(VenueId venue, InstrumentId instrument)
    {
        for (int i = 0; i < _fundingCount; i++)
        {
            ref readonly var f = ref _funding[i];
            if (f.Venue == venue && f.Instrument == instrument) return new FundingSnapshot(venue, instrument, f.Fundings, f.Payments, f.Amount);
        }
        return new FundingSnapshot(venue, instrument, 0, 0, 0);
    }

    /// <summary>Funding timestamps passed on one venue's perpetual (the carry's hold counter reads it).</summary>
    public long FundingsPassed(VenueId venue, InstrumentId instrument)
    {
        if (!TryIndex(venue, instrument, out int index, out _)) return 0;
        int slot = FundingSlotOf(index);
        return slot < 0 ? 0 : _funding[slot].Fundings;
    }

    /// <summary>Every perpetual the broker follows, with what it accrued (cold path: reports).</summary>
    public IEnumerable<FundingSnapshot> FundingPositions()
    {
        for (int i = 0; i < _fundingCount; i++)
        {
            var f = _funding[i];
            yield return new FundingSnapshot(f.Venue, f.Instrument, f.Fundings, f.Payments, f.Amount);
        }
    }

    private int FundingSlotOf(int positionIndex)
    {
        int last = _fundingLast;
        if (last < _fundingCount && _funding[last].PositionIndex == positionIndex) return last;
        for (int i = 0; i < _fundingCount; i++)
            if (_funding[i].PositionIndex == positionIndex) { _fundingLast = i; return i; }
        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AddFundingSlotSlow(int positionIndex, VenueId venue, InstrumentId instrument)
    {
        if (_fundingCount == _funding.Length) { FundingTableFullCount++; return -1; }
        int slot = _fundingCount++;
        _funding[slot] = new FundingState { PositionIndex = positionIndex, Venue = venue, Instrument = instrument };
        _fundingLast = slot;
        return slot;
    }

    private void RecomputeFundingDue()
    {
        long due = long.MaxValue;
        for (int i = 0; i < _fundingCount; i++)
        {
            ref readonly var f = ref _funding[i];
            if (f.NextMs > f.SettledMs && f.NextMs > 0) due = Math.Min(due, Math.Min(f.NextMs, long.MaxValue / 1_000_000) * 1_000_000);
        }
        NextFundingDueNs = due;
    }

    /// <summary>Average entry price mantissa of a position (0 when flat), as <see cref="GetPosition"/> computes it.</summary>
    private static long AverageEntryOf(in PositionState s, Instrument def) =>
        s.Quantity == 0 ? 0
        : def.IsInverse ? (s.Cost == 0 ? 0 : (long)DivideRoundHalfAway(FaceNumerator(def, s.Quantity), s.Cost))
        : (long)DivideRoundHalfAway(s.Cost, s.Quantity);
}
