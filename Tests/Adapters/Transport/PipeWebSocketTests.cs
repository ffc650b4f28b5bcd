using System.Net;
using System.Net.Sockets;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

/// <summary>PipeWebSocket against a raw TCP peer that writes hand-crafted bytes.</summary>
public class PipeWebSocketTests
{
    private static readonly PipeWebSocketOptions Fast = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        CloseTimeout = TimeSpan.FromSeconds(2),
    };

    private static async Task<(WebSocketReceiveCompletion Completion, RecordingHandler Handler, PipeWebSocket Socket)> RunAsync(
        RawWebSocketServer server, PipeWebSocketOptions? options = null)
    {
        var socket = await PipeWebSocket.ConnectAsync(server.Uri(), options ?? Fast).WaitAsync(TestTimeouts.Short);
        var handler = new RecordingHandler();
        WebSocketReceiveCompletion completion = await socket.StartReceiveThread(handler).WaitAsync(TestTimeouts.Short);
        return (completion, handler, socket);
    }

    [Fact]
    public async Task ReceiveLoop_ServerPing_ClientAnswersPongWithSamePayload()
    {
        var pong = new TaskCompletionSource<(int, bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawWebSocketServer(async c =>
        {
            await c.WriteAsync(WebSocketFrameReaderTests.RfcPing);
            pong.TrySetResult(await c.ReadClientFrameAsync(TestTimeouts.Short));
            await c.WriteAsync(Frames.Close(1000));
            await c.FinishCloseAsync();
        });
        var (completion, _, socket) = await RunAsync(server);
        var (opcode, masked, payload) = await pong.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(0xA, opcode);
        Assert.True(masked);
        Assert.Equal("Hello"u8.ToArray(), payload);
        Assert.Equal(1, socket.PingsReceived);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        socket.Dispose();
    }

    [Fact]
    public async Task ReceiveLoop_ServerCloses_ClientEchoesCodeAndReportsIt()
    {
        var echoed = new TaskCompletionSource<(int, bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawWebSocketServer(async c =>
        {
            await c.WriteAsync(Frames.Concat(Frames.Server(WebSocketOpcode.Text, "last"), Frames.Close(1001, "going away")));
            echoed.TrySetResult(await c.ReadClientFrameAsync(TestTimeouts.Short));
            c.Close();
        });
        var (completion, handler, socket) = await RunAsync(server);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        Assert.Equal(WebSocketCloseCode.GoingAway, completion.CloseCode);
        Assert.Equal("going away", completion.CloseReason);
        Assert.Equal("last", handler.TextAt(0));
        var (opcode, _, payload) = await echoed.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(0x8, opcode);
        Assert.Equal(new byte[] { 0x03, 0xE9 }, payload); // 1001
        Assert.Equal(WebSocketConnectionState.Closed, socket.State);
        socket.Dispose();
    }

    [Fact]
    public async Task ReceiveLoop_ServerVanishesMidFrame_ConnectionLost1006AndNoPartialMessage()
    {
        byte[] frame = Frames.Server(WebSocketOpcode.Text, new string('x', 500));
        await using var server = new RawWebSocketServer(async c =>
        {
            await c.WriteAsync(Frames.Server(WebSocketOpcode.Text, "whole"));
            await c.WriteAsync(frame[..200]);
            c.Client.Client.Shutdown(SocketShutdown.Both);
            c.Close();
        });
        var (completion, handler, socket) = await RunAsync(server);
        Assert.Equal(WebSocketEndReason.ConnectionLost, completion.Reason);
        Assert.Equal(WebSocketCloseCode.AbnormalClosure, completion.CloseCode);
        Assert.Equal(1, handler.Count);
        Assert.Equal("whole", handler.TextAt(0));
        socket.Dispose();
    }

    public static TheoryData<byte[], WebSocketRejectReason, int> BadFrames() => new()
    {
        { "GARBAGE!"u8.ToArray(), WebSocketRejectReason.UnknownOpcode, 1002 }, // 'G' = 0x47: opcode 7
        { new byte[] { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 }, WebSocketRejectReason.MaskedServerFrame, 1002 },
        { new byte[] { 0xE1, 0x00 }, WebSocketRejectReason.ReservedBitsSet, 1002 },
        { new byte[] { 0x82, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0 }, WebSocketRejectReason.MessageTooBig, 1009 },
        { new byte[] { 0x81, 0x02, 0xC3, 0x28 }, WebSocketRejectReason.InvalidUtf8Text, 1007 },
        { new byte[] { 0x80, 0x01, 0x41 }, WebSocketRejectReason.ContinuationWithoutStart, 1002 },
        { new byte[] { 0x88, 0x02, 0x03, 0xED }, WebSocketRejectReason.InvalidCloseCode, 1002 }, // 1005 on the wire
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task ReceiveLoop_BadFrame_ClosesWithRightCodeAndCountsReason(byte[] bad, WebSocketRejectReason reason, int code)
    {
        var closeFrame = new TaskCompletionSource<(int, bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawWebSocketServer(async c =>
        {
            await c.WriteAsync(Frames.Concat(Frames.Server(WebSocketOpcode.Text, "before"), bad));
            closeFrame.TrySetResult(await c.ReadClientFrameAsync(TestTimeouts.Short));
            await c.WaitForEndOfStreamAsync(TestTimeouts.Short);
        });
        var options = Fast with { MaxMessageSize = 1 << 20 };
        var (completion, handler, socket) = await RunAsync(server, options);
        Assert.Equal(WebSocketEndReason.ProtocolViolation, completion.Reason);
        Assert.Equal(reason, completion.RejectReason);
        Assert.Equal((WebSocketCloseCode)code, completion.CloseCode);
        Assert.Equal(1, socket.Rejections[reason]);
        Assert.Equal("before", handler.TextAt(0));
        Assert.Equal(1, handler.Count);
        var (opcode, masked, payload) = await closeFrame.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(0x8, opcode);
        Assert.True(masked);
        Assert.Equal(code, (payload[0] << 8) | payload[1]);
        socket.Dispose();
    }

    [Fact]
    public async Task ConnectAsync_ServerNeverAnswersHandshake_HandshakeTimeout()
    {
        await using var server = new RawWebSocketServer(c => c.WaitForEndOfStreamAsync(TestTimeouts.Short), answerHandshake: false);
        var options = Fast with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() => PipeWebSocket.ConnectAsync(server.Uri(), options).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.HandshakeTimeout, e.Failure);
    }

    [Fact]
    public async Task ConnectAsync_Non101Answer_StatusAndReasonInException()
    {
        await using var server = new RawWebSocketServer(_ => Task.CompletedTask,
            responseOverride: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() => PipeWebSocket.ConnectAsync(server.Uri(), Fast).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.UnexpectedStatus, e.Failure);
        Assert.Equal(503, e.StatusCode);
        Assert.Equal("Service Unavailable", e.ReasonPhrase);
    }

    [Fact]
    public async Task ConnectAsync_WrongAcceptKey_InvalidAccept()
    {
        await using var server = new RawWebSocketServer(_ => Task.CompletedTask, responseOverride:
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() => PipeWebSocket.ConnectAsync(server.Uri(), Fast).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.InvalidAccept, e.Failure);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ConnectFailed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var e = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            PipeWebSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), Fast).WaitAsync(TestTimeouts.Short));
        Assert.Equal(WebSocketConnectFailure.ConnectFailed, e.Failure);
    }

    [Fact]
    public async Task ReceiveLoop_SlowServerDribblesHandshakeAndFrames_MessagesIntact()
    {
        byte[] frames = Frames.Concat(
            Frames.Server(WebSocketOpcode.Text, "{\"a\":1}"),
            WebSocketFrameReaderTests.RfcFragment1, WebSocketFrameReaderTests.RfcPing, WebSocketFrameReaderTests.RfcFragment2,
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()),
            Frames.Close(1000, "done"));
        await using var server = new RawWebSocketServer(async c =>
        {
            string request = c.LastRequest!;
            await c.DribbleAsync(Encoding.ASCII.GetBytes(RawWebSocketServer.BuildAcceptResponse(request)));
            await c.DribbleAsync(frames);
            await c.FinishCloseAsync();
        }, answerHandshake: false);
        var (completion, handler, socket) = await RunAsync(server);
        Assert.Equal(3, handler.Count);
        Assert.Equal("{\"a\":1}", handler.TextAt(0));
        Assert.Equal("Hello", handler.TextAt(1));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(), handler.Messages[2].Payload);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        Assert.Equal("done", completion.CloseReason);
        socket.Dispose();
    }

    [Fact]
    public async Task ReceiveLoop_FramesInSameWriteAsHandshakeAnswer_Delivered()
    {
        await using var server = new RawWebSocketServer(async c =>
        {
            byte[] answer = Encoding.ASCII.GetBytes(RawWebSocketServer.BuildAcceptResponse(c.LastRequest!));
            await c.WriteAsync(Frames.Concat(answer, Frames.Server(WebSocketOpcode.Text, "early"), Frames.Close(1000)));
            await c.FinishCloseAsync();
        }, answerHandshake: false);
        var (completion, handler, socket) = await RunAsync(server);
        Assert.Equal("early", handler.TextAt(0));
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        socket.Dispose();
    }

    [Fact]
    public async Task Send_TextAndBinary_MaskedWithFreshKeysAndUnmaskToPayload()
    {
        var received = new TaskCompletionSource<List<(int, bool, byte[])>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rawFrames = new List<(int, bool, byte[])>();
        await using var server = new RawWebSocketServer(async c =>
        {
            for (int i = 0; i < 3; i++)
                rawFrames.Add(await c.ReadClientFrameAsync(TestTimeouts.Short));
            received.TrySetResult(rawFrames);
            await c.WriteAsync(Frames.Close(1000));
            await c.FinishCloseAsync();
        });
        using var socket = await PipeWebSocket.ConnectAsync(server.Uri(), Fast).WaitAsync(TestTimeouts.Short);
        var loop = socket.StartReceiveThread(new RecordingHandler());
        byte[] big = new byte[70_000];
        new Random(5).NextBytes(big);
        await socket.SendTextAsync("{\"op\":\"subscribe\"}").AsTask().WaitAsync(TestTimeouts.Short);
        await socket.SendBinaryAsync(big).AsTask().WaitAsync(TestTimeouts.Short);
        await socket.SendTextAsync("{\"op\":\"subscribe\"}").AsTask().WaitAsync(TestTimeouts.Short);
        var frames = await received.Task.WaitAsync(TestTimeouts.Short);
        Assert.All(frames, f => Assert.True(f.Item2));
        Assert.Equal("{\"op\":\"subscribe\"}", Encoding.UTF8.GetString(frames[0].Item3));
        Assert.Equal(big, frames[1].Item3);
        Assert.Equal(2, frames[1].Item1);
        await loop.WaitAsync(TestTimeouts.Short);
        Assert.Equal(3, socket.MessagesSent);
    }

    [Fact]
    public async Task CloseAsync_ClientInitiated_ServerSeesCodeAndLoopEndsWithServerReply()
    {
        var closeFrame = new TaskCompletionSource<(int, bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawWebSocketServer(async c =>
        {
            var frame = await c.ReadClientFrameAsync(TestTimeouts.Short);
            closeFrame.TrySetResult(frame);
            await c.WriteAsync(Frames.Close(1000, "ok"));
            c.Close();
        });
        using var socket = await PipeWebSocket.ConnectAsync(server.Uri(), Fast).WaitAsync(TestTimeouts.Short);
        var loop = socket.StartReceiveThread(new RecordingHandler());
        await socket.CloseAsync(WebSocketCloseCode.NormalClosure, "bye").AsTask().WaitAsync(TestTimeouts.Short);
        var (opcode, _, payload) = await closeFrame.Task.WaitAsync(TestTimeouts.Short);
        Assert.Equal(8, opcode);
        Assert.Equal(1000, (payload[0] << 8) | payload[1]);
        Assert.Equal("bye", Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
        var completion = await loop.WaitAsync(TestTimeouts.Short);
        Assert.Equal(WebSocketEndReason.CloseReceived, completion.Reason);
        await Assert.ThrowsAsync<InvalidOperationException>(() => socket.SendTextAsync("late").AsTask());
    }

    [Fact]
    public async Task Abort_WhileReceiveBlocked_LoopEndsAborted()
    {
        await using var server = new RawWebSocketServer(c => c.WaitForEndOfStreamAsync(TestTimeouts.Short));
        using var socket = await PipeWebSocket.ConnectAsync(server.Uri(), Fast).WaitAsync(TestTimeouts.Short);
        var loop = socket.StartReceiveThread(new RecordingHandler());
        await Task.Delay(50);
        socket.Abort();
        var completion = await loop.WaitAsync(TestTimeouts.Short);
        Assert.Equal(WebSocketEndReason.Aborted, completion.Reason);
    }
}
