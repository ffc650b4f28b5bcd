using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>Whether a fill took liquidity (crossed the spread) or provided it.</summary>
public enum Liquidity : byte
{
    None = 0,
    Taker = 1,
    Maker = 2,
}

/// <summary>
/// One execution. Price and quantity are mantissas at the instrument's scales; <see cref="Fee"/> is in the settlement
/// currency (quote for linear instruments, the base coin for inverse contracts) at the broker's
/// <see cref="PaperBrokerOptions.AmountScale"/>. Blittable, 56 bytes.
/// </summary>
public struct Fill
{
    public long IntentId;
    public long Price;
    public long Quantity;
    public long Fee;
    /// <summary>Simulated execution time (Unix ns): the intent's creation time plus the latency model's delay.</summary>
    public long TimeNs;
    public VenueId Venue;
    public InstrumentId Instrument;
    public OrderSide Side;
    public Liquidity Liquidity;
}

public enum ExecutionStatus : byte
{
    /// <summary>The whole quantity filled.</summary>
    Filled = 0,
    /// <summary>Part filled; the rest was cancelled (see <see cref="ExecutionReport.StopReason"/>).</summary>
    PartiallyFilled = 1,
    /// <summary>Nothing filled (empty side, or the limit price is through the best level); everything cancelled.</summary>
    NotFilled = 2,
    /// <summary>Refused before touching the book (see <see cref="ExecutionReport.RejectReason"/>).</summary>
    Rejected = 3,
    /// <summary>A <see cref="OrderType.PostOnly"/> order accepted and resting on the paper book: nothing filled yet. Its fills
    /// and its end (filled, or cancelled with a <see cref="MakerCloseReason"/>) come from <see cref="PaperBroker.OnMarketEvent"/>.</summary>
    Resting = 4,
}

public enum ExecutionRejectReason : byte
{
    None = 0,
    InvalidQuantity,
    InvalidSide,
    InvalidOrderType,
    /// <summary>A limit or IOC order without a positive limit price.</summary>
    InvalidLimitPrice,
    /// <summary>The book is of another venue or instrument than the intent.</summary>
    BookMismatch,
    /// <summary>The book is not synced with its venue (fail closed).</summary>
    BookNotSynced,
    /// <summary>Venue id outside <see cref="PaperBrokerOptions.MaxVenues"/>.</summary>
    UnknownVenue,
    /// <summary>Instrument not in the registry or outside <see cref="PaperBrokerOptions.MaxInstruments"/>.</summary>
    UnknownInstrument,
    /// <summary>The notional or the position does not fit the fixed-point ranges.</summary>
    Overflow,
    /// <summary>A <see cref="OrderType.PostOnly"/> order whose price would take liquidity (a buy at or above the best ask, a sell
    /// at or below the best bid): refused, as venues refuse a post-only order that would cross.</summary>
    PostOnlyWouldCross,
    /// <summary>The table of resting maker orders (<see cref="PaperBrokerOptions.MaxRestingOrders"/>) is full.</summary>
    RestingTableFull,
}

/// <summary>Why a taker walk stopped before filling everything.</summary>
public enum WalkStopReason : byte
{
    None = 0,
    /// <summary>The next level is beyond the limit price.</summary>
    LimitPrice = 1,
    /// <summary>The book side ran out of levels.</summary>
    BookExhausted = 2,
    /// <summary>The broker's fill buffer (<see cref="PaperBrokerOptions.MaxFillsPerOrder"/>) is full.</summary>
    FillBufferFull = 3,
}

/// <summary>Result of <see cref="PaperBroker.Execute"/>; the fills are in <see cref="PaperBroker.LastFills"/>.</summary>
public readonly record struct ExecutionReport(
    ExecutionStatus Status,
    ExecutionRejectReason RejectReason,
    WalkStopReason StopReason,
    long IntentId,
    long FilledQuantity,
    long CancelledQuantity,
    int FillCount,
    long AveragePrice,
    long Notional,
    long Fee,
    long TimeNs);

