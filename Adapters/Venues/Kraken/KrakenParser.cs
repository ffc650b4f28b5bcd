using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Kraken;

/// <summary>
/// Parses Kraken WebSocket v1 public frames:
/// <code>
/// [channelID, {"as":[[p,v,ts],...],"bs":[...]}, "book-1000", "XMR/USD"]                 book snapshot
/// [channelID, {"a":[[p,v,ts(,"r")],...]}, {"b":[...],"c":"crc32"}, "book-1000", "PAIR"]  book update (one or two dicts)
/// [channelID, [[p,v,time,side,orderType,misc],...], "trade", "PAIR"]                     trades
/// [channelID, {"a":[p,wholeLotVolume,lotVolume],"b":[...],...}, "ticker", "PAIR"]         ticker → Bbo
/// {"event":"heartbeat"|"systemStatus"|"subscriptionStatus"|"pong"}                        control
/// </code>
/// Book levels carry the venue's text decimals so <see cref="Books.BookChecksum"/> rebuilds the hashed strings; a level with
/// the 4th element <c>"r"</c> (republish) gets <see cref="MarketEventFlags.Republish"/>.
/// </summary>
/// <remarks>
/// One instance per connection, single-threaded. The pair comes last in the array: it is read from the frame's tail first,
/// so the payload is parsed in one pass (frames with an unusual tail fall back to saved reader positions). Zero allocation per frame after a pair's first sighting; malformed input is a
/// counted <see cref="RejectReason"/>, never an exception.
/// </remarks>
public sealed partial class KrakenParser : FastScanJsonFrameParser
{
    private readonly VenueId _venue;
    private readonly InstrumentRegistry _registry;

