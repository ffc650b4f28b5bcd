using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>How a resting maker order ended (<see cref="MakerOrderClosed.Reason"/>).</summary>
public enum MakerCloseReason : byte
{
    None = 0,
    /// <summary>The whole quantity filled.</summary>
    Filled = 1,
    /// <summary>Rested for <see cref="PaperBrokerOptions.MakerMaxRestNs"/> without filling completely: the rest is cancelled.</summary>
    Expired = 2,
    /// <summary>Its book went unsynced (a gap, a checksum mismatch, an invalidation): cancelled, fail closed.</summary>
    BookUnsynced = 3,
    /// <summary>Its book had no message for longer than <see cref="PaperBrokerOptions.MaxQuoteAgeNs"/>: cancelled, fail closed.</summary>
    BookStale = 4,
}

/// <summary>A resting maker order that ended during the last <see cref="PaperBroker.OnMarketEvent"/> call. Prices and
/// quantities are mantissas at the instrument's scales; the unfilled part is <c>Quantity − FilledQuantity</c>.</summary>
public readonly record struct MakerOrderClosed(
    long IntentId,
    VenueId Venue,
    InstrumentId Instrument,
    OrderSide Side,
    long LimitPrice,
    long Quantity,
    long FilledQuantity,
    MakerCloseReason Reason,
    long TimeNs);

/// <summary>A resting maker order as the paper broker holds it (tests, reports).</summary>
/// <param name="QueueAhead">Quantity (mantissa) the venue's queue holds ahead of this order at its price.</param>
public readonly record struct RestingOrderSnapshot(
    long IntentId,
    VenueId Venue,
    InstrumentId Instrument,
    OrderSide Side,
    long LimitPrice,
    long Quantity,
    long RemainingQuantity,
    long QueueAhead,
    long RestedTimeNs,
    long ExpiryTimeNs);

// Resting maker (post-only) orders: the fixed-capacity table, queue position, fills from the trade tape and the book.
public sealed partial class PaperBroker
{
    /// <summary>One resting order. A struct in a pre-allocated array: resting, filling and closing allocate nothing.</summary>
    private struct RestingOrder
    {
        public OrderBook Book;
        public long IntentId;
        public long Price;
        public long Quantity;
        public long Remaining;
        public long QueueAhead;
        public long RestedTimeNs;
        public long ExpiryNs;
        public VenueId Venue;
        public InstrumentId Instrument;
        public OrderSide Side;
    }

    // Active orders are _resting[0.._restingCount), in the order they rested (time priority among our own orders).
    private readonly RestingOrder[] _resting;
    private int _restingCount;
    private readonly int[] _makerFeePips;
    // Output of the last OnMarketEvent: at most one fill and one close per resting order per event.
    private readonly Fill[] _makerFills;
    private int _makerFillCount;
    private readonly MakerOrderClosed[] _closed;
    private int _closedCount;
    // No order can expire or go stale before this event time: OnMarketEvent skips the table scan until then.
    private long _nextCheckNs = long.MaxValue;

    /// <summary>Resting maker orders now.</summary>
    public int RestingCount => _restingCount;
    /// <summary>Maker fills of the last <see cref="OnMarketEvent"/> call (valid until the next call).</summary>
    public ReadOnlySpan<Fill> MakerFills => new(_makerFills, 0, _makerFillCount);
    /// <summary>Resting orders that ended in the last <see cref="OnMarketEvent"/> call (valid until the next call).</summary>
    public ReadOnlySpan<MakerOrderClosed> ClosedOrders => new(_closed, 0, _closedCount);

    /// <summary>Post-only orders accepted to rest.</summary>
    public long MakerRestedCount { get; private set; }
    /// <summary>Maker fills (a partial fill counts once per event that filled it).</summary>
    public long MakerFillCount { get; private set; }
    /// <summary>Resting orders that ended for <paramref name="reason"/> (<see cref="MakerCloseReason.Filled"/>: completely filled).</summary>
    public long MakerClosedCount(MakerCloseReason reason) => (uint)reason < (uint)_makerClosed.Length ? _makerClosed[(int)reason] : 0;
    private readonly long[] _makerClosed = new long[5];

