using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Venues.Binance;
using FastEngine.Adapters.Venues.Bybit;
using FastEngine.Adapters.Venues.Coinbase;
using FastEngine.Adapters.Venues.Gemini;
using FastEngine.Adapters.Venues.Kraken;
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
/// publication of every parsed frame into the engine's ring. Binance spot, USD-M and COIN-M (REST snapshots), and the
/// snapshot-on-subscribe venues OKX v5, Bybit v5 (spot, linear), Coinbase Advanced Trade, Kraken v1 and Gemini v2
/// (a fresh snapshot follows every (re)subscription; a resync is unsubscribe + subscribe of the book).
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
    /// <summary>The venue sends a snapshot after every book subscription (everything but Binance).</summary>
    private readonly bool _subscribeSnapshots;
    private readonly OkxChannel _okxBookChannel;
    private readonly int _bybitDepth;
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
        _subscribeSnapshots = !IsBinance(venue);
        _bybitDepth = Array.IndexOf(BybitAdapter.BookDepths, config.Depth) > 0 ? config.Depth : 50;
        _uri = new Uri(config.Endpoint ?? DefaultEndpoint(venue));
        _restBase = config.RestEndpoint?.TrimEnd('/') ?? "";
        _parser = _adapter.CreateParser(venue, registry, _uri.ToString());
        RemoteCertificateValidationCallback? pin = config.PinnedCertificateSha256 is { } expected
            ? (_, certificate, _, _) => certificate is not null
                && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), expected.Replace(":", ""), StringComparison.OrdinalIgnoreCase)
            : null;
        var handler = new SocketsHttpHandler();
        if (pin is not null) handler.SslOptions.RemoteCertificateValidationCallback = pin;
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        if (_isOkx) _okxBookChannel = OkxBookChannel(config.Depth);
        var subscribe = SubscribeMessages(venue, config.Symbols, _okxBookChannel, _bybitDepth);
        var (heartbeat, heartbeatInterval) = HeartbeatOf(venue);
        var options = new ReconnectingWebSocketOptions
        {
            Name = Name,
            // Coinbase's first level2 snapshot of BTC-USD is ~6 MB in one frame.
            Socket = new PipeWebSocketOptions { RemoteCertificateValidation = pin, MaxMessageSize = 32 << 20 },
            Subscriptions = () => subscribe.Select(m => new WebSocketOutgoingMessage(WebSocketMessageType.Text, m)).ToArray(),
            InitialBackoff = initialBackoff,
            // OKX wants its text "ping" when idle, Bybit {"op":"ping"} every 20 s, Kraken {"event":"ping"} when idle;
            // Coinbase (heartbeats channel) and Gemini send heartbeats by themselves; Binance pings us and we answer.
            Heartbeat = heartbeat is null ? null : () => WebSocketOutgoingMessage.Text(heartbeat),
            HeartbeatInterval = heartbeatInterval,
            ProtocolPingInterval = _subscribeSnapshots ? null : TimeSpan.FromSeconds(15),
        };
        _socket = new ReconnectingWebSocket(_uri, this, options);
        _socket.StateChanged += OnStateChanged;
        Subscribe = subscribe;
    }

    private static bool IsBinance(VenueId venue) =>
        venue == VenueCatalog.Binance || venue == VenueCatalog.BinanceFutures || venue == VenueCatalog.BinanceCoinM;

    /// <summary>The venue's documented public WebSocket endpoint (Kraken: v1, the protocol of the recordings).</summary>
    private static string DefaultEndpoint(VenueId venue) =>
        venue == VenueCatalog.Okx ? OkxAdapter.PublicUrl
        : venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear ? BybitAdapter.UrlOf(venue)
        : venue == VenueCatalog.Coinbase ? CoinbaseAdapter.MarketDataUrl
        : venue == VenueCatalog.Kraken ? KrakenAdapter.PublicUrlV1
        : venue == VenueCatalog.Gemini ? GeminiAdapter.MarketDataUrl
        : BinanceAdapter.StreamUrl(venue);

    /// <summary>What the connection sends after every connect: book, trades and BBO/ticker of every symbol, with the
    /// adapters' builders (one message per channel; Bybit at most 10 topics per message, its documented limit for spot).</summary>
    private static List<byte[]> SubscribeMessages(VenueId venue, IReadOnlyList<string> symbols, OkxChannel okxBook, int bybitDepth)
    {
        if (venue == VenueCatalog.Okx) return [OkxAdapter.Subscribe([okxBook, OkxChannel.Trades, OkxChannel.Tickers], symbols)];
        if (venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear)
        {
            var messages = new List<byte[]>();
            foreach (var chunk in symbols.Chunk(10))
            {
                messages.Add(Encoding.UTF8.GetBytes(BybitAdapter.SubscribeBook(chunk, bybitDepth)));
                messages.Add(Encoding.UTF8.GetBytes(BybitAdapter.SubscribeTrades(chunk)));
                messages.Add(Encoding.UTF8.GetBytes(BybitAdapter.SubscribeTicker(chunk)));
            }
            return messages;
        }
        if (venue == VenueCatalog.Coinbase)
            return [.. new[]
            {
                CoinbaseAdapter.SubscribeBook(symbols), CoinbaseAdapter.SubscribeTrades(symbols), CoinbaseAdapter.SubscribeTicker(symbols),
                CoinbaseAdapter.Heartbeat.Payload!,
            }.Select(Encoding.UTF8.GetBytes)];
        if (venue == VenueCatalog.Kraken)
            return [KrakenAdapter.SubscribeBook(symbols), KrakenAdapter.SubscribeTrades(symbols), KrakenAdapter.SubscribeTicker(symbols)];
        if (venue == VenueCatalog.Gemini) return [Encoding.UTF8.GetBytes(GeminiAdapter.SubscribeBook(symbols))];
        return [BinanceAdapter.Subscribe(symbols.SelectMany(s => BinanceAdapter.MarketDataStreams(venue, s)).ToList(), 1)];
    }

    /// <summary>The application-level keep-alive the venue documents (null: none to send).</summary>
    private static (string? Payload, TimeSpan? Interval) HeartbeatOf(VenueId venue) =>
        venue == VenueCatalog.Okx ? (OkxAdapter.HeartbeatPing, OkxAdapter.HeartbeatIdleInterval)
        : venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear ? (BybitAdapter.Heartbeat.Payload, BybitAdapter.Heartbeat.Interval)
        : venue == VenueCatalog.Kraken ? (KrakenAdapter.PingV1, KrakenAdapter.HeartbeatIdleInterval)
        : (null, null);

    /// <summary>Unsubscribe + subscribe of one book: the venue answers with a fresh snapshot.</summary>
    private IReadOnlyList<byte[]> ResubscribeMessages(string symbol) =>
        _isOkx ? OkxAdapter.Resubscribe(_okxBookChannel, symbol).ToList()
        : _venue == VenueCatalog.BybitSpot || _venue == VenueCatalog.BybitLinear
            ? [Encoding.UTF8.GetBytes(BybitAdapter.Unsubscribe([BybitAdapter.BookTopic(symbol, _bybitDepth)])), Encoding.UTF8.GetBytes(BybitAdapter.Subscribe([BybitAdapter.BookTopic(symbol, _bybitDepth)]))]
        : _venue == VenueCatalog.Coinbase ? CoinbaseAdapter.ResyncBook(symbol).Select(Encoding.UTF8.GetBytes).ToList()
        : _venue == VenueCatalog.Kraken ? KrakenAdapter.ResubscribeBook(symbol)
        : _venue == VenueCatalog.Gemini ? [Encoding.UTF8.GetBytes(GeminiAdapter.UnsubscribeBook([symbol])), Encoding.UTF8.GetBytes(GeminiAdapter.SubscribeBook([symbol]))]
        : [];

    public string Name => VenueNames.NameOf(_venue);
    public VenueId Venue => _venue;
    public VenueFeedStats Feed { get; } = new();
    public LiveVenueStats Stats { get; } = new();
    public WebSocketConnectionCounters Counters => _socket.Counters;
    private List<byte[]> Subscribe { get; }

    /// <summary>True when the venue is one this runner can connect to.</summary>
    public static bool IsSupported(VenueId venue) =>
        IsBinance(venue) || venue == VenueCatalog.Okx || venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear
        || venue == VenueCatalog.Coinbase || venue == VenueCatalog.Kraken || venue == VenueCatalog.Gemini;

    /// <summary>Venue names <see cref="IsSupported"/> accepts, for messages.</summary>
    public const string SupportedNames = "binance, binance-futures, binance-coinm, okx, bybit-spot, bybit-linear (bybit), coinbase, kraken, gemini";

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
        // Binance symbols are upper case; the other venues' symbols are used as given (OKX instIds, Kraken pairs, ...).
        string key = _subscribeSnapshots ? symbol : symbol.ToUpperInvariant();
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
            foreach (var message in Subscribe)
                _capture?.Write(now, _connectionId, _venue, CaptureRecordKind.Sent, Encoding.UTF8.GetBytes(_uri.ToString()), message);
            // Snapshot-on-subscribe venues send a snapshot for every book subscription: nothing to invalidate or fetch
            // (the new parser starts from it; Gemini's parser takes the first l2_updates of each symbol as the book).
            if (connects > 1) Interlocked.Increment(ref Stats.ReconnectsValue);
            if (connects > 1 && !_subscribeSnapshots && _pipeline is not null)
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
        if (_subscribeSnapshots) return;
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
                if (_subscribeSnapshots)
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

    /// <summary>Resync of a snapshot-on-subscribe venue: unsubscribe and subscribe the book again; the venue answers
    /// with a fresh snapshot (Gemini's parser is told to take the next <c>l2_updates</c> of the symbol as the book).</summary>
    private async Task ResubscribeAsync(string instId)
    {
        var messages = ResubscribeMessages(instId);
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (i == messages.Count - 1 && _venue == VenueCatalog.Gemini)
                lock (_gate)
                    if (_parser is GeminiParser gemini && _registry.TryGet(_venue, Encoding.UTF8.GetBytes(instId), out var instrument))
                        gemini.ExpectSnapshot(instrument);
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
