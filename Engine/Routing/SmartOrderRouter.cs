using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Routing;

/// <summary>
/// A venue's connection health from its counters, turned into a score: a venue that errs, disconnects, sees rejects or
/// stale data costs more (reliability penalty) and below a floor is not used at all.
/// </summary>
/// <remarks>Plain counters (written by the owner of the venue connection, copied to the router by value).</remarks>
public struct VenueHealth
{
    public long Messages;
    public long Errors;
    public long Rejects;
    public long Disconnects;
    public long StaleEvents;

    /// <summary>Weights of each bad event against one good message: a disconnect loses the book and in-flight orders
    /// (100), an error or a reject is a failed request (10), a stale book is one missed update (1).</summary>
    public const int ErrorWeight = 10, RejectWeight = 10, DisconnectWeight = 100, StaleWeight = 1;

    /// <summary>
    /// 1,000,000 × messages / (messages + weighted bad events): 1,000,000 = perfect, 0 = nothing but trouble.
    /// A venue with no messages and no trouble scores 1,000,000 (no evidence against it; its book gates it anyway).
    /// </summary>
    public readonly int ScorePpm
    {
        get
        {
            long bad = Errors * ErrorWeight + Rejects * RejectWeight + Disconnects * DisconnectWeight + StaleEvents * StaleWeight;
            if (bad <= 0) return 1_000_000;
            return (int)((Int128)Messages * 1_000_000 / ((Int128)Messages + bad));
        }
    }
}

/// <summary>Router cost model (from config).</summary>
/// <param name="SlippageBpsPerUnit">Expected slippage beyond the visible book, in bps per whole unit (10^QuantityScale
/// mantissa) already consumed on that venue: the marginal unit at consumption c costs c × this many bps more.</param>
/// <param name="SlippageStep">Quantity (mantissa) allocated per greedy step; 0 = one whole book level per step.
/// With slippage &gt; 0 smaller steps follow the convex cost more closely.</param>
/// <param name="MinHealthPpm">Venues whose <see cref="VenueHealth.ScorePpm"/> is below this are excluded (unhealthy).</param>
/// <param name="ReliabilityPenaltyBps">Cost added for a venue of score 0, scaled by (1 − score).</param>
/// <param name="MakerPreferred">Rest a maker order unless the expected edge decay while waiting exceeds the extra taker cost.</param>
public sealed record RouterConfig(
    double SlippageBpsPerUnit = 0,
    long SlippageStep = 0,
    int MinHealthPpm = 500_000,
    double ReliabilityPenaltyBps = 10,
    bool MakerPreferred = true);

/// <summary>One order to route. <see cref="Side.Bid"/> buys (takes asks), <see cref="Side.Ask"/> sells (hits bids).</summary>
public struct RouteRequest
{
    public Side Side;
    /// <summary>Quantity mantissa (instrument quantity scale).</summary>
    public long Quantity;
    /// <summary>Limit price mantissa: no level beyond it is used. Required (&gt; 0).</summary>
    public long LimitPrice;
    /// <summary>Short-term volatility estimate: expected adverse move in ppm per millisecond of round trip.</summary>
    public long VolatilityPpmPerMs;
    /// <summary>Expected decay of the edge while a maker order waits, ppm per millisecond.</summary>
    public long EdgeDecayPpmPerMs;
    /// <summary>Expected wait of a resting maker order until filled, ns.</summary>
    public long ExpectedMakerWaitNs;
}

public enum ExecutionStyle : byte
{
    None = 0,
    /// <summary>Rest a post-only order at the venue's best price on our side.</summary>
    Maker,
    /// <summary>Take liquidity across the chosen venues.</summary>
    Taker,
}

/// <summary>Why a venue was left out of (or not used by) a route.</summary>
public enum RouteVenueReason : byte
{
    /// <summary>Used by the route.</summary>
    Chosen = 0,
    Unsynced,
    Stale,
    Disabled,
    NoBook,
    NoLiquidityWithinLimit,
    Unhealthy,
    /// <summary>Eligible, but every unit went to cheaper venues.</summary>
    NotCheapest,
}

public enum RouteStatus : byte
{
    None = 0,
    Filled,
    /// <summary>The eligible books within the limit hold less than the requested quantity.</summary>
    PartialLiquidity,
    NoEligibleVenue,
    InvalidRequest,
}

