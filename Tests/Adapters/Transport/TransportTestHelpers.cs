using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

/// <summary>Builds multi-segment sequences the way .NET's JsonTestHelper.GetSequences does (our own code).</summary>
internal static class Sequences
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    /// <summary>A sequence with one segment per chunk (chunks copied so each has its own array).</summary>
    public static ReadOnlySequence<byte> FromChunks(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
            return ReadOnlySequence<byte>.Empty;
        Segment first = new(chunks[0].ToArray(), null);
        Segment last = first;
        for (int i = 1; i < chunks.Count; i++)
            last = new Segment(chunks[i].ToArray(), last);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> SplitAt(byte[] data, int split) =>
        FromChunks([data[..split], data[split..]]);

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        FromChunks(data.Select(b => new[] { b }).ToArray());
}

/// <summary>Handler that copies every message (test only; the copy is the point here).</summary>
internal sealed class RecordingHandler : IWebSocketMessageHandler
{
    public List<(WebSocketMessageType Type, byte[] Payload, int Segments)> Messages { get; } = [];

    public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp)
    {
        int segments = 0;
        foreach (var _ in payload)
            segments++;
        lock (Messages)
            Messages.Add((type, payload.ToArray(), segments));
    }

    public string TextAt(int index)
    {
        lock (Messages)
            return Encoding.UTF8.GetString(Messages[index].Payload);
    }

    public int Count
    {
        get
        {
            lock (Messages)
                return Messages.Count;
        }
    }
}

internal sealed class RecordingControl : IWebSocketControlHandler
{
    public List<byte[]> Pings { get; } = [];
    public List<byte[]> Pongs { get; } = [];
    public void OnPing(in ReadOnlySequence<byte> payload) => Pings.Add(payload.ToArray());
    public void OnPong(in ReadOnlySequence<byte> payload) => Pongs.Add(payload.ToArray());
}

/// <summary>
/// Raw TCP peer on 127.0.0.1:0 for byte-level misbehaviour: accepts, optionally answers the upgrade correctly
/// (accept key computed from the RFC formula, independently of the client's code), then runs a script.
/// </summary>
internal sealed class RawWebSocketServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RawConnection, Task> _script;
    private readonly bool _answerHandshake;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];

    public RawWebSocketServer(Func<RawConnection, Task> script, bool answerHandshake = true, string? responseOverride = null)
    {
        _script = script;
        _answerHandshake = answerHandshake;
        ResponseOverride = responseOverride;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public string? ResponseOverride { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Uri Uri(string path = "/ws") => new($"ws://127.0.0.1:{Port}{path}");
    public int Accepted;
    public List<string> Requests { get; } = [];
    public List<Exception> Errors { get; } = [];

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref Accepted);
                lock (_connections)
                    _connections.Add(Task.Run(() => ServeAsync(client)));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var connection = new RawConnection(client, _stop.Token);
            try
            {
                string request = await connection.ReadRequestAsync();
                connection.LastRequest = request;
                lock (Requests)
                    Requests.Add(request);
                if (_answerHandshake)
                {
                    string response = ResponseOverride ?? BuildAcceptResponse(request);
                    await connection.WriteAsync(Encoding.ASCII.GetBytes(response));
                }
                await _script(connection);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            catch (Exception e)
            {
                lock (Errors)
                    Errors.Add(e);
            }
        }
    }

    public static string BuildAcceptResponse(string request)
    {
        string key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))
            .Split(':', 2)[1].Trim();
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        return $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        Task[] all;
        lock (_connections)
            all = _connections.ToArray();
        try
        {
            await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        _listener.Dispose();
    }
}

/// <summary>One accepted raw connection.</summary>
internal sealed class RawConnection
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly CancellationToken _token;

    public RawConnection(TcpClient client, CancellationToken token)
    {
        _client = client;
        _stream = client.GetStream();
        _token = token;
    }

    public TcpClient Client => _client;

    /// <summary>The upgrade request read from this connection.</summary>
    public string? LastRequest { get; set; }

    public async Task<string> ReadRequestAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await _stream.ReadAsync(one, _token) == 0)
                throw new IOException("client closed during handshake");
            bytes.Add(one[0]);
        }
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    public Task WriteAsync(byte[] data) => _stream.WriteAsync(data, _token).AsTask();

    public async Task DribbleAsync(byte[] data)
    {
        foreach (byte b in data)
        {
            await _stream.WriteAsync(new[] { b }, _token);
            await _stream.FlushAsync(_token);
            await Task.Yield();
        }
    }

    /// <summary>Reads one client frame (must be masked), returns opcode and unmasked payload (independent decoder).</summary>
    public async Task<(int Opcode, bool Masked, byte[] Payload)> ReadClientFrameAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_token);
        cts.CancelAfter(timeout);
        byte[] head = await ReadExactAsync(2, cts.Token);
        int opcode = head[0] & 0x0F;
        bool masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            byte[] ext = await ReadExactAsync(2, cts.Token);
            length = (ext[0] << 8) | ext[1];
        }
        else if (length == 127)
        {
            byte[] ext = await ReadExactAsync(8, cts.Token);
            length = 0;
            foreach (byte b in ext)
                length = (length << 8) | b;
        }
        byte[] key = masked ? await ReadExactAsync(4, cts.Token) : new byte[4];
        byte[] payload = await ReadExactAsync((int)length, cts.Token);
        for (int i = 0; i < payload.Length; i++)
            payload[i] ^= key[i % 4];
        return (opcode, masked, payload);
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken token)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, token);
        return buffer;
    }

    /// <summary>True when the client closed its side (read returns 0) within the timeout.</summary>
    public async Task<bool> WaitForEndOfStreamAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_token);
        cts.CancelAfter(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cts.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Close() => _client.Close();

    /// <summary>Server side of the close handshake after the server sent its close frame: read client frames until
    /// the client's close, then close TCP first as RFC 6455 §7.1.1 asks of servers.</summary>
    public async Task FinishCloseAsync()
    {
        try
        {
            while ((await ReadClientFrameAsync(TestTimeouts.Short)).Opcode != 0x8)
            {
            }
        }
        finally
        {
            Close();
        }
    }
}

internal static class Frames
{
    public static byte[] Server(WebSocketOpcode opcode, string text, bool fin = true) =>
        WebSocketFrameWriter.BuildServerFrame(opcode, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Close(ushort code, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        payload[0] = (byte)(code >> 8);
        payload[1] = (byte)code;
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Close, payload);
    }
}

internal static class TestTimeouts
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
}
