using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;

namespace FastEngine.Arbitrage;

/// <summary>Triangular detector settings (from config).</summary>
/// <param name="StartCurrencies">Currencies a cycle may start and end in (the ones the account holds); null = every currency of a triangle.</param>
/// <param name="MaxStartAmounts">Cap on the start amount per start currency, × 10^8 (e.g. <c>USDT → 10,000 × 10^8</c>); a currency absent here is capped by depth only.</param>
/// <param name="MinEdgeBps">Minimum top-of-book cycle edge after fees.</param>
/// <param name="MaxQuoteAgeNs">A leg book older than this (or unsynced) makes the cycle unusable (fail closed).</param>
public sealed record TriangularConfig(
    IReadOnlyList<string>? StartCurrencies = null,
    IReadOnlyDictionary<string, long>? MaxStartAmounts = null,
    double MinEdgeBps = 0,
    long MaxQuoteAgeNs = 5_000_000_000);

/// <summary>One leg of a cycle: convert <see cref="From"/> into <see cref="To"/> on <see cref="Instrument"/>.</summary>
/// <param name="BuysBase">True: spend the quote currency on the asks (From = quote, To = base); false: sell the base into the bids.</param>
public readonly record struct TriangularLeg(Instrument Instrument, bool BuysBase, string From, string To);

/// <summary>A cycle of three legs that starts and ends in <see cref="StartCurrency"/> (cold-path description).</summary>
public sealed record TriangularCycle(string StartCurrency, TriangularLeg Leg1, TriangularLeg Leg2, TriangularLeg Leg3)
{
    public override string ToString()
    {
        static string Leg(TriangularLeg l) => $"{(l.BuysBase ? "buy" : "sell")} {l.Instrument.Canonical} → {l.To}";
        return $"{StartCurrency}: {Leg(Leg1)}, {Leg(Leg2)}, {Leg(Leg3)}";
    }
}

/// <summary>Result of one cycle evaluation. Amounts are in the start currency × 10^8.</summary>
public struct TriangularOpportunity
{
    public VenueId Venue;
    /// <summary>Index of the cycle (<see cref="TriangularArbitrage.CycleAt"/>).</summary>
    public int Cycle;
    /// <summary>Executable start amount: the size where one more unit would no longer return more than it costs
    /// (or the configured cap, or the visible depth), before lot rounding.</summary>
    public long StartAmount;
    /// <summary>Start-currency amount back after the three taker legs.</summary>
    public long EndAmount;
    /// <summary><see cref="EndAmount"/> − <see cref="StartAmount"/> (floor at 10^-18 before rescaling).</summary>
    public long NetProfit;
    /// <summary>Top-of-book cycle return after the three taker fees, hundredths of a basis point (nearest).</summary>
    public long TopEdgeCentiBps;
    /// <summary>Top-of-book cycle return before fees, hundredths of a basis point.</summary>
    public long GrossTopEdgeCentiBps;
    /// <summary>Book levels consumed per leg (1 = top only).</summary>
    public int Levels1, Levels2, Levels3;
    public long DetectedAtNs;
}

/// <summary>
/// Triangular arbitrage within one venue: over the venue's currency graph, every triangle of three spot instruments
/// (BTC-USDT, ETH-BTC, ETH-USDT) gives two directions per start currency. Each leg is a taker order: buying the base walks
/// the asks, selling it walks the bids, and the taker fee is taken from what the leg receives. The depth walk pushes
/// the start currency through the three books segment by segment (a segment ends where any leg's current level runs
/// out); within a segment the cycle's rate is constant and it falls from one segment to the next, so stopping at the
/// first segment that returns no more than it costs maximizes the cycle's profit.
/// </summary>
/// <remarks>
/// Cycles are enumerated once in the constructor (cold path). <see cref="TryEvaluate"/> is single-threaded (signal stage),
/// integer-only (amounts are <see cref="Int128"/> at 10^-18 of a currency unit, so the walk is exact to far below the reported
/// 10^-8 for amounts up to about 10^11 units; instrument scales up to 18) and
/// allocation-free. An unsynced or stale leg book fails the cycle closed.
/// </remarks>
public sealed class TriangularArbitrage
{
    /// <summary>Scale of the reported amounts.</summary>
    public const int AmountScale = 8;
    private const int WorkScale = 18;
    private const long M = FeeSchedule.PpmDenominator;
    private static readonly Int128 WorkUnit = 1_000_000_000_000_000_000;

    private readonly struct LegSpec(int instrument, bool buysBase)
    {
        public readonly int Instrument = instrument;
        public readonly bool BuysBase = buysBase;
    }