/// <summary>A position as the paper broker holds it. Amounts at <see cref="PaperBrokerOptions.AmountScale"/> in the
/// settlement currency: the quote currency for linear instruments, the base coin for inverse contracts (BTC for
/// BitMEX XBTUSD, Deribit BTC-PERPETUAL, Binance COIN-M BTCUSD_PERP).</summary>
/// <param name="Quantity">Signed quantity mantissa (short &lt; 0); USD face value for inverse contracts.</param>
/// <param name="AverageEntryPrice">Average entry price mantissa (linear: cost basis / quantity; inverse: face / coin cost,
/// the harmonic mean), rounded half away from zero; 0 when flat.</param>
/// <param name="CostBasis">Linear: Σ price × signed quantity of the open part. Inverse: Σ signed face / price (coin).</param>
/// <param name="RealizedPnl">Realized P&amp;L before fees.</param>
/// <param name="Fees">Fees paid (positive = paid).</param>
public readonly record struct PositionSnapshot(
    VenueId Venue,
    InstrumentId Instrument,
    long Quantity,
    long AverageEntryPrice,
    long CostBasis,
    long RealizedPnl,
    long Fees);

/// <summary>Paper-broker settings.</summary>
public sealed record PaperBrokerOptions
{
    /// <summary>Decimals of quote-currency amounts (fees, notionals, P&amp;L): 8 means 1e-8 of the quote currency.</summary>
    public int AmountScale { get; init; } = 8;
    public int MaxVenues { get; init; } = 64;
    public int MaxInstruments { get; init; } = 1024;
    /// <summary>Levels one order may take; beyond it the remainder is cancelled (<see cref="WalkStopReason.FillBufferFull"/>).</summary>
    public int MaxFillsPerOrder { get; init; } = 64;
    /// <summary>Delay between an intent's creation and its execution, every venue.</summary>
    public long FixedLatencyNs { get; init; }
    /// <summary>Refuse to fill against a book that is not synced (fail closed), and cancel resting maker orders when their book
    /// goes unsynced. Off only for hand-built books.</summary>
    public bool RequireSyncedBook { get; init; } = true;
    /// <summary>Capacity of the table of resting <see cref="OrderType.PostOnly"/> orders (pre-allocated; a full table rejects
    /// with <see cref="ExecutionRejectReason.RestingTableFull"/>). Config <c>paper.makerMaxOrders</c>.</summary>
    public int MaxRestingOrders { get; init; } = 64;
    /// <summary>Time in force of a resting maker order: cancelled (<see cref="MakerCloseReason.Expired"/>) this long after it
    /// rested, in event time. Config <c>paper.makerMaxRestMs</c>.</summary>
    public long MakerMaxRestNs { get; init; } = 5_000_000_000;
    /// <summary>A resting maker order is cancelled (<see cref="MakerCloseReason.BookStale"/>) when its book has had no message for
    /// longer than this (event time; fail closed, as the signals' quote-age rule). 0: no stale check.</summary>
    public long MaxQuoteAgeNs { get; init; }
}

