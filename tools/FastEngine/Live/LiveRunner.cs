using System.Diagnostics;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>Settings of one live run.</summary>
public sealed record LiveRunOptions
{
    public required EngineConfig Config { get; init; }
    /// <summary>Where intents are journaled (replaced at start).</summary>
    public required string JournalPath { get; init; }
    /// <summary>Record every frame into this FECAP file; null = no capture.</summary>
    public string? CapturePath { get; init; }
    /// <summary>Stop after this long; null = until <see cref="Stop"/> is cancelled.</summary>
    public TimeSpan? Duration { get; init; }
    public CancellationToken Stop { get; init; }
    /// <summary>First reconnect backoff cap (doubles per consecutive failure, full jitter).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Connection state changes and snapshot fetches; called from several threads.</summary>
    public Action<string>? Log { get; init; }
    /// <summary>Rotation of the capture (<see cref="RotatingCaptureWriter"/>); null = one file at <see cref="CapturePath"/>.</summary>
    public CaptureRotation? CaptureRotation { get; init; }
    /// <summary>Called once every venue started (telemetry attaches here); what it returns is disposed after the ring
    /// drained and before the journal is closed, so a final telemetry line sees the final counters.</summary>
    public Func<LiveRunContext, IDisposable?>? OnStarted { get; init; }
    /// <summary>Captures replayed <see cref="EngineSectionConfig.WarmupRuns"/> times through a throwaway engine before the
    /// venues connect (the config's <c>replay</c> files, resolved against the config file's folder).</summary>
    public IReadOnlyList<string> WarmupFiles { get; init; } = [];
}

/// <summary>What a running live session exposes to observers (telemetry): read-only counters.</summary>
public sealed record LiveRunContext(DecisionEngine? Engine, IReadOnlyList<FastEngine.Cli.Hosting.VenueProbe> Venues, Func<(long Records, long Bytes, int Files)>? Capture);

/// <summary>Result of a live run: the replay-shaped summary plus per-venue connection counters.</summary>
public sealed class LiveRunResult
{
    public required ReplayResult Summary { get; init; }
    public required IReadOnlyDictionary<VenueId, LiveVenueStats> Venues { get; init; }
    public required IReadOnlyDictionary<VenueId, Adapters.Transport.WebSocketConnectionCounters> Connections { get; init; }
    public long CaptureRecords { get; init; }
    /// <summary>The capture files written, in order (one unless rotated).</summary>
    public IReadOnlyList<string> CaptureFiles { get; init; } = [];
}

/// <summary>Routes the book stage's resync requests to the venue's connection (enqueue only; runs on the decision thread).</summary>
internal sealed class LiveResyncRouter : IResyncRequester
{
    private readonly Dictionary<VenueId, LiveVenueConnection> _venues = new();

    public void Add(LiveVenueConnection venue) => _venues[venue.Venue] = venue;

    public void RequestResync(VenueId venue, InstrumentId instrument, ResyncReason reason)
    {
        if (_venues.TryGetValue(venue, out var v)) v.RequestSnapshot(instrument);
    }
}

