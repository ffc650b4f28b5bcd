using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Cli.Sim;

/// <summary>
/// The venue protocols the simulator speaks beyond Binance's combined streams: which subscription a recorded frame
/// belongs to (its stream key), how a client's subscribe/unsubscribe/ping messages are answered, and the snapshot a
/// venue sends when a book is (re)subscribed, in the venue's own format.
/// </summary>
/// <remarks>
/// Stream keys: <c>*</c> = sent to every subscribed connection (heartbeats), null = never sent (recorded acks, pongs
/// and status events answered the recorder; the simulator answers its own clients). Bybit <c>orderbook.N.S</c> is keyed
/// <c>orderbook.S</c> whatever N (the simulator serves the recorded depth). Coinbase keys are <c>channel:product</c>
/// (<c>level2:BTC-USD</c>; the recorded <c>l2_data</c> frames are the <c>level2</c> channel), Kraken v1
/// <c>name:pair</c> (<c>book:XBT/USD</c>), Gemini <c>l2:SYMBOL</c> (book and trades come with <c>l2</c>).
/// Cold path throughout (a test tool): it allocates freely. Thread-safe (stateless).
/// </remarks>
internal static class SimProtocol
{
    public const string Always = "*";

    /// <summary>The stream key of a recorded frame (see the remarks on the type).</summary>
    public static string? StreamKeyOf(VenueId venue, byte[] payload)
    {
        if (venue == VenueCatalog.Okx) return SimVenueFeed.OkxStreamKeyOf(payload);
        if (venue == VenueCatalog.Binance || venue == VenueCatalog.BinanceFutures || venue == VenueCatalog.BinanceCoinM)
            return SimVenueFeed.StreamKeyOf(payload);
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear)
                return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("topic", out var topic) ? BybitKey(topic.GetString() ?? "") : null;
            if (venue == VenueCatalog.Coinbase) return CoinbaseKeyOf(root);
            if (venue == VenueCatalog.Kraken) return KrakenKeyOf(root);
            if (venue == VenueCatalog.Gemini) return GeminiKeyOf(root);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
        {
        }
        return null;
    }

    /// <summary><c>orderbook.200.BTCUSDT</c> → <c>orderbook.BTCUSDT</c>; other topics unchanged.</summary>
    public static string BybitKey(string topic)
    {
        if (!topic.StartsWith("orderbook.", StringComparison.Ordinal)) return topic;
        int last = topic.LastIndexOf('.');
        return "orderbook." + topic[(last + 1)..];
    }

    private static string? CoinbaseKeyOf(JsonElement root)
    {
        string channel = root.TryGetProperty("channel", out var c) ? c.GetString() ?? "" : "";
        if (channel is "" or "subscriptions") return null;
        if (channel == "heartbeats") return "heartbeats";
        if (channel == "l2_data") channel = "level2";
        string? product = FirstProductId(root);
        return product is null ? null : channel + ":" + product;
    }

    private static string? FirstProductId(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.NameEquals("product_id") && p.Value.ValueKind == JsonValueKind.String) return p.Value.GetString();
                    if (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && FirstProductId(p.Value) is { } found) return found;
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (FirstProductId(item) is { } found) return found;
                return null;
            default:
                return null;
        }
    }

    private static string? KrakenKeyOf(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object)
            return root.TryGetProperty("event", out var e) && e.GetString() == "heartbeat" ? Always : null;
        if (root.ValueKind != JsonValueKind.Array) return null;
        int n = root.GetArrayLength();
        if (n < 4) return null;
        string name = root[n - 2].GetString() ?? "";
        string pair = root[n - 1].GetString() ?? "";
        int dash = name.IndexOf('-');
        return (dash > 0 ? name[..dash] : name) + ":" + pair;
    }

    private static string? GeminiKeyOf(JsonElement root)
    {
        string type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type == "heartbeat") return Always;
        if (type is "l2_updates" or "trade" && root.TryGetProperty("symbol", out var s)) return "l2:" + s.GetString();
        return null;
    }

    /// <summary>The channel id of a Kraken v1 channel frame (<c>[1360,{...},"book-1000","ADA/XBT"]</c>), or null.</summary>
    public static int? KrakenChannelId(byte[] payload)
    {
        if (payload.Length < 2 || payload[0] != (byte)'[') return null;
        int value = 0, i = 1;
        for (; i < payload.Length && payload[i] is >= (byte)'0' and <= (byte)'9' && i < 10; i++) value = value * 10 + (payload[i] - '0');
        return i > 1 ? value : null;
    }

    // ---- client messages -----------------------------------------------------------------------------------------

    /// <summary>
    /// Answers one client message of a subscribe-snapshot venue (Bybit, Coinbase, Kraken v1, Gemini v2): updates
    /// <paramref name="subscribed"/> and queues the book snapshots to send, both under the set's lock and snapshot first,
    /// so the pump (which drains the queue and tests the set under the same lock) never sends a book frame of a new
    /// subscription before its snapshot. Returns the replies to send (acks, pongs, errors).
    /// </summary>
    public static List<byte[]> OnClientMessage(VenueId venue, ReadOnlySpan<byte> message, HashSet<string> subscribed,
        ConcurrentQueue<(string Channel, string Symbol)> snapshots, Action<string>? log, string name, int connection)
    {
        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            var root = doc.RootElement;
            if (venue == VenueCatalog.BybitSpot || venue == VenueCatalog.BybitLinear) return OnBybit(root, subscribed, snapshots, log, name, connection);
            if (venue == VenueCatalog.Coinbase) return OnCoinbase(root, subscribed, snapshots, log, name, connection);
            if (venue == VenueCatalog.Kraken) return OnKraken(root, subscribed, snapshots, log, name, connection);
            if (venue == VenueCatalog.Gemini) return OnGemini(root, subscribed, snapshots, log, name, connection);
            return [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return [Encoding.UTF8.GetBytes(venue == VenueCatalog.Kraken
                ? "{\"event\":\"error\",\"errorMessage\":\"Malformed request\"}"
                : venue == VenueCatalog.Coinbase ? "{\"type\":\"error\",\"message\":\"malformed request\"}"
                : venue == VenueCatalog.Gemini ? "{\"result\":\"error\",\"reason\":\"InvalidJson\"}"
                : "{\"success\":false,\"ret_msg\":\"error: malformed request\",\"op\":\"\"}")];
        }
    }

    /// <summary>Bybit v5: <c>{"op":"subscribe"|"unsubscribe","args":[topics]}</c> (one ack), <c>{"op":"ping"}</c> → pong.</summary>
    private static List<byte[]> OnBybit(JsonElement root, HashSet<string> subscribed, ConcurrentQueue<(string, string)> snapshots,
        Action<string>? log, string name, int connection)
    {
        string op = root.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        string reqId = root.TryGetProperty("req_id", out var r) ? r.GetString() ?? "" : "";
        if (op == "ping")
            return [Encoding.UTF8.GetBytes($"{{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"sim-{connection}\",\"req_id\":\"{reqId}\",\"op\":\"ping\"}}")];
        if (op is not ("subscribe" or "unsubscribe"))
            return [Encoding.UTF8.GetBytes($"{{\"success\":false,\"ret_msg\":\"error: unknown op {op}\",\"conn_id\":\"sim-{connection}\",\"req_id\":\"{reqId}\",\"op\":\"{op}\"}}")];
        var topics = root.GetProperty("args").EnumerateArray().Select(a => a.GetString() ?? "").ToList();
        lock (subscribed)
        {
            foreach (var topic in topics)
            {
                string key = BybitKey(topic);
                if (op == "unsubscribe") { subscribed.Remove(key); continue; }
                if (key.StartsWith("orderbook.", StringComparison.Ordinal)) snapshots.Enqueue((topic, key["orderbook.".Length..]));
                subscribed.Add(key);
            }
        }
        log?.Invoke($"{name}: connection {connection} {op} {string.Join(",", topics)}");
        return [Encoding.UTF8.GetBytes($"{{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"sim-{connection}\",\"req_id\":\"{reqId}\",\"op\":\"{op}\"}}")];
    }

    /// <summary>Coinbase Advanced Trade: <c>{"type":"subscribe"|"unsubscribe","product_ids":[..],"channel":C}</c>, answered
    /// by a <c>subscriptions</c> message listing the connection's subscriptions (its <c>sequence_num</c> is set on send).</summary>
    private static List<byte[]> OnCoinbase(JsonElement root, HashSet<string> subscribed, ConcurrentQueue<(string, string)> snapshots,
        Action<string>? log, string name, int connection)
    {
        string type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        string channel = root.TryGetProperty("channel", out var c) ? c.GetString() ?? "" : "";
        if (type is not ("subscribe" or "unsubscribe") || channel.Length == 0)
            return [Encoding.UTF8.GetBytes("{\"type\":\"error\",\"message\":\"Failure to subscribe\"}")];
        var products = root.TryGetProperty("product_ids", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
        var keys = channel == "heartbeats" || products.Count == 0 ? [channel] : products.Select(id => channel + ":" + id).ToList();
        Dictionary<string, List<string>> current;
        lock (subscribed)
        {
            foreach (var key in keys)
            {
                if (type == "unsubscribe") { subscribed.Remove(key); continue; }
                if (channel == "level2") snapshots.Enqueue((channel, key[(channel.Length + 1)..]));
                subscribed.Add(key);
            }
            current = subscribed.Where(k => k.Contains(':')).GroupBy(k => k[..k.IndexOf(':')])
                .ToDictionary(g => g.Key, g => g.Select(k => k[(k.IndexOf(':') + 1)..]).ToList());
            if (subscribed.Contains("heartbeats")) current["heartbeats"] = [];
        }
        log?.Invoke($"{name}: connection {connection} {type} {channel} {string.Join(",", products)}");
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("channel", "subscriptions");
            w.WriteString("timestamp", CoinbaseTime(EngineClock.NowUnixNs()));
            w.WriteNumber("sequence_num", 0);
            w.WriteStartArray("events");
            w.WriteStartObject();
            w.WriteStartObject("subscriptions");
            foreach (var (ch, ids) in current)
            {
                w.WriteStartArray(ch);
                foreach (var id in ids) w.WriteStringValue(id);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return [buffer.WrittenSpan.ToArray()];
    }

    /// <summary>Kraken v1: <c>{"event":"subscribe"|"unsubscribe","pair":[..],"subscription":{"name":N,"depth":D}}</c>, one
    /// <c>subscriptionStatus</c> per pair; <c>{"event":"ping"}</c> → <c>{"event":"pong"}</c>.</summary>
    private static List<byte[]> OnKraken(JsonElement root, HashSet<string> subscribed, ConcurrentQueue<(string, string)> snapshots,
        Action<string>? log, string name, int connection)
    {
        string evt = root.TryGetProperty("event", out var e) ? e.GetString() ?? "" : "";
        long? reqId = root.TryGetProperty("reqid", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt64() : null;
        string req = reqId is null ? "" : $",\"reqid\":{reqId}";
        if (evt == "ping") return [Encoding.UTF8.GetBytes($"{{\"event\":\"pong\"{req}}}")];
        if (evt is not ("subscribe" or "unsubscribe"))
            return [Encoding.UTF8.GetBytes($"{{\"errorMessage\":\"Unsupported event\",\"event\":\"error\"{req}}}")];
        var subscription = root.GetProperty("subscription");
        string channel = subscription.GetProperty("name").GetString() ?? "";
        int depth = subscription.TryGetProperty("depth", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : 10;
        string channelName = channel == "book" ? $"book-{depth}" : channel;
        var pairs = root.GetProperty("pair").EnumerateArray().Select(p => p.GetString() ?? "").ToList();
        var replies = new List<byte[]>();
        lock (subscribed)
        {
            foreach (var pair in pairs)
            {
                string key = channel + ":" + pair;
                if (evt == "unsubscribe") subscribed.Remove(key);
                else
                {
                    if (channel == "book") snapshots.Enqueue((channelName, pair));
                    subscribed.Add(key);
                }
                string sub = channel == "book" ? $"{{\"depth\":{depth},\"name\":\"book\"}}" : $"{{\"name\":\"{channel}\"}}";
                replies.Add(Encoding.UTF8.GetBytes(
                    $"{{\"channelName\":\"{channelName}\",\"event\":\"subscriptionStatus\",\"pair\":\"{pair}\"{req},\"status\":\"{evt}d\",\"subscription\":{sub}}}"));
            }
        }
        log?.Invoke($"{name}: connection {connection} {evt} {channelName} {string.Join(",", pairs)}");
        return replies;
    }

    /// <summary>Gemini v2: <c>{"type":"subscribe"|"unsubscribe","subscriptions":[{"name":"l2","symbols":[..]}]}</c>; no ack
    /// (the first <c>l2_updates</c> of each symbol, the full book, is the answer).</summary>
    private static List<byte[]> OnGemini(JsonElement root, HashSet<string> subscribed, ConcurrentQueue<(string, string)> snapshots,
        Action<string>? log, string name, int connection)
    {
        string type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type is not ("subscribe" or "unsubscribe") || !root.TryGetProperty("subscriptions", out var subs))
            return [Encoding.UTF8.GetBytes("{\"result\":\"error\",\"reason\":\"InvalidJson\",\"message\":\"unknown request\"}")];
        var symbols = new List<string>();
        lock (subscribed)
        {
            foreach (var sub in subs.EnumerateArray())
            {
                if (sub.GetProperty("name").GetString() != "l2") continue;
                foreach (var s in sub.GetProperty("symbols").EnumerateArray())
                {
                    string symbol = s.GetString() ?? "";
                    symbols.Add(symbol);
                    if (type == "unsubscribe") { subscribed.Remove("l2:" + symbol); continue; }
                    snapshots.Enqueue(("l2", symbol));
                    subscribed.Add("l2:" + symbol);
                }
            }
        }
        log?.Invoke($"{name}: connection {connection} {type} l2 {string.Join(",", symbols)}");
        return [];
    }

    // ---- snapshots -------------------------------------------------------------------------------------------------

    /// <summary>Bybit v5 <c>{"topic":T,"type":"snapshot","ts":ms,"data":{"s","b","a","u","seq"},"cts":ms}</c>; <c>u</c> = the
    /// replica's last <c>u</c>, so the next recorded delta (<c>u</c> + 1) continues it. Every replica level is sent.</summary>
    public static byte[] BybitSnapshot(string topic, string symbol, OrderBook book, Instrument meta)
    {
        long ms = book.LastExchangeTimeNs / 1_000_000;
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("topic", topic);
            w.WriteString("type", "snapshot");
            w.WriteNumber("ts", ms);
            w.WriteStartObject("data");
            w.WriteString("s", symbol);
            WritePairs(w, "b", book.Bids, meta);
            WritePairs(w, "a", book.Asks, meta);
            w.WriteNumber("u", book.LastSequence);
            w.WriteNumber("seq", book.LastSequence);
            w.WriteEndObject();
            w.WriteNumber("cts", ms);
            w.WriteEndObject();
        });
    }

    /// <summary>Coinbase <c>l2_data</c> snapshot event (<c>sequence_num</c> is set per connection when sent).</summary>
    public static byte[] CoinbaseSnapshot(string productId, OrderBook book, Instrument meta)
    {
        string time = CoinbaseTime(book.LastExchangeTimeNs);
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("channel", "l2_data");
            w.WriteString("timestamp", time);
            w.WriteNumber("sequence_num", 0);
            w.WriteStartArray("events");
            w.WriteStartObject();
            w.WriteString("type", "snapshot");
            w.WriteString("product_id", productId);
            w.WriteStartArray("updates");
            foreach (var (side, levels) in new[] { ("bid", book.Bids), ("offer", book.Asks) })
                for (int i = 0; i < levels.Count; i++)
                {
                    ref readonly var level = ref levels.At(i);
                    w.WriteStartObject();
                    w.WriteString("side", side);
                    w.WriteString("event_time", time);
                    w.WriteString("price_level", FixedPoint.Format(level.Price, meta.PriceScale, level.PriceDecimals));
                    w.WriteString("new_quantity", FixedPoint.Format(level.Size, meta.QuantityScale, level.SizeDecimals));
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Kraken v1 <c>[channelID,{"as":[[p,v,ts]],"bs":[...]},"book-D","PAIR"]</c>, best first, with the recorded
    /// decimals (Kraken's CRC-32 in the next update hashes these strings).</summary>
    public static byte[] KrakenSnapshot(int channelId, string channelName, string pair, OrderBook book, Instrument meta)
    {
        long ns = book.LastExchangeTimeNs;
        string ts = (ns / 1_000_000_000).ToString(CultureInfo.InvariantCulture) + "." + (ns / 1000 % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        return Write(w =>
        {
            w.WriteStartArray();
            w.WriteNumberValue(channelId);
            w.WriteStartObject();
            foreach (var (name, levels) in new[] { ("as", book.Asks), ("bs", book.Bids) })
            {
                w.WriteStartArray(name);
                for (int i = 0; i < levels.Count; i++)
                {
                    ref readonly var level = ref levels.At(i);
                    w.WriteStartArray();
                    w.WriteStringValue(FixedPoint.Format(level.Price, meta.PriceScale, level.PriceDecimals));
                    w.WriteStringValue(FixedPoint.Format(level.Size, meta.QuantityScale, level.SizeDecimals));
                    w.WriteStringValue(ts);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteStringValue(channelName);
            w.WriteStringValue(pair);
            w.WriteEndArray();
        });
    }

    /// <summary>Gemini v2 initial <c>l2_updates</c>: the full book as <c>changes</c>, no <c>trades</c> (trades are in the
    /// timeline already; sending them again would count them twice).</summary>
    public static byte[] GeminiSnapshot(string symbol, OrderBook book, Instrument meta) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "l2_updates");
        w.WriteString("symbol", symbol);
        w.WriteStartArray("changes");
        foreach (var (side, levels) in new[] { ("buy", book.Bids), ("sell", book.Asks) })
            for (int i = 0; i < levels.Count; i++)
            {
                ref readonly var level = ref levels.At(i);
                w.WriteStartArray();
                w.WriteStringValue(side);
                w.WriteStringValue(FixedPoint.Format(level.Price, meta.PriceScale, level.PriceDecimals));
                w.WriteStringValue(FixedPoint.Format(level.Size, meta.QuantityScale, level.SizeDecimals));
                w.WriteEndArray();
            }
        w.WriteEndArray();
        w.WriteStartArray("trades");
        w.WriteEndArray();
        w.WriteStartArray("auction_events");
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WritePairs(Utf8JsonWriter w, string name, BookSide side, Instrument meta)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < side.Count; i++)
        {
            ref readonly var level = ref side.At(i);
            w.WriteStartArray();
            w.WriteStringValue(FixedPoint.Format(level.Price, meta.PriceScale, level.PriceDecimals));
            w.WriteStringValue(FixedPoint.Format(level.Size, meta.QuantityScale, level.SizeDecimals));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(buffer)) body(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 3339 with nanoseconds, as Coinbase writes its message timestamps.</summary>
    public static string CoinbaseTime(long unixNs)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(unixNs / 1_000_000);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + (unixNs % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>
    /// Coinbase's <c>sequence_num</c> is one counter per connection starting at 0: every message the simulator sends on a
    /// connection (recorded frames, acks, snapshots) gets the connection's next number, so a client that sees a subset of
    /// the recording (fewer channels, a reconnect) still sees an unbroken sequence, as on the venue.
    /// </summary>
    public static byte[] WithSequenceNum(byte[] payload, long sequence)
    {
        ReadOnlySpan<byte> key = "\"sequence_num\":"u8;
        int at = payload.AsSpan().IndexOf(key);
        if (at < 0) return payload;
        int start = at + key.Length;
        int end = start;
        while (end < payload.Length && payload[end] is >= (byte)'0' and <= (byte)'9') end++;
        var digits = Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture));
        var result = new byte[payload.Length - (end - start) + digits.Length];
        payload.AsSpan(0, start).CopyTo(result);
        digits.CopyTo(result.AsSpan(start));
        payload.AsSpan(end).CopyTo(result.AsSpan(start + digits.Length));
        return result;
    }
}
