using System.Globalization;
using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using Xunit.Abstractions;

namespace FastEngine.Tests.Support;

/// <summary>
/// A frame read from a recorded capture line, for venue tests. <paramref name="Kind"/> is "recv", "send", "rest" or
/// "connect"; <paramref name="Connection"/> is the envelope's <c>conn</c> (its string, or the raw JSON of a number), the
/// legacy connection counter, or "0" for raw lines; <paramref name="TimeNs"/> is the recorded receive time in Unix ns (0 when absent).
/// </summary>
public sealed record RawFrame(int Line, string Kind, string? Url, byte[] Payload, string Connection, long TimeNs)
{
    /// <summary>REST for a "rest" frame (a REST body or the snapshot of a raw capture), WebSocket otherwise.</summary>
    public FrameSource Source => Kind == "rest" ? FrameSource.Rest : FrameSource.WebSocket;
}

/// <summary>
/// The tests' one reader of the shared capture line formats (legacy text "L", envelope JSONL "E", timestamp-prefixed raw "N";
/// see shared/captures/README.md). The engine's own importers live in Engine/Capture; this one stays deliberately tiny so venue
/// tests do not depend on them.
/// </summary>
public static class RawCapture
{
    /// <summary>Every frame of a capture, in file order.</summary>
    public static IEnumerable<RawFrame> Read(string path)
    {
        int lineNo = 0, conn = 0;
        string? lastUrl = null;
        var envelopeUrls = new Dictionary<string, string?>();
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            if (line.StartsWith('{') && line.Contains("\"t\":"))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                string t = root.GetProperty("t").GetString()!;
                if (!root.TryGetProperty("conn", out var ce)) continue; // the header line
                string c = ce.ValueKind == JsonValueKind.String ? ce.GetString()! : ce.GetRawText();
                string? addr = root.TryGetProperty("addr", out var a) ? a.GetString() : null;
                long ts = root.TryGetProperty("ts", out var te) ? Seconds(te.GetRawText()) : 0;
                if (t == "connect")
                {
                    envelopeUrls[c] = addr;
                    yield return new RawFrame(lineNo, "connect", addr, [], c, ts);
                }
                else if (t is "recv" or "send")
                    yield return new RawFrame(lineNo, t, addr ?? envelopeUrls.GetValueOrDefault(c),
                        Encoding.UTF8.GetBytes(root.GetProperty("data").GetString()!), c, ts);
                continue;
            }
            int sp = line.IndexOf(' ');
            if (sp > 0 && line.AsSpan(0, sp).IndexOfAnyExceptInRange('0', '9') < 0)
            {
                // N: "<ns|µs> <frame>"; a body with lastUpdateId and no "stream" is the REST snapshot (no URL recorded).
                long ts = long.Parse(line.AsSpan(0, sp), CultureInfo.InvariantCulture);
                if (sp <= 16) ts *= 1000;
                string payload = line[(sp + 1)..];
                bool rest = payload.Contains("\"lastUpdateId\"") && !payload.Contains("\"stream\"");
                yield return new RawFrame(lineNo, rest ? "rest" : "recv", null, Encoding.UTF8.GetBytes(payload), "0", ts);
                continue;
            }
            if (line.StartsWith("configuration: ")) continue;
            int open = line.IndexOf(" <-> ", StringComparison.Ordinal);
            if (open >= 0)
            {
                conn++;
                lastUrl = line[..open];
                yield return new RawFrame(lineNo, "connect", lastUrl, [], Conn(conn), Seconds(line[(open + 5)..]));
                continue;
            }
            int sep = line.IndexOf(": ", StringComparison.Ordinal);
            if (sep < 0) continue;
            string head = line[..sep];
            byte[] body = Encoding.UTF8.GetBytes(line[(sep + 2)..]);
            int arrow;
            if ((arrow = head.IndexOf(" <- ", StringComparison.Ordinal)) >= 0)
                yield return new RawFrame(lineNo, "send", head[..arrow], body, Conn(conn), Seconds(head[(arrow + 4)..]));
            else if ((arrow = head.IndexOf(" -> ", StringComparison.Ordinal)) >= 0)
                yield return new RawFrame(lineNo, "rest", head[..arrow], body, Conn(conn), Seconds(head[(arrow + 4)..]));
            else
                yield return new RawFrame(lineNo, "recv", lastUrl, body, Conn(conn), Seconds(head));
        }
    }

    /// <summary>The frames received from the exchange over its stream ("recv"), in file order.</summary>
    public static List<RawFrame> Received(string path) => Read(path).Where(f => f.Kind == "recv").ToList();

    /// <summary>
    /// The received and REST frames of one or more captures (e.g. a WebSocket file and its REST-depth file), merged by
    /// receive time (stable: file order, then line order, on ties).
    /// </summary>
    public static List<RawFrame> ReadByTime(params string[] paths)
    {
        var all = new List<RawFrame>();
        foreach (var p in paths) all.AddRange(Read(p).Where(f => f.Kind is "recv" or "rest"));
        // List.Sort is unstable: order by (time, file index, line) explicitly.
        return all.Select((f, i) => (f, i)).OrderBy(x => x.f.TimeNs).ThenBy(x => x.i).Select(x => x.f).ToList();
    }

    /// <summary>Path of a shared capture (relative to shared/captures), or null when ../shared or the file is absent.</summary>
    public static string? Shared(params string[] parts)
    {
        var dir = Fixture.SharedDirectory();
        if (dir is null) return null;
        var p = Path.Combine([dir, "captures", .. parts]);
        return File.Exists(p) ? p : null;
    }

    /// <summary>The shared AGPL capture, or null (with the documented skip message) when ../shared or the file is absent.</summary>
    public static string? SharedOrSkip(ITestOutputHelper output, params string[] parts)
    {
        var shared = Fixture.SharedDirectory();
        if (shared is null)
        {
            output.WriteLine("SKIPPED: ../shared absent (AGPL capture not bundled)");
            return null;
        }
        var path = Path.Combine([shared, "captures", .. parts]);
        if (!File.Exists(path))
        {
            output.WriteLine($"SKIPPED: {path} absent (AGPL capture not bundled)");
            return null;
        }
        return path;
    }

    private static string Conn(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A recorded "seconds.fraction" time to Unix ns, exactly (decimal, not double); 0 when it is not a number.</summary>
    private static long Seconds(string text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var s) ? (long)(s * 1_000_000_000m) : 0;
}