    /// <summary>Sets a venue's maker fee in pips (1e-6 of notional; negative = a rebate: −2.5 bps = −250).</summary>
    public void SetMakerFee(VenueId venue, int pips)
    {
        if (venue.Value >= _makerFeePips.Length) throw new ArgumentOutOfRangeException(nameof(venue), venue.Value, $"allowed 0..{_makerFeePips.Length - 1}");
        if (pips is < -1_000_000 or > 1_000_000) throw new ArgumentOutOfRangeException(nameof(pips), pips, "allowed -1000000..1000000");
        _makerFeePips[venue.Value] = pips;
    }

    /// <summary>The resting order at <paramref name="index"/> (0 = the oldest), for tests and reports.</summary>
    public RestingOrderSnapshot RestingAt(int index)
    {
        if ((uint)index >= (uint)_restingCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"allowed 0..{_restingCount - 1}");
        ref readonly var o = ref _resting[index];
        return new RestingOrderSnapshot(o.IntentId, o.Venue, o.Instrument, o.Side, o.Price, o.Quantity, o.Remaining, o.QueueAhead, o.RestedTimeNs, o.ExpiryNs);
    }

    /// <summary>A validated post-only intent: rejected when it would cross, else rested behind the book's queue at its price.</summary>
    private ExecutionReport Rest(in OrderIntent intent, OrderBook book)
    {
        bool buy = intent.Side == OrderSide.Buy;
        long price = intent.LimitPrice;
        var opposite = buy ? book.Asks : book.Bids;
        if (!opposite.IsEmpty && (buy ? opposite.Best.Price <= price : opposite.Best.Price >= price))
            return Reject(intent, ExecutionRejectReason.PostOnlyWouldCross);
        if (_restingCount == _resting.Length) return Reject(intent, ExecutionRejectReason.RestingTableFull);
        long timeNs = DueTimeNs(intent);
        ref var o = ref _resting[_restingCount++];
        o.Book = book;
        o.IntentId = intent.IntentId;
        o.Price = price;
        o.Quantity = intent.Quantity;
        o.Remaining = intent.Quantity;
        // Time priority: everything the venue shows at our price was there first.
        o.QueueAhead = (buy ? book.Bids : book.Asks).SizeAt(price);
        o.RestedTimeNs = timeNs;
        o.ExpiryNs = timeNs > long.MaxValue - _options.MakerMaxRestNs ? long.MaxValue : timeNs + _options.MakerMaxRestNs;
        o.Venue = intent.Venue;
        o.Instrument = intent.Instrument;
        o.Side = intent.Side;
        _nextCheckNs = Math.Min(_nextCheckNs, CheckTimeOf(in o));
        ExecutedCount++;
        MakerRestedCount++;
        return new ExecutionReport(ExecutionStatus.Resting, ExecutionRejectReason.None, WalkStopReason.None, intent.IntentId, 0, 0, 0, 0, 0, 0, timeNs);
    }

