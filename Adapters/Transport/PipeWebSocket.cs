using System.IO.Pipelines;
using System.Net.Sockets;

namespace FastEngine.Adapters.Transport;

/// <summary>Lifecycle of a <see cref="PipeWebSocket"/>.</summary>
public enum WebSocketConnectionState : byte
{
    Open,
    CloseSent,
    Closed,
    Aborted,
}

/// <summary>Why a receive loop ended.</summary>
public enum WebSocketEndReason : byte
{
    None,
    /// <summary>The server sent a valid close frame (<see cref="WebSocketReceiveCompletion.CloseCode"/>).</summary>
    CloseReceived,
    /// <summary>The server broke a protocol rule; we closed with the code for <see cref="WebSocketReceiveCompletion.RejectReason"/>.</summary>
    ProtocolViolation,
    /// <summary>TCP closed or failed without a close frame (1006).</summary>
    ConnectionLost,
    /// <summary>Closed locally with <see cref="PipeWebSocket.Abort"/> (no-data timeout, shutdown).</summary>
    Aborted,
}

/// <summary>How and why a connection's receive side ended.</summary>
public readonly record struct WebSocketReceiveCompletion(
    WebSocketEndReason Reason, WebSocketCloseCode CloseCode, string? CloseReason, WebSocketRejectReason RejectReason,
    Exception? Exception);

/// <summary>
/// RFC 6455 WebSocket client over System.IO.Pipelines, for ws:// and wss://.
/// </summary>
/// <remarks>
/// <para><b>Receive</b> runs synchronously on one thread (<see cref="RunReceiveLoop{THandler}"/>,
/// <see cref="ReceiveOnce{THandler}"/> or <see cref="StartReceiveThread{THandler}"/>): socket reads land in a
/// <see cref="Pipe"/>, frames are validated in place and messages handed to <see cref="IWebSocketMessageHandler"/>
/// without copying. After warm-up the receive path allocates nothing per message.</para>
/// <para><b>Send</b> (<see cref="SendTextAsync(ReadOnlyMemory{byte}, CancellationToken)"/> and friends) may be
/// called from any thread; frames are serialized by one lock and never interleave. The receive thread never
/// waits for that lock during normal operation: pong replies are handed to the thread pool.</para>
/// <para>Connection failures surface as <see cref="WebSocketConnectException"/> from
/// <see cref="ConnectAsync"/>; after that, nothing the server sends throws: the loop ends with a
/// <see cref="WebSocketReceiveCompletion"/>.</para>
/// </remarks>
public sealed partial class PipeWebSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SocketStream _socketStream;
    private readonly PipeWebSocketOptions _options;
    private readonly Pipe _pipe;
    private readonly WebSocketRejectionCounters _rejections;
    private WebSocketMessageParser _parser;
    private PerMessageDeflateInflater? _inflater;
    private int _state; // WebSocketConnectionState
    private int _abortRequested;

    private PipeWebSocket(Socket socket, SocketStream socketStream, Stream stream, PipeWebSocketOptions options,
        WebSocketRejectionCounters? rejections)
    {
        _socket = socket;
        _stream = stream;
        _socketStream = socketStream;
        _options = options;
        // No writer back-pressure: the same thread fills and drains the pipe, and a fragmented message must be
        // able to grow up to MaxMessageSize while it stays unconsumed.
        _pipe = new Pipe(new PipeOptions(
            pool: new ReceiveSegmentPool(options.ReceiveBufferSize),
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            resumeWriterThreshold: 0,
            minimumSegmentSize: options.ReceiveBufferSize,
            useSynchronizationContext: false));
        PrewarmPipe(options.PreallocatedReceiveSegments);
        _rejections = rejections ?? new WebSocketRejectionCounters();
        _parser = new WebSocketMessageParser(options.MaxMessageSize, options.ValidateUtf8, null, _rejections);
        _sendBuffer = new byte[WebSocketFrameReader.MaxHeaderLength + Math.Max(options.SendBufferSize, 256)];
    }

    /// <summary>Fills and drains the pipe once so that its internal segment objects and our segment pool already
    /// hold <paramref name="segments"/> entries before traffic starts.</summary>
    private void PrewarmPipe(int segments)
    {
        if (segments <= 0)
            return;
        PipeWriter writer = _pipe.Writer;
        for (int i = 0; i < segments; i++)
        {
            // Asking for a whole segment each time forces a new one.
            writer.GetMemory(_options.ReceiveBufferSize);
            writer.Advance(_options.ReceiveBufferSize);
        }
        writer.FlushAsync().GetAwaiter().GetResult();
        if (_pipe.Reader.TryRead(out ReadResult result))
            _pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    /// <summary>Called once the server has accepted permessage-deflate: RSV1 becomes legal on first data frames.</summary>
    private void EnableDeflate()
    {
        _inflater = new PerMessageDeflateInflater();
        _parser = new WebSocketMessageParser(_options.MaxMessageSize, _options.ValidateUtf8, _inflater, _rejections);
    }

    public WebSocketConnectionState State => (WebSocketConnectionState)Volatile.Read(ref _state);

    /// <summary>True when the server accepted permessage-deflate.</summary>
    public bool PerMessageDeflateEnabled => _inflater is not null;

    /// <summary>The sub-protocol the server selected, if any.</summary>
    public string? SubProtocol { get; private set; }

    /// <summary>Data messages delivered to the handler.</summary>
    public long MessagesReceived => _parser.MessagesReceived;

    /// <summary>Frames of every kind parsed.</summary>
    public long FramesReceived => _parser.FramesReceived;

    public long PingsReceived => Volatile.Read(ref _pingsReceived);
    public long PongsReceived => Volatile.Read(ref _pongsReceived);

    /// <summary>Per-reason counts of rejected server frames.</summary>
    public WebSocketRejectionCounters Rejections => _parser.Rejections;

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> of the last socket read that returned data
    /// (or of the connect); read by watchdogs on other threads.</summary>
    public long LastReceiveTimestamp => Volatile.Read(ref _lastReceiveTimestamp);

    /// <summary>Set once the receive side has ended.</summary>
    public WebSocketReceiveCompletion? Completion { get; private set; }

    /// <summary>Closes the TCP connection now, without a close handshake; a blocked receive returns and ends with
    /// <see cref="WebSocketEndReason.Aborted"/>. Thread-safe, idempotent.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _abortRequested, 1) != 0)
            return;
        Volatile.Write(ref _state, (int)WebSocketConnectionState.Aborted);
        ShutdownSocket();
    }

    private void ShutdownSocket()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Abort();
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
        }
        _socket.Dispose();
        // The send lock and the inflater's pooled buffer are left to the GC: a receive or send still unwinding
        // on another thread may touch them, and a pool array that is not returned is merely collected.
    }
}
