using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Capture.Normalized;
using FastEngine.Model;
using FastEngine.Routing;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Engine.Capture.Normalized;

public class TardisNormalizedReaderTests
{
    private readonly ITestOutputHelper _output;
    private const string SharedFile = "bitmex-xbtusd_deribit-btc-perpetual_2019-04-01_0000-0001.tardis-normalized.jsonl";
    // 2019-04-01T00:00:00Z = 17,987 days after 1970-01-01 (49 years incl. 12 leap days = 17,897, + Jan–Mar 2019 = 90) × 86,400 s.
    private const long April1st2019Ns = 1_554_076_800L * 1_000_000_000;

    private readonly InstrumentRegistry _registry = new();
    private readonly TardisFeed _feed;
    private readonly Instrument _perp;

    public TardisNormalizedReaderTests(ITestOutputHelper output)
    {
        _output = output;
        _feed = TardisFeed.ForBitmexDeribit(_registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _perp);
    }

    private bool Read(string line, MarketEventBatch batch, out NormalizedRejectReason reason) =>
        new TardisNormalizedReader(Encoding.UTF8.GetBytes(line), _feed).TryRead(batch, out reason);

    [Fact]
    public void ForBitmexDeribit_RegistersOneInverseCanonicalPerpetual()
    {
        Assert.Equal("BTC-USD-PERP", _perp.Canonical);
        Assert.True(_perp.IsInverse);
        Assert.Equal((2, 0, 1L), (_perp.PriceScale, _perp.QuantityScale, _perp.ContractValue));
        Assert.True(_registry.TryGet(VenueCatalog.BitMex, "XBTUSD"u8, out var a));
        Assert.True(_registry.TryGet(VenueCatalog.Deribit, "BTC-PERPETUAL"u8, out var b));
        Assert.Equal(_perp.Id, a);
        Assert.Equal(_perp.Id, b);
    }

    /// <summary>Line 2 of the capture: one Deribit ask 4093.25 × 42,750 USD; receive .336181, exchange .189.</summary>
    [Fact]
    public void TryRead_DeribitBookChange_HeaderThenLevelWithEndOfMessage()
    {
        var batch = new MarketEventBatch();
        Assert.True(Read("""{"asks":[{"amount":42750,"price":4093.25}],"bids":[],"exchange":"deribit","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.336181Z","symbol":"BTC-PERPETUAL","timestamp":"2019-04-01T00:00:00.189Z","type":"book_change"}""", batch, out _));
        Assert.Equal(2, batch.Count);
        var h = batch[0];
        Assert.Equal(MarketEventKind.BookHeader, h.Kind);
        Assert.False(h.IsSnapshot);
        Assert.False(h.IsEndOfMessage);
        Assert.Equal(VenueCatalog.Deribit, h.Venue);
        Assert.Equal(April1st2019Ns + 336_181_000, h.ReceiveTimeNs);
        Assert.Equal(April1st2019Ns + 189_000_000, h.ExchangeTimeNs);
        var l = batch[1];
        Assert.Equal((MarketEventKind.BookLevel, Side.Ask, 409_325L, 42_750L, true), (l.Kind, l.Side, l.Price, l.Size, l.IsEndOfMessage));
    }

    /// <summary>BitMEX book_change has no exchange time (its timestamp is the receive time): ExchangeTimeNs = 0. Amount 0 removes.</summary>
    [Fact]
    public void TryRead_BitmexBookChange_NoExchangeTimeAndRemoval()
    {
        var batch = new MarketEventBatch();
        Assert.True(Read("""{"asks":[],"bids":[{"amount":0,"price":4091.5},{"amount":1200,"price":4091}],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:03.000001Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:03.000001Z","type":"book_change"}""", batch, out _));
        Assert.Equal(3, batch.Count);
        Assert.Equal(0, batch[0].ExchangeTimeNs);
        Assert.Equal(April1st2019Ns + 3_000_001_000, batch[0].ReceiveTimeNs);
        Assert.Equal((Side.Bid, 409_150L, 0L), (batch[1].Side, batch[1].Price, batch[1].Size));
        Assert.True(batch[2].IsEndOfMessage);
        Assert.False(batch[1].IsEndOfMessage);
    }

