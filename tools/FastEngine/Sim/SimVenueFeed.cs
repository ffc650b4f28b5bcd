using System.Buffers;
using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Capture;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Capture;
using FastEngine.Model;

namespace FastEngine.Cli.Sim;

/// <summary>One recorded frame the simulator can send: its normalized stream key and bytes, or a REST snapshot body.</summary>
internal readonly record struct SimFrame(long TimeNs, string? StreamKey, byte[] Payload, bool IsSnapshot);

/// <summary>
/// The simulated exchange state of one venue: the recorded frames in order, the cursor of what has been sent (one
/// timeline per venue, shared by every connection: a new connection continues where the previous one stopped), and
/// a <see cref="BookKeeper"/> replica of every book as the frames sent so far (plus the recorded snapshots) built it.
/// Fresh REST snapshots are made from the replica.
/// </summary>
/// <remarks>Thread-safety: the cursor is advanced by one connection at a time (<see cref="Pump"/>); the replica is
/// guarded by <see cref="Sync"/>. Cold path throughout (a test tool): it allocates freely.</remarks>
internal sealed class SimVenueFeed
{
    private readonly InstrumentRegistry _registry = new();
    private readonly BookKeeper _replica;
    private readonly IFrameParser _parser;
    private readonly MarketEventBatch _batch = new(4096);

    public SimVenueFeed(VenueId venue, IReadOnlyList<SimFrame> frames)
    {
        Venue = venue;
        Frames = frames;
        _replica = new BookKeeper(_registry);
        var adapter = VenueAdapters.For(venue) ?? throw new ArgumentException($"venue '{venue}' has no adapter");
        _replica.SetSpec(venue, adapter.SyncSpec(venue));
        _parser = adapter.CreateParser(venue, _registry, null);
        SendableFrames = frames.Count(f => !f.IsSnapshot && f.StreamKey is not null);
        if (venue == VenueCatalog.Kraken)
            foreach (var f in frames)
                if (SimProtocol.KrakenChannelId(f.Payload) is { } id && f.StreamKey is { } key && key.StartsWith("book:", StringComparison.Ordinal))
                    KrakenChannelIds.TryAdd(key[5..], id);
    }

    public VenueId Venue { get; }
    public string Name => VenueNames.NameOf(Venue);
    public IReadOnlyList<SimFrame> Frames { get; }
    public int SendableFrames { get; }

    /// <summary>Held by the connection that is currently streaming this venue (one at a time).</summary>
    public SemaphoreSlim Pump { get; } = new(1, 1);

    /// <summary>Guards the replica and the cursor.</summary>
    public object Sync { get; } = new();

    /// <summary>Index of the next frame to send.</summary>
    public int Cursor;

    /// <summary>Frames sent so far over all connections (snapshot records excluded).</summary>
    public long FramesSent;

    public int Connections;
    public int Drops;
    public int Gaps;
    /// <summary>Book frames of subscribed streams met by the pump (for the gap hook; pump thread only).</summary>
    public int BookFramesSeen;
    public int SnapshotsServed;

    public bool AllSent => Volatile.Read(ref Cursor) >= Frames.Count;

    /// <summary>Applies frame <paramref name="index"/> to the replica and advances the cursor (caller holds <see cref="Pump"/>).</summary>
    public void Advance(int index, bool sent)
    {
        lock (Sync)
        {
            var f = Frames[index];
            _batch.Clear();
            _parser.Parse(f.Payload, f.IsSnapshot ? FrameSource.Rest : FrameSource.WebSocket, null, f.TimeNs, _batch);
            var events = _batch.Events;
            for (int i = 0; i < events.Length; i++) _replica.OnEvent(ref events[i]);
            Cursor = index + 1;
            if (sent) FramesSent++;
        }
    }

