using System.Diagnostics;
using FastEngine.Adapters.Transport;
using FastEngine.Cli.Live;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Metrics;
using FastEngine.Model;
using FastEngine.Risk;
using Serilog;

namespace FastEngine.Cli.Hosting;

/// <summary>The counters of one live venue that telemetry reads (all owned and written by other threads).</summary>
public sealed record VenueProbe(string Name, VenueId Venue, VenueFeedStats Feed, LiveVenueStats Stats, WebSocketConnectionCounters Connection);

/// <summary>One venue in a telemetry line.</summary>
public sealed record VenueTelemetry
{
    public required string Venue { get; init; }
    public bool Connected { get; init; }
    public double MessagesPerSecond { get; init; }
    public long Messages { get; init; }
    public int Books { get; init; }
    public int BooksSynced { get; init; }
    public long Gaps { get; init; }
    public long Resyncs { get; init; }
    public long Reconnects { get; init; }
    public long Snapshots { get; init; }
    /// <summary>Milliseconds since the venue's most recently updated book changed; -1 before any book.</summary>
    public double QuoteAgeMs { get; init; }
}

/// <summary>One telemetry sample: per-venue state plus the decision counters and latency percentiles since start.</summary>
public sealed record TelemetrySample
{
    public required IReadOnlyList<VenueTelemetry> Venues { get; init; }
    public long Opportunities { get; init; }
    public long Intents { get; init; }
    public long Fills { get; init; }
    /// <summary>Maker (post-only) orders resting in the paper broker at the sample (0 unless <c>routing.makerPreferred</c>).</summary>
    public int RestingOrders { get; init; }
    public required IReadOnlyDictionary<string, long> Rejects { get; init; }
    public long LatencyCount { get; init; }
    public long LatencyP50Ns { get; init; }
    public long LatencyP99Ns { get; init; }
    public long LatencyP999Ns { get; init; }
    public long BookLatencyP50Ns { get; init; }
    public long BookLatencyP99Ns { get; init; }
    public long BookLatencyP999Ns { get; init; }
    public long CaptureRecords { get; init; }
    public long CaptureBytes { get; init; }
    public int CaptureFiles { get; init; }
    public int Gen0 { get; init; }
    public int Gen1 { get; init; }
    public int Gen2 { get; init; }

    /// <summary>The console form: one line, venues first.</summary>
    public string ToLine()
    {
        var venues = string.Join("; ", Venues.Select(v =>
            $"{v.Venue} {(v.Connected ? "up" : "DOWN")} {v.MessagesPerSecond:F0} msg/s, books {v.BooksSynced}/{v.Books} synced, gaps {v.Gaps}, resyncs {v.Resyncs}, reconnects {v.Reconnects}, quote age {(v.QuoteAgeMs < 0 ? "-" : v.QuoteAgeMs.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " ms")}"));
        var rejects = string.Join(", ", Rejects.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value}").DefaultIfEmpty("none"));
        string capture = CaptureFiles > 0 ? $"; capture {CaptureRecords} records, {CaptureBytes / 1048576.0:F1} MiB in {CaptureFiles} file(s)" : "";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{venues}; opportunities {Opportunities}, intents {Intents}, fills {Fills}{(RestingOrders > 0 ? $", resting {RestingOrders}" : "")}, rejects {rejects}; tick-to-intent p50/p99/p99.9 {LatencyP50Ns}/{LatencyP99Ns}/{LatencyP999Ns} ns ({LatencyCount}), receive-to-book {BookLatencyP50Ns}/{BookLatencyP99Ns}/{BookLatencyP999Ns} ns; gc {Gen0}/{Gen1}/{Gen2}{capture}");
    }
}

/// <summary>
/// Reads the counters of a running engine for telemetry, from any thread, without ever blocking the threads that
/// write them: connection and venue counters are atomics; book states, decision counters and histograms are plain
/// fields written by the decision thread and read here racily (64-bit reads are atomic, a value may be one update
/// old, which a telemetry line tolerates). The book list may grow while it is read (a new book is a cold path of the
/// decision thread): a read that collides with it is retried, never locked.
/// </summary>
/// <remarks>Not thread-safe itself: one caller at a time (the <see cref="TelemetryReporter"/>'s timer). Allocates per
/// sample (cold path, every few seconds).</remarks>
public sealed class TelemetrySampler
{
    private readonly IReadOnlyList<VenueProbe> _venues;
    private readonly DecisionEngine? _engine;
    private readonly Func<(long Records, long Bytes, int Files)>? _capture;
    private readonly long[] _lastMessages;
    private long _lastTicks;

    public TelemetrySampler(IReadOnlyList<VenueProbe> venues, DecisionEngine? engine, Func<(long Records, long Bytes, int Files)>? capture = null)
    {
        _venues = venues;
        _engine = engine;
        _capture = capture;
        _lastMessages = new long[venues.Count];
        _lastTicks = Stopwatch.GetTimestamp();
        for (int i = 0; i < venues.Count; i++) _lastMessages[i] = Volatile.Read(ref venues[i].Feed.Frames);
    }

