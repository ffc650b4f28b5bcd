using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli.Hosting;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine replay [file...] [--config F] [--speed max|1x|Nx] [--json] [--out DIR]</c>: merges captures by receive
/// time and runs them through the whole pipeline. With no file it replays the bundled capture with the bundled config.
/// Exit codes: 0 done; 2 bad arguments, config or files; 1 the pipeline failed (a handler threw).
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("file") { Description = "Capture files (any supported format); none: the bundled replay of the config.", Arity = ArgumentArity.ZeroOrMore };
        var config = new Option<string?>("--config") { Description = "Config file (default: config/default.json found from the current directory up)." };
        var speed = new Option<string>("--speed") { Description = "max (as fast as possible), 1x (recorded pace) or Nx.", DefaultValueFactory = _ => "max" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var outDir = new Option<string>("--out") { Description = "Directory for the intent journal and latency report.", DefaultValueFactory = _ => "out/replay" };
        var venue = new Option<string?>("--venue") { Description = "Venue of the files when it cannot be inferred (folder names of the shared captures)." };
        var format = new Option<string?>("--format") { Description = "Capture format: auto, fecap, legacy, envelope, tsraw, jsonl." };
        var command = new Command("replay", "Replay captures through the full pipeline (books, signals, routing, risk, paper execution) and print a summary.")
        {
            files, config, speed, json, outDir, venue, format,
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
            var configPath = parse.GetValue(config) ?? ConfigLocator.FindDefault();
            if (configPath is null)
            {
                error.WriteLine("error: no --config given and config/default.json not found in the current directory or its parents");
                return 2;
            }
            var cfg = EngineConfigLoader.TryLoad(configPath, out var errors);
            if (cfg is null)
            {
                foreach (var e in errors) error.WriteLine($"error: {configPath}: {e}");
                return 2;
            }
            var inputs = parse.GetValue(files) ?? [];
            if (inputs.Length == 0)
            {
                var baseDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
                inputs = cfg.Replay.Select(p => Path.GetFullPath(Path.Combine(baseDir, p))).ToArray();
                if (inputs.Length == 0)
                {
                    error.WriteLine($"error: no capture files given and {configPath} lists none under \"replay\"");
                    return 2;
                }
            }
            foreach (var f in inputs)
            {
                if (!File.Exists(f))
                {
                    error.WriteLine($"error: capture file not found: {f}");
                    return 2;
                }
            }
            var dir = parse.GetValue(outDir)!;
            ReplayResult result;
            try
            {
                // Progress: a bar on a terminal, plain lines on stderr otherwise; the callback only stores numbers.
                result = ProgressReporter.Run("replay", output, error, parse.GetValue(json),
                    static (records, _, events) => $"{records:N0} records, {events:N0} events",
                    progress => ReplayRunner.Run(inputs, cfg, replaySpeed, Path.Combine(dir, "intents.fej"), parse.GetValue(venue), parse.GetValue(format),
                        (records, events) => progress.Report(records, 0, events)));
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 2;
            }
            if (parse.GetValue(json))
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, result);
                output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            }
            else
            {
                ReplaySummary.WriteText(output, result);
            }
            return result.HandlerFailures == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary>Finds <c>config/default.json</c> from the current directory (or the program's) upwards.</summary>
internal static class ConfigLocator
{
    public static string? FindDefault()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "config", "default.json");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
