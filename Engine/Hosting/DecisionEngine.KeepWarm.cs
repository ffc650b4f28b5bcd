using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastEngine.Arbitrage;
using FastEngine.Books;
using FastEngine.Execution;
using FastEngine.Model;
using FastEngine.Ring;

namespace FastEngine.Hosting;

public sealed partial class DecisionEngine
{
    /// <summary>Steps of one keep-warm dry run (<see cref="KeepWarmStep"/>).</summary>
    public const int KeepWarmSteps = 10;

    // The pair of books the last cross-venue evaluation ran on: what a dry run works on.
    private ConsolidatedBook? _warmBook;
    // State carried between the steps of one dry run (scratch: never read by the real path).
    private OrderIntent _warmBuy, _warmSell;
    private OrderBook? _warmBuyBook, _warmSellBook;
    private long _warmNotional, _warmSink;
    private bool _warmReady;

    /// <summary>Dry runs completed since the engine started.</summary>
    public long KeepWarmRuns { get; private set; }
    /// <summary>Dry runs started (completed, cut short by an arriving event, or with nothing to work on yet).</summary>
    public long KeepWarmStarts { get; private set; }

    /// <summary>
    /// One step of the idle-time dry run of the intent path, on the decision thread while no event is waiting: step 0 picks
    /// the books of the last cross-venue evaluation and evaluates the pair both ways (<see cref="CrossVenueArbitrage.TryEvaluate"/>,
    /// the opportunity tracker's lookup); step 1 sizes a pair of legs at the tops, builds both intents (with the id the next
    /// real intent will get, without taking it) and asks <see cref="RiskEngine.Probe"/>; step 2 runs the journal's
    /// <see cref="OrderIntentJournal.KeepWarm"/> (reference id SHA-256, index lookup, encode and frame into a stack scratch,
    /// fault in the next record's page); steps 3 to 8 compute the reference ids the pair's next intents will have, either way
    /// round (ids n, n + 1, n + 2 at each of the two venues; <see cref="OrderIntentJournal.PrecomputeReferenceId"/>, one
    /// SHA-256 per step, none when already kept), so those intents' journal appends do not hash; step 9 walks the books as
    /// the paper fill would (<see cref="PaperBroker.Probe"/>) and reads the latency histograms' buckets. Returns false when the run is over (then the caller waits
    /// <c>keepWarmMicros</c> before the next). Between steps the caller checks for a waiting event, so a dry run delays a
    /// real event by at most one step.
    /// </summary>
    /// <remarks>Changes no state a decision, the journal's content, a fill or a statistic depends on (tests compare replays
    /// with keep-warm on and off), and allocates nothing. Decision thread only.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool KeepWarmStep(int step)
    {
        switch (step)
        {
            case 0:
                KeepWarmStarts++;
                _warmReady = false;
                var book = _warmBook;
                if (book is null || book.VenueCount < 2) return false;
                var instrument = Registry[book.Instrument];
                long now = _lastEventTimeNs;
                for (int buy = 0; buy < 2; buy++)
                {
                    int sell = 1 - buy;
                    if (CrossVenueArbitrage.TryEvaluate(book, instrument, buy, sell, now, 0, out var o)) _warmSink += o.Quantity;
                    if (Tracker.TryGetOpen(book.VenueAt(buy), book.VenueAt(sell), instrument.Id, out _)) _warmSink++;
                }
                // Whatever the books' state (stale, unsynced): the dry run only needs two books with quotes to size from.
                _warmSink += (int)book.Check(0, now, out var buyBook) + (int)book.Check(1, now, out var sellBook);
                if (buyBook is null || sellBook is null || buyBook.Asks.IsEmpty || sellBook.Bids.IsEmpty) return false;
                _warmBuyBook = buyBook;
                _warmSellBook = sellBook;
                return true;
            case 1:
            {
                var buyBook1 = _warmBuyBook!;
                var instrument1 = Registry[buyBook1.Instrument];
                long now1 = _lastEventTimeNs;
                ref readonly var ask = ref buyBook1.Asks.Best;
                ref readonly var bid = ref _warmSellBook!.Bids.Best;
                long quantity = CapQuantity(instrument1, Math.Min(ask.Size, bid.Size), ask.Price);
                if (quantity <= 0) return false;
                // The id the next real intent will take (not taken): the reference id text has the same shape.
                long id = _nextIntentId;
                _warmBuy = BuildIntent(id, IntentOrigin.CrossVenueArbitrage, instrument1.Id, OrderSide.Buy, quantity, ask.Price, buyBook1.Venue, now1, 0, OrderType.Ioc);
                _warmSell = BuildIntent(id + 1, IntentOrigin.CrossVenueArbitrage, instrument1.Id, OrderSide.Sell, quantity, bid.Price, _warmSellBook.Venue, now1, 0, OrderType.Ioc);
                _warmNotional = NotionalOf(instrument1, quantity, ask.Price);
                long sellNotional = NotionalOf(instrument1, quantity, bid.Price);
                _warmSink += (int)Risk.Probe(RiskIntentOf(_warmBuy, _warmNotional, 0, true, 0), now1);
                _warmSink += (int)Risk.Probe(RiskIntentOf(_warmSell, sellNotional, 0, true, 0), now1);
                _warmReady = true;
                return true;
            }
            case 2:
                if (!_warmReady) return false;
                if (_journal is not null && _journal.KeepWarm(_warmBuy)) _warmSink++;
                else if (_journal is null && ReferenceIds.TryForOrder(_warmBuy.Venue, _warmBuy.ClientOrderId, out var refId)) _warmSink += refId.AsSpan()[0];
                return true;
            case 3: case 4: case 5: case 6: case 7: case 8:
                // The reference ids the next intents of this pair will have, either way round (ids n, n + 1, n + 2 at each
                // venue), hashed now instead of on the intent path; one per step, none when already kept.
                if (!_warmReady) return false;
                if (_journal is not null)
                {
                    int k = step - 3;
                    var venue = (k & 1) == 0 ? _warmBuy.Venue : _warmSell.Venue;
                    _journal.PrecomputeReferenceId(venue, ClientOrderId.FromInt64(_warmBuy.IntentId + (k >> 1)));
                }
                return true;
            case 9:
                if (!_warmReady) return false;
                _warmSink += Broker.Probe(_warmBuy, _warmBuyBook!);
                _warmSink += Broker.Probe(_warmSell, _warmSellBook!);
                long sample = IntentLatency.TotalCount == 0 ? 10_000 : IntentLatency.GetValueAtPercentile(50);
                _warmSink += IntentLatency.GetCountAtValue(sample) + SignalToIntentLatency.GetCountAtValue(sample);
                KeepWarmRuns++;
                return false;
            default:
                return false;
        }
    }

