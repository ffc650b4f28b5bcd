namespace FastEngine.Routing;

/// <summary>
/// A venue's trading fees for the account's tier, in parts per million of notional (10 bps = 1,000 ppm; a maker
/// rebate is negative). Integer math only: <see cref="BuyCost"/> rounds up and <see cref="SellProceeds"/> rounds down,
/// so a fee-adjusted edge is never overstated.
/// </summary>
public readonly record struct FeeSchedule(int MakerPpm, int TakerPpm)
{
    public const long PpmDenominator = 1_000_000;

    public static FeeSchedule FromBps(double makerBps, double takerBps) =>
        new((int)Math.Round(makerBps * 100), (int)Math.Round(takerBps * 100));

    /// <summary>Price paid per unit when buying at <paramref name="price"/> as a taker: price × (1 + taker), rounded up.</summary>
    public long BuyCost(long price) => MulDivCeil(price, PpmDenominator + TakerPpm, PpmDenominator);

    /// <summary>Price received per unit when selling at <paramref name="price"/> as a taker: price × (1 − taker), rounded down.</summary>
    public long SellProceeds(long price) => MulDivFloor(price, PpmDenominator - TakerPpm, PpmDenominator);

    public static long MulDivFloor(long a, long b, long d)
    {
        Int128 p = (Int128)a * b;
        Int128 q = p / d;
        if (p % d != 0 && (p < 0) != (d < 0)) q -= 1;
        return (long)q;
    }

    public static long MulDivCeil(long a, long b, long d)
    {
        Int128 p = (Int128)a * b;
        Int128 q = p / d;
        if (p % d != 0 && (p < 0) == (d < 0)) q += 1;
        return (long)q;
    }
}
