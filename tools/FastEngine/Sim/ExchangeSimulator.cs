using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Cli.Replay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FastEngine.Cli.Sim;

/// <summary>Settings of an <see cref="ExchangeSimulator"/>.</summary>
public sealed record ExchangeSimulatorOptions
{
    /// <summary>Capture files to serve (any supported format; Binance spot / USD-M / COIN-M, OKX v5, Bybit v5 spot/linear,
    /// Coinbase Advanced Trade, Kraken v1 and Gemini v2 records).</summary>
    public required IReadOnlyList<string> Captures { get; init; }
    /// <summary>TCP port on 127.0.0.1; 0 = any free port (see <see cref="ExchangeSimulator.Port"/>).</summary>
    public int Port { get; init; }
    /// <summary>Serve wss/https with a self-signed certificate made at start-up.</summary>
    public bool Tls { get; init; }
    public ReplaySpeed Speed { get; init; } = ReplaySpeed.Max;
    /// <summary>Close the first connection of each venue (code 1001) after it was sent this many frames; 0 = never.</summary>
    public int DropAfterFrames { get; init; }
    /// <summary>Withhold (apply to the replica, never send) the Nth book frame of each venue's timeline, once: the
    /// client sees a sequence gap (Binance <c>U</c>/<c>pu</c>, Bybit <c>u</c>, Coinbase <c>sequence_num</c>) or a checksum
    /// mismatch (OKX, Kraken) and must resync; 0 = never. Gemini has neither: its book frames are never withheld.</summary>
    public int GapAtBookFrame { get; init; }
    /// <summary>After a drop, this many of the venue's next frames are lost (applied to the replica, never sent), as a
    /// venue's stream goes on while a client is away; 0 = the stream pauses until the next subscriber (nothing lost).</summary>
    public int LoseOnDrop { get; init; }
    /// <summary>Log lines (connections, subscriptions, drops, snapshots); null = silent.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// A loopback exchange: serves recorded frames over real WebSocket with each venue's own subscribe protocol (OKX v5,
/// Bybit v5, Coinbase Advanced Trade, Kraken v1 and Gemini v2 send a snapshot of the simulator's replica book on every
/// (re)subscribe, see <see cref="SimProtocol"/>) and Binance's combined-stream protocol
/// (<c>/stream?streams=a/b</c> or <c>SUBSCRIBE</c> messages on <c>/stream</c>; prefix the path with the venue name,
/// <c>/binance-futures/stream</c>, when one simulator serves several Binance venues) and REST depth snapshots
/// (<c>/api/v3/depth</c>, <c>/fapi/v1/depth</c>, <c>/dapi/v1/depth</c>) made from its own replica of the books.
/// </summary>
/// <remarks>
/// One timeline per venue: the frames are sent in recorded order to the connection currently subscribed; while no
/// connection is subscribed the venue's stream pauses (so a client that reconnects loses nothing and gets nothing
/// twice: what a test can compare exactly with a replay of the same capture). A REST snapshot answers the replica's
/// book at the last frame sent, as the exchange would. Binds 127.0.0.1 only.
/// </remarks>
public sealed class ExchangeSimulator : IAsyncDisposable
{
    /// <summary>How long a new connection's subscriptions must stay unchanged before its stream starts.</summary>
    private static readonly TimeSpan SubscribeSettle = TimeSpan.FromMilliseconds(100);

    private readonly ExchangeSimulatorOptions _options;
    private readonly List<SimVenueFeed> _feeds;
    private WebApplication? _app;

    private ExchangeSimulator(ExchangeSimulatorOptions options, List<SimVenueFeed> feeds)
    {
        _options = options;
        _feeds = feeds;
    }

    public int Port { get; private set; }
    public bool Tls => _options.Tls;
    /// <summary>SHA-256 thumbprint (hex, upper case) of the TLS certificate; null without TLS.</summary>
    public string? CertificateSha256 { get; private set; }
    public IReadOnlyList<string> VenueNames => _feeds.Select(f => f.Name).ToList();

    /// <summary>True once every venue's frames were all sent.</summary>
    public bool AllSent => _feeds.All(f => f.AllSent);
    public long FramesSent => _feeds.Sum(f => Interlocked.Read(ref f.FramesSent));
    /// <summary>Recorded frames sent so far for one venue (by name).</summary>
    public long FramesSentTo(string venue) => _feeds.Where(f => f.Name == venue).Sum(f => Interlocked.Read(ref f.FramesSent));
    public int Drops => _feeds.Sum(f => Volatile.Read(ref f.Drops));
    /// <summary>Book frames withheld by <see cref="ExchangeSimulatorOptions.GapAtBookFrame"/>.</summary>
    public int Gaps => _feeds.Sum(f => Volatile.Read(ref f.Gaps));
    public int Connections => _feeds.Sum(f => Volatile.Read(ref f.Connections));
    public int SnapshotsServed => _feeds.Sum(f => Volatile.Read(ref f.SnapshotsServed));

