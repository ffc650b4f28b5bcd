using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using FastEngine.Model;

namespace FastEngine.Capture.Import;

/// <summary>Settings shared by the importers.</summary>
public sealed class CaptureImportOptions
{
    /// <summary>Lines longer than this are rejected (<see cref="CaptureImportRejectReason.LineTooLong"/>). Default 64 MiB.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;

    /// <summary>
    /// Format N only: nanoseconds per timestamp unit (1 = ns, 1,000 = µs). Null: from the file name
    /// (<c>.tsns.</c> / <c>.tsus.</c>), else from the digit count of the first timestamp (19 ns, 16 µs, 13 ms, 10 s).
    /// </summary>
    public long? TimestampNsPerUnit { get; init; }
}

/// <summary>
/// Base of the text-format importers: reads lines, turns each into at most one <see cref="CaptureRecord"/>, counts
/// records by kind and rejected lines by reason (<see cref="Stats"/>). A bad line never throws: it is counted and
/// skipped. Venues come from the caller's resolver (URL or file path → <see cref="VenueId"/>), called once per
/// connection or REST URL (cold path), so the engine never knows venue names.
/// </summary>
/// <remarks>Single-threaded. Record memory is valid until the next <see cref="MoveNext"/>.</remarks>
public abstract class CaptureImporter : ICaptureSource
{
    private readonly Utf8LineReader _lines;
    private readonly Func<string, VenueId> _resolveVenue;
    private VenueId? _defaultVenue;
    private CaptureRecord _current;
    private CaptureRecord _pending;
    private bool _hasPending;

    protected CaptureImporter(Stream stream, string name, Func<string, VenueId> resolveVenue, CaptureImportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(resolveVenue);
        Options = options ?? new CaptureImportOptions();
        _lines = new Utf8LineReader(stream, Options.MaxLineBytes);
        _resolveVenue = resolveVenue;
        Name = name;
    }

    public string Name { get; }
    public CaptureImportStats Stats { get; } = new();
    public CaptureRecord Current => _current;
    protected CaptureImportOptions Options { get; }

    /// <summary>The venue of records with no URL of their own: the resolver's answer for <see cref="Name"/> (the file path).</summary>
    protected VenueId DefaultVenue => _defaultVenue ??= _resolveVenue(Name);

    /// <summary>Resolves a URL or address to a venue (cold path; callers cache per connection).</summary>
    protected VenueId ResolveVenue(ReadOnlySpan<byte> utf8Address) => _resolveVenue(Encoding.UTF8.GetString(utf8Address));

    public bool MoveNext()
    {
        if (_hasPending)
        {
            _hasPending = false;
            return Produce(_pending);
        }
        while (true)
        {
            var status = _lines.Read(out var line);
            if (status == LineReadStatus.End)
            {
                _current = default;
                return false;
            }
            Stats.Lines++;
            if (status == LineReadStatus.TooLong)
            {
                Reject(CaptureImportRejectReason.LineTooLong);
                continue;
            }
            if (line.IsEmpty)
            {
                Reject(CaptureImportRejectReason.EmptyLine);
                continue;
            }
            if (TryParseLine(line, _lines.LineNumber, out var record))
                return Produce(record);
        }
    }

    private bool Produce(in CaptureRecord record)
    {
        _current = record;
        Stats.CountRecord(record.Kind);
        return true;
    }

    /// <summary>
    /// Queues <paramref name="next"/> to be returned by the following <see cref="MoveNext"/>; the current call returns
    /// <paramref name="first"/> (used to put a synthetic connect before a file's first frame).
    /// </summary>
    protected CaptureRecord EmitBefore(in CaptureRecord first, in CaptureRecord next)
    {
        _pending = next;
        _hasPending = true;
        return first;
    }

    /// <summary>Turns one non-empty line into a record; false when the line was rejected or was metadata.</summary>
    protected abstract bool TryParseLine(ReadOnlyMemory<byte> line, long lineNumber, out CaptureRecord record);

    /// <summary>Counts the current line as rejected; always returns false so parsers can <c>return Reject(...)</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected bool Reject(CaptureImportRejectReason reason)
    {
        Stats.CountRejected(reason, _lines.LineNumber);
        return false;
    }

    /// <summary>Counts the current line as metadata; returns false.</summary>
    protected bool SkipMetadata()
    {
        Stats.MetadataLines++;
        return false;
    }

    /// <summary>Grows a pooled scratch buffer to at least <paramref name="size"/> bytes (contents not kept).</summary>
    protected static byte[] EnsureSize(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
        }
        return buffer;
    }

    protected static void ReturnBuffer(ref byte[] buffer)
    {
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lines.Dispose();
            _current = default;
            _pending = default;
        }
    }
}
