using System.Runtime.CompilerServices;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;
using FastEngine.Risk;
using FastEngine.Routing;

namespace FastEngine.Hosting;

// Triangular arbitrage, funding/basis carry and routed legs of the decision stage.
public sealed partial class DecisionEngine
{
    /// <summary>One venue's triangular detector and which of its cycles are in an open episode.</summary>
    private sealed class TriangularState(TriangularArbitrage arbitrage)
    {
        public readonly TriangularArbitrage Arbitrage = arbitrage;
        public readonly bool[] Open = new bool[arbitrage.CycleCount];
    }

    /// <summary>Spot venues one carry position can hold (the router may split the spot leg; venues beyond this are not tracked).</summary>
    private const int MaxCarrySpotVenues = 16;

    /// <summary>One perpetual/spot carry pair, its throttle, whether its episode is open, and the position it holds.</summary>
    private sealed class CarryState(FundingCarry carry, BookInfo perp, BookInfo spot)
    {
        public readonly FundingCarry Carry = carry;
        public readonly BookInfo Perp = perp, Spot = spot;
        // Far in the past but not long.MinValue: now − this must not overflow in the throttle check.
        public long LastEvaluatedNs = long.MinValue / 4;
        public bool Open;
        // The position the carry opened (what its unwind reduces): signed quantities it holds on the perp and on each spot venue.
        public bool Held;
        public int Direction;           // +1 short perp / long spot, −1 the reverse
        public int RateSign;            // the funding rate's sign when it opened
        public long FundingsAtOpen;     // the broker's funding count of the perp when it opened
        public long PerpHeld;
        public int SpotCount;
        public readonly VenueId[] SpotVenues = new VenueId[MaxCarrySpotVenues];
        public readonly OrderBook?[] SpotBooks = new OrderBook?[MaxCarrySpotVenues];
        public readonly long[] SpotHeld = new long[MaxCarrySpotVenues];
        public long PerpBefore;
        public readonly long[] SpotBefore = new long[MaxCarrySpotVenues];
        // Risk exposure the opening fills left on each venue (released as the unwind reduces the position).
        public long PerpExposure;
        public readonly long[] SpotExposure = new long[MaxCarrySpotVenues];
        // An unwind decided and not done yet (books unusable, risk refused, or an IOC leg partly filled): retried on each evaluation.
        public CarryUnwindReason Pending;
        public bool Deferred;
    }

    /// <summary>A router and its reusable result (one per instrument quoted by two or more venues).</summary>
    private sealed class RouteState(SmartOrderRouter router, RouteResult result)
    {
        public readonly SmartOrderRouter Router = router;
        public readonly RouteResult Result = result;
    }

    /// <summary>Leg scratch of one triangular cycle (reused: no allocation per opportunity).</summary>
    private readonly OrderIntent[] _triLegs = new OrderIntent[3];
    private readonly long[] _triNotional = new long[3];
    private readonly OrderBook?[] _triBooks = new OrderBook?[3];
    private readonly int[] _triCommitted = new int[3];

    /// <summary>The top of <paramref name="info"/>'s book moved: evaluate the triangles and carries it is part of.</summary>
    private void OnTopChanged(BookInfo info, long nowNs, long stampTicks)
    {
        var tri = info.Triangular;
        if (tri is not null)
        {
            var cycles = info.Cycles;
            for (int k = 0; k < cycles.Length; k++) EvaluateCycle(tri, cycles[k], nowNs, stampTicks);
        }
        var carries = info.Carries;
        for (int k = 0; k < carries.Length; k++)
        {
            var c = carries[k];
            // Throttled on event time: a busy book moves its top many times a second, the carry changes slowly.
            if (nowNs - c.LastEvaluatedNs < _options.Carry.EvaluateIntervalNs) continue;
            EvaluateCarry(c, nowNs, stampTicks);
        }
    }

