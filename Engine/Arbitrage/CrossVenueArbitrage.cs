using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;
using FastEngine.Routing;

namespace FastEngine.Arbitrage;

/// <summary>Detector thresholds (from config).</summary>
/// <param name="MinEdgeBps">Minimum fee-adjusted edge at the top of book, basis points.</param>
/// <param name="MinNotional">Minimum notional of the profitable size, quote units × 10^8 (USD face value × 10^8 for inverse).</param>
/// <param name="MaxQuoteAgeNs">Quotes older than this are excluded (fail closed).</param>
public sealed record ArbitrageThresholds(double MinEdgeBps = 0, long MinNotional = 0, long MaxQuoteAgeNs = 5_000_000_000);

/// <summary>
/// A cross-venue opportunity: buy on <see cref="BuyVenue"/> at its asks, sell on <see cref="SellVenue"/> at its bids,
/// both as taker, sized where the net profit of the book walk is largest.
/// </summary>
public struct ArbOpportunity
{
    public VenueId BuyVenue;
    public VenueId SellVenue;
    public InstrumentId Instrument;
    /// <summary>Best ask on the buy venue and best bid on the sell venue (price mantissas).</summary>
    public long BuyPrice, SellPrice;
    /// <summary>Last (worst) levels the optimal walk reaches.</summary>
    public long WorstBuyPrice, WorstSellPrice;
    /// <summary>Profit-maximizing quantity (quantity mantissa; contracts for inverse instruments).</summary>
    public long Quantity;
    /// <summary>Fee-adjusted edge at the top of book in hundredths of a basis point.</summary>
    public long EdgeCentiBps;
    /// <summary>Expected net P&amp;L of the walk after both taker fees, × 10^8, in the quote currency (base currency for inverse).</summary>
    public long NetProfit;
    /// <summary>Notional bought, × 10^8, quote currency (USD face value for inverse).</summary>
    public long Notional;
    public long DetectedAtNs;

    public readonly double EdgeBps => EdgeCentiBps / 100.0;
}

/// <summary>
/// Finds cross-venue arbitrage in a <see cref="ConsolidatedBook"/>: for each ordered venue pair (buy A, sell B) whose
/// fee-adjusted top crosses, walks both books (taker) while the marginal unit still profits after both fees; the
/// marginal edge falls monotonically along the walk, so stopping at the first non-profitable unit maximizes profit.
/// Inverse contracts (size = contracts of <see cref="Instrument.ContractValue"/> USD, P&amp;L in the base coin) use
/// their own arithmetic. Integer math throughout; allocation-free.
/// </summary>
public static class CrossVenueArbitrage
{
    public const int ProfitScale = 8;

    /// <summary>Evaluates buying on venue index <paramref name="buy"/> and selling on <paramref name="sell"/>.</summary>
    /// <param name="maxQuantity">Cap on the walked quantity (risk); 0 = none.</param>
    public static bool TryEvaluate(ConsolidatedBook book, Instrument instrument, int buy, int sell, long nowNs, long maxQuantity,
        out ArbOpportunity opportunity)
    {
        opportunity = default;
        if (buy == sell) return false;
        if (book.Check(buy, nowNs, out var buyBook) != VenueExclusion.None) return false;
        if (book.Check(sell, nowNs, out var sellBook) != VenueExclusion.None) return false;
        var asks = buyBook!.Asks;
        var bids = sellBook!.Bids;
        if (asks.IsEmpty || bids.IsEmpty) return false;
        var buyFee = book.FeesAt(buy);
        var sellFee = book.FeesAt(sell);
        bool inverse = instrument.IsInverse;
        if (!MarginalProfits(asks.Best.Price, bids.Best.Price, buyFee, sellFee, inverse)) return false;

        int ps = instrument.PriceScale, qs = instrument.QuantityScale;
        int i = 0, j = 0;
        long remAsk = asks.At(0).Size, remBid = bids.At(0).Size;
        long quantity = 0, worstBuy = 0, worstSell = 0;
        Int128 profit = 0, notional = 0;
        while (i < asks.Count && j < bids.Count)
        {
            long a = asks.At(i).Price, b = bids.At(j).Price;
            if (!MarginalProfits(a, b, buyFee, sellFee, inverse)) break;
            long q = Math.Min(remAsk, remBid);
            if (maxQuantity > 0) q = Math.Min(q, maxQuantity - quantity);
            if (q <= 0) break;
            quantity += q;
            worstBuy = a;
            worstSell = b;
            if (!inverse)
            {
                // q × (b(1−fb) − a(1+fa)); scale: qs + ps + 6 (ppm).
                profit += (Int128)q * ((Int128)b * (FeeSchedule.PpmDenominator - sellFee.TakerPpm) - (Int128)a * (FeeSchedule.PpmDenominator + buyFee.TakerPpm));
                notional += (Int128)q * a;
            }
            else
            {
                profit += InverseLegProfit(q, a, b, buyFee, sellFee, instrument);
                notional += (Int128)q * instrument.ContractValue;
            }
            remAsk -= q;
            remBid -= q;
            if (remAsk == 0 && ++i < asks.Count) remAsk = asks.At(i).Size;
            if (remBid == 0 && ++j < bids.Count) remBid = bids.At(j).Size;
        }
        if (quantity == 0) return false;

        long top = asks.Best.Price, topBid = bids.Best.Price;
        opportunity = new ArbOpportunity
        {
            BuyVenue = book.VenueAt(buy),
            SellVenue = book.VenueAt(sell),
            Instrument = instrument.Id,
            BuyPrice = top,
            SellPrice = topBid,
            WorstBuyPrice = worstBuy,
            WorstSellPrice = worstSell,
            Quantity = quantity,
            EdgeCentiBps = EdgeCentiBps(top, topBid, buyFee, sellFee, inverse),
            NetProfit = inverse ? (long)profit : (long)Rescale(profit, qs + ps + 6, ProfitScale),
            Notional = inverse ? (long)(notional * Pow10(ProfitScale - qs < 0 ? 0 : ProfitScale - qs)) : (long)Rescale(notional, qs + ps, ProfitScale),
            DetectedAtNs = nowNs,
        };
        return true;
    }

