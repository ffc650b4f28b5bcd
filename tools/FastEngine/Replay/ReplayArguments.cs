using FastEngine.Cli.Commands;
using FastEngine.Hosting;

namespace FastEngine.Cli.Replay;

/// <summary>The config and input files of a replay-driven command (<c>latency</c>): the given config or the default one
/// found upwards, the given files or the config's bundled "replay" list. Errors go to the command's error writer.</summary>
internal static class ReplayArguments
{
    public static bool TryResolve(string? configOption, string[] files, TextWriter error, out EngineConfig config, out string[] inputs)
    {
        config = null!;
        inputs = files;
        var configPath = configOption ?? ConfigLocator.FindDefault();
        if (configPath is null)
        {
            error.WriteLine("error: no --config given and config/default.json not found in the current directory or its parents");
            return false;
        }
        var cfg = EngineConfigLoader.TryLoad(configPath, out var errors);
        if (cfg is null)
        {
            foreach (var e in errors) error.WriteLine($"error: {configPath}: {e}");
            return false;
        }
        config = cfg;
        if (inputs.Length == 0)
        {
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
            inputs = cfg.Replay.Select(p => Path.GetFullPath(Path.Combine(baseDir, p))).ToArray();
            if (inputs.Length == 0)
            {
                error.WriteLine($"error: no capture files given and {configPath} lists none under \"replay\"");
                return false;
            }
        }
        foreach (var f in inputs)
        {
            if (!File.Exists(f))
            {
                error.WriteLine($"error: capture file not found: {f}");
                return false;
            }
        }
        return true;
    }
}