/// <summary>
/// Simulated execution against a venue's <see cref="OrderBook"/> as it is when the call is made.
/// </summary>
/// <remarks>
/// <para><b>Matching</b>: Market, Limit and IOC orders take: an order walks the opposite side best-first, one <see cref="Fill"/>
/// per level, until filled, until the next level is beyond the limit (Limit, IOC), or until the side runs out. Any remainder is
/// cancelled (a Limit order's remainder is not rested: only post-only orders rest). The book is read, never changed, so
/// the paper broker does not see its own market impact on later orders.</para>
/// <para><b>Maker orders</b> (<see cref="OrderType.PostOnly"/>, what the router's maker style sends): one that would cross is
/// rejected (<see cref="ExecutionRejectReason.PostOnlyWouldCross"/>); otherwise it rests in a fixed-capacity table
/// (<see cref="PaperBrokerOptions.MaxRestingOrders"/>) behind the queue the book shows at its price (0 at a new level), and
/// fills from the trade tape and the book as <see cref="OnMarketEvent"/> sees them (see there), at its own price with the
/// venue's maker fee (<see cref="SetMakerFee"/>; negative = rebate), <see cref="Liquidity.Maker"/> on the fill.</para>
/// <para><b>Latency</b>: no callbacks and no timers. <see cref="DueTimeNs"/> = intent creation time + fixed delay +
/// per-venue delay; the pipeline holds the intent and calls <see cref="Execute"/> when its clock (live or replayed)
/// reaches that time, so the fill sees the book as it is then. Fills carry the due time.</para>
/// <para><b>Inverse contracts</b> (<see cref="Instrument.IsInverse"/>: size = USD face value, P&amp;L in the base coin): a fill's
/// value is its coin value face / price instead of price × quantity, kept at 10^-16 coin; the position's cost is Σ signed
/// face / price, and closing face N bought at a and sold at b realizes N × (1/a − 1/b) coin (long 1,000 USD at 4,000 closed
/// at 4,100: +0.00609756 BTC). Fees, notionals and P&amp;L of an inverse position are in the coin.</para>
/// <para><b>Fees</b>: taker and maker fee per venue in pips (1 pip = 1e-6 of notional; 10 bps = 1,000 pips; a negative maker fee
/// is a rebate). Per fill, fee = ⌈price × quantity × pips / 10^6⌉ at <see cref="PaperBrokerOptions.AmountScale"/>: integer math
/// on 128-bit intermediates, rounded up (toward paying more: a rebate is rounded toward zero), so a simulation never looks
/// cheaper than the venue.</para>
/// <para><b>Positions</b>: per venue and instrument, average-cost method. The cost basis and realized P&amp;L are kept
/// exactly (128-bit, at price scale + quantity scale); reducing a position removes cost × closed / open, truncated toward
/// zero, and the remainder stays in the basis, so nothing is lost: a flat position's realized P&amp;L is exactly
/// proceeds − cost. Values leave the broker at <see cref="PaperBrokerOptions.AmountScale"/>, rounded half away from zero.
/// Realized P&amp;L excludes fees (see <see cref="PositionSnapshot.Fees"/>).</para>
/// <para><b>Threading/allocation</b>: single-threaded (the execution stage). Everything is pre-sized in the constructor;
/// <see cref="Execute"/> and <see cref="OnMarketEvent"/> allocate nothing.</para>
/// </remarks>
public sealed partial class PaperBroker
{
    /// <summary>Coin values of inverse fills are kept at 10^-16 coin (exact enough: a 1e9 USD fill at scale 8 still fits Int128).</summary>
    private const int InverseValueScale = 16;

    private struct PositionState
    {
        public Int128 Cost;      // linear: Σ price × signed qty of the open part, scale ps + qs; inverse: Σ signed face/price, InverseValueScale
        public Int128 Realized;  // same scale as Cost
        public long Quantity;    // signed, qs
        public long Fees;        // amount scale
    }

    private readonly InstrumentRegistry _instruments;
    private readonly PaperBrokerOptions _options;
    private readonly Fill[] _fills;
    private readonly PositionState[] _positions;
    private readonly int[] _takerFeePips;
    private readonly long[] _venueLatencyNs;
    private readonly int _amountScale;
    private int _fillCount;

    public PaperBroker(InstrumentRegistry instruments, PaperBrokerOptions? options = null)
    {
        _instruments = instruments;
        _options = options ?? new PaperBrokerOptions();
        if ((uint)_options.AmountScale > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(options), _options.AmountScale, $"AmountScale: allowed 0..{FixedPoint.MaxScale}");
        if (_options.MaxVenues is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxVenues, "MaxVenues: allowed 1..65536");
        if (_options.MaxInstruments < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxInstruments, "MaxInstruments: allowed 1..int.MaxValue");
        if (_options.MaxFillsPerOrder < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxFillsPerOrder, "MaxFillsPerOrder: allowed 1..int.MaxValue");
        if (_options.FixedLatencyNs < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.FixedLatencyNs, "FixedLatencyNs: allowed 0..long.MaxValue");
        if (_options.MaxRestingOrders is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxRestingOrders, "MaxRestingOrders: allowed 1..65536");
        if (_options.MakerMaxRestNs < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MakerMaxRestNs, "MakerMaxRestNs: allowed 1..long.MaxValue");
        if (_options.MaxQuoteAgeNs < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxQuoteAgeNs, "MaxQuoteAgeNs: allowed 0..long.MaxValue");
        _amountScale = _options.AmountScale;
        _fills = new Fill[_options.MaxFillsPerOrder];
        _positions = new PositionState[checked(_options.MaxVenues * _options.MaxInstruments)];
        // A large array comes from fresh, untouched pages: zero it now so a first fill on a venue/instrument does not take a
        // first-touch page fault on the trading thread (measured on the paced replay; cold path, once).
        Array.Clear(_positions);
        _takerFeePips = new int[_options.MaxVenues];
        _venueLatencyNs = new long[_options.MaxVenues];
        _makerFeePips = new int[_options.MaxVenues];
        _resting = new RestingOrder[_options.MaxRestingOrders];
        _makerFills = new Fill[_options.MaxRestingOrders];
        _closed = new MakerOrderClosed[_options.MaxRestingOrders];
        _fundingPaymentsByVenue = new long[_options.MaxVenues];
    }

