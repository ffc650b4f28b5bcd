using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Adapters.Venues.Okx;
using FastEngine.Capture;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Cli.Live;

/// <summary>Counters of one live venue connection (read from any thread).</summary>
public sealed class LiveVenueStats
{
    internal long ConnectsValue, ReconnectsValue, SnapshotsFetchedValue, SnapshotFailuresValue, TradesValue, ResyncRequestsValue;
    public long Connects => Interlocked.Read(ref ConnectsValue);
    /// <summary>Connections after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref ReconnectsValue);
    public long SnapshotsFetched => Interlocked.Read(ref SnapshotsFetchedValue);
    public long SnapshotFailures => Interlocked.Read(ref SnapshotFailuresValue);
    /// <summary>Trade events published.</summary>
    public long Trades => Interlocked.Read(ref TradesValue);
    /// <summary>Resync requests received from the books.</summary>
    public long ResyncRequests => Interlocked.Read(ref ResyncRequestsValue);
}

/// <summary>
/// One venue of a live run: a <see cref="ReconnectingWebSocket"/> to its endpoint with the venue's subscribe messages,
/// a parser per connection, REST snapshots on start, after every reconnect and on the books' resync requests, and
/// publication of every parsed frame into the engine's ring. Binance spot, USD-M and COIN-M for now.
/// </summary>
/// <remarks>
/// Threads: frames are parsed and published on the connection's receive thread; snapshots are fetched by this venue's
/// snapshot loop (thread pool) and parsed/published under the same per-venue lock, so one parser is never used by two
/// threads and a venue's events enter the ring in the order they were parsed. Capture records are written on the
/// thread that parsed the frame, under the capture writer's lock, into its 64 KiB buffer (flushed every 256 records
/// and at the end): simple and exact in order; a lock-free hand-off to a capture thread is the next step if the
/// buffered write ever shows in the receive-to-book latency.
/// Allocation: the receive path allocates nothing per frame after warm-up (the payload is copied into a reused
/// buffer only when it spans pipe segments).
/// </remarks>
internal sealed class LiveVenueConnection : IWebSocketMessageHandler
{
    private readonly VenueId _venue;
    private readonly VenueConfig _config;
    private readonly IVenueAdapter _adapter;
    private readonly InstrumentRegistry _registry;
    private readonly EnginePipeline? _pipeline; // null: capture only (frames recorded, never parsed)
    private readonly LiveCapture? _capture;
    private readonly Action<string> _log;
    private readonly Uri _uri;
    private readonly string _restBase;
    private readonly object _gate = new();
    private readonly MarketEventBatch _batch = new(8192);
    private readonly Channel<string> _snapshotRequests = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _pendingSnapshots = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly ReconnectingWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _isOkx;
    private readonly OkxChannel _okxBookChannel;
    private byte[] _scratch = new byte[64 * 1024];
    private IFrameParser _parser;
    private uint _connectionId;
    private int _dataSinceConnect;
    private Task? _snapshotLoop;

