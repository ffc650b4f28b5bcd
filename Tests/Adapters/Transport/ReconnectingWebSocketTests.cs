using System.Collections.Concurrent;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class ReconnectingWebSocketTests
{
    private static ReconnectingWebSocketOptions FastOptions => new()
    {
        Socket = new PipeWebSocketOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            HandshakeTimeout = TimeSpan.FromSeconds(5),
            CloseTimeout = TimeSpan.FromSeconds(1),
        },
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(80),
        ProtocolPingInterval = null,
        NoDataTimeout = null,
    };

    private sealed class EventLog
    {
        public ConcurrentQueue<ConnectionEvent> Events { get; } = new();

        public void Add(ConnectionEvent e) => Events.Enqueue(e);

        public async Task WaitAsync(Func<ConnectionEvent[], bool> condition)
        {
            var deadline = DateTime.UtcNow + TestTimeouts.Short;
            while (!condition(Events.ToArray()))
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out; events: " + string.Join(" | ", Events));
                await Task.Delay(10);
            }
        }
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    [InlineData(4, 8000)]
    [InlineData(5, 16000)]
    [InlineData(6, 30000)]
    [InlineData(50, 30000)]
    public void ComputeBackoff_DefaultOptions_CapDoublesFromOneSecondTo30(int failures, int capMilliseconds)
    {
        var options = new ReconnectingWebSocketOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(capMilliseconds), ReconnectingWebSocket.ComputeBackoff(failures, options, 1.0));
        Assert.Equal(TimeSpan.Zero, ReconnectingWebSocket.ComputeBackoff(failures, options, 0.0));
        Assert.Equal(TimeSpan.FromMilliseconds(capMilliseconds / 2.0), ReconnectingWebSocket.ComputeBackoff(failures, options, 0.5));
    }

    [Fact]
    public async Task Reconnect_ServerDropsTwice_ReconnectsWithBackoffAndResubscribesEachTime()
    {
        var subscribes = new ConcurrentQueue<string>();
        int connection = 0;
        await using var server = new RawWebSocketServer(async c =>
        {
            int n = Interlocked.Increment(ref connection);
            for (int i = 0; i < 2; i++)
            {
                var frame = await c.ReadClientFrameAsync(TestTimeouts.Short);
                subscribes.Enqueue($"{n}:{Encoding.UTF8.GetString(frame.Payload)}");
            }
            await c.WriteAsync(Frames.Server(WebSocketOpcode.Text, $"{{\"conn\":{n}}}"));
            if (n <= 2)
            {
                c.Close(); // vanish without a close frame
                return;
            }
            await c.FinishCloseAsync();
        });
        var handler = new RecordingHandler();
        var log = new EventLog();
        var jitters = new ConcurrentQueue<double>();
        var options = FastOptions with
        {
            Subscriptions = () => [WebSocketOutgoingMessage.Text("{\"op\":\"subscribe\",\"args\":[\"books\"]}"), WebSocketOutgoingMessage.Text("{\"op\":\"subscribe\",\"args\":[\"trades\"]}")],
            JitterSource = () => 1.0, // deterministic: the delay equals the cap
        };
        await using var client = new ReconnectingWebSocket(server.Uri(), handler, options);
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(events => events.Count(e => e.Kind == ConnectionEventKind.Connected) == 3 && handler.Count == 3);
        await client.StopAsync().WaitAsync(TestTimeouts.Short);

        Assert.Equal(["{\"conn\":1}", "{\"conn\":2}", "{\"conn\":3}"], Enumerable.Range(0, 3).Select(handler.TextAt));
        Assert.Equal(
            ["1:{\"op\":\"subscribe\",\"args\":[\"books\"]}", "1:{\"op\":\"subscribe\",\"args\":[\"trades\"]}",
             "2:{\"op\":\"subscribe\",\"args\":[\"books\"]}", "2:{\"op\":\"subscribe\",\"args\":[\"trades\"]}",
             "3:{\"op\":\"subscribe\",\"args\":[\"books\"]}", "3:{\"op\":\"subscribe\",\"args\":[\"trades\"]}"],
            subscribes.OrderBy(s => s[0]).ToArray());
        var events = log.Events.ToArray();
        var reconnecting = events.Where(e => e.Kind == ConnectionEventKind.Reconnecting).ToArray();
        Assert.Equal([1, 2], reconnecting.Select(e => e.Attempt));
        Assert.Equal([TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)], reconnecting.Select(e => e.Delay));
        Assert.Equal(2, events.Count(e => e.Kind == ConnectionEventKind.Disconnected && e.Reason == DisconnectReason.ConnectionLost));
        Assert.Contains(events, e => e.Kind == ConnectionEventKind.Disconnected && e.Reason == DisconnectReason.Stopped);
        Assert.Equal(ConnectionEventKind.Stopped, events[^1].Kind);
        Assert.Equal(3, client.Counters.Connects);
        Assert.Equal(6, client.Counters.SubscriptionMessagesSent);
        Assert.Equal(3, client.MessagesReceived);
    }

    [Fact]
    public async Task Reconnect_ServerRefusesHandshake_CountsConnectFailuresAndBacksOff()
    {
        await using var server = new RawWebSocketServer(_ => Task.CompletedTask,
            responseOverride: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        var log = new EventLog();
        await using var client = new ReconnectingWebSocket(server.Uri(), new RecordingHandler(),
            FastOptions with { MaxConsecutiveFailures = 3, JitterSource = () => 0.5 });
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(events => events.Any(e => e.Kind == ConnectionEventKind.Stopped));
        var failures = log.Events.Where(e => e.Reason == DisconnectReason.ConnectFailed).ToArray();
        Assert.Equal(3, failures.Length);
        Assert.All(failures, e => Assert.Equal(503, ((WebSocketConnectException)e.Exception!).StatusCode));
        Assert.Equal(3, client.Counters.ConnectFailures);
        Assert.Equal(0, client.Counters.Connects);
        Assert.Equal([TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)],
            log.Events.Where(e => e.Kind == ConnectionEventKind.Reconnecting).Select(e => e.Delay));
    }

    [Fact]
    public async Task NoDataTimeout_SilentServer_DeclaredDeadAndReconnected()
    {
        await using var server = new RawWebSocketServer(c => c.WaitForEndOfStreamAsync(TestTimeouts.Short));
        var log = new EventLog();
        await using var client = new ReconnectingWebSocket(server.Uri(), new RecordingHandler(),
            FastOptions with { NoDataTimeout = TimeSpan.FromMilliseconds(150) });
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(events => events.Count(e => e.Kind == ConnectionEventKind.Connected) >= 2);
        await client.StopAsync().WaitAsync(TestTimeouts.Short);
        Assert.Contains(log.Events, e => e.Kind == ConnectionEventKind.Disconnected && e.Reason == DisconnectReason.NoDataTimeout);
        Assert.True(client.Counters.NoDataTimeouts >= 1);
        Assert.True(server.Accepted >= 2);
    }

    [Fact]
    public async Task Heartbeats_ProtocolPingAndApplicationPing_SentOnTheirIntervals()
    {
        var seen = new ConcurrentQueue<(int Opcode, string Text, int Length)>();
        await using var server = new RawWebSocketServer(async c =>
        {
            while (true)
            {
                var frame = await c.ReadClientFrameAsync(TestTimeouts.Short);
                seen.Enqueue((frame.Opcode, Encoding.UTF8.GetString(frame.Payload), frame.Payload.Length));
                if (frame.Opcode == 8)
                {
                    await c.WriteAsync(Frames.Close(1000));
                    c.Close();
                    return;
                }
                if (frame.Opcode == 9) // answer pings like a venue does
                    await c.WriteAsync(WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Pong, frame.Payload));
            }
        });
        var options = FastOptions with
        {
            ProtocolPingInterval = TimeSpan.FromMilliseconds(40),
            Heartbeat = () => WebSocketOutgoingMessage.Text("ping"),
            HeartbeatInterval = TimeSpan.FromMilliseconds(40),
        };
        var log = new EventLog();
        await using var client = new ReconnectingWebSocket(server.Uri(), new RecordingHandler(), options);
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(_ => seen.Count(f => f.Opcode == 9) >= 2 && seen.Count(f => f.Opcode == 1 && f.Text == "ping") >= 2);
        await client.StopAsync().WaitAsync(TestTimeouts.Short);
        Assert.True(client.Counters.PingsSent >= 2);
        Assert.True(client.Counters.HeartbeatsSent >= 2);
        Assert.All(seen.Where(f => f.Opcode == 9), f => Assert.Equal(8, f.Length)); // send timestamp as ping payload
        Assert.Contains(seen, f => f.Opcode == 8); // stop closes with a close frame
    }

    [Fact]
    public async Task ProtocolViolation_GarbageFromServer_DisconnectedWithCodeCountedAndReconnected()
    {
        int connection = 0;
        await using var server = new RawWebSocketServer(async c =>
        {
            if (Interlocked.Increment(ref connection) == 1)
            {
                await c.WriteAsync([0x81, 0x02, 0xC3, 0x28]); // invalid UTF-8 text
                await c.WaitForEndOfStreamAsync(TestTimeouts.Short);
                return;
            }
            await c.WriteAsync(Frames.Server(WebSocketOpcode.Text, "fine"));
            await c.WaitForEndOfStreamAsync(TestTimeouts.Short);
        });
        var handler = new RecordingHandler();
        var log = new EventLog();
        await using var client = new ReconnectingWebSocket(server.Uri(), handler, FastOptions);
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(_ => handler.Count == 1);
        var violation = Assert.Single(log.Events, e => e.Reason == DisconnectReason.ProtocolViolation);
        Assert.Equal(WebSocketCloseCode.InvalidPayloadData, violation.CloseCode);
        Assert.Equal(WebSocketRejectReason.InvalidUtf8Text, violation.RejectReason);
        Assert.Equal(1, client.Counters.Rejections[WebSocketRejectReason.InvalidUtf8Text]);
        Assert.Equal("fine", handler.TextAt(0));
        Assert.True(await client.SendTextAsync("{\"op\":\"hello\"}"u8.ToArray()));
    }

    [Fact]
    public async Task Backoff_StableConnections_FailureCountResetsToFirstAttempt()
    {
        int connection = 0;
        await using var server = new RawWebSocketServer(async c =>
        {
            int n = Interlocked.Increment(ref connection);
            await c.WriteAsync(Frames.Server(WebSocketOpcode.Text, $"{n}"));
            if (n <= 3)
                c.Close();
            else
                await c.WaitForEndOfStreamAsync(TestTimeouts.Short);
        });
        var handler = new RecordingHandler();
        var log = new EventLog();
        // Every connection counts as stable (StablePeriod zero), so each drop restarts at attempt 1 with the initial cap.
        await using var client = new ReconnectingWebSocket(server.Uri(), handler,
            FastOptions with { StablePeriod = TimeSpan.Zero, JitterSource = () => 1.0 });
        client.StateChanged += log.Add;
        client.Start();
        await log.WaitAsync(_ => handler.Count == 4);
        var reconnecting = log.Events.Where(e => e.Kind == ConnectionEventKind.Reconnecting).ToArray();
        Assert.Equal(3, reconnecting.Length);
        Assert.All(reconnecting, e => Assert.Equal(1, e.Attempt));
        Assert.All(reconnecting, e => Assert.Equal(TimeSpan.FromMilliseconds(20), e.Delay));
    }
}