    public PaperBrokerOptions Options => _options;
    /// <summary>The fills of the last <see cref="Execute"/> call (valid until the next call).</summary>
    public ReadOnlySpan<Fill> LastFills => new(_fills, 0, _fillCount);
    public long ExecutedCount { get; private set; }
    public long RejectedCount { get; private set; }
    /// <summary>Fills of every kind (taker fills of <see cref="Execute"/> and maker fills of <see cref="OnMarketEvent"/>).</summary>
    public long FillCount { get; private set; }
    /// <summary>How many calls were rejected with <paramref name="reason"/>.</summary>
    public long RejectCount(ExecutionRejectReason reason) => (uint)reason < (uint)_rejects.Length ? _rejects[(int)reason] : 0;
    private readonly long[] _rejects = new long[16];

    /// <summary>Sets a venue's taker fee in pips (1e-6 of notional; 0.1% = 1,000).</summary>
    public void SetTakerFee(VenueId venue, int pips)
    {
        if (venue.Value >= _takerFeePips.Length) throw new ArgumentOutOfRangeException(nameof(venue), venue.Value, $"allowed 0..{_takerFeePips.Length - 1}");
        if (pips is < 0 or > 1_000_000) throw new ArgumentOutOfRangeException(nameof(pips), pips, "allowed 0..1000000");
        _takerFeePips[venue.Value] = pips;
    }

    /// <summary>Sets the extra latency of one venue, added to <see cref="PaperBrokerOptions.FixedLatencyNs"/>.</summary>
    public void SetVenueLatency(VenueId venue, long delayNs)
    {
        if (venue.Value >= _venueLatencyNs.Length) throw new ArgumentOutOfRangeException(nameof(venue), venue.Value, $"allowed 0..{_venueLatencyNs.Length - 1}");
        if (delayNs < 0) throw new ArgumentOutOfRangeException(nameof(delayNs), delayNs, "allowed 0..long.MaxValue");
        _venueLatencyNs[venue.Value] = delayNs;
    }

    /// <summary>When the pipeline should call <see cref="Execute"/> for <paramref name="intent"/> (Unix ns).</summary>
    public long DueTimeNs(in OrderIntent intent) =>
        intent.CreatedTimeNs + _options.FixedLatencyNs + (intent.Venue.Value < _venueLatencyNs.Length ? _venueLatencyNs[intent.Venue.Value] : 0);