    public TelemetrySample Sample()
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Math.Max(1e-9, (now - _lastTicks) / (double)Stopwatch.Frequency);
        _lastTicks = now;
        var books = ReadBooks();
        long nowNs = EngineClock.NowUnixNs();
        var venues = new List<VenueTelemetry>(_venues.Count);
        for (int i = 0; i < _venues.Count; i++)
        {
            var v = _venues[i];
            long messages = Volatile.Read(ref v.Feed.Frames);
            long delta = messages - _lastMessages[i];
            _lastMessages[i] = messages;
            var mine = books.Where(b => b.Venue == v.Venue).ToList();
            long newest = mine.Count == 0 ? 0 : mine.Max(b => b.LastReceiveNs);
            venues.Add(new VenueTelemetry
            {
                Venue = v.Name,
                Connected = v.Connection.Connects > v.Connection.Disconnects,
                MessagesPerSecond = Math.Round(delta / seconds, 1),
                Messages = messages,
                Books = mine.Count,
                BooksSynced = mine.Count(b => b.Synced),
                Gaps = mine.Sum(b => b.Gaps),
                Resyncs = mine.Sum(b => b.Resyncs),
                Reconnects = v.Stats.Reconnects,
                Snapshots = v.Stats.SnapshotsFetched,
                QuoteAgeMs = newest == 0 ? -1 : Math.Round(Math.Max(0, nowNs - newest) / 1e6, 1),
            });
        }
        var rejects = new Dictionary<string, long>();
        long opportunities = 0, intents = 0, fills = 0;
        int resting = 0;
        LongHistogram? latency = null, bookLatency = null;
        if (_engine is { } e)
        {
            for (int i = 1; i < RiskRejectReasons.Count; i++) rejects[((RiskRejectReason)i).ToConfigName()] = Volatile.Read(ref e.Stats.RiskRejects[i]);
            opportunities = Volatile.Read(ref e.Stats.Opportunities);
            intents = Volatile.Read(ref e.Stats.Intents);
            fills = Volatile.Read(ref e.Stats.Fills);
            resting = e.Broker.RestingCount;
            latency = e.IntentLatency;
            bookLatency = e.BookLatency;
        }
        var capture = _capture?.Invoke() ?? default;
        return new TelemetrySample
        {
            Venues = venues,
            Opportunities = opportunities,
            Intents = intents,
            Fills = fills,
            RestingOrders = resting,
            Rejects = rejects,
            LatencyCount = latency?.TotalCount ?? 0,
            LatencyP50Ns = At(latency, 50),
            LatencyP99Ns = At(latency, 99),
            LatencyP999Ns = At(latency, 99.9),
            BookLatencyP50Ns = At(bookLatency, 50),
            BookLatencyP99Ns = At(bookLatency, 99),
            BookLatencyP999Ns = At(bookLatency, 99.9),
            CaptureRecords = capture.Records,
            CaptureBytes = capture.Bytes,
            CaptureFiles = capture.Files,
            Gen0 = GC.CollectionCount(0),
            Gen1 = GC.CollectionCount(1),
            Gen2 = GC.CollectionCount(2),
        };
    }

    private static long At(LongHistogram? h, double percentile) => h is null || h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(percentile);

    private readonly record struct BookView(VenueId Venue, bool Synced, long LastReceiveNs, long Gaps, long Resyncs);

    private List<BookView> ReadBooks()
    {
        var list = new List<BookView>();
        if (_engine is null) return list;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            list.Clear();
            try
            {
                foreach (var book in _engine.Books.Books)
                {
                    var stats = _engine.Books.StatsOf(book.Venue, book.Instrument);
                    list.Add(new BookView(book.Venue, book.IsSynced, book.LastReceiveTimeNs, stats?.Gaps ?? 0, stats?.Resyncs ?? 0));
                }
                return list;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IndexOutOfRangeException or ArgumentException or NullReferenceException)
            {
                // The decision thread added a book while we enumerated (a cold path): read again.
            }
        }
        return list;
    }
}

/// <summary>
/// Logs one telemetry line every interval (a <see cref="Timer"/> on the thread pool, never a stage thread) and a final
/// one when disposed. The console gets <see cref="TelemetrySample.ToLine"/>; the JSON log also gets every field as
/// structured properties (<c>Telemetry</c>).
/// </summary>
public sealed class TelemetryReporter : IDisposable
{
    private readonly TelemetrySampler _sampler;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly Action? _onTick;
    private int _busy;
    private bool _disposed;

    /// <param name="onTick">Extra work per tick on the timer thread (the capture command flushes its buffer).</param>
    public TelemetryReporter(TelemetrySampler sampler, ILogger logger, TimeSpan interval, Action? onTick = null)
    {
        _sampler = sampler;
        _logger = logger;
        _onTick = onTick;
        _timer = new Timer(_ => Tick(false), null, interval, interval);
    }

    /// <summary>Lines logged so far.</summary>
    public int Lines { get; private set; }

    private void Tick(bool final)
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1) return; // the previous tick is still running
        try
        {
            _onTick?.Invoke();
            var sample = _sampler.Sample();
            _logger.ForContext("Telemetry", sample, destructureObjects: true)
                .Information(final ? "telemetry (final): {Summary:l}" : "telemetry: {Summary:l}", sample.ToLine());
            Lines++;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
        {
            _logger.Warning("telemetry sample failed: {Error:l}", ex.Message);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Stops the timer (waiting for a running tick) and logs the final line.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using (var done = new ManualResetEvent(false))
            if (_timer.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(5));
        while (Volatile.Read(ref _busy) == 1) Thread.Sleep(1);
        Tick(true);
    }
}
