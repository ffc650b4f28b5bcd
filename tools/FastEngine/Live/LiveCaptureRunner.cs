using System.Diagnostics;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Hosting;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>Settings of a record-only session (<c>fastengine capture</c>).</summary>
public sealed record LiveCaptureOptions
{
    public required EngineConfig Config { get; init; }
    /// <summary>Base name of the capture set (<c>out.fecap</c> → <c>out.0001.fecap</c>, ...).</summary>
    public required string OutPath { get; init; }
    /// <summary>When the next file starts; null = one file at <see cref="OutPath"/> exactly.</summary>
    public CaptureRotation? Rotation { get; init; }
    /// <summary>Stop after this long; null = until <see cref="Stop"/> is cancelled.</summary>
    public TimeSpan? Duration { get; init; }
    public CancellationToken Stop { get; init; }
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Connection state changes and snapshot fetches; called from several threads.</summary>
    public Action<string>? Log { get; init; }
    /// <summary>Called once every venue started (telemetry, progress); what it returns is disposed after the sockets closed
    /// and before the last file is closed.</summary>
    public Func<LiveRunContext, IDisposable?>? OnStarted { get; init; }
}

/// <summary>Result of a record-only session.</summary>
public sealed class LiveCaptureResult
{
    public required IReadOnlyList<string> Files { get; init; }
    public long Records { get; init; }
    public long Bytes { get; init; }
    public double ElapsedSeconds { get; init; }
    public required IReadOnlyDictionary<VenueId, LiveVenueStats> Venues { get; init; }
    public required IReadOnlyDictionary<VenueId, Adapters.Transport.WebSocketConnectionCounters> Connections { get; init; }
    /// <summary>Frames received per venue.</summary>
    public required IReadOnlyDictionary<VenueId, long> Frames { get; init; }
}

/// <summary>
/// Record-only operation: the same venue connections as <c>run</c> (<see cref="LiveVenueConnection"/>: reconnect with
/// backoff, heartbeats, subscriptions, pinned certificates) with no engine behind them. Frames are written to the
/// capture and never parsed; REST snapshots are still fetched and recorded — after every connect, for every configured
/// symbol, since no book is there to ask for them — so that a replay of the capture syncs its books exactly as
/// <c>run</c> would have (OKX sends its snapshot on subscribe).
/// </summary>
/// <remarks>
/// A gap inside a connection (a frame the venue never delivered) cannot be seen without parsing, so no resync is
/// requested for it: the replay of the capture sees the gap, marks the book unsynced and syncs again at the next
/// recorded snapshot (the next reconnect). Stop order: sockets closed with a close frame, snapshot loops ended, the
/// last file flushed and closed.
/// </remarks>
public static class LiveCaptureRunner
{
    /// <summary>Errors that refuse the capture before anything connects (null when it can run). The mode is irrelevant:
    /// a capture never trades.</summary>
    public static string? Check(EngineConfig config) => LiveRunner.Check(config with { Mode = "paper" });

    public static async Task<LiveCaptureResult> RunAsync(LiveCaptureOptions options)
    {
        var config = options.Config;
        if (Check(config) is { } refusal) throw new ArgumentException(refusal);
        var log = options.Log ?? (_ => { });
        var registry = new InstrumentRegistry();
        var capture = new LiveCapture(options.OutPath, options.Rotation, "fastengine capture");
        var venues = new List<LiveVenueConnection>();
        try
        {
            foreach (var v in config.Venues.Where(v => v.Enabled))
            {
                VenueCatalog.TryParse(v.Name, out var id);
                venues.Add(new LiveVenueConnection(id, v, registry, pipeline: null, capture, options.InitialBackoff, log));
            }
            var sw = Stopwatch.StartNew();
            foreach (var v in venues) v.Start();
            IDisposable? observer = options.OnStarted?.Invoke(new LiveRunContext(null, venues.Select(v => v.Probe()).ToList(),
                () => (capture.Records, capture.Bytes, capture.Files.Count)));
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
            sw.Stop();
            observer?.Dispose();
            var result = new LiveCaptureResult
            {
                Files = capture.Files,
                Records = capture.Records,
                Bytes = capture.Bytes,
                ElapsedSeconds = sw.Elapsed.TotalSeconds,
                Venues = venues.ToDictionary(v => v.Venue, v => v.Stats),
                Connections = venues.ToDictionary(v => v.Venue, v => v.Counters),
                Frames = venues.ToDictionary(v => v.Venue, v => Volatile.Read(ref v.Feed.Frames)),
            };
            log($"capture closed: {result.Records} records in {result.Files.Count} file(s)");
            return result;
        }
        finally
        {
            capture.Dispose();
        }
    }

    public static void WriteText(TextWriter o, LiveCaptureResult r)
    {
        o.WriteLine($"capture: {r.Records:N0} records, {r.Bytes / 1048576.0:F2} MiB in {r.Files.Count} file(s), {r.ElapsedSeconds:F1} s");
        foreach (var f in r.Files) o.WriteLine($"  {f}");
        foreach (var (venue, s) in r.Venues)
        {
            var c = r.Connections[venue];
            o.WriteLine($"  {VenueNames.NameOf(venue)}: frames {r.Frames[venue]}, connects {s.Connects} (reconnects {s.Reconnects}), disconnects {c.Disconnects}, snapshots {s.SnapshotsFetched} (failed {s.SnapshotFailures})");
        }
    }
}
