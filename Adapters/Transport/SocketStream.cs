using System.Net.Sockets;

namespace FastEngine.Adapters.Transport;

/// <summary>
/// Minimal <see cref="Stream"/> over a connected socket, used instead of <see cref="NetworkStream"/> because of how
/// blocking reads behave on Unix: once a socket has been used asynchronously (connect, sends), .NET emulates a
/// blocking Receive that has to wait with a heap-allocated operation object per wait. Here synchronous calls are
/// non-blocking: a read tries <c>recv</c> once (one syscall when data is waiting, the busy case) and only on
/// "would block" waits in <c>poll(2)</c>, which allocates nothing. Async reads and writes go straight to the
/// socket's pooled async operations, which the Blocking flag does not affect.
/// </summary>
internal sealed class SocketStream : Stream
{
    private readonly Socket _socket;
    private int _readTimeoutMicroseconds = -1;

    public SocketStream(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;

    /// <summary>Milliseconds a blocking read waits for data (-1 = forever); a timeout throws <see cref="IOException"/>.</summary>
    public override int ReadTimeout
    {
        get => _readTimeoutMicroseconds < 0 ? -1 : _readTimeoutMicroseconds / 1000;
        set => _readTimeoutMicroseconds = value < 0 ? -1 : checked(value * 1000);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            int read = _socket.Receive(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
                return read;
            if (error != SocketError.WouldBlock)
                throw new IOException("Socket read failed: " + error, new SocketException((int)error));
            // Readable also means "peer closed" or "shut down locally" (Abort): the next recv returns 0 or fails.
            if (!_socket.Poll(_readTimeoutMicroseconds, SelectMode.SelectRead))
                throw new IOException("Socket read timed out.", new SocketException((int)SocketError.TimedOut));
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int sent = _socket.Send(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                _socket.Poll(-1, SelectMode.SelectWrite);
                continue;
            }
            if (error != SocketError.Success)
                throw new IOException("Socket write failed: " + error, new SocketException((int)error));
            buffer = buffer[sent..];
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
            buffer = buffer[await _socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
