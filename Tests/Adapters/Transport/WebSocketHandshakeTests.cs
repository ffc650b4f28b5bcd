using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class WebSocketHandshakeTests
{
    [Fact]
    public void ComputeAccept_RfcExampleKey_DocumentedAcceptValue()
    {
        // RFC 6455 §1.3.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void NewKey_Is16RandomBytesBase64AndFresh()
    {
        string a = WebSocketHandshake.NewKey(), b = WebSocketHandshake.NewKey();
        Assert.Equal(16, Convert.FromBase64String(a).Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void BuildRequest_PathQueryHostPortAndCustomHeaders_Present()
    {
        var options = new PipeWebSocketOptions
        {
            RequestHeaders = [new("X-Api-Key", "abc")],
            PerMessageDeflate = new PerMessageDeflateOptions { ServerNoContextTakeover = true },
        };
        var handshake = new WebSocketHandshake(new Uri("wss://stream.example.com:9443/ws/v1?streams=btcusdt@trade"), options,
            "dGhlIHNhbXBsZSBub25jZQ==");
        string request = Encoding.ASCII.GetString(handshake.BuildRequest());
        Assert.StartsWith("GET /ws/v1?streams=btcusdt@trade HTTP/1.1\r\n", request);
        Assert.Contains("\r\nHost: stream.example.com:9443\r\n", request);
        Assert.Contains("\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", request);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", request);
        Assert.Contains("\r\nX-Api-Key: abc\r\n", request);
        Assert.Contains("permessage-deflate; client_no_context_takeover; server_no_context_takeover", request);
        Assert.EndsWith("\r\n\r\n", request);
    }

    [Fact]
    public void BuildRequest_HeaderWithNewline_Rejected()
    {
        var options = new PipeWebSocketOptions { RequestHeaders = [new("X-Evil", "a\r\nHost: other")] };
        Assert.Throws<ArgumentException>(() => new WebSocketHandshake(new Uri("ws://h/"), options).BuildRequest());
    }

    private static WebSocketHandshake Rfc(PipeWebSocketOptions? options = null) =>
        new(new Uri("ws://server.example.com/chat"), options ?? new PipeWebSocketOptions(), "dGhlIHNhbXBsZSBub25jZQ==");

    [Fact]
    public void ValidateResponse_RfcExampleAnswer_Accepted()
    {
        const string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        var result = Rfc().ValidateResponse(Encoding.ASCII.GetBytes(response));
        Assert.False(result.PerMessageDeflate);
    }

    [Theory]
    [InlineData("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", WebSocketConnectFailure.UnexpectedStatus)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n", WebSocketConnectFailure.InvalidAccept)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", WebSocketConnectFailure.InvalidUpgradeHeaders)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", WebSocketConnectFailure.InvalidUpgradeHeaders)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n", WebSocketConnectFailure.UnsupportedExtension)]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", WebSocketConnectFailure.InvalidResponse)]
    public void ValidateResponse_BadAnswer_FailureNamed(string response, WebSocketConnectFailure failure)
    {
        var e = Assert.Throws<WebSocketConnectException>(() => Rfc().ValidateResponse(Encoding.ASCII.GetBytes(response)));
        Assert.Equal(failure, e.Failure);
    }

    [Fact]
    public void ValidateResponse_Non101_StatusAndReasonInException()
    {
        var e = Assert.Throws<WebSocketConnectException>(() =>
            Rfc().ValidateResponse("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\n\r\n"u8));
        Assert.Equal(429, e.StatusCode);
        Assert.Equal("Too Many Requests", e.ReasonPhrase);
        Assert.Contains("429 Too Many Requests", e.Message);
    }

    [Fact]
    public void ValidateResponse_DeflateAccepted_ParametersParsed()
    {
        var options = new PipeWebSocketOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        const string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=10\r\n\r\n";
        var result = Rfc(options).ValidateResponse(Encoding.ASCII.GetBytes(response));
        Assert.True(result.PerMessageDeflate);
        Assert.True(result.ServerNoContextTakeover);
    }
}
