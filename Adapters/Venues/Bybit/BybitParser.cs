using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Bybit;

/// <summary>
/// Parser of one Bybit v5 public connection (spot or linear: the venue given at creation decides how a symbol maps:
/// <c>BTCUSDT</c> is <c>BTC-USDT</c> on <see cref="VenueCatalog.BybitSpot"/> and <c>BTC-USDT-PERP</c> on
/// <see cref="VenueCatalog.BybitLinear"/>).
/// </summary>
/// <remarks>
/// <para><c>orderbook.{depth}.{symbol}</c>: <c>{"topic","type":"snapshot"|"delta","ts","data":{"s","b":[[p,q]],"a":[[p,q]],"u","seq"},"cts"}</c>
/// → BookHeader (Sequence = <c>u</c>, PrevSequence = <c>u</c>-1, FirstSequence = <c>u</c>, HasSequence) + levels.
/// Documented rules applied here: a <c>snapshot</c> resets the book; a delta's <c>u</c> is the previous <c>u</c> + 1
/// (checked by the book keeper, <c>SequenceRule.PrevLinked</c>); a message with <c>u == 1</c> means the service restarted
/// and is a full image that overwrites the book, so it is flagged Snapshot whatever its <c>type</c>; <c>orderbook.1</c>
/// pushes a full one-level image each time, so it is always flagged Snapshot.</para>
/// <para><c>tickers.{symbol}</c>: snapshot then deltas carrying only the fields that changed. The parser keeps the last
/// bid1/ask1 price+size, funding rate/next funding time, mark and index per instrument and emits complete events when
/// a relevant field arrives: Bbo pair (bid then ask), Funding, MarkPrice, IndexPrice. Spot tickers carry none of these
/// (their frames are control).</para>
/// <para><c>publicTrade.{symbol}</c>: Trade per element; <c>S</c> (Buy/Sell) is the taker side; Sequence = the numeric
/// trade id <c>i</c> (spot), 0 when <c>i</c> is a UUID (linear). <c>kline.*</c> and liquidation topics, subscribe and
/// ping acks (<c>{"success":true,"op":...}</c>) are control; <c>success:false</c> is <see cref="RejectReason.VenueError"/>.</para>
/// <para>Allocation: none per frame after warm-up (per-instrument ticker state grows on a cold path). Not thread-safe:
/// one instance per connection.</para>
/// </remarks>
public sealed partial class BybitParser : IFrameParser
{
    private readonly InstrumentRegistry _registry;
    private readonly VenueId _venue;
    private readonly bool _perpetual;
    private TickerState[] _tickers = new TickerState[16];

