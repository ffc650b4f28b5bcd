using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastEngine.Adapters.Transport;

/// <summary>What happened to a <see cref="ReconnectingWebSocket"/>.</summary>
public enum ConnectionEventKind : byte
{
    Connected,
    Disconnected,
    Reconnecting,
    Stopped,
}

/// <summary>Why a connection ended (or failed to start).</summary>
public enum DisconnectReason : byte
{
    None,
    /// <summary>The server sent a close frame.</summary>
    ServerClosed,
    /// <summary>The server broke the protocol; we closed with <see cref="ConnectionEvent.CloseCode"/>.</summary>
    ProtocolViolation,
    /// <summary>TCP ended or failed without a close frame.</summary>
    ConnectionLost,
    /// <summary>No byte arrived within <see cref="ReconnectingWebSocketOptions.NoDataTimeout"/>: half-open, aborted.</summary>
    NoDataTimeout,
    /// <summary>Connect, TLS or upgrade failed (<see cref="ConnectionEvent.Exception"/> is a <see cref="WebSocketConnectException"/>).</summary>
    ConnectFailed,
    /// <summary>Sending the subscriptions failed.</summary>
    SubscribeFailed,
    /// <summary>The message handler threw.</summary>
    HandlerFailed,
    /// <summary><see cref="ReconnectingWebSocket.StopAsync"/>.</summary>
    Stopped,
}

/// <summary>One state change, raised on a thread-pool thread (never the receive thread).</summary>
public readonly record struct ConnectionEvent(
    ConnectionEventKind Kind,
    int Attempt,
    DisconnectReason Reason,
    WebSocketCloseCode CloseCode,
    WebSocketRejectReason RejectReason,
    TimeSpan Delay,
    Exception? Exception);

/// <summary>Thread-safe counters of a <see cref="ReconnectingWebSocket"/> (read them from any thread).</summary>
public sealed class WebSocketConnectionCounters
{
    internal long ConnectAttemptsValue, ConnectsValue, ConnectFailuresValue, DisconnectsValue, NoDataTimeoutsValue,
        PingsSentValue, HeartbeatsSentValue, SubscriptionMessagesSentValue, MessagesFromClosedConnections;

    public long ConnectAttempts => Interlocked.Read(ref ConnectAttemptsValue);
    public long Connects => Interlocked.Read(ref ConnectsValue);
    public long ConnectFailures => Interlocked.Read(ref ConnectFailuresValue);
    public long Disconnects => Interlocked.Read(ref DisconnectsValue);
    public long NoDataTimeouts => Interlocked.Read(ref NoDataTimeoutsValue);
    public long PingsSent => Interlocked.Read(ref PingsSentValue);
    public long HeartbeatsSent => Interlocked.Read(ref HeartbeatsSentValue);
    public long SubscriptionMessagesSent => Interlocked.Read(ref SubscriptionMessagesSentValue);

    /// <summary>Per-reason rejected frames over all connections.</summary>
    public WebSocketRejectionCounters Rejections { get; } = new();
}

/// <summary>
/// A venue connection that stays up: connects a <see cref="PipeWebSocket"/>, sends the subscriptions, runs the
/// receive loop on a dedicated thread (the handler sees every message of every connection, in order per
/// connection), sends protocol pings and venue heartbeats, declares a silent connection dead, and reconnects
/// with exponential backoff and full jitter.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="SendTextAsync(ReadOnlyMemory{byte}, CancellationToken)"/> and friends may be called
/// from any thread; they go to the current connection (serialized by its send lock) and return false while
/// there is none. Events and counters are safe to observe from anywhere. The receive thread only parses and
/// calls the handler: all timers, sends and reconnect logic run on the thread pool.
/// </remarks>
public sealed class ReconnectingWebSocket : IAsyncDisposable
{
    private readonly Uri _uri;
    private readonly IWebSocketMessageHandler _handler;
    private readonly ReconnectingWebSocketOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<double> _jitter;
    private Task? _supervisor;
    private PipeWebSocket? _current;

    public ReconnectingWebSocket(Uri uri, IWebSocketMessageHandler handler, ReconnectingWebSocketOptions? options = null)
    {
        _uri = uri;
        _handler = handler;
        _options = options ?? new ReconnectingWebSocketOptions();
        _jitter = _options.JitterSource ?? Random.Shared.NextDouble;
    }

    /// <summary>Raised on every state change (on a thread-pool thread; exceptions from subscribers are swallowed).</summary>
    public event Action<ConnectionEvent>? StateChanged;

    public WebSocketConnectionCounters Counters { get; } = new();

