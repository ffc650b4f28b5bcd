using System.Buffers;

namespace FastEngine.Capture.Import;

/// <summary>Outcome of <see cref="Utf8LineReader.Read"/>.</summary>
internal enum LineReadStatus : byte
{
    Line,
    /// <summary>A line longer than the limit was skipped up to its terminating <c>\n</c>.</summary>
    TooLong,
    End,
}

/// <summary>
/// Splits a stream into <c>\n</c>-terminated lines without decoding them (bytes exactly as stored; a final line
/// without <c>\n</c> is still returned). The line memory is valid until the next <see cref="Read"/>.
/// The newline scan is resumable: bytes already searched are not searched again when the buffer is refilled.
/// Single-threaded; the buffer is pooled and grows to the longest line (at most the limit).
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanned;   // bytes from _start already known to hold no '\n'
    private bool _eof;
    private bool _skipping;

    public Utf8LineReader(Stream stream, int maxLineBytes)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    }

    /// <summary>1-based number of the line last returned (or skipped as too long).</summary>
    public long LineNumber { get; private set; }

    public LineReadStatus Read(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            int at = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (at >= 0)
            {
                int lineEnd = _start + _scanned + at;
                line = new ReadOnlyMemory<byte>(_buffer, _start, lineEnd - _start);
                _start = lineEnd + 1;
                _scanned = 0;
                LineNumber++;
                if (_skipping)
                {
                    _skipping = false;
                    line = default;
                    return LineReadStatus.TooLong;
                }
                return LineReadStatus.Line;
            }
            _scanned = _end - _start;

            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return LineReadStatus.End;
                }
                line = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _start = _end;
                _scanned = 0;
                LineNumber++;
                if (_skipping)
                {
                    _skipping = false;
                    line = default;
                    return LineReadStatus.TooLong;
                }
                return LineReadStatus.Line;
            }

            if (_scanned >= _maxLineBytes)
            {
                // Drop what we have of the oversize line; keep reading until its newline.
                _skipping = true;
                _start = _end = _scanned = 0;
            }
            MakeRoom();
            int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n <= 0) _eof = true;
            else _end += n;
        }
    }

    private void MakeRoom()
    {
        if (_start > 0 && _end - _start < _buffer.Length / 2)
        {
            int kept = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
            _start = 0;
            _end = kept;
        }
        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            int kept = _end - _start;
            Buffer.BlockCopy(_buffer, _start, bigger, 0, kept);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _start = 0;
            _end = kept;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _stream.Dispose();
    }
}
