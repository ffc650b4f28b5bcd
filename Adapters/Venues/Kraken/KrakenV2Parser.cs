using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Kraken;

/// <summary>
/// Parses Kraken WebSocket v2 public frames:
/// <code>
/// {"channel":"book","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1}],
///   "asks":[...],"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}
/// {"channel":"ticker","type":...,"data":[{"symbol","bid","bid_qty","ask","ask_qty",...}]}                → Bbo
/// {"channel":"trade","type":...,"data":[{"symbol","side","price","qty","trade_id","timestamp"}]}         → Trade
/// {"channel":"heartbeat"|"status"}, {"method":"subscribe"|"pong",...,"success":true}                    → Control
/// </code>
/// Prices and quantities are JSON numbers, so trailing zeros are not on the wire: the checksum is computed over the numbers
/// formatted to the instrument's price/qty precision (Kraken "Book checksum (v2)"). Call <see cref="SetPrecision"/> with the
/// precisions of the <c>instrument</c> channel / AssetPairs; without it the text's own decimals are used.
/// </summary>
/// <remarks>One instance per connection, single-threaded, zero allocation per frame after a symbol's first sighting.</remarks>
public sealed class KrakenV2Parser : JsonFrameParser
{
    private const byte NoPrecision = 0xFF;

    private readonly VenueId _venue;
    private readonly InstrumentRegistry _registry;
    private byte[] _pricePrecision = [];
    private byte[] _qtyPrecision = [];