    /// <summary>
    /// True when one more unit bought at <paramref name="ask"/> and sold at <paramref name="bid"/> gains after fees.
    /// Linear: b(1−fb) &gt; a(1+fa). Inverse: the fee is charged on each leg's coin value N/a and N/b, so the coin
    /// P&amp;L N((1−fa)/a − (1+fb)/b) is positive when b(1−fa) &gt; a(1+fb).
    /// </summary>
    // Math.BigMul: one 64×64→128 multiply each side (an Int128 product of two widened longs is a library call).
    public static bool MarginalProfits(long ask, long bid, FeeSchedule buyFee, FeeSchedule sellFee, bool inverse) => inverse
        ? Math.BigMul(bid, FeeSchedule.PpmDenominator - buyFee.TakerPpm) > Math.BigMul(ask, FeeSchedule.PpmDenominator + sellFee.TakerPpm)
        : Math.BigMul(bid, FeeSchedule.PpmDenominator - sellFee.TakerPpm) > Math.BigMul(ask, FeeSchedule.PpmDenominator + buyFee.TakerPpm);

    /// <summary>Top-of-book edge net of both fees, in hundredths of a basis point (negative when fees eat it).</summary>
    public static long EdgeCentiBps(long ask, long bid, FeeSchedule buyFee, FeeSchedule sellFee, bool inverse)
    {
        const long M = FeeSchedule.PpmDenominator;
        // Linear: (b(1−fb) − a(1+fa)) / (a(1+fa)). Inverse (per coin of notional): (b(1−fa) − a(1+fb)) / b.
        Int128 num = inverse
            ? (Int128)bid * (M - buyFee.TakerPpm) - (Int128)ask * (M + sellFee.TakerPpm)
            : (Int128)bid * (M - sellFee.TakerPpm) - (Int128)ask * (M + buyFee.TakerPpm);
        Int128 den = inverse ? (Int128)bid * M : (Int128)ask * (M + buyFee.TakerPpm);
        return (long)(num * 1_000_000 / den);
    }

    /// <summary>Coin P&amp;L × 10^8 of q inverse contracts bought at a and sold at b with both taker fees.</summary>
    private static Int128 InverseLegProfit(long q, long a, long b, FeeSchedule buyFee, FeeSchedule sellFee, Instrument instrument)
    {
        const long M = FeeSchedule.PpmDenominator;
        int ps = instrument.PriceScale, qs = instrument.QuantityScale;
        // Face value in USD × 10^qs = q × cv. Coin value of the face at price p (mantissa P, scale ps) = face / (P / 10^ps).
        // Result scale 10^8: q·cv·10^(ps+8−qs)·(M−fa)/(a·M) − q·cv·10^(ps+8−qs)·(M+fb)/(b·M).
        Int128 face = (Int128)q * instrument.ContractValue * Pow10(ps + ProfitScale) / Pow10(qs);
        Int128 longLeg = face * (M - buyFee.TakerPpm) / ((Int128)a * M);
        Int128 shortLeg = face * (M + sellFee.TakerPpm) / ((Int128)b * M);
        return longLeg - shortLeg;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Pow10(int n) => FixedPoint.Pow10Wide(n);

    private static Int128 Rescale(Int128 value, int fromScale, int toScale) =>
        fromScale >= toScale ? value / Pow10(fromScale - toScale) : value * Pow10(toScale - fromScale);
}
