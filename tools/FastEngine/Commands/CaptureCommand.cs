using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli.Hosting;
using FastEngine.Cli.Live;
using FastEngine.Hosting;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine capture --config F [--out F.fecap] [--rotate-mb N] [--rotate-minutes N] [--duration S] [--json]</c>:
/// connects the configured venues like <c>run</c> and records everything (frames, REST snapshots, connects, closes,
/// subscriptions) without running the engine, into a rotated capture set <c>out.0001.fecap</c>, <c>out.0002.fecap</c>,
/// ... (see <see cref="RotatingCaptureWriter"/>). Stops on Ctrl+C / SIGTERM or after the duration, closing the sockets
/// with a close frame and the last file cleanly. Exit codes: 0 stopped cleanly; 2 bad arguments or config; 1 the
/// capture could not be written.
/// </summary>
internal static class CaptureCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Config file (venues, endpoints, capture and logging blocks).", Required = true };
        var outPath = new Option<string?>("--out") { Description = "Base name of the capture files (default: the config's capture.path); files are NAME.0001.fecap, NAME.0002.fecap, ..." };
        var rotateMb = new Option<double?>("--rotate-mb") { Description = "Start a new file at this size in MiB (default: capture.rotateMb; 0.01 to 1000000)." };
        var rotateMinutes = new Option<double?>("--rotate-minutes") { Description = "Start a new file after this many minutes (default: capture.rotateMinutes; 0.01 to 100000)." };
        var duration = new Option<double?>("--duration") { Description = "Stop after S seconds (default: until Ctrl+C / SIGTERM)." };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object (files, records, bytes, per-venue counters)." };
        var command = new Command("capture", "Record the configured venues' market data (frames and REST snapshots) into rotated .fecap files, without trading.")
        {
            config, outPath, rotateMb, rotateMinutes, duration, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var configPath = parse.GetValue(config)!;
            var cfg = EngineConfigLoader.TryLoad(configPath, out var errors);
            if (cfg is null)
            {
                foreach (var e in errors) error.WriteLine($"error: {configPath}: {e}");
                return 2;
            }
            double mb = parse.GetValue(rotateMb) ?? cfg.Capture.RotateMb, minutes = parse.GetValue(rotateMinutes) ?? cfg.Capture.RotateMinutes;
            if (double.IsNaN(mb) || mb < 0.01 || mb > 1_000_000)
            {
                error.WriteLine($"error: --rotate-mb {mb} is not valid; allowed: 0.01 to 1000000");
                return 2;
            }
            if (double.IsNaN(minutes) || minutes < 0.01 || minutes > 100_000)
            {
                error.WriteLine($"error: --rotate-minutes {minutes} is not valid; allowed: 0.01 to 100000");
                return 2;
            }
            double? seconds = parse.GetValue(duration);
            if (seconds is <= 0 or > 31_536_000)
            {
                error.WriteLine($"error: --duration {seconds} is not valid; allowed: more than 0 up to 31536000 seconds");
                return 2;
            }
            string path = parse.GetValue(outPath) ?? cfg.Capture.Path;
            bool asJson = parse.GetValue(json);
            using var logger = EngineLogging.Create(cfg.Logging, error);
            if (LiveCaptureRunner.Check(cfg) is { } refusal)
            {
                EngineLogging.Fail(logger, error, $"{configPath}: {refusal}");
                return 2;
            }
            using var stop = new StopSignal(line => logger.Information("{Line:l}", line));
            var interval = TimeSpan.FromSeconds(cfg.Telemetry.IntervalSeconds);
            LiveCaptureResult result;
            try
            {
                logger.Information("capture: {Config:l} -> {Path:l} (rotating at {Mb} MiB / {Minutes} min)", configPath, RotatingCaptureWriter.NumberedPath(path, 1), mb, minutes);
                result = ProgressReporter.Run("capture", output, error, asJson,
                    static (done, total, records) => total > 0 ? $"{records:N0} records, {done:N0} of {total:N0} s" : $"{records:N0} records, {done:N0} s",
                    progress => LiveCaptureRunner.RunAsync(new LiveCaptureOptions
                    {
                        Config = cfg,
                        OutPath = path,
                        Rotation = CaptureRotation.From(mb, minutes),
                        Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                        Stop = stop.Token,
                        Log = EngineLogging.AsLineLog(logger),
                        OnStarted = context => new CaptureObserver(context, progress, seconds,
                            cfg.Telemetry.Enabled ? new TelemetryReporter(new TelemetrySampler(context.Venues, null, context.Capture), logger, interval) : null),
                    }).GetAwaiter().GetResult());
            }
            catch (Exception ex) when (ex is ArgumentException or UriFormatException)
            {
                EngineLogging.Fail(logger, error, ex.Message);
                return 2;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                EngineLogging.Fail(logger, error, $"capture failed: {ex.Message}");
                return 1;
            }
            if (asJson) WriteJson(output, result);
            else LiveCaptureRunner.WriteText(output, result);
            logger.Information("capture: stopped; {Records} records in {Files} file(s)", result.Records, result.Files.Count);
            return 0;
        });
        return command;
    }

    private static void WriteJson(TextWriter output, LiveCaptureResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var f in r.Files) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteNumber("records", r.Records);
            w.WriteNumber("bytes", r.Bytes);
            w.WriteNumber("elapsed_s", Math.Round(r.ElapsedSeconds, 3));
            w.WriteStartObject("venues");
            foreach (var (venue, s) in r.Venues)
            {
                w.WriteStartObject(Model.VenueNames.NameOf(venue));
                w.WriteNumber("frames", r.Frames[venue]);
                w.WriteNumber("connects", s.Connects);
                w.WriteNumber("reconnects", s.Reconnects);
                w.WriteNumber("snapshots", s.SnapshotsFetched);
                w.WriteNumber("snapshot_failures", s.SnapshotFailures);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>Progress (elapsed seconds against the duration, records so far) once a second, plus telemetry.</summary>
    private sealed class CaptureObserver : IDisposable
    {
        private readonly Timer _timer;
        private readonly TelemetryReporter? _telemetry;

        public CaptureObserver(LiveRunContext context, ProgressReporter progress, double? seconds, TelemetryReporter? telemetry)
        {
            _telemetry = telemetry;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _timer = new Timer(_ => progress.Report((long)clock.Elapsed.TotalSeconds, (long)(seconds ?? 0), context.Capture?.Invoke().Records ?? 0),
                null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }

        public void Dispose()
        {
            using (var done = new ManualResetEvent(false))
                if (_timer.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(5));
            _telemetry?.Dispose();
        }
    }
}
