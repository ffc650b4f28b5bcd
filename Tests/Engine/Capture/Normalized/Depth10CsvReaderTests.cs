using System.Globalization;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Capture.Normalized;
using FastEngine.Model;
using FastEngine.Routing;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Engine.Capture.Normalized;

public class Depth10CsvReaderTests
{
    private readonly ITestOutputHelper _output;
    private const string BinanceFile = "binance_linkusdt_2021-08-20_00h.depth10-1s.csv";
    private const string HuobiFile = "huobi_linkusdt_2021-08-20_00h.depth10-1s.csv";
    // 2021-08-20T00:00:00Z: 18,859 days after 1970-01-01 × 86,400 s.
    private const long August20th2021Ns = 1_629_417_600L * 1_000_000_000;
    private const string FirstBinanceRow = "2021-08-20 00:00:00,LINKUSDT.BNC,27.095,27.088,27.085,27.083,27.082,27.081,27.079,27.078,27.077,27.076,988.45,215.284,195.0,40.0,34.442,73.42,108.254,480.74,218.218,354.909,27.101,27.105,27.106,27.107,27.108,27.109,27.11,27.111,27.112,27.113,21.079,163.422,25.909,190.0,19.252,107.023,5.962,93.62,14.277,180.377";

    private readonly InstrumentRegistry _registry = new();
    // LINK-USDT: Binance prices have 3 decimals, Huobi 4 → price scale 4; sizes 3 and 2 decimals (plus Huobi float artifacts) → scale 8.
    private readonly Instrument _link;

