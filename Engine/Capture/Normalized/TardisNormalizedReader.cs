using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Capture.Normalized;

/// <summary>
/// What a Tardis-normalized capture needs besides its lines: which venue each <c>exchange</c> name is, and the instrument
/// registry that maps each venue's <c>symbol</c>. Also holds the counters of an import. The engine knows no venue by name:
/// the caller supplies the ids.
/// </summary>
/// <remarks>Configure on a cold path, then single-threaded per import.</remarks>
public sealed class TardisFeed
{
    private readonly List<(byte[] Name, VenueId Venue, bool BookTimeIsReceiveTime)> _exchanges = new();
    private readonly long[] _rejects = new long[16];

    public TardisFeed(InstrumentRegistry registry) => Registry = registry;

    public InstrumentRegistry Registry { get; }
    public long Lines { get; internal set; }
    public long BookMessages { get; internal set; }
    public long Trades { get; internal set; }
    /// <summary>Lines whose <c>localTimestamp</c> is earlier than the previous accepted line's (the format promises
    /// non-decreasing receive times; a replay in file order would then run backwards). Counted, not rejected.</summary>
    public long OutOfOrder { get; internal set; }
    /// <summary>Receive time of the last accepted line.</summary>
    public long LastReceiveTimeNs { get; internal set; } = long.MinValue;
    public long Rejected { get; private set; }
    public long RejectedBy(NormalizedRejectReason reason) => _rejects[(int)reason];

    /// <summary>Maps an <c>exchange</c> value to a venue.</summary>
    /// <param name="bookTimeIsReceiveTime">The exchange's <c>book_change</c> carries no exchange time and Tardis copied the
    /// receive time into <c>timestamp</c> (BitMEX): the events get ExchangeTimeNs = 0 instead of a false exchange time.</param>
    public TardisFeed AddExchange(string exchange, VenueId venue, bool bookTimeIsReceiveTime = false)
    {
        _exchanges.Add((Encoding.UTF8.GetBytes(exchange), venue, bookTimeIsReceiveTime));
        return this;
    }

    /// <summary>
    /// The BitMEX <c>XBTUSD</c> / Deribit <c>BTC-PERPETUAL</c> setup of the shared T capture: one canonical inverse perpetual
    /// <c>BTC-USD-PERP</c>, price scale 2 (prices have at most 2 decimals: 4092.75), quantity scale 0. Tardis writes both
    /// venues' amounts as USD face value (BitMEX contracts are 1 USD; Deribit's are 10 USD, so its amounts are multiples of 10),
    /// so one quantity unit is 1 USD of face value on both venues: contract value 1.
    /// </summary>
    public static TardisFeed ForBitmexDeribit(InstrumentRegistry registry, VenueId bitmex, VenueId deribit, out Instrument instrument)
    {
        instrument = registry.GetOrAdd("BTC", "USD", InstrumentKind.Perpetual, priceScale: 2, quantityScale: 0, isInverse: true, contractValue: 1);
        registry.MapVenueSymbol(bitmex, "XBTUSD", instrument.Id);
        registry.MapVenueSymbol(deribit, "BTC-PERPETUAL", instrument.Id);
        return new TardisFeed(registry).AddExchange("bitmex", bitmex, bookTimeIsReceiveTime: true).AddExchange("deribit", deribit);
    }

    /// <summary>Reads a whole file (cold path: one buffer), publishing each accepted line's events to <paramref name="sink"/>. Returns lines accepted.</summary>
    public int ImportFile(string path, IMarketEventSink sink)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var batch = new MarketEventBatch(8192);
        int accepted = 0;
        var rest = bytes.AsSpan();
        while (rest.Length > 0)
        {
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? default : rest[(nl + 1)..];
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.Length == 0) continue;
            batch.Clear();
            if (new TardisNormalizedReader(line, this).TryRead(batch, out _))
            {
                sink.Publish(batch.Events);
                accepted++;
            }
        }
        return accepted;
    }

    internal bool TryFindExchange(ReadOnlySpan<byte> name, out VenueId venue, out bool bookTimeIsReceiveTime)
    {
        foreach (var e in _exchanges)
        {
            if (name.SequenceEqual(e.Name))
            {
                venue = e.Venue;
                bookTimeIsReceiveTime = e.BookTimeIsReceiveTime;
                return true;
            }
        }
        venue = default;
        bookTimeIsReceiveTime = false;
        return false;
    }

    internal void CountReject(NormalizedRejectReason reason)
    {
        _rejects[(int)reason]++;
        Rejected++;
    }
}

