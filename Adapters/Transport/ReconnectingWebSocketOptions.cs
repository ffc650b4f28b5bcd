using System.Text;

namespace FastEngine.Adapters.Transport;

/// <summary>A message to send on (re)connect or as a heartbeat.</summary>
public readonly record struct WebSocketOutgoingMessage(WebSocketMessageType Type, ReadOnlyMemory<byte> Payload)
{
    public static WebSocketOutgoingMessage Text(string text) => new(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));
    public static WebSocketOutgoingMessage Binary(byte[] data) => new(WebSocketMessageType.Binary, data);
}

/// <summary>Settings of a <see cref="ReconnectingWebSocket"/>. Defaults follow common exchange guidance: reconnect
/// after 1 s doubling to 30 s with full jitter, protocol ping every 15 s, dead after 30 s without any byte.</summary>
public sealed record ReconnectingWebSocketOptions
{
    /// <summary>Settings of each underlying connection.</summary>
    public PipeWebSocketOptions Socket { get; init; } = new();

    /// <summary>Used in the receive thread's name and in events.</summary>
    public string Name { get; init; } = "ws";

    /// <summary>Backoff cap of the first retry; the cap doubles per consecutive failure up to <see cref="MaxBackoff"/>.
    /// The actual delay is uniform in [0, cap] ("full jitter"), so reconnect storms spread out.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public double BackoffMultiplier { get; init; } = 2.0;

    /// <summary>A connection that stayed up this long resets the failure count (next retry starts at the initial cap).</summary>
    public TimeSpan StablePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Stop after this many consecutive failed attempts; null = retry forever.</summary>
    public int? MaxConsecutiveFailures { get; init; }

    /// <summary>RFC 6455 ping interval; null = no protocol pings (pongs to server pings are always sent).</summary>
    public TimeSpan? ProtocolPingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Declare a half-open connection dead when no byte arrived for this long; null = never.</summary>
    public TimeSpan? NoDataTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Venue application heartbeat (text "ping", {"op":"ping"}, ...): produced per send.</summary>
    public Func<WebSocketOutgoingMessage>? Heartbeat { get; init; }

    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>Messages sent right after every successful connect, in order (subscriptions, logins).</summary>
    public Func<IReadOnlyList<WebSocketOutgoingMessage>>? Subscriptions { get; init; }

    /// <summary>Jitter source returning [0, 1); null = <see cref="Random.Shared"/>. For tests.</summary>
    public Func<double>? JitterSource { get; init; }
}
