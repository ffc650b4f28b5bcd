using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace FastEngine.Adapters.Transport;

public sealed partial class PipeWebSocket
{
    /// <summary>
    /// Resolves the host, connects TCP (<see cref="PipeWebSocketOptions.ConnectTimeout"/>), negotiates TLS for
    /// wss:// (SNI = URI host; normal certificate validation unless a callback is configured) and performs the
    /// HTTP/1.1 upgrade (<see cref="PipeWebSocketOptions.HandshakeTimeout"/>).
    /// </summary>
    /// <param name="rejections">Counters to add this connection's rejections to (shared across reconnects);
    /// null for private ones.</param>
    /// <exception cref="WebSocketConnectException">Any step failed; <c>Failure</c> names it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PipeWebSocket> ConnectAsync(Uri uri, PipeWebSocketOptions? options = null,
        CancellationToken cancellationToken = default, WebSocketRejectionCounters? rejections = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= new PipeWebSocketOptions();
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            throw new WebSocketConnectException(WebSocketConnectFailure.InvalidUri, $"Not a ws:// or wss:// URI: {uri}");
        bool secure = uri.Scheme == "wss";
        string host = uri.IdnHost;
        int port = uri.IsDefaultPort ? (secure ? 443 : 80) : uri.Port;

        Socket socket = await ConnectSocketAsync(host, port, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        Stream? stream = null;
        try
        {
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshakeTimeout.CancelAfter(options.HandshakeTimeout);
            var socketStream = new SocketStream(socket);
            stream = socketStream;
            if (secure)
                stream = await AuthenticateAsync(stream, host, options, handshakeTimeout.Token, cancellationToken).ConfigureAwait(false);

            var handshake = new WebSocketHandshake(uri, options);
            var webSocket = new PipeWebSocket(socket, socketStream, stream, options, rejections);
            try
            {
                HandshakeResult result = await webSocket.UpgradeAsync(handshake, handshakeTimeout, cancellationToken).ConfigureAwait(false);
                if (result.PerMessageDeflate)
                    webSocket.EnableDeflate();
                webSocket.SubProtocol = result.SubProtocol;
                webSocket._lastReceiveTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
                return webSocket;
            }
            catch
            {
                webSocket.Dispose();
                throw;
            }
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    private static async Task<Socket> ConnectSocketAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, timeoutSource.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new WebSocketConnectException(WebSocketConnectFailure.DnsFailed, $"DNS lookup of '{host}' failed: {e.Message}", e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WebSocketConnectException(WebSocketConnectFailure.ConnectTimeout, $"DNS lookup of '{host}' timed out after {timeout}.");
            }
            if (addresses.Length == 0)
                throw new WebSocketConnectException(WebSocketConnectFailure.DnsFailed, $"DNS lookup of '{host}' returned no address.");
        }

        Exception? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), timeoutSource.Token).ConfigureAwait(false);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new WebSocketConnectException(WebSocketConnectFailure.ConnectTimeout,
                    $"TCP connect to {host}:{port} timed out after {timeout}.");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new WebSocketConnectException(WebSocketConnectFailure.ConnectFailed,
            $"TCP connect to {host}:{port} failed: {last?.Message}", last);
    }

    private static async Task<Stream> AuthenticateAsync(Stream inner, string host, PipeWebSocketOptions options,
        CancellationToken timeoutToken, CancellationToken userToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                // TargetHost drives both SNI and the host-name check of the certificate.
                TargetHost = host,
                RemoteCertificateValidationCallback = options.RemoteCertificateValidation,
                EnabledSslProtocols = options.SslProtocols,
            }, timeoutToken).ConfigureAwait(false);
            return ssl;
        }
        catch (OperationCanceledException) when (!userToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new WebSocketConnectException(WebSocketConnectFailure.HandshakeTimeout,
                $"TLS handshake with {host} timed out after {options.HandshakeTimeout}.");
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new WebSocketConnectException(WebSocketConnectFailure.TlsFailed, $"TLS handshake with {host} failed: {e.Message}", e);
        }
    }
}