/// <summary>
/// Reads one line of the Tardis-normalized JSON Lines format (format T of the shared captures): a <c>book_change</c>
/// (full-depth L2: <c>amount</c> is the new total at <c>price</c>, 0 removes it; <c>isSnapshot</c> replaces the book) becomes
/// one book message: a <see cref="MarketEventKind.BookHeader"/> (with <see cref="MarketEventFlags.Snapshot"/> for an image)
/// followed by one <see cref="MarketEventKind.BookLevel"/> per level, the last event flagged
/// <see cref="MarketEventFlags.EndOfMessage"/>; a <c>trade</c> becomes one <see cref="MarketEventKind.Trade"/>.
/// <c>localTimestamp</c> is the receive time, <c>timestamp</c> the exchange time.
/// </summary>
/// <remarks>
/// Allocation-free: <see cref="Utf8JsonReader"/> over the line, numbers parsed from their UTF-8 digits into fixed point.
/// Two passes, because the keys are in alphabetical order and <c>asks</c>/<c>bids</c> come before <c>exchange</c>/<c>symbol</c>:
/// the first reads the scalar fields and skips the arrays, the second writes the levels. A bad line adds nothing to the
/// batch (it is truncated back) and is counted by reason in its <see cref="TardisFeed"/>.
/// </remarks>
public ref struct TardisNormalizedReader
{
    private readonly ReadOnlySpan<byte> _line;
    private readonly TardisFeed _feed;

    public TardisNormalizedReader(ReadOnlySpan<byte> line, TardisFeed feed)
    {
        _line = line;
        _feed = feed;
    }

    /// <summary>Appends the line's events to <paramref name="batch"/>; false (nothing appended) with a reason when the line is bad.</summary>
    public bool TryRead(MarketEventBatch batch, out NormalizedRejectReason reason)
    {
        int start = batch.Count;
        _feed.Lines++;
        try
        {
            reason = ReadCore(batch);
        }
        catch (JsonException)
        {
            reason = NormalizedRejectReason.InvalidJson;
        }
        if (reason == NormalizedRejectReason.None) return true;
        batch.Truncate(start);
        RejectSlow(reason);
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RejectSlow(NormalizedRejectReason reason) => _feed.CountReject(reason);

    private NormalizedRejectReason ReadCore(MarketEventBatch batch)
    {
        ReadOnlySpan<byte> type = default, exchange = default, symbol = default, local = default, exchangeTime = default, id = default, side = default;
        ReadOnlySpan<byte> price = default, amount = default;
        bool isSnapshot = false, hasType = false;
        var reader = new Utf8JsonReader(_line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return NormalizedRejectReason.InvalidJson;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.TokenType != JsonTokenType.PropertyName) return NormalizedRejectReason.InvalidJson;
            var name = reader.ValueSpan;
            if (!reader.Read()) return NormalizedRejectReason.InvalidJson;
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) { reader.Skip(); continue; }
            if (reader.ValueIsEscaped) return NormalizedRejectReason.InvalidJson;   // none of the fields we read is ever escaped
            var value = reader.ValueSpan;
            if (name.SequenceEqual("type"u8)) { type = value; hasType = true; }
            else if (name.SequenceEqual("exchange"u8)) exchange = value;
            else if (name.SequenceEqual("symbol"u8)) symbol = value;
            else if (name.SequenceEqual("localTimestamp"u8)) local = value;
            else if (name.SequenceEqual("timestamp"u8)) exchangeTime = value;
            else if (name.SequenceEqual("isSnapshot"u8)) isSnapshot = reader.TokenType == JsonTokenType.True;
            else if (name.SequenceEqual("id"u8)) id = value;
            else if (name.SequenceEqual("side"u8)) side = value;
            else if (name.SequenceEqual("price"u8)) price = value;
            else if (name.SequenceEqual("amount"u8)) amount = value;
        }
        if (!hasType || exchange.IsEmpty || symbol.IsEmpty || local.IsEmpty) return NormalizedRejectReason.MissingField;
        if (!_feed.TryFindExchange(exchange, out var venue, out bool bookTimeIsLocal)) return NormalizedRejectReason.UnknownExchange;
        if (!_feed.Registry.TryGet(venue, symbol, out var instrumentId)) return NormalizedRejectReason.UnknownSymbol;
        if (!NormalizedText.TryParseUtcNs(local, out long receiveNs)) return NormalizedRejectReason.BadTimestamp;
        long exchangeNs = 0;
        if (!exchangeTime.IsEmpty && !NormalizedText.TryParseUtcNs(exchangeTime, out exchangeNs)) return NormalizedRejectReason.BadTimestamp;
        var instrument = _feed.Registry[instrumentId];
        if (receiveNs < _feed.LastReceiveTimeNs) _feed.OutOfOrder++;
        _feed.LastReceiveTimeNs = receiveNs;

        if (type.SequenceEqual("trade"u8))
        {
            if (price.IsEmpty || amount.IsEmpty || side.IsEmpty) return NormalizedRejectReason.MissingField;
            Side aggressor = side.SequenceEqual("buy"u8) ? Side.Bid : side.SequenceEqual("sell"u8) ? Side.Ask : Side.None;
            if (aggressor == Side.None) return NormalizedRejectReason.BadSide;
            if (FixedPoint.TryParse(price, instrument.PriceScale, out long p, out byte pd) != NumberParseStatus.Ok
                || FixedPoint.TryParse(amount, instrument.QuantityScale, out long q, out byte qd) != NumberParseStatus.Ok)
                return NormalizedRejectReason.BadNumber;
            ref var t = ref batch.Add();
            t.Kind = MarketEventKind.Trade;
            t.Venue = venue;
            t.Instrument = instrumentId;
            t.Price = p;
            t.Size = q;
            t.PriceDecimals = pd;
            t.SizeDecimals = qd;
            t.Side = aggressor;
            t.Sequence = NormalizedText.IdToSequence(id);
            t.ReceiveTimeNs = receiveNs;
            t.ExchangeTimeNs = exchangeNs;
            t.Flags = MarketEventFlags.EndOfMessage | MarketEventFlags.Replay;
            _feed.Trades++;
            return NormalizedRejectReason.None;
        }
        if (!type.SequenceEqual("book_change"u8)) return NormalizedRejectReason.UnknownType;

        ref var h = ref batch.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = venue;
        h.Instrument = instrumentId;
        h.ReceiveTimeNs = receiveNs;
        h.ExchangeTimeNs = bookTimeIsLocal ? 0 : exchangeNs;
        h.Sequence = -1;
        h.PrevSequence = -1;
        h.Flags = MarketEventFlags.Replay | (isSnapshot ? MarketEventFlags.Snapshot : MarketEventFlags.None);

        // Second pass: the level arrays.
        var levels = new Utf8JsonReader(_line);
        levels.Read();
        while (levels.Read() && levels.TokenType == JsonTokenType.PropertyName)
        {
            bool bids = levels.ValueSpan.SequenceEqual("bids"u8);
            bool asks = !bids && levels.ValueSpan.SequenceEqual("asks"u8);
            levels.Read();
            if (!bids && !asks) { levels.Skip(); continue; }
            if (levels.TokenType != JsonTokenType.StartArray) return NormalizedRejectReason.InvalidJson;
            while (levels.Read() && levels.TokenType == JsonTokenType.StartObject)
            {
                ReadOnlySpan<byte> lp = default, la = default;
                while (levels.Read() && levels.TokenType == JsonTokenType.PropertyName)
                {
                    bool isPrice = levels.ValueSpan.SequenceEqual("price"u8);
                    bool isAmount = !isPrice && levels.ValueSpan.SequenceEqual("amount"u8);
                    levels.Read();
                    if (levels.TokenType != JsonTokenType.Number) { levels.Skip(); continue; }
                    if (isPrice) lp = levels.ValueSpan;
                    else if (isAmount) la = levels.ValueSpan;
                }
                if (lp.IsEmpty || la.IsEmpty) return NormalizedRejectReason.MissingField;
                if (FixedPoint.TryParse(lp, instrument.PriceScale, out long p, out byte pd) != NumberParseStatus.Ok
                    || FixedPoint.TryParse(la, instrument.QuantityScale, out long q, out byte qd) != NumberParseStatus.Ok
                    || p <= 0 || q < 0)
                    return NormalizedRejectReason.BadNumber;
                ref var e = ref batch.Add();
                e.Kind = MarketEventKind.BookLevel;
                e.Venue = venue;
                e.Instrument = instrumentId;
                e.Side = bids ? Side.Bid : Side.Ask;
                e.Price = p;
                e.Size = q;
                e.PriceDecimals = pd;
                e.SizeDecimals = qd;
                e.ReceiveTimeNs = receiveNs;
                e.ExchangeTimeNs = bookTimeIsLocal ? 0 : exchangeNs;
                e.Flags = MarketEventFlags.Replay;
            }
        }
        batch[batch.Count - 1].Flags |= MarketEventFlags.EndOfMessage;   // the header itself when the message has no level
        _feed.BookMessages++;
        return NormalizedRejectReason.None;
    }
}
