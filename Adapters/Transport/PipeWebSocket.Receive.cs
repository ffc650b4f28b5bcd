using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace FastEngine.Adapters.Transport;

public sealed partial class PipeWebSocket : IWebSocketControlHandler, IThreadPoolWorkItem
{
    private readonly TaskCompletionSource<WebSocketReceiveCompletion> _completionSource =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastReceiveTimestamp;
    private long _pingsReceived;
    private long _pongsReceived;
    private bool _hasBufferedData;
    private int _receiveRunning;

    /// <summary>Completes when the receive side ends (any driver: loop, thread or <see cref="ReceiveOnce{THandler}"/>).</summary>
    public Task<WebSocketReceiveCompletion> ReceiveCompleted => _completionSource.Task;

    /// <summary>
    /// One receive step on the calling thread: blocks for one socket read, then hands every message completed by
    /// the buffered bytes to <paramref name="handler"/>. Returns the number of messages delivered, or -1 once the
    /// connection has ended (<see cref="Completion"/> says why). Agent style: the caller owns the thread.
    /// </summary>
    public int ReceiveOnce<THandler>(ref THandler handler) where THandler : IWebSocketMessageHandler
    {
        if (Completion is not null)
            return -1;
        if (_hasBufferedData)
        {
            // Frame bytes that came with the handshake answer are already in the pipe.
            _hasBufferedData = false;
        }
        else
        {
            int read;
            try
            {
                read = FillSync();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException
                or System.Security.Authentication.AuthenticationException)
            {
                EndConnectionLostSlow(e);
                return -1;
            }
            if (read == 0)
            {
                EndConnectionLostSlow(null);
                return -1;
            }
        }

        PipeReader reader = _pipe.Reader;
        if (!reader.TryRead(out ReadResult result))
            return 0;
        ReadOnlySequence<byte> buffer = result.Buffer;
        long before = _parser.MessagesReceived;
        WebSocketParseStatus status = _parser.Parse(ref buffer, ref handler, this, Volatile.Read(ref _lastReceiveTimestamp));
        reader.AdvanceTo(buffer.Start, result.Buffer.End);
        if (status == WebSocketParseStatus.NeedMoreData)
            return (int)(_parser.MessagesReceived - before);
        if (status == WebSocketParseStatus.CloseReceived)
            OnCloseReceivedSlow();
        else
            OnProtocolViolationSlow();
        return -1;
    }

    /// <summary>Runs the receive loop on the calling thread until the connection ends; returns why it ended.
    /// Cancelling <paramref name="cancellationToken"/> aborts the connection. An exception thrown by the handler
    /// aborts the connection and ends the loop with <see cref="WebSocketEndReason.Aborted"/> and that exception.</summary>
    public WebSocketReceiveCompletion RunReceiveLoop<THandler>(THandler handler, CancellationToken cancellationToken = default)
        where THandler : IWebSocketMessageHandler
    {
        if (Interlocked.Exchange(ref _receiveRunning, 1) != 0)
            throw new InvalidOperationException("A receive loop is already running on this connection.");
        return RunReceiveLoopCore(handler, cancellationToken);
    }

    /// <summary>Starts <see cref="RunReceiveLoop{THandler}"/> on a new dedicated background thread; the task
    /// completes when the loop ends.</summary>
    public Task<WebSocketReceiveCompletion> StartReceiveThread<THandler>(THandler handler, string? threadName = null)
        where THandler : IWebSocketMessageHandler
    {
        // Marked running before the thread starts, so a CloseAsync right after this call waits for the loop.
        if (Interlocked.Exchange(ref _receiveRunning, 1) != 0)
            throw new InvalidOperationException("A receive loop is already running on this connection.");
        var thread = new Thread(() => RunReceiveLoopCore(handler, CancellationToken.None))
        {
            IsBackground = true,
            Name = threadName ?? "ws-receive",
        };
        thread.Start();
        return ReceiveCompleted;
    }