/// <summary>
/// <c>fastengine run</c>: every enabled venue of the config connected live (one receive thread each, multi-producer
/// ring), the same fused decision stage as replay (books, signals, routing, risk, journal, paper execution), optional
/// capture of everything received. Stops on cancellation or after the duration: receive loops first (close frames),
/// then the ring is drained, then journal and capture are flushed.
/// </summary>
public static class LiveRunner
{
    /// <summary>Errors that refuse the run before anything connects (null when the config can run).</summary>
    public static string? Check(EngineConfig config)
    {
        VenueCatalog.EnsureRegistered();
        if (config.Mode == "live")
        {
            var venues = config.Venues.Where(v => v.Enabled).Select(v => v.Name).ToList();
            var missing = venues.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CredentialVariable(v, "API_KEY")))
                || string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CredentialVariable(v, "API_SECRET")))).ToList();
            if (missing.Count > 0)
                return $"mode \"live\" needs credentials in the environment: {string.Join(", ", missing.Select(v => CredentialVariable(v, "API_KEY") + " / " + CredentialVariable(v, "API_SECRET")))}; refusing to start (use mode \"paper\")";
            return "mode \"live\": credentials found, but live order entry is not implemented yet; refusing to start (use mode \"paper\")";
        }
        var enabled = config.Venues.Where(v => v.Enabled).ToList();
        if (enabled.Count == 0) return "no enabled venue in the config";
        foreach (var v in enabled)
        {
            if (!VenueCatalog.TryParse(v.Name, out var id)) return $"venue '{v.Name}' is unknown";
            if (!LiveVenueConnection.IsSupported(id))
                return $"venue '{v.Name}': live connection is not implemented yet (supported: {LiveVenueConnection.SupportedNames})";
        }
        return null;
    }

    /// <summary>
    /// Replays <paramref name="files"/> <paramref name="runs"/> times at full speed through throwaway engines and pipelines
    /// built from <paramref name="config"/> (the same parsers, books, decision and intent path the live engine runs), so the
    /// JIT has compiled them before the first live message; the warm-up journal is deleted after. Returns the events
    /// replayed and the time taken. Cold path.
    /// </summary>
    public static (long Events, double Seconds) WarmUp(EngineConfig config, IReadOnlyList<string> files, int runs, string journalPath)
    {
        if (files.Count == 0) throw new ArgumentException("engine.warmupRuns needs replay files in the config");
        var sw = Stopwatch.StartNew();
        long events = 0;
        try
        {
            for (int i = 0; i < runs; i++)
            {
                var r = ReplayRunner.Run(files, config, ReplaySpeed.Max, journalPath);
                events += r.Events;
                JitSettle.WaitForQuiet();   // tier-1 recompiles now, not after the venues connect
            }
        }
        finally
        {
            if (File.Exists(journalPath)) File.Delete(journalPath);
        }
        return (events, sw.Elapsed.TotalSeconds);
    }

    /// <summary><c>FASTENGINE_BINANCE_FUTURES_API_KEY</c> for venue <c>binance-futures</c>.</summary>
    public static string CredentialVariable(string venue, string suffix) =>
        $"FASTENGINE_{venue.ToUpperInvariant().Replace('-', '_')}_{suffix}";

    public static async Task<LiveRunResult> RunAsync(LiveRunOptions options)
    {
        var config = options.Config;
        if (Check(config) is { } refusal) throw new ArgumentException(refusal);
        var log = options.Log ?? (_ => { });
        var dir = Path.GetDirectoryName(Path.GetFullPath(options.JournalPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        if (File.Exists(options.JournalPath)) File.Delete(options.JournalPath);

        if (config.Engine.WarmupRuns > 0)
        {
            var warm = WarmUp(config, options.WarmupFiles, config.Engine.WarmupRuns, options.JournalPath + ".warmup");
            log($"warm-up: {config.Engine.WarmupRuns} replay(s) of {options.WarmupFiles.Count} file(s), {warm.Events:N0} events in {warm.Seconds:F2} s, before connecting");
        }

        var registry = new InstrumentRegistry();
        var router = new LiveResyncRouter();
        var engine = new DecisionEngine(registry, ReplayRunner.OptionsFrom(config, options.JournalPath), router);
        CaptureFeed.ConfigureBooks(engine.Books);
        using var pipeline = new EnginePipeline(engine, config.Topology, multiProducer: true);
        using var capture = options.CapturePath is null ? null : new LiveCapture(options.CapturePath, options.CaptureRotation);
        var venues = new List<LiveVenueConnection>();
        foreach (var v in config.Venues.Where(v => v.Enabled))
        {
            VenueCatalog.TryParse(v.Name, out var id);
            var connection = new LiveVenueConnection(id, v, registry, pipeline, capture, options.InitialBackoff, log);
            router.Add(connection);
            venues.Add(connection);
        }

        var sw = Stopwatch.StartNew();
        pipeline.Start();
        foreach (var v in venues) v.Start();
        IDisposable? observer = options.OnStarted?.Invoke(new LiveRunContext(engine, venues.Select(v => v.Probe()).ToList(),
            capture is null ? null : () => (capture.Records, capture.Bytes, capture.Files.Count)));
        try
        {
            if (options.Duration is { } d) await Task.Delay(d, options.Stop).ConfigureAwait(false);
            else await Task.Delay(Timeout.Infinite, options.Stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        log("stopping: closing connections");
        await Task.WhenAll(venues.Select(v => v.StopAsync())).ConfigureAwait(false);
        log("stopping: draining the ring");
        pipeline.Halt();
        sw.Stop();
        observer?.Dispose();
        engine.Dispose(); // flushes the journal
        long records = capture?.Records ?? 0;
        var captureFiles = capture?.Files ?? [];

        var feed = new CaptureFeed(registry);
        foreach (var v in venues) feed.Stats[v.Venue] = v.Feed;
        var summary = new ReplayResult
        {
            Engine = engine,
            Feed = feed,
            Files = venues.Select(v => "live:" + v.Name).ToList(),
            Records = venues.Sum(v => v.Feed.Frames),
            Events = pipeline.Published,
            ElapsedSeconds = sw.Elapsed.TotalSeconds,
            WaitStrategy = config.Topology.WaitStrategy,
            Topology = config.Topology.Mode,
            HandlerFailures = pipeline.HandlerFailures,
            BookHandlerFailures = pipeline.BookHandlerFailures,
            ThreadLayout = ReplayRunner.LayoutOf(config.Topology, null, pipeline, producer: "receive loops not pinned"),
            ProducerMeasured = false,
            BookStage = pipeline.BookStage,
            DecisionBusyNsPerEvent = pipeline.DecisionClock.BusyNsPerEvent,
            BookBusyNsPerEvent = pipeline.BookClock?.BusyNsPerEvent ?? 0,
        };
        return new LiveRunResult
        {
            Summary = summary,
            Venues = venues.ToDictionary(v => v.Venue, v => v.Stats),
            Connections = venues.ToDictionary(v => v.Venue, v => v.Counters),
            CaptureRecords = records,
            CaptureFiles = captureFiles,
        };
    }

    /// <summary>The read-only counters of a venue connection, for telemetry.</summary>
    internal static FastEngine.Cli.Hosting.VenueProbe Probe(this LiveVenueConnection v) => new(v.Name, v.Venue, v.Feed, v.Stats, v.Counters);

    public static void WriteText(TextWriter o, LiveRunResult r)
    {
        ReplaySummary.WriteText(o, r.Summary);
        foreach (var (venue, s) in r.Venues)
        {
            var c = r.Connections[venue];
            o.WriteLine($"  {VenueNames.NameOf(venue)}: connects {s.Connects} (reconnects {s.Reconnects}), disconnects {c.Disconnects}, snapshots {s.SnapshotsFetched} (failed {s.SnapshotFailures}), resync requests {s.ResyncRequests}, trades {s.Trades}");
        }
        if (r.CaptureRecords > 0) o.WriteLine($"  capture: {r.CaptureRecords} records");
    }
}
