using System.Text;
using System.Text.Json;

namespace FastEngine.Tests.Support;

/// <summary>A frame read from a recorded capture line, for venue tests.</summary>
public sealed record RawFrame(int Line, string Kind, string? Url, byte[] Payload, int Connection);

/// <summary>
/// Minimal reader of the shared capture line formats for venue tests (legacy text "L", envelope JSONL "E",
/// timestamp-prefixed raw "N"; see shared/captures/README.md). Kinds: "recv", "send", "rest", "connect".
/// The engine's own importers live in Engine/Capture; this one stays deliberately tiny so venue tests do not depend on them.
/// </summary>
public static class RawCapture
{
    public static IEnumerable<RawFrame> Read(string path)
    {
        int lineNo = 0, conn = 0;
        string? lastUrl = null;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            if (line.StartsWith('{') && line.Contains("\"t\":"))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                string t = root.GetProperty("t").GetString()!;
                int c = root.TryGetProperty("conn", out var ce) && ce.ValueKind == JsonValueKind.Number ? ce.GetInt32() : 0;
                string? addr = root.TryGetProperty("addr", out var a) ? a.GetString() : null;
                if (t == "connect") yield return new RawFrame(lineNo, "connect", addr, [], c);
                else if (t is "recv" or "send")
                    yield return new RawFrame(lineNo, t, addr, Encoding.UTF8.GetBytes(root.GetProperty("data").GetString()!), c);
                continue;
            }
            if (char.IsAsciiDigit(line[0]) && line.IndexOf(' ') is var sp and > 0 && line[..sp].All(char.IsAsciiDigit))
            {
                string payload = line[(sp + 1)..];
                bool rest = payload.Contains("\"lastUpdateId\"") && !payload.Contains("\"stream\"");
                yield return new RawFrame(lineNo, rest ? "rest" : "recv", null, Encoding.UTF8.GetBytes(payload), 0);
                continue;
            }
            if (line.StartsWith("configuration: ")) continue;
            int sep = line.IndexOf(": ", StringComparison.Ordinal);
            if (line.Contains(" <-> "))
            {
                conn++;
                lastUrl = line[..line.IndexOf(" <-> ", StringComparison.Ordinal)];
                yield return new RawFrame(lineNo, "connect", lastUrl, [], conn);
                continue;
            }
            if (sep < 0) continue;
            string head = line[..sep];
            string body = line[(sep + 2)..];
            if (head.Contains(" <- ")) yield return new RawFrame(lineNo, "send", head[..head.IndexOf(" <- ", StringComparison.Ordinal)], Encoding.UTF8.GetBytes(body), conn);
            else if (head.Contains(" -> ")) yield return new RawFrame(lineNo, "rest", head[..head.IndexOf(" -> ", StringComparison.Ordinal)], Encoding.UTF8.GetBytes(body), conn);
            else yield return new RawFrame(lineNo, "recv", lastUrl, Encoding.UTF8.GetBytes(body), conn);
        }
    }
}
