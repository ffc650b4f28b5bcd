using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Books;
using FastEngine.Execution;

namespace FastEngine.Hosting;

/// <summary>Segments of the intent path that <see cref="IntentPathDiagnostics"/> times, per leg.</summary>
public enum IntentPathSegment
{
    /// <summary>Signal found (or the previous leg of the same opportunity done) → this leg's submit: sizing, routing,
    /// risk checks of every leg (first leg only), intent construction.</summary>
    BeforeSubmit = 0,
    /// <summary>SHA-256 reference id of <c>venue:clientOrderId</c> inside the journal append.</summary>
    ReferenceId = 1,
    /// <summary>The rest of the journal append: duplicate lookup, encode, frame + CRC into the mapped region, index insert.</summary>
    JournalWrite = 2,
    /// <summary>Recording receive→intent and signal→intent into the HDR histograms.</summary>
    Histograms = 3,
    /// <summary>Paper execution against the book (after every leg of the opportunity was committed).</summary>
    PaperFill = 4,
    /// <summary>Risk exposure release after the fill.</summary>
    RiskRelease = 5,
    /// <summary>Part of <see cref="BeforeSubmit"/>: the risk checks of both legs of a cross-venue pair (first leg only; 0 otherwise).</summary>
    RiskChecks = 6,
    /// <summary>Part of <see cref="BeforeSubmit"/>: signal → risk checks (sizing, intent construction) of a cross-venue pair.</summary>
    Sizing = 7,
    /// <summary>The triggering book message: its ring stamp (receive) → its events applied to the book (first leg of a signal only).</summary>
    ReceiveToBook = 8,
    /// <summary>The triggering book message applied → the signal found (evaluation, opportunity tracking; first leg only).</summary>
    BookToSignal = 9,
}

/// <summary>
/// Optional per-leg timing of the intent path (<see cref="DecisionOptions.IntentDiagnostics"/>): <see cref="Stopwatch"/>
/// stamps between the segments of <see cref="IntentPathSegment"/>, and the decision thread's minor page faults and
/// involuntary context switches (Linux <c>getrusage(RUSAGE_THREAD)</c>, a system call: diagnostics only) during the
/// journal append, the paper fill and the whole leg. Preallocated; legs beyond <see cref="Capacity"/> are not recorded.
/// Written and read on the decision thread only (read the figures after the pipeline halted).
/// </summary>
public sealed class IntentPathDiagnostics
{
    public const int SegmentCount = 10;
    private readonly long[] _ticks;
    private readonly long[] _faults;
    private int _count;

    public IntentPathDiagnostics(int capacity = 4096)
    {
        Capacity = capacity;
        _ticks = new long[capacity * SegmentCount];
        _faults = new long[capacity * 4];
        Array.Fill(_ticks, 0L);
        Array.Fill(_faults, 0L);   // touched now so recording never takes a first-touch fault itself
        HasRusage = OperatingSystem.IsLinux() && TryRusage(out _, out _);
    }

    public int Capacity { get; }
    /// <summary>Legs recorded.</summary>
    public int Count => _count;
    /// <summary>False when the platform has no per-thread rusage (fault columns then read 0).</summary>
    public bool HasRusage { get; }

    /// <summary>Segment duration of leg <paramref name="leg"/>, ns.</summary>
    public long SegmentNs(int leg, IntentPathSegment segment) => TicksToNs(_ticks[leg * SegmentCount + (int)segment]);

    /// <summary>Minor page faults of leg <paramref name="leg"/>: 1 = journal append, 2 = paper fill, 3 = the whole leg, commit and execution (0: unused).</summary>
    public long Faults(int leg, int part) => _faults[leg * 4 + part];

    internal int Begin() => _count < Capacity ? _count : -1;

    internal void Set(int leg, IntentPathSegment segment, long ticks) => _ticks[leg * SegmentCount + (int)segment] = ticks;

    internal void SetFaults(int leg, int part, long faults) => _faults[leg * 4 + part] = faults;

    internal void End() => _count++;

