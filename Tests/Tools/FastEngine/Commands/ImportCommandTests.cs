using System.CommandLine;
using FastEngine.Capture;
using FastEngine.Cli;
using FastEngine.Tests.Engine.Capture;
using static FastEngine.Tests.Engine.Capture.Import.ImportTestSupport;

namespace FastEngine.Tests.Tools.FastEngine.Commands;

public class ImportCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Import_HtxLegacyFixture_WritesFecapAndPrintsCounts()
    {
        using var dir = new TempDirectory();
        string output = dir.File("htx.fecap");
        var (exit, stdout, stderr) = Run("import", Fixture("htx_spot_depth-step0_2021-04-17.head40.gzip-pybytes.legacy.txt"), "--out", output);

        Assert.True(exit == 0, stderr);
        Assert.Contains("records: 40", stdout);
        Assert.Contains("ReceivedBinary: 19", stdout);
        Assert.Contains("Sent: 20", stdout);
        Assert.Contains("venue htx: 40", stdout);
        Assert.Contains("rejected: 0", stdout);

        // The written file holds the frames decoded exactly as the Python reference.
        string[] reference = File.ReadAllLines(Fixture("htx_spot_depth-step0_2021-04-17.head40.decoded.jsonl"));
        using var reader = CaptureReader.Open(output);
        var frames = ReadAll(reader).Where(r => r.Kind == CaptureRecordKind.ReceivedBinary).Select(r => r.Text).ToArray();
        Assert.Equal(reference, frames);
        Assert.Equal(CaptureReadStatus.EndOfData, reader.Status);
        Assert.Equal("fastengine import Legacy htx_spot_depth-step0_2021-04-17.head40.gzip-pybytes.legacy.txt", reader.Header!.WriterInfo);
    }

    [Fact]
    public void Import_VenueOverride_AttributesEveryRecord()
    {
        using var dir = new TempDirectory();
        var (exit, stdout, _) = Run("import", Fixture("binance_spot_btcusdt_2024-08-08.head12.tsns.txt"), "--venue", "binance-futures", "--format", "tsraw", "--out", dir.File("o.fecap"));
        Assert.Equal(0, exit);
        Assert.Contains("venue binance-futures: 13", stdout);
        Assert.Contains("RestResponse: 1", stdout);
    }

    [Fact]
    public void Import_MissingInput_Exit2WithMessage()
    {
        using var dir = new TempDirectory();
        var (exit, _, stderr) = Run("import", dir.File("nope.legacy.txt"), "--out", dir.File("o.fecap"));
        Assert.Equal(2, exit);
        Assert.Contains("input file not found", stderr);
    }

    [Fact]
    public void Import_UnknownVenueOrFormat_Exit2()
    {
        using var dir = new TempDirectory();
        string input = Fixture("binance_spot_btcusdt_2024-08-08.head12.tsns.txt");
        var venue = Run("import", input, "--venue", "nowhere", "--out", dir.File("o.fecap"));
        Assert.Equal(2, venue.Exit);
        Assert.Contains("unknown venue 'nowhere'", venue.Err);
        var format = Run("import", input, "--format", "csv", "--out", dir.File("o.fecap"));
        Assert.Equal(2, format.Exit);
        Assert.Contains("unknown --format 'csv'", format.Err);
    }

    [Fact]
    public void Import_NothingImportable_Exit1WithReasons()
    {
        using var dir = new TempDirectory();
        string input = dir.File("junk.txt");
        File.WriteAllText(input, "not json\nstill not\n");
        var (exit, stdout, stderr) = Run("import", input, "--format", "jsonl", "--out", dir.File("o.fecap"));
        Assert.Equal(1, exit);
        Assert.Contains("BadJson: 2", stdout);
        Assert.Contains("nothing could be imported", stderr);
    }
}
