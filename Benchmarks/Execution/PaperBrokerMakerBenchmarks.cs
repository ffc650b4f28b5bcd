using BenchmarkDotNet.Attributes;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Execution;

/// <summary>
/// Cost per market event of the paper broker's resting maker orders (<see cref="PaperBroker.OnMarketEvent"/>) with
/// <see cref="RestingOrders"/> post-only bids resting on one book: a public trade that fills none of them (a buy at the ask),
/// and the end of a book message (sync, crossing and queue checks of each order). 0 resting orders is the baseline (the
/// decision engine does not call the broker then). The setup cross-checks that the events fill and cancel nothing and that
/// a sale through the bids fills every order.
/// </summary>
[Config(typeof(BenchConfig))]
public class PaperBrokerMakerBenchmarks
{
    private const int Events = 1_000;
    private readonly InstrumentRegistry _registry = new();
    private PaperBroker _broker = null!;
    private MarketEvent[] _trades = [];
    private MarketEvent[] _bookEnds = [];

    [Params(0, 8, 64)]
    public int RestingOrders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var venue = VenueNames.Register(1, "binance");
        var btc = _registry.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, priceScale: 2, quantityScale: 8).Id;
        var book = new OrderBook(venue, btc) { IsSynced = true, LastReceiveTimeNs = 1 };
        for (int k = 0; k < 100; k++)
        {
            book.Set(Side.Bid, 6_000_000 - k, 100_000_000);
            book.Set(Side.Ask, 6_000_100 + k, 100_000_000);
        }
        _broker = NewBroker(venue, btc, book, RestingOrders);
        _trades = new MarketEvent[Events];
        _bookEnds = new MarketEvent[Events];
        for (int i = 0; i < Events; i++)
        {
            _trades[i] = new MarketEvent { Kind = MarketEventKind.Trade, Venue = venue, Instrument = btc, Price = 6_000_100, Size = 1_000, Side = Side.Bid, ReceiveTimeNs = 10 + i };
            _bookEnds[i] = new MarketEvent { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = btc, Flags = MarketEventFlags.EndOfMessage, ReceiveTimeNs = 10 + i };
        }

        // Cross-check: the measured events change nothing; a sale through every bid then fills every order.
        var check = NewBroker(venue, btc, book, RestingOrders);
        int changes = 0;
        foreach (var e in _trades) changes += check.OnMarketEvent(e);
        foreach (var e in _bookEnds) changes += check.OnMarketEvent(e);
        if (changes != 0 || check.RestingCount != RestingOrders) throw new InvalidOperationException("the measured events must not fill or cancel");
        var through = new MarketEvent { Kind = MarketEventKind.Trade, Venue = venue, Instrument = btc, Price = 5_000_000, Size = 1, Side = Side.Ask, ReceiveTimeNs = 10 + Events };
        check.OnMarketEvent(through);
        if (check.RestingCount != 0 || check.MakerFillCount != RestingOrders) throw new InvalidOperationException("a trade through the bids must fill every order");
    }

    private PaperBroker NewBroker(VenueId venue, InstrumentId btc, OrderBook book, int orders)
    {
        var broker = new PaperBroker(_registry, new PaperBrokerOptions { MaxRestingOrders = 64, MakerMaxRestNs = long.MaxValue / 2, MaxQuoteAgeNs = 0 });
        broker.SetMakerFee(venue, -250);
        for (int k = 0; k < orders; k++)
        {
            var intent = new OrderIntent
            {
                IntentId = k + 1, Venue = venue, Instrument = btc, Side = OrderSide.Buy, OrderType = OrderType.PostOnly,
                LimitPrice = 6_000_000 - k, Quantity = 1_000_000, CreatedTimeNs = 1, ClientOrderId = ClientOrderId.FromInt64(k + 1),
            };
            if (broker.Execute(intent, book).Status != ExecutionStatus.Resting) throw new InvalidOperationException("setup order did not rest");
        }
        return broker;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int Trade()
    {
        int n = 0;
        var trades = _trades;
        for (int i = 0; i < trades.Length; i++) n += _broker.OnMarketEvent(trades[i]);
        return n;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int BookMessageEnd()
    {
        int n = 0;
        var ends = _bookEnds;
        for (int i = 0; i < ends.Length; i++) n += _broker.OnMarketEvent(ends[i]);
        return n;
    }
}