    public Depth10CsvReaderTests(ITestOutputHelper output)
    {
        _output = output;
        _link = _registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 8);
    }

    private bool Read(string row, VenueId venue, MarketEventBatch batch, out NormalizedRejectReason reason, out int truncated) =>
        new Depth10CsvReader(Encoding.UTF8.GetBytes(row)).TryRead(venue, _link, batch, out reason, out truncated);

    /// <summary>Row 1 of the Binance file: 21 events; best bid 27.095 × 988.45, best ask 27.101 × 21.079, tenth ask 27.113 × 180.377.</summary>
    [Fact]
    public void TryRead_BinanceFirstRow_SnapshotOfTwentyLevels()
    {
        var batch = new MarketEventBatch();
        Assert.True(Read(FirstBinanceRow, VenueCatalog.Binance, batch, out _, out int truncated));
        Assert.Equal(0, truncated);
        Assert.Equal(21, batch.Count);
        Assert.Equal(MarketEventKind.BookHeader, batch[0].Kind);
        Assert.True(batch[0].IsSnapshot);
        Assert.Equal(August20th2021Ns, batch[0].ReceiveTimeNs);
        Assert.Equal((Side.Bid, 270_950L, 988_45000000L), (batch[1].Side, batch[1].Price, batch[1].Size));
        Assert.Equal((Side.Ask, 271_010L, 21_07900000L), (batch[11].Side, batch[11].Price, batch[11].Size));
        Assert.Equal((Side.Ask, 271_130L, 180_37700000L, true), (batch[20].Side, batch[20].Price, batch[20].Size, batch[20].IsEndOfMessage));
        Assert.False(batch[19].IsEndOfMessage);
    }

    /// <summary>Huobi writes some sizes as float artifacts (26.88178831780013): cut to 8 decimals (26.88178831) and reported.</summary>
    [Fact]
    public void TryRead_FloatArtifactSize_TruncatedAndReported()
    {
        var row = FirstBinanceRow.Replace(",988.45,", ",26.88178831780013,");
        var batch = new MarketEventBatch();
        Assert.True(Read(row, VenueCatalog.Htx, batch, out _, out int truncated));
        Assert.Equal(1, truncated);
        Assert.Equal(26_88178831L, batch[1].Size);
    }

    [Theory]
    [InlineData("timestamp,symbol,b1", NormalizedRejectReason.Header)]
    [InlineData("", NormalizedRejectReason.Empty)]
    [InlineData("2021-08-20 00:00:00,LINKUSDT.BNC,27.095", NormalizedRejectReason.ColumnCount)]
    public void TryRead_BadRow_Rejected(string row, NormalizedRejectReason expected)
    {
        var batch = new MarketEventBatch();
        Assert.False(Read(row, VenueCatalog.Binance, batch, out var reason, out _));
        Assert.Equal(expected, reason);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void TryRead_BadNumbers_RejectedNothingAdded()
    {
        var batch = new MarketEventBatch();
        Assert.False(Read(FirstBinanceRow.Replace(",27.095,", ",27.09512,"), VenueCatalog.Binance, batch, out var reason, out _)); // 5 decimals > scale 4
        Assert.Equal(NormalizedRejectReason.BadNumber, reason);
        Assert.False(Read(FirstBinanceRow.Replace(",27.095,", ",2x.095,"), VenueCatalog.Binance, batch, out reason, out _));
        Assert.Equal(NormalizedRejectReason.BadNumber, reason);
        Assert.False(Read(FirstBinanceRow.Replace("2021-08-20 00:00:00", "2021-08-20 24:00:00"), VenueCatalog.Binance, batch, out reason, out _));
        Assert.Equal(NormalizedRejectReason.BadTimestamp, reason);
        Assert.Equal(0, batch.Count);
    }

    /// <summary>First 60 seconds (fixtures): 11 seconds with Binance bid &gt; Huobi ask, 2 the reverse (counted by decimals below).</summary>
    [Fact]
    public void Fixture_FirstMinute_CrossedSecondsMatchDecimalCount()
    {
        var result = Compare(Fixture.Path("Multi", "binance_linkusdt_2021-08-20_first60s.depth10.csv"),
            Fixture.Path("Multi", "huobi_linkusdt_2021-08-20_first60s.depth10.csv"));
        Assert.Equal(60, result.Rows);
        Assert.Equal((11, 2), (result.BinanceOverHuobi, result.HuobiOverBinance));
        Assert.Equal((0, 0), (result.BinanceOverHuobiAfterFees, result.HuobiOverBinanceAfterFees));
    }

    /// <summary>
    /// The whole hour (skipped without ../shared): README says 659 crossed seconds, 337 Binance bid &gt; Huobi ask and 322 the
    /// reverse; the decimal count and <see cref="CrossVenueArbitrage"/> (zero fees) agree row by row. With 2021 taker fees
    /// (Binance spot 10 bps, Huobi spot 20 bps) a crossed second needs bid × (1 − f_sell) &gt; ask × (1 + f_buy), ≈ 30 bps; the
    /// widest cross of the hour is ≈ 8.0 bps, so none remains — counted independently by decimals and by the detector.
    /// </summary>
    [Fact]
    public void SharedCapture_Hour_659CrossedSeconds_NoneAfterFees()
    {
        var shared = Fixture.SharedDirectory();
        string? binance = shared is null ? null : Path.Combine(shared, "captures", "multi", BinanceFile);
        string? huobi = shared is null ? null : Path.Combine(shared, "captures", "multi", HuobiFile);
        if (binance is null || !File.Exists(binance) || !File.Exists(huobi))
        {
            _output.WriteLine($"SKIPPED: {BinanceFile}/{HuobiFile} not found (needs ../shared/captures/multi next to the repository)");
            return;
        }
        var result = Compare(binance, huobi!);
        Assert.Equal(3_600, result.Rows);
        Assert.Equal((337, 322), (result.BinanceOverHuobi, result.HuobiOverBinance));
        Assert.Equal(659, result.BinanceOverHuobi + result.HuobiOverBinance);
        Assert.Equal((0, 0), (result.BinanceOverHuobiAfterFees, result.HuobiOverBinanceAfterFees));
        Assert.InRange(result.MaxGrossBps, 7.9m, 8.1m);
        _output.WriteLine($"crossed seconds {result.BinanceOverHuobi}+{result.HuobiOverBinance}, after fees 0, widest cross {result.MaxGrossBps:F2} bps");
    }

    private sealed record Comparison(int Rows, int BinanceOverHuobi, int HuobiOverBinance, int BinanceOverHuobiAfterFees, int HuobiOverBinanceAfterFees, decimal MaxGrossBps);

    /// <summary>
    /// Per row: the decimal verdicts straight from the CSV text, and the detector's verdicts on books built by the reader;
    /// they must agree on every row (with and without fees).
    /// </summary>
    private Comparison Compare(string binancePath, string huobiPath)
    {
        var binanceRows = File.ReadAllLines(binancePath).Skip(1).ToArray();
        var huobiRows = File.ReadAllLines(huobiPath).Skip(1).ToArray();
        Assert.Equal(binanceRows.Length, huobiRows.Length);
        var keeper = new BookKeeper(_registry);
        var free = new ConsolidatedBook(keeper, _link.Id, [(VenueCatalog.Binance, default(FeeSchedule)), (VenueCatalog.Htx, default(FeeSchedule))], 0);
        var feeBinance = FeeSchedule.FromBps(10, 10);
        var feeHuobi = FeeSchedule.FromBps(20, 20);
        var taxed = new ConsolidatedBook(keeper, _link.Id, [(VenueCatalog.Binance, feeBinance), (VenueCatalog.Htx, feeHuobi)], 0);
        const decimal fB = 0.001m, fH = 0.002m;
        var batch = new MarketEventBatch();
        int bh = 0, hb = 0, bhFees = 0, hbFees = 0;
        decimal maxBps = 0;
        for (int r = 0; r < binanceRows.Length; r++)
        {
            var b = binanceRows[r].Split(',');
            var h = huobiRows[r].Split(',');
            Assert.Equal(b[0], h[0]);   // same second
            decimal bBid = decimal.Parse(b[2], CultureInfo.InvariantCulture), bAsk = decimal.Parse(b[22], CultureInfo.InvariantCulture);
            decimal hBid = decimal.Parse(h[2], CultureInfo.InvariantCulture), hAsk = decimal.Parse(h[22], CultureInfo.InvariantCulture);
            bool decBh = bBid > hAsk, decHb = hBid > bAsk;
            bool decBhFees = bBid * (1 - fB) > hAsk * (1 + fH), decHbFees = hBid * (1 - fH) > bAsk * (1 + fB);
            maxBps = Math.Max(maxBps, Math.Max((bBid - hAsk) / hAsk, (hBid - bAsk) / bAsk) * 10_000);

            foreach (var (row, venue) in new[] { (binanceRows[r], VenueCatalog.Binance), (huobiRows[r], VenueCatalog.Htx) })
            {
                batch.Clear();
                Assert.True(Read(row, venue, batch, out var reason, out _), $"row {r + 2} {venue}: {reason}");
                foreach (ref var e in batch.Events) keeper.OnEvent(ref e);
            }
            long now = batch[0].ReceiveTimeNs;
            // Index 0 = Binance, 1 = Huobi. "Binance bid > Huobi ask" = buy Huobi (1), sell Binance (0).
            Assert.Equal(decBh, CrossVenueArbitrage.TryEvaluate(free, _link, 1, 0, now, 0, out _));
            Assert.Equal(decHb, CrossVenueArbitrage.TryEvaluate(free, _link, 0, 1, now, 0, out _));
            Assert.Equal(decBhFees, CrossVenueArbitrage.TryEvaluate(taxed, _link, 1, 0, now, 0, out _));
            Assert.Equal(decHbFees, CrossVenueArbitrage.TryEvaluate(taxed, _link, 0, 1, now, 0, out _));
            if (decBh) bh++;
            if (decHb) hb++;
            if (decBhFees) bhFees++;
            if (decHbFees) hbFees++;
        }
        return new Comparison(binanceRows.Length, bh, hb, bhFees, hbFees, maxBps);
    }
}
