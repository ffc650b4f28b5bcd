using System.CommandLine;
using FastEngine.Cli.Hosting;
using FastEngine.Cli.Live;
using FastEngine.Hosting;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine run --config F [--capture out.fecap] [--duration S] [--journal F]</c>: connects every enabled venue,
/// runs the engine on paper until Ctrl+C / SIGTERM or the duration, then prints the replay summary plus connection
/// counters. Logs (connects, snapshots, resyncs, stop) and a telemetry line every <c>telemetry.intervalSeconds</c> go
/// through Serilog (<see cref="EngineLogging"/>: console on stderr, rolling JSON file); the summary goes to stdout.
/// Exit codes: 0 stopped cleanly; 2 bad arguments or config, refused credentials, or <c>mode: live</c> (never trades
/// live); 1 a handler failed.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Config file (venues with endpoint/restEndpoint; config/sim.json for the simulator).", Required = true };
        var capture = new Option<string?>("--capture") { Description = "Record every received frame and REST body into this capture set (rotated by the config's capture.rotateMb / capture.rotateMinutes: out.0001.fecap, out.0002.fecap, ...)." };
        var duration = new Option<double?>("--duration") { Description = "Stop after S seconds (default: run until Ctrl+C / SIGTERM)." };
        var journal = new Option<string?>("--journal") { Description = "Intent journal path (default: the config's journal.path)." };
        var command = new Command("run", "Connect the configured venues and run the engine live on paper (market data only; never sends orders).")
        {
            config, capture, duration, journal,
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
            double? seconds = parse.GetValue(duration);
            if (seconds is <= 0 or > 31_536_000)
            {
                error.WriteLine($"error: --duration {seconds} is not valid; allowed: more than 0 up to 31536000 seconds");
                return 2;
            }
            using var logger = EngineLogging.Create(cfg.Logging, error);
            if (cfg.Mode == "live") return RefuseLive(cfg, configPath, logger, error);
            if (LiveRunner.Check(cfg) is { } refusal)
            {
                EngineLogging.Fail(logger, error, $"{configPath}: {refusal}");
                return 2;
            }
            string? capturePath = parse.GetValue(capture) ?? (cfg.Capture.Enabled ? cfg.Capture.Path : null);
            using var stop = new StopSignal(line => logger.Information("{Line:l}", line));
            var interval = TimeSpan.FromSeconds(cfg.Telemetry.IntervalSeconds);
            LiveRunResult result;
            try
            {
                logger.Information("run: {Config:l}, venues {Venues:l}, journal {Journal:l}{Capture:l}", configPath,
                    string.Join(", ", cfg.Venues.Where(v => v.Enabled).Select(v => v.Name)), parse.GetValue(journal) ?? cfg.Journal.Path,
                    capturePath is null ? "" : $", capture {capturePath} (rotating at {cfg.Capture.RotateMb} MiB / {cfg.Capture.RotateMinutes} min)");
                result = LiveRunner.RunAsync(new LiveRunOptions
                {
                    Config = cfg,
                    JournalPath = parse.GetValue(journal) ?? cfg.Journal.Path,
                    CapturePath = capturePath,
                    CaptureRotation = capturePath is null ? null : CaptureRotation.From(cfg.Capture.RotateMb, cfg.Capture.RotateMinutes),
                    Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                    Stop = stop.Token,
                    Log = EngineLogging.AsLineLog(logger),
                    WarmupFiles = cfg.Replay.Select(f => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, f))).ToList(),
                    OnStarted = cfg.Telemetry.Enabled
                        ? context => new TelemetryReporter(new TelemetrySampler(context.Venues, context.Engine, context.Capture), logger, interval)
                        : null,
                }).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or UriFormatException)
            {
                EngineLogging.Fail(logger, error, ex.Message);
                return 2;
            }
            LiveRunner.WriteText(output, result);
            logger.Information("run: stopped after {Seconds:F1} s, {Events} events, {Intents} intents, handler failures {Failures}",
                result.Summary.ElapsedSeconds, result.Summary.Events, result.Summary.Engine.Stats.Intents, result.Summary.HandlerFailures);
            return result.Summary.HandlerFailures == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// <c>mode: live</c>: credentials come from the environment or the <c>credentialsFile</c> (refused when group/other
    /// can read it); which venue has them and from where is logged, never a value. Live order entry is not implemented,
    /// so the run is refused either way (exit 2) with the reason.
    /// </summary>
    private static int RefuseLive(EngineConfig cfg, string configPath, Serilog.ILogger logger, TextWriter error)
    {
        var configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        var credentials = CredentialStore.Load(cfg, configDir);
        if (credentials.Error is { } fileError)
        {
            EngineLogging.Fail(logger, error, $"{configPath}: {fileError}; refusing to start");
            return 2;
        }
        foreach (var c in credentials.Venues.Values) logger.Information("credentials: {Venue:l} from {Source:l} (values not shown)", c.Venue, c.Source);
        if (credentials.Missing.Count > 0)
        {
            var names = string.Join(", ", credentials.Missing.Select(v =>
                CredentialStore.Variable(v, "API_KEY") + " / " + CredentialStore.Variable(v, "API_SECRET")));
            EngineLogging.Fail(logger, error, $"{configPath}: mode \"live\" needs credentials in the environment ({names}) or in the credentialsFile; refusing to start (use mode \"paper\")");
            return 2;
        }
        EngineLogging.Fail(logger, error, $"{configPath}: mode \"live\": credentials found for {string.Join(", ", credentials.Venues.Keys)}, but live order entry is not implemented yet; refusing to start (use mode \"paper\")");
        return 2;
    }
}