    public LiveVenueConnection(VenueId venue, VenueConfig config, InstrumentRegistry registry, EnginePipeline? pipeline,
        LiveCapture? capture, TimeSpan initialBackoff, Action<string> log)
    {
        _venue = venue;
        _config = config;
        _adapter = VenueAdapters.For(venue)!;
        _registry = registry;
        _pipeline = pipeline;
        _capture = capture;
        _log = log;
        _isOkx = venue == VenueCatalog.Okx;
        _uri = new Uri(config.Endpoint ?? (_isOkx ? OkxAdapter.PublicUrl : BinanceAdapter.StreamUrl(venue)));
        _restBase = config.RestEndpoint?.TrimEnd('/') ?? "";
        _parser = _adapter.CreateParser(venue, registry, _uri.ToString());
        RemoteCertificateValidationCallback? pin = config.PinnedCertificateSha256 is { } expected
            ? (_, certificate, _, _) => certificate is not null
                && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), expected.Replace(":", ""), StringComparison.OrdinalIgnoreCase)
            : null;
        var handler = new SocketsHttpHandler();
        if (pin is not null) handler.SslOptions.RemoteCertificateValidationCallback = pin;
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        byte[] subscribe = _isOkx
            ? OkxAdapter.Subscribe([_okxBookChannel = OkxBookChannel(config.Depth), OkxChannel.Trades, OkxChannel.Tickers], config.Symbols)
            : BinanceAdapter.Subscribe(config.Symbols.SelectMany(s => BinanceAdapter.MarketDataStreams(venue, s)).ToList(), 1);
        var options = new ReconnectingWebSocketOptions
        {
            Name = Name,
            Socket = new PipeWebSocketOptions { RemoteCertificateValidation = pin, MaxMessageSize = 8 << 20 },
            Subscriptions = () => [new WebSocketOutgoingMessage(WebSocketMessageType.Text, subscribe)],
            InitialBackoff = initialBackoff,
            // OKX wants its text "ping" when idle (it answers "pong"); Binance pings us and we answer (built in).
            Heartbeat = _isOkx ? () => WebSocketOutgoingMessage.Text(OkxAdapter.HeartbeatPing) : null,
            HeartbeatInterval = _isOkx ? OkxAdapter.HeartbeatIdleInterval : null,
            ProtocolPingInterval = _isOkx ? null : TimeSpan.FromSeconds(15),
        };
        _socket = new ReconnectingWebSocket(_uri, this, options);
        _socket.StateChanged += OnStateChanged;
        Subscribe = subscribe;
    }

    public string Name => VenueNames.NameOf(_venue);
    public VenueId Venue => _venue;
    public VenueFeedStats Feed { get; } = new();
    public LiveVenueStats Stats { get; } = new();
    public WebSocketConnectionCounters Counters => _socket.Counters;
    private byte[] Subscribe { get; }

    /// <summary>True when the venue is one this runner can connect to.</summary>
    public static bool IsSupported(VenueId venue) =>
        venue == VenueCatalog.Binance || venue == VenueCatalog.BinanceFutures || venue == VenueCatalog.BinanceCoinM || venue == VenueCatalog.Okx;

    /// <summary>OKX book channel by the config's <c>depth</c>: 5 → books5, 50 → books50-l2-tbt, 400 → books-l2-tbt,
    /// otherwise books (400 levels, 100 ms; the tick-by-tick channels need a VIP tier on the live venue).</summary>
    private static OkxChannel OkxBookChannel(int depth) => depth switch
    {
        5 => OkxChannel.Books5,
        50 => OkxChannel.Books50L2Tbt,
        400 => OkxChannel.BooksL2Tbt,
        _ => OkxChannel.Books,
    };

    public void Start()
    {
        _snapshotLoop = Task.Run(SnapshotLoopAsync);
        _socket.Start();
    }

    /// <summary>Closes the socket with a close frame, stops the snapshot loop.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        _snapshotRequests.Writer.TryComplete();
        await _socket.StopAsync().ConfigureAwait(false);
        if (_snapshotLoop is not null)
        {
            try { await _snapshotLoop.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        _http.Dispose();
    }

    /// <summary>Called by the book stage (via <see cref="LiveResyncRouter"/>): enqueue, never block.</summary>
    public void RequestSnapshot(InstrumentId instrument)
    {
        Interlocked.Increment(ref Stats.ResyncRequestsValue);
        foreach (var symbol in _registry.VenueSymbols(_venue, instrument)) Enqueue(symbol);
    }

    private void Enqueue(string symbol)
    {
        // Binance symbols are upper case; OKX instIds are used as given (already upper case).
        string key = _isOkx ? symbol : symbol.ToUpperInvariant();
        lock (_pendingSnapshots)
            if (!_pendingSnapshots.Add(key)) return;
        _snapshotRequests.Writer.TryWrite(key);
    }

    public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp)
    {
        long receiveNs = EngineClock.ToUnixNs(receiveTimestamp);
        ReadOnlySpan<byte> frame;
        if (payload.IsSingleSegment) frame = payload.FirstSpan;
        else frame = CopySlow(payload);
        lock (_gate)
        {
            _capture?.Write(receiveNs, _connectionId, _venue, type == WebSocketMessageType.Text ? CaptureRecordKind.ReceivedText : CaptureRecordKind.ReceivedBinary, default, frame);
            ParseAndPublish(frame, FrameSource.WebSocket, null, receiveNs);
        }
        if (_dataSinceConnect == 0) Volatile.Write(ref _dataSinceConnect, 1);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private ReadOnlySpan<byte> CopySlow(ReadOnlySequence<byte> payload)
    {
        if (_scratch.Length < payload.Length) _scratch = new byte[(int)Math.Max(payload.Length, _scratch.Length * 2L)];
        payload.CopyTo(_scratch);
        return _scratch.AsSpan(0, (int)payload.Length);
    }

    /// <summary>Caller holds <see cref="_gate"/>.</summary>
    private void ParseAndPublish(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveNs)
    {
        if (_pipeline is null) { Feed.Frames++; return; } // capture only: recorded by the caller, counted here
        _batch.Clear();
        var result = _parser.Parse(frame, source, url, receiveNs, _batch);
        Feed.Count(result, _batch.Count);
        if (_batch.Count == 0) return;
        var events = _batch.Events;
        long trades = 0;
        for (int i = 0; i < events.Length; i++)
            if (events[i].Kind == MarketEventKind.Trade) trades++;
        if (trades > 0) Interlocked.Add(ref Stats.TradesValue, trades);
        _pipeline.Publish(events);
    }

    private void OnStateChanged(ConnectionEvent e)
    {
        switch (e.Kind)
        {
            case ConnectionEventKind.Connected:
                OnConnectedSlow();
                break;
            case ConnectionEventKind.Disconnected:
                _log($"{Name}: disconnected ({e.Reason}{(e.CloseCode != 0 ? $", close {(int)e.CloseCode}" : "")}{(e.Exception is null ? "" : ", " + e.Exception.Message)})");
                if (_capture is not null)
                    lock (_gate) _capture.Write(EngineClock.NowUnixNs(), _connectionId, _venue, CaptureRecordKind.ConnectionClosed, default, Encoding.UTF8.GetBytes(e.Reason.ToString()));
                break;
            case ConnectionEventKind.Reconnecting:
                _log($"{Name}: reconnecting (attempt {e.Attempt}) in {e.Delay.TotalMilliseconds:F0} ms");
                break;
            case ConnectionEventKind.Stopped:
                _log($"{Name}: stopped");
                break;
        }
    }

    /// <summary>
    /// Runs before the new connection's receive thread starts and before it subscribes: a new parser (parsers hold
    /// per-connection state), and on a reconnect every book of the venue is invalidated, because what was sent while
    /// disconnected is unknown; the books then ask for snapshots (<see cref="RequestSnapshot"/>) and buffer the new
    /// diffs until they arrive (the venue's documented procedure).
    /// </summary>
    private void OnConnectedSlow()
    {
        long connects = Interlocked.Increment(ref Stats.ConnectsValue);
        Volatile.Write(ref _dataSinceConnect, 0);
        var known = new List<InstrumentId>();
        lock (_gate)
        {
            _connectionId++;
            _parser = _adapter.CreateParser(_venue, _registry, _uri.ToString());
            long now = EngineClock.NowUnixNs();
            _capture?.Write(now, _connectionId, _venue, CaptureRecordKind.ConnectionOpened, Encoding.UTF8.GetBytes(_uri.ToString()), default);
            _capture?.Write(now, _connectionId, _venue, CaptureRecordKind.Sent, Encoding.UTF8.GetBytes(_uri.ToString()), Subscribe);
            // OKX sends a snapshot for every book subscription (snapshot-on-subscribe): nothing to invalidate or fetch.
            if (connects > 1) Interlocked.Increment(ref Stats.ReconnectsValue);
            if (connects > 1 && !_isOkx && _pipeline is not null)
            {
                _batch.Clear();
                foreach (var symbol in _config.Symbols)
                {
                    if (!_registry.TryGet(_venue, Encoding.ASCII.GetBytes(symbol.ToUpperInvariant()), out var instrument)) continue;
                    known.Add(instrument);
                    ref var ev = ref _batch.Add();
                    ev = default;
                    ev.Kind = MarketEventKind.BookInvalidate;
                    ev.Venue = _venue;
                    ev.Instrument = instrument;
                    ev.Reason = InvalidateReason.Disconnected;
                    ev.Flags = MarketEventFlags.EndOfMessage;
                    ev.ReceiveTimeNs = now;
                }
                if (_batch.Count > 0) _pipeline.Publish(_batch.Events);
            }
        }
        _log($"{Name}: connected to {_uri} (connection {connects})");
        if (_isOkx) return;
        // Books that exist ask for their snapshot through the invalidation; the others are requested here.
        foreach (var symbol in _config.Symbols)
            if (!_registry.TryGet(_venue, Encoding.ASCII.GetBytes(symbol.ToUpperInvariant()), out var instrument) || !known.Contains(instrument))
                Enqueue(symbol);
    }

    private string SnapshotUrl(string symbol)
    {
        var official = new Uri(BinanceAdapter.DepthSnapshotUrl(_venue, symbol, 1000));
        return _restBase.Length == 0 ? official.ToString() : _restBase + official.PathAndQuery;
    }

    private async Task SnapshotLoopAsync()
    {
        var stop = _stop.Token;
        try
        {
            await foreach (var symbol in _snapshotRequests.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                lock (_pendingSnapshots) _pendingSnapshots.Remove(symbol);
                if (_isOkx)
                {
                    await ResubscribeAsync(symbol).ConfigureAwait(false);
                    continue;
                }
                // Documented order (Binance "How to manage a local order book"): open the stream and buffer it first,
                // then fetch the snapshot. Wait for the connection's first frame (bounded).
                var waited = Stopwatch.StartNew();
                while (Volatile.Read(ref _dataSinceConnect) == 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
                    await Task.Delay(2, stop).ConfigureAwait(false);
                await FetchSnapshotAsync(symbol, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>OKX resync: unsubscribe and subscribe the book again; the venue answers with a fresh snapshot.</summary>
    private async Task ResubscribeAsync(string instId)
    {
        foreach (var message in OkxAdapter.Resubscribe(_okxBookChannel, instId))
        {
            if (_capture is not null)
                lock (_gate) _capture.Write(EngineClock.NowUnixNs(), _connectionId, _venue, CaptureRecordKind.Sent, Encoding.UTF8.GetBytes(_uri.ToString()), message);
            await _socket.SendTextAsync(message).ConfigureAwait(false);
        }
        Interlocked.Increment(ref Stats.SnapshotsFetchedValue);
        _log($"{Name}: resubscribed {instId} for a fresh snapshot");
    }

    private async Task FetchSnapshotAsync(string symbol, CancellationToken stop)
    {
        string url = SnapshotUrl(symbol);
        for (int attempt = 1; !stop.IsCancellationRequested; attempt++)
        {
            try
            {
                byte[] body = await _http.GetByteArrayAsync(url, stop).ConfigureAwait(false);
                long now = EngineClock.NowUnixNs();
                lock (_gate)
                {
                    _capture?.Write(now, _connectionId, _venue, CaptureRecordKind.RestResponse, Encoding.UTF8.GetBytes(url), body);
                    ParseAndPublish(body, FrameSource.Rest, url, now);
                }
                Interlocked.Increment(ref Stats.SnapshotsFetchedValue);
                _log($"{Name}: snapshot {symbol} fetched ({body.Length} bytes)");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref Stats.SnapshotFailuresValue);
                _log($"{Name}: snapshot {symbol} failed (attempt {attempt}): {e.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)), stop).ConfigureAwait(false);
            }
        }
    }
}