    /// <summary>Frames sendable per venue name (recorded WebSocket frames; recorded snapshots excluded).</summary>
    public IReadOnlyDictionary<string, int> SendableFrames => _feeds.ToDictionary(f => f.Name, f => f.SendableFrames);

    /// <summary>The WebSocket URL of a venue (by name): the venue's own path where it has one (OKX <c>/ws/v5/public</c>,
    /// Bybit <c>/v5/public/spot|linear</c>, Gemini <c>/v2/marketdata</c>), <c>/coinbase</c> and <c>/kraken</c> for the
    /// venues whose public URL has no path, <c>/NAME/stream</c> for Binance venues.</summary>
    public string WebSocketUrl(string venue) => $"{(Tls ? "wss" : "ws")}://127.0.0.1:{Port}" + venue switch
    {
        "okx" => "/ws/v5/public",
        "bybit-spot" => "/v5/public/spot",
        "bybit-linear" => "/v5/public/linear",
        "gemini" => "/v2/marketdata",
        "coinbase" or "kraken" => "/" + venue,
        _ => $"/{venue}/stream",
    };
    public string RestUrl => $"{(Tls ? "https" : "http")}://127.0.0.1:{Port}";

    /// <summary>Loads the captures and starts listening.</summary>
    public static async Task<ExchangeSimulator> StartAsync(ExchangeSimulatorOptions options)
    {
        var feeds = SimVenueFeed.Load(options.Captures);
        if (feeds.Count == 0) throw new ArgumentException("the captures hold no frame the simulator can serve");
        var sim = new ExchangeSimulator(options, feeds);
        await sim.StartHostAsync().ConfigureAwait(false);
        return sim;
    }