    /// <summary>
    /// Feeds one market event to the resting maker orders; returns how many fills and closes it produced (then read
    /// <see cref="MakerFills"/> and <see cref="ClosedOrders"/>). Rules, all in event time (<see cref="MarketEvent.ReceiveTimeNs"/>),
    /// an order taking part only in events at or after its rest time:
    /// <list type="number">
    /// <item>Time in force, fail closed: an order that rested <see cref="PaperBrokerOptions.MakerMaxRestNs"/>, or whose book is
    /// unsynced (when <see cref="PaperBrokerOptions.RequireSyncedBook"/>) or stale (<see cref="PaperBrokerOptions.MaxQuoteAgeNs"/>),
    /// is cancelled, before the event can fill it.</item>
    /// <item>A public trade of the order's venue and instrument at its price whose aggressor is on the other side (a sell
    /// hitting our bid) first reduces the queue ahead, then fills the order (partially if the trade is smaller). A trade
    /// through the order's price (a sale below our bid, whatever its aggressor) fills the whole rest at the order's price.
    /// A trade at our price with no aggressor side fills nothing. Our own orders at one price keep time priority: a trade's
    /// volume filled into an earlier order of ours is not counted again against a later one's queue.</item>
    /// <item>The end of a book message of the order's book: when the opposite best crosses the order's price the whole rest
    /// fills at the order's price; otherwise the queue ahead is capped at the size the book now shows at the price (orders
    /// ahead of us were cancelled), unless the price is deeper than the book's visible levels.</item>
    /// </list>
    /// Maker fills use the venue's maker fee, update the position as taker fills do and carry <see cref="Liquidity.Maker"/>.
    /// Allocation-free; O(resting orders) per event while any rest, O(1) when none does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int OnMarketEvent(in MarketEvent e)
    {
        _makerFillCount = 0;
        _closedCount = 0;
        if (_restingCount == 0) return 0;
        long nowNs = e.ReceiveTimeNs;
        if (nowNs >= _nextCheckNs) CancelDue(nowNs);
        switch (e.Kind)
        {
            case MarketEventKind.Trade:
                OnTrade(in e);
                break;
            case MarketEventKind.BookInvalidate:
                OnBook(e.Venue, e.Instrument, nowNs);
                break;
            case MarketEventKind.BookHeader or MarketEventKind.BookLevel when e.IsEndOfMessage:
                OnBook(e.Venue, e.Instrument, nowNs);
                break;
        }
        return _makerFillCount + _closedCount;
    }

    private void OnTrade(in MarketEvent trade)
    {
        if (trade.Size <= 0 || trade.Price <= 0) return;
        long ownFilled = 0;   // volume of this trade already filled into our earlier orders at its price
        int i = 0;
        while (i < _restingCount)
        {
            ref var o = ref _resting[i];
            if (o.Venue != trade.Venue || o.Instrument != trade.Instrument || trade.ReceiveTimeNs < o.RestedTimeNs) { i++; continue; }
            bool buy = o.Side == OrderSide.Buy;
            long quantity = 0;
            if (buy ? trade.Price < o.Price : trade.Price > o.Price)
            {
                quantity = o.Remaining;   // traded through our price: we were better, so we would have been filled first
            }
            else if (trade.Price == o.Price && trade.Side == (buy ? Side.Ask : Side.Bid))
            {
                long volume = trade.Size - ownFilled;
                long fromQueue = Math.Min(o.QueueAhead, volume);
                o.QueueAhead -= fromQueue;
                quantity = Math.Min(o.Remaining, volume - fromQueue);
                ownFilled += quantity;
            }
            if (quantity > 0 && FillResting(ref o, quantity, trade.ReceiveTimeNs)) { CloseAt(i, MakerCloseReason.Filled, trade.ReceiveTimeNs); continue; }
            i++;
        }
    }

    private void OnBook(VenueId venue, InstrumentId instrument, long nowNs)
    {
        int i = 0;
        while (i < _restingCount)
        {
            ref var o = ref _resting[i];
            if (o.Venue != venue || o.Instrument != instrument || nowNs < o.RestedTimeNs) { i++; continue; }
            var book = o.Book;
            if (_options.RequireSyncedBook && !book.IsSynced) { CloseAt(i, MakerCloseReason.BookUnsynced, nowNs); continue; }
            bool buy = o.Side == OrderSide.Buy;
            var opposite = buy ? book.Asks : book.Bids;
            if (!opposite.IsEmpty && (buy ? opposite.Best.Price <= o.Price : opposite.Best.Price >= o.Price))
            {
                FillResting(ref o, o.Remaining, nowNs);   // the other side reached our price: it traded with us first
                CloseAt(i, MakerCloseReason.Filled, nowNs);
                continue;
            }
            if (o.QueueAhead > 0)
            {
                var own = buy ? book.Bids : book.Asks;
                // Deeper than the visible levels (a depth-limited feed) the book says nothing about our queue: keep it.
                bool visible = own.IsEmpty || (buy ? o.Price >= own.At(own.Count - 1).Price : o.Price <= own.At(own.Count - 1).Price);
                if (visible) o.QueueAhead = Math.Min(o.QueueAhead, own.SizeAt(o.Price));
            }
            i++;
        }
    }

