using System.CommandLine;
using System.Runtime.InteropServices;

namespace FastEngine.Cli.Commands;

/// <summary><c>fastengine version</c>: prints the program and runtime versions.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the FastEngine and .NET runtime versions.");
        command.SetAction(parseResult =>
        {
            var version = typeof(VersionCommand).Assembly.GetName().Version;
            parseResult.InvocationConfiguration.Output.WriteLine(
                $"fastengine {version} on {RuntimeInformation.FrameworkDescription} {RuntimeInformation.RuntimeIdentifier}");
            return 0;
        });
        return command;
    }
}
