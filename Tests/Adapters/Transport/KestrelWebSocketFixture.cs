using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetWebSockets = System.Net.WebSockets;

namespace FastEngine.Tests.Adapters.Transport;

/// <summary>Kestrel with UseWebSockets() on 127.0.0.1:0, plain and TLS (self-signed certificate made here), as the
/// real peer of the integration tests.</summary>
public sealed class KestrelWebSocketFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public X509Certificate2 Certificate { get; } = CreateSelfSigned();
    public int Port { get; private set; }
    public int TlsPort { get; private set; }
    public List<int?> ClientCloseCodes { get; } = [];

    /// <summary>Text the /fragmented route sends, in 5 fragments.</summary>
    public const string FragmentedText = "{\"topic\":\"depth\",\"levels\":[[\"57000.1\",\"0.5\"],[\"57000.2\",\"1.25\"]],\"κόσμε\":true}";

    /// <summary>Messages the /deflate routes send (compressible, repetitive JSON like real depth updates).</summary>
    public static string DeflateMessage(int i) =>
        $"{{\"arg\":{{\"channel\":\"books\",\"instId\":\"BTC-USDT\"}},\"data\":[{{\"asks\":[[\"{57000 + i}.5\",\"0.1\",\"0\",\"1\"]],\"bids\":[[\"{56999 + i}.5\",\"0.2\",\"0\",\"2\"]],\"seq\":{i}}}]}}";

    public Uri Uri(string path, bool tls = false) =>
        tls ? new Uri($"wss://localhost:{TlsPort}{path}") : new Uri($"ws://127.0.0.1:{Port}{path}");

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on Linux.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate));
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Map("/echo", Echo);
        _app.Map("/fragmented", Fragmented);
        _app.Map("/close", ServerClose);
        _app.Map("/headers", Headers);
        _app.Map("/forbidden", context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        });
        _app.Map("/deflate", context => Deflate(context, contextTakeover: true));
        _app.Map("/deflate-no-takeover", context => Deflate(context, contextTakeover: false));
        await _app.StartAsync();
        foreach (string address in _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            var uri = new Uri(address);
            if (uri.Scheme == "https")
                TlsPort = uri.Port;
            else
                Port = uri.Port;
        }
    }

    private static async Task<NetWebSockets.WebSocket?> Accept(HttpContext context, WebSocketAcceptContext? accept = null)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return null;
        }
        return await context.WebSockets.AcceptWebSocketAsync(accept ?? new WebSocketAcceptContext());
    }

    private static async Task Echo(HttpContext context)
    {
        using var ws = await Accept(context);
        if (ws is null)
            return;
        var buffer = new byte[2 * 1024 * 1024];
        while (true)
        {
            int count = 0;
            NetWebSockets.ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(count), context.RequestAborted);
                count += result.Count;
            }
            while (!result.EndOfMessage);
            if (result.MessageType == NetWebSockets.WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(NetWebSockets.WebSocketCloseStatus.NormalClosure, "echo done", default);
                return;
            }
            await ws.SendAsync(buffer.AsMemory(0, count), result.MessageType, true, context.RequestAborted);
        }
    }

    private static async Task Fragmented(HttpContext context)
    {
        using var ws = await Accept(context);
        if (ws is null)
            return;
        byte[] text = Encoding.UTF8.GetBytes(FragmentedText);
        int step = text.Length / 5 + 1;
        for (int offset = 0; offset < text.Length; offset += step)
        {
            int length = Math.Min(step, text.Length - offset);
            await ws.SendAsync(text.AsMemory(offset, length), NetWebSockets.WebSocketMessageType.Text, offset + length == text.Length, default);
        }
        await DrainUntilClose(ws);
    }

    private async Task ServerClose(HttpContext context)
    {
        using var ws = await Accept(context);
        if (ws is null)
            return;
        await ws.CloseAsync(NetWebSockets.WebSocketCloseStatus.PolicyViolation, "policy", default);
        lock (ClientCloseCodes)
            ClientCloseCodes.Add((int?)ws.CloseStatus);
    }

    private static async Task Headers(HttpContext context)
    {
        string value = context.Request.Headers["X-Test-Key"].ToString();
        using var ws = await Accept(context);
        if (ws is null)
            return;
        await ws.SendAsync(Encoding.UTF8.GetBytes(value + "|" + context.Request.QueryString.Value), NetWebSockets.WebSocketMessageType.Text, true, default);
        await DrainUntilClose(ws);
    }

    private static async Task Deflate(HttpContext context, bool contextTakeover)
    {
        using var ws = await Accept(context, new WebSocketAcceptContext
        {
            DangerousEnableCompression = true,
            ServerMaxWindowBits = 15,
            DisableServerContextTakeover = !contextTakeover,
        });
        if (ws is null)
            return;
        for (int i = 0; i < 20; i++)
            await ws.SendAsync(Encoding.UTF8.GetBytes(DeflateMessage(i)), NetWebSockets.WebSocketMessageType.Text, true, default);
        await DrainUntilClose(ws);
    }

    private static async Task DrainUntilClose(NetWebSockets.WebSocket ws)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await ws.ReceiveAsync(buffer.AsMemory(), default);
                if (result.MessageType == NetWebSockets.WebSocketMessageType.Close)
                {
                    await ws.CloseOutputAsync(NetWebSockets.WebSocketCloseStatus.NormalClosure, null, default);
                    return;
                }
            }
        }
        catch (NetWebSockets.WebSocketException)
        {
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
        Certificate.Dispose();
    }
}