    /// <summary>Cancels every order past its time in force or on an unsynced or stale book, and sets the next check time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CancelDue(long nowNs)
    {
        long next = long.MaxValue;
        int i = 0;
        while (i < _restingCount)
        {
            ref var o = ref _resting[i];
            var reason = nowNs >= o.ExpiryNs ? MakerCloseReason.Expired
                : _options.RequireSyncedBook && !o.Book.IsSynced ? MakerCloseReason.BookUnsynced
                : _options.MaxQuoteAgeNs > 0 && nowNs - o.Book.LastReceiveTimeNs > _options.MaxQuoteAgeNs ? MakerCloseReason.BookStale
                : MakerCloseReason.None;
            if (reason != MakerCloseReason.None) { CloseAt(i, reason, nowNs); continue; }
            next = Math.Min(next, CheckTimeOf(in o));
            i++;
        }
        _nextCheckNs = next;
    }

    /// <summary>The earliest event time at which <paramref name="o"/> could expire or go stale (its book's later messages only
    /// move the stale time later, so a check then is early at worst). An unsynced book is caught at its next message.</summary>
    private long CheckTimeOf(in RestingOrder o)
    {
        long check = o.ExpiryNs;
        if (_options.MaxQuoteAgeNs > 0)
        {
            long last = Math.Max(o.Book.LastReceiveTimeNs, o.RestedTimeNs);
            long stale = last > long.MaxValue - _options.MaxQuoteAgeNs - 1 ? long.MaxValue : last + _options.MaxQuoteAgeNs + 1;
            check = Math.Min(check, stale);
        }
        return check;
    }

    /// <summary>Fills <paramref name="quantity"/> of a resting order at its price as a maker; true when nothing remains.</summary>
    private bool FillResting(ref RestingOrder o, long quantity, long timeNs)
    {
        var instrument = _instruments[o.Instrument];
        bool buy = o.Side == OrderSide.Buy;
        Int128 value = instrument.IsInverse ? CoinValue(instrument, quantity, o.Price) : (Int128)o.Price * quantity;
        long fee = FeeOf(value, ValueScale(instrument), _makerFeePips[o.Venue.Value]);
        ref var position = ref _positions[o.Venue.Value * _options.MaxInstruments + o.Instrument.Value];
        Apply(ref position, instrument, o.Price, buy ? quantity : -quantity);
        position.Fees += fee;
        ref var fill = ref _makerFills[_makerFillCount++];
        fill.IntentId = o.IntentId;
        fill.Price = o.Price;
        fill.Quantity = quantity;
        fill.Fee = fee;
        fill.TimeNs = timeNs;
        fill.Venue = o.Venue;
        fill.Instrument = o.Instrument;
        fill.Side = o.Side;
        fill.Liquidity = Liquidity.Maker;
        o.Remaining -= quantity;
        MakerFillCount++;
        FillCount++;
        return o.Remaining == 0;
    }

    /// <summary>Reports and removes the order at <paramref name="index"/>; the later ones move up one slot (time priority kept).</summary>
    private void CloseAt(int index, MakerCloseReason reason, long timeNs)
    {
        ref readonly var o = ref _resting[index];
        _closed[_closedCount++] = new MakerOrderClosed(o.IntentId, o.Venue, o.Instrument, o.Side, o.Price, o.Quantity, o.Quantity - o.Remaining, reason, timeNs);
        _makerClosed[(int)reason]++;
        int last = --_restingCount;
        if (index < last) Array.Copy(_resting, index + 1, _resting, index, last - index);
        _resting[last] = default;
    }
}