/// <summary>One child order of a route. Money amounts × 10^8 in the quote currency.</summary>
public struct RouteLeg
{
    public VenueId Venue;
    public int VenueIndex;
    public long Quantity;
    /// <summary>Volume-weighted book price (rounded against us: up when buying, down when selling).</summary>
    public long AveragePrice;
    /// <summary>Book notional Σ q × p.</summary>
    public long Notional;
    /// <summary>Fees + slippage + latency + reliability penalties on this leg.</summary>
    public long Costs;
    /// <summary>Book levels touched.</summary>
    public int Levels;
}

/// <summary>
/// The route with its rationale: chosen venues with quantity, average price and cost, the expected total, and for every
/// venue of the book why it was or was not used. Pre-allocated for the book's venue count and reused for every order.
/// </summary>
public sealed class RouteResult
{
    public RouteResult(int venueCount)
    {
        Legs = new RouteLeg[venueCount];
        VenueReasons = new RouteVenueReason[venueCount];
        Venues = new VenueId[venueCount];
    }

    public RouteStatus Status;
    public ExecutionStyle Style;
    public Side Side;
    public long RequestedQuantity;
    public long FilledQuantity;
    public int LegCount;
    public readonly RouteLeg[] Legs;
    /// <summary>Per venue index of the consolidated book.</summary>
    public readonly RouteVenueReason[] VenueReasons;
    public readonly VenueId[] Venues;
    /// <summary>Σ book notional of the legs, × 10^8.</summary>
    public long ExpectedNotional;
    /// <summary>Σ costs of the legs (fees, slippage, penalties; a maker rebate is negative), × 10^8.</summary>
    public long ExpectedCosts;
    /// <summary>All-in: paid when buying (notional + costs), received when selling (notional − costs), × 10^8.</summary>
    public long ExpectedAllIn => Side == Side.Bid ? ExpectedNotional + ExpectedCosts : ExpectedNotional - ExpectedCosts;
    /// <summary>Expected edge decay while waiting as a maker (ppm), and the extra all-in cost of taking instead (ppm).</summary>
    public long DecayPpm, ExtraTakerPpm;

    public ReadOnlySpan<RouteLeg> ChosenLegs => Legs.AsSpan(0, LegCount);

    internal void Reset(int venues)
    {
        Status = RouteStatus.None;
        Style = ExecutionStyle.None;
        LegCount = 0;
        FilledQuantity = 0;
        ExpectedNotional = ExpectedCosts = DecayPpm = ExtraTakerPpm = 0;
        Array.Clear(Legs, 0, venues);
        Array.Clear(VenueReasons, 0, venues);
    }
}

/// <summary>
/// Splits an order across the venues of a <see cref="ConsolidatedBook"/> to minimize the expected all-in cost:
/// book-walk price + taker fee + slippage (bps per unit already consumed on the venue) + latency penalty (round trip ×
/// short-term volatility) + reliability penalty (from <see cref="VenueHealth"/>).
/// </summary>
/// <remarks>
/// <para>Allocation: greedy, step by step: each step gives the next chunk (one book level, or <see cref="RouterConfig.SlippageStep"/>)
/// to the venue whose next chunk has the lowest average all-in cost per unit. Each venue's cost C_v(q) is convex in the quantity
/// it receives: book prices only get worse along the walk (piecewise linear with rising slopes), the fee and the penalties are
/// proportional to price, and the slippage term is quadratic. For a sum of separable convex costs under Σ q_v = Q, a split is
/// optimal exactly when no venue's next unit is cheaper than another used venue's last unit; the greedy rule builds such a
/// split, so it is optimal (exactly for level-sized chunks without slippage, up to the step size with it).</para>
/// <para>Style: maker-preferred; the taker split is used only when the expected edge decay while waiting
/// (<see cref="RouteRequest.EdgeDecayPpmPerMs"/> × <see cref="RouteRequest.ExpectedMakerWaitNs"/>) exceeds the extra cost of taking
/// (taker all-in per unit against a post-only order joining the best price on our side with the maker fee).</para>
/// <para>Single-threaded (route stage), integer math, allocation-free per order: the result object is the caller's and reused.</para>
/// </remarks>
public sealed class SmartOrderRouter
{
    private const long M = FeeSchedule.PpmDenominator;
    private readonly ConsolidatedBook _book;
    private readonly Instrument _instrument;
    private readonly RouterConfig _config;
    private readonly long _slipMilliPpmPerUnit;
    private readonly long _reliabilityPpm;
    private readonly long[] _roundTripNs;
    private readonly VenueHealth[] _health;
    // Per-order scratch (pre-allocated): cursor into each venue's side.
    private readonly OrderBook?[] _books;
    private readonly int[] _level;
    private readonly long[] _levelLeft;
    private readonly long[] _consumed;
    private readonly Int128[] _notional;
    private readonly Int128[] _cost;
    private readonly int[] _levelsUsed;
    private readonly bool[] _eligible;
    private readonly long[] _basePpm;   // fee + latency + reliability of the current order, per venue

