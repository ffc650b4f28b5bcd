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

    /// <summary>One perpetual/spot carry pair, its throttle and whether its episode is open.</summary>
    private sealed class CarryState(FundingCarry carry, BookInfo perp, BookInfo spot)
    {
        public readonly FundingCarry Carry = carry;
        public readonly BookInfo Perp = perp, Spot = spot;
        // Far in the past but not long.MinValue: now − this must not overflow in the throttle check.
        public long LastEvaluatedNs = long.MinValue / 4;
        public bool Open;
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
        if (!c.Carry.TryEvaluate(nowNs, out var signal))
        {
            c.Open = false;
            return;
        }
        if (c.Open) return;
        c.Open = true;
        CountOpportunity(OpportunityKind.Carry, stampTicks);
        if (signal.Source == BasisSource.Books) ActCarry(c, in signal, nowNs, stampTicks);
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
}