    private readonly IBookSource _books;
    private readonly Instrument[] _instruments;
    private readonly OrderBook?[] _bookCache;
    private readonly LegSpec[] _legs;            // 3 per cycle
    private readonly Int128[] _maxStart;         // per cycle, at WorkScale; 0 = depth only
    private readonly TriangularCycle[] _cycles;
    private readonly FeeSchedule _fees;
    private readonly long _minEdgeCentiBps;
    private readonly long _maxQuoteAgeNs;

    public TriangularArbitrage(IBookSource books, VenueId venue, IEnumerable<Instrument> instruments, FeeSchedule fees, TriangularConfig? config = null)
    {
        config ??= new TriangularConfig();
        _books = books;
        Venue = venue;
        _fees = fees;
        _minEdgeCentiBps = (long)Math.Ceiling(config.MinEdgeBps * 100);
        _maxQuoteAgeNs = config.MaxQuoteAgeNs;
        _instruments = instruments.Where(i => i.Kind == InstrumentKind.Spot).DistinctBy(i => i.Id).ToArray();
        foreach (var i in _instruments)
            if (i.PriceScale > WorkScale || i.QuantityScale > WorkScale)
                throw new ArgumentException($"{i.Canonical}: price/quantity scale above {WorkScale} is not supported by the triangular walk", nameof(instruments));
        _bookCache = new OrderBook?[_instruments.Length];
        (_cycles, _legs) = Enumerate(_instruments, config.StartCurrencies);
        _maxStart = new Int128[_cycles.Length];
        for (int c = 0; c < _cycles.Length; c++)
            if (config.MaxStartAmounts is { } caps && caps.TryGetValue(_cycles[c].StartCurrency, out long cap))
                _maxStart[c] = (Int128)cap * Pow10(WorkScale - AmountScale);
    }

    public VenueId Venue { get; }
    public int CycleCount => _cycles.Length;
    public TriangularCycle CycleAt(int index) => _cycles[index];

    /// <summary>Evaluates every cycle; writes the profitable ones (after fees, above the minimum edge) into <paramref name="results"/>.</summary>
    public int EvaluateAll(long nowNs, Span<TriangularOpportunity> results)
    {
        int n = 0;
        for (int c = 0; c < _cycles.Length && n < results.Length; c++)
            if (TryEvaluate(c, nowNs, out results[n])) n++;
        return n;
    }

