using System.CommandLine;
using System.Globalization;
using FastEngine.Cli;
using FastEngine.Tests.Engine.Metrics;

namespace FastEngine.Tests.Tools;

/// <summary>Runs <c>fastengine percentiles</c> in-process on the reference input and compares its stdout with
/// HdrHistogram.NET's own output for the same values (Fixtures/Hdr/reference.txt).</summary>
public sealed class PercentilesCommandTests : IClassFixture<PercentilesCommandTests.ValuesFile>, IDisposable
{
    private readonly ValuesFile _values;
    private readonly List<string> _tempFiles = new();

    public PercentilesCommandTests(ValuesFile values) => _values = values;

    /// <summary>The 1,000,000 generated reference values, one per line, with a comment and blank lines mixed in.</summary>
    public sealed class ValuesFile : IDisposable
    {
        public ValuesFile()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fastengine-percentiles-{Guid.NewGuid():N}.txt");
            using var writer = new StreamWriter(Path);
            writer.Write("# reference input: SplitMix64(42), see Fixtures/Hdr/reference.txt\n\n");
            long[] values = HdrReference.Values;
            for (int i = 0; i < values.Length; i++)
            {
                writer.Write(values[i].ToString(CultureInfo.InvariantCulture));
                writer.Write(i == 500_000 ? "\n   \n" : "\n");
            }
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    [Theory]
    [InlineData(HdrReference.HgrmNanos, new string[0])]
    [InlineData(HdrReference.HgrmMicros, new[] { "--scale", "1000" })]
    [InlineData(HdrReference.HgrmCsv, new[] { "--scale", "1000", "--csv" })]
    public void Percentiles_ReferenceInput_PrintsLibraryOutput(string section, string[] options)
    {
        (int exitCode, string output, string error) = Run(["percentiles", _values.Path, .. options]);

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        LongHistogramReferenceTests.AssertSameText(HdrReference.SectionText(section), output);
    }

    [Fact]
    public void Percentiles_FileNotFound_ExitsTwoWithMessage()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-file-{Guid.NewGuid():N}.txt");

        (int exitCode, string output, string error) = Run(["percentiles", missing]);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("file not found", error, StringComparison.Ordinal);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_NonIntegerLine_ExitsTwoNamingLineNumberAndText()
    {
        string path = TempFile("# header\n12\n\n13\n12.5ms\n14\n");

        (int exitCode, string output, string error) = Run(["percentiles", path]);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("line 5", error, StringComparison.Ordinal);
        Assert.Contains("'12.5ms'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_ValuesAboveHighestOrNegative_CountedWarnedStillPrintedExitThree()
    {
        string path = TempFile("5\n1000\n-3\n7\n");

        (int exitCode, string output, string error) = Run(["percentiles", path, "--highest", "100", "--digits", "2"]);

        Assert.Equal(3, exitCode);
        Assert.Contains("2 value(s) outside [0, 100]", error, StringComparison.Ordinal);
        Assert.Contains("line 2: 1000", error, StringComparison.Ordinal);
        Assert.Contains("line 3: -3", error, StringComparison.Ordinal);
        // Two recorded values, 5 and 7 (slots of width 1 with 2 digits); the footer counts only them.
        Assert.Contains("#[Max     =         7.00, Total count    =            2]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--digits", "6", "numberOfSignificantValueDigits")]
    [InlineData("--highest", "1", "highestTrackableValue")]
    [InlineData("--scale", "0", "--scale")]
    public void Percentiles_InvalidOption_ExitsTwoNamingIt(string option, string value, string named)
    {
        string path = TempFile("1\n");

        (int exitCode, string output, string error) = Run(["percentiles", path, option, value]);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains(value, error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (string path in _tempFiles)
            File.Delete(path);
    }

    private string TempFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastengine-percentiles-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        _tempFiles.Add(path);
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