    internal static long TicksToNs(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>Minor faults so far on this thread (0 off Linux).</summary>
    internal long MinorFaults() => HasRusage && TryRusage(out long minor, out _) ? minor : 0;

    private static unsafe bool TryRusage(out long minorFaults, out long involuntarySwitches)
    {
        // struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs; ru_minflt is long #8, ru_nivcsw #17.
        long* usage = stackalloc long[18];
        minorFaults = involuntarySwitches = 0;
        try
        {
            if (GetRusage(1 /* RUSAGE_THREAD */, usage) != 0) return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        minorFaults = usage[8];
        involuntarySwitches = usage[17];
        return true;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern unsafe int GetRusage(int who, long* usage);
}

public sealed partial class DecisionEngine
{
    private readonly IntentPathDiagnostics? _diagnostics;
    // Stamp where the current opportunity's previous leg ended (the next leg's BeforeSubmit starts there).
    private long _lastLegEndTicks;
    // Cross-venue pairs: the risk checks' start and end (diagnostics only).
    private long _riskStartTicks, _riskEndTicks;
    // The current book message: its ring stamp and when its events were applied (diagnostics only).
    private long _messageStampTicks, _bookDoneTicks;

    /// <summary>The intent path breakdown when <see cref="DecisionOptions.IntentDiagnostics"/> is on, else null.</summary>
    public IntentPathDiagnostics? Diagnostics => _diagnostics;

    /// <summary><see cref="Commit"/> with its segments stamped (diagnostics on only: the normal path stays stamp-free).
    /// Returns the leg's index for <see cref="ExecuteDiagnosed"/> (-1 past the table's capacity).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int CommitDiagnosed(ref OrderIntent intent, long notional, IntentPathDiagnostics d)
    {
        int leg = d.Begin();
        if (leg < 0) return CommitCore(ref intent, notional);
        // Fault counts are read between the stamps (a getrusage call is ~1 µs: it must not land inside a segment).
        long f0 = d.MinorFaults();
        long start = Stopwatch.GetTimestamp();
        long since = _lastLegEndTicks > _signalTicks ? _lastLegEndTicks : _signalTicks;
        d.Set(leg, IntentPathSegment.BeforeSubmit, since == 0 ? 0 : start - since);
        if (since == _signalTicks && _messageStampTicks != 0 && _bookDoneTicks >= _messageStampTicks && _signalTicks >= _bookDoneTicks)
        {
            d.Set(leg, IntentPathSegment.ReceiveToBook, _bookDoneTicks - _messageStampTicks);
            d.Set(leg, IntentPathSegment.BookToSignal, _signalTicks - _bookDoneTicks);
        }
        if (_riskStartTicks > since && _riskEndTicks >= _riskStartTicks)
        {
            d.Set(leg, IntentPathSegment.Sizing, _riskStartTicks - since);
            d.Set(leg, IntentPathSegment.RiskChecks, _riskEndTicks - _riskStartTicks);
        }
        Stats.Intents++;
        long t1 = start, t2 = start;
        if (_journal is not null)
        {
            var result = _journal.TryAppend(intent, out long hashDoneTicks);
            t2 = Stopwatch.GetTimestamp();
            t1 = hashDoneTicks == 0 ? start : hashDoneTicks;
            if (result != JournalAppendResult.Appended) { d.End(); return NotAppended(in intent, notional, result); }
            Stats.IntentsJournaled++;
        }
        d.Set(leg, IntentPathSegment.ReferenceId, t1 - start);
        d.Set(leg, IntentPathSegment.JournalWrite, t2 - t1);
        long f1 = d.MinorFaults();
        long t3 = Stopwatch.GetTimestamp();
        RecordIntentLatency(intent.TickReceiveTimeNs);
        long t4 = Stopwatch.GetTimestamp();
        d.Set(leg, IntentPathSegment.Histograms, t4 - t3);
        d.SetFaults(leg, 1, f1 - f0);
        d.SetFaults(leg, 0, f0);   // the leg's starting count, for the whole-leg figure in ExecuteDiagnosed
        d.End();
        _lastLegEndTicks = Stopwatch.GetTimestamp();
        return leg;
    }

    /// <summary><see cref="Execute"/> with its segments stamped (after every leg of the opportunity was committed).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExecuteDiagnosed(in OrderIntent intent, OrderBook book, long notional, int leg, IntentPathDiagnostics d)
    {
        long f1 = d.MinorFaults();
        long t4 = Stopwatch.GetTimestamp();
        var report = Broker.Execute(intent, book);
        long t5 = Stopwatch.GetTimestamp();
        d.Set(leg, IntentPathSegment.PaperFill, t5 - t4);
        long f2 = d.MinorFaults();
        long t6 = Stopwatch.GetTimestamp();
        AfterFill(in intent, notional, in report);
        long t7 = Stopwatch.GetTimestamp();
        d.Set(leg, IntentPathSegment.RiskRelease, t7 - t6);
        long f3 = d.MinorFaults();
        d.SetFaults(leg, 2, f2 - f1);
        d.SetFaults(leg, 3, f3 - d.Faults(leg, 0));
        d.SetFaults(leg, 0, 0);
    }
}
