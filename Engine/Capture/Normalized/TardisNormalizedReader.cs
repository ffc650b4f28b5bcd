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
    private (byte[] Name, VenueId Venue, bool BookTimeIsReceiveTime)[] _exchanges = [];
    private readonly long[] _rejects = new long[16];

    public TardisFeed(InstrumentRegistry registry) => Registry = registry;

    public InstrumentRegistry Registry { get; }
    public long Lines { get; internal set; }
    public long BookMessages { get; internal set; }
    public long Trades { get; internal set; }
    /// <summary>Lines whose <c>localTimestamp</c> is earlier than the previous accepted line's (the format promises
    /// non-decreasing receive times; a replay in file order would then run backwards). Counted, not rejected.</summary>
    public long OutOfOrder { get; internal set; }
    /// <summary>Lines the reader's fast scan handed to <see cref="System.Text.Json.Utf8JsonReader"/> (anything outside the JSON
    /// subset Tardis writes, malformed lines included). Zero over the shared capture.</summary>
    public long ReferenceScans { get; internal set; }
    /// <summary>Receive time of the last accepted line.</summary>
    public long LastReceiveTimeNs { get; internal set; } = long.MinValue;
    public long Rejected { get; private set; }
    public long RejectedBy(NormalizedRejectReason reason) => _rejects[(int)reason];

    /// <summary>Maps an <c>exchange</c> value to a venue.</summary>
    /// <param name="bookTimeIsReceiveTime">The exchange's <c>book_change</c> carries no exchange time and Tardis copied the
    /// receive time into <c>timestamp</c> (BitMEX): the events get ExchangeTimeNs = 0 instead of a false exchange time.</param>
    public TardisFeed AddExchange(string exchange, VenueId venue, bool bookTimeIsReceiveTime = false)
    {
        _exchanges = [.. _exchanges, (Encoding.UTF8.GetBytes(exchange), venue, bookTimeIsReceiveTime)];
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
        var exchanges = _exchanges;
        for (int i = 0; i < exchanges.Length; i++)
        {
            ref readonly var e = ref exchanges[i];
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

    /// <summary>Where a line's level numbers are (offsets into the line) until the instrument's scales are known: 4 ints per
    /// level (price start, price length, amount start, amount length; a bid's price length is stored negated). Grows on a
    /// cold path to the largest line's level count.</summary>
    internal int[] LevelScratch = new int[4 * 1024];

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void GrowLevelScratchSlow()
    {
        long cold = ColdPath.Begin();
        Array.Resize(ref LevelScratch, LevelScratch.Length * 2);
        ColdPath.End(cold);
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
/// Allocation-free. A line is first read by a fast scan of the JSON subset Tardis writes (no whitespace, unescaped ASCII
/// strings, numbers in JSON's grammar, level objects of numbers); any other line — malformed ones included — is read by
/// <see cref="Utf8JsonReader"/>, which then decides its fields or its reject reason, so both give the same result
/// (<see cref="TardisFeed.ReferenceScans"/> counts those lines). Numbers are parsed from their UTF-8 digits into fixed point.
/// One tokenizing pass: the keys are in alphabetical order and <c>asks</c>/<c>bids</c> come before <c>exchange</c>/<c>symbol</c>,
/// so level number positions are noted in the feed's scratch buffer and parsed once the instrument's scales are known. A bad line adds nothing to the
/// batch (it is truncated back) and is counted by reason in its <see cref="TardisFeed"/>.
/// </remarks>
public ref struct TardisNormalizedReader
{
    private readonly ReadOnlySpan<byte> _line;
    private readonly TardisFeed _feed;

    private readonly bool _referenceOnly;

    public TardisNormalizedReader(ReadOnlySpan<byte> line, TardisFeed feed)
    {
        _line = line;
        _feed = feed;
    }

    /// <summary>A reader that skips the fast scan: every line through <see cref="Utf8JsonReader"/> (differential tests, benchmarks).</summary>
    internal TardisNormalizedReader(ReadOnlySpan<byte> line, TardisFeed feed, bool referenceOnly) : this(line, feed) => _referenceOnly = referenceOnly;

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

    /// <summary>The scalar fields of a line (as <see cref="Utf8JsonReader.ValueSpan"/> gives them: strings without their
    /// quotes) and how many levels went to the feed's scratch buffer.</summary>
    private ref struct LineFields
    {
        public ReadOnlySpan<byte> Type, Exchange, Symbol, Local, ExchangeTime, Id, Side, Price, Amount;
        public bool IsSnapshot, HasType;
        public int LevelCount;
        public NormalizedRejectReason LevelError;
    }

    private NormalizedRejectReason ReadCore(MarketEventBatch batch)
    {
        var fields = new LineFields();
        if (_referenceOnly || !TryScanFast(ref fields))
        {
            // Anything the fast scanner does not know (whitespace, escapes, non-ASCII text, unexpected keys or shapes,
            // malformed JSON) is read again by Utf8JsonReader, which decides: same fields, or the same reject reason.
            fields = new LineFields();
            _feed.ReferenceScans++;
            var scanned = ScanJson(ref fields);
            if (scanned != NormalizedRejectReason.None) return scanned;
        }
        return Emit(batch, ref fields);
    }

    /// <summary>The reference scan: every token through <see cref="Utf8JsonReader"/> (throws <see cref="JsonException"/> on
    /// malformed JSON). Returns None when the fields were read.</summary>
    private readonly NormalizedRejectReason ScanJson(ref LineFields f)
    {
        // One pass: scalar fields are kept as spans; each level's number positions go to the feed's scratch buffer, parsed
        // once the instrument (and so its scales) is known — the keys are alphabetical, so asks/bids come before symbol.
        int levelCount = 0;
        bool levelsStopped = false;
        var levelError = NormalizedRejectReason.None;
        var reader = new Utf8JsonReader(_line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return NormalizedRejectReason.InvalidJson;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.TokenType != JsonTokenType.PropertyName) return NormalizedRejectReason.InvalidJson;
            var name = reader.ValueSpan;
            bool bids = name.SequenceEqual("bids"u8);
            bool asks = !bids && name.SequenceEqual("asks"u8);
            if (!reader.Read()) return NormalizedRejectReason.InvalidJson;
            if (bids || asks)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) reader.Skip();
                    if (levelError == NormalizedRejectReason.None && !levelsStopped) levelError = NormalizedRejectReason.InvalidJson;
                    levelsStopped = true;
                    continue;
                }
                if (!ReadLevels(ref reader, bids, ref levelCount, ref levelsStopped, ref levelError)) return NormalizedRejectReason.InvalidJson;
                continue;
            }
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) { reader.Skip(); continue; }
            if (reader.ValueIsEscaped) return NormalizedRejectReason.InvalidJson;   // none of the fields we read is ever escaped
            Assign(ref f, name, reader.ValueSpan, reader.TokenType == JsonTokenType.True);
        }
        f.LevelCount = levelCount;
        f.LevelError = levelError;
        return NormalizedRejectReason.None;
    }

    /// <summary>Keeps a scalar field by key (the last one wins when a key repeats, as in the reference scan). The key's
    /// length picks the one or two names it can be, so a key costs one or two comparisons.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Assign(ref LineFields f, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool isTrue)
    {
        switch (name.Length)
        {
            case 2: if (name.SequenceEqual("id"u8)) f.Id = value; break;
            case 4:
                if (name.SequenceEqual("type"u8)) { f.Type = value; f.HasType = true; }
                else if (name.SequenceEqual("side"u8)) f.Side = value;
                break;
            case 5: if (name.SequenceEqual("price"u8)) f.Price = value; break;
            case 6:
                if (name.SequenceEqual("symbol"u8)) f.Symbol = value;
                else if (name.SequenceEqual("amount"u8)) f.Amount = value;
                break;
            case 8: if (name.SequenceEqual("exchange"u8)) f.Exchange = value; break;
            case 9: if (name.SequenceEqual("timestamp"u8)) f.ExchangeTime = value; break;
            case 10: if (name.SequenceEqual("isSnapshot"u8)) f.IsSnapshot = isTrue; break;
            case 14: if (name.SequenceEqual("localTimestamp"u8)) f.Local = value; break;
        }
    }

    /// <summary>
    /// The fast scan: a strict reader of the JSON subset Tardis writes — one object on one line, no whitespace, keys and
    /// string values of printable ASCII without escapes, numbers in JSON's grammar, <c>true</c>/<c>false</c> only as
    /// <c>isSnapshot</c>, <c>asks</c>/<c>bids</c> arrays of objects holding numeric <c>price</c> and <c>amount</c> (other
    /// numeric keys ignored), nothing after the closing brace. Every line it accepts is valid JSON that the reference scan
    /// reads to the same fields and level positions; on anything else it returns false and the reference scan reads the line.
    /// </summary>
    private readonly bool TryScanFast(ref LineFields f)
    {
        var s = _line;
        if (s.Length < 2 || s[0] != '{') return false;
        int i = 1;
        while (true)
        {
            if (i >= s.Length || s[i] != '"') return false;
            int keyStart = ++i;
            i = ScanString(s, i);
            if (i < 0) return false;
            var name = s[keyStart..i];
            i++;
            if (i >= s.Length - 1 || s[i] != ':') return false;
            byte c = s[++i];
            bool bids = name.Length == 4 && name.SequenceEqual("bids"u8);
            if (bids || (name.Length == 4 && name.SequenceEqual("asks"u8)))
            {
                if (c != '[') return false;
                i = ScanLevels(s, i + 1, bids, ref f.LevelCount);
                if (i < 0) return false;
            }
            else if (c == '"')
            {
                int valueStart = ++i;
                i = ScanString(s, i);
                if (i < 0) return false;
                Assign(ref f, name, s[valueStart..i], false);
                i++;
            }
            else if (c == '-' || (uint)(c - '0') <= 9)
            {
                int valueStart = i;
                i = ScanNumber(s, i);
                if (i < 0) return false;
                Assign(ref f, name, s[valueStart..i], false);
            }
            else if (name.SequenceEqual("isSnapshot"u8))
            {
                if (s[i..].StartsWith("true"u8)) { f.IsSnapshot = true; i += 4; }
                else if (s[i..].StartsWith("false"u8)) { f.IsSnapshot = false; i += 5; }
                else return false;
            }
            else return false;
            if (i >= s.Length) return false;
            if (s[i] == ',') { i++; continue; }
            return s[i] == '}' && i == s.Length - 1;
        }
    }

    /// <summary>From the first byte after <c>[</c> of a level array to the byte after its <c>]</c>; -1 when not the expected shape.</summary>
    private readonly int ScanLevels(ReadOnlySpan<byte> s, int i, bool bids, ref int levelCount)
    {
        if (i >= s.Length) return -1;
        if (s[i] == ']') return i + 1;
        while (true)
        {
            if (i >= s.Length || s[i] != '{') return -1;
            i++;
            int priceStart = -1, priceLength = 0, amountStart = -1, amountLength = 0;
            while (true)
            {
                if (i >= s.Length || s[i] != '"') return -1;
                int keyStart = ++i;
                i = ScanString(s, i);
                if (i < 0) return -1;
                var key = s[keyStart..i];
                i++;
                if (i >= s.Length || s[i] != ':') return -1;
                int valueStart = ++i;
                i = ScanNumber(s, i);
                if (i < 0) return -1;
                if (key.Length == 5 && key.SequenceEqual("price"u8)) { priceStart = valueStart; priceLength = i - valueStart; }
                else if (key.Length == 6 && key.SequenceEqual("amount"u8)) { amountStart = valueStart; amountLength = i - valueStart; }
                if (i >= s.Length) return -1;
                if (s[i] == ',') { i++; continue; }
                if (s[i] != '}') return -1;
                i++;
                break;
            }
            if (priceStart < 0 || amountStart < 0) return -1;
            if (4 * levelCount + 4 > _feed.LevelScratch.Length) _feed.GrowLevelScratchSlow();
            var scratch = _feed.LevelScratch;
            int k = 4 * levelCount++;
            scratch[k] = priceStart;
            scratch[k + 1] = bids ? -priceLength : priceLength;
            scratch[k + 2] = amountStart;
            scratch[k + 3] = amountLength;
            if (i >= s.Length) return -1;
            if (s[i] == ',') { i++; continue; }
            return s[i] == ']' ? i + 1 : -1;
        }
    }

    /// <summary>From the first byte of a string's content to its closing quote; -1 for an escape, a control or non-ASCII byte,
    /// or no closing quote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanString(ReadOnlySpan<byte> s, int i)
    {
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            if (b == '"') return i;
            if (b < 0x20 || b == '\\' || b >= 0x80) return -1;
        }
        return -1;
    }

    /// <summary>From a number's first byte to the byte after it, checking JSON's grammar
    /// (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>); -1 when it does not match.</summary>
    private static int ScanNumber(ReadOnlySpan<byte> s, int i)
    {
        if (i < s.Length && s[i] == '-') i++;
        if (i >= s.Length) return -1;
        if (s[i] == '0') i++;
        else if ((uint)(s[i] - '1') <= 8) { i++; while (i < s.Length && (uint)(s[i] - '0') <= 9) i++; }
        else return -1;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            if (i >= s.Length || (uint)(s[i] - '0') > 9) return -1;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        }
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            if (i >= s.Length || (uint)(s[i] - '0') > 9) return -1;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        }
        // A number ends at a structural byte (a digit right after "0" would be a leading zero, which JSON forbids).
        if (i < s.Length && s[i] != ',' && s[i] != '}' && s[i] != ']') return -1;
        return i;
    }

    /// <summary>Turns the scanned fields into events (same checks, in the same order, whichever scan read them).</summary>
    private readonly NormalizedRejectReason Emit(MarketEventBatch batch, ref LineFields f)
    {
        ReadOnlySpan<byte> type = f.Type, exchange = f.Exchange, symbol = f.Symbol, local = f.Local, exchangeTime = f.ExchangeTime,
            id = f.Id, side = f.Side, price = f.Price, amount = f.Amount;
        bool isSnapshot = f.IsSnapshot, hasType = f.HasType;
        int levelCount = f.LevelCount;
        var levelError = f.LevelError;
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
            if (NormalizedText.ParseDecimal(price, instrument.PriceScale, out long p, out byte pd) != NumberParseStatus.Ok
                || NormalizedText.ParseDecimal(amount, instrument.QuantityScale, out long q, out byte qd) != NumberParseStatus.Ok)
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

        long levelExchangeNs = bookTimeIsLocal ? 0 : exchangeNs;
        ref var h = ref batch.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = venue;
        h.Instrument = instrumentId;
        h.ReceiveTimeNs = receiveNs;
        h.ExchangeTimeNs = levelExchangeNs;
        h.Sequence = -1;
        h.PrevSequence = -1;
        h.Flags = MarketEventFlags.Replay | (isSnapshot ? MarketEventFlags.Snapshot : MarketEventFlags.None);

        var scratch = _feed.LevelScratch;
        var line = _line;
        int priceScale = instrument.PriceScale, quantityScale = instrument.QuantityScale;
        for (int i = 0; i < levelCount; i++)
        {
            int k = 4 * i;
            int priceLength = scratch[k + 1];
            bool bid = priceLength < 0;
            if (bid) priceLength = -priceLength;
            if (NormalizedText.ParseDecimal(line.Slice(scratch[k], priceLength), priceScale, out long p, out byte pd) != NumberParseStatus.Ok
                || NormalizedText.ParseDecimal(line.Slice(scratch[k + 2], scratch[k + 3]), quantityScale, out long q, out byte qd) != NumberParseStatus.Ok
                || p <= 0 || q < 0)
                return NormalizedRejectReason.BadNumber;
            ref var e = ref batch.Add();
            e.Kind = MarketEventKind.BookLevel;
            e.Venue = venue;
            e.Instrument = instrumentId;
            e.Side = bid ? Side.Bid : Side.Ask;
            e.Price = p;
            e.Size = q;
            e.PriceDecimals = pd;
            e.SizeDecimals = qd;
            e.ReceiveTimeNs = receiveNs;
            e.ExchangeTimeNs = levelExchangeNs;
            e.Flags = MarketEventFlags.Replay;
        }
        // Levels before the first bad one were checked in line order above (a bad number there is reported first).
        if (levelError != NormalizedRejectReason.None) return levelError;
        batch[batch.Count - 1].Flags |= MarketEventFlags.EndOfMessage;   // the header itself when the message has no level
        _feed.BookMessages++;
        return NormalizedRejectReason.None;
    }

    /// <summary>
    /// Reads one <c>bids</c>/<c>asks</c> array (the reader is on its StartArray; it ends on the matching EndArray), noting
    /// each level's number positions. A level without a numeric price or amount is a <see cref="NormalizedRejectReason.MissingField"/>
    /// (reported only if the line is otherwise a good book_change); an element that is not an object ends level reading
    /// for the line. Returns false for malformed JSON.
    /// </summary>
    private readonly bool ReadLevels(ref Utf8JsonReader reader, bool bids, ref int levelCount, ref bool stopped, ref NormalizedRejectReason error)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray) return true;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                // Not a level: the rest of the line's levels are ignored (the element and what follows are still
                // tokenized, so malformed JSON is still caught).
                stopped = true;
                if (reader.TokenType == JsonTokenType.StartArray) reader.Skip();
                continue;
            }
            int priceStart = -1, priceLength = 0, amountStart = -1, amountLength = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isPrice = reader.ValueSpan.SequenceEqual("price"u8);
                bool isAmount = !isPrice && reader.ValueSpan.SequenceEqual("amount"u8);
                if (!reader.Read()) return false;
                if (reader.TokenType != JsonTokenType.Number) { reader.Skip(); continue; }
                if (isPrice) { priceStart = (int)reader.TokenStartIndex; priceLength = reader.ValueSpan.Length; }
                else if (isAmount) { amountStart = (int)reader.TokenStartIndex; amountLength = reader.ValueSpan.Length; }
            }
            if (reader.TokenType != JsonTokenType.EndObject) return false;
            if (stopped) continue;
            if (priceStart < 0 || amountStart < 0)
            {
                if (error == NormalizedRejectReason.None) error = NormalizedRejectReason.MissingField;
                stopped = true;
                continue;
            }
            if (4 * levelCount + 4 > _feed.LevelScratch.Length) _feed.GrowLevelScratchSlow();
            var scratch = _feed.LevelScratch;
            int k = 4 * levelCount++;
            scratch[k] = priceStart;
            scratch[k + 1] = bids ? -priceLength : priceLength;
            scratch[k + 2] = amountStart;
            scratch[k + 3] = amountLength;
        }
        return false;
    }
}