    /// <summary>Fills <paramref name="intent"/> against <paramref name="book"/> (see the type's remarks). Never throws on
    /// bad input: the report carries a <see cref="ExecutionRejectReason"/>.</summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ExecutionReport Execute(in OrderIntent intent, OrderBook book)
    {
        _fillCount = 0;
        var reject = Validate(intent, book, out var instrument);
        if (reject != ExecutionRejectReason.None) return Reject(intent, reject);
        if (intent.OrderType == OrderType.PostOnly) return Rest(intent, book);
        bool inverse = instrument!.IsInverse;

        bool buy = intent.Side == OrderSide.Buy;
        bool hasLimit = intent.OrderType != OrderType.Market;
        long limit = intent.LimitPrice;
        var side = buy ? book.Asks : book.Bids;
        long remaining = intent.Quantity;
        long timeNs = DueTimeNs(intent);
        int pips = _takerFeePips[intent.Venue.Value];
        int exactScale = inverse ? InverseValueScale : instrument.PriceScale + instrument.QuantityScale;
        ref var position = ref _positions[intent.Venue.Value * _options.MaxInstruments + intent.Instrument.Value];
        var stop = WalkStopReason.None;
        Int128 notional = 0;
        long fees = 0;

        for (int depth = 0; remaining > 0; depth++)
        {
            if (depth >= side.Count) { stop = WalkStopReason.BookExhausted; break; }
            ref readonly var level = ref side.At(depth);
            if (hasLimit && (buy ? level.Price > limit : level.Price < limit)) { stop = WalkStopReason.LimitPrice; break; }
            if (level.Size <= 0 || level.Price <= 0) continue; // a book never holds these; skip rather than fill at nonsense
            if (_fillCount == _fills.Length) { stop = WalkStopReason.FillBufferFull; break; }
            long qty = Math.Min(remaining, level.Size);
            Int128 value = inverse ? CoinValue(instrument, qty, level.Price) : (Int128)level.Price * qty;
            long fee = FeeOf(value, exactScale, pips);
            ref var fill = ref _fills[_fillCount++];
            fill.IntentId = intent.IntentId;
            fill.Price = level.Price;
            fill.Quantity = qty;
            fill.Fee = fee;
            fill.TimeNs = timeNs;
            fill.Venue = intent.Venue;
            fill.Instrument = intent.Instrument;
            fill.Side = intent.Side;
            fill.Liquidity = Liquidity.Taker;
            Apply(ref position, instrument, level.Price, buy ? qty : -qty);
            position.Fees += fee;
            notional += value;
            fees += fee;
            remaining -= qty;
        }

        long filled = intent.Quantity - remaining;
        ExecutedCount++;
        FillCount += _fillCount;
        var status = remaining == 0 ? ExecutionStatus.Filled : filled == 0 ? ExecutionStatus.NotFilled : ExecutionStatus.PartiallyFilled;
        long average = filled == 0 ? 0 : inverse ? (long)DivideRoundHalfAway(FaceNumerator(instrument, filled), notional) : (long)DivideRoundHalfAway(notional, filled);
        return new ExecutionReport(status, ExecutionRejectReason.None, stop, intent.IntentId, filled, remaining, _fillCount,
            average, ToAmount(notional, exactScale), fees, timeNs);
    }

    /// <summary>
    /// The quantity <see cref="Execute"/> would fill for <paramref name="intent"/> against <paramref name="book"/> now (0 when
    /// it would reject), without any of its effects: no fill, position, counter or <see cref="LastFills"/> change. Walks the
    /// same levels and reads the same position, fee and instrument data as Execute: the decision thread's idle-time
    /// keep-warm uses it to keep them in cache. Allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Probe(in OrderIntent intent, OrderBook book)
    {
        if (Validate(intent, book, out var instrument) != ExecutionRejectReason.None || intent.OrderType == OrderType.PostOnly) return 0;
        bool buy = intent.Side == OrderSide.Buy;
        bool hasLimit = intent.OrderType != OrderType.Market;
        var side = buy ? book.Asks : book.Bids;
        ref readonly var position = ref _positions[intent.Venue.Value * _options.MaxInstruments + intent.Instrument.Value];
        int pips = _takerFeePips[intent.Venue.Value];
        int exactScale = instrument!.IsInverse ? InverseValueScale : instrument.PriceScale + instrument.QuantityScale;
        long remaining = intent.Quantity, fees = position.Fees;
        for (int depth = 0; remaining > 0 && depth < side.Count && depth < _fills.Length; depth++)
        {
            ref readonly var level = ref side.At(depth);
            if (hasLimit && (buy ? level.Price > intent.LimitPrice : level.Price < intent.LimitPrice)) break;
            if (level.Size <= 0 || level.Price <= 0) continue;
            long qty = Math.Min(remaining, level.Size);
            Int128 value = instrument.IsInverse ? CoinValue(instrument, qty, level.Price) : (Int128)level.Price * qty;
            fees += FeeOf(value, exactScale, pips);
            remaining -= qty;
        }
        return fees == long.MinValue ? 0 : intent.Quantity - remaining;   // the fee sum is only there to keep the walk's work
    }