    /// <summary>A funding, mark or index event of a perpetual: feed its carry pairs and evaluate them.</summary>
    private void OnCarryInput(ref MarketEvent e, long stampTicks)
    {
        // The paper broker follows every perpetual's funding and mark, carry pair or not: any position on it pays funding.
        Broker.OnFundingInput(in e);
        var info = InfoOrNull(e.Venue, e.Instrument) ?? AddPerpSlow(e.Venue, e.Instrument);
        if (info is null) return;
        switch (e.Kind)
        {
            case MarketEventKind.Funding: info.LastFunding = e; break;
            case MarketEventKind.MarkPrice: info.LastMark = e; break;
            default: info.LastIndex = e; break;
        }
        var carries = info.Carries;
        for (int k = 0; k < carries.Length; k++)
        {
            var c = carries[k];
            if (c.Perp != info) continue;
            c.Carry.OnEvent(ref e);
            EvaluateCarry(c, e.ReceiveTimeNs, stampTicks);
        }
    }

    /// <summary>A perpetual whose funding arrives before (or without) its book: register it so its carry pairs exist.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private BookInfo? AddPerpSlow(VenueId venue, InstrumentId instrument)
    {
        if (!_options.Carry.Enabled || instrument.IsNone || (uint)instrument.Value >= (uint)Registry.Count) return null;
        if (Registry[instrument].Kind != InstrumentKind.Perpetual) return null;
        return AddBookSlow(venue, instrument);
    }

    private void EvaluateCycle(TriangularState tri, int cycle, long nowNs, long stampTicks)
    {
        Stats.TriangularEvaluations++;
        if (!tri.Arbitrage.TryEvaluate(cycle, nowNs, out var opportunity))
        {
            tri.Open[cycle] = false;
            return;
        }
        if (tri.Open[cycle]) return;
        tri.Open[cycle] = true;
        CountOpportunity(OpportunityKind.Triangular, stampTicks);
        ActTriangular(tri, in opportunity, nowNs, stampTicks);
    }

    private void EvaluateCarry(CarryState c, long nowNs, long stampTicks)
    {
        c.LastEvaluatedNs = nowNs;
        Stats.CarryEvaluations++;
        bool opened = false;
        if (!c.Carry.TryEvaluate(nowNs, out var signal)) c.Open = false;
        else if (!c.Open)
        {
            c.Open = true;
            CountOpportunity(OpportunityKind.Carry, stampTicks);
            // Opened at most once while open (no pyramiding), and one carry per perpetual whichever spot it pairs with.
            if (c.Held || PerpCarryHeld(c)) CarryLife.OpenSkippedHeld++;
            else if (signal.Source == BasisSource.Books) { OpenCarry(c, in signal, nowNs, stampTicks); opened = true; }
        }
        if (c.Held && !opened) CheckUnwind(c, in signal, nowNs, stampTicks);
    }

    /// <summary>Another pair of the same perpetual holds a carry position.</summary>
    private static bool PerpCarryHeld(CarryState c)
    {
        var carries = c.Perp.Carries;
        for (int k = 0; k < carries.Length; k++)
            if (carries[k] != c && carries[k].Perp == c.Perp && carries[k].Held) return true;
        return false;
    }

