using System.Net.Security;
using System.Security.Authentication;

namespace FastEngine.Adapters.Transport;

/// <summary>Settings of one <see cref="PipeWebSocket"/> connection. Immutable; share freely.</summary>
public sealed record PipeWebSocketOptions
{
    /// <summary>DNS + TCP connect limit (all resolved addresses together).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>TLS + HTTP upgrade limit.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the server's close frame / TCP close after our close frame.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Extra request headers (API keys, origin). Names and values must not contain CR or LF.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; } = [];

    /// <summary>Sec-WebSocket-Protocol to request, if any.</summary>
    public string? SubProtocol { get; init; }

    /// <summary>Custom server certificate check (pinning, test certificates). Null = the platform's normal
    /// chain + host-name validation, which rejects untrusted certificates.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; init; }

    /// <summary>TLS versions; <see cref="SslProtocols.None"/> lets the OS choose (TLS 1.2/1.3).</summary>
    public SslProtocols SslProtocols { get; init; } = SslProtocols.None;

    /// <summary>Largest message (after reassembly and inflation); bigger ones close the connection with 1009.</summary>
    public long MaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Validate text messages as UTF-8 (RFC 6455 §8.1, close 1007). Turn off only for trusted venues
    /// when profiling shows the (vectorized) check matters.</summary>
    public bool ValidateUtf8 { get; init; } = true;

    /// <summary>Offer permessage-deflate (RFC 7692); null = do not offer.</summary>
    public PerMessageDeflateOptions? PerMessageDeflate { get; init; }

    /// <summary>Pipe segment size (the largest single socket read).</summary>
    public int ReceiveBufferSize { get; init; } = 64 * 1024;

    /// <summary>Receive segments allocated (and pooled) at connect time. The pool only grows when more bytes are
    /// buffered at once than ever before (a partial frame spanning many small reads, or a bigger fragmented
    /// message): pre-allocating keeps that high-water growth out of steady-state traffic.</summary>
    public int PreallocatedReceiveSegments { get; init; } = 4;

    /// <summary>Chunk size used to mask outgoing payloads (one reusable buffer of this size per connection).</summary>
    public int SendBufferSize { get; init; } = 16 * 1024;
}

/// <summary>permessage-deflate offer. The client never compresses what it sends (allowed by RFC 7692 §6: RSV1
/// is per message), so only the server's side matters for decoding.</summary>
public sealed record PerMessageDeflateOptions
{
    /// <summary>Ask the server to reset its compression context after every message (less memory on its side,
    /// worse ratio). Both modes decode the same way here.</summary>
    public bool ServerNoContextTakeover { get; init; }

    /// <summary>Declare that the client does not keep a compression context (always true in effect).</summary>
    public bool ClientNoContextTakeover { get; init; } = true;
}