    public SmartOrderRouter(ConsolidatedBook book, Instrument instrument, RouterConfig? config = null)
    {
        _book = book;
        _instrument = instrument;
        _config = config ?? new RouterConfig();
        if (_config.SlippageStep < 0) throw new ArgumentOutOfRangeException(nameof(config), _config.SlippageStep, "SlippageStep must be ≥ 0");
        _slipMilliPpmPerUnit = (long)Math.Round(_config.SlippageBpsPerUnit * 100 * 1000);
        _reliabilityPpm = (long)Math.Round(_config.ReliabilityPenaltyBps * 100);
        int n = book.VenueCount;
        _roundTripNs = new long[n];
        _health = new VenueHealth[n];
        _books = new OrderBook?[n];
        _level = new int[n];
        _levelLeft = new long[n];
        _consumed = new long[n];
        _notional = new Int128[n];
        _cost = new Int128[n];
        _levelsUsed = new int[n];
        _eligible = new bool[n];
        _basePpm = new long[n];
    }

    public ConsolidatedBook Book => _book;

    /// <summary>A new result object sized for this router's venues (allocate once, reuse).</summary>
    public RouteResult CreateResult() => new(_book.VenueCount);

    /// <summary>Updates a venue's round-trip estimate and health (by venue index of the consolidated book).</summary>
    public void SetVenueInputs(int venueIndex, long roundTripNs, in VenueHealth health)
    {
        _roundTripNs[venueIndex] = roundTripNs;
        _health[venueIndex] = health;
    }