    /// <summary>
    /// Three IOC legs on the venue, sized from the detector's start amount: each leg's quantity is what its input buys
    /// (or is) at the worst level the depth walk reached, its limit that level, and its output after the taker fee feeds
    /// the next leg. Every leg is risk-checked (notional = the start amount, in the USD-like start currency) before any is sent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActTriangular(TriangularState tri, in TriangularOpportunity o, long nowNs, long stampTicks)
    {
        var cycle = tri.Arbitrage.CycleAt(o.Cycle);
        var venue = tri.Arbitrage.Venue;
        int feePpm = FeesOf(venue).TakerPpm;
        long amount = o.StartAmount;   // × 10^8 of the current leg's input currency
        long age = 0;
        for (int k = 0; k < 3; k++)
        {
            var leg = k == 0 ? cycle.Leg1 : k == 1 ? cycle.Leg2 : cycle.Leg3;
            int levels = k == 0 ? o.Levels1 : k == 1 ? o.Levels2 : o.Levels3;
            var instrument = leg.Instrument;
            var book = InfoOrNull(venue, instrument.Id)?.Book;
            if (book is null) return;
            var side = leg.BuysBase ? book.Asks : book.Bids;
            if (side.IsEmpty) return;
            long limit = side.At(Math.Clamp(levels, 1, side.Count) - 1).Price;
            int ps = instrument.PriceScale, qs = instrument.QuantityScale;
            long quantity;
            Int128 output;
            if (leg.BuysBase)
            {
                quantity = (long)((Int128)amount * Pow10(ps + qs) / ((Int128)limit * 100_000_000));
                output = (Int128)quantity * 100_000_000 / Pow10(qs);
            }
            else
            {
                quantity = (long)((Int128)amount * Pow10(qs) / 100_000_000);
                output = (Int128)quantity * limit * 100_000_000 / Pow10(ps + qs);
            }
            if (quantity <= 0) return;
            amount = (long)(output * (FeeSchedule.PpmDenominator - feePpm) / FeeSchedule.PpmDenominator);
            _triLegs[k] = NewIntent(IntentOrigin.TriangularArbitrage, instrument.Id, leg.BuysBase ? OrderSide.Buy : OrderSide.Sell, quantity, limit, venue, nowNs, stampTicks);
            _triNotional[k] = o.StartAmount;
            _triBooks[k] = book;
            age = Math.Max(age, nowNs - book.LastReceiveTimeNs);
        }
        for (int k = 0; k < 3; k++)
        {
            var r = Risk.Check(RiskIntentOf(_triLegs[k], _triNotional[k], age, true, o.TopEdgeCentiBps), nowNs);
            if (r == RiskRejectReason.None) continue;
            for (int j = 0; j < k; j++) Risk.OnOrderClosed(_triLegs[j].Venue, _triNotional[j]);
            RejectLeg(r);
            return;
        }
        // All three legs committed (journaled) before any executes.
        for (int k = 0; k < 3; k++) _triCommitted[k] = Commit(ref _triLegs[k], _triNotional[k]);
        for (int k = 0; k < 3; k++)
            if (_triCommitted[k] != NotCommitted) Execute(in _triLegs[k], _triBooks[k]!, _triNotional[k], _triCommitted[k]);
    }

    /// <summary>
    /// Carry: short the perpetual and buy spot when the carry is positive (longs pay shorts and the premium decays), the
    /// reverse when negative; each leg <see cref="CarryOptions.LegNotional"/> as IOC at the top worsened by
    /// <see cref="CarryOptions.MaxSlippageBps"/>. The perpetual leg stays on its own venue (the funding is that venue's);
    /// the spot leg is split by the router when several venues quote the spot instrument.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActCarry(CarryState c, in CarrySignal signal, long nowNs, long stampTicks)
    {
        var perpBook = c.Perp.Book;
        var spotBook = c.Spot.Book;
        if (perpBook is null || spotBook is null) return;
        bool shortPerp = signal.Direction > 0;
        long notional = Math.Min(_options.Carry.LegNotional, _options.MaxLegNotional);
        var perpSide = shortPerp ? perpBook.Bids : perpBook.Asks;
        var spotSide = shortPerp ? spotBook.Asks : spotBook.Bids;
        if (perpSide.IsEmpty || spotSide.IsEmpty) return;
        long perpLimit = Slipped(perpSide.Best.Price, !shortPerp);
        long spotLimit = Slipped(spotSide.Best.Price, shortPerp);
        long perpQuantity = QuantityOf(c.Perp.Instrument, notional, perpLimit);
        long spotQuantity = QuantityOf(c.Spot.Instrument, notional, spotLimit);
        if (perpQuantity <= 0 || spotQuantity <= 0) return;
        long age = nowNs - Math.Min(perpBook.LastReceiveTimeNs, spotBook.LastReceiveTimeNs);
        var perp = NewIntent(IntentOrigin.Carry, c.Perp.Instrument.Id, shortPerp ? OrderSide.Sell : OrderSide.Buy, perpQuantity, perpLimit, c.Perp.Venue, nowNs, stampTicks);
        long perpNotional = NotionalOf(c.Perp.Instrument, perpQuantity, perpLimit);
        var r = Risk.Check(RiskIntentOf(perp, perpNotional, age, false, 0), nowNs);
        if (r != RiskRejectReason.None) { RejectLeg(r); return; }
        var spotSideOfOrder = shortPerp ? OrderSide.Buy : OrderSide.Sell;
        var route = c.Spot.Route;
        if (route is null)
        {
            var spot = NewIntent(IntentOrigin.Carry, c.Spot.Instrument.Id, spotSideOfOrder, spotQuantity, spotLimit, c.Spot.Venue, nowNs, stampTicks);
            long spotNotional = NotionalOf(c.Spot.Instrument, spotQuantity, spotLimit);
            var r2 = Risk.Check(RiskIntentOf(spot, spotNotional, age, false, 0), nowNs);
            if (r2 != RiskRejectReason.None) { Risk.OnOrderClosed(perp.Venue, perpNotional); RejectLeg(r2); return; }
            int p = Commit(ref perp, perpNotional);
            int q = Commit(ref spot, spotNotional);
            if (p != NotCommitted) Execute(in perp, perpBook, perpNotional, p);
            if (q != NotCommitted) Execute(in spot, spotBook, spotNotional, q);
            return;
        }
        Submit(ref perp, perpBook, perpNotional);
        RouteAndSubmit(route, c.Spot.Instrument, spotSideOfOrder, spotQuantity, spotLimit, age, nowNs, stampTicks);
    }