    /// <summary>
    /// Evaluates cycle <paramref name="cycle"/> at <paramref name="nowNs"/>. True when the cycle returns more than it costs
    /// after the three taker fees at the top of book and clears the minimum edge; <paramref name="opportunity"/> then holds
    /// the executable start amount and the net result of the depth walk. Allocation-free.
    /// </summary>
    public bool TryEvaluate(int cycle, long nowNs, out TriangularOpportunity opportunity)
    {
        opportunity = default;
        int l = cycle * 3;
        var b1 = UsableBook(_legs[l].Instrument, nowNs);
        var b2 = UsableBook(_legs[l + 1].Instrument, nowNs);
        var b3 = UsableBook(_legs[l + 2].Instrument, nowNs);
        if (b1 is null || b2 is null || b3 is null) return false;
        var s1 = b1.SideOf(_legs[l].BuysBase ? Side.Ask : Side.Bid);
        var s2 = b2.SideOf(_legs[l + 1].BuysBase ? Side.Ask : Side.Bid);
        var s3 = b3.SideOf(_legs[l + 2].BuysBase ? Side.Ask : Side.Bid);
        if (s1.IsEmpty || s2.IsEmpty || s3.IsEmpty) return false;
        var i1 = _instruments[_legs[l].Instrument];
        var i2 = _instruments[_legs[l + 1].Instrument];
        var i3 = _instruments[_legs[l + 2].Instrument];
        bool buy1 = _legs[l].BuysBase, buy2 = _legs[l + 1].BuysBase, buy3 = _legs[l + 2].BuysBase;
        int fee = _fees.TakerPpm;

        // Top-of-book rate: push one unit of the start currency through the three best prices.
        long p1 = s1.Best.Price, p2 = s2.Best.Price, p3 = s3.Best.Price;
        Int128 net = Apply(Apply(Apply(WorkUnit, buy1, p1, i1.PriceScale, fee), buy2, p2, i2.PriceScale, fee), buy3, p3, i3.PriceScale, fee);
        long topEdge = EdgeCentiBps(net);
        if (net <= WorkUnit || topEdge < _minEdgeCentiBps) return false;

        // Depth walk. cap_k = what leg k's current level still absorbs, in leg k's input currency.
        Int128 remainingStart = _maxStart[cycle];
        bool capped = remainingStart > 0;
        int d1 = 0, d2 = 0, d3 = 0, used1 = 0, used2 = 0, used3 = 0;
        Int128 c1 = Capacity(s1.At(0), buy1, i1), c2 = Capacity(s2.At(0), buy2, i2), c3 = Capacity(s3.At(0), buy3, i3);
        Int128 totalIn = 0, totalOut = 0;
        while (true)
        {
            long q1 = s1.At(d1).Price, q2 = s2.At(d2).Price, q3 = s3.At(d3).Price;
            int bottleneck = 1;
            Int128 x = c1;
            if (capped && remainingStart <= x) { x = remainingStart; bottleneck = 0; }
            Int128 y1 = Apply(x, buy1, q1, i1.PriceScale, fee);
            if (y1 > c2)
            {
                x = Invert(c2, buy1, q1, i1.PriceScale, fee);
                y1 = Apply(x, buy1, q1, i1.PriceScale, fee);
                bottleneck = 2;
            }
            Int128 y2 = Apply(y1, buy2, q2, i2.PriceScale, fee);
            if (y2 > c3)
            {
                y1 = Invert(c3, buy2, q2, i2.PriceScale, fee);
                x = Invert(y1, buy1, q1, i1.PriceScale, fee);
                y1 = Apply(x, buy1, q1, i1.PriceScale, fee);
                y2 = Apply(y1, buy2, q2, i2.PriceScale, fee);
                bottleneck = 3;
            }
            Int128 y3 = Apply(y2, buy3, q3, i3.PriceScale, fee);
            if (x > 0 && y3 <= x) break;       // this segment no longer pays: the walk is done
            totalIn += x;
            totalOut += y3;
            if (capped) remainingStart -= x;
            if (x > 0) { used1 = d1 + 1; used2 = d2 + 1; used3 = d3 + 1; }
            c1 -= x; c2 -= y1; c3 -= y2;
            if (bottleneck == 0) break;         // start-amount cap reached
            // The bottleneck level is used up (up to rounding dust): move that leg to its next level.
            if (bottleneck == 1 || c1 <= 0) { if (++d1 == s1.Count) break; c1 = Capacity(s1.At(d1), buy1, i1); }
            if (bottleneck == 2 || c2 <= 0) { if (++d2 == s2.Count) break; c2 = Capacity(s2.At(d2), buy2, i2); }
            if (bottleneck == 3 || c3 <= 0) { if (++d3 == s3.Count) break; c3 = Capacity(s3.At(d3), buy3, i3); }
        }
        if (totalIn <= 0 || totalOut <= totalIn) return false;

        Int128 down = Pow10(WorkScale - AmountScale);
        // Before-fee rate only for the report (not needed to decide).
        Int128 gross = Apply(Apply(Apply(WorkUnit, buy1, p1, i1.PriceScale, 0), buy2, p2, i2.PriceScale, 0), buy3, p3, i3.PriceScale, 0);
        opportunity = new TriangularOpportunity
        {
            Venue = Venue,
            Cycle = cycle,
            StartAmount = (long)(totalIn / down),
            EndAmount = (long)(totalOut / down),
            NetProfit = (long)((totalOut - totalIn) / down),
            TopEdgeCentiBps = topEdge,
            GrossTopEdgeCentiBps = EdgeCentiBps(gross),
            Levels1 = used1,
            Levels2 = used2,
            Levels3 = used3,
            DetectedAtNs = nowNs,
        };
        return true;
    }

    /// <summary>
    /// (out − 1) of a one-unit probe in hundredths of a bp, rounded to the nearest: the probe floors every leg at 10^-18, which
    /// would turn an exact 100 bps into 99.99; the profitability gate and the walk use the floored amounts (never overstated).
    /// </summary>
    private static long EdgeCentiBps(Int128 output)
    {
        Int128 scaled = (output - WorkUnit) * 1_000_000;
        Int128 half = WorkUnit / 2;
        return (long)(scaled >= 0 ? (scaled + half) / WorkUnit : -((-scaled + half) / WorkUnit));
    }

