using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Metrics;
using FastEngine.Model;
using FastEngine.Risk;

namespace FastEngine.Cli.Replay;

/// <summary>
/// The replay summary, as text or as one JSON object. The fields of <see cref="TimingKeys"/> vary run to run; every
/// other field is deterministic for the same input.
/// </summary>
public static class ReplaySummary
{
    /// <summary>Keys whose values depend on the machine and the moment (excluded when comparing runs): timing, and the
    /// process-wide gen-0 collection count, which other work in the same process (a test host) also drives, and the bytes
    /// of cold paths after warm-up: those include the runtime's lock bookkeeping when the producer and decision threads
    /// meet on a cold path's lock at the same moment (seen as a few hundred bytes more on a loaded machine). The hot-path
    /// figure <c>allocated_bytes_steady</c> is not a timing key: it must be 0 on every run. Also the threads' busy time per
    /// event, the staged book thread's own receive→book latency, and where the threads ran (a pin can fail on one machine
    /// and not on another); the <c>threads</c> block (events and steady allocation per thread) is deterministic.</summary>
    public static readonly string[] TimingKeys = ["elapsed_s", "events_per_s", "latency_ns", "book_latency_ns", "signal_latency_ns", "signal_to_intent_ns", "gc_gen0_steady", "allocated_bytes_cold_paths",
        "thread_layout", "busy_ns_per_event", "book_thread_latency_ns"];

    public static void WriteJson(Utf8JsonWriter w, ReplayResult r)
    {
        var engine = r.Engine;
        var totals = Totals(engine.Books, out int books, out int synced);
        w.WriteStartObject();
        w.WriteStartArray("files");
        foreach (var f in r.Files) w.WriteStringValue(Path.GetFileName(f));
        w.WriteEndArray();
        w.WriteString("topology", r.Topology);
        w.WriteString("wait_strategy", r.WaitStrategy);
        w.WriteNumber("records", r.Records);
        w.WriteNumber("events", r.Events);
        w.WriteNumber("elapsed_s", Math.Round(r.ElapsedSeconds, 6));
        w.WriteNumber("events_per_s", r.ElapsedSeconds > 0 ? Math.Round(r.Events / r.ElapsedSeconds) : 0);
        w.WriteNumber("frames_rejected", r.Feed.Stats.Values.Sum(s => s.Rejected));
        w.WriteNumber("books", books);
        w.WriteNumber("books_synced", synced);
        w.WriteNumber("snapshots", totals.Snapshots);
        w.WriteNumber("gaps", totals.Gaps);
        w.WriteNumber("resyncs", totals.Resyncs);
        w.WriteNumber("checksum_ok", totals.ChecksumOk);
        w.WriteNumber("checksum_bad", totals.ChecksumBad);
        w.WriteNumber("bbo_checked", totals.BboChecked);
        w.WriteNumber("bbo_mismatch", totals.BboMismatch);
        w.WriteNumber("opportunities", engine.Stats.Opportunities);
        w.WriteStartObject("opportunities_by_kind");
        for (int k = 0; k < global::FastEngine.Hosting.OpportunityKinds.Count; k++)
            w.WriteNumber(global::FastEngine.Hosting.OpportunityKinds.NameOf((global::FastEngine.Hosting.OpportunityKind)k), engine.Stats.OpportunitiesByKind[k]);
        w.WriteEndObject();
        var life = engine.Tracker.Summarize();
        w.WriteStartObject("opportunity_lifetime_ms");
        w.WriteNumber("count", life.Count);
        w.WriteNumber("median", life.MedianNs / 1e6);
        w.WriteNumber("p90", life.P90Ns / 1e6);
        w.WriteNumber("max", life.MaxNs / 1e6);
        w.WriteEndObject();
        w.WriteNumber("intents", engine.Stats.Intents);
        w.WriteNumber("intents_journaled", engine.Stats.IntentsJournaled);
        w.WriteNumber("intents_duplicate", engine.Stats.JournalDuplicates);
        w.WriteNumber("intents_refused_by_journal", engine.Stats.JournalRefused);
        w.WriteNumber("fills", engine.Stats.Fills);
        if (ShowMaker(engine)) WriteMaker(w, engine.Broker);
        WritePnl(w, engine);
        WriteCarry(w, engine);
        w.WriteStartObject("rejects");
        for (int i = 1; i < RiskRejectReasons.Count; i++)
            w.WriteNumber(((RiskRejectReason)i).ToConfigName(), engine.Stats.RiskRejects[i]);
        w.WriteEndObject();
        w.WriteNumber("allocated_bytes_steady", AllocatedSteady(r));
        w.WriteNumber("allocated_bytes_cold_paths", ColdAfterWarmup(r));
        w.WriteNumber("gc_gen0_steady", engine.Stats.AllocatedAtWarmup < 0 ? 0 : engine.Stats.Gen0AtEnd - engine.Stats.Gen0AtWarmup);
        w.WriteNumber("handler_failures", r.HandlerFailures);
        WriteThreads(w, r);
        WriteLatency(w, "latency_ns", engine.IntentLatency);
        WriteLatency(w, "book_latency_ns", engine.BookLatency);
        WriteLatency(w, "signal_to_intent_ns", engine.SignalToIntentLatency);
        w.WriteStartObject("venues");
        foreach (var (venue, s) in r.Feed.Stats.OrderBy(kv => kv.Key.Value))
        {
            w.WriteStartObject(VenueNames.NameOf(venue));
            w.WriteNumber("frames", s.Frames);
            w.WriteNumber("events", s.Events);
            w.WriteNumber("rejected", s.Rejected);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>The maker counters are shown when the router may rest orders (<c>routing.makerPreferred</c>) or any order rested:
    /// a taker-only run's summary keeps its keys.</summary>
    private static bool ShowMaker(global::FastEngine.Hosting.DecisionEngine e) =>
        e.Options.Router.MakerPreferred || e.Broker.MakerRestedCount > 0
        || e.Broker.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.PostOnlyWouldCross) > 0
        || e.Broker.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.RestingTableFull) > 0;