    /// <summary>
    /// Splits one leg across the venues of its instrument with the <see cref="SmartOrderRouter"/> (book walk + taker fee +
    /// slippage + latency + reliability), then risk-checks and submits each child order. The rationale (why each venue was
    /// chosen or left out) is counted in <see cref="DecisionStats.RouteVenueReasons"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RouteAndSubmit(RouteState route, Instrument instrument, OrderSide side, long quantity, long limit, long ageNs, long nowNs, long stampTicks)
    {
        var request = new RouteRequest { Side = side == OrderSide.Buy ? Side.Bid : Side.Ask, Quantity = quantity, LimitPrice = limit };
        var result = route.Result;
        route.Router.Route(request, nowNs, result);
        Stats.Routes++;
        for (int v = 0; v < route.Router.Book.VenueCount; v++) Stats.RouteVenueReasons[(int)result.VenueReasons[v]]++;
        // Maker: a post-only order the paper broker rests (and a venue would refuse if it crossed).
        var type = result.Style == ExecutionStyle.Maker ? OrderType.PostOnly : OrderType.Ioc;
        for (int k = 0; k < result.LegCount; k++)
        {
            ref readonly var leg = ref result.Legs[k];
            route.Router.Book.Check(leg.VenueIndex, nowNs, out var book);
            if (book is null) continue;
            // Maker: join at the leg's price; taker: the leg's limit is the request's (the walk stayed within it).
            long price = type == OrderType.PostOnly ? leg.AveragePrice : limit;
            var child = NewIntent(IntentOrigin.Carry, instrument.Id, side, leg.Quantity, price, leg.Venue, nowNs, stampTicks, type);
            long notional = NotionalOf(instrument, leg.Quantity, price);
            var r = Risk.Check(RiskIntentOf(child, notional, ageNs, false, 0), nowNs);
            if (r != RiskRejectReason.None) { RejectLeg(r); continue; }
            Stats.RouteChildren++;
            Submit(ref child, book, notional);
        }
    }

    private long Slipped(long price, bool up)
    {
        long ppm = (long)(_options.Carry.MaxSlippageBps * 100);
        return up ? FeeSchedule.MulDivCeil(price, FeeSchedule.PpmDenominator + ppm, FeeSchedule.PpmDenominator)
                  : FeeSchedule.MulDivFloor(price, FeeSchedule.PpmDenominator - ppm, FeeSchedule.PpmDenominator);
    }