    public KrakenParser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
    }

    private enum Channel : byte { Unknown, Book, Trade, Ticker }

    /// <summary>The Utf8JsonReader path: any spacing and key order; the single authority on rejects.</summary>
    protected override RejectReason ParseReference(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read()) return RejectReason.UnexpectedShape;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            status = FrameStatus.Control;
            return KrakenEvents.Classify(ref reader);
        }
        if (reader.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number) return RejectReason.UnexpectedShape; // channelID

        // The channel name and pair close the array: read them from the tail, then parse the payload in the same pass.
        if (TryReadTail(frame, out var tailChannel, out var tailPair)) return ParseOnePass(ref reader, frame, tailChannel, tailPair, receiveTimeNs, output);

        // Fallback (unusual spacing or escapes in the tail): payload elements (one or two dicts, or the trade array) are parsed after the channel name and pair are known.
        Utf8JsonReader first = default, second = default;
        int payloads = 0;
        ReadOnlySpan<byte> channelName = default, pair = default;
        int strings = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (strings != 0 || payloads == 2) return RejectReason.UnexpectedShape;
                    if (payloads == 0) first = reader; else second = reader;
                    payloads++;
                    reader.Skip();
                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped) return RejectReason.UnexpectedShape; // Kraken never escapes names; no decoding on this path
                    if (strings == 0) channelName = reader.ValueSpan;
                    else if (strings == 1) pair = reader.ValueSpan;
                    else return RejectReason.UnexpectedShape;
                    strings++;
                    break;
                default:
                    return RejectReason.UnexpectedShape;
            }
        }
        if (reader.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (payloads == 0 || strings != 2 || pair.IsEmpty) return RejectReason.MissingField;

        var channel = Classify(channelName);
        if (channel == Channel.Unknown) return RejectReason.UnknownChannel;

        if (!_registry.TryGet(_venue, pair, out var id))
        {
            var r = RegisterSlow(pair, frame, out id);
            if (r != RejectReason.None) return r;
        }
        var instrument = _registry[id];

        switch (channel)
        {
            case Channel.Book:
            {
                if (first.TokenType != JsonTokenType.StartObject || (payloads == 2 && second.TokenType != JsonTokenType.StartObject))
                    return RejectReason.UnexpectedShape;
                int headerIndex = AddHeader(instrument, receiveTimeNs, output);
                var state = new BookMessageState();
                var reason = ParseBookDict(ref first, instrument, receiveTimeNs, output, ref state);
                if (reason == RejectReason.None && payloads == 2) reason = ParseBookDict(ref second, instrument, receiveTimeNs, output, ref state);
                if (reason != RejectReason.None) return reason;
                return FinishHeader(headerIndex, ref state, output);
            }
            case Channel.Trade:
                if (payloads != 1 || first.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
                return ParseTrades(ref first, instrument, receiveTimeNs, output);
            default:
                if (payloads != 1 || first.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
                return ParseTicker(ref first, instrument, receiveTimeNs, output);
        }
    }

    private static Channel Classify(ReadOnlySpan<byte> channelName) =>
        channelName.StartsWith("book"u8) ? Channel.Book
        : channelName.SequenceEqual("trade"u8) ? Channel.Trade
        : channelName.SequenceEqual("ticker"u8) ? Channel.Ticker
        : Channel.Unknown;

    /// <summary>
    /// Reads <c>…,"channelName","PAIR"]</c> from the end of the frame (plain strings, optional whitespace). False when the
    /// tail has another shape; the caller then falls back to the two-pass path, which reports the precise error.
    /// </summary>
    private static bool TryReadTail(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> channelName, out ReadOnlySpan<byte> pair)
    {
        channelName = pair = default;
        int i = frame.Length - 1;
        while (i >= 0 && IsSpace(frame[i])) i--;
        if (i < 0 || frame[i] != (byte)']') return false;
        i--;
        if (!TryReadStringBackward(frame, ref i, out pair)) return false;
        while (i >= 0 && IsSpace(frame[i])) i--;
        if (i < 0 || frame[i] != (byte)',') return false;
        i--;
        return TryReadStringBackward(frame, ref i, out channelName);
    }

    private static bool TryReadStringBackward(ReadOnlySpan<byte> frame, scoped ref int i, out ReadOnlySpan<byte> value)
    {
        value = default;
        while (i >= 0 && IsSpace(frame[i])) i--;
        if (i < 1 || frame[i] != (byte)'"') return false;
        int end = i;
        int open = frame[..end].LastIndexOf((byte)'"');
        if (open < 0) return false;
        value = frame[(open + 1)..end];
        if (value.IndexOf((byte)'\\') >= 0) return false; // escapes: let the reader decode them on the slow path
        i = open - 1;
        return true;
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>One pass over the array: payload elements are parsed where they stand, the trailing strings are checked
    /// against the tail read before.</summary>
    private RejectReason ParseOnePass(ref Utf8JsonReader reader, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> channelName, ReadOnlySpan<byte> pair,
        long receiveTimeNs, MarketEventBatch output)
    {
        var channel = Classify(channelName);
        if (channel == Channel.Unknown) return RejectReason.UnknownChannel;
        if (pair.IsEmpty) return RejectReason.MissingField;
        if (!_registry.TryGet(_venue, pair, out var id))
        {
            var r = RegisterSlow(pair, frame, out id);
            if (r != RejectReason.None) return r;
        }
        var instrument = _registry[id];
        int payloads = 0, strings = 0, headerIndex = -1;
        var state = new BookMessageState();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var token = reader.TokenType;
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (strings != 0 || payloads == 2) return RejectReason.UnexpectedShape;
                payloads++;
                RejectReason reason;
                if (channel == Channel.Book)
                {
                    if (token != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
                    if (headerIndex < 0) headerIndex = AddHeader(instrument, receiveTimeNs, output);
                    reason = ParseBookDict(ref reader, instrument, receiveTimeNs, output, ref state);
                }
                else if (payloads != 1) return RejectReason.UnexpectedShape;
                else if (channel == Channel.Trade)
                    reason = token == JsonTokenType.StartArray ? ParseTrades(ref reader, instrument, receiveTimeNs, output) : RejectReason.UnexpectedShape;
                else
                    reason = token == JsonTokenType.StartObject ? ParseTicker(ref reader, instrument, receiveTimeNs, output) : RejectReason.UnexpectedShape;
                if (reason != RejectReason.None) return reason;
            }
            else if (token == JsonTokenType.String)
            {
                strings++;
                if (strings > 2 || !reader.ValueSpan.SequenceEqual(strings == 1 ? channelName : pair)) return RejectReason.UnexpectedShape;
            }
            else return RejectReason.UnexpectedShape;
        }
        if (reader.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (payloads == 0 || strings != 2) return RejectReason.MissingField;
        return channel == Channel.Book ? FinishHeader(headerIndex, ref state, output) : RejectReason.None;
    }

    private int AddHeader(Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int headerIndex = output.Count;
        ref var h = ref output.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = instrument.Id;
        h.ReceiveTimeNs = receiveTimeNs;
        h.PrevSequence = -1;
        return headerIndex;
    }

    private static RejectReason FinishHeader(int headerIndex, ref BookMessageState state, MarketEventBatch output)
    {
        if (state.Snapshot && state.Update) return RejectReason.UnexpectedShape;
        if (!state.Snapshot && !state.Update) return RejectReason.MissingField;
        ref var header = ref output[headerIndex];
        header.ExchangeTimeNs = state.LatestLevelTimeNs;
        if (state.Snapshot) header.Flags |= MarketEventFlags.Snapshot;
        if (state.HasChecksum)
        {
            header.Flags |= MarketEventFlags.HasChecksum;
            header.Checksum = state.Checksum;
        }
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    private struct BookMessageState
    {
        public bool Snapshot;
        public bool Update;
        public bool HasChecksum;
        public uint Checksum;
        public long LatestLevelTimeNs;
    }

    /// <summary>One dict of a book message: <c>as</c>/<c>bs</c> (snapshot), <c>a</c>/<c>b</c> (update), <c>c</c> (checksum).</summary>
    private RejectReason ParseBookDict(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output, ref BookMessageState state)
    {
        // r is positioned on the dict's StartObject.
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = r.ValueSpan;
            if (name.Length == 2 && name[1] == (byte)'s' && (name[0] == (byte)'a' || name[0] == (byte)'b'))
            {
                state.Snapshot = true;
                int first = output.Count;
                var reason = ParseLevels(ref r, name[0] == (byte)'a' ? Side.Ask : Side.Bid, instrument, receiveTimeNs, output, ref state);
                if (reason != RejectReason.None) return reason;
                // Snapshot sides come best first; emitted worst first, each level appends at the book's best end (no shifting).
                output.Events[first..].Reverse();
            }
            else if (name.Length == 1 && (name[0] == (byte)'a' || name[0] == (byte)'b'))
            {
                state.Update = true;
                var reason = ParseLevels(ref r, name[0] == (byte)'a' ? Side.Ask : Side.Bid, instrument, receiveTimeNs, output, ref state);
                if (reason != RejectReason.None) return reason;
            }
            else if (name.Length == 1 && name[0] == (byte)'c')
            {
                // The unsigned CRC-32 as a decimal string ("2583817756").
                if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                var text = r.ValueSpan;
                if (!Utf8Parser.TryParse(text, out uint crc, out int consumed) || consumed != text.Length) return RejectReason.BadNumber;
                state.HasChecksum = true;
                state.Checksum = crc;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        return r.TokenType == JsonTokenType.EndObject ? RejectReason.None : RejectReason.UnexpectedShape;
    }

    /// <summary><c>[[price, volume, timestamp(, "r")], ...]</c> → BookLevel events (volume 0 removes).</summary>
    private RejectReason ParseLevels(ref Utf8JsonReader r, Side side, Instrument instrument, long receiveTimeNs, MarketEventBatch output, ref BookMessageState state)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        while (r.Read() && r.TokenType == JsonTokenType.StartArray)
        {
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var reason = KrakenNumbers.Parse(r.ValueSpan, instrument.PriceScale, out long price, out byte priceDecimals);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = KrakenNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out long size, out byte sizeDecimals);
            if (reason != RejectReason.None) return reason;
            if (price <= 0 || size < 0) return RejectReason.BadNumber;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = KrakenNumbers.Parse(r.ValueSpan, 9, out long timeNs, out _);
            if (reason != RejectReason.None) return reason;
            if (timeNs > state.LatestLevelTimeNs) state.LatestLevelTimeNs = timeNs;
            bool republish = false;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                if (r.ValueTextEquals("r"u8)) republish = true;
            }
            AddLevel(output, instrument.Id, side, price, priceDecimals, size, sizeDecimals, timeNs, receiveTimeNs, republish);
        }
        return r.TokenType == JsonTokenType.EndArray ? RejectReason.None : RejectReason.UnexpectedShape;
    }

    /// <summary>One BookLevel event (both paths emit through here, so their events are the same bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddLevel(MarketEventBatch output, InstrumentId instrument, Side side, long price, byte priceDecimals, long size, byte sizeDecimals,
        long timeNs, long receiveTimeNs, bool republish)
    {
        ref var e = ref VenueJson.AddEvent(output, MarketEventKind.BookLevel, _venue, instrument, side, price, size, timeNs, receiveTimeNs);
        e.PriceDecimals = priceDecimals;
        e.SizeDecimals = sizeDecimals;
        if (republish) e.Flags = MarketEventFlags.Republish;
    }

    /// <summary>One Trade event (both paths emit through here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTrade(MarketEventBatch output, InstrumentId instrument, Side side, long price, long size, long timeNs, long receiveTimeNs)
    {
        VenueJson.AddEvent(output, MarketEventKind.Trade, _venue, instrument, side, price, size, timeNs, receiveTimeNs);
    }

    /// <summary><c>[[price, volume, time, "b"|"s", "m"|"l", misc], ...]</c> → Trade events (Kraken v1 trades have no id).</summary>
    private RejectReason ParseTrades(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int count = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartArray)
        {
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var reason = KrakenNumbers.Parse(r.ValueSpan, instrument.PriceScale, out long price, out _);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = KrakenNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out long size, out _);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = KrakenNumbers.Parse(r.ValueSpan, 9, out long timeNs, out _);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var side = r.ValueTextEquals("b"u8) ? Side.Bid : r.ValueTextEquals("s"u8) ? Side.Ask : Side.None;
            if (side == Side.None) return RejectReason.UnexpectedShape;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                if (r.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
            AddTrade(output, instrument.Id, side, price, size, timeNs, receiveTimeNs);
            count++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (count == 0) return RejectReason.MissingField;
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    /// <summary><c>{"a":[price, wholeLotVolume, lotVolume], "b":[...], ...}</c> → Bbo bid then ask, size = lot volume
    /// (the exact decimal volume; the whole-lot integer is its rounding).</summary>
    private RejectReason ParseTicker(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        long bidPx = 0, bidSz = 0, askPx = 0, askSz = 0;
        bool hasBid = false, hasAsk = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool ask = r.ValueTextEquals("a"u8);
            if (ask || r.ValueTextEquals("b"u8))
            {
                if (!r.Read() || r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
                if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                var reason = KrakenNumbers.Parse(r.ValueSpan, instrument.PriceScale, out long px, out _);
                if (reason != RejectReason.None) return reason;
                if (!r.Read() || r.TokenType is not (JsonTokenType.Number or JsonTokenType.String)) return RejectReason.UnexpectedShape; // whole-lot volume
                if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                reason = KrakenNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out long sz, out _);
                if (reason != RejectReason.None) return reason;
                if (!r.Read() || r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
                if (ask) { askPx = px; askSz = sz; hasAsk = true; } else { bidPx = px; bidSz = sz; hasBid = true; }
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (!hasBid || !hasAsk) return RejectReason.MissingField;
        KrakenNumbers.AddBbo(output, _venue, instrument.Id, bidPx, bidSz, askPx, askSz, 0, receiveTimeNs);
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason RegisterSlow(ReadOnlySpan<byte> pair, ReadOnlySpan<byte> frame, out InstrumentId id)
    {
        id = InstrumentId.None;
        string symbol = Encoding.UTF8.GetString(pair);
        if (!SymbolNormalizer.TryParse(symbol, SymbolStyle.Slashed, out var parts)) return RejectReason.UnknownSymbol;
        KrakenNumbers.MaxDecimalsV1(frame, out int priceDecimals, out int sizeDecimals, out int priceDigits, out int sizeDigits, out int magnitude);
        id = KrakenNumbers.Register(_registry, _venue, symbol, parts, priceDecimals, sizeDecimals, priceDigits, sizeDigits, magnitude);
        return RejectReason.None;
    }
}

/// <summary>Control messages (<c>{"event":...}</c>) of Kraken v1.</summary>
internal static class KrakenEvents
{
    /// <summary>heartbeat/systemStatus/pong/subscriptionStatus → None (control); an error → VenueError.</summary>
    public static RejectReason Classify(ref Utf8JsonReader r)
    {
        bool hasEvent = false, error = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("event"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                hasEvent = true;
                if (r.ValueTextEquals("error"u8)) error = true;
            }
            else if (r.ValueTextEquals("status"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("error"u8)) error = true; // subscriptionStatus refused
                else r.Skip();
            }
            else if (r.ValueTextEquals("errorMessage"u8))
            {
                error = true;
                r.Read();
                r.Skip();
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (!hasEvent) return RejectReason.MissingField;
        return error ? RejectReason.VenueError : RejectReason.None;
    }
}

/// <summary>Number and registration helpers shared by the Kraken v1 and v2 parsers.</summary>
internal static class KrakenNumbers
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RejectReason Parse(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        var status = FixedPoint.TryParse(text, scale, out mantissa, out decimals);
        return status == NumberParseStatus.Ok ? RejectReason.None : ToReason(status);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static RejectReason ToReason(NumberParseStatus status) => status switch
    {
        NumberParseStatus.Overflow => RejectReason.NumberOverflow,
        NumberParseStatus.PrecisionLoss => RejectReason.PrecisionLoss,
        _ => RejectReason.BadNumber,
    };

    public static void AddBbo(MarketEventBatch output, VenueId venue, InstrumentId instrument, long bidPx, long bidSz, long askPx, long askSz,
        long exchangeTimeNs, long receiveTimeNs)
    {
        VenueJson.AddEvent(output, MarketEventKind.Bbo, venue, instrument, Side.Bid, bidPx, bidSz, exchangeTimeNs, receiveTimeNs);
        ref var ask = ref VenueJson.AddEvent(output, MarketEventKind.Bbo, venue, instrument, Side.Ask, askPx, askSz, exchangeTimeNs, receiveTimeNs);
        ask.Flags = MarketEventFlags.EndOfMessage;
    }

    /// <summary>Registers a first-seen symbol: scales = max(8, decimals seen in its first message), capped at 18 and lowered
    /// when the largest integer part seen needs the room (see <see cref="VenueNumbers.ScaleFor"/>).</summary>
    public static InstrumentId Register(InstrumentRegistry registry, VenueId venue, string symbol, SymbolParts parts, int priceDecimals, int sizeDecimals,
        int priceDigits = 0, int sizeDigits = 0, int firstPriceMagnitude = 0)
    {
        int priceScale = VenueNumbers.ScaleFor(priceDecimals, priceDigits, InstrumentRegistry.DefaultPriceScale);
        int sizeScale = VenueNumbers.ScaleFor(sizeDecimals, VenueNumbers.SizeDigitsFor(sizeDigits, firstPriceMagnitude), InstrumentRegistry.DefaultQuantityScale);
        var instrument = registry.GetOrAdd(parts.Base, parts.Quote, parts.Kind, priceScale, sizeScale, parts.IsInverse, 0, parts.Detail);
        registry.MapVenueSymbol(venue, symbol, instrument.Id);
        return instrument.Id;
    }

    /// <summary>Largest decimals of prices (element 0) and volumes (element 1) of every innermost array of a v1 frame (cold).</summary>
    public static void MaxDecimalsV1(ReadOnlySpan<byte> frame, out int priceDecimals, out int sizeDecimals, out int priceDigits, out int sizeDigits, out int firstPriceMagnitude)
    {
        priceDecimals = 0;
        sizeDecimals = 0;
        priceDigits = 0;
        sizeDigits = 0;
        firstPriceMagnitude = 0;
        bool firstPrice = true;
        try
        {
            var r = new Utf8JsonReader(frame);
            int index = 0;
            while (r.Read())
            {
                if (r.TokenType == JsonTokenType.StartArray) index = 0;
                else if (r.TokenType is JsonTokenType.String or JsonTokenType.Number && r.CurrentDepth >= 2)
                {
                    int d = FixedPoint.CountDecimals(r.ValueSpan);
                    int g = VenueNumbers.IntegerDigits(r.ValueSpan);
                    // Book levels and trades: [price, volume, timestamp, ...]; ticker "a"/"b": [price, wholeLot, lotVolume].
                    if (index == 0 && firstPrice) { firstPriceMagnitude = VenueNumbers.Magnitude(r.ValueSpan); firstPrice = false; }
                    if (index == 0) { priceDecimals = Math.Max(priceDecimals, d); priceDigits = Math.Max(priceDigits, g); }
                    else if (index == 1) { sizeDecimals = Math.Max(sizeDecimals, d); sizeDigits = Math.Max(sizeDigits, g); }
                    else if (index == 2 && r.TokenType == JsonTokenType.String && g < 10) sizeDecimals = Math.Max(sizeDecimals, d); // not a timestamp
                    index++;
                }
            }
        }
        catch (JsonException)
        {
        }
    }
}
