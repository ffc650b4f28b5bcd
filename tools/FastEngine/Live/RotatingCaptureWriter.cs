using System.Diagnostics;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>When a capture set starts its next file.</summary>
public sealed record CaptureRotation
{
    /// <summary>Start a new file before a record would take the current one past this many bytes (header included);
    /// a single record larger than this still goes into a file of its own. 0 = no size limit.</summary>
    public long MaxBytes { get; init; }
    /// <summary>Start a new file with the first record written after the current file reached this age. Null = no age limit.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>From the config's <c>capture</c> block (MiB and minutes).</summary>
    public static CaptureRotation From(double rotateMb, double rotateMinutes) => new()
    {
        MaxBytes = (long)(rotateMb * 1024 * 1024),
        MaxAge = TimeSpan.FromMinutes(rotateMinutes),
    };
}

/// <summary>
/// A capture set: records appended to numbered <c>.fecap</c> files, a new file started by size or age. With no
/// rotation the set is the one file at the given path. With rotation, <c>out.fecap</c> becomes <c>out.0001.fecap</c>,
/// <c>out.0002.fecap</c>, ... (four digits at least; the number grows past 9999 if needed), so a sort by name is the
/// recording order.
/// </summary>
/// <remarks>
/// <para>Every file is a standalone capture: its own file header, whole records only (a file is closed, flushed, and
/// the next one is opened between two records). Records are never split or repeated.</para>
/// <para>Receive times across files: no record of file n+1 carries a receive time older than the newest record of
/// files 1..n (an older one — a frame read from its socket just before another venue's record took the capture lock
/// — is written with that newest time). Replay merges files by receive time and keeps ties in the order the files
/// are listed, so the files of a set, listed in name order, replay in exactly the order they were written.</para>
/// <para>Thread-safety: none; the caller serializes (<see cref="LiveCapture"/> holds a lock). Rotation (closing and
/// creating a file) is a cold path on the writing thread; appending is the <see cref="CaptureWriter"/>'s buffered,
/// allocation-free write.</para>
/// </remarks>
public sealed class RotatingCaptureWriter : IDisposable
{
    private readonly string _path;
    private readonly CaptureRotation? _rotation;
    private readonly string _writerInfo;
    private readonly List<string> _files = new();
    private CaptureWriter _writer;
    private long _fileStartTicks;
    private long _newestNs = long.MinValue;
    private long _floorNs = long.MinValue;
    private long _closedRecords, _closedBytes;
    // CaptureWriter.BytesWritten counts records only; the file header comes on top.
    private long _headerBytes;

    /// <param name="path">The file (no rotation) or the base name of the numbered files.</param>
    /// <param name="rotation">Null: one file at <paramref name="path"/>.</param>
    public RotatingCaptureWriter(string path, CaptureRotation? rotation, string writerInfo)
    {
        _path = path;
        _rotation = rotation is { MaxBytes: <= 0, MaxAge: null } ? null : rotation;
        _writerInfo = writerInfo;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = Open();
    }

    /// <summary>Files of the set so far, in order (the last one is being written).</summary>
    public IReadOnlyList<string> Files => _files;
    /// <summary>Records written over all files.</summary>
    public long Records => _closedRecords + _writer.RecordCount;
    /// <summary>Bytes written over all files (headers included).</summary>
    public long Bytes => _closedBytes + _headerBytes + _writer.BytesWritten;
    /// <summary>Records written with a receive time raised to the previous file's newest (see remarks).</summary>
    public long TimesRaised { get; private set; }

    /// <summary>The name of file <paramref name="number"/> (1-based) of the set <paramref name="path"/>.</summary>
    public static string NumberedPath(string path, int number)
    {
        string ext = Path.GetExtension(path);
        if (ext.Length == 0) ext = ".fecap";
        string stem = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path));
        return $"{stem}.{number:D4}{ext}";
    }

    public void Write(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind, ReadOnlySpan<byte> address, ReadOnlySpan<byte> payload)
    {
        if (_rotation is not null && ShouldRotate(CaptureFile.RecordHeaderSize + address.Length + payload.Length + CaptureFile.RecordTrailerSize))
            RotateSlow();
        if (receiveTimeNs < _floorNs)
        {
            receiveTimeNs = _floorNs;
            TimesRaised++;
        }
        if (receiveTimeNs > _newestNs) _newestNs = receiveTimeNs;
        _writer.Write(receiveTimeNs, connectionId, venue, kind, address, payload);
    }

    public void Flush() => _writer.Flush();

    private bool ShouldRotate(int recordBytes)
    {
        if (_writer.RecordCount == 0) return false; // never leave a file with a header only
        var r = _rotation!;
        if (r.MaxBytes > 0 && _headerBytes + _writer.BytesWritten + recordBytes > r.MaxBytes) return true;
        return r.MaxAge is { } age && Stopwatch.GetElapsedTime(_fileStartTicks) >= age;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RotateSlow()
    {
        _closedRecords += _writer.RecordCount;
        _closedBytes += _headerBytes + _writer.BytesWritten;
        _writer.Dispose(); // flushes: the closed file ends on a record boundary
        _floorNs = _newestNs;
        _writer = Open();
    }

    private CaptureWriter Open()
    {
        string file = _rotation is null ? _path : NumberedPath(_path, _files.Count + 1);
        string info = _rotation is null ? _writerInfo : $"{_writerInfo} (file {_files.Count + 1} of a rotated set)";
        var writer = CaptureWriter.Create(file, new CaptureWriterOptions { WriterInfo = info });
        _files.Add(file);
        _headerBytes = new FileInfo(file).Length; // the writer hands its header to the OS at once
        _fileStartTicks = Stopwatch.GetTimestamp();
        return writer;
    }

    public void Dispose()
    {
        _writer.Flush();
        _writer.Dispose();
    }
}