    /// <summary>Rebuilds <paramref name="venue"/>'s triangular detector over its spot instruments (cold path).</summary>
    private void RebuildTriangles(VenueId venue)
    {
        var spots = InfosOf(venue).Where(i => i.Instrument.Kind == InstrumentKind.Spot).ToList();
        if (spots.Count < 3) return;
        var opts = _options.Triangular;
        var config = new TriangularConfig(opts.StartCurrencies, opts.StartCurrencies.ToDictionary(c => c, _ => opts.MaxStartAmount),
            opts.MinEdgeBps, _options.Thresholds.MaxQuoteAgeNs);
        var arbitrage = new TriangularArbitrage(_bookSource, venue, spots.Select(i => i.Instrument), FeesOf(venue), config);
        if (arbitrage.CycleCount == 0) return;
        var state = new TriangularState(arbitrage);
        foreach (var info in spots)
        {
            var cycles = new List<int>();
            for (int c = 0; c < arbitrage.CycleCount; c++)
            {
                var cycle = arbitrage.CycleAt(c);
                if (cycle.Leg1.Instrument == info.Instrument || cycle.Leg2.Instrument == info.Instrument || cycle.Leg3.Instrument == info.Instrument)
                    cycles.Add(c);
            }
            info.Triangular = cycles.Count > 0 ? state : null;
            info.Cycles = cycles.ToArray();
            info.HasTopDependents = info.Cycles.Length > 0 || info.Carries.Length > 0;
        }
    }

    private static readonly string[] _usdLike = ["USD", "USDT", "USDC"];

    /// <summary>Whether a perpetual and a spot instrument make a carry pair: same base; same quote, or both USD-like
    /// (an inverse USD perpetual against USDT spot: the basis then includes the USDT/USD premium, documented).</summary>
    private static bool IsCarryPair(Instrument perp, Instrument spot) =>
        perp.Kind == InstrumentKind.Perpetual && spot.Kind == InstrumentKind.Spot && perp.Base == spot.Base
        && (perp.Quote == spot.Quote || (_usdLike.Contains(perp.Quote) && _usdLike.Contains(spot.Quote)));

    /// <summary>Creates the carry pairs <paramref name="info"/> completes, on any venue (cold path).</summary>
    private void AddCarryPairs(BookInfo info)
    {
        var cfg = new FundingCarryConfig(_options.Carry.FundingIntervalNs, _options.Carry.SignPersistence, _options.Carry.MinTimeToFundingNs,
            _options.Thresholds.MaxQuoteAgeNs, _options.Carry.MinCarryBps);
        foreach (var other in AllInfos().ToList())
        {
            if (other == info) continue;
            BookInfo? perp = null, spot = null;
            if (IsCarryPair(info.Instrument, other.Instrument)) { perp = info; spot = other; }
            else if (IsCarryPair(other.Instrument, info.Instrument)) { perp = other; spot = info; }
            if (perp is null || spot is null) continue;
            var carry = new FundingCarry(_bookSource, perp.Venue, perp.Instrument, spot.Venue, spot.Instrument, cfg);
            if (perp.LastFunding.Kind == MarketEventKind.Funding) carry.OnEvent(ref perp.LastFunding);
            if (perp.LastMark.Kind == MarketEventKind.MarkPrice) carry.OnEvent(ref perp.LastMark);
            if (perp.LastIndex.Kind == MarketEventKind.IndexPrice) carry.OnEvent(ref perp.LastIndex);
            var state = new CarryState(carry, perp, spot);
            perp.Carries = [.. perp.Carries, state];
            spot.Carries = [.. spot.Carries, state];
            perp.HasTopDependents = spot.HasTopDependents = true;
        }
    }

    /// <summary>Carry pairs (perp venue, perp, spot venue, spot) with their reject counts (cold path, for reports and tests).</summary>
    public IEnumerable<FundingCarry> CarryPairs => AllInfos().SelectMany(i => i.Carries).Select(c => c.Carry).Distinct();

    /// <summary>Triangular detectors per venue (cold path, for reports and tests).</summary>
    public IEnumerable<TriangularArbitrage> TriangularDetectors => AllInfos().Select(i => i.Triangular).OfType<TriangularState>().Select(t => t.Arbitrage).Distinct();

    // ---- The carry's life: open (position recorded), funding (paper broker), unwind ----