    public BybitParser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
        _perpetual = venue == VenueCatalog.BybitLinear;
    }

    /// <summary>Frames by outcome and rejections by reason.</summary>
    public ParserCounters Counters { get; } = new();

    /// <summary>Book messages with <c>u == 1</c> (service restart) turned into snapshots.</summary>
    public long Restarts { get; private set; }

    private enum Topic : byte { None, Book, Ticker, Trade, Control, Unknown }

    private struct TickerState
    {
        public long BidPrice, BidSize, AskPrice, AskSize, FundingRate, NextFundingTimeMs;
        public byte BidPriceDecimals, BidSizeDecimals, AskPriceDecimals, AskSizeDecimals;
        public bool HasBidPrice, HasBidSize, HasAskPrice, HasAskSize, HasFunding;
    }

    public ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        int start = output.Count;
        RejectReason reason;
        bool control = false;
        if (source != FrameSource.WebSocket) reason = RejectReason.UnknownChannel;
        else
        {
            if (!ForceReference)
            {
                // Fast path (orderbook, tickers and publicTrade frames of the exact shapes Bybit sends); any deviation
                // parses the frame again below. It checks every byte of a frame it accepts against printable ASCII (or
                // digits and JSON punctuation), so an accepted frame is valid UTF-8 and the validation pass is needed
                // only on the way to the reference path. A ticker frame that emits nothing (a spot ticker) is control,
                // as on the reference path.
                if (TryFast(frame, receiveTimeNs, output)) return Counters.Count(output.Count > start ? ParseResult.Data : ParseResult.Control);
                output.Truncate(start);
                FastFallbacks++;
            }
            if (!Utf8.IsValid(frame))
            {
                output.Truncate(start);
                return Counters.Count(ParseResult.Reject(RejectReason.InvalidUtf8));
            }
            try
            {
                reason = ParseFrame(frame, receiveTimeNs, output, start, out control);
            }
            catch (JsonException)
            {
                reason = RejectReason.InvalidJson;
            }
            if (reason == RejectReason.None)
                return Counters.Count(!control && output.Count > start ? ParseResult.Data : ParseResult.Control);
        }
        output.Truncate(start);
        return Counters.Count(ParseResult.Reject(reason));
    }

    private RejectReason ParseFrame(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, int start, out bool control)
    {
        control = false;
        var r = new Utf8JsonReader(frame);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        var topic = Topic.None;
        int depth = 0;
        ReadOnlySpan<byte> symbol = default;
        int type = 0; // 1 snapshot, 2 delta
        long tsMs = 0, ctsMs = 0;
        bool isOp = false, success = true, sawSuccess = false, sawData = false;
        int headerIndex = -1;
        Utf8JsonReader deferredData = default;
        bool deferred = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("topic"u8))
            {
                r.Read();
                if (!VenueJson.TryGetRaw(ref r, out var t)) return RejectReason.UnexpectedShape;
                topic = ClassifyTopic(t, out depth, out symbol);
                if (topic == Topic.Unknown) return RejectReason.UnknownChannel;
            }
            else if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                type = r.ValueTextEquals("snapshot"u8) ? 1 : r.ValueTextEquals("delta"u8) ? 2 : 3;
            }
            else if (r.ValueTextEquals("data"u8))
            {
                sawData = true;
                if (topic == Topic.None || type == 0)
                {
                    // Key order is not guaranteed (spot klines put "type" first): read "data" once topic and type are known.
                    deferredData = r;
                    deferred = true;
                    r.Read();
                    r.Skip();
                    continue;
                }
                r.Read();
                var reason = ParseData(ref r, topic, depth, symbol, type, frame, receiveTimeNs, output, out headerIndex);
                if (reason != RejectReason.None) return reason;
            }
            else if (r.ValueTextEquals("ts"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out tsMs)) return RejectReason.UnexpectedShape;
            }
            else if (r.ValueTextEquals("cts"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out ctsMs)) return RejectReason.UnexpectedShape;
            }
            else if (r.ValueTextEquals("op"u8))
            {
                isOp = true;
                r.Read();
                r.Skip();
            }
            else if (r.ValueTextEquals("success"u8))
            {
                r.Read();
                if (r.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return RejectReason.UnexpectedShape;
                success = r.TokenType == JsonTokenType.True;
                sawSuccess = true;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (sawSuccess && !success) return RejectReason.VenueError;
        if (topic == Topic.None)
        {
            if (isOp || sawSuccess) { control = true; return RejectReason.None; }
            return RejectReason.MissingField;
        }
        if (topic == Topic.Control) { control = true; return RejectReason.None; }
        if (!sawData || type == 0) return RejectReason.MissingField;
        if (deferred)
        {
            deferredData.Read();
            var reason = ParseData(ref deferredData, topic, depth, symbol, type, frame, receiveTimeNs, output, out headerIndex);
            if (reason != RejectReason.None) return reason;
        }
        long exchangeNs = (ctsMs > 0 ? ctsMs : tsMs) * 1_000_000;
        if (headerIndex >= 0) output[headerIndex].ExchangeTimeNs = exchangeNs;
        else if (topic == Topic.Ticker)
        {
            long tickerNs = tsMs * 1_000_000;
            for (int i = start; i < output.Count; i++) output[i].ExchangeTimeNs = tickerNs;
        }
        return RejectReason.None;
    }

    /// <summary><c>orderbook.50.BTCUSDT</c>, <c>tickers.BTCUSDT</c>, <c>publicTrade.BTCUSDT</c>, <c>kline.1.BTCUSDT</c>.</summary>
    private static Topic ClassifyTopic(ReadOnlySpan<byte> topic, out int depth, out ReadOnlySpan<byte> symbol)
    {
        depth = 0;
        symbol = default;
        int dot = topic.IndexOf((byte)'.');
        if (dot <= 0) return Topic.Unknown;
        var head = topic[..dot];
        var rest = topic[(dot + 1)..];
        if (head.SequenceEqual("orderbook"u8))
        {
            int dot2 = rest.IndexOf((byte)'.');
            if (dot2 <= 0 || !VenueJson.TryParseInt64(rest[..dot2], out long d) || d > 1000) return Topic.Unknown;
            depth = (int)d;
            symbol = rest[(dot2 + 1)..];
            return symbol.IsEmpty ? Topic.Unknown : Topic.Book;
        }
        if (head.SequenceEqual("tickers"u8)) { symbol = rest; return rest.IsEmpty ? Topic.Unknown : Topic.Ticker; }
        if (head.SequenceEqual("publicTrade"u8)) { symbol = rest; return rest.IsEmpty ? Topic.Unknown : Topic.Trade; }
        if (head.SequenceEqual("kline"u8) || head.SequenceEqual("allLiquidation"u8) || head.SequenceEqual("liquidation"u8)
            || head.SequenceEqual("kline_lt"u8) || head.SequenceEqual("tickers_lt"u8) || head.SequenceEqual("lt"u8)
            || head.SequenceEqual("insurance"u8)) return Topic.Control;
        return Topic.Unknown;
    }

    private RejectReason ParseData(ref Utf8JsonReader r, Topic topic, int depth, ReadOnlySpan<byte> symbol, int type, ReadOnlySpan<byte> frame,
        long receiveTimeNs, MarketEventBatch output, out int headerIndex)
    {
        headerIndex = -1;
        switch (topic)
        {
            case Topic.Book:
            {
                var reason = ResolveSymbol(symbol, frame, out var instrument);
                if (reason != RejectReason.None) return reason;
                headerIndex = output.Count;
                return ParseBook(ref r, instrument, depth, type, receiveTimeNs, output);
            }
            case Topic.Ticker:
                return ParseTicker(ref r, frame, receiveTimeNs, output);
            case Topic.Trade:
                return ParseTrades(ref r, frame, receiveTimeNs, output);
            default:
                r.Skip();
                return RejectReason.None;
        }
    }

    // {"s":"BTCUSDT","b":[["65095.30","0.005"],...],"a":[...],"u":15076953,"seq":753843913870}
    private RejectReason ParseBook(ref Utf8JsonReader r, InstrumentId instrument, int depth, int type, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        if (type == 3) return RejectReason.UnexpectedShape;
        int headerIndex = output.Count;
        output.Add();
        var inst = _registry[instrument];
        long u = -1;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            Side side;
            if (r.ValueTextEquals("b"u8)) side = Side.Bid;
            else if (r.ValueTextEquals("a"u8)) side = Side.Ask;
            else if (r.ValueTextEquals("u"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out u) || u < 1) return RejectReason.UnexpectedShape;
                continue;
            }
            else
            {
                r.Read();
                r.Skip();
                continue;
            }
            r.Read();
            if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
                r.Read();
                if (!VenueJson.TryGetRaw(ref r, out var price)) return RejectReason.UnexpectedShape;
                r.Read();
                if (!VenueJson.TryGetRaw(ref r, out var size)) return RejectReason.UnexpectedShape;
                if (!r.Read() || r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
                ref var e = ref output.Add();
                var reason = VenueJson.ParseUnsigned(price, inst.PriceScale, out e.Price, out e.PriceDecimals);
                if (reason != RejectReason.None) return reason;
                reason = VenueJson.ParseUnsigned(size, inst.QuantityScale, out e.Size, out e.SizeDecimals);
                if (reason != RejectReason.None) return reason;
                e.Kind = MarketEventKind.BookLevel;
                e.Side = side;
                e.Venue = _venue;
                e.Instrument = instrument;
                e.ReceiveTimeNs = receiveTimeNs;
            }
        }
        if (u < 0) return RejectReason.MissingField;
        ref var h = ref output[headerIndex];
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = instrument;
        h.ReceiveTimeNs = receiveTimeNs;
        h.Sequence = u;
        h.PrevSequence = u - 1;
        h.FirstSequence = u;
        h.Flags = MarketEventFlags.HasSequence;
        if (type == 1 || depth == 1) h.Flags |= MarketEventFlags.Snapshot;
        else if (u == 1) RestartSlow(ref h);
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    /// <summary>Bybit v5 orderbook doc: "u=1" after a service restart is a full image that overwrites the local book.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RestartSlow(ref MarketEvent header)
    {
        Restarts++;
        header.Flags |= MarketEventFlags.Snapshot;
    }

    /// <summary>The members of a ticker's data object the parser reads (raw scalar texts; empty when absent).</summary>
    private ref struct TickerFields
    {
        public ReadOnlySpan<byte> Symbol, BidPrice, BidSize, AskPrice, AskSize, Mark, Index, Funding, NextFunding;
    }

    // {"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.054","ask1Price":..,"ask1Size":..,"markPrice":..,"indexPrice":..,
    //  "fundingRate":"0.0001","nextFundingTime":"1786320000000",...}
    private RejectReason ParseTicker(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        var f = new TickerFields();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            ref ReadOnlySpan<byte> target = ref f.Symbol;
            if (r.ValueTextEquals("symbol"u8)) target = ref f.Symbol;
            else if (r.ValueTextEquals("bid1Price"u8)) target = ref f.BidPrice;
            else if (r.ValueTextEquals("bid1Size"u8)) target = ref f.BidSize;
            else if (r.ValueTextEquals("ask1Price"u8)) target = ref f.AskPrice;
            else if (r.ValueTextEquals("ask1Size"u8)) target = ref f.AskSize;
            else if (r.ValueTextEquals("markPrice"u8)) target = ref f.Mark;
            else if (r.ValueTextEquals("indexPrice"u8)) target = ref f.Index;
            else if (r.ValueTextEquals("fundingRate"u8)) target = ref f.Funding;
            else if (r.ValueTextEquals("nextFundingTime"u8)) target = ref f.NextFunding;
            else
            {
                r.Read();
                r.Skip();
                continue;
            }
            r.Read();
            if (!VenueJson.TryGetRawScalar(ref r, out target)) return RejectReason.UnexpectedShape;
        }
        if (f.Symbol.IsEmpty) return RejectReason.MissingField;
        var reason = ResolveSymbol(f.Symbol, frame, out var instrument);
        if (reason != RejectReason.None) return reason;
        return TickerEvents(instrument, f, receiveTimeNs, output);
    }

    /// <summary>Updates the instrument's kept ticker state from <paramref name="f"/> and emits the events (shared by the
    /// reference path and the fast path, so both emit the same events): the state is written only when every number
    /// parsed, and nothing is emitted on a reject.</summary>
    private RejectReason TickerEvents(InstrumentId instrument, scoped in TickerFields f, long receiveTimeNs, MarketEventBatch output)
    {
        RejectReason reason;
        var inst = _registry[instrument];
        if ((uint)instrument.Value >= (uint)_tickers.Length) GrowTickersSlow(instrument.Value);
        // Parse everything into a copy first: a rejected frame must leave the kept state untouched.
        var s = _tickers[instrument.Value];
        if (!f.BidPrice.IsEmpty) { if ((reason = VenueJson.ParseUnsigned(f.BidPrice, inst.PriceScale, out s.BidPrice, out s.BidPriceDecimals)) != RejectReason.None) return reason; s.HasBidPrice = true; }
        if (!f.BidSize.IsEmpty) { if ((reason = VenueJson.ParseUnsigned(f.BidSize, inst.QuantityScale, out s.BidSize, out s.BidSizeDecimals)) != RejectReason.None) return reason; s.HasBidSize = true; }
        if (!f.AskPrice.IsEmpty) { if ((reason = VenueJson.ParseUnsigned(f.AskPrice, inst.PriceScale, out s.AskPrice, out s.AskPriceDecimals)) != RejectReason.None) return reason; s.HasAskPrice = true; }
        if (!f.AskSize.IsEmpty) { if ((reason = VenueJson.ParseUnsigned(f.AskSize, inst.QuantityScale, out s.AskSize, out s.AskSizeDecimals)) != RejectReason.None) return reason; s.HasAskSize = true; }
        if (!f.Funding.IsEmpty)
        {
            var status = FixedPoint.TryParse(f.Funding, MarketEvent.FundingRateScale, out s.FundingRate, out _);
            if (status != NumberParseStatus.Ok) return VenueJson.ToReject(status);
            s.HasFunding = true;
        }
        if (!f.NextFunding.IsEmpty && !VenueJson.TryParseInt64(f.NextFunding, out s.NextFundingTimeMs)) return RejectReason.BadNumber;
        long markPrice = 0, indexPrice = 0;
        byte markDecimals = 0, indexDecimals = 0;
        if (!f.Mark.IsEmpty && (reason = VenueJson.ParseUnsigned(f.Mark, inst.PriceScale, out markPrice, out markDecimals)) != RejectReason.None) return reason;
        if (!f.Index.IsEmpty && (reason = VenueJson.ParseUnsigned(f.Index, inst.PriceScale, out indexPrice, out indexDecimals)) != RejectReason.None) return reason;
        _tickers[instrument.Value] = s;

        bool bboChanged = !f.BidPrice.IsEmpty || !f.BidSize.IsEmpty || !f.AskPrice.IsEmpty || !f.AskSize.IsEmpty;
        if (bboChanged && s.HasBidPrice && s.HasBidSize && s.HasAskPrice && s.HasAskSize)
        {
            ref var bid = ref Add(output, MarketEventKind.Bbo, instrument, receiveTimeNs);
            bid.Side = Side.Bid;
            bid.Price = s.BidPrice; bid.PriceDecimals = s.BidPriceDecimals;
            bid.Size = s.BidSize; bid.SizeDecimals = s.BidSizeDecimals;
            bid.Flags = MarketEventFlags.None;
            ref var ask = ref Add(output, MarketEventKind.Bbo, instrument, receiveTimeNs);
            ask.Side = Side.Ask;
            ask.Price = s.AskPrice; ask.PriceDecimals = s.AskPriceDecimals;
            ask.Size = s.AskSize; ask.SizeDecimals = s.AskSizeDecimals;
        }
        if ((!f.Funding.IsEmpty || !f.NextFunding.IsEmpty) && s.HasFunding)
        {
            ref var fe = ref Add(output, MarketEventKind.Funding, instrument, receiveTimeNs);
            fe.FundingRate = s.FundingRate;
            fe.NextFundingTimeMs = s.NextFundingTimeMs;
        }
        if (!f.Mark.IsEmpty)
        {
            ref var m = ref Add(output, MarketEventKind.MarkPrice, instrument, receiveTimeNs);
            m.Price = markPrice;
            m.PriceDecimals = markDecimals;
        }
        if (!f.Index.IsEmpty)
        {
            ref var x = ref Add(output, MarketEventKind.IndexPrice, instrument, receiveTimeNs);
            x.Price = indexPrice;
            x.PriceDecimals = indexDecimals;
        }
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref MarketEvent Add(MarketEventBatch output, MarketEventKind kind, InstrumentId instrument, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = kind;
        e.Venue = _venue;
        e.Instrument = instrument;
        e.ReceiveTimeNs = receiveTimeNs;
        e.Sequence = -1;
        if (kind != MarketEventKind.Funding) e.PrevSequence = -1;
        e.Flags = MarketEventFlags.EndOfMessage;
        return ref e;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowTickersSlow(int index) => Array.Resize(ref _tickers, Math.Max(index + 1, _tickers.Length * 2));

    // [{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","i":"a9188a0a-...","seq":753843954913,...}]
    private RejectReason ParseTrades(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
            ReadOnlySpan<byte> symbol = default, side = default, size = default, price = default, id = default, time = default;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                ref ReadOnlySpan<byte> target = ref symbol;
                if (r.ValueTextEquals("s"u8)) target = ref symbol;
                else if (r.ValueTextEquals("S"u8)) target = ref side;
                else if (r.ValueTextEquals("v"u8)) target = ref size;
                else if (r.ValueTextEquals("p"u8)) target = ref price;
                else if (r.ValueTextEquals("i"u8)) target = ref id;
                else if (r.ValueTextEquals("T"u8)) target = ref time;
                else
                {
                    r.Read();
                    r.Skip();
                    continue;
                }
                r.Read();
                if (!VenueJson.TryGetRawScalar(ref r, out target)) return RejectReason.UnexpectedShape;
            }
            if (symbol.IsEmpty || side.IsEmpty || size.IsEmpty || price.IsEmpty) return RejectReason.MissingField;
            var reason = ResolveSymbol(symbol, frame, out var instrument);
            if (reason != RejectReason.None) return reason;
            if ((reason = TradeEvent(instrument, side, size, price, id, time, receiveTimeNs, output)) != RejectReason.None) return reason;
        }
        return RejectReason.None;
    }

    /// <summary>One trade element's event from its raw member texts (shared by the reference path and the fast path).</summary>
    private RejectReason TradeEvent(InstrumentId instrument, ReadOnlySpan<byte> side, ReadOnlySpan<byte> size, ReadOnlySpan<byte> price,
        ReadOnlySpan<byte> id, ReadOnlySpan<byte> time, long receiveTimeNs, MarketEventBatch output)
    {
        RejectReason reason;
        var inst = _registry[instrument];
        ref var e = ref Add(output, MarketEventKind.Trade, instrument, receiveTimeNs);
        if ((reason = VenueJson.ParseUnsigned(price, inst.PriceScale, out e.Price, out e.PriceDecimals)) != RejectReason.None) return reason;
        if ((reason = VenueJson.ParseUnsigned(size, inst.QuantityScale, out e.Size, out e.SizeDecimals)) != RejectReason.None) return reason;
        if (side.SequenceEqual("Buy"u8)) e.Side = Side.Bid;
        else if (side.SequenceEqual("Sell"u8)) e.Side = Side.Ask;
        else return RejectReason.UnexpectedShape;
        e.Sequence = VenueJson.TryParseId(id, out long tradeId) ? tradeId : 0;
        if (!time.IsEmpty)
        {
            if (!VenueJson.TryParseInt64(time, out long ms)) return RejectReason.BadNumber;
            e.ExchangeTimeNs = ms * 1_000_000;
        }
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RejectReason ResolveSymbol(ReadOnlySpan<byte> symbol, ReadOnlySpan<byte> frame, out InstrumentId instrument)
    {
        if (_registry.TryGet(_venue, symbol, out instrument)) return RejectReason.None;
        return VenueJson.TryRegisterSlow(_registry, _venue, symbol, SymbolStyle.Concatenated, _perpetual, frame, ClassifyNumber, out instrument)
            ? RejectReason.None
            : RejectReason.UnknownSymbol;
    }

    private static VenueJson.NumberRole ClassifyNumber(string property, int index) => property switch
    {
        "b" or "a" => index == 0 ? VenueJson.NumberRole.Price : index == 1 ? VenueJson.NumberRole.Size : VenueJson.NumberRole.None,
        "bid1Price" or "ask1Price" or "markPrice" or "indexPrice" or "lastPrice" or "p" => VenueJson.NumberRole.Price,
        "bid1Size" or "ask1Size" or "v" => VenueJson.NumberRole.Size,
        _ => VenueJson.NumberRole.None,
    };
}