    public bool IsConnected => Volatile.Read(ref _current) is { State: WebSocketConnectionState.Open };

    /// <summary>Data messages delivered over all connections so far.</summary>
    public long MessagesReceived =>
        Interlocked.Read(ref Counters.MessagesFromClosedConnections) + (Volatile.Read(ref _current)?.MessagesReceived ?? 0);

    /// <summary>Starts connecting in the background. Call once.</summary>
    public void Start()
    {
        if (_supervisor is not null)
            throw new InvalidOperationException("Already started.");
        _supervisor = Task.Run(SuperviseAsync);
    }

    /// <summary>Closes the current connection with 1000 and stops reconnecting.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
            _stop.Cancel();
        if (Volatile.Read(ref _current) is { } socket)
        {
            try
            {
                await socket.CloseAsync(WebSocketCloseCode.NormalClosure, "client stopping").AsTask()
                    .WaitAsync(_options.Socket.CloseTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                socket.Abort();
            }
        }
        if (_supervisor is not null)
            await _supervisor.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    public ValueTask<bool> SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken = default) =>
        SendAsync(new WebSocketOutgoingMessage(WebSocketMessageType.Text, utf8), cancellationToken);

    public ValueTask<bool> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(new WebSocketOutgoingMessage(WebSocketMessageType.Binary, data), cancellationToken);