    public KrakenV2Parser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
    }

    /// <summary>
    /// Declares a symbol's price and quantity precision (decimal places; Kraken <c>price_precision</c>/<c>qty_precision</c>).
    /// Registers the symbol if needed. Cold path; call before its first book message.
    /// </summary>
    public void SetPrecision(string symbol, int priceDecimals, int qtyDecimals)
    {
        if ((uint)priceDecimals > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(priceDecimals), priceDecimals, $"allowed 0..{FixedPoint.MaxScale}");
        if ((uint)qtyDecimals > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(qtyDecimals), qtyDecimals, $"allowed 0..{FixedPoint.MaxScale}");
        if (!SymbolNormalizer.TryParse(symbol, SymbolStyle.Slashed, out var parts))
            throw new ArgumentException($"'{symbol}' is not a Kraken v2 symbol (BASE/QUOTE)", nameof(symbol));
        var id = _registry.TryGet(_venue, Encoding.UTF8.GetBytes(symbol), out var existing)
            ? existing
            : KrakenNumbers.Register(_registry, _venue, symbol, parts, priceDecimals, qtyDecimals);
        EnsurePrecisionSlots(id.Value + 1);
        _pricePrecision[id.Value] = (byte)priceDecimals;
        _qtyPrecision[id.Value] = (byte)qtyDecimals;
    }

    private void EnsurePrecisionSlots(int count)
    {
        if (_pricePrecision.Length >= count) return;
        int old = _pricePrecision.Length;
        Array.Resize(ref _pricePrecision, Math.Max(count, old * 2 + 8));
        Array.Resize(ref _qtyPrecision, _pricePrecision.Length);
        _pricePrecision.AsSpan(old).Fill(NoPrecision);
        _qtyPrecision.AsSpan(old).Fill(NoPrecision);
    }

    private enum Channel : byte { Unknown, Book, Ticker, Trade, Control }

    protected override RejectReason ParseJson(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        ReadOnlySpan<byte> channel = default, type = default;
        bool hasMethod = false, success = true, hasData = false;
        Utf8JsonReader data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("channel"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                channel = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                type = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                data = reader;
                hasData = true;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                hasMethod = true;
                reader.Read();
                reader.Skip();
            }
            else if (reader.ValueTextEquals("success"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.False) success = false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;

        if (hasMethod && channel.IsEmpty)
        {
            if (!success) return RejectReason.VenueError;
            status = FrameStatus.Control;
            return RejectReason.None;
        }
        var kind = channel.SequenceEqual("book"u8) ? Channel.Book
            : channel.SequenceEqual("ticker"u8) ? Channel.Ticker
            : channel.SequenceEqual("trade"u8) ? Channel.Trade
            : channel.SequenceEqual("heartbeat"u8) || channel.SequenceEqual("status"u8) || channel.SequenceEqual("instrument"u8) ? Channel.Control
            : Channel.Unknown;
        if (kind == Channel.Unknown) return channel.IsEmpty ? RejectReason.MissingField : RejectReason.UnknownChannel;
        if (kind == Channel.Control)
        {
            status = FrameStatus.Control;
            return RejectReason.None;
        }
        if (!hasData || data.TokenType != JsonTokenType.StartArray) return RejectReason.MissingField;
        bool snapshot = type.SequenceEqual("snapshot"u8);
        if (!snapshot && !type.SequenceEqual("update"u8)) return RejectReason.UnexpectedShape;

        int items = 0;
        while (data.Read() && data.TokenType == JsonTokenType.StartObject)
        {
            // Kraken puts "symbol" first: peek at it. Otherwise read the whole item for it, then parse the item again.
            var itemStart = data;
            var peek = data;
            scoped ReadOnlySpan<byte> symbol;
            if (peek.Read() && peek.TokenType == JsonTokenType.PropertyName && peek.ValueTextEquals("symbol"u8)
                && peek.Read() && peek.TokenType == JsonTokenType.String && !peek.ValueIsEscaped)
                symbol = peek.ValueSpan;
            else
                symbol = FindSymbol(ref data);
            if (symbol.IsEmpty) return RejectReason.MissingField;
            if (!_registry.TryGet(_venue, symbol, out var id))
            {
                var r = RegisterSlow(symbol, frame, out id);
                if (r != RejectReason.None) return r;
            }
            var instrument = _registry[id];
            var item = itemStart;
            var reason = kind switch
            {
                Channel.Book => ParseBook(ref item, instrument, snapshot, receiveTimeNs, output),
                Channel.Ticker => ParseTicker(ref item, instrument, receiveTimeNs, output),
                _ => ParseTrade(ref item, instrument, receiveTimeNs, output),
            };
            if (reason != RejectReason.None) return reason;
            data = item; // now on the item's EndObject
            items++;
        }
        if (data.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        return items == 0 ? RejectReason.MissingField : RejectReason.None;
    }

    /// <summary>Reads one data item (reader on its StartObject) to its end and returns its <c>symbol</c>.</summary>
    private static ReadOnlySpan<byte> FindSymbol(ref Utf8JsonReader r)
    {
        ReadOnlySpan<byte> symbol = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool isSymbol = r.ValueTextEquals("symbol"u8);
            r.Read();
            if (isSymbol && r.TokenType == JsonTokenType.String) symbol = r.ValueSpan;
            else r.Skip();
        }
        return r.TokenType == JsonTokenType.EndObject ? symbol : default;
    }

    private RejectReason ParseBook(ref Utf8JsonReader r, Instrument instrument, bool snapshot, long receiveTimeNs, MarketEventBatch output)
    {
        int headerIndex = output.Count;
        ref var h = ref output.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = instrument.Id;
        h.ReceiveTimeNs = receiveTimeNs;
        h.PrevSequence = -1;
        h.Flags = snapshot ? MarketEventFlags.Snapshot : MarketEventFlags.None;
        int id = instrument.Id.Value;
        byte pricePrecision = id < _pricePrecision.Length ? _pricePrecision[id] : NoPrecision;
        byte qtyPrecision = id < _qtyPrecision.Length ? _qtyPrecision[id] : NoPrecision;
        bool hasChecksum = false;
        uint checksum = 0;
        long timeNs = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool asks = r.ValueTextEquals("asks"u8);
            if (asks || r.ValueTextEquals("bids"u8))
            {
                int first = output.Count;
                var reason = ParseLevels(ref r, asks ? Side.Ask : Side.Bid, instrument, pricePrecision, qtyPrecision, receiveTimeNs, output);
                if (reason != RejectReason.None) return reason;
                if (snapshot) output.Events[first..].Reverse(); // best first on the wire; worst first appends at the book's best end
            }
            else if (r.ValueTextEquals("checksum"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetUInt32(out checksum)) return RejectReason.BadNumber;
                hasChecksum = true;
            }
            else if (r.ValueTextEquals("timestamp"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String || !KrakenTime.TryParseIso8601(r.ValueSpan, out timeNs)) return RejectReason.BadNumber;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        ref var header = ref output[headerIndex];
        header.ExchangeTimeNs = timeNs;
        if (hasChecksum)
        {
            header.Flags |= MarketEventFlags.HasChecksum;
            header.Checksum = checksum;
        }
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    /// <summary><c>[{"price":n,"qty":n},...]</c> → BookLevel events; decimals = the declared precision when known.</summary>
    private RejectReason ParseLevels(ref Utf8JsonReader r, Side side, Instrument instrument, byte pricePrecision, byte qtyPrecision,
        long receiveTimeNs, MarketEventBatch output)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long price = 0, qty = 0;
            byte priceDecimals = 0, qtyDecimals = 0;
            bool hasPrice = false, hasQty = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                bool isPrice = r.ValueTextEquals("price"u8);
                bool isQty = !isPrice && r.ValueTextEquals("qty"u8);
                r.Read();
                if (isPrice || isQty)
                {
                    if (r.TokenType is not (JsonTokenType.Number or JsonTokenType.String)) return RejectReason.UnexpectedShape;
                    var reason = isPrice
                        ? KrakenNumbers.Parse(r.ValueSpan, instrument.PriceScale, out price, out priceDecimals)
                        : KrakenNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out qty, out qtyDecimals);
                    if (reason != RejectReason.None) return reason;
                    if (isPrice) hasPrice = true; else hasQty = true;
                }
                else r.Skip();
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            if (!hasPrice || !hasQty) return RejectReason.MissingField;
            if (price <= 0 || qty < 0) return RejectReason.BadNumber;
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.BookLevel;
            e.Venue = _venue;
            e.Instrument = instrument.Id;
            e.Side = side;
            e.Price = price;
            e.Size = qty;
            // JSON numbers drop trailing zeros (0.1 for 0.10000000); the checksum hashes the number at the pair's precision.
            e.PriceDecimals = pricePrecision != NoPrecision ? pricePrecision : priceDecimals;
            e.SizeDecimals = qtyPrecision != NoPrecision ? qtyPrecision : qtyDecimals;
            e.ReceiveTimeNs = receiveTimeNs;
        }
        return r.TokenType == JsonTokenType.EndArray ? RejectReason.None : RejectReason.UnexpectedShape;
    }

    private RejectReason ParseTicker(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        long bid = 0, bidQty = 0, ask = 0, askQty = 0, timeNs = 0;
        int seen = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            int field = r.ValueTextEquals("bid"u8) ? 1 : r.ValueTextEquals("bid_qty"u8) ? 2 : r.ValueTextEquals("ask"u8) ? 3
                : r.ValueTextEquals("ask_qty"u8) ? 4 : r.ValueTextEquals("timestamp"u8) ? 5 : 0;
            r.Read();
            if (field == 0) { r.Skip(); continue; }
            if (field == 5)
            {
                if (r.TokenType != JsonTokenType.String || !KrakenTime.TryParseIso8601(r.ValueSpan, out timeNs)) return RejectReason.BadNumber;
                continue;
            }
            if (r.TokenType != JsonTokenType.Number) return RejectReason.UnexpectedShape;
            int scale = field is 1 or 3 ? instrument.PriceScale : instrument.QuantityScale;
            var reason = KrakenNumbers.Parse(r.ValueSpan, scale, out long value, out _);
            if (reason != RejectReason.None) return reason;
            switch (field)
            {
                case 1: bid = value; break;
                case 2: bidQty = value; break;
                case 3: ask = value; break;
                default: askQty = value; break;
            }
            seen |= 1 << field;
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (seen != 0b11110) return RejectReason.MissingField;
        KrakenNumbers.AddBbo(output, _venue, instrument.Id, bid, bidQty, ask, askQty, timeNs, receiveTimeNs);
        return RejectReason.None;
    }

    private RejectReason ParseTrade(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        long price = 0, qty = 0, tradeId = 0, timeNs = 0;
        var side = Side.None;
        bool hasPrice = false, hasQty = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("price"u8) || r.ValueTextEquals("qty"u8))
            {
                bool isPrice = r.ValueTextEquals("price"u8);
                r.Read();
                if (r.TokenType != JsonTokenType.Number) return RejectReason.UnexpectedShape;
                var reason = isPrice
                    ? KrakenNumbers.Parse(r.ValueSpan, instrument.PriceScale, out price, out _)
                    : KrakenNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out qty, out _);
                if (reason != RejectReason.None) return reason;
                if (isPrice) hasPrice = true; else hasQty = true;
            }
            else if (r.ValueTextEquals("side"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                side = r.ValueTextEquals("buy"u8) ? Side.Bid : r.ValueTextEquals("sell"u8) ? Side.Ask : Side.None;
                if (side == Side.None) return RejectReason.UnexpectedShape;
            }
            else if (r.ValueTextEquals("trade_id"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out tradeId)) return RejectReason.BadNumber;
            }
            else if (r.ValueTextEquals("timestamp"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String || !KrakenTime.TryParseIso8601(r.ValueSpan, out timeNs)) return RejectReason.BadNumber;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (!hasPrice || !hasQty || side == Side.None) return RejectReason.MissingField;
        ref var e = ref VenueJson.AddEvent(output, MarketEventKind.Trade, _venue, instrument.Id, side, price, qty, timeNs, receiveTimeNs);
        e.Sequence = tradeId;
        e.Flags = MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason RegisterSlow(ReadOnlySpan<byte> symbolUtf8, ReadOnlySpan<byte> frame, out InstrumentId id)
    {
        id = InstrumentId.None;
        string symbol = Encoding.UTF8.GetString(symbolUtf8);
        if (!SymbolNormalizer.TryParse(symbol, SymbolStyle.Slashed, out var parts)) return RejectReason.UnknownSymbol;
        int priceDecimals = 0, qtyDecimals = 0, priceDigits = 0, qtyDigits = 0, magnitude = 0;
        bool firstPrice = true;
        try
        {
            var r = new Utf8JsonReader(frame);
            bool price = false, qty = false;
            while (r.Read())
            {
                if (r.TokenType == JsonTokenType.PropertyName)
                {
                    price = r.ValueTextEquals("price"u8) || r.ValueTextEquals("bid"u8) || r.ValueTextEquals("ask"u8);
                    qty = r.ValueTextEquals("qty"u8) || r.ValueTextEquals("bid_qty"u8) || r.ValueTextEquals("ask_qty"u8);
                }
                else if (r.TokenType == JsonTokenType.Number)
                {
                    int d = FixedPoint.CountDecimals(r.ValueSpan);
                    int g = VenueNumbers.IntegerDigits(r.ValueSpan);
                    if (price && firstPrice) { magnitude = VenueNumbers.Magnitude(r.ValueSpan); firstPrice = false; }
                    if (price) { priceDecimals = Math.Max(priceDecimals, d); priceDigits = Math.Max(priceDigits, g); }
                    else if (qty) { qtyDecimals = Math.Max(qtyDecimals, d); qtyDigits = Math.Max(qtyDigits, g); }
                }
            }
        }
        catch (JsonException)
        {
            // The caller's own pass rejects a malformed frame.
        }
        id = KrakenNumbers.Register(_registry, _venue, symbol, parts, priceDecimals, qtyDecimals, priceDigits, qtyDigits, magnitude);
        return RejectReason.None;
    }
}

