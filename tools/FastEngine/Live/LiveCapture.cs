using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>
/// The capture file of a live run: every frame received, every REST body, connects, closes and sent subscriptions,
/// in the order each venue parsed them. Thread-safe: writers of several venues serialize on one lock; writes go to
/// the <see cref="CaptureWriter"/>'s buffer (no syscall per record).
/// </summary>
internal sealed class LiveCapture : IDisposable
{
    private readonly CaptureWriter _writer;
    private readonly object _lock = new();

    public LiveCapture(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = CaptureWriter.Create(path, new CaptureWriterOptions { WriterInfo = "fastengine run" });
        FilePath = path;
    }

    public string FilePath { get; }

    public long Records
    {
        get { lock (_lock) return _writer.RecordCount; }
    }

    public void Write(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind, ReadOnlySpan<byte> address, ReadOnlySpan<byte> payload)
    {
        lock (_lock) _writer.Write(receiveTimeNs, connectionId, venue, kind, address, payload);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Flush();
            _writer.Dispose();
        }
    }
}