    /// <summary>Counters of the carry positions' life (opened, unwound by reason, held back).</summary>
    public CarryLifeStats CarryLife { get; } = new();

    private readonly OrderIntent[] _unwindLegs = new OrderIntent[1 + MaxCarrySpotVenues];
    private readonly long[] _unwindNotional = new long[1 + MaxCarrySpotVenues];
    private readonly OrderBook?[] _unwindBooks = new OrderBook?[1 + MaxCarrySpotVenues];
    private readonly int[] _unwindTarget = new int[1 + MaxCarrySpotVenues];     // −1: the perp; k: spot venue k
    private readonly int[] _unwindCommitted = new int[1 + MaxCarrySpotVenues];

    /// <summary>Event time passed a perpetual's funding time: the paper broker settles it on every open position.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnFundingDue(long nowNs) => Broker.SettleFunding(nowNs);

    /// <summary>Opens a carry: the two legs of <see cref="ActCarry"/>, then what they filled (the broker's positions after minus
    /// before, on the perp venue and on every venue the spot leg could be routed to) becomes the carry's position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OpenCarry(CarryState c, in CarrySignal signal, long nowNs, long stampTicks)
    {
        var perpId = c.Perp.Instrument.Id;
        var spotId = c.Spot.Instrument.Id;
        c.PerpBefore = Broker.PositionQuantity(c.Perp.Venue, perpId);
        c.PerpExposure = Risk.VenueExposure(c.Perp.Venue);
        var route = c.Spot.Route;
        int n = route is null ? 1 : Math.Min(route.Router.Book.VenueCount, MaxCarrySpotVenues);
        for (int k = 0; k < n; k++)
        {
            var venue = route is null ? c.Spot.Venue : route.Router.Book.VenueAt(k);
            c.SpotVenues[k] = venue;
            c.SpotBooks[k] = route is null ? c.Spot.Book : _bookSource.TryGetBook(venue, spotId);
            c.SpotBefore[k] = Broker.PositionQuantity(venue, spotId);
            c.SpotExposure[k] = Risk.VenueExposure(venue);
        }
        c.SpotCount = n;
        ActCarry(c, in signal, nowNs, stampTicks);
        c.PerpHeld = Broker.PositionQuantity(c.Perp.Venue, perpId) - c.PerpBefore;
        c.PerpExposure = Risk.VenueExposure(c.Perp.Venue) - c.PerpExposure;
        bool any = c.PerpHeld != 0;
        for (int k = 0; k < n; k++)
        {
            c.SpotHeld[k] = Broker.PositionQuantity(c.SpotVenues[k], spotId) - c.SpotBefore[k];
            // A spot venue that is also the perp's venue: its exposure is already in the perp's (counted once).
            c.SpotExposure[k] = c.SpotVenues[k] == c.Perp.Venue ? 0 : Risk.VenueExposure(c.SpotVenues[k]) - c.SpotExposure[k];
            any |= c.SpotHeld[k] != 0;
        }
        if (!any) return;
        c.Held = true;
        c.Direction = signal.Direction;
        c.RateSign = Math.Sign(signal.FundingRate);
        c.FundingsAtOpen = Broker.FundingsPassed(c.Perp.Venue, perpId);
        c.Pending = CarryUnwindReason.None;
        c.Deferred = false;
        CarryLife.Opened++;
    }

    /// <summary>
    /// An open carry that no longer holds is unwound: the funding sign flipped against its sign at opening, the annualized carry
    /// in the position's direction fell below <see cref="CarryOptions.ExitCarryBps"/>, or <see cref="CarryOptions.MaxHoldFundings"/>
    /// fundings passed. Once decided, the unwind stays pending until it is done (see <see cref="TryUnwind"/>).
    /// </summary>
    private void CheckUnwind(CarryState c, in CarrySignal signal, long nowNs, long stampTicks)
    {
        if (c.Pending == CarryUnwindReason.None)
        {
            var reason = CarryUnwindReason.None;
            // The signal's rate is filled whenever the detector has one (a held carry always had one).
            if (c.RateSign != 0 && Math.Sign(signal.FundingRate) == -c.RateSign) reason = CarryUnwindReason.FundingSignFlip;
            else if (signal.Source != BasisSource.None && signal.CarryPpm * c.Direction < ExitCarryPpm) reason = CarryUnwindReason.BelowExitCarry;
            else if (_options.Carry.MaxHoldFundings > 0
                     && Broker.FundingsPassed(c.Perp.Venue, c.Perp.Instrument.Id) - c.FundingsAtOpen >= _options.Carry.MaxHoldFundings)
                reason = CarryUnwindReason.MaxHoldFundings;
            if (reason == CarryUnwindReason.None) return;
            c.Pending = reason;
        }
        TryUnwind(c, nowNs, stampTicks);
    }