    /// <summary>Routes <paramref name="request"/> at <paramref name="nowNs"/> into <paramref name="result"/>. Allocation-free.</summary>
    public RouteStatus Route(in RouteRequest request, long nowNs, RouteResult result)
    {
        int n = _book.VenueCount;
        result.Reset(n);
        result.Side = request.Side;
        result.RequestedQuantity = request.Quantity;
        if (request.Quantity <= 0 || request.LimitPrice <= 0 || (request.Side != Side.Bid && request.Side != Side.Ask))
            return result.Status = RouteStatus.InvalidRequest;
        bool buy = request.Side == Side.Bid;
        var takeSide = buy ? Side.Ask : Side.Bid;
        int eligible = 0;
        for (int v = 0; v < n; v++)
        {
            result.Venues[v] = _book.VenueAt(v);
            _eligible[v] = false;
            _level[v] = 0;
            _consumed[v] = 0;
            _notional[v] = 0;
            _cost[v] = 0;
            _levelsUsed[v] = 0;
            var exclusion = _book.Check(v, nowNs, out var ob);
            _books[v] = ob;
            RouteVenueReason reason = exclusion switch
            {
                VenueExclusion.None => RouteVenueReason.Chosen,
                VenueExclusion.Unsynced => RouteVenueReason.Unsynced,
                VenueExclusion.Stale => RouteVenueReason.Stale,
                VenueExclusion.Disabled => RouteVenueReason.Disabled,
                _ => RouteVenueReason.NoBook,
            };
            if (reason == RouteVenueReason.Chosen && _health[v].ScorePpm < _config.MinHealthPpm) reason = RouteVenueReason.Unhealthy;
            if (reason == RouteVenueReason.Chosen)
            {
                var side = ob!.SideOf(takeSide);
                if (side.IsEmpty || !WithinLimit(side.Best.Price, request.LimitPrice, buy)) reason = RouteVenueReason.NoLiquidityWithinLimit;
                else
                {
                    _levelLeft[v] = side.Best.Size;
                    _eligible[v] = true;
                    _basePpm[v] = BasePpm(v, in request);
                    eligible++;
                }
            }
            result.VenueReasons[v] = reason;
        }
        // With no taker liquidity a maker-preferred order may still rest (below), so only a taker-only router stops here.
        if (eligible == 0 && !_config.MakerPreferred) return result.Status = RouteStatus.NoEligibleVenue;

        long remaining = request.Quantity;
        while (remaining > 0)
        {
            int best = -1;
            long bestChunk = 0;
            Int128 bestKey = 0;
            for (int v = 0; v < n; v++)
            {
                if (!_eligible[v]) continue;
                var side = _books[v]!.SideOf(takeSide);
                if (_level[v] >= side.Count) continue;
                long price = side.At(_level[v]).Price;
                if (!WithinLimit(price, request.LimitPrice, buy)) continue;
                long chunk = Math.Min(_levelLeft[v], remaining);
                if (_config.SlippageStep > 0) chunk = Math.Min(chunk, _config.SlippageStep);
                long costPpm = CostPpm(v, chunk, in request);
                // Per-unit all-in: buy p(1 + x) (lower wins); sell p(1 − x) (higher wins, so rank its negation).
                Int128 key = buy ? (Int128)price * (M + costPpm) : -(Int128)price * (M - costPpm);
                if (best < 0 || key < bestKey)
                {
                    best = v;
                    bestKey = key;
                    bestChunk = chunk;
                }
            }
            if (best < 0) break;
            var bestSide = _books[best]!.SideOf(takeSide);
            long p = bestSide.At(_level[best]).Price;
            long ppm = CostPpm(best, bestChunk, in request);
            if (_consumed[best] == 0 || _levelLeft[best] == bestSide.At(_level[best]).Size) _levelsUsed[best]++;
            _notional[best] += (Int128)bestChunk * p;
            _cost[best] += (Int128)bestChunk * p * ppm;
            _consumed[best] += bestChunk;
            _levelLeft[best] -= bestChunk;
            remaining -= bestChunk;
            if (_levelLeft[best] == 0 && ++_level[best] < bestSide.Count) _levelLeft[best] = bestSide.At(_level[best]).Size;
        }

        // Legs and totals of the taker split.
        int ps = _instrument.PriceScale, qs = _instrument.QuantityScale;
        Int128 notionalRaw = 0, costRaw = 0;
        for (int v = 0; v < n; v++)
        {
            if (!_eligible[v]) continue;
            if (_consumed[v] == 0) { result.VenueReasons[v] = RouteVenueReason.NotCheapest; continue; }
            ref var leg = ref result.Legs[result.LegCount++];
            leg.Venue = _book.VenueAt(v);
            leg.VenueIndex = v;
            leg.Quantity = _consumed[v];
            leg.AveragePrice = (long)(buy ? CeilDiv(_notional[v], _consumed[v]) : _notional[v] / _consumed[v]);
            leg.Notional = (long)Rescale(_notional[v], qs + ps);
            leg.Costs = (long)Rescale(_cost[v], qs + ps + 6);
            leg.Levels = _levelsUsed[v];
            notionalRaw += _notional[v];
            costRaw += _cost[v];
            result.FilledQuantity += _consumed[v];
        }
        result.ExpectedNotional = (long)Rescale(notionalRaw, qs + ps);
        result.ExpectedCosts = (long)Rescale(costRaw, qs + ps + 6);
        result.Style = ExecutionStyle.Taker;
        result.Status = result.FilledQuantity == request.Quantity ? RouteStatus.Filled
            : result.FilledQuantity > 0 ? RouteStatus.PartialLiquidity : RouteStatus.NoEligibleVenue;
        if (result.FilledQuantity == 0) result.Style = ExecutionStyle.None;

        if (_config.MakerPreferred) DecideMaker(in request, nowNs, result, notionalRaw, costRaw, buy);
        return result.Status;
    }