/// <summary>ISO-8601 UTC timestamps (<c>2023-10-06T17:35:55.440295Z</c>) to Unix nanoseconds without allocation.</summary>
internal static class KrakenTime
{
    public static bool TryParseIso8601(ReadOnlySpan<byte> s, out long unixNs)
    {
        unixNs = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
        if (!Digits(s[..4], out int year) || !Digits(s.Slice(5, 2), out int month) || !Digits(s.Slice(8, 2), out int day)
            || !Digits(s.Slice(11, 2), out int hour) || !Digits(s.Slice(14, 2), out int minute) || !Digits(s.Slice(17, 2), out int second))
            return false;
        if (month is < 1 or > 12 || day is < 1 or > 31 || hour > 23 || minute > 59 || second > 60) return false;
        int i = 19;
        long fraction = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int digits = 0;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++, digits++)
                if (digits < 9) fraction = fraction * 10 + (s[i] - '0');
            if (digits == 0) return false;
            for (; digits < 9; digits++) fraction *= 10;
        }
        if (i != s.Length - 1 || s[i] != 'Z') return false;
        // Days from civil (proleptic Gregorian), shifted so the year starts in March.
        int y = month <= 2 ? year - 1 : year;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int mp = (month + 9) % 12;
        int doy = (153 * mp + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        long days = era * 146097L + doe - 719468;
        unixNs = ((days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000_000L) + fraction;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (byte b in s)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }
}