    private WebSocketReceiveCompletion RunReceiveLoopCore<THandler>(THandler handler, CancellationToken cancellationToken)
        where THandler : IWebSocketMessageHandler
    {
        using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static s => ((PipeWebSocket)s!).Abort(), this);
        try
        {
            while (ReceiveOnce(ref handler) >= 0)
            {
            }
        }
        catch (Exception e)
        {
            Abort();
            Complete(new WebSocketReceiveCompletion(WebSocketEndReason.Aborted, WebSocketCloseCode.AbnormalClosure, null,
                WebSocketRejectReason.None, e));
        }
        return Completion!.Value;
    }

    void IWebSocketControlHandler.OnPing(in ReadOnlySequence<byte> payload)
    {
        _pingsReceived++;
        // Copy now (the payload dies with this call) and reply from the thread pool so the receive thread never
        // waits on the send lock. Only the latest ping needs an answer (RFC 6455 §5.5.3).
        lock (_pongGate)
        {
            payload.CopyTo(_pongPayload);
            _pongLength = (int)payload.Length;
        }
        if (Interlocked.Exchange(ref _pongQueued, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IWebSocketControlHandler.OnPong(in ReadOnlySequence<byte> payload) => _pongsReceived++;

    void IThreadPoolWorkItem.Execute() => _ = SendQueuedPongAsync();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnCloseReceivedSlow()
    {
        WebSocketCloseCode code = _parser.CloseCode;
        string? reason = _parser.CloseReason;
        // Echo the code (RFC 6455 §5.5.1) unless we started the close ourselves; 1005 means "no code", so the
        // echo carries none either.
        if (Interlocked.Exchange(ref _closeSent, 1) == 0)
            SendCloseSync(code == WebSocketCloseCode.NoStatusReceived ? WebSocketCloseCode.None : code, null);
        DrainUntilServerCloses();
        Volatile.Write(ref _state, (int)WebSocketConnectionState.Closed);
        ShutdownSocket();
        Complete(new WebSocketReceiveCompletion(WebSocketEndReason.CloseReceived, code, reason, WebSocketRejectReason.None, null));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnProtocolViolationSlow()
    {
        WebSocketRejectReason reason = _parser.RejectReason;
        WebSocketCloseCode code = _parser.RejectCloseCode;
        // Fail the connection (RFC 6455 §7.1.7): send our close frame with the code, then drop TCP and the buffer.
        if (Interlocked.Exchange(ref _closeSent, 1) == 0)
            SendCloseSync(code, reason.ToString());
        Volatile.Write(ref _state, (int)WebSocketConnectionState.Closed);
        ShutdownSocket();
        Complete(new WebSocketReceiveCompletion(WebSocketEndReason.ProtocolViolation, code, null, reason, null));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndConnectionLostSlow(Exception? exception)
    {
        bool aborted = Volatile.Read(ref _abortRequested) != 0;
        if (!aborted && Volatile.Read(ref _closeSent) != 0 && exception is null)
        {
            // We sent close and the server just closed TCP without its close frame; still a clean local close.
            Volatile.Write(ref _state, (int)WebSocketConnectionState.Closed);
        }
        Complete(new WebSocketReceiveCompletion(aborted ? WebSocketEndReason.Aborted : WebSocketEndReason.ConnectionLost,
            WebSocketCloseCode.AbnormalClosure, null, WebSocketRejectReason.None, exception));
        ShutdownSocket();
    }

    private void DrainUntilServerCloses()
    {
        // After both close frames the server closes TCP first (RFC 6455 §7.1.1); wait for that, bounded.
        try
        {
            _socketStream.ReadTimeout = (int)Math.Max(1, _options.CloseTimeout.TotalMilliseconds);
            PipeReader reader = _pipe.Reader;
            for (int i = 0; i < 64 && FillSync() > 0; i++)
            {
                if (reader.TryRead(out ReadResult result))
                    reader.AdvanceTo(result.Buffer.End);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private void Complete(WebSocketReceiveCompletion completion)
    {
        if (Completion is not null)
            return;
        Completion = completion;
        // Return the pipe's segments to the pool; the parser no longer references them.
        _pipe.Reader.Complete();
        _pipe.Writer.Complete();
        _completionSource.TrySetResult(completion);
    }
}