    /// <summary>
    /// Maker-preferred: compares the expected edge decay while waiting with the extra cost of taking, and if waiting is
    /// cheaper rewrites the result as one post-only order joining the best price on our side (highest bid when buying,
    /// lowest ask when selling; ties to the lower maker fee) for the whole quantity. When nothing can be taken within the
    /// limit, resting is the only choice (<see cref="RouteResult.ExtraTakerPpm"/> = <see cref="long.MaxValue"/>).
    /// </summary>
    private void DecideMaker(in RouteRequest request, long nowNs, RouteResult result, Int128 takerNotional, Int128 takerCost, bool buy)
    {
        int n = _book.VenueCount;
        var joinSide = buy ? Side.Bid : Side.Ask;
        int best = -1;
        long bestPrice = 0;
        for (int v = 0; v < n; v++)
        {
            // Same gates as the taker split except liquidity on the other side: stale, unsynced, disabled, unhealthy stay out.
            var reason = result.VenueReasons[v];
            if (reason is not (RouteVenueReason.Chosen or RouteVenueReason.NotCheapest or RouteVenueReason.NoLiquidityWithinLimit)) continue;
            var ob = _books[v];
            if (ob is null) continue;
            var side = ob.SideOf(joinSide);
            if (side.IsEmpty) continue;
            long price = side.Best.Price;
            if (!WithinLimit(price, request.LimitPrice, buy)) continue;
            bool better = best < 0 || (buy ? price > bestPrice : price < bestPrice)
                || (price == bestPrice && _book.FeesAt(v).MakerPpm < _book.FeesAt(best).MakerPpm);
            if (better) { best = v; bestPrice = price; }
        }
        if (best < 0) return;
        long filled = result.FilledQuantity;
        int makerPpm = _book.FeesAt(best).MakerPpm;
        // Per-unit all-in of both styles over the same quantity, in raw units (q × p × ppm).
        Int128 makerAllIn = (Int128)filled * bestPrice * (buy ? M + makerPpm : M - makerPpm);
        Int128 takerAllIn = buy ? takerNotional * M + takerCost : takerNotional * M - takerCost;
        Int128 extra = buy ? takerAllIn - makerAllIn : makerAllIn - takerAllIn;
        result.ExtraTakerPpm = filled == 0 ? long.MaxValue : makerAllIn > 0 ? (long)(extra * 1_000_000 / makerAllIn) : 0;
        result.DecayPpm = (long)((Int128)request.EdgeDecayPpmPerMs * request.ExpectedMakerWaitNs / 1_000_000);
        if (result.DecayPpm > result.ExtraTakerPpm) return;   // waiting costs more than taking: keep the taker split

        int ps = _instrument.PriceScale, qs = _instrument.QuantityScale;
        for (int v = 0; v < n; v++)
            if (result.VenueReasons[v] == RouteVenueReason.Chosen) result.VenueReasons[v] = RouteVenueReason.NotCheapest;
        result.VenueReasons[best] = RouteVenueReason.Chosen;
        Array.Clear(result.Legs, 0, result.LegCount);
        result.LegCount = 1;
        ref var leg = ref result.Legs[0];
        leg.Venue = _book.VenueAt(best);
        leg.VenueIndex = best;
        leg.Quantity = request.Quantity;
        leg.AveragePrice = bestPrice;
        leg.Levels = 1;
        Int128 notional = (Int128)request.Quantity * bestPrice;
        leg.Notional = (long)Rescale(notional, qs + ps);
        leg.Costs = (long)Rescale(notional * makerPpm, qs + ps + 6);
        result.FilledQuantity = request.Quantity;
        result.ExpectedNotional = leg.Notional;
        result.ExpectedCosts = leg.Costs;
        result.Style = ExecutionStyle.Maker;
        result.Status = RouteStatus.Filled;
    }

    /// <summary>
    /// All-in extra cost of venue <paramref name="v"/>'s next chunk in ppm of its price: the order's base cost of the venue
    /// (<see cref="BasePpm"/>) + the average slippage over the chunk, k × (consumed + chunk/2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long CostPpm(int v, long chunk, in RouteRequest request)
    {
        long k = _slipMilliPpmPerUnit;
        if (k == 0) return _basePpm[v];
        long twiceAverage = 2 * _consumed[v] + chunk;          // doubled to stay integral
        long denominator = 2_000 * FixedPoint.Pow10(_instrument.QuantityScale);
        // Both factors below 2^31 keep the product in a long; otherwise the (slower) 128-bit path.
        long slip = (ulong)k < 1UL << 31 && (ulong)twiceAverage < 1UL << 31
            ? k * twiceAverage / denominator
            : (long)((Int128)k * twiceAverage / denominator);
        return _basePpm[v] + slip;
    }

    /// <summary>Taker fee + latency (round trip ms × volatility ppm/ms) + reliability ((1 − score) × penalty), ppm; once per order and venue.</summary>
    private long BasePpm(int v, in RouteRequest request)
    {
        long fee = _book.FeesAt(v).TakerPpm;
        long latency = (long)((Int128)_roundTripNs[v] * request.VolatilityPpmPerMs / 1_000_000);
        long reliability = _reliabilityPpm * (1_000_000 - _health[v].ScorePpm) / 1_000_000;
        return fee + latency + reliability;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WithinLimit(long price, long limit, bool buy) => buy ? price <= limit : price >= limit;

    private static Int128 CeilDiv(Int128 a, long b) => (a + b - 1) / b;

    /// <summary>From scale <paramref name="fromScale"/> to 10^8 (toward zero).</summary>
    private static Int128 Rescale(Int128 value, int fromScale)
    {
        if (fromScale == 8) return value;
        if (fromScale > 8) return value / FixedPoint.Pow10(fromScale - 8);
        return value * FixedPoint.Pow10(8 - fromScale);
    }
}
