using System.CommandLine;
using FastEngine.Cli;
using FastEngine.Cli.Hosting;
using FastEngine.Hosting;
using FastEngine.Tests.Engine.Capture;

namespace FastEngine.Tests.Tools;

/// <summary>
/// Credentials for <c>mode: live</c>: from the environment or a private credentials file; a file readable by group or
/// others is refused (exit 2, naming the path and its mode); the values never reach the console or the log file.
/// </summary>
public class CredentialStoreTests
{
    // Distinctive values: any appearance in an output is a leak.
    private const string EnvKey = "envKEY-7f3a9c1e55d0";
    private const string EnvSecret = "envSECRET-b81e4d2f9a66";
    private const string FileKey = "fileKEY-0c9d8e7f6a5b";
    private const string FileSecret = "fileSECRET-4e3d2c1b0a99";
    private const string FilePassphrase = "filePASS-1a2b3c4d5e6f";

    private static string WriteCredentials(TempDirectory dir, UnixFileMode mode)
    {
        string path = dir.File("secrets.json");
        File.WriteAllText(path, $$"""{ "okx": { "apiKey": "{{FileKey}}", "apiSecret": "{{FileSecret}}", "passphrase": "{{FilePassphrase}}" } }""");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    private static string WriteLiveConfig(TempDirectory dir, string logFile) =>
        WriteConfig(dir, $$"""
            {
              "mode": "live",
              "credentialsFile": "secrets.json",
              "venues": [ { "name": "binance", "symbols": ["BTCUSDT"] }, { "name": "okx", "symbols": ["BTC-USDT"] } ],
              "logging": { "level": "verbose", "file": "{{logFile.Replace("\\", "/")}}", "rollingInterval": "infinite" }
            }
            """);

    private static string WriteConfig(TempDirectory dir, string json)
    {
        string path = dir.File("live.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void RunCommand_LiveWithEnvAndFileCredentials_RefusesOrderEntryAndNeverPrintsSecrets()
    {
        if (OperatingSystem.IsWindows()) return; // the file-mode rule is Unix-only
        using var dir = new TempDirectory();
        WriteCredentials(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string logFile = dir.File("logs/run.json");
        string config = WriteLiveConfig(dir, logFile);
        Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_API_KEY", EnvKey);
        Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_API_SECRET", EnvSecret);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit;
        try
        {
            exit = Program.BuildRoot().Parse(["run", "--config", config, "--duration", "1"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }
        finally
        {
            Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_API_KEY", null);
            Environment.SetEnvironmentVariable("FASTENGINE_BINANCE_API_SECRET", null);
        }
        Assert.Equal(2, exit);
        string log = File.ReadAllText(Assert.Single(Directory.GetFiles(dir.File("logs"))));
        string all = stdout + "\n" + stderr + "\n" + log;
        // The documented refusal, on the console and in the log file.
        Assert.Contains("live order entry is not implemented", stderr.ToString());
        Assert.Contains("live order entry is not implemented", log);
        // Both sources were used (names only): binance from the environment, okx from the file.
        Assert.Contains("binance from environment", log);
        Assert.Contains("okx from " + dir.File("secrets.json"), log);
        foreach (var secret in new[] { EnvKey, EnvSecret, FileKey, FileSecret, FilePassphrase })
            Assert.DoesNotContain(secret, all);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite, "0402")]
    public void RunCommand_CredentialsFileReadableByOthers_Exit2NamingPathAndMode(UnixFileMode mode, string octal)
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDirectory();
        string secrets = WriteCredentials(dir, mode);
        string config = WriteLiveConfig(dir, dir.File("logs/run.json"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot().Parse(["run", "--config", config]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.Equal(2, exit);
        Assert.Contains(secrets, stderr.ToString());
        Assert.Contains($"mode {octal}", stderr.ToString());
        Assert.Contains("chmod 600", stderr.ToString());
        Assert.DoesNotContain(FileKey, stdout + stderr.ToString());
        Assert.DoesNotContain(FileSecret, stdout + stderr.ToString());
    }

    [Fact]
    public void Load_EnvironmentWinsOverFile_FileFillsTheRest_MissingListed()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDirectory();
        WriteCredentials(dir, UnixFileMode.UserRead);
        var config = new EngineConfig
        {
            Mode = "live",
            CredentialsFile = "secrets.json",
            Venues = [new VenueConfig { Name = "okx", Symbols = ["BTC-USDT"] }, new VenueConfig { Name = "kraken", Symbols = ["XBT/USD"] }],
        };
        var env = new Dictionary<string, string> { ["FASTENGINE_OKX_API_KEY"] = EnvKey, ["FASTENGINE_OKX_API_SECRET"] = EnvSecret };
        var set = CredentialStore.Load(config, dir.Path, name => env.GetValueOrDefault(name));
        Assert.Null(set.Error);
        Assert.Equal(EnvKey, set.Venues["okx"].ApiKey);
        Assert.Equal("environment", set.Venues["okx"].Source);
        Assert.Equal(["kraken"], set.Missing);
        Assert.DoesNotContain(EnvKey, set.Venues["okx"].ToString());

        var fromFile = CredentialStore.Load(config, dir.Path, _ => null);
        Assert.Equal(FileSecret, fromFile.Venues["okx"].ApiSecret);
        Assert.Equal(FilePassphrase, fromFile.Venues["okx"].Passphrase);
        Assert.DoesNotContain(FileSecret, fromFile.Venues["okx"].ToString());
    }

    [Fact]
    public void Load_FileWithUnknownKey_ErrorNamesKeyNotValue()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDirectory();
        string path = dir.File("secrets.json");
        File.WriteAllText(path, $$"""{ "okx": { "apiKey": "{{FileKey}}", "secret": "{{FileSecret}}" } }""");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = new EngineConfig { Mode = "live", CredentialsFile = path, Venues = [new VenueConfig { Name = "okx", Symbols = ["BTC-USDT"] }] };
        var set = CredentialStore.Load(config, dir.Path, _ => null);
        Assert.NotNull(set.Error);
        Assert.Contains("okx.secret", set.Error);
        Assert.DoesNotContain(FileSecret, set.Error);
        Assert.DoesNotContain(FileKey, set.Error);
    }

    [Fact]
    public void Octal_Modes_AsChmodWritesThem()
    {
        Assert.Equal("0600", CredentialStore.Octal(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Equal("0644", CredentialStore.Octal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.Equal("0755", CredentialStore.Octal((UnixFileMode)0b111_101_101));
    }
}
