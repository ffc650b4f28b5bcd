using System.CommandLine;

namespace FastEngine.Cli.Commands;

/// <summary><c>fastengine bench</c>: groups the benchmark subcommands (<c>ring</c>, <c>websocket</c>).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run built-in throughput benchmarks.");
        command.Subcommands.Add(BenchRingCommand.Create());
        command.Subcommands.Add(BenchWebSocketCommand.Create());
        return command;
    }
}
