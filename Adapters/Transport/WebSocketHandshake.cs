using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace FastEngine.Adapters.Transport;

/// <summary>What the server agreed to in its 101 answer.</summary>
public readonly record struct HandshakeResult(bool PerMessageDeflate, bool ServerNoContextTakeover, string? SubProtocol);

/// <summary>
/// RFC 6455 §4.1 client opening handshake: builds the upgrade request with a fresh Sec-WebSocket-Key and checks
/// the answer (status 101, Upgrade/Connection headers, Sec-WebSocket-Accept, extensions, sub-protocol).
/// Cold path: allocates freely.
/// </summary>
public sealed class WebSocketHandshake
{
    /// <summary>RFC 6455 §1.3 GUID appended to the key before hashing.</summary>
    public const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Largest response header block accepted.</summary>
    public const int MaxResponseHeaderBytes = 16 * 1024;

    private readonly Uri _uri;
    private readonly PipeWebSocketOptions _options;

    public WebSocketHandshake(Uri uri, PipeWebSocketOptions options, string? key = null)
    {
        _uri = uri;
        _options = options;
        Key = key ?? NewKey();
        ExpectedAccept = ComputeAccept(Key);
    }

    public string Key { get; }
    public string ExpectedAccept { get; }

    /// <summary>base64 of 16 random bytes (§4.1).</summary>
    public static string NewKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }

    /// <summary>base64(SHA-1(key + GUID)) (§4.2.2).</summary>
    public static string ComputeAccept(string key)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The request bytes (ASCII).</summary>
    public byte[] BuildRequest()
    {
        var builder = new StringBuilder(256);
        string path = string.IsNullOrEmpty(_uri.PathAndQuery) ? "/" : _uri.PathAndQuery;
        bool secure = _uri.Scheme == "wss";
        bool defaultPort = _uri.IsDefaultPort || _uri.Port == (secure ? 443 : 80);
        builder.Append("GET ").Append(path).Append(" HTTP/1.1\r\n");
        builder.Append("Host: ").Append(_uri.IdnHost);
        if (!defaultPort)
            builder.Append(':').Append(_uri.Port);
        builder.Append("\r\n");
        builder.Append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
        builder.Append("Sec-WebSocket-Key: ").Append(Key).Append("\r\n");
        builder.Append("Sec-WebSocket-Version: 13\r\n");
        if (_options.PerMessageDeflate is { } deflate)
        {
            builder.Append("Sec-WebSocket-Extensions: permessage-deflate");
            if (deflate.ClientNoContextTakeover)
                builder.Append("; client_no_context_takeover");
            if (deflate.ServerNoContextTakeover)
                builder.Append("; server_no_context_takeover");
            builder.Append("\r\n");
        }
        if (_options.SubProtocol is { } protocol)
        {
            CheckHeaderText(protocol);
            builder.Append("Sec-WebSocket-Protocol: ").Append(protocol).Append("\r\n");
        }
        foreach (var (name, value) in _options.RequestHeaders)
        {
            CheckHeaderText(name);
            CheckHeaderText(value);
            builder.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        builder.Append("\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static void CheckHeaderText(string text)
    {
        // A CR or LF would let a header value inject headers or end the request early.
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"Header text must not contain CR or LF: '{text}'.");
    }

    /// <summary>Finds the end of the response header block. Returns false (and leaves <paramref name="headerLength"/>
    /// 0) while "\r\n\r\n" has not arrived yet.</summary>
    public static bool TryFindHeaderEnd(in ReadOnlySequence<byte> buffer, out long headerLength)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            headerLength = reader.Consumed;
            return true;
        }
        headerLength = 0;
        return false;
    }

    /// <summary>Validates the response header block (status line through the blank line).</summary>
    /// <exception cref="WebSocketConnectException">The answer does not accept the upgrade.</exception>
    public HandshakeResult ValidateResponse(ReadOnlySpan<byte> headerBlock)
    {
        string text = Encoding.Latin1.GetString(headerBlock);
        string[] lines = text.Split("\r\n");
        string statusLine = lines[0];
        // "HTTP/1.1 101 Switching Protocols"
        string[] parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out int status))
            throw new WebSocketConnectException(WebSocketConnectFailure.InvalidResponse, $"Not an HTTP/1.x status line: '{Truncate(statusLine)}'.");
        string reason = parts.Length > 2 ? parts[2] : string.Empty;
        if (status != 101)
            throw new WebSocketConnectException(WebSocketConnectFailure.UnexpectedStatus,
                $"Server answered the WebSocket upgrade of {_uri} with {status} {reason}.", statusCode: status, reasonPhrase: reason);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0)
                continue;
            int colon = line.IndexOf(':');
            if (colon <= 0)
                throw new WebSocketConnectException(WebSocketConnectFailure.InvalidResponse, $"Malformed header line: '{Truncate(line)}'.");
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out string? earlier) ? earlier + ", " + value : value;
        }

        if (!headers.TryGetValue("Upgrade", out string? upgrade) || !upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase))
            throw new WebSocketConnectException(WebSocketConnectFailure.InvalidUpgradeHeaders, $"101 answer without 'Upgrade: websocket' (got '{upgrade}').");
        if (!headers.TryGetValue("Connection", out string? connection) || !HasToken(connection, "upgrade"))
            throw new WebSocketConnectException(WebSocketConnectFailure.InvalidUpgradeHeaders, $"101 answer without 'Connection: Upgrade' (got '{connection}').");
        if (!headers.TryGetValue("Sec-WebSocket-Accept", out string? accept) || accept != ExpectedAccept)
            throw new WebSocketConnectException(WebSocketConnectFailure.InvalidAccept,
                $"Sec-WebSocket-Accept '{accept}' does not match the key (expected '{ExpectedAccept}').");

        bool deflate = false, serverNoContextTakeover = false;
        if (headers.TryGetValue("Sec-WebSocket-Extensions", out string? extensions) && extensions.Length > 0)
        {
            if (_options.PerMessageDeflate is null)
                throw new WebSocketConnectException(WebSocketConnectFailure.UnsupportedExtension, $"Server chose extensions we did not offer: '{extensions}'.");
            foreach (string extension in extensions.Split(','))
            {
                string[] parameters = extension.Split(';', StringSplitOptions.TrimEntries);
                if (parameters[0] != "permessage-deflate" || deflate)
                    throw new WebSocketConnectException(WebSocketConnectFailure.UnsupportedExtension, $"Unsupported extension answer: '{extensions}'.");
                deflate = true;
                foreach (string parameter in parameters.AsSpan(1))
                {
                    string key = parameter.Split('=')[0].Trim();
                    if (key == "server_no_context_takeover")
                        serverNoContextTakeover = true;
                    else if (key is not ("client_no_context_takeover" or "server_max_window_bits" or "client_max_window_bits"))
                        throw new WebSocketConnectException(WebSocketConnectFailure.UnsupportedExtension, $"Unknown permessage-deflate parameter '{parameter}'.");
                    // Window bits: the inflater always uses a 32 KiB window, which decodes any smaller one; we never
                    // compress, so client_* parameters need no action.
                }
            }
        }

        string? subProtocol = null;
        if (headers.TryGetValue("Sec-WebSocket-Protocol", out string? protocol) && protocol.Length > 0)
        {
            if (!string.Equals(protocol, _options.SubProtocol, StringComparison.Ordinal))
                throw new WebSocketConnectException(WebSocketConnectFailure.UnsupportedSubProtocol, $"Server chose sub-protocol '{protocol}', not '{_options.SubProtocol}'.");
            subProtocol = protocol;
        }
        return new HandshakeResult(deflate, serverNoContextTakeover, subProtocol);
    }

    private static bool HasToken(string value, string token)
    {
        foreach (string part in value.Split(','))
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