    /// <summary>The position of one venue and instrument (all zero when never traded).</summary>
    public PositionSnapshot GetPosition(VenueId venue, InstrumentId instrument)
    {
        if (!TryIndex(venue, instrument, out int index, out var def)) return new PositionSnapshot(venue, instrument, 0, 0, 0, 0, 0);
        ref readonly var s = ref _positions[index];
        long average = s.Quantity == 0 ? 0
            : def.IsInverse ? (s.Cost == 0 ? 0 : (long)DivideRoundHalfAway(FaceNumerator(def, s.Quantity), s.Cost))
            : (long)DivideRoundHalfAway(s.Cost, s.Quantity);
        int scale = ValueScale(def);
        return new PositionSnapshot(venue, instrument, s.Quantity, average, ToAmount(s.Cost, scale), ToAmount(s.Realized, scale), s.Fees);
    }

    /// <summary>Unrealized P&amp;L of the open part at <paramref name="markPrice"/> (mantissa), at the amount scale (before
    /// fees): linear mark × quantity − cost basis (quote); inverse cost − face / mark (coin).</summary>
    public long UnrealizedPnl(VenueId venue, InstrumentId instrument, long markPrice)
    {
        if (!TryIndex(venue, instrument, out int index, out var def)) return 0;
        ref readonly var s = ref _positions[index];
        if (def.IsInverse) return markPrice <= 0 ? 0 : ToAmount(s.Cost - SignedValue(def, markPrice, s.Quantity), InverseValueScale);
        return ToAmount((Int128)markPrice * s.Quantity - s.Cost, ValueScale(def));
    }

    /// <summary>Value of a signed quantity at a price: linear price × quantity; inverse face / price in coin at
    /// <see cref="InverseValueScale"/> (truncated toward zero).</summary>
    private static Int128 SignedValue(Instrument instrument, long price, long signedQty)
    {
        if (!instrument.IsInverse) return (Int128)price * signedQty;
        Int128 v = CoinValue(instrument, Math.Abs(signedQty), price);
        return signedQty < 0 ? -v : v;
    }

    /// <summary>Coin value × 10^16 of <paramref name="face"/> (quantity mantissa: face value × 10^qs, times the contract value)
    /// at <paramref name="price"/> (mantissa): face × cv × 10^(ps + 16 − qs) / price, floor.</summary>
    private static Int128 CoinValue(Instrument instrument, long face, long price)
    {
        int shift = instrument.PriceScale + InverseValueScale - instrument.QuantityScale;
        Int128 numerator = (Int128)face * Math.Max(1, instrument.ContractValue);
        return shift >= 0 ? numerator * Pow10(shift) / price : numerator / (Pow10(-shift) * price);
    }

    /// <summary>face × cv × 10^(ps + 16 − qs): divided by a coin value at 10^-16 it gives a price mantissa.</summary>
    private static Int128 FaceNumerator(Instrument instrument, long face)
    {
        int shift = instrument.PriceScale + InverseValueScale - instrument.QuantityScale;
        Int128 numerator = (Int128)face * Math.Max(1, instrument.ContractValue);
        return shift >= 0 ? numerator * Pow10(shift) : numerator / Pow10(-shift);
    }

    private static int ValueScale(Instrument instrument) => instrument.IsInverse ? InverseValueScale : instrument.PriceScale + instrument.QuantityScale;

    /// <summary>
    /// Average-cost position update with a signed fill quantity. Linear: a close of c (in the position's sign) at price p
    /// realizes p × c − removed cost. Inverse (cost in coin, Σ face / price): it realizes removed cost − c / p, i.e.
    /// face × (1/entry − 1/exit) for a long.
    /// </summary>
    private static void Apply(ref PositionState s, Instrument instrument, long price, long signedQty)
    {
        long q = s.Quantity;
        if (q == 0 || (q > 0) == (signedQty > 0))
        {
            s.Cost += SignedValue(instrument, price, signedQty);
            s.Quantity = q + signedQty;
            return;
        }
        // Reducing (and maybe flipping): c = the part of the position closed, in the position's sign.
        long c = Math.Abs(signedQty) <= Math.Abs(q) ? -signedQty : q;
        Int128 removed = s.Cost * c / q; // truncates toward zero; the rest stays in the basis (exact when c == q)
        Int128 closed = SignedValue(instrument, price, c);
        s.Realized += instrument.IsInverse ? removed - closed : closed - removed;
        s.Cost -= removed;
        s.Quantity = q - c;
        long rest = signedQty + c; // the part that opens the other way
        if (rest != 0)
        {
            s.Cost += SignedValue(instrument, price, rest);
            s.Quantity += rest;
        }
    }

