using FastEngine.Capture.Import;
using FastEngine.Model;

namespace FastEngine.Capture;

/// <summary>The recorded file formats FastEngine reads (letters as in shared/captures/README.md).</summary>
public enum CaptureFormatKind : byte
{
    Unknown = 0,
    /// <summary>FastEngine's own binary capture file (<c>.fecap</c>, <see cref="CaptureFile"/>).</summary>
    Fecap,
    /// <summary>L: cryptofeed legacy text (<c>URL &lt;-&gt; T</c>, <c>T: PAYLOAD</c>, ...).</summary>
    Legacy,
    /// <summary>E: cryptofeed v3 envelope JSON Lines.</summary>
    Envelope,
    /// <summary>N: integer receive timestamp (ns or µs), a space, the raw frame.</summary>
    TimestampedRaw,
    /// <summary>J: bare JSON Lines, no timestamps.</summary>
    JsonLines,
}

/// <summary>Format detection, format names and opening any supported file as an <see cref="ICaptureSource"/>. Thread-safe (stateless).</summary>
public static class CaptureFormat
{
    /// <summary>The names accepted by <see cref="TryParse"/> (<c>auto</c> means detect).</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "fecap", "legacy", "envelope", "tsraw", "jsonl"];

    /// <summary>Parses a <c>--format</c> value; <c>auto</c> gives <see cref="CaptureFormatKind.Unknown"/> (= detect).</summary>
    public static bool TryParse(string? name, out CaptureFormatKind kind)
    {
        kind = name?.ToLowerInvariant() switch
        {
            null or "" or "auto" => CaptureFormatKind.Unknown,
            "fecap" => CaptureFormatKind.Fecap,
            "legacy" or "l" => CaptureFormatKind.Legacy,
            "envelope" or "e" => CaptureFormatKind.Envelope,
            "tsraw" or "n" => CaptureFormatKind.TimestampedRaw,
            "jsonl" or "json" or "j" => CaptureFormatKind.JsonLines,
            _ => (CaptureFormatKind)255,
        };
        return (byte)kind != 255;
    }

    /// <summary>
    /// Detects the format of <paramref name="path"/>: by the file name first (<c>.fecap</c>, <c>.envelope.jsonl</c>,
    /// <c>.tsns.txt</c>/<c>.tsus.txt</c>, <c>.legacy.txt</c>), else by the first bytes. Unknown when neither says.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CaptureFormatKind Detect(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".fecap", StringComparison.Ordinal)) return CaptureFormatKind.Fecap;
        if (name.EndsWith(".envelope.jsonl", StringComparison.Ordinal)) return CaptureFormatKind.Envelope;
        if (name.Contains(".tsns.", StringComparison.Ordinal) || name.Contains(".tsus.", StringComparison.Ordinal)) return CaptureFormatKind.TimestampedRaw;
        if (name.EndsWith(".legacy.txt", StringComparison.Ordinal)) return CaptureFormatKind.Legacy;

        Span<byte> head = stackalloc byte[4096];
        int n;
        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            n = RandomAccess.Read(file, head, 0);
        return DetectContent(head[..n]);
    }

    /// <summary>Detects the format from a file's first bytes (the first line, or its first 4 KiB).</summary>
    public static CaptureFormatKind DetectContent(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(CaptureFile.Magic)) return CaptureFormatKind.Fecap;
        int newline = head.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = newline >= 0 ? head[..newline] : head;
        if (line.IsEmpty) return CaptureFormatKind.Unknown;

        if (line[0] == (byte)'{')
        {
            if (line.StartsWith("{\"t\":\""u8) || line.IndexOf("\"t\":\"header\""u8) >= 0 || line.IndexOf("\"t\":\"connect\""u8) >= 0
                || line.IndexOf("\"t\":\"recv\""u8) >= 0)
                return CaptureFormatKind.Envelope;
            return CaptureFormatKind.JsonLines;
        }
        if (line[0] == (byte)'[') return CaptureFormatKind.JsonLines;

        int digits = 0;
        while (digits < line.Length && (uint)(line[digits] - '0') <= 9) digits++;
        if (digits > 0 && digits < line.Length)
        {
            if (line[digits] == (byte)' ') return CaptureFormatKind.TimestampedRaw;
            if (line[digits] == (byte)'.' || line[digits] == (byte)':') return CaptureFormatKind.Legacy;
        }
        if (line.StartsWith("configuration: "u8) || line.IndexOf(" <-> "u8) >= 0 || line.IndexOf(" <- "u8) >= 0 || line.IndexOf(" -> "u8) >= 0)
            return CaptureFormatKind.Legacy;
        return CaptureFormatKind.Unknown;
    }

    /// <summary>
    /// Opens <paramref name="path"/> as a record source. <paramref name="kind"/> Unknown means detect. Text formats get an
    /// importer (<see cref="CaptureImporter"/>, with <see cref="CaptureImporter.Stats"/>); <c>.fecap</c> files a <see cref="CaptureReader"/>.
    /// <paramref name="resolveVenue"/> maps a URL or the file path to a venue (see Adapters' CaptureVenueResolver).
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="NotSupportedException">The format cannot be detected.</exception>
    public static ICaptureSource Open(string path, CaptureFormatKind kind, Func<string, VenueId> resolveVenue, CaptureImportOptions? options = null)
    {
        if (kind == CaptureFormatKind.Unknown) kind = Detect(path);
        if (kind == CaptureFormatKind.Fecap) return CaptureReader.Open(path);
        if (kind == CaptureFormatKind.Unknown)
            throw new NotSupportedException($"{path}: cannot detect the capture format; pass one of: {string.Join(", ", Names.Skip(1))}");

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        return kind switch
        {
            CaptureFormatKind.Legacy => new LegacyTextImporter(stream, path, resolveVenue, options),
            CaptureFormatKind.Envelope => new EnvelopeJsonImporter(stream, path, resolveVenue, options),
            CaptureFormatKind.TimestampedRaw => new TimestampedRawImporter(stream, path, resolveVenue, options),
            _ => new JsonLinesImporter(stream, path, resolveVenue, options),
        };
    }
}