    /// <summary>Output of one leg for input <paramref name="x"/> (work scale) at price mantissa <paramref name="price"/>, fee taken
    /// from the output; floor. One 128-bit division when the product provably fits (x &lt; 2^80 and a multiplier &lt; 2^47, the
    /// usual case: up to ~1.2 million units), else two divisions so the intermediate products stay inside Int128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Apply(Int128 x, bool buysBase, long price, int priceScale, int feePpm)
    {
        long keep = M - feePpm;
        if (x < SingleDivisionLimit)
        {
            // quote → base: x × 10^ps × (M − f) / (p × M); base → quote: x × p × (M − f) / (10^ps × M).
            Int128 multiplier = buysBase ? Pow10(priceScale) * keep : (Int128)price * keep;
            if (multiplier < MultiplierLimit)
                return buysBase ? x * multiplier / ((Int128)price * M) : x * multiplier / (Pow10(priceScale) * M);
        }
        Int128 gross = buysBase ? x * Pow10(priceScale) / price    // quote → base: x / p
                                : x * price / Pow10(priceScale);   // base → quote: x × p
        return gross * keep / M;
    }

    private static readonly Int128 SingleDivisionLimit = Int128.One << 80;
    private static readonly Int128 MultiplierLimit = Int128.One << 47;

    /// <summary>Largest input whose <see cref="Apply"/> output does not exceed <paramref name="y"/> (floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Invert(Int128 y, bool buysBase, long price, int priceScale, int feePpm)
    {
        Int128 gross = y * M / (M - feePpm);
        return buysBase ? gross * price / Pow10(priceScale) : gross * Pow10(priceScale) / price;
    }

    /// <summary>Input currency a level absorbs: its size in base (selling) or size × price in quote (buying), at work scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Capacity(in BookLevel level, bool buysBase, Instrument instrument)
    {
        if (!buysBase) return (Int128)level.Size * Pow10(WorkScale - instrument.QuantityScale);
        int shift = instrument.QuantityScale + instrument.PriceScale - WorkScale;
        Int128 raw = (Int128)level.Size * level.Price;
        return shift >= 0 ? raw / Pow10(shift) : raw * Pow10(-shift);
    }

    private OrderBook? UsableBook(int instrument, long nowNs)
    {
        var book = _bookCache[instrument] ??= _books.TryGetBook(Venue, _instruments[instrument].Id);
        if (book is null || !book.IsSynced || nowNs - book.LastReceiveTimeNs > _maxQuoteAgeNs) return null;
        return book;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Pow10(int n) => FixedPoint.Pow10Wide(n);

    /// <summary>Every triangle of three instruments over three currencies, both directions per start currency (cold path).</summary>
    private static (TriangularCycle[], LegSpec[]) Enumerate(Instrument[] instruments, IReadOnlyList<string>? startCurrencies)
    {
        var cycles = new List<TriangularCycle>();
        var legs = new List<LegSpec>();
        int n = instruments.Length;
        for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
        for (int c = b + 1; c < n; c++)
        {
            int[] tri = [a, b, c];
            var currencies = tri.SelectMany(i => new[] { instruments[i].Base, instruments[i].Quote }).ToArray();
            var groups = currencies.GroupBy(x => x, StringComparer.Ordinal).ToArray();
            if (groups.Length != 3 || groups.Any(g => g.Count() != 2)) continue;
            foreach (var start in groups.Select(g => g.Key).OrderBy(x => x, StringComparer.Ordinal))
            {
                if (startCurrencies is not null && !startCurrencies.Contains(start, StringComparer.Ordinal)) continue;
                var touching = tri.Where(i => instruments[i].Base == start || instruments[i].Quote == start).ToArray();
                int third = tri.Single(i => !touching.Contains(i));
                // Two directions: leave through either instrument that touches the start currency.
                for (int dir = 0; dir < 2; dir++)
                {
                    int first = touching[dir], last = touching[1 - dir];
                    string x = Other(instruments[first], start);
                    string y = Other(instruments[third], x);
                    var l1 = MakeLeg(instruments[first], start);
                    var l2 = MakeLeg(instruments[third], x);
                    var l3 = MakeLeg(instruments[last], y);
                    cycles.Add(new TriangularCycle(start, l1, l2, l3));
                    legs.Add(new LegSpec(first, l1.BuysBase));
                    legs.Add(new LegSpec(third, l2.BuysBase));
                    legs.Add(new LegSpec(last, l3.BuysBase));
                }
            }
        }
        return (cycles.ToArray(), legs.ToArray());

        static string Other(Instrument i, string currency) => i.Base == currency ? i.Quote : i.Base;
        // Holding `from`: if it is the quote we buy the base; if it is the base we sell it.
        static TriangularLeg MakeLeg(Instrument i, string from) =>
            i.Quote == from ? new TriangularLeg(i, true, from, i.Base) : new TriangularLeg(i, false, from, i.Quote);
    }
}
