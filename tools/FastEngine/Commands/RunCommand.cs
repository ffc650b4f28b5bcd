using System.CommandLine;
using System.Runtime.InteropServices;
using FastEngine.Cli.Live;
using FastEngine.Hosting;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine run --config F [--capture out.fecap] [--duration S]</c>: connects every enabled venue, runs the engine
/// on paper until Ctrl+C / SIGTERM or the duration, then prints the replay summary plus connection counters.
/// Exit codes: 0 stopped cleanly; 2 bad arguments or config, or <c>mode: live</c> (never trades live); 1 a handler failed.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Config file (venues with endpoint/restEndpoint; config/sim.json for the simulator).", Required = true };
        var capture = new Option<string?>("--capture") { Description = "Record every received frame and REST body into this .fecap file." };
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
            if (LiveRunner.Check(cfg) is { } refusal)
            {
                error.WriteLine($"error: {configPath}: {refusal}");
                return 2;
            }
            double? seconds = parse.GetValue(duration);
            if (seconds is <= 0 or > 31_536_000)
            {
                error.WriteLine($"error: --duration {seconds} is not valid; allowed: more than 0 up to 31536000 seconds");
                return 2;
            }
            using var stop = new CancellationTokenSource();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            var gate = new object();
            LiveRunResult result;
            try
            {
                result = LiveRunner.RunAsync(new LiveRunOptions
                {
                    Config = cfg,
                    JournalPath = parse.GetValue(journal) ?? cfg.Journal.Path,
                    CapturePath = parse.GetValue(capture),
                    Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                    Stop = stop.Token,
                    Log = line => { lock (gate) error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"); },
                }).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or UriFormatException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 2;
            }
            LiveRunner.WriteText(output, result);
            return result.Summary.HandlerFailures == 0 ? 0 : 1;
        });
        return command;
    }
}