    private async Task StartHostAsync()
    {
        X509Certificate2? certificate = _options.Tls ? CreateSelfSigned() : null;
        CertificateSha256 = certificate?.GetCertHashString(HashAlgorithmName.SHA256);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (certificate is null) kestrel.Listen(IPAddress.Loopback, _options.Port);
            else kestrel.Listen(IPAddress.Loopback, _options.Port, listen => listen.UseHttps(certificate));
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Run(HandleAsync);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // PKCS#12 round trip: SslStream on Linux needs a persisted-style private key.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    private Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "/";
        if (path.EndsWith("/api/v3/depth", StringComparison.Ordinal)) return DepthAsync(context, VenueCatalog.Binance);
        if (path.EndsWith("/fapi/v1/depth", StringComparison.Ordinal)) return DepthAsync(context, VenueCatalog.BinanceFutures);
        if (path.EndsWith("/dapi/v1/depth", StringComparison.Ordinal)) return DepthAsync(context, VenueCatalog.BinanceCoinM);
        if (path.EndsWith("/ws/v5/public", StringComparison.Ordinal) && context.WebSockets.IsWebSocketRequest
            && _feeds.FirstOrDefault(f => f.Venue == VenueCatalog.Okx) is { } okx)
            return StreamAsync(context, okx);
        if (context.WebSockets.IsWebSocketRequest && FeedByPath(path.TrimEnd('/')) is { } byPath) return StreamAsync(context, byPath);
        if (path.EndsWith("/stream", StringComparison.Ordinal) && context.WebSockets.IsWebSocketRequest)
        {
            var prefix = path[..^"/stream".Length].Trim('/');
            var feed = prefix.Length == 0 ? _feeds[0] : _feeds.FirstOrDefault(f => f.Name == prefix);
            if (feed is not null) return StreamAsync(context, feed);
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync("{\"code\":-1,\"msg\":\"not served by the simulator\"}");
    }

    private SimVenueFeed? FeedByPath(string path)
    {
        Model.VenueId venue = path switch
        {
            "/v5/public/spot" => VenueCatalog.BybitSpot,
            "/v5/public/linear" => VenueCatalog.BybitLinear,
            "/v2/marketdata" => VenueCatalog.Gemini,
            "/coinbase" => VenueCatalog.Coinbase,
            "/kraken" => VenueCatalog.Kraken,
            _ => Model.VenueId.None,
        };
        return venue.IsNone ? null : _feeds.FirstOrDefault(f => f.Venue == venue);
    }

    private async Task DepthAsync(HttpContext context, Model.VenueId venue)
    {
        var feed = _feeds.FirstOrDefault(f => f.Venue == venue);
        string symbol = context.Request.Query["symbol"].ToString();
        int limit = int.TryParse(context.Request.Query["limit"].ToString(), out var l) && l > 0 ? l : 100;
        if (feed is null || symbol.Length == 0)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}").ConfigureAwait(false);
            return;
        }
        // Before the recording's own snapshot was reached the replica has no book: wait for the stream to get there.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var body = feed.TryBuildSnapshot(symbol, limit, out bool unknown);
            if (body is not null)
            {
                _options.Log?.Invoke($"{feed.Name}: REST snapshot {symbol} served ({body.Length} bytes)");
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
                return;
            }
            if (unknown || DateTime.UtcNow > deadline || context.RequestAborted.IsCancellationRequested)
            {
                context.Response.StatusCode = unknown ? 400 : 503;
                await context.Response.WriteAsync(unknown ? "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}" : "{\"code\":-1003,\"msg\":\"book not available yet\"}").ConfigureAwait(false);
                return;
            }
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(HttpContext context, SimVenueFeed feed)
    {
        using var ws = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        int connection = Interlocked.Increment(ref feed.Connections);
        var subscribed = new HashSet<string>();
        var subscribedChanged = new SemaphoreSlim(0);
        var sendLock = new SimConnection(ws, feed.Venue == VenueCatalog.Coinbase);
        var snapshots = new System.Collections.Concurrent.ConcurrentQueue<(string Channel, string InstId)>();
        foreach (var s in context.Request.Query["streams"].ToString().Split('/', StringSplitOptions.RemoveEmptyEntries))
            subscribed.Add(SimVenueFeed.NormalizeStream(s));
        _options.Log?.Invoke($"{feed.Name}: connection {connection} opened ({subscribed.Count} streams in the URL)");
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var receive = ReceiveLoopAsync(ws, feed, connection, subscribed, subscribedChanged, sendLock, snapshots, closed);
        try
        {
            // Wait for the first subscription, then own the venue's timeline until the end, a drop or a disconnect.
            while (true)
            {
                lock (subscribed) if (subscribed.Count > 0) break;
                await subscribedChanged.WaitAsync(closed.Token).ConfigureAwait(false);
            }
            // Clients that subscribe in several messages (Bybit, Coinbase and Kraken: one per channel) must get all their
            // channels from the same frame on, or a reconnect would lose the frames of the channels subscribed last:
            // start (or resume) the stream once no subscribe message came for SubscribeSettle (bounded).
            for (int i = 0; i < 50 && await subscribedChanged.WaitAsync(SubscribeSettle, closed.Token).ConfigureAwait(false); i++)
            {
            }
            await feed.Pump.WaitAsync(closed.Token).ConfigureAwait(false);
            try
            {
                await PumpAsync(ws, feed, connection, subscribed, sendLock, snapshots, closed.Token).ConfigureAwait(false);
            }
            finally
            {
                feed.Pump.Release();
            }
            await receive.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away: the venue's stream pauses until the next subscriber.
        }
        _options.Log?.Invoke($"{feed.Name}: connection {connection} ended");
    }