    /// <summary>The capture's first BitMEX trade: sell (seller-aggressor) 8,612 USD at 4,091; exchange 00:00:04.778, received 00:00:08.739787.</summary>
    [Fact]
    public void TryRead_TradeLine_OneTradeEvent()
    {
        var batch = new MarketEventBatch();
        Assert.True(Read("""{"amount":8612,"exchange":"bitmex","id":"8d5b9e20-3f2a-a962-d586-b7992a6cb633","localTimestamp":"2019-04-01T00:00:08.739787Z","price":4091,"side":"sell","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:04.778Z","type":"trade"}""", batch, out _));
        var t = Assert.Single(batch.Events.ToArray());
        Assert.Equal((MarketEventKind.Trade, Side.Ask, 409_100L, 8_612L, true), (t.Kind, t.Side, t.Price, t.Size, t.IsEndOfMessage));
        Assert.Equal(April1st2019Ns + 4_778_000_000, t.ExchangeTimeNs);
        Assert.Equal(April1st2019Ns + 8_739_787_000, t.ReceiveTimeNs);
        Assert.NotEqual(0, t.Sequence);
        Assert.True(Read("""{"amount":10,"exchange":"deribit","id":"18437163","localTimestamp":"2019-04-01T00:00:09.000000Z","price":4093,"side":"buy","symbol":"BTC-PERPETUAL","timestamp":"2019-04-01T00:00:08.990Z","type":"trade"}""", batch, out _));
        Assert.Equal((18_437_163L, Side.Bid), (batch[1].Sequence, batch[1].Side));
    }

    /// <summary>A snapshot larger than the reader's initial level scratch (1,024 levels): every level comes out, asks then bids
    /// in line order (as the keys are alphabetical), each with its own price and amount.</summary>
    [Fact]
    public void TryRead_SnapshotOf3000Levels_EveryLevelInLineOrder()
    {
        var line = new StringBuilder("""{"asks":[""");
        for (int i = 0; i < 1500; i++) line.Append(i == 0 ? "" : ",").Append($$"""{"amount":{{i + 1}},"price":{{5000 + i}}.25}""");
        line.Append("""],"bids":[""");
        for (int i = 0; i < 1500; i++) line.Append(i == 0 ? "" : ",").Append($$"""{"price":{{4999 - i}}.5,"amount":{{10 * (i + 1)}}}""");
        line.Append("""],"exchange":"deribit","isSnapshot":true,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"BTC-PERPETUAL","timestamp":"2019-04-01T00:00:00.05Z","type":"book_change"}""");
        var batch = new MarketEventBatch();
        Assert.True(Read(line.ToString(), batch, out _));
        Assert.Equal(3001, batch.Count);
        Assert.True((batch[0].Flags & MarketEventFlags.Snapshot) != 0);
        for (int i = 0; i < 1500; i++)
        {
            Assert.Equal((Side.Ask, (5000L + i) * 100 + 25, i + 1L), (batch[1 + i].Side, batch[1 + i].Price, batch[1 + i].Size));
            Assert.Equal((Side.Bid, (4999L - i) * 100 + 50, 10L * (i + 1)), (batch[1501 + i].Side, batch[1501 + i].Price, batch[1501 + i].Size));
        }
        Assert.True(batch[3000].IsEndOfMessage);
        Assert.False(batch[2999].IsEndOfMessage);
    }