    private long ExitCarryPpm => (long)Math.Round(_options.Carry.ExitCarryBps * 100);

    /// <summary>
    /// One IOC leg per venue the carry holds something on (the perp, and each spot venue), each reducing that position by at most
    /// what the carry holds (never beyond the position, never flipping it), limit the top worsened by
    /// <see cref="CarryOptions.MaxSlippageBps"/>. Fail closed: while any of those books is unsynced, stale or empty on the side it
    /// needs, nothing is sent and the unwind waits (counted once per wait in <see cref="CarryLifeStats.UnwindsDeferred"/>). Every
    /// leg is risk-checked before any is sent; all are journaled (each its own intent id, client order id and reference id)
    /// before any executes. What did not fill stays held and is retried at the next evaluation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TryUnwind(CarryState c, long nowNs, long stampTicks)
    {
        var perpId = c.Perp.Instrument.Id;
        var spotId = c.Spot.Instrument.Id;
        long maxAge = _options.Thresholds.MaxQuoteAgeNs;
        int legs = 0;
        long age = 0;
        if (c.PerpHeld != 0)
        {
            long q = ReducibleQuantity(ref c.PerpHeld, Broker.PositionQuantity(c.Perp.Venue, perpId));
            if (q > 0 && !AddUnwindLeg(c.Perp.Book, c.Perp.Instrument, c.Perp.Venue, c.PerpHeld > 0, q, -1, ref legs, ref age, nowNs, maxAge, stampTicks)) { Defer(c); return; }
        }
        for (int k = 0; k < c.SpotCount; k++)
        {
            if (c.SpotHeld[k] == 0) continue;
            long q = ReducibleQuantity(ref c.SpotHeld[k], Broker.PositionQuantity(c.SpotVenues[k], spotId));
            if (q > 0 && !AddUnwindLeg(c.SpotBooks[k], c.Spot.Instrument, c.SpotVenues[k], c.SpotHeld[k] > 0, q, k, ref legs, ref age, nowNs, maxAge, stampTicks)) { Defer(c); return; }
        }
        for (int i = 0; i < legs; i++)
        {
            var r = Risk.Check(RiskIntentOf(_unwindLegs[i], _unwindNotional[i], age, false, 0), nowNs);
            if (r == RiskRejectReason.None) continue;
            for (int j = 0; j < i; j++) Risk.OnOrderClosed(_unwindLegs[j].Venue, _unwindNotional[j]);
            RejectLeg(r);
            CarryLife.UnwindsRiskRejected++;
            return;
        }
        c.Deferred = false;
        for (int i = 0; i < legs; i++) _unwindCommitted[i] = Commit(ref _unwindLegs[i], _unwindNotional[i]);
        for (int i = 0; i < legs; i++)
        {
            if (_unwindCommitted[i] == NotCommitted) continue;
            ref readonly var leg = ref _unwindLegs[i];
            long before = Broker.PositionQuantity(leg.Venue, leg.Instrument);
            Execute(in leg, _unwindBooks[i]!, _unwindNotional[i], _unwindCommitted[i]);
            long filled = Broker.PositionQuantity(leg.Venue, leg.Instrument) - before;   // signed, toward zero
            if (filled == 0) continue;
            int target = _unwindTarget[i];
            ref long held = ref target < 0 ? ref c.PerpHeld : ref c.SpotHeld[target];
            ref long exposure = ref target < 0 ? ref c.PerpExposure : ref c.SpotExposure[target];
            long filledAbs = Math.Abs(filled);
            // A reducing fill adds no exposure (Execute left its filled part as if it did), and it frees the opening's share.
            long opening = (long)((Int128)exposure * filledAbs / Math.Abs(held));
            exposure -= opening;
            Risk.ReleaseExposure(leg.Venue, opening + (long)((Int128)_unwindNotional[i] * filledAbs / leg.Quantity));
            held += filled;
        }
        CarryLife.UnwindLegs += legs;
        bool flat = c.PerpHeld == 0;
        for (int k = 0; k < c.SpotCount; k++) flat &= c.SpotHeld[k] == 0;
        if (!flat) { CarryLife.UnwindsPartial++; return; }
        CarryLife.Unwound[(int)c.Pending]++;
        c.Held = false;
        c.Pending = CarryUnwindReason.None;
    }