    private static void WriteMaker(Utf8JsonWriter w, global::FastEngine.Execution.PaperBroker b)
    {
        w.WriteStartObject("maker");
        w.WriteNumber("rested", b.MakerRestedCount);
        w.WriteNumber("fills", b.MakerFillCount);
        w.WriteNumber("filled", b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.Filled));
        w.WriteNumber("cancelled_expired", b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.Expired));
        w.WriteNumber("cancelled_unsynced", b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.BookUnsynced));
        w.WriteNumber("cancelled_stale", b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.BookStale));
        w.WriteNumber("rejected_would_cross", b.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.PostOnlyWouldCross));
        w.WriteNumber("rejected_table_full", b.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.RestingTableFull));
        w.WriteNumber("resting_at_end", b.RestingCount);
        w.WriteEndObject();
    }

    private static string MakerText(global::FastEngine.Execution.PaperBroker b) =>
        $"  maker orders: rested {b.MakerRestedCount}, fills {b.MakerFillCount}, filled {b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.Filled)}, "
        + $"cancelled {b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.Expired)} expired / {b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.BookUnsynced)} unsynced / {b.MakerClosedCount(global::FastEngine.Execution.MakerCloseReason.BookStale)} stale, "
        + $"rejected {b.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.PostOnlyWouldCross)} would cross / {b.RejectCount(global::FastEngine.Execution.ExecutionRejectReason.RestingTableFull)} table full, resting at the end {b.RestingCount}";

    /// <summary>Decision-thread plus producer-thread (plus, staged, book-thread) bytes allocated after warm-up.</summary>
    public static long AllocatedSteady(ReplayResult r) => DecisionAllocatedSteady(r) + r.ProducerAllocatedSteady + (r.BookStage?.AllocatedSteady ?? 0);

    /// <summary>Decision-thread bytes allocated after warm-up outside declared cold paths.</summary>
    public static long DecisionAllocatedSteady(ReplayResult r)
    {
        var s = r.Engine.Stats;
        return s.AllocatedAtWarmup < 0 ? 0 : s.AllocatedAtEnd - s.AllocatedAtWarmup - (s.ColdAllocatedAtEnd - s.ColdAllocatedAtWarmup);
    }

    /// <summary>
    /// Per thread of the run: <c>threads</c> (the producer, the staged topology's book thread, the decision thread: events
    /// handled and bytes allocated after warm-up outside cold paths, each of which must be 0), and the timing keys
    /// <c>thread_layout</c>, <c>busy_ns_per_event</c> (time inside batches per event, waiting excluded) and, staged,
    /// <c>book_thread_latency_ns</c> (receive → authoritative book applied, on the book thread).
    /// </summary>
    private static void WriteThreads(Utf8JsonWriter w, ReplayResult r)
    {
        var book = r.BookStage;
        w.WriteStartObject("threads");
        w.WriteStartObject("producer");
        w.WriteNumber("events", r.Events);
        if (r.ProducerMeasured) w.WriteNumber("allocated_bytes_steady", r.ProducerAllocatedSteady);
        w.WriteEndObject();
        if (book is not null)
        {
            w.WriteStartObject("book");
            w.WriteNumber("events", book.Events);
            w.WriteNumber("allocated_bytes_steady", book.AllocatedSteady);
            w.WriteNumber("level_images", book.LevelImages);
            w.WriteNumber("state_images", book.StateImages);
            w.WriteNumber("handler_failures", r.BookHandlerFailures);
            w.WriteEndObject();
        }
        w.WriteStartObject("decision");
        w.WriteNumber("events", r.Engine.Stats.Events);
        w.WriteNumber("allocated_bytes_steady", DecisionAllocatedSteady(r));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("thread_layout", r.ThreadLayout);
        w.WriteStartObject("busy_ns_per_event");
        if (book is not null) w.WriteNumber("book", Math.Round(r.BookBusyNsPerEvent, 1));
        w.WriteNumber("decision", Math.Round(r.DecisionBusyNsPerEvent, 1));
        w.WriteEndObject();
        if (book is not null) WriteLatency(w, "book_thread_latency_ns", book.Latency);
    }

    /// <summary>Bytes allocated after warm-up on declared cold paths (a book or venue first seen, buffers growing).</summary>
    public static long ColdAfterWarmup(ReplayResult r)
    {
        var s = r.Engine.Stats;
        long decision = s.AllocatedAtWarmup < 0 ? 0 : s.ColdAllocatedAtEnd - s.ColdAllocatedAtWarmup;
        var b = r.BookStage;
        long book = b is null || b.AllocatedAtWarmup < 0 ? 0 : b.ColdAllocatedAtEnd - b.ColdAllocatedAtWarmup;
        return decision + r.ProducerColdAllocated + book;
    }

    public static void WriteText(TextWriter o, ReplayResult r)
    {
        var e = r.Engine;
        var t = Totals(e.Books, out int books, out int synced);
        var lifetimes = e.Tracker.Summarize();
        o.WriteLine($"replay: {string.Join(", ", r.Files.Select(Path.GetFileName))}");
        o.WriteLine($"  topology {r.Topology}, wait strategy {r.WaitStrategy}");
        o.WriteLine($"  records {r.Records:N0}, events {r.Events:N0} in {r.ElapsedSeconds:F3} s = {(r.ElapsedSeconds > 0 ? r.Events / r.ElapsedSeconds : 0):N0} events/s");
        o.WriteLine($"  books {books} ({synced} synced at the end), snapshots {t.Snapshots}, gaps {t.Gaps}, resyncs {t.Resyncs}, checksums {t.ChecksumOk} ok / {t.ChecksumBad} bad, bbo {t.BboChecked} checked / {t.BboMismatch} mismatched");
        o.WriteLine($"  opportunities {e.Stats.Opportunities}: " + string.Join(", ", Enumerable.Range(0, global::FastEngine.Hosting.OpportunityKinds.Count)
            .Select(k => $"{(global::FastEngine.Hosting.OpportunityKinds.NameOf((global::FastEngine.Hosting.OpportunityKind)k))} {e.Stats.OpportunitiesByKind[k]}")));
        o.WriteLine($"  cross-venue opportunity lifetimes (lifetime median {lifetimes.MedianNs / 1e6:F1} ms, p90 {lifetimes.P90Ns / 1e6:F1} ms, max {lifetimes.MaxNs / 1e6:F1} ms)");
        o.WriteLine($"  intents {e.Stats.Intents} (journaled {e.Stats.IntentsJournaled}, duplicates {e.Stats.JournalDuplicates}, refused by the journal {e.Stats.JournalRefused}), fills {e.Stats.Fills}");
        if (ShowMaker(e)) o.WriteLine(MakerText(e.Broker));
        Pnl(e, out long realized, out long fees);
        o.WriteLine($"  paper P&L: realized {FixedPoint.Format(realized, 8)}, fees {FixedPoint.Format(fees, 8)}, funding {FixedPoint.Format(LinearFunding(e), 8)} (quote units of linear instruments, summed over venues)"
            + string.Concat(InversePnl(e).Select(kv => $"; inverse {kv.Key}: realized {FixedPoint.Format(kv.Value.Realized, 8)}, fees {FixedPoint.Format(kv.Value.Fees, 8)}, funding {FixedPoint.Format(kv.Value.Funding, 8)}")));
        var life = e.CarryLife;
        o.WriteLine($"  carry positions: opened {life.Opened}, unwound {life.UnwoundTotal} ("
            + string.Join(", ", Enumerable.Range(1, global::FastEngine.Arbitrage.CarryUnwindReasons.Count - 1).Select(k => $"{(global::FastEngine.Arbitrage.CarryUnwindReasons.NameOf((global::FastEngine.Arbitrage.CarryUnwindReason)k))} {life.Unwound[k]}"))
            + $"), unwinds held back on bad books {life.UnwindsDeferred}, open at the end {e.CarriesHeld}; funding payments {e.Broker.FundingPaymentCount}"
            + string.Concat(FundingByCurrency(e).Select(kv => $", {kv.Key} {FixedPoint.Format(kv.Value, 8)}")));
        var rejects = Enumerable.Range(1, RiskRejectReasons.Count - 1).Where(i => e.Stats.RiskRejects[i] > 0)
            .Select(i => $"{((RiskRejectReason)i).ToConfigName()} {e.Stats.RiskRejects[i]}");
        o.WriteLine($"  risk rejects: {string.Join(", ", rejects.DefaultIfEmpty("none"))}");
        o.WriteLine($"  frames rejected: {r.Feed.Stats.Values.Sum(s => s.Rejected)}; allocated after warm-up: {AllocatedSteady(r):N0} bytes on the hot path, {ColdAfterWarmup(r):N0} on cold paths (new books, buffer growth); handler failures: {r.HandlerFailures}");
        o.WriteLine($"  threads ({r.ThreadLayout}): " + (r.ProducerMeasured ? $"producer {r.ProducerAllocatedSteady:N0} bytes after warm-up; " : "publishers' allocation not measured; ")
            + (r.BookStage is { } b
                ? $"book {b.Events:N0} events, busy {r.BookBusyNsPerEvent:F0} ns/event, {b.LevelImages:N0} + {b.StateImages:N0} images (levels + state), {b.AllocatedSteady:N0} bytes after warm-up, handler failures {r.BookHandlerFailures}; "
                : "")
            + $"decision {e.Stats.Events:N0} events, busy {r.DecisionBusyNsPerEvent:F0} ns/event, {DecisionAllocatedSteady(r):N0} bytes after warm-up");
        if (r.BookStage is { } bs) o.WriteLine($"  receive-to-book latency on the book thread (ns): {Percentiles(bs.Latency)}");
        o.WriteLine($"  tick-to-intent latency (ns): {Percentiles(e.IntentLatency)}");
        o.WriteLine($"  receive-to-book latency (ns): {Percentiles(e.BookLatency)}");
        o.WriteLine($"  signal-to-intent latency (ns): {Percentiles(e.SignalToIntentLatency)}");
    }

    private static string Percentiles(LongHistogram h) => h.TotalCount == 0
        ? "no samples"
        : $"p50 {h.GetValueAtPercentile(50)}, p99 {h.GetValueAtPercentile(99)}, p99.9 {h.GetValueAtPercentile(99.9)}, p99.99 {h.GetValueAtPercentile(99.99)} ({h.TotalCount} samples)";

    private static void WriteLatency(Utf8JsonWriter w, string name, LongHistogram h)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", h.TotalCount);
        w.WriteNumber("p50", h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(50));
        w.WriteNumber("p99", h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99));
        w.WriteNumber("p999", h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99.9));
        w.WriteNumber("p9999", h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99.99));
        w.WriteEndObject();
    }

    private static void WritePnl(Utf8JsonWriter w, global::FastEngine.Hosting.DecisionEngine e)
    {
        Pnl(e, out long realized, out long fees);
        w.WriteStartObject("pnl");
        w.WriteString("realized", FixedPoint.Format(realized, 8));
        w.WriteString("fees", FixedPoint.Format(fees, 8));
        // Funding received (negative: paid) on perpetual positions, apart from trading P&L.
        w.WriteString("funding", FixedPoint.Format(LinearFunding(e), 8));
        // Inverse contracts settle in the base coin: their P&L is listed per coin, never added to quote amounts.
        w.WriteStartObject("inverse");
        foreach (var (coin, (r, f, funding)) in InversePnl(e))
        {
            w.WriteStartObject(coin);
            w.WriteString("realized", FixedPoint.Format(r, 8));
            w.WriteString("fees", FixedPoint.Format(f, 8));
            w.WriteString("funding", FixedPoint.Format(funding, 8));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Pnl(global::FastEngine.Hosting.DecisionEngine e, out long realized, out long fees)
    {
        realized = 0;
        fees = 0;
        foreach (var (venue, _) in VenueNames.All())
        {
            if (venue.Value >= 64) continue;
            foreach (var instrument in e.Registry.All)
            {
                if (instrument.IsInverse) continue;   // settles in the coin: see InversePnl
                var p = e.Broker.GetPosition(venue, instrument.Id);
                realized += p.RealizedPnl;
                fees += p.Fees;
            }
        }
    }

    /// <summary>Realized P&amp;L, fees and funding of inverse contracts, per settlement coin (× 10^8), in coin order.</summary>
    private static SortedDictionary<string, (long Realized, long Fees, long Funding)> InversePnl(global::FastEngine.Hosting.DecisionEngine e)
    {
        var byCoin = new SortedDictionary<string, (long, long, long)>(StringComparer.Ordinal);
        foreach (var (venue, _) in VenueNames.All())
        {
            if (venue.Value >= 64) continue;
            foreach (var instrument in e.Registry.All)
            {
                if (!instrument.IsInverse) continue;
                var p = e.Broker.GetPosition(venue, instrument.Id);
                long funding = e.Broker.GetFunding(venue, instrument.Id).Amount;
                if (p.RealizedPnl == 0 && p.Fees == 0 && funding == 0) continue;
                byCoin.TryGetValue(instrument.Base, out var t);
                byCoin[instrument.Base] = (t.Item1 + p.RealizedPnl, t.Item2 + p.Fees, t.Item3 + funding);
            }
        }
        return byCoin;
    }

    /// <summary>Funding of linear perpetuals (quote units, summed over venues, as <see cref="Pnl"/>).</summary>
    private static long LinearFunding(global::FastEngine.Hosting.DecisionEngine e) =>
        e.Broker.FundingPositions().Where(f => !e.Registry[f.Instrument].IsInverse).Sum(f => f.Amount);

    /// <summary>Funding per settlement currency (quote of a linear perpetual, base coin of an inverse one), × 10^8, in code order.</summary>
    private static SortedDictionary<string, long> FundingByCurrency(global::FastEngine.Hosting.DecisionEngine e)
    {
        var byCurrency = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var f in e.Broker.FundingPositions())
        {
            if (f.Payments == 0) continue;
            var instrument = e.Registry[f.Instrument];
            string currency = instrument.IsInverse ? instrument.Base : instrument.Quote;
            byCurrency[currency] = byCurrency.GetValueOrDefault(currency) + f.Amount;
        }
        return byCurrency;
    }

    /// <summary>The carry positions' life: opened, unwound by reason, held back, funding payments and P&amp;L per currency, open at the end.</summary>
    private static void WriteCarry(Utf8JsonWriter w, global::FastEngine.Hosting.DecisionEngine e)
    {
        var life = e.CarryLife;
        w.WriteStartObject("carry");
        w.WriteNumber("opened", life.Opened);
        w.WriteStartObject("unwound");
        for (int k = 1; k < global::FastEngine.Arbitrage.CarryUnwindReasons.Count; k++)
            w.WriteNumber(global::FastEngine.Arbitrage.CarryUnwindReasons.NameOf((global::FastEngine.Arbitrage.CarryUnwindReason)k), life.Unwound[k]);
        w.WriteEndObject();
        w.WriteNumber("unwinds_deferred", life.UnwindsDeferred);
        w.WriteNumber("open_skipped_held", life.OpenSkippedHeld);
        w.WriteNumber("funding_payments", e.Broker.FundingPaymentCount);
        w.WriteStartObject("funding_pnl");
        foreach (var (currency, amount) in FundingByCurrency(e)) w.WriteString(currency, FixedPoint.Format(amount, 8));
        w.WriteEndObject();
        w.WriteNumber("open_at_end", e.CarriesHeld);
        w.WriteEndObject();
    }

    private static BookStats Totals(BookKeeper books, out int count, out int synced)
    {
        var total = new BookStats();
        count = 0;
        synced = 0;
        foreach (var b in books.Books)
        {
            count++;
            if (b.IsSynced) synced++;
            books.StatsOf(b.Venue, b.Instrument)!.AddTo(total);
        }
        return total;
    }
}
