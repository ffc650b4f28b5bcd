using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Text;
using NetWebSockets = System.Net.WebSockets;

namespace FastEngine.Adapters.Transport.Loopback;

/// <summary>Result of one timed receive run.</summary>
public readonly record struct ThroughputResult(long Messages, long PayloadBytes, double Seconds, long AllocatedBytes)
{
    public double MessagesPerSecond => Messages / Seconds;
    public double MegabytesPerSecond => PayloadBytes / Seconds / (1024 * 1024);
    public double BytesPerMessage => Messages == 0 ? 0 : (double)AllocatedBytes / Messages;
}

/// <summary>
/// Timed receive-throughput runs against a <see cref="LoopbackFrameServer"/>: our <see cref="PipeWebSocket"/>
/// (receive loop on a dedicated thread) beside <see cref="NetWebSockets.ClientWebSocket"/> receiving into one
/// reused buffer. Allocation is measured process-wide (<see cref="GC.GetTotalAllocatedBytes"/>, precise) for both
/// so the figures are comparable; the server writes a pre-built block and allocates nothing per frame.
/// Used by the <c>fastengine bench websocket</c> command and the benchmarks.
/// </summary>
public static class ReceiveThroughputRunner
{
    private sealed class CountingHandler : IWebSocketMessageHandler
    {
        public long Count;
        public long Bytes;

        public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp)
        {
            Count++;
            Bytes += payload.Length;
        }
    }

    public static async Task<ThroughputResult> RunPipeWebSocketAsync(Uri uri, PipeWebSocketOptions options, TimeSpan warmUp, TimeSpan duration)
    {
        using PipeWebSocket socket = await PipeWebSocket.ConnectAsync(uri, options).ConfigureAwait(false);
        var done = new TaskCompletionSource<ThroughputResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(ReceiveLoop(socket, warmUp, duration));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "bench-receive" };
        thread.Start();
        ThroughputResult result = await done.Task.ConfigureAwait(false);
        socket.Abort();
        return result;
    }

    private static ThroughputResult ReceiveLoop(PipeWebSocket socket, TimeSpan warmUp, TimeSpan duration)
    {
        var handler = new CountingHandler();
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < warmUp)
        {
            if (socket.ReceiveOnce(ref handler) < 0)
                throw new IOException("Connection ended during warm-up: " + socket.Completion);
        }
        long messages = handler.Count, bytes = handler.Bytes;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            if (socket.ReceiveOnce(ref handler) < 0)
                throw new IOException("Connection ended during the run: " + socket.Completion);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new ThroughputResult(handler.Count - messages, handler.Bytes - bytes, seconds, allocated);
    }

    public static async Task<ThroughputResult> RunClientWebSocketAsync(Uri uri, RemoteCertificateValidationCallback? validation,
        TimeSpan warmUp, TimeSpan duration)
    {
        using var socket = new NetWebSockets.ClientWebSocket();
        if (validation is not null)
            socket.Options.RemoteCertificateValidationCallback = validation;
        await socket.ConnectAsync(uri, CancellationToken.None).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long messages = 0, bytes = 0;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < warmUp)
            (messages, bytes) = await ReceiveOneAsync(socket, buffer, messages, bytes).ConfigureAwait(false);
        long firstMessages = messages, firstBytes = bytes;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
            (messages, bytes) = await ReceiveOneAsync(socket, buffer, messages, bytes).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        socket.Abort();
        return new ThroughputResult(messages - firstMessages, bytes - firstBytes, seconds, allocated);
    }

    private static async ValueTask<(long, long)> ReceiveOneAsync(NetWebSockets.ClientWebSocket socket, byte[] buffer, long messages, long bytes)
    {
        NetWebSockets.ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
        if (result.MessageType == NetWebSockets.WebSocketMessageType.Close)
            throw new IOException("Server closed during the run.");
        return (result.EndOfMessage ? messages + 1 : messages, bytes + result.Count);
    }

    /// <summary>
    /// Text payloads of about <paramref name="size"/> bytes: real Binance frames of 80-125 % of that size from
    /// <paramref name="captureFile"/> when it exists and holds at least 8 of them (the benchmarks replay recorded
    /// data), otherwise one synthetic JSON message of exactly that size.
    /// </summary>
    public static byte[][] Payloads(int size, string? captureFile)
    {
        if (captureFile is not null && File.Exists(captureFile))
        {
            var picked = new List<byte[]>();
            foreach (string line in File.ReadLines(captureFile))
            {
                int space = line.IndexOf(' ');
                if (space < 0)
                    continue;
                byte[] frame = Encoding.UTF8.GetBytes(line[(space + 1)..]);
                if (frame.Length >= size * 0.8 && frame.Length <= size * 1.25)
                    picked.Add(frame);
                if (picked.Count == 256)
                    break;
            }
            if (picked.Count >= 8)
                return picked.ToArray();
        }
        return [Synthetic(size)];
    }

    /// <summary>ASCII JSON of exactly <paramref name="size"/> bytes (at least 32).</summary>
    public static byte[] Synthetic(int size)
    {
        const string head = "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"61837.63000000\",\"pad\":\"";
        var text = new StringBuilder(head);
        while (text.Length < size - 2)
            text.Append((char)('a' + text.Length % 26));
        text.Append("\"}");
        string result = text.ToString();
        return Encoding.ASCII.GetBytes(result.Length > size ? result[..(size - 2)] + "\"}" : result);
    }

    /// <summary>A frame block for <see cref="LoopbackFrameServer"/> cycling through <paramref name="payloads"/>.</summary>
    public static (byte[] Block, int Frames) BuildBlock(byte[][] payloads, int targetBytes = 256 * 1024)
    {
        var frames = payloads.Select(p => WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Text, p)).ToArray();
        var block = new List<byte>(targetBytes + 8192);
        int count = 0;
        while (block.Count < targetBytes || count % frames.Length != 0)
            block.AddRange(frames[count++ % frames.Length]);
        return (block.ToArray(), count);
    }
}