    /// <summary>
    /// The venue's REST depth answer built from the replica (Binance format: <c>lastUpdateId</c> = the id of the book
    /// content = the <c>u</c> of the last diff sent, or of the recorded snapshot before any diff bridged it).
    /// Null while the replica has no valid book yet (the recording's snapshot not reached) or the symbol is unknown.
    /// </summary>
    public byte[]? TryBuildSnapshot(string symbol, int limit, out bool unknownSymbol)
    {
        unknownSymbol = false;
        lock (Sync)
        {
            if (!_registry.TryGet(Venue, Encoding.ASCII.GetBytes(symbol.ToUpperInvariant()), out var instrument))
            {
                unknownSymbol = Cursor >= Frames.Count;
                return null;
            }
            var state = _replica.StateOf(Venue, instrument);
            if (state is not (BookSyncState.Synced or BookSyncState.Bridging)) return null;
            var book = _replica.TryGetBook(Venue, instrument)!;
            var meta = _registry[instrument];
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteNumber("lastUpdateId", book.LastSequence);
                if (Venue != VenueCatalog.Binance)
                {
                    long ms = book.LastExchangeTimeNs / 1_000_000;
                    w.WriteNumber("E", ms);
                    w.WriteNumber("T", ms);
                }
                WriteSide(w, "bids", book.Bids, limit, meta.PriceScale, meta.QuantityScale);
                WriteSide(w, "asks", book.Asks, limit, meta.PriceScale, meta.QuantityScale);
                w.WriteEndObject();
            }
            SnapshotsServed++;
            return buffer.WrittenSpan.ToArray();
        }
    }

    private static void WriteSide(Utf8JsonWriter w, string name, BookSide side, int limit, int priceScale, int sizeScale)
    {
        w.WriteStartArray(name);
        int n = Math.Min(side.Count, limit);
        for (int i = 0; i < n; i++)
        {
            ref readonly var level = ref side.At(i);
            w.WriteStartArray();
            w.WriteStringValue(FixedPoint.Format(level.Price, priceScale, level.PriceDecimals));
            w.WriteStringValue(FixedPoint.Format(level.Size, sizeScale, level.SizeDecimals));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>True for the venues the simulator serves.</summary>
    public static bool IsServed(VenueId venue) =>
        venue == VenueCatalog.Binance || venue == VenueCatalog.BinanceFutures || venue == VenueCatalog.BinanceCoinM
        || venue == VenueCatalog.Okx || venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear
        || venue == VenueCatalog.Coinbase || venue == VenueCatalog.Kraken || venue == VenueCatalog.Gemini;

    /// <summary>
    /// Loads capture files and splits their records by venue; each venue's frames are merged by receive time (stable:
    /// a venue recorded over several files or connections, such as Kraken's book and trade recordings, forms one
    /// timeline). Recorded acks and pongs answered the recorder: they are kept for the replica (Coinbase's
    /// <c>sequence_num</c> counts them) but never sent; the simulator answers its own clients.
    /// </summary>
    public static List<SimVenueFeed> Load(IEnumerable<string> paths)
    {
        VenueCatalog.EnsureRegistered();
        var byVenue = new Dictionary<VenueId, List<SimFrame>>();
        foreach (var path in paths)
        {
            var kind = CaptureFormat.Detect(path);
            using var source = CaptureFormat.Open(path, kind, CaptureVenueResolver.Create(kind));
            while (source.MoveNext())
            {
                var r = source.Current;
                if (r.Kind is not (CaptureRecordKind.ReceivedText or CaptureRecordKind.RestResponse)) continue;
                if (!IsServed(r.Venue))
                    throw new NotSupportedException($"{path}: venue '{VenueNames.NameOf(r.Venue)}' is not served by the simulator (Binance spot, USD-M, COIN-M, OKX, Bybit spot/linear, Coinbase, Kraken v1 and Gemini v2 are)");
                var payload = r.Payload.ToArray();
                // Recorded OKX acks and pongs answered the recorder's requests: the simulator answers its own clients.
                if (r.Venue == VenueCatalog.Okx && (payload.AsSpan().StartsWith("{\"event\""u8) || payload.AsSpan().SequenceEqual("pong"u8))) continue;
                if (!byVenue.TryGetValue(r.Venue, out var list)) byVenue[r.Venue] = list = [];
                bool snapshot = r.Kind == CaptureRecordKind.RestResponse;
                list.Add(new SimFrame(r.ReceiveTimeNs, snapshot ? null : SimProtocol.StreamKeyOf(r.Venue, payload), payload, snapshot));
            }
        }
        return byVenue.Select(kv => new SimVenueFeed(kv.Key, kv.Value.OrderBy(f => f.TimeNs).ToList())).ToList();
    }

    /// <summary>The stream of a combined-stream frame (<c>{"stream":"btcusdt@depth@100ms",...}</c>), normalized by
    /// <see cref="NormalizeStream"/>; null when the frame is not a combined-stream frame.</summary>
    public static string? StreamKeyOf(ReadOnlySpan<byte> frame)
    {
        ReadOnlySpan<byte> prefix = "{\"stream\":\""u8;
        if (!frame.StartsWith(prefix)) return null;
        var rest = frame[prefix.Length..];
        int end = rest.IndexOf((byte)'"');
        return end <= 0 ? null : NormalizeStream(Encoding.ASCII.GetString(rest[..end]));
    }

    /// <summary>OKX push data <c>{"arg":{"channel":"books-l2-tbt","instId":"X"},...}</c> → <c>books:X</c> (see <see cref="OkxKey"/>).</summary>
    public static string? OkxStreamKeyOf(byte[] frame)
    {
        try
        {
            using var doc = JsonDocument.Parse(frame);
            if (!doc.RootElement.TryGetProperty("arg", out var arg)) return null;
            return OkxKey(arg.GetProperty("channel").GetString() ?? "", arg.TryGetProperty("instId", out var id) ? id.GetString() ?? "" : "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary><c>books</c> and <c>books-l2-tbt</c> are the same 400-level book at different speeds: the simulator
    /// serves what was recorded to either subscription.</summary>
    public static string OkxKey(string channel, string instId) =>
        (channel == "books-l2-tbt" ? "books" : channel) + ":" + instId;

    /// <summary>
    /// OKX snapshot-on-subscribe built from the replica: <c>{"arg":{"channel":C,"instId":X},"action":"snapshot",
    /// "data":[{"asks":[[px,sz,"0",n]...],"bids":[...],"ts":"ms","checksum":N}]}</c>, the checksum being OKX's CRC-32 of
    /// the 25 interleaved top levels of this very book (order counts are not kept by the replica: sent as "0").
    /// Null when the replica has no synced book for <paramref name="instId"/> yet.
    /// </summary>
    public byte[]? TryBuildOkxSnapshot(string channel, string instId)
    {
        lock (Sync)
        {
            if (!TryGetSyncedBook(instId, out var book, out var meta)) return null;
            int checksum = (int)BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, meta.PriceScale, meta.QuantityScale);
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartObject("arg");
                w.WriteString("channel", channel);
                w.WriteString("instId", instId);
                w.WriteEndObject();
                w.WriteString("action", "snapshot");
                w.WriteStartArray("data");
                w.WriteStartObject();
                WriteOkxSide(w, "asks", book.Asks, meta.PriceScale, meta.QuantityScale);
                WriteOkxSide(w, "bids", book.Bids, meta.PriceScale, meta.QuantityScale);
                w.WriteString("ts", (book.LastExchangeTimeNs / 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("checksum", checksum);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            SnapshotsServed++;
            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>The replica's synced book of a venue symbol (caller holds <see cref="Sync"/>).</summary>
    private bool TryGetSyncedBook(string symbol, out OrderBook book, out Instrument meta)
    {
        book = null!;
        meta = default!;
        if (!_registry.TryGet(Venue, Encoding.UTF8.GetBytes(symbol), out var instrument)) return false;
        if (_replica.StateOf(Venue, instrument) != BookSyncState.Synced) return false;
        book = _replica.TryGetBook(Venue, instrument)!;
        meta = _registry[instrument];
        return true;
    }

    /// <summary>
    /// The snapshot a venue sends when a book is (re)subscribed, made from the replica between two frames, in the venue's
    /// own format; null while the replica has no synced book for <paramref name="symbol"/> (the recorded snapshot is
    /// still ahead in the stream and will be sent instead). <paramref name="channel"/> is the channel/topic the client
    /// subscribed (OKX channel, Bybit topic, Kraken channel name).
    /// </summary>
    public byte[]? TryBuildSubscribeSnapshot(string channel, string symbol)
    {
        if (Venue == VenueCatalog.Okx) return TryBuildOkxSnapshot(channel, symbol);
        lock (Sync)
        {
            if (!TryGetSyncedBook(symbol, out var book, out var meta)) return null;
            byte[] body;
            if (Venue == VenueCatalog.BybitSpot || Venue == VenueCatalog.BybitLinear) body = SimProtocol.BybitSnapshot(channel, symbol, book, meta);
            else if (Venue == VenueCatalog.Coinbase) body = SimProtocol.CoinbaseSnapshot(symbol, book, meta);
            else if (Venue == VenueCatalog.Kraken) body = SimProtocol.KrakenSnapshot(KrakenChannelIds.GetValueOrDefault(symbol), channel, symbol, book, meta);
            else if (Venue == VenueCatalog.Gemini) body = SimProtocol.GeminiSnapshot(symbol, book, meta);
            else return null;
            SnapshotsServed++;
            return body;
        }
    }

    /// <summary>Kraken v1 channel ids as recorded, per pair (the simulator reuses them).</summary>
    public Dictionary<string, int> KrakenChannelIds { get; } = new(StringComparer.Ordinal);

    private static void WriteOkxSide(Utf8JsonWriter w, string name, BookSide side, int priceScale, int sizeScale)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < side.Count; i++)
        {
            ref readonly var level = ref side.At(i);
            w.WriteStartArray();
            w.WriteStringValue(FixedPoint.Format(level.Price, priceScale, level.PriceDecimals));
            w.WriteStringValue(FixedPoint.Format(level.Size, sizeScale, level.SizeDecimals));
            w.WriteStringValue("0");
            w.WriteStringValue("0");
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary><c>btcusdt@depth@100ms</c> and <c>btcusdt@depth@0ms</c> → <c>btcusdt@depth</c>: the simulator serves the
    /// recorded update speed whatever speed the client asks for (it cannot invent the missing batches).</summary>
    public static string NormalizeStream(string stream)
    {
        var parts = stream.ToLowerInvariant().Split('@');
        return parts.Length >= 2 ? parts[0] + "@" + parts[1] : parts[0];
    }
}
