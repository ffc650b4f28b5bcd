using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FastEngine.Adapters.Transport.Loopback;

/// <summary>
/// A deliberately simple, fast WebSocket server on 127.0.0.1 for benchmarks, allocation tests and demos: each
/// connection gets its own thread that answers the upgrade and then writes one pre-built block of server frames
/// over and over (optionally through TLS), so the client, not the server, is the bottleneck. It never reads after
/// the handshake. Not a general server: no masking checks, no close handshake.
/// </summary>
public sealed class LoopbackFrameServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _block;
    private readonly long _framesPerBlock;
    private readonly long _maxFrames;
    private readonly X509Certificate2? _certificate;
    private readonly Thread _acceptThread;
    private volatile bool _stopped;
    private long _framesSent;

    /// <param name="block">Whole frames, concatenated; written repeatedly.</param>
    /// <param name="framesPerBlock">How many frames <paramref name="block"/> holds.</param>
    /// <param name="maxFrames">Stop each connection after at least this many frames (whole blocks), then keep the
    /// connection open until the client leaves.</param>
    /// <param name="certificate">Serve wss:// with this certificate (needs its private key).</param>
    public LoopbackFrameServer(byte[] block, long framesPerBlock, long maxFrames = long.MaxValue, X509Certificate2? certificate = null)
    {
        _block = block;
        _framesPerBlock = framesPerBlock;
        _maxFrames = maxFrames;
        _certificate = certificate;
        _listener.Start();
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "loopback-accept" };
        _acceptThread.Start();
    }

    /// <summary>Builds a block of about <paramref name="targetBytes"/> holding copies of one text frame.</summary>
    public static (byte[] Block, int Frames) RepeatTextFrame(ReadOnlySpan<byte> payload, int targetBytes = 256 * 1024)
    {
        byte[] frame = WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Text, payload);
        int count = Math.Max(1, targetBytes / frame.Length);
        var block = new byte[frame.Length * count];
        for (int i = 0; i < count; i++)
            frame.CopyTo(block, i * frame.Length);
        return (block, count);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Uri => _certificate is null ? new Uri($"ws://127.0.0.1:{Port}/") : new Uri($"wss://localhost:{Port}/");

    /// <summary>Frames written so far, all connections.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    private void AcceptLoop()
    {
        while (!_stopped)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            new Thread(() => Serve(client)) { IsBackground = true, Name = "loopback-serve" }.Start();
        }
    }

    private void Serve(Socket client)
    {
        try
        {
            client.NoDelay = true;
            client.SendBufferSize = 1 << 20;
            using var network = new NetworkStream(client, ownsSocket: true);
            Stream stream = network;
            if (_certificate is not null)
            {
                var ssl = new SslStream(network, leaveInnerStreamOpen: true);
                ssl.AuthenticateAsServer(_certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                stream = ssl;
            }
            using (stream)
            {
                string request = ReadRequest(stream);
                string key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))
                    .Split(':', 2)[1].Trim();
                stream.Write(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                    WebSocketHandshake.ComputeAccept(key) + "\r\n\r\n"));
                long sent = 0;
                while (!_stopped && sent < _maxFrames)
                {
                    stream.Write(_block);
                    sent += _framesPerBlock;
                    Interlocked.Add(ref _framesSent, _framesPerBlock);
                }
                // Keep the connection until the client goes away, so the client decides when it ends.
                var sink = new byte[4096];
                while (!_stopped && stream.Read(sink) > 0)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            // The client left (or the server stopped): that ends this connection.
        }
    }

    private static string ReadRequest(Stream stream)
    {
        var bytes = new List<byte>(512);
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            bytes.Add((byte)b);
            int n = bytes.Count;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n')
                return Encoding.ASCII.GetString(bytes.ToArray());
            if (n > 16 * 1024)
                break;
        }
        throw new IOException("No complete upgrade request.");
    }

    /// <summary>A self-signed certificate for localhost/127.0.0.1 (benchmarks and demos over TLS).</summary>
    public static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    public void Dispose()
    {
        _stopped = true;
        _listener.Stop();
        _listener.Dispose();
    }
}