    /// <summary>Sends on the current connection; false when there is none or it failed meanwhile (the message is
    /// dropped: after a reconnect only the subscriptions are replayed).</summary>
    public async ValueTask<bool> SendAsync(WebSocketOutgoingMessage message, CancellationToken cancellationToken = default)
    {
        PipeWebSocket? socket = Volatile.Read(ref _current);
        if (socket is null)
            return false;
        try
        {
            await SendOnAsync(socket, message, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static ValueTask SendOnAsync(PipeWebSocket socket, WebSocketOutgoingMessage message, CancellationToken cancellationToken) =>
        message.Type == WebSocketMessageType.Text
            ? socket.SendTextAsync(message.Payload, cancellationToken)
            : socket.SendBinaryAsync(message.Payload, cancellationToken);

    /// <summary>Full-jitter exponential backoff: uniform in [0, min(max, initial * multiplier^(failures-1))].</summary>
    public static TimeSpan ComputeBackoff(int consecutiveFailures, ReconnectingWebSocketOptions options, double jitter)
    {
        if (consecutiveFailures <= 0)
            return TimeSpan.Zero;
        double cap = options.InitialBackoff.TotalMilliseconds * Math.Pow(options.BackoffMultiplier, Math.Min(consecutiveFailures - 1, 62));
        cap = Math.Min(cap, options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(cap * Math.Clamp(jitter, 0, 1));
    }

    private async Task SuperviseAsync()
    {
        CancellationToken stop = _stop.Token;
        int failures = 0;
        while (!stop.IsCancellationRequested)
        {
            if (failures > 0)
            {
                if (_options.MaxConsecutiveFailures is { } max && failures >= max)
                    break;
                TimeSpan delay = ComputeBackoff(failures, _options, _jitter());
                Raise(new ConnectionEvent(ConnectionEventKind.Reconnecting, failures, DisconnectReason.None, default, default, delay, null));
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Interlocked.Increment(ref Counters.ConnectAttemptsValue);
            PipeWebSocket socket;
            try
            {
                socket = await PipeWebSocket.ConnectAsync(_uri, _options.Socket, stop, Counters.Rejections).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (WebSocketConnectException e)
            {
                failures++;
                Interlocked.Increment(ref Counters.ConnectFailuresValue);
                Raise(new ConnectionEvent(ConnectionEventKind.Disconnected, failures, DisconnectReason.ConnectFailed, default, default, default, e));
                continue;
            }

            long connectedAt = Stopwatch.GetTimestamp();
            DisconnectReason reason = await RunConnectionAsync(socket, failures, stop).ConfigureAwait(false);
            bool stable = Stopwatch.GetElapsedTime(connectedAt) >= _options.StablePeriod;
            failures = stable ? 1 : failures + 1;
            if (reason == DisconnectReason.Stopped)
                break;
        }
        Raise(new ConnectionEvent(ConnectionEventKind.Stopped, failures, DisconnectReason.Stopped, default, default, default, null));
    }

    private async Task<DisconnectReason> RunConnectionAsync(PipeWebSocket socket, int failures, CancellationToken stop)
    {
        using (socket)
        {
            Volatile.Write(ref _current, socket);
            Interlocked.Increment(ref Counters.ConnectsValue);
            Raise(new ConnectionEvent(ConnectionEventKind.Connected, failures + 1, DisconnectReason.None, default, default, default, null));

            // Start receiving before subscribing so nothing the server answers is left unread.
            Task<WebSocketReceiveCompletion> receive = socket.StartReceiveThread(_handler, "ws-receive-" + _options.Name);
            bool subscribed = await SubscribeAsync(socket).ConfigureAwait(false);

            using var maintenanceStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var noData = new StrongBox<bool>();
            Task maintenance = subscribed ? MaintainAsync(socket, noData, maintenanceStop.Token) : Task.CompletedTask;
            if (!subscribed)
                socket.Abort();

            WebSocketReceiveCompletion completion = await receive.ConfigureAwait(false);
            maintenanceStop.Cancel();
            await maintenance.ConfigureAwait(false);
            Volatile.Write(ref _current, null);
            Interlocked.Add(ref Counters.MessagesFromClosedConnections, socket.MessagesReceived);
            Interlocked.Increment(ref Counters.DisconnectsValue);

            DisconnectReason reason = stop.IsCancellationRequested ? DisconnectReason.Stopped
                : !subscribed ? DisconnectReason.SubscribeFailed
                : noData.Value ? DisconnectReason.NoDataTimeout
                : completion.Reason switch
                {
                    WebSocketEndReason.CloseReceived => DisconnectReason.ServerClosed,
                    WebSocketEndReason.ProtocolViolation => DisconnectReason.ProtocolViolation,
                    WebSocketEndReason.Aborted when completion.Exception is not null => DisconnectReason.HandlerFailed,
                    _ => DisconnectReason.ConnectionLost,
                };
            Raise(new ConnectionEvent(ConnectionEventKind.Disconnected, failures + 1, reason, completion.CloseCode,
                completion.RejectReason, default, completion.Exception));
            return reason;
        }
    }

    private async Task<bool> SubscribeAsync(PipeWebSocket socket)
    {
        if (_options.Subscriptions is null)
            return true;
        try
        {
            foreach (WebSocketOutgoingMessage message in _options.Subscriptions())
            {
                await SendOnAsync(socket, message, CancellationToken.None).AsTask()
                    .WaitAsync(_options.Socket.HandshakeTimeout).ConfigureAwait(false);
                Interlocked.Increment(ref Counters.SubscriptionMessagesSentValue);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Pings, heartbeats and the no-data watchdog of one connection, on one timer.</summary>
    private async Task MaintainAsync(PipeWebSocket socket, StrongBox<bool> noData, CancellationToken stop)
    {
        TimeSpan? ping = _options.ProtocolPingInterval;
        TimeSpan? heartbeat = _options.Heartbeat is null ? null : _options.HeartbeatInterval;
        TimeSpan? silence = _options.NoDataTimeout;
        TimeSpan tick = TimeSpan.FromSeconds(1);
        foreach (TimeSpan? interval in new[] { ping, heartbeat, silence / 4 })
            if (interval is { } value && value < tick)
                tick = value;
        if (tick < TimeSpan.FromMilliseconds(5))
            tick = TimeSpan.FromMilliseconds(5);

        long start = Stopwatch.GetTimestamp();
        TimeSpan nextPing = ping ?? TimeSpan.MaxValue;
        TimeSpan nextHeartbeat = heartbeat ?? TimeSpan.MaxValue;
        using var timer = new PeriodicTimer(tick);
        var pingPayload = new byte[8];
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (silence is { } limit && Stopwatch.GetElapsedTime(socket.LastReceiveTimestamp) > limit)
                {
                    noData.Value = true;
                    Interlocked.Increment(ref Counters.NoDataTimeoutsValue);
                    socket.Abort();
                    return;
                }
                TimeSpan now = Stopwatch.GetElapsedTime(start);
                if (now >= nextPing)
                {
                    nextPing = now + ping!.Value;
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(pingPayload, Stopwatch.GetTimestamp());
                    await socket.SendPingAsync(pingPayload, stop).ConfigureAwait(false);
                    Interlocked.Increment(ref Counters.PingsSentValue);
                }
                if (now >= nextHeartbeat)
                {
                    nextHeartbeat = now + heartbeat!.Value;
                    await SendOnAsync(socket, _options.Heartbeat!(), stop).ConfigureAwait(false);
                    Interlocked.Increment(ref Counters.HeartbeatsSentValue);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Stopping, or the connection failed: the receive side reports it.
        }
    }

    private void Raise(ConnectionEvent connectionEvent)
    {
        try
        {
            StateChanged?.Invoke(connectionEvent);
        }
        catch (Exception)
        {
            // A faulty subscriber must not stop reconnection.
        }
    }
}