    private async Task PumpAsync(WebSocket ws, SimVenueFeed feed, int connection, HashSet<string> subscribed,
        SimConnection sendLock, System.Collections.Concurrent.ConcurrentQueue<(string Channel, string InstId)> snapshots, CancellationToken stop)
    {
        var speed = _options.Speed;
        long resumeTimeNs = feed.Cursor < feed.Frames.Count ? feed.Frames[feed.Cursor].TimeNs : 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int sentHere = 0;
        while (!stop.IsCancellationRequested)
        {
            int index = feed.Cursor;
            if (index >= feed.Frames.Count)
            {
                // Everything sent: keep the connection open (a real feed would go on) until the client closes it; a
                // resubscribe still gets its snapshot.
                List<byte[]> late;
                lock (subscribed) late = BuildSnapshots(feed, connection, snapshots);
                foreach (var body in late) await sendLock.SendAsync(body, stop).ConfigureAwait(false);
                await Task.Delay(50, stop).ConfigureAwait(false);
                continue;
            }
            var frame = feed.Frames[index];
            if (!speed.IsMax)
            {
                double due = (frame.TimeNs - resumeTimeNs) / 1e9 / speed.Multiplier;
                double wait = due - clock.Elapsed.TotalSeconds;
                if (wait > 0.001) await Task.Delay(TimeSpan.FromSeconds(Math.Min(wait, 5)), stop).ConfigureAwait(false);
            }
            // Snapshot-on-subscribe: made here, between two frames, so it is exactly the book after the last frame this
            // timeline sent and the next frame continues it. Drained and the frame's subscription tested under the
            // subscription lock: a subscription adds its snapshot request and its key together, so no frame of a new
            // subscription goes out before its snapshot.
            bool send = false;
            List<byte[]> fresh;
            lock (subscribed)
            {
                fresh = BuildSnapshots(feed, connection, snapshots);
                if (!frame.IsSnapshot && frame.StreamKey is not null)
                    send = frame.StreamKey == SimProtocol.Always ? subscribed.Count > 0 : subscribed.Contains(frame.StreamKey);
            }
            foreach (var body in fresh) await sendLock.SendAsync(body, stop).ConfigureAwait(false);
            if (send && _options.GapAtBookFrame > 0 && IsBookStream(frame.StreamKey!)
                && ++feed.BookFramesSeen == _options.GapAtBookFrame && Interlocked.Exchange(ref feed.Gaps, 1) == 0)
            {
                _options.Log?.Invoke($"{feed.Name}: withholding book frame {feed.BookFramesSeen} (gap test hook)");
                send = false;
                // Coinbase: the lost message still took its sequence_num, so the client sees the gap as on the venue.
                sendLock.SkipSequence();
            }
            if (send)
            {
                await sendLock.SendAsync(frame.Payload, stop).ConfigureAwait(false);
                sentHere++;
            }
            feed.Advance(index, send);
            if (send && _options.DropAfterFrames > 0 && sentHere >= _options.DropAfterFrames && Volatile.Read(ref feed.Drops) == 0)
            {
                Interlocked.Increment(ref feed.Drops);
                _options.Log?.Invoke($"{feed.Name}: dropping connection {connection} after {sentHere} frames (test hook)");
                // A close frame after the last data frame: TCP delivers everything sent before it, in order.
                await sendLock.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "simulated drop", stop).ConfigureAwait(false);
                int lost = 0;
                for (; lost < _options.LoseOnDrop && feed.Cursor < feed.Frames.Count; lost++) feed.Advance(feed.Cursor, sent: false);
                if (lost > 0) _options.Log?.Invoke($"{feed.Name}: {lost} frames lost while disconnected (test hook)");
                return;
            }
        }
    }

    private static bool IsBookStream(string key) =>
        key.EndsWith("@depth", StringComparison.Ordinal) || key.StartsWith("books:", StringComparison.Ordinal)
        || key.StartsWith("orderbook.", StringComparison.Ordinal) || key.StartsWith("level2:", StringComparison.Ordinal)
        || key.StartsWith("book:", StringComparison.Ordinal);

    /// <summary>Builds the queued subscribe snapshots (caller holds the subscription lock).</summary>
    private List<byte[]> BuildSnapshots(SimVenueFeed feed, int connection,
        System.Collections.Concurrent.ConcurrentQueue<(string Channel, string InstId)> snapshots)
    {
        var bodies = new List<byte[]>();
        while (snapshots.TryDequeue(out var request))
        {
            var body = feed.TryBuildSubscribeSnapshot(request.Channel, request.InstId);
            if (body is null) continue; // no book yet: the recorded snapshot is still ahead in the stream
            _options.Log?.Invoke($"{feed.Name}: connection {connection} snapshot {request.InstId} from the replica ({body.Length} bytes)");
            bodies.Add(body);
        }
        return bodies;
    }

