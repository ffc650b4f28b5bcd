using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Transport.Loopback;
using NetWebSockets = System.Net.WebSockets;

namespace FastEngine.Benchmarks.Transport;

/// <summary>
/// Reusable benchmark peer: a <see cref="LoopbackFrameServer"/> streaming recorded (or synthetic) text frames of
/// a chosen size, plus one connected <see cref="PipeWebSocket"/> and one connected ClientWebSocket, each with a
/// "receive N messages" step. The constructor cross-checks that both clients receive exactly the frames the
/// server sends, so a fast wrong receiver cannot win.
/// </summary>
public sealed class LoopbackReceivePeer : IDisposable
{
    private const string CaptureRelativePath = "shared/captures/binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt";

    private readonly LoopbackFrameServer _server;
    private readonly X509Certificate2? _certificate;
    private readonly PipeWebSocket _ours;
    private readonly NetWebSockets.ClientWebSocket _baseline;
    private readonly byte[] _baselineBuffer = new byte[64 * 1024];
    private CountingHandler _handler;
    private long _oursTarget;

    public LoopbackReceivePeer(int size, bool tls = false)
    {
        Payloads = ReceiveThroughputRunner.Payloads(size, FindCapture());
        (byte[] block, int frames) = ReceiveThroughputRunner.BuildBlock(Payloads);
        _certificate = tls ? LoopbackFrameServer.CreateSelfSignedCertificate() : null;
        _server = new LoopbackFrameServer(block, frames, certificate: _certificate);
        string? thumbprint = _certificate?.GetCertHashString(HashAlgorithmName.SHA256);
        System.Net.Security.RemoteCertificateValidationCallback? pin = tls
            ? (_, cert, _, _) => cert is not null && cert.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint
            : null;

        _ours = PipeWebSocket.ConnectAsync(_server.Uri, new PipeWebSocketOptions { RemoteCertificateValidation = pin }).GetAwaiter().GetResult();
        _baseline = new NetWebSockets.ClientWebSocket();
        if (pin is not null)
            _baseline.Options.RemoteCertificateValidationCallback = pin;
        _baseline.ConnectAsync(_server.Uri, CancellationToken.None).GetAwaiter().GetResult();
        CrossCheck();
    }

    public byte[][] Payloads { get; }

    private struct CountingHandler : IWebSocketMessageHandler
    {
        public long Count;
        public long Bytes;

        public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp)
        {
            Count++;
            Bytes += payload.Length;
        }
    }

    private sealed class CheckingHandler(byte[][] expected) : IWebSocketMessageHandler
    {
        public int Count;
        public int Mismatches;

        public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp)
        {
            if (!payload.ToArray().AsSpan().SequenceEqual(expected[Count % expected.Length]))
                Mismatches++;
            Count++;
        }
    }

    private void CrossCheck()
    {
        // Both connections start at the first frame of the block, so message i must equal payload i mod n.
        int check = Payloads.Length * 3;
        var checker = new CheckingHandler(Payloads);
        while (checker.Count < check)
            if (_ours.ReceiveOnce(ref checker) < 0)
                throw new InvalidOperationException("PipeWebSocket connection ended during the cross-check.");
        // Deliveries past `check` (same read) must also be accounted for in the baseline comparison below.
        int baselineMessages = 0;
        var message = new List<byte>();
        while (baselineMessages < checker.Count)
        {
            var result = _baseline.ReceiveAsync(_baselineBuffer.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            message.AddRange(_baselineBuffer.AsSpan(0, result.Count).ToArray());
            if (!result.EndOfMessage)
                continue;
            if (!message.ToArray().AsSpan().SequenceEqual(Payloads[baselineMessages % Payloads.Length]))
                throw new InvalidOperationException($"ClientWebSocket message {baselineMessages} differs from what the server sent.");
            message.Clear();
            baselineMessages++;
        }
        if (checker.Mismatches != 0)
            throw new InvalidOperationException($"PipeWebSocket delivered {checker.Mismatches} messages that differ from what the server sent.");
    }

    /// <summary>Receives at least <paramref name="count"/> more messages with PipeWebSocket on this thread.</summary>
    public long ReceiveOurs(int count)
    {
        _oursTarget += count;
        while (_handler.Count < _oursTarget)
        {
            if (_ours.ReceiveOnce(ref _handler) < 0)
                throw new InvalidOperationException("PipeWebSocket connection ended: " + _ours.Completion);
        }
        return _handler.Bytes;
    }

    /// <summary>Receives <paramref name="count"/> complete messages with ClientWebSocket into one reused buffer.</summary>
    public async Task<long> ReceiveBaselineAsync(int count)
    {
        long bytes = 0;
        for (int messages = 0; messages < count;)
        {
            NetWebSockets.ValueWebSocketReceiveResult result = await _baseline.ReceiveAsync(_baselineBuffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            bytes += result.Count;
            if (result.EndOfMessage)
                messages++;
        }
        return bytes;
    }

    private static string? FindCapture()
    {
        for (DirectoryInfo? directory = new(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, CaptureRelativePath);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public void Dispose()
    {
        _ours.Dispose();
        _baseline.Abort();
        _baseline.Dispose();
        _server.Dispose();
        _certificate?.Dispose();
    }
}
