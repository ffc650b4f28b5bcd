using System.CommandLine;
using FastEngine.Cli.Commands;

namespace FastEngine.Cli;

/// <summary>Entry point of the <c>fastengine</c> command-line program. Each command lives in its own file under
/// <c>Commands/</c> and exposes <c>Create()</c>; this file only lists them.</summary>
public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    /// <summary>Builds the root command (also used by tests that invoke commands in-process).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FastEngine: low-latency multi-venue crypto market-data and arbitrage engine.");
        foreach (var command in Commands())
            root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands()
    {
        yield return VersionCommand.Create();
        yield return PercentilesCommand.Create();
        yield return ImportCommand.Create();
        yield return BenchCommand.Create();
        yield return LatencyReportCommand.Create();
        yield return ReplayCommand.Create();
        yield return VerifyCommand.Create();
        yield return SimCommand.Create();
        yield return RunCommand.Create();
        yield return LatencyCommand.Create();
        yield return HiccupCommand.Create();
        yield return CaptureCommand.Create();
    }
}
