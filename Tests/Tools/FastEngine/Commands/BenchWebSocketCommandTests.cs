using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli.Commands;

namespace FastEngine.Tests.Tools.FastEngine.Commands;

public class BenchWebSocketCommandTests
{
    [Fact]
    public void Invoke_JsonOneSecond_PrintsBothClientsFigures()
    {
        var root = new RootCommand { BenchWebSocketCommand.Create() };
        var output = new StringWriter();
        int exit = root.Parse(["websocket", "--size", "150", "--seconds", "1", "--json"])
            .Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, exit);
        using JsonDocument json = JsonDocument.Parse(output.ToString());
        JsonElement r = json.RootElement;
        Assert.Equal(150, r.GetProperty("size").GetInt32());
        Assert.False(r.GetProperty("tls").GetBoolean());
        Assert.Equal(1, r.GetProperty("seconds").GetInt32());
        Assert.True(r.GetProperty("ours_msgs_per_s").GetDouble() > 0);
        Assert.True(r.GetProperty("baseline_msgs_per_s").GetDouble() > 0);
        Assert.True(r.GetProperty("ours_bytes_per_msg").GetDouble() >= 0);
        Assert.True(r.GetProperty("baseline_bytes_per_msg").GetDouble() >= 0);
    }

    [Fact]
    public void Invoke_SizeOutOfRange_ExitCode2WithMessage()
    {
        var root = new RootCommand { BenchWebSocketCommand.Create() };
        var error = new StringWriter();
        int exit = root.Parse(["websocket", "--size", "10"]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, exit);
        Assert.Contains("--size 10", error.ToString());
    }
}
