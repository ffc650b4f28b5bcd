using System.Security.Cryptography;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

/// <summary>PipeWebSocket against ASP.NET Core Kestrel's WebSocket server (a real RFC 6455 peer), plain and TLS.</summary>
public class PipeWebSocketKestrelTests : IClassFixture<KestrelWebSocketFixture>
{
    private readonly KestrelWebSocketFixture _server;

    public PipeWebSocketKestrelTests(KestrelWebSocketFixture server) => _server = server;

    private PipeWebSocketOptions Options(bool tls = false) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        RemoteCertificateValidation = tls
            ? (_, certificate, _, _) => certificate is not null &&
                certificate.GetCertHashString(HashAlgorithmName.SHA256) == _server.Certificate.GetCertHashString(HashAlgorithmName.SHA256)
            : null,
    };

    /// <summary>Handler that completes a task after N messages.</summary>
    private sealed class CountdownHandler(int expected) : IWebSocketMessageHandler
    {
        public RecordingHandler Inner { get; } = new();
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnMessage(WebSocketMessageType type, in System.Buffers.ReadOnlySequence<byte> payload, long receiveTimestamp)
        {
            Inner.OnMessage(type, payload, receiveTimestamp);
            if (Inner.Count == expected)
                Done.TrySetResult();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_TextBinaryAndOneMegabyte_ReturnedIdentically(bool tls)
    {
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/echo", tls), Options(tls)).WaitAsync(TestTimeouts.Short);
        var handler = new CountdownHandler(3);
        var loop = socket.StartReceiveThread(handler);
        var big = new byte[1024 * 1024];
        new Random(11).NextBytes(big);
        await socket.SendTextAsync("{\"op\":\"ping\",\"κ\":1}").AsTask().WaitAsync(TestTimeouts.Short);
        await socket.SendBinaryAsync(new byte[] { 1, 2, 3 }).AsTask().WaitAsync(TestTimeouts.Short);
        await socket.SendBinaryAsync(big).AsTask().WaitAsync(TestTimeouts.Short);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(WebSocketMessageType.Text, handler.Inner.Messages[0].Type);
        Assert.Equal("{\"op\":\"ping\",\"κ\":1}", handler.Inner.TextAt(0));
        Assert.Equal(new byte[] { 1, 2, 3 }, handler.Inner.Messages[1].Payload);
        Assert.Equal(big, handler.Inner.Messages[2].Payload);
        await socket.CloseAsync(WebSocketCloseCode.NormalClosure, "done").AsTask().WaitAsync(TestTimeouts.Short);
        var completion = await loop.WaitAsync(TestTimeouts.Short);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        Assert.Equal(WebSocketCloseCode.NormalClosure, completion.CloseCode);
        Assert.Equal("echo done", completion.CloseReason);
    }

    [Fact]
    public async Task Receive_ServerFragmentedMessage_ReassembledAsMultiSegmentSequence()
    {
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/fragmented"), Options()).WaitAsync(TestTimeouts.Short);
        var handler = new CountdownHandler(1);
        var loop = socket.StartReceiveThread(handler);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(KestrelWebSocketFixture.FragmentedText, handler.Inner.TextAt(0));
        Assert.True(handler.Inner.Messages[0].Segments > 1);
        Assert.Equal(5, socket.FramesReceived);
        await socket.CloseAsync().AsTask().WaitAsync(TestTimeouts.Short);
        await loop.WaitAsync(TestTimeouts.Short);
    }

    [Fact]
    public async Task Receive_ServerCloses_CodeReportedAndEchoedToServer()
    {
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/close"), Options()).WaitAsync(TestTimeouts.Short);
        var completion = await socket.StartReceiveThread(new RecordingHandler()).WaitAsync(TestTimeouts.Short);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        Assert.Equal(WebSocketCloseCode.PolicyViolation, completion.CloseCode);
        Assert.Equal("policy", completion.CloseReason);
        // Kestrel's CloseAsync returns once our echo arrived; it records the code we sent back.
        for (int i = 0; i < 100 && _server.ClientCloseCodes.Count == 0; i++)
            await Task.Delay(20);
        lock (_server.ClientCloseCodes)
            Assert.Contains(1008, _server.ClientCloseCodes);
    }

    [Fact]
    public async Task Connect_CustomHeaderAndQuery_ReachServer()
    {
        var options = Options() with { RequestHeaders = [new("X-Test-Key", "k-123")] };
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/headers?streams=btcusdt@trade"), options).WaitAsync(TestTimeouts.Short);
        var handler = new CountdownHandler(1);
        var loop = socket.StartReceiveThread(handler);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal("k-123|?streams=btcusdt@trade", handler.Inner.TextAt(0));
        await socket.CloseAsync().AsTask().WaitAsync(TestTimeouts.Short);
        await loop.WaitAsync(TestTimeouts.Short);
    }

    [Fact]
    public async Task Connect_Kestrel403_UnexpectedStatusWithCode()
    {
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            PipeWebSocket.ConnectAsync(_server.Uri("/forbidden"), Options()).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.UnexpectedStatus, e.Failure);
        Assert.Equal(403, e.StatusCode);
        Assert.Equal("Forbidden", e.ReasonPhrase);
    }

    [Fact]
    public async Task Connect_UntrustedCertificateWithDefaultValidation_Rejected()
    {
        var options = Options() with { RemoteCertificateValidation = null };
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            PipeWebSocket.ConnectAsync(_server.Uri("/echo", tls: true), options).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.TlsFailed, e.Failure);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(e.InnerException);
    }

    [Fact]
    public async Task Connect_PinnedCallbackForOtherCertificate_Rejected()
    {
        var options = Options() with { RemoteCertificateValidation = (_, _, _, _) => false };
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            PipeWebSocket.ConnectAsync(_server.Uri("/echo", tls: true), options).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.TlsFailed, e.Failure);
    }

    [Theory]
    [InlineData("/deflate", false)]
    [InlineData("/deflate-no-takeover", true)]
    public async Task Receive_PerMessageDeflateFromKestrel_Inflated(string path, bool askNoTakeover)
    {
        var options = Options() with { PerMessageDeflate = new PerMessageDeflateOptions { ServerNoContextTakeover = askNoTakeover } };
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri(path), options).WaitAsync(TestTimeouts.Short);
        Assert.True(socket.PerMessageDeflateEnabled);
        var handler = new CountdownHandler(20);
        var loop = socket.StartReceiveThread(handler);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        for (int i = 0; i < 20; i++)
            Assert.Equal(KestrelWebSocketFixture.DeflateMessage(i), handler.Inner.TextAt(i));
        await socket.CloseAsync().AsTask().WaitAsync(TestTimeouts.Short);
        await loop.WaitAsync(TestTimeouts.Short);
    }

    [Fact]
    public async Task Connect_DeflateNotOffered_ServerSendsUncompressed()
    {
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/deflate"), Options()).WaitAsync(TestTimeouts.Short);
        Assert.False(socket.PerMessageDeflateEnabled);
        var handler = new CountdownHandler(20);
        var loop = socket.StartReceiveThread(handler);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(KestrelWebSocketFixture.DeflateMessage(19), handler.Inner.TextAt(19));
        await socket.CloseAsync().AsTask().WaitAsync(TestTimeouts.Short);
        await loop.WaitAsync(TestTimeouts.Short);
    }

    [Fact]
    public async Task Send_ConcurrentFromManyThreads_FramesNeverInterleave()
    {
        using var socket = await PipeWebSocket.ConnectAsync(_server.Uri("/echo"), Options()).WaitAsync(TestTimeouts.Short);
        var handler = new CountdownHandler(8 * 50);
        var loop = socket.StartReceiveThread(handler);
        // Mixed sizes so that a large frame's chunks would be split by a small one if the lock did not hold.
        var senders = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                string text = $"{{\"t\":{t},\"i\":{i},\"pad\":\"{new string((char)('a' + t), (t * 7919 + i * 104729) % 40_000)}\"}}";
                await socket.SendTextAsync(text);
            }
        })).ToArray();
        await Task.WhenAll(senders).WaitAsync(TestTimeouts.Short);
        await handler.Done.Task.WaitAsync(TestTimeouts.Short);
        var perSender = new int[8];
        for (int m = 0; m < handler.Inner.Count; m++)
        {
            using var json = System.Text.Json.JsonDocument.Parse(handler.Inner.Messages[m].Payload);
            int t = json.RootElement.GetProperty("t").GetInt32();
            Assert.Equal(perSender[t]++, json.RootElement.GetProperty("i").GetInt32()); // per-sender order kept
        }
        Assert.All(perSender, count => Assert.Equal(50, count));
        await socket.CloseAsync().AsTask().WaitAsync(TestTimeouts.Short);
        await loop.WaitAsync(TestTimeouts.Short);
    }
}
