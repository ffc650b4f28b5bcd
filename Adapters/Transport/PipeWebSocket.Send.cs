using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace FastEngine.Adapters.Transport;

public sealed partial class PipeWebSocket
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _sendBuffer;
    private readonly object _pongGate = new();
    private readonly byte[] _pongPayload = new byte[125];
    private int _pongLength;
    private int _pongQueued;
    private int _closeSent;
    private long _messagesSent;

    /// <summary>Data frames sent.</summary>
    public long MessagesSent => Volatile.Read(ref _messagesSent);

    /// <summary>Sends one text message (UTF-8 bytes, not re-validated). Thread-safe; frames never interleave.</summary>
    /// <exception cref="InvalidOperationException">Close was already sent.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken = default) =>
        SendFrameAsync(WebSocketOpcode.Text, utf8, isClose: false, cancellationToken);

    /// <summary>Encodes and sends one text message (allocates the UTF-8 bytes; for subscriptions and other cold
    /// messages).</summary>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) =>
        SendFrameAsync(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text), isClose: false, cancellationToken);

    /// <summary>Sends one binary message. Thread-safe.</summary>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendFrameAsync(WebSocketOpcode.Binary, data, isClose: false, cancellationToken);

    /// <summary>Sends a protocol ping (payload at most 125 bytes). Thread-safe.</summary>
    public ValueTask SendPingAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > 125)
            throw new ArgumentException("A ping payload is at most 125 bytes (RFC 6455 §5.5).", nameof(payload));
        return SendFrameAsync(WebSocketOpcode.Ping, payload, isClose: false, cancellationToken);
    }

    /// <summary>
    /// Starts the close handshake: sends a close frame with <paramref name="code"/> and <paramref name="reason"/>
    /// (at most 123 UTF-8 bytes), then, when a receive loop is running, waits up to
    /// <see cref="PipeWebSocketOptions.CloseTimeout"/> for the server's answer before aborting. Idempotent.
    /// </summary>
    public async ValueTask CloseAsync(WebSocketCloseCode code = WebSocketCloseCode.NormalClosure, string? reason = null,
        CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 0)
        {
            byte[] payload = BuildClosePayload(code, reason);
            try
            {
                await SendFrameAsync(WebSocketOpcode.Close, payload, isClose: true, cancellationToken).ConfigureAwait(false);
                Interlocked.CompareExchange(ref _state, (int)WebSocketConnectionState.CloseSent, (int)WebSocketConnectionState.Open);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Abort();
                return;
            }
        }
        if (Volatile.Read(ref _receiveRunning) == 0)
        {
            Abort();
            return;
        }
        try
        {
            await ReceiveCompleted.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }
    }

    private static byte[] BuildClosePayload(WebSocketCloseCode code, string? reason)
    {
        if (code == WebSocketCloseCode.None)
            return [];
        int reasonLength = reason is null ? 0 : Encoding.UTF8.GetByteCount(reason);
        if (reasonLength > 123)
            throw new ArgumentException("A close reason is at most 123 UTF-8 bytes (RFC 6455 §5.5).", nameof(reason));
        var payload = new byte[2 + reasonLength];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        if (reason is not null)
            Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return payload;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendFrameAsync(WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, bool isClose,
        CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!isClose && Volatile.Read(ref _closeSent) != 0)
                ThrowClosed();
            // Masked in chunks through one reusable buffer: the caller's memory is never modified, and a large
            // message does not need a buffer of its size.
            int position = 0;
            int headerLength = WriteFrameHeader(opcode, payload.Length);
            uint key = BinaryPrimitives.ReadUInt32LittleEndian(_sendBuffer.AsSpan(headerLength - 4));
            do
            {
                int chunk = Math.Min(payload.Length - position, _sendBuffer.Length - headerLength);
                WebSocketMask.MaskCopy(payload.Span.Slice(position, chunk), _sendBuffer.AsSpan(headerLength), key, position);
                await _stream.WriteAsync(_sendBuffer.AsMemory(0, headerLength + chunk), cancellationToken).ConfigureAwait(false);
                position += chunk;
                headerLength = 0;
            }
            while (position < payload.Length);
            if (opcode is WebSocketOpcode.Text or WebSocketOpcode.Binary)
                Interlocked.Increment(ref _messagesSent);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private int WriteFrameHeader(WebSocketOpcode opcode, int payloadLength) =>
        WebSocketFrameWriter.WriteHeader(_sendBuffer, opcode, payloadLength, fin: true, masked: true, maskKey: NextMaskKey());

    /// <summary>A fresh key per frame (RFC 6455 §5.3: unpredictable, from a strong source).</summary>
    private static uint NextMaskKey()
    {
        Span<byte> key = stackalloc byte[4];
        RandomNumberGenerator.Fill(key);
        return MemoryMarshal.Read<uint>(key);
    }

    private async Task SendQueuedPongAsync()
    {
        Volatile.Write(ref _pongQueued, 0);
        byte[] payload;
        lock (_pongGate)
            payload = _pongPayload.AsSpan(0, _pongLength).ToArray();
        try
        {
            if (Volatile.Read(ref _closeSent) == 0)
                await SendFrameAsync(WebSocketOpcode.Pong, payload, isClose: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The receive side sees the failure too and ends the connection; nothing to do here.
        }
    }

    /// <summary>Close frame from the receive thread (echo or protocol failure): bounded wait for the send lock,
    /// small synchronous write; errors are ignored because the connection is ending anyway.</summary>
    private void SendCloseSync(WebSocketCloseCode code, string? reason)
    {
        try
        {
            if (!_sendLock.Wait(_options.CloseTimeout))
                return;
            try
            {
                byte[] payload = BuildClosePayload(code, reason is { Length: > 120 } ? reason[..120] : reason);
                Span<byte> frame = stackalloc byte[WebSocketFrameReader.MaxHeaderLength + 125];
                uint key = NextMaskKey();
                int header = WebSocketFrameWriter.WriteHeader(frame, WebSocketOpcode.Close, payload.Length, masked: true, maskKey: key);
                WebSocketMask.MaskCopy(payload, frame[header..], key);
                _stream.Write(frame[..(header + payload.Length)]);
                Interlocked.CompareExchange(ref _state, (int)WebSocketConnectionState.CloseSent, (int)WebSocketConnectionState.Open);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or ArgumentException)
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowClosed() => throw new InvalidOperationException("The WebSocket close handshake has started; no more data can be sent.");
}