    /// <summary>⌈value × pips / 10^6⌉ rescaled from <paramref name="valueScale"/> to the amount scale; value ≥ 0, pips of either
    /// sign (a negative maker fee is a rebate: its ceiling is toward zero, the smaller rebate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long FeeOf(Int128 value, int valueScale, int pips)
    {
        if (pips == 0) return 0;
        Int128 numerator = value * pips;
        int shift = valueScale - _amountScale;
        Int128 denominator = 1_000_000;
        if (shift >= 0) denominator *= Pow10(shift);
        else numerator *= Pow10(-shift);
        // Integer division truncates toward zero: that is the ceiling of a negative quotient, not of a positive one.
        Int128 fee = numerator >= 0 ? (numerator + denominator - 1) / denominator : numerator / denominator;
        return (long)fee;
    }

    /// <summary>Rescales an exact value to the amount scale, rounding half away from zero.</summary>
    private long ToAmount(Int128 value, int valueScale)
    {
        int shift = valueScale - _amountScale;
        if (shift <= 0) return (long)(value * Pow10(-shift));
        return (long)DivideRoundHalfAway(value, Pow10(shift));
    }

    private static Int128 DivideRoundHalfAway(Int128 value, Int128 divisor)
    {
        if (divisor < 0) { value = -value; divisor = -divisor; }
        Int128 half = divisor / 2;
        Int128 q = value >= 0 ? (value + half) / divisor : (value - half) / divisor;
        // For odd divisors (value ± half) / divisor already rounds half away; for even ones it too (half is exact).
        return q;
    }

    private static Int128 Pow10(int exponent) => FixedPoint.Pow10Wide(exponent);

    private ExecutionRejectReason Validate(in OrderIntent intent, OrderBook book, out Instrument? instrument)
    {
        instrument = null;
        if (intent.Quantity <= 0) return ExecutionRejectReason.InvalidQuantity;
        if (intent.Side is not (OrderSide.Buy or OrderSide.Sell)) return ExecutionRejectReason.InvalidSide;
        if (intent.OrderType is not (OrderType.Limit or OrderType.Market or OrderType.Ioc or OrderType.PostOnly)) return ExecutionRejectReason.InvalidOrderType;
        if (intent.OrderType != OrderType.Market && intent.LimitPrice <= 0) return ExecutionRejectReason.InvalidLimitPrice;
        if (intent.Venue.IsNone || intent.Venue.Value >= _options.MaxVenues) return ExecutionRejectReason.UnknownVenue;
        if (!TryIndex(intent.Venue, intent.Instrument, out _, out instrument)) return ExecutionRejectReason.UnknownInstrument;
        if (book.Venue != intent.Venue || book.Instrument != intent.Instrument) return ExecutionRejectReason.BookMismatch;
        if (_options.RequireSyncedBook && !book.IsSynced) return ExecutionRejectReason.BookNotSynced;
        return ExecutionRejectReason.None;
    }

    private bool TryIndex(VenueId venue, InstrumentId instrument, out int index, [NotNullWhen(true)] out Instrument? def)
    {
        index = 0;
        def = null;
        if (venue.Value >= _options.MaxVenues || instrument.IsNone || instrument.Value >= _options.MaxInstruments || instrument.Value >= _instruments.Count)
            return false;
        def = _instruments[instrument];
        index = venue.Value * _options.MaxInstruments + instrument.Value;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ExecutionReport Reject(in OrderIntent intent, ExecutionRejectReason reason)
    {
        RejectedCount++;
        _rejects[(int)reason]++;
        return new ExecutionReport(ExecutionStatus.Rejected, reason, WalkStopReason.None, intent.IntentId, 0, intent.Quantity, 0, 0, 0, 0, 0);
    }
}