    /// <summary>Runs every step of one dry run at once (tests, benchmarks; the wait strategy interleaves event checks).</summary>
    public void KeepWarm()
    {
        for (int step = 0; KeepWarmStep(step); step++)
        {
        }
    }

    private static OrderIntent BuildIntent(long id, IntentOrigin origin, InstrumentId instrument, OrderSide side, long quantity, long limit, VenueId venue,
        long nowNs, long stampTicks, OrderType type) => new()
    {
        IntentId = id,
        LimitPrice = limit,
        Quantity = quantity,
        CreatedTimeNs = nowNs,
        // The pipeline stamp (Stopwatch ticks) so the intent's latency is measured on one clock.
        TickReceiveTimeNs = stampTicks,
        Venue = venue,
        StrategyId = (ushort)origin,
        Instrument = instrument,
        Side = side,
        OrderType = type,
        Origin = origin,
        ClientOrderId = ClientOrderId.FromInt64(id),
    };
}

/// <summary>
/// The decision stage's wait: busy-spin or yielding as configured, and while no event has arrived for
/// <c>engine.keepWarmMicros</c>, one <see cref="DecisionEngine.KeepWarmStep"/> dry run of the intent path every that many
/// microseconds, checking for a waiting event between its steps, so the next real intent finds its code and data in
/// the caches and TLB instead of taking a cache-cold path after thousands of book-only events.
/// </summary>
/// <remarks>Runs on the consumer thread (the one calling <see cref="WaitFor"/>), which is the decision thread: the dry run
/// touches the engine from its own thread only. Allocation-free. Not blocking (producers never signal it).</remarks>
public sealed class KeepWarmWaitStrategy : IWaitStrategy
{
    private readonly DecisionEngine _engine;
    private readonly bool _yield;
    private readonly long _intervalTicks;

    /// <param name="kind"><see cref="WaitStrategyKind.BusySpin"/> or <see cref="WaitStrategyKind.Yielding"/>.</param>
    public KeepWarmWaitStrategy(DecisionEngine engine, WaitStrategyKind kind, long intervalMicros)
    {
        if (kind is not (WaitStrategyKind.BusySpin or WaitStrategyKind.Yielding))
            throw new ArgumentException($"keep-warm runs with busy-spin or yielding waits, not {WaitStrategyFactory.ToName(kind)}", nameof(kind));
        if (intervalMicros <= 0) throw new ArgumentOutOfRangeException(nameof(intervalMicros), intervalMicros, "allowed: > 0");
        _engine = engine;
        _yield = kind == WaitStrategyKind.Yielding;
        _intervalTicks = Math.Max(1, intervalMicros * Stopwatch.Frequency / 1_000_000);
    }

    public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
    {
        int spins = YieldingWaitStrategy.SpinTries;
        long due = Stopwatch.GetTimestamp() + _intervalTicks;
        int check = 0;
        long available;
        while ((available = dependents.Value) < sequence)
        {
            if (barrier.IsAlerted)
                return SequenceWaitResult.Alerted;
            // The clock is read every 64th check only: a busy-spin wake-up stays one cache-line transfer.
            if ((++check & 63) == 0 && Stopwatch.GetTimestamp() >= due)
            {
                for (int step = 0; _engine.KeepWarmStep(step); step++)
                    if (dependents.Value >= sequence || barrier.IsAlerted) break;
                due = Stopwatch.GetTimestamp() + _intervalTicks;
                spins = YieldingWaitStrategy.SpinTries;
                continue;
            }
            if (!_yield) continue;
            if (spins > 0)
            {
                spins--;
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
                check |= 63;   // after a yield (the thread may have been away for a while) look at the clock at once
            }
        }
        return available;
    }

    public void SignalAllWhenBlocking()
    {
    }

    public bool IsBlockingStrategy => false;
}
