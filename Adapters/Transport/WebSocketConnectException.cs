namespace FastEngine.Adapters.Transport;

/// <summary>Which step of <see cref="PipeWebSocket.ConnectAsync"/> failed.</summary>
public enum WebSocketConnectFailure : byte
{
    InvalidUri,
    DnsFailed,
    ConnectTimeout,
    ConnectFailed,
    TlsFailed,
    HandshakeTimeout,
    /// <summary>The server answered the upgrade with a status other than 101 (see StatusCode/ReasonPhrase).</summary>
    UnexpectedStatus,
    InvalidAccept,
    InvalidUpgradeHeaders,
    InvalidResponse,
    UnsupportedExtension,
    UnsupportedSubProtocol,
    ConnectionClosed,
}

/// <summary>Connecting or upgrading failed. <see cref="Failure"/> says which step; for a non-101 answer,
/// <see cref="StatusCode"/> and <see cref="ReasonPhrase"/> carry the server's status line.</summary>
public sealed class WebSocketConnectException : Exception
{
    public WebSocketConnectException(WebSocketConnectFailure failure, string message, Exception? inner = null,
        int statusCode = 0, string? reasonPhrase = null)
        : base(message, inner)
    {
        Failure = failure;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
    }

    public WebSocketConnectFailure Failure { get; }
    public int StatusCode { get; }
    public string? ReasonPhrase { get; }
}
