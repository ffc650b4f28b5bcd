using System.CommandLine;
using FastEngine.Cli.Hosting;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Cli.Sim;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine sim --capture F... [--port N] [--tls] [--speed max|1x|Nx] [--drop-after N] [--gap-at N]</c>: a loopback exchange
/// serving recorded frames with the venue's own protocol until Ctrl+C / SIGTERM. Exit codes: 0 stopped; 2 bad arguments.
/// </summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var captures = new Option<string[]>("--capture") { Description = "Capture files to serve (Binance spot / USD-M / COIN-M, OKX, Bybit, Coinbase, Kraken v1, Gemini).", Required = true, AllowMultipleArgumentsPerToken = true };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => 0 };
        var tls = new Option<bool>("--tls") { Description = "Serve wss/https with a self-signed certificate (its SHA-256 is printed for pinning)." };
        var speed = new Option<string>("--speed") { Description = "max, 1x (recorded pace) or Nx.", DefaultValueFactory = _ => "1x" };
        var dropAfter = new Option<int>("--drop-after") { Description = "Close each venue's first connection after N frames (reconnect testing); 0 = never.", DefaultValueFactory = _ => 0 };
        var gapAt = new Option<int>("--gap-at") { Description = "Withhold the Nth book frame of each venue once (resync testing); 0 = never.", DefaultValueFactory = _ => 0 };
        var command = new Command("sim", "Loopback exchange simulator: serves captured frames over WebSocket and REST snapshots from its own book replica.")
        {
            captures, port, tls, speed, dropAfter, gapAt,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!ReplaySpeed.TryParse(parse.GetValue(speed)!, out var replaySpeed))
            {
                error.WriteLine($"error: --speed '{parse.GetValue(speed)}' is not valid; allowed: max, 1x, Nx (N > 0)");
                return 2;
            }
            int portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                error.WriteLine($"error: --port {portValue} is not valid; allowed: 0..65535");
                return 2;
            }
            var files = parse.GetValue(captures) ?? [];
            foreach (var f in files)
            {
                if (!File.Exists(f))
                {
                    error.WriteLine($"error: capture file not found: {f}");
                    return 2;
                }
            }
            // Connection and fault-injection lines go through Serilog (console only: the simulator has no config).
            using var logger = EngineLogging.Create(new LoggingConfig { File = null }, output);
            ExchangeSimulator sim;
            try
            {
                sim = ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions
                {
                    Captures = files,
                    Port = portValue,
                    Tls = parse.GetValue(tls),
                    Speed = replaySpeed,
                    DropAfterFrames = Math.Max(0, parse.GetValue(dropAfter)),
                    GapAtBookFrame = Math.Max(0, parse.GetValue(gapAt)),
                    Log = EngineLogging.AsLineLog(logger),
                }).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException or InvalidDataException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 2;
            }
            output.WriteLine($"sim: listening on 127.0.0.1:{sim.Port} ({(sim.Tls ? "TLS" : "plain")}), speed {parse.GetValue(speed)}");
            if (sim.CertificateSha256 is not null)
                output.WriteLine($"sim: certificate SHA-256 {sim.CertificateSha256} (config: \"pinnedCertificateSha256\")");
            foreach (var (venue, frames) in sim.SendableFrames)
                output.WriteLine($"sim: {venue}: {frames} frames at {sim.WebSocketUrl(venue)}, REST {sim.RestUrl}");
            using var stop = new ManualResetEventSlim();
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
            stop.Wait();
            output.WriteLine($"sim: stopping; {sim.FramesSent} frames sent over {sim.Connections} connections, {sim.SnapshotsServed} snapshots served, {sim.Drops} drops, {sim.Gaps} gaps");
            sim.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        });
        return command;
    }
}
