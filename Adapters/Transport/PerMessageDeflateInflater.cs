using System.Buffers;
using System.IO.Compression;

namespace FastEngine.Adapters.Transport;

/// <summary>
/// RFC 7692 permessage-deflate receive side. One raw-deflate inflater lives for the whole connection, so both
/// "context takeover" (the server keeps its LZ77 window between messages) and "no context takeover" (it resets)
/// decode correctly: a window that is kept but never referenced is harmless. Each message's compressed bytes are
/// followed by the 0x00 0x00 0xff 0xff tail the sender stripped (RFC 7692 §7.2.2), which completes the sync-flush
/// block so the inflater emits everything without waiting for more input.
/// </summary>
/// <remarks>Output goes to one pooled buffer that grows by doubling up to the message limit; the returned sequence
/// is valid until the next call. Single-threaded (the receive thread).</remarks>
public sealed class PerMessageDeflateInflater : IDisposable
{
    private static ReadOnlySpan<byte> Tail => [0x00, 0x00, 0xFF, 0xFF];

    private readonly SequenceFeedStream _feed = new();
    private DeflateStream? _inflater;
    private byte[] _output;

    public PerMessageDeflateInflater(int initialBufferSize = 64 * 1024) =>
        _output = ArrayPool<byte>.Shared.Rent(initialBufferSize);

    /// <summary>Inflates one message. Returns <see cref="WebSocketRejectReason.None"/> on success,
    /// <see cref="WebSocketRejectReason.MessageTooBig"/> when the output exceeds <paramref name="maxSize"/>, or
    /// <see cref="WebSocketRejectReason.InvalidCompressedData"/>.</summary>
    public WebSocketRejectReason TryInflate(in ReadOnlySequence<byte> compressed, long maxSize, out ReadOnlySequence<byte> output)
    {
        output = default;
        _feed.Set(compressed, Tail);
        _inflater ??= new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        int written = 0;
        try
        {
            while (true)
            {
                if (written == _output.Length)
                {
                    if (_output.Length >= maxSize)
                        return WebSocketRejectReason.MessageTooBig;
                    Grow(written, (int)Math.Min(maxSize, (long)_output.Length * 2 > Array.MaxLength ? Array.MaxLength : _output.Length * 2L));
                }
                int n = _inflater.Read(_output, written, _output.Length - written);
                if (n == 0)
                    break;
                written += n;
                if (written > maxSize)
                    return WebSocketRejectReason.MessageTooBig;
            }
        }
        catch (InvalidDataException)
        {
            // The inflater's state is unusable after bad data; the connection is failed anyway.
            DisposeInflater();
            return WebSocketRejectReason.InvalidCompressedData;
        }
        if (!_feed.IsDrained)
        {
            // The deflate stream ended (BFINAL) before the message did: trailing garbage.
            DisposeInflater();
            return WebSocketRejectReason.InvalidCompressedData;
        }
        output = new ReadOnlySequence<byte>(_output, 0, written);
        return WebSocketRejectReason.None;
    }

    /// <summary>Forgets the LZ77 window (new connection).</summary>
    public void Reset() => DisposeInflater();

    private void Grow(int used, int newSize)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(newSize);
        _output.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_output);
        _output = bigger;
    }

    private void DisposeInflater()
    {
        _inflater?.Dispose();
        _inflater = null;
    }

    public void Dispose()
    {
        DisposeInflater();
        if (_output.Length != 0)
            ArrayPool<byte>.Shared.Return(_output);
        _output = [];
    }
}

/// <summary>A read-only stream over a <see cref="ReadOnlySequence{T}"/> plus an optional suffix, re-pointable
/// without allocation (feeds System.IO.Compression decoders from pipe memory).</summary>
internal sealed class SequenceFeedStream : Stream
{
    private ReadOnlySequence<byte> _remaining;
    private byte[] _suffix = new byte[8];
    private int _suffixLength;
    private int _suffixRead;

    public void Set(in ReadOnlySequence<byte> data, ReadOnlySpan<byte> suffix)
    {
        _remaining = data;
        suffix.CopyTo(_suffix);
        _suffixLength = suffix.Length;
        _suffixRead = 0;
    }

    public bool IsDrained => _remaining.IsEmpty && _suffixRead == _suffixLength;

    public override int Read(Span<byte> buffer)
    {
        if (!_remaining.IsEmpty)
        {
            int n = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, n).CopyTo(buffer);
            _remaining = _remaining.Slice(n);
            return n;
        }
        int s = Math.Min(buffer.Length, _suffixLength - _suffixRead);
        _suffix.AsSpan(_suffixRead, s).CopyTo(buffer);
        _suffixRead += s;
        return s;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
