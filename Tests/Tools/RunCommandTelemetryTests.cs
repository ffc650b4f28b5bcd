using System.CommandLine;
using System.Text.Json.Nodes;
using FastEngine.Cli;
using FastEngine.Cli.Replay;
using FastEngine.Cli.Sim;
using FastEngine.Tests.Engine.Capture;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Tools;

/// <summary><c>run</c> as an unattended process would run it: log lines and telemetry through Serilog (console on
/// stderr, JSON file), the summary alone on stdout, a rotated capture set, exit 0 after <c>--duration</c>.</summary>
public class RunCommandTelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_AgainstSimulator_TelemetryInJsonLogSummaryOnStdoutRotatedCapture()
    {
        using var dir = new TempDirectory();
        var spot = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
        await using var sim = await ExchangeSimulator.StartAsync(new ExchangeSimulatorOptions { Captures = [spot], Speed = new ReplaySpeed(10) });
        string configPath = dir.File("run.json");
        string Slash(string p) => p.Replace("\\", "/");
        File.WriteAllText(configPath, $$"""
            {
              "venues": [ { "name": "binance", "symbols": ["BTCUSDT"], "endpoint": "{{sim.WebSocketUrl("binance")}}", "restEndpoint": "{{sim.RestUrl}}" } ],
              "topology": { "waitStrategy": "blocking" },
              "journal": { "path": "{{Slash(dir.File("intents.fej"))}}", "fsync": "never" },
              "capture": { "enabled": true, "path": "{{Slash(dir.File("run.fecap"))}}", "rotateMb": 0.2 },
              "logging": { "file": "{{Slash(dir.File("logs/run-.json"))}}", "rollingInterval": "infinite" },
              "telemetry": { "intervalSeconds": 0.3 },
              "engine": { "warmupRuns": 1 },
              "replay": [ "{{Slash(spot)}}" ]
            }
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await Task.Run(() => Program.BuildRoot().Parse(["run", "--config", configPath, "--duration", "2.5"])
            .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr }));
        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        Assert.Equal(0, exit);
        Assert.StartsWith("replay: live:binance", stdout.ToString());
        Assert.DoesNotContain("telemetry", stdout.ToString());
        Assert.Contains("connected to", stderr.ToString());
        // engine.warmupRuns: the replay list went through a throwaway engine before the venue connected.
        var warm = System.Text.RegularExpressions.Regex.Match(stderr.ToString(), @"warm-up: 1 replay\(s\) of 1 file\(s\), ([0-9,]+) events");
        Assert.True(warm.Success, "no warm-up line");
        Assert.True(stderr.ToString().IndexOf("warm-up:", StringComparison.Ordinal) < stderr.ToString().IndexOf("connected to", StringComparison.Ordinal));
        Assert.False(File.Exists(dir.File("intents.fej.warmup")));
        Assert.Contains("telemetry (final): binance", stderr.ToString());

        var lines = File.ReadAllLines(Directory.GetFiles(dir.File("logs")).Single()).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var telemetry = lines.Where(l => ((string?)l["MessageTemplate"])?.StartsWith("telemetry", StringComparison.Ordinal) == true).ToList();
        Assert.True(telemetry.Count >= 2, $"{telemetry.Count} telemetry lines");
        var last = telemetry[^1]["Properties"]!["Telemetry"]!;
        var venue = last["Venues"]!.AsArray().Single()!;
        Assert.Equal("binance", (string)venue["Venue"]!);
        Assert.True((long)venue["Messages"]! > 0);
        Assert.Equal(1, (int)venue["Books"]!);
        Assert.True(last["Rejects"] is JsonObject);
        Assert.True((int)last["CaptureFiles"]! >= 1);
        Assert.True(File.Exists(dir.File("run.0001.fecap")));
    }
}
