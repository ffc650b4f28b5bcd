using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>
/// The capture file (or rotated set of files, <see cref="RotatingCaptureWriter"/>) of a live run: every frame received,
/// every REST body, connects, closes and sent subscriptions, in the order each venue parsed them. Thread-safe: writers
/// of several venues serialize on one lock; writes go to the <see cref="CaptureWriter"/>'s buffer (no syscall per record).
/// </summary>
internal sealed class LiveCapture : IDisposable
{
    private readonly RotatingCaptureWriter _writer;
    private readonly object _lock = new();

    /// <param name="rotation">Null: one file at <paramref name="path"/>; otherwise numbered files (see <see cref="RotatingCaptureWriter"/>).</param>
    public LiveCapture(string path, CaptureRotation? rotation = null, string writerInfo = "fastengine run")
    {
        _writer = new RotatingCaptureWriter(path, rotation, writerInfo);
        FilePath = path;
    }

    public string FilePath { get; }

    public long Records
    {
        get { lock (_lock) return _writer.Records; }
    }

    /// <summary>Bytes written so far over every file of the set.</summary>
    public long Bytes
    {
        get { lock (_lock) return _writer.Bytes; }
    }

    /// <summary>The files written so far, in order.</summary>
    public IReadOnlyList<string> Files
    {
        get { lock (_lock) return _writer.Files.ToArray(); }
    }

    public void Write(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind, ReadOnlySpan<byte> address, ReadOnlySpan<byte> payload)
    {
        lock (_lock) _writer.Write(receiveTimeNs, connectionId, venue, kind, address, payload);
    }

    /// <summary>Hands buffered records to the OS (periodic flush of an unattended capture).</summary>
    public void Flush()
    {
        lock (_lock) _writer.Flush();
    }

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }
}