    private async Task ReceiveLoopAsync(WebSocket ws, SimVenueFeed feed, int connection, HashSet<string> subscribed,
        SemaphoreSlim subscribedChanged, SimConnection sendLock,
        System.Collections.Concurrent.ConcurrentQueue<(string Channel, string InstId)> snapshots, CancellationTokenSource closed)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (ws.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    result = await ws.ReceiveAsync(buffer.AsMemory(count), closed.Token).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the client's close (RFC 6455 §5.5.1) unless our own close (a drop) is already out.
                    if (ws.State == WebSocketState.CloseReceived)
                        await sendLock.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", closed.Token).ConfigureAwait(false);
                    break;
                }
                var replies = feed.Venue == VenueCatalog.Okx
                    ? OnOkxClientMessage(buffer.AsSpan(0, count), feed, connection, subscribed, snapshots)
                    : IsBinance(feed.Venue)
                        ? [OnClientMessage(buffer.AsSpan(0, count), feed, connection, subscribed)]
                        : SimProtocol.OnClientMessage(feed.Venue, buffer.AsSpan(0, count), subscribed, snapshots, _options.Log, feed.Name, connection);
                subscribedChanged.Release();
                foreach (var reply in replies)
                    await sendLock.SendAsync(reply, closed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }
        finally
        {
            // The client closed (or the drop completed): stop pumping for this connection.
            closed.Cancel();
        }
    }

    /// <summary>OKX v5 <c>{"op":"subscribe"|"unsubscribe","args":[{"channel":C,"instId":X},...]}</c> (one ack per arg;
    /// a book subscription queues a snapshot) and the text heartbeat <c>ping</c> → <c>pong</c>.</summary>
    private List<byte[]> OnOkxClientMessage(ReadOnlySpan<byte> message, SimVenueFeed feed, int connection, HashSet<string> subscribed,
        System.Collections.Concurrent.ConcurrentQueue<(string Channel, string InstId)> snapshots)
    {
        if (message.SequenceEqual("ping"u8)) return [Encoding.UTF8.GetBytes("pong")];
        var replies = new List<byte[]>();
        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            var root = doc.RootElement;
            string op = root.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
            if (op is not ("subscribe" or "unsubscribe") || !root.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array)
                return [Encoding.UTF8.GetBytes("{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\"}")];
            foreach (var arg in args.EnumerateArray())
            {
                string channel = arg.GetProperty("channel").GetString() ?? "";
                string instId = arg.TryGetProperty("instId", out var id) ? id.GetString() ?? "" : "";
                string key = SimVenueFeed.OkxKey(channel, instId);
                lock (subscribed)
                {
                    // Snapshot request and key together (see PumpAsync): no update of the book goes out before its snapshot.
                    if (op == "subscribe" && key.StartsWith("books:", StringComparison.Ordinal)) snapshots.Enqueue((channel, instId));
                    if (op == "subscribe") subscribed.Add(key);
                    else subscribed.Remove(key);
                }
                replies.Add(Encoding.UTF8.GetBytes($"{{\"event\":\"{op}\",\"arg\":{{\"channel\":\"{channel}\",\"instId\":\"{instId}\"}}}}"));
            }
            _options.Log?.Invoke($"{feed.Name}: connection {connection} {op} {replies.Count} channels");
            return replies;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return [Encoding.UTF8.GetBytes("{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\"}")];
        }
    }

    private static bool IsBinance(Model.VenueId venue) =>
        venue == VenueCatalog.Binance || venue == VenueCatalog.BinanceFutures || venue == VenueCatalog.BinanceCoinM;

    /// <summary>Binance <c>{"method":"SUBSCRIBE"|"UNSUBSCRIBE"|"LIST_SUBSCRIPTIONS","params":[...],"id":N}</c>.</summary>
    private byte[] OnClientMessage(ReadOnlySpan<byte> message, SimVenueFeed feed, int connection, HashSet<string> subscribed)
    {
        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            var root = doc.RootElement;
            string method = root.TryGetProperty("method", out var m) ? m.GetString() ?? "" : "";
            long id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt64() : 0;
            var streams = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Array
                ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            lock (subscribed)
            {
                if (method == "SUBSCRIBE") foreach (var s in streams) subscribed.Add(SimVenueFeed.NormalizeStream(s));
                else if (method == "UNSUBSCRIBE") foreach (var s in streams) subscribed.Remove(SimVenueFeed.NormalizeStream(s));
                else return Encoding.UTF8.GetBytes($"{{\"error\":{{\"code\":2,\"msg\":\"Invalid request: unknown method\"}},\"id\":{id}}}");
            }
            _options.Log?.Invoke($"{feed.Name}: connection {connection} {method} {string.Join(",", streams)}");
            return Encoding.UTF8.GetBytes($"{{\"result\":null,\"id\":{id}}}");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return Encoding.UTF8.GetBytes("{\"error\":{\"code\":3,\"msg\":\"Invalid JSON\"},\"id\":null}");
        }
    }
}

/// <summary>
/// The send side of one simulated connection: one send at a time (pump, acks and closes share the socket), and for
/// Coinbase the connection's own <c>sequence_num</c> counter (0, 1, 2, ... over every message sent, as the venue does).
/// </summary>
internal sealed class SimConnection(WebSocket ws, bool renumberCoinbase)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _sequence;

    public async Task SendAsync(byte[] body, CancellationToken stop)
    {
        await _lock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            if (renumberCoinbase) body = SimProtocol.WithSequenceNum(body, Interlocked.Increment(ref _sequence) - 1);
            await ws.SendAsync(body, WebSocketMessageType.Text, true, stop).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A message lost on the way (gap hook): it consumes a Coinbase <c>sequence_num</c> without being sent.</summary>
    public void SkipSequence() => Interlocked.Increment(ref _sequence);

    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken stop)
    {
        await _lock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            await ws.CloseOutputAsync(status, reason, stop).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }
}
