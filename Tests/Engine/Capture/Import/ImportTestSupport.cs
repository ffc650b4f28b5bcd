using System.Text;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using FastEngine.Model;
using Xunit.Abstractions;

namespace FastEngine.Tests.Engine.Capture.Import;

/// <summary>Helpers for importer tests: a recording venue resolver, in-memory sources and record copies.</summary>
internal static class ImportTestSupport
{
    public static readonly VenueId KrakenLike = new(5);
    public static readonly VenueId HtxLike = new(11);
    public static readonly VenueId FileVenue = new(99);
    public static readonly VenueId OtherVenue = new(98);

    /// <summary>A resolver that does not know venue names: it maps a few URL prefixes to fixed test ids.</summary>
    public static Func<string, VenueId> Resolver(List<string>? calls = null) => key =>
    {
        calls?.Add(key);
        if (key.StartsWith("wss://ws.kraken.com", StringComparison.Ordinal)) return KrakenLike;
        if (key.StartsWith("wss://api.huobi.pro", StringComparison.Ordinal)) return HtxLike;
        if (key.Contains("://", StringComparison.Ordinal)) return OtherVenue;
        return FileVenue;
    };

    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    public sealed record Copy(long Time, uint Connection, VenueId Venue, CaptureRecordKind Kind, CaptureRecordFlags Flags, string? Address, byte[] Payload, long Position)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    public static List<Copy> ReadAll(ICaptureSource source)
    {
        var list = new List<Copy>();
        while (source.MoveNext())
        {
            var r = source.Current;
            list.Add(new Copy(r.ReceiveTimeNs, r.ConnectionId, r.Venue, r.Kind, r.Flags, r.AddressText(), r.Payload.ToArray(), r.SourcePosition));
        }
        return list;
    }

    /// <summary>The shared captures folder, or null after telling the test output why the test is skipped.</summary>
    public static string? SharedCaptures(ITestOutputHelper output, string relative)
    {
        var shared = FastEngine.Tests.Support.Fixture.SharedDirectory();
        if (shared is null)
        {
            output.WriteLine($"SKIPPED: ../shared absent, {relative} is not bundled (AGPL or too large for the repo)");
            return null;
        }
        var path = Path.Combine(shared, "captures", relative);
        if (!File.Exists(path))
        {
            output.WriteLine($"SKIPPED: {path} not found");
            return null;
        }
        return path;
    }

    public static string Fixture(string name) => FastEngine.Tests.Support.Fixture.Path("Capture", name);

    public static CaptureImporter OpenFixture(CaptureFormatKind kind, string name, Func<string, VenueId>? resolver = null) =>
        (CaptureImporter)CaptureFormat.Open(Fixture(name), kind, resolver ?? Resolver());
}