    private void Defer(CarryState c)
    {
        if (c.Deferred) return;
        c.Deferred = true;
        CarryLife.UnwindsDeferred++;
    }

    /// <summary>How much of <paramref name="held"/> (signed) can be reduced on a position of <paramref name="position"/>: at most
    /// the position, same sign only; what the position no longer has (another strategy closed it) is dropped from the carry.</summary>
    private static long ReducibleQuantity(ref long held, long position)
    {
        if (position == 0 || Math.Sign(position) != Math.Sign(held)) { held = 0; return 0; }
        if (Math.Abs(position) < Math.Abs(held)) held = position;
        return Math.Abs(held);
    }

    /// <summary>Adds one reducing IOC leg; false when its book is unusable (unsynced, stale, or empty on the side it takes).</summary>
    private bool AddUnwindLeg(OrderBook? book, Instrument instrument, VenueId venue, bool sell, long quantity, int target, ref int legs, ref long age,
        long nowNs, long maxAgeNs, long stampTicks)
    {
        if (book is null || !book.IsSynced || nowNs - book.LastReceiveTimeNs > maxAgeNs) return false;
        var side = sell ? book.Bids : book.Asks;
        if (side.IsEmpty) return false;
        long limit = Slipped(side.Best.Price, !sell);
        var intent = NewIntent(IntentOrigin.Carry, instrument.Id, sell ? OrderSide.Sell : OrderSide.Buy, quantity, limit, venue, nowNs, stampTicks);
        _unwindLegs[legs] = intent;
        _unwindNotional[legs] = NotionalOf(instrument, quantity, limit);
        _unwindBooks[legs] = book;
        _unwindTarget[legs] = target;
        age = Math.Max(age, nowNs - book.LastReceiveTimeNs);
        legs++;
        return true;
    }

    /// <summary>Carry positions open now (cold path, for reports and tests).</summary>
    public int CarriesHeld => AllInfos().SelectMany(i => i.Carries).Distinct().Count(c => c.Held);
}

/// <summary>Counters of the carry positions' life in a <see cref="DecisionEngine"/> (decision thread; read after the run).</summary>
public sealed class CarryLifeStats
{
    /// <summary>Carry positions opened (at least one leg filled).</summary>
    public long Opened;
    /// <summary>Carry positions completely unwound, per <see cref="CarryUnwindReason"/>.</summary>
    public readonly long[] Unwound = new long[CarryUnwindReasons.Count];
    /// <summary>Unwinds held back because a book they needed was unsynced, stale or empty (once per wait).</summary>
    public long UnwindsDeferred;
    /// <summary>Unwind attempts refused by risk (retried at the next evaluation).</summary>
    public long UnwindsRiskRejected;
    /// <summary>Unwind attempts whose IOC legs left part of the position (retried at the next evaluation).</summary>
    public long UnwindsPartial;
    /// <summary>Reducing IOC legs built.</summary>
    public long UnwindLegs;
    /// <summary>New carry episodes not opened because the pair (or another pair of the same perpetual) already held a position.</summary>
    public long OpenSkippedHeld;
    /// <summary>Σ <see cref="Unwound"/>.</summary>
    public long UnwoundTotal => Unwound.Sum();
}
