using BenchmarkDotNet.Attributes;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Execution;

/// <summary>
/// Appends per second of <see cref="OrderIntentJournal.TryAppend"/> under each <see cref="FsyncPolicy"/> (the reference is
/// <see cref="FsyncPolicy.Never"/>: one positional write per record, no fsync; ratios are taken against it in the same run). Each iteration appends <see cref="Batch"/> distinct
/// intents to a fresh journal file on the working directory's file system (run it from a disk, not tmpfs, so fsync is
/// real). The setup cross-checks that every append lands, duplicates are refused and recovery reads all back.
/// </summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    private const int Batch = 10_000;
    private readonly OrderIntent[] _intents = new OrderIntent[Batch];
    private string _dir = "";
    private OrderIntentJournal? _journal;
    private int _iteration;

    [Params(FsyncPolicy.Never, FsyncPolicy.EveryN, FsyncPolicy.Interval, FsyncPolicy.EveryRecord)]
    public FsyncPolicy Policy { get; set; }

    private JournalOptions Options => new()
    {
        FsyncPolicy = Policy,
        FsyncEveryN = 64,
        FsyncIntervalNs = 1_000_000, // 1 ms
        ExpectedIntents = Batch * 2,
    };

    [GlobalSetup]
    public void Setup()
    {
        var venue = VenueNames.Register(1, "binance");
        for (int i = 0; i < Batch; i++)
        {
            _intents[i] = new OrderIntent
            {
                IntentId = i,
                Venue = venue,
                Instrument = new InstrumentId(0),
                Side = (i & 1) == 0 ? OrderSide.Buy : OrderSide.Sell,
                OrderType = OrderType.Ioc,
                LimitPrice = 6_000_000_000 + i,
                Quantity = 1_000,
                CreatedTimeNs = EngineClock.NowUnixNs(),
                ClientOrderId = ClientOrderId.FromInt64(1_000_000 + i),
                Origin = IntentOrigin.CrossVenueArbitrage,
            };
        }
        _dir = Path.Combine(Directory.GetCurrentDirectory(), "journal-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);

        // Cross-check before measuring: every append lands, every duplicate is refused, recovery reads them all back.
        string check = Path.Combine(_dir, "check.bin");
        using (var journal = OrderIntentJournal.Open(check, Options))
        {
            foreach (var intent in _intents)
                if (journal.TryAppend(intent) != JournalAppendResult.Appended) throw new InvalidOperationException("append failed");
            foreach (var intent in _intents)
                if (journal.TryAppend(intent) != JournalAppendResult.Duplicate) throw new InvalidOperationException("duplicate accepted");
        }
        if (OrderIntentJournal.Recover(check).IntentCount != Batch) throw new InvalidOperationException("recovery lost intents");
    }

    [IterationSetup]
    public void OpenFresh()
    {
        _journal?.Dispose();
        _journal = OrderIntentJournal.Open(Path.Combine(_dir, $"j{_iteration++}.bin"), Options);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [InvocationCount(1)]
    public int Append()
    {
        var journal = _journal!;
        int appended = 0;
        foreach (ref readonly var intent in _intents.AsSpan())
            if (journal.TryAppend(intent) == JournalAppendResult.Appended) appended++;
        return appended;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
