using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastEngine.Cli;

namespace FastEngine.Tests.Tools;

/// <summary>Runs nothing else at the same time: <c>ring_bytes_per_op</c> is measured with the process-wide allocation
/// counter, which other tests running in parallel would inflate.</summary>
[CollectionDefinition(nameof(BenchRingCommandCollection), DisableParallelization = true)]
public sealed class BenchRingCommandCollection
{
}

[Collection(nameof(BenchRingCommandCollection))]
public class BenchRingCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("1p1c", "yielding")]
    [InlineData("3p1c", "blocking")]
    public void BenchRing_Json_HasKeysAndZeroAllocationPerEvent(string topology, string wait)
    {
        var (exitCode, output, error) = Run("bench", "ring", "--seconds", "1", "--json", "--topology", topology, "--wait", wait);

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(topology, root.GetProperty("topology").GetString());
        Assert.Equal(wait, root.GetProperty("wait_strategy").GetString());
        Assert.Equal(1, root.GetProperty("seconds").GetDouble());
        Assert.True(root.GetProperty("ring_ops_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("baseline_ops_per_s").GetDouble() > 0);
        // The command measures with the process-wide counter, so background threads of the test host (other suites'
        // servers winding down, the runner) add a fraction of a byte per event. Any allocation the ring itself made per
        // event would be at least one object (≥ 24 B/event); the exact 0-byte proof with per-thread counters is in
        // Tests/Engine/Ring/RingAllocationTests.cs.
        double bytesPerOp = root.GetProperty("ring_bytes_per_op").GetDouble();
        Assert.True(bytesPerOp < 1, $"ring allocated {bytesPerOp} bytes per event");
    }

    [Fact]
    public void BenchRing_Text_PrintsBothRatesAndRatio()
    {
        var (exitCode, output, _) = Run("bench", "ring", "--seconds", "0.3", "--topology", "pipeline3");
        Assert.Equal(0, exitCode);
        Assert.Contains("ring ", output);
        Assert.Contains("channel ", output);
        Assert.Contains("ratio", output);
    }

    [Theory]
    [InlineData("--topology", "2p2c")]
    [InlineData("--wait", "spin")]
    public void BenchRing_UnknownChoice_IsRejected(string option, string value)
    {
        var (exitCode, _, error) = Run("bench", "ring", option, value);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(value, error);
    }

    [Fact]
    public void BenchRing_NonPositiveSeconds_ExitsTwo()
    {
        var (exitCode, _, error) = Run("bench", "ring", "--seconds", "0");
        Assert.Equal(2, exitCode);
        Assert.Contains("--seconds", error);
    }

    [Fact]
    public void BenchRing_Cpus_PinsTheStageAndReportsTheLayout()
    {
        // The producer is this test's own thread: left unpinned ('-') so the test runner's thread keeps its CPU set.
        var (exitCode, output, error) = Run("bench", "ring", "--seconds", "0.3", "--json", "--cpus", "-,0");

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        Assert.Equal("-,0", document.RootElement.GetProperty("cpus").GetString());
        Assert.True(document.RootElement.GetProperty("ring_ops_per_s").GetDouble() > 0);
    }

    [Theory]
    [InlineData("1p1c", "0,1,0", "3 threads")]
    [InlineData("pipeline3", "0,x", "'x'")]
    [InlineData("1p1c", "-,4096", "'4096'")]
    public void BenchRing_BadCpus_ExitsTwoNamingTheProblem(string topology, string cpus, string expected)
    {
        var (exitCode, output, error) = Run("bench", "ring", "--topology", topology, "--cpus", cpus, "--seconds", "0.1");
        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("--cpus", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void BenchRing_RingSize_RunsThatRingAndReportsIt()
    {
        var (exitCode, output, error) = Run("bench", "ring", "--seconds", "0.2", "--json", "--ring-size", "1024");

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(1024, document.RootElement.GetProperty("ring_size").GetInt32());
        Assert.True(document.RootElement.GetProperty("ring_ops_per_s").GetDouble() > 0);
    }

    [Theory]
    [InlineData("1000")]
    [InlineData("32")]
    [InlineData("33554432")]
    public void BenchRing_BadRingSize_ExitsTwoNamingTheRange(string size)
    {
        var (exitCode, output, error) = Run("bench", "ring", "--ring-size", size, "--seconds", "0.1");
        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("--ring-size must be a power of two from 64 to 16777216", error);
        Assert.Contains(size, error);
    }
}