    [Theory]
    [InlineData("""{"asks":[],"bids":[],"exchange":"kraken","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.UnknownExchange)]
    [InlineData("""{"asks":[],"bids":[],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"ETHUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.UnknownSymbol)]
    [InlineData("""{"asks":[{"amount":1,"price":4092.125}],"bids":[],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.BadNumber)]
    [InlineData("""{"asks":[{"amount":1,"price":4092.5}],"bids":[],"exchange":"bitmex","isSnap""", NormalizedRejectReason.InvalidJson)]
    [InlineData("""{"exchange":"bitmex","localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","type":"quote"}""", NormalizedRejectReason.UnknownType)]
    [InlineData("""{"asks":[],"bids":[],"exchange":"bitmex","isSnapshot":false,"symbol":"XBTUSD","type":"book_change"}""", NormalizedRejectReason.MissingField)]
    [InlineData("""{"asks":[],"bids":[],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-02-30T00:00:00Z","symbol":"XBTUSD","type":"book_change"}""", NormalizedRejectReason.BadTimestamp)]
    [InlineData("""{"amount":1,"exchange":"bitmex","id":"x","localTimestamp":"2019-04-01T00:00:00Z","price":4091,"side":"both","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00Z","type":"trade"}""", NormalizedRejectReason.BadSide)]
    [InlineData("""[1,2,3]""", NormalizedRejectReason.InvalidJson)]
    [InlineData("""{"asks":[{"amount":1}],"bids":[],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.MissingField)]
    [InlineData("""{"asks":[{"amount":1,"price":4092.125},{"amount":1}],"bids":[],"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.BadNumber)]
    [InlineData("""{"asks":[{"amount":1,"price":4092.5}],"bids":5,"exchange":"bitmex","isSnapshot":false,"localTimestamp":"2019-04-01T00:00:00.1Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:00.1Z","type":"book_change"}""", NormalizedRejectReason.InvalidJson)]
    public void TryRead_BadLine_RejectedCountedNothingAdded(string line, NormalizedRejectReason expected)
    {
        var batch = new MarketEventBatch();
        batch.Add();   // an earlier message's event must survive
        Assert.False(Read(line, batch, out var reason));
        Assert.Equal(expected, reason);
        Assert.Equal(1, batch.Count);
        Assert.Equal(1, _feed.RejectedBy(expected));
    }

    /// <summary>
    /// The fixture (first 66 lines: Deribit's snapshot of 642 bids / 356 asks and 65 changes) rebuilt through the reader and
    /// <see cref="BookKeeper"/> equals, after every line, a book rebuilt independently with System.Text.Json and decimals.
    /// </summary>
    [Fact]
    public void Fixture_DeribitHead_BookEqualsIndependentRebuild()
    {
        var lines = Fixture.Lines("Multi", "bitmex-deribit_2019-04-01_head66.tardis-normalized.jsonl");
        Assert.Equal(66, lines.Length);
        var keeper = new BookKeeper(_registry);
        var reference = new Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)>();
        var batch = new MarketEventBatch();
        int compared = 0;
        foreach (var line in lines)
        {
            batch.Clear();
            Assert.True(Read(line, batch, out var reason), reason.ToString());
            foreach (ref var e in batch.Events) keeper.OnEvent(ref e);
            var venue = ApplyReference(line, reference);
            var book = keeper.TryGetBook(venue == "bitmex" ? VenueCatalog.BitMex : VenueCatalog.Deribit, _perp.Id)!;
            var (bids, asks) = reference[venue];
            Assert.Equal(bids.Count, book.Bids.Count);
            Assert.Equal(asks.Count, book.Asks.Count);
            Assert.Equal(bids.Keys.Max(), book.Bids.Best.Price / 100m);
            Assert.Equal(asks.Keys.Min(), book.Asks.Best.Price / 100m);
            Assert.Equal(asks[asks.Keys.Min()], book.Asks.Best.Size);
            compared++;
        }
        Assert.Equal(66, compared);
        Assert.Equal(0, _feed.Rejected);
    }

    /// <summary>
    /// The whole T capture (skipped without ../shared). Books rebuilt from it: in all 7,423 states where both books are live
    /// (README), Deribit's best bid is above BitMEX's best ask, by 0.75 to 2.75 USD; <see cref="CrossVenueArbitrage"/> (buy
    /// BitMEX, sell Deribit, inverse) finds an opportunity in every one of them before fees.
    /// After fees it finds none. Hand verdict: both venues charged a 7.5 bps taker fee on perpetuals in 2019 (BitMEX: "the
    /// BitMEX Taker Fee has been lowered from 7.5bps (0.075%) to 5bps" — blog.bitmex.com, fee revamp announcement; Deribit
    /// perpetual: "order that take liquidity are charged a fee of 0.075%" — coinworldstory.com/deribit-com, citing Deribit's
    /// schedule of the time). An inverse round trip needs bid/ask &gt; (1 + 0.00075)/(1 − 0.00075) ≈ 1.0015, i.e. ≈ 15 bps;
    /// the widest cross is 2.75 USD on ≈ 4,090 USD ≈ 6.7 bps (the narrowest 0.75 / 4,100 ≈ 1.8 bps), so none survives.
    /// </summary>
    [Fact]
    public void SharedCapture_TwoBookStates_DeribitBidAboveBitmexAsk_ArbitrageBeforeFeesOnly()
    {
        var path = SharedPath();
        if (path is null) return;
        var keeper = new BookKeeper(_registry);
        var free = new ConsolidatedBook(keeper, _perp.Id, [(VenueCatalog.BitMex, default(FeeSchedule)), (VenueCatalog.Deribit, default(FeeSchedule))], long.MaxValue);
        var fee = FeeSchedule.FromBps(-2.5, 7.5);
        var taxed = new ConsolidatedBook(keeper, _perp.Id, [(VenueCatalog.BitMex, fee), (VenueCatalog.Deribit, fee)], long.MaxValue);
        var batch = new MarketEventBatch(16_384);
        var tracker = new OpportunityTracker(new ArbitrageThresholds(MaxQuoteAgeNs: long.MaxValue));
        int lines = 0, states = 0, crossed = 0, beforeFees = 0, afterFees = 0;
        long minCross = long.MaxValue, maxCross = long.MinValue;
        long lastReceive = long.MinValue;
        foreach (var line in File.ReadLines(path))
        {
            lines++;
            batch.Clear();
            Assert.True(Read(line, batch, out var reason), $"line {lines}: {reason}");
            Assert.True(batch[0].ReceiveTimeNs >= lastReceive, "localTimestamp must not decrease");
            lastReceive = batch[0].ReceiveTimeNs;
            foreach (ref var e in batch.Events) keeper.OnEvent(ref e);
            if (batch[0].Kind != MarketEventKind.BookHeader) continue;
            var bitmex = keeper.TryGetBook(VenueCatalog.BitMex, _perp.Id);
            var deribit = keeper.TryGetBook(VenueCatalog.Deribit, _perp.Id);
            if (bitmex is not { IsSynced: true } || deribit is not { IsSynced: true }) continue;
            states++;
            long cross = deribit.Bids.Best.Price - bitmex.Asks.Best.Price;
            if (cross > 0) crossed++;
            minCross = Math.Min(minCross, cross);
            maxCross = Math.Max(maxCross, cross);
            if (CrossVenueArbitrage.TryEvaluate(free, _perp, 0, 1, lastReceive, 0, out var opp))
            {
                beforeFees++;
                Assert.True(opp.NetProfit > 0);
            }
            if (CrossVenueArbitrage.TryEvaluate(taxed, _perp, 0, 1, lastReceive, 0, out _)) afterFees++;
            tracker.Scan(free, _perp, lastReceive);
        }
        // Before fees the opportunity never disappears: one life from the first two-book state (BitMEX snapshot,
        // 00:00:02.680358) to the last line (00:00:59.908243), observed in every state.
        tracker.CloseAll(lastReceive);
        Assert.Equal(1, tracker.Opened);
        var life = tracker.ClosedAt(0);
        Assert.Equal((VenueCatalog.BitMex, VenueCatalog.Deribit, 7_423), (life.BuyVenue, life.SellVenue, life.Observations));
        Assert.Equal(59_908_243_000 - 2_680_358_000, life.ObservedNs);
        Assert.Equal(8_254, lines);
        Assert.Equal(0, _feed.OutOfOrder);
        Assert.Equal(765, _feed.Trades);                 // 757 BitMEX + 8 Deribit
        Assert.Equal(3_719 + 3_770, _feed.BookMessages); // snapshot + updates per venue (README)
        Assert.Equal(7_423, states);
        Assert.Equal(7_423, crossed);
        Assert.Equal((75L, 275L), (minCross, maxCross)); // 0.75 and 2.75 USD at price scale 2
        Assert.Equal(7_423, beforeFees);
        Assert.Equal(0, afterFees);
        Assert.Equal(0, keeper.StatsOf(VenueCatalog.BitMex).Crossed + keeper.StatsOf(VenueCatalog.Deribit).Crossed);
    }

    private string? SharedPath()
    {
        var shared = Fixture.SharedDirectory();
        var path = shared is null ? null : Path.Combine(shared, "captures", "multi", SharedFile);
        if (path is null || !File.Exists(path))
        {
            _output.WriteLine($"SKIPPED: {SharedFile} not found (needs ../shared/captures/multi next to the repository)");
            return null;
        }
        return path;
    }

    private static string ApplyReference(string line, Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)> books)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        string venue = root.GetProperty("exchange").GetString()!;
        if (root.GetProperty("type").GetString() != "book_change") return venue;
        if (root.GetProperty("isSnapshot").GetBoolean() || !books.ContainsKey(venue)) books[venue] = (new(), new());
        var (bids, asks) = books[venue];
        foreach (var (name, side) in new[] { ("bids", bids), ("asks", asks) })
        {
            foreach (var level in root.GetProperty(name).EnumerateArray())
            {
                decimal price = level.GetProperty("price").GetDecimal(), amount = level.GetProperty("amount").GetDecimal();
                if (amount == 0) side.Remove(price);
                else side[price] = amount;
            }
        }
        return venue;
    }
}
