using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Binance;

/// <summary>
/// Parses Binance spot, USD-M and COIN-M market-data frames (combined-stream <c>{"stream":..,"data":{..}}</c> and raw
/// stream frames) and REST depth snapshot bodies into <see cref="MarketEvent"/>s.
/// </summary>
/// <remarks>
/// <para>One instance per connection, single-threaded. Zero allocation per frame once every symbol was seen once
/// (an unknown symbol's first sighting registers it on a <c>...Slow</c> path).</para>
/// <para>Emitted events: <c>depthUpdate</c> → BookHeader (HasSequence; Sequence = <c>u</c>; spot: FirstSequence = <c>U</c>,
/// PrevSequence = <c>U</c>-1; futures: PrevSequence = <c>pu</c>, FirstSequence = <c>pu</c>+1) + BookLevels; REST snapshot → BookHeader
/// (Snapshot|RestSnapshot|HasSequence, Sequence = <c>lastUpdateId</c>) + BookLevels; <c>bookTicker</c> → Bbo bid + ask
/// (HasSequence, Sequence = <c>u</c>); <c>trade</c>/<c>aggTrade</c> → Trade (aggressor side from <c>m</c>);
/// <c>markPriceUpdate</c> → Funding (<c>r</c>, <c>T</c>), MarkPrice (<c>p</c>), IndexPrice (<c>i</c>).
/// Subscription acks and unused streams (<c>kline</c>, tickers) are <see cref="FrameStatus.Control"/>.</para>
/// <para>Exchange time: the transaction time <c>T</c> where the message has one (futures book, trades, futures
/// bookTicker), else the event time <c>E</c>; spot bookTicker and spot REST snapshots carry neither (0).</para>
/// </remarks>
public sealed partial class BinanceParser : IFrameParser
{
    /// <summary>Frames larger than this are rejected unread (a 5000-level spot REST snapshot is about 350 KB).</summary>
    public const int MaxFrameBytes = 4 << 20;

    private const int MaxSymbolBytes = 32;

    private readonly VenueId _venue;
    private readonly InstrumentRegistry _registry;
    private readonly bool _futures;
    private readonly long[] _rejects = new long[32];

    // The one symbol this connection has carried (REST bodies without a symbol belong to it); ambiguous once two were seen.
    private InstrumentId _connectionInstrument = InstrumentId.None;
    private bool _connectionAmbiguous;

    // Books this connection has carried (indexed by instrument id), for Invalidate on reconnect.
    private bool[] _carried = new bool[16];

    // Last resolved instrument (scales), so the registry's instrument table is not read per level.
    private InstrumentId _cachedId = InstrumentId.None;
    private int _cachedPriceScale;
    private int _cachedQuantityScale;

    public BinanceParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl = null)
    {
        if (venue != VenueCatalog.Binance && venue != VenueCatalog.BinanceFutures && venue != VenueCatalog.BinanceCoinM)
            throw new ArgumentException($"venue '{venue}' is not a Binance venue", nameof(venue));
        _venue = venue;
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _futures = venue != VenueCatalog.Binance;
        ConnectionUrl = connectionUrl;
    }

    public VenueId Venue => _venue;
    public string? ConnectionUrl { get; }

    /// <summary>Frames that produced events.</summary>
    public long DataFrames { get; private set; }
    /// <summary>Acks, heartbeats and streams FastEngine does not use (kline, tickers).</summary>
    public long ControlFrames { get; private set; }
    /// <summary>Rejected frames, all reasons.</summary>
    public long RejectedFrames { get; private set; }
    /// <summary>Rejected frames with <paramref name="reason"/>.</summary>
    public long RejectCount(RejectReason reason) => _rejects[(int)reason & 31];
    /// <summary>Why the last frame was rejected, in words (a literal: no allocation), or null.</summary>
    public string? LastRejectDetail { get; private set; }

    /// <inheritdoc />
    public ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        int start = output.Count;
        if (frame.Length > MaxFrameBytes) return RejectSlow(output, start, RejectReason.Oversize, "frame larger than MaxFrameBytes");
        if (frame.IsEmpty) return RejectSlow(output, start, RejectReason.InvalidJson, "empty frame");
        FrameStatus status;
        if (!ForceReference)
        {
            if (TryFast(frame, url, receiveTimeNs, output, out status))
            {
                LastRejectDetail = null;
                if (status == FrameStatus.Control) { ControlFrames++; return ParseResult.Control; }
                DataFrames++;
                return ParseResult.Data;
            }
            output.Truncate(start);
            FastFallbacks++;
        }
        RejectReason reason;
        try
        {
            var ctx = new Context(frame, url, receiveTimeNs, output);
            reason = ParseFrame(ref ctx, out status);
            if (reason != RejectReason.None) return RejectSlow(output, start, reason, ctx.Detail);
        }
        catch (JsonException)
        {
            return RejectSlow(output, start, RejectReason.InvalidJson, "malformed or truncated JSON");
        }
        catch (InvalidOperationException)
        {
            return RejectSlow(output, start, RejectReason.InvalidJson, "malformed JSON token");
        }
        LastRejectDetail = null;
        if (status == FrameStatus.Control) { ControlFrames++; return ParseResult.Control; }
        DataFrames++;
        return ParseResult.Data;
    }

    /// <summary>
    /// The connection dropped or was resubscribed: appends one <see cref="MarketEventKind.BookInvalidate"/> per book this
    /// connection carried (their diff chain is broken; each waits for a new REST snapshot) and forgets the connection's
    /// symbol. Cold path.
    /// </summary>
    public void Invalidate(MarketEventBatch output, InvalidateReason reason, long receiveTimeNs)
    {
        for (int i = 0; i < _carried.Length; i++)
        {
            if (!_carried[i]) continue;
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.BookInvalidate;
            e.Venue = _venue;
            e.Instrument = new InstrumentId(i);
            e.Reason = reason;
            e.ReceiveTimeNs = receiveTimeNs;
            e.Flags = MarketEventFlags.EndOfMessage;
        }
        _connectionInstrument = InstrumentId.None;
        _connectionAmbiguous = false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MarkCarriedSlow(InstrumentId id)
    {
        if (id.Value >= _carried.Length) Array.Resize(ref _carried, Math.Max(id.Value + 1, _carried.Length * 2));
        _carried[id.Value] = true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ParseResult RejectSlow(MarketEventBatch output, int start, RejectReason reason, string? detail)
    {
        output.Truncate(start);
        RejectedFrames++;
        _rejects[(int)reason & 31]++;
        LastRejectDetail = detail ?? reason.ToString();
        return ParseResult.Reject(reason);
    }

    // ---------------------------------------------------------------- frame structure

    private enum EventKind : byte { None, Depth, BookTicker, Trade, AggTrade, MarkPrice, Ignored, Unknown }

    /// <summary>Per-frame inputs and outputs passed by ref (no closure, no allocation).</summary>
    private ref struct Context(ReadOnlySpan<byte> frame, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        public readonly ReadOnlySpan<byte> Frame = frame;
        public readonly string? Url = url;
        public readonly long ReceiveTimeNs = receiveTimeNs;
        public readonly MarketEventBatch Output = output;
        public string? Detail;
    }

    /// <summary>The fields of one JSON object (the frame, or its <c>data</c>), captured in one pass in any key order.</summary>
    private ref struct Fields
    {
        public EventKind Kind;
        public bool HasEventTime, HasTransactTime, HasFirst, HasLast, HasPrev, HasLastUpdateId, HasTradeId, HasAggId, HasMaker;
        public long EventTime, TransactTime, First, Last, Prev, LastUpdateId, TradeId, AggId;
        public bool BuyerIsMaker;
        public bool HasSymbol, HasBodySymbol;
        public ReadOnlySpan<byte> Symbol;       // "s"
        public ReadOnlySpan<byte> BodySymbol;   // "symbol" (COIN-M REST snapshot)
        public ReadOnlySpan<byte> BidText, BidQty, AskText, AskQty, P, Q, R, I; // bookTicker b/B/a/A; trade & mark p/q; r; i
        public bool HasResult, HasId, HasCode, HasError, HasStream, HasData;
        public bool HasBids, HasAsks, SnapshotLevels;
        // Level arrays met before the instrument was known: re-read from these copies once it is.
        public bool DeferBids, DeferAsks;
        public Utf8JsonReader DeferredBids, DeferredAsks;
        public int HeaderIndex;
        public InstrumentId Instrument;
    }

    private RejectReason ParseFrame(ref Context ctx, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var reader = new Utf8JsonReader(ctx.Frame, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Shape(ref ctx, "frame is not a JSON object");
        var top = new Fields { HeaderIndex = -1, Instrument = InstrumentId.None };
        var data = new Fields { HeaderIndex = -1, Instrument = InstrumentId.None };
        var reason = ReadObject(ref reader, ref ctx, ref top, ref data, allowData: true);
        if (reason != RejectReason.None) return reason;
        if (reader.Read()) return Shape(ref ctx, "trailing data after the JSON object");

        if (top.HasData) return Emit(ref ctx, ref data, wrapped: true, out status);
        if (top.HasCode || top.HasError)
        {
            ctx.Detail = "venue error message ({\"code\",\"msg\"} or {\"error\"})";
            return RejectReason.VenueError;
        }
        if (top.HasLastUpdateId || top.HasBids || top.HasAsks || top.Kind != EventKind.None || top.HasFirst || top.HasLast)
            return Emit(ref ctx, ref top, wrapped: false, out status);
        if (top.HasResult || top.HasId)
        {
            status = FrameStatus.Control; // {"result":null,"id":1}: subscription ack
            return RejectReason.None;
        }
        if (top.HasStream) return Missing(ref ctx, "combined-stream frame without \"data\"");
        return Shape(ref ctx, "object is no Binance message");
    }

    /// <summary>Reads the object the reader is on (StartObject) up to its EndObject.</summary>
    private RejectReason ReadObject(ref Utf8JsonReader r, ref Context ctx, scoped ref Fields f, scoped ref Fields data, bool allowData)
    {
        while (true)
        {
            if (!r.Read()) return Truncated(ref ctx);
            if (r.TokenType == JsonTokenType.EndObject) return RejectReason.None;
            // PropertyName. Binance never escapes its keys; an escaped key is an unknown key.
            var key = r.ValueIsEscaped ? default : r.ValueSpan;
            if (!r.Read()) return Truncated(ref ctx);
            var t = r.TokenType;
            RejectReason reason = RejectReason.None;
            switch (key.Length)
            {
                case 1:
                    switch (key[0])
                    {
                        case (byte)'e':
                            if (t != JsonTokenType.String) return Shape(ref ctx, "\"e\" is not a string");
                            f.Kind = KindOf(r.ValueSpan);
                            break;
                        case (byte)'E': reason = Int(ref r, ref ctx, out f.EventTime, out f.HasEventTime); break;
                        case (byte)'T': reason = Int(ref r, ref ctx, out f.TransactTime, out f.HasTransactTime); break;
                        case (byte)'U': reason = Int(ref r, ref ctx, out f.First, out f.HasFirst); break;
                        case (byte)'u': reason = Int(ref r, ref ctx, out f.Last, out f.HasLast); break;
                        case (byte)'t': reason = Int(ref r, ref ctx, out f.TradeId, out f.HasTradeId); break;
                        case (byte)'s':
                            if (t != JsonTokenType.String || r.ValueIsEscaped) return Shape(ref ctx, "\"s\" is not a plain string");
                            f.Symbol = r.ValueSpan; f.HasSymbol = true;
                            break;
                        case (byte)'b':
                            if (t == JsonTokenType.StartArray) { f.HasBids = true; reason = Levels(ref r, ref ctx, ref f, Side.Bid); }
                            else if (IsPlainString(ref r)) f.BidText = r.ValueSpan; else return NotText(ref ctx);
                            break;
                        case (byte)'a':
                            if (t == JsonTokenType.StartArray) { f.HasAsks = true; reason = Levels(ref r, ref ctx, ref f, Side.Ask); }
                            else if (t == JsonTokenType.Number) reason = Int(ref r, ref ctx, out f.AggId, out f.HasAggId);
                            else if (IsPlainString(ref r)) f.AskText = r.ValueSpan; else return NotText(ref ctx);
                            break;
                        case (byte)'B': if (IsPlainString(ref r)) f.BidQty = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'A': if (IsPlainString(ref r)) f.AskQty = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'p': if (IsPlainString(ref r)) f.P = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'q': if (IsPlainString(ref r)) f.Q = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'r': if (IsPlainString(ref r)) f.R = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'i': if (IsPlainString(ref r)) f.I = r.ValueSpan; else return NotText(ref ctx); break;
                        case (byte)'m':
                            if (t == JsonTokenType.True) f.BuyerIsMaker = true;
                            else if (t == JsonTokenType.False) f.BuyerIsMaker = false;
                            else return Shape(ref ctx, "\"m\" is not a boolean");
                            f.HasMaker = true;
                            break;
                        default: r.Skip(); break;
                    }
                    break;
                case 2 when key[0] == (byte)'p' && key[1] == (byte)'u':
                    reason = Int(ref r, ref ctx, out f.Prev, out f.HasPrev);
                    break;
                case 2 when key[0] == (byte)'i' && key[1] == (byte)'d':
                    f.HasId = true; r.Skip();
                    break;
                default:
                    if (key.SequenceEqual("lastUpdateId"u8)) reason = Int(ref r, ref ctx, out f.LastUpdateId, out f.HasLastUpdateId);
                    else if (key.SequenceEqual("bids"u8))
                    {
                        if (t != JsonTokenType.StartArray) return Shape(ref ctx, "\"bids\" is not an array");
                        f.HasBids = true; f.SnapshotLevels = true;
                        reason = Levels(ref r, ref ctx, ref f, Side.Bid);
                    }
                    else if (key.SequenceEqual("asks"u8))
                    {
                        if (t != JsonTokenType.StartArray) return Shape(ref ctx, "\"asks\" is not an array");
                        f.HasAsks = true; f.SnapshotLevels = true;
                        reason = Levels(ref r, ref ctx, ref f, Side.Ask);
                    }
                    else if (key.SequenceEqual("data"u8) && allowData)
                    {
                        if (t != JsonTokenType.StartObject) return Shape(ref ctx, "\"data\" is not an object");
                        f.HasData = true;
                        reason = ReadObject(ref r, ref ctx, ref data, ref data, allowData: false);
                    }
                    else if (key.SequenceEqual("stream"u8)) { f.HasStream = true; r.Skip(); }
                    else if (key.SequenceEqual("symbol"u8))
                    {
                        if (t != JsonTokenType.String || r.ValueIsEscaped) return Shape(ref ctx, "\"symbol\" is not a plain string");
                        f.BodySymbol = r.ValueSpan; f.HasBodySymbol = true;
                    }
                    else if (key.SequenceEqual("result"u8)) { f.HasResult = true; r.Skip(); }
                    else if (key.SequenceEqual("code"u8)) { f.HasCode = true; r.Skip(); }
                    else if (key.SequenceEqual("error"u8)) { f.HasError = true; r.Skip(); }
                    else r.Skip();
                    break;
            }
            if (reason != RejectReason.None) return reason;
        }
    }

    private static EventKind KindOf(ReadOnlySpan<byte> e)
    {
        if (e.SequenceEqual("depthUpdate"u8)) return EventKind.Depth;
        if (e.SequenceEqual("bookTicker"u8)) return EventKind.BookTicker;
        if (e.SequenceEqual("trade"u8)) return EventKind.Trade;
        if (e.SequenceEqual("aggTrade"u8)) return EventKind.AggTrade;
        if (e.SequenceEqual("markPriceUpdate"u8)) return EventKind.MarkPrice;
        if (e.SequenceEqual("kline"u8) || e.SequenceEqual("continuous_kline"u8) || e.SequenceEqual("indexPrice_kline"u8)
            || e.SequenceEqual("markPrice_kline"u8) || e.SequenceEqual("24hrTicker"u8) || e.SequenceEqual("24hrMiniTicker"u8)
            || e.SequenceEqual("1hTicker"u8) || e.SequenceEqual("4hTicker"u8) || e.SequenceEqual("1dTicker"u8)
            || e.SequenceEqual("forceOrder"u8) || e.SequenceEqual("indexPriceUpdate"u8) || e.SequenceEqual("compositeIndex"u8)
            || e.SequenceEqual("contractInfo"u8) || e.SequenceEqual("assetIndexUpdate"u8) || e.SequenceEqual("serverShutdown"u8))
            return EventKind.Ignored;
        return EventKind.Unknown;
    }

    // ---------------------------------------------------------------- emitting

    private RejectReason Emit(ref Context ctx, scoped ref Fields f, bool wrapped, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var kind = f.Kind;
        if (kind == EventKind.None)
        {
            // Unwrapped {"lastUpdateId",...} = REST snapshot (the N-format recorder stores it among the stream frames).
            // Wrapped ones come from partial-depth streams (btcusdt@depth5), which FastEngine does not use.
            if (f.HasLastUpdateId || f.SnapshotLevels)
            {
                if (wrapped) { status = FrameStatus.Control; return RejectReason.None; }
                return EmitSnapshot(ref ctx, ref f);
            }
            // Spot bookTicker has no "e": {"u","s","b","B","a","A"}.
            if (f.HasLast && !f.BidText.IsEmpty) kind = EventKind.BookTicker;
            else return Shape(ref ctx, "event without \"e\" that is neither a bookTicker nor a depth snapshot");
        }
        switch (kind)
        {
            case EventKind.Depth: return EmitDepth(ref ctx, ref f);
            case EventKind.BookTicker: return EmitBbo(ref ctx, ref f);
            case EventKind.Trade:
            case EventKind.AggTrade: return EmitTrade(ref ctx, ref f, kind);
            case EventKind.MarkPrice: return EmitMark(ref ctx, ref f);
            case EventKind.Ignored:
                status = FrameStatus.Control;
                return RejectReason.None;
            default:
                ctx.Detail = "unknown event type \"e\"";
                return RejectReason.UnknownChannel;
        }
    }

    private RejectReason EmitDepth(ref Context ctx, scoped ref Fields f)
    {
        if (!f.HasSymbol) return Missing(ref ctx, "depthUpdate without \"s\"");
        if (!f.HasFirst || !f.HasLast) return Missing(ref ctx, "depthUpdate without \"U\"/\"u\"");
        if (_futures && !f.HasPrev) return Missing(ref ctx, "futures depthUpdate without \"pu\"");
        if (f.First > f.Last || f.First < 0) return Shape(ref ctx, "depthUpdate with U > u");
        if (_futures && f.Prev >= f.First) return Shape(ref ctx, "futures depthUpdate with pu >= U");
        if (!f.HasBids || !f.HasAsks) return Missing(ref ctx, "depthUpdate without \"b\"/\"a\"");
        var reason = ResolveEvent(ref ctx, ref f);
        if (reason != RejectReason.None) return reason;
        reason = FlushDeferred(ref ctx, ref f);
        if (reason != RejectReason.None) return reason;
        reason = ExchangeTime(ref ctx, ref f, preferTransact: true, out long exchangeNs);
        if (reason != RejectReason.None) return reason;
        ref var h = ref Header(ref ctx, ref f);
        h.Flags = MarketEventFlags.HasSequence;
        h.Sequence = f.Last;
        if (_futures)
        {
            // Futures send the previous event's u as "pu"; update ids are shared by all symbols, so U is usually far
            // above pu + 1 and ids in between belong to other books. The message therefore accounts for (pu, u]:
            // FirstSequence = pu + 1. Binance's futures bridge ("drop u < lastUpdateId, first event U <= lastUpdateId
            // <= u") then holds under BookKeeper's rule (drop u <= lastUpdateId, apply FirstSequence <= lastUpdateId + 1)
            // also when u == lastUpdateId: that event is dropped as contained and the next one (pu == lastUpdateId)
            // bridges. Taking U here fails that case (3 of the 4 books of the 2021 USD-M capture).
            h.PrevSequence = f.Prev;
            h.FirstSequence = f.Prev + 1;
        }
        else
        {
            // Spot ids are contiguous per book: the first event after the snapshot has U <= lastUpdateId + 1 <= u,
            // then each U == previous u + 1.
            h.PrevSequence = f.First - 1;
            h.FirstSequence = f.First;
        }
        h.ExchangeTimeNs = exchangeNs;
        StampLevels(ref ctx, f.HeaderIndex, exchangeNs);
        MarkEnd(ctx.Output);
        return RejectReason.None;
    }

    private RejectReason EmitSnapshot(ref Context ctx, scoped ref Fields f)
    {
        if (!f.HasLastUpdateId) return Missing(ref ctx, "depth snapshot without \"lastUpdateId\"");
        if (!f.HasBids || !f.HasAsks) return Missing(ref ctx, "depth snapshot without \"bids\"/\"asks\"");
        if (f.LastUpdateId < 0) return Shape(ref ctx, "negative lastUpdateId");
        if (f.Instrument.IsNone)
        {
            var reason = ResolveSnapshotInstrument(ref ctx, ref f);
            if (reason != RejectReason.None) return reason;
        }
        var r2 = FlushDeferred(ref ctx, ref f);
        if (r2 != RejectReason.None) return r2;
        r2 = ExchangeTime(ref ctx, ref f, preferTransact: true, out long exchangeNs);
        if (r2 != RejectReason.None) return r2;
        ref var h = ref Header(ref ctx, ref f);
        h.Flags = MarketEventFlags.Snapshot | MarketEventFlags.RestSnapshot | MarketEventFlags.HasSequence;
        h.Sequence = f.LastUpdateId;
        h.FirstSequence = f.LastUpdateId;
        h.PrevSequence = -1;
        h.ExchangeTimeNs = exchangeNs;
        StampLevels(ref ctx, f.HeaderIndex, exchangeNs);
        MarkEnd(ctx.Output);
        return RejectReason.None;
    }

    private RejectReason EmitBbo(ref Context ctx, scoped ref Fields f)
    {
        if (!f.HasSymbol) return Missing(ref ctx, "bookTicker without \"s\"");
        if (!f.HasLast) return Missing(ref ctx, "bookTicker without \"u\"");
        if (f.BidText.IsEmpty || f.BidQty.IsEmpty || f.AskText.IsEmpty || f.AskQty.IsEmpty) return Missing(ref ctx, "bookTicker without b/B/a/A");
        var reason = ResolveEvent(ref ctx, ref f);
        if (reason != RejectReason.None) return reason;
        reason = ExchangeTime(ref ctx, ref f, preferTransact: true, out long exchangeNs);
        if (reason != RejectReason.None) return reason;
        for (int i = 0; i < 2; i++)
        {
            bool bid = i == 0;
            reason = Number(ref ctx, bid ? f.BidText : f.AskText, _cachedPriceScale, out long price, out byte pd, positive: true);
            if (reason != RejectReason.None) return reason;
            reason = Number(ref ctx, bid ? f.BidQty : f.AskQty, _cachedQuantityScale, out long size, out byte sd, positive: false);
            if (reason != RejectReason.None) return reason;
            AddBbo(ctx.Output, f.Instrument, bid ? Side.Bid : Side.Ask, price, pd, size, sd, f.Last, MarketEventFlags.HasSequence, exchangeNs, ctx.ReceiveTimeNs);
        }
        MarkEnd(ctx.Output);
        return RejectReason.None;
    }

    private RejectReason EmitTrade(ref Context ctx, scoped ref Fields f, EventKind kind)
    {
        if (!f.HasSymbol) return Missing(ref ctx, "trade without \"s\"");
        if (f.P.IsEmpty || f.Q.IsEmpty || !f.HasMaker) return Missing(ref ctx, "trade without p/q/m");
        if (kind == EventKind.Trade ? !f.HasTradeId : !f.HasAggId) return Missing(ref ctx, "trade without its id (\"t\" / \"a\")");
        var reason = ResolveEvent(ref ctx, ref f);
        if (reason != RejectReason.None) return reason;
        reason = ExchangeTime(ref ctx, ref f, preferTransact: true, out long exchangeNs);
        if (reason != RejectReason.None) return reason;
        reason = Number(ref ctx, f.P, _cachedPriceScale, out long price, out byte pd, positive: true);
        if (reason != RejectReason.None) return reason;
        reason = Number(ref ctx, f.Q, _cachedQuantityScale, out long size, out byte sd, positive: false);
        if (reason != RejectReason.None) return reason;
        AddTrade(ctx.Output, f.Instrument, f.BuyerIsMaker, price, pd, size, sd, kind == EventKind.Trade ? f.TradeId : f.AggId, exchangeNs, ctx.ReceiveTimeNs);
        return RejectReason.None;
    }

    private RejectReason EmitMark(ref Context ctx, scoped ref Fields f)
    {
        if (!f.HasSymbol) return Missing(ref ctx, "markPriceUpdate without \"s\"");
        if (f.P.IsEmpty) return Missing(ref ctx, "markPriceUpdate without \"p\"");
        var reason = ResolveEvent(ref ctx, ref f);
        if (reason != RejectReason.None) return reason;
        // "T" here is the next funding time, not a transaction time: the event time E stamps the message.
        reason = ExchangeTime(ref ctx, ref f, preferTransact: false, out long exchangeNs);
        if (reason != RejectReason.None) return reason;
        // Delivery contracts send "r":"" and "T":0 (no funding): no Funding event then.
        if (!f.R.IsEmpty && f.HasTransactTime)
        {
            reason = Number(ref ctx, f.R, MarketEvent.FundingRateScale, out long rate, out _, positive: false, allowNegative: true);
            if (reason != RejectReason.None) return reason;
            ref var fe = ref ctx.Output.Add();
            fe.Kind = MarketEventKind.Funding;
            fe.Venue = _venue;
            fe.Instrument = f.Instrument;
            fe.FundingRate = rate;
            fe.NextFundingTimeMs = f.TransactTime;
            fe.ExchangeTimeNs = exchangeNs;
            fe.ReceiveTimeNs = ctx.ReceiveTimeNs;
        }
        reason = Number(ref ctx, f.P, _cachedPriceScale, out long mark, out byte md, positive: true);
        if (reason != RejectReason.None) return reason;
        ref var me = ref ctx.Output.Add();
        me.Kind = MarketEventKind.MarkPrice;
        me.Venue = _venue;
        me.Instrument = f.Instrument;
        me.Price = mark; me.PriceDecimals = md;
        me.ExchangeTimeNs = exchangeNs;
        me.ReceiveTimeNs = ctx.ReceiveTimeNs;
        if (!f.I.IsEmpty)
        {
            reason = Number(ref ctx, f.I, _cachedPriceScale, out long index, out byte id, positive: true);
            if (reason != RejectReason.None) return reason;
            ref var ie = ref ctx.Output.Add();
            ie.Kind = MarketEventKind.IndexPrice;
            ie.Venue = _venue;
            ie.Instrument = f.Instrument;
            ie.Price = index; ie.PriceDecimals = id;
            ie.ExchangeTimeNs = exchangeNs;
            ie.ReceiveTimeNs = ctx.ReceiveTimeNs;
        }
        MarkEnd(ctx.Output);
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref MarketEvent Header(ref Context ctx, scoped ref Fields f)
    {
        if (f.HeaderIndex < 0) AddHeader(ref ctx, ref f);
        return ref ctx.Output[f.HeaderIndex];
    }

    private void AddHeader(ref Context ctx, scoped ref Fields f)
    {
        f.HeaderIndex = ctx.Output.Count;
        ref var h = ref ctx.Output.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = f.Instrument;
        h.ReceiveTimeNs = ctx.ReceiveTimeNs;
    }

    private static void StampLevels(ref Context ctx, int headerIndex, long exchangeNs)
    {
        var events = ctx.Output.Events;
        for (int i = headerIndex + 1; i < events.Length; i++) events[i].ExchangeTimeNs = exchangeNs;
    }

    private static void MarkEnd(MarketEventBatch output) => output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;

    // ---------------------------------------------------------------- levels

    /// <summary>The reader is on a level array's StartArray: parse it now when the message's instrument is known, else
    /// keep a copy of the reader and skip (the array is re-read once the instrument is known).</summary>
    private RejectReason Levels(ref Utf8JsonReader r, ref Context ctx, scoped ref Fields f, Side side)
    {
        if (f.Instrument.IsNone && !f.SnapshotLevels && f.Kind == EventKind.Depth && f.HasSymbol)
        {
            var resolved = ResolveEvent(ref ctx, ref f);
            if (resolved != RejectReason.None) return resolved;
        }
        else if (f.Instrument.IsNone && f.SnapshotLevels && f.HasBodySymbol)
        {
            var resolved = ResolveSymbol(ref ctx, f.BodySymbol, out f.Instrument);
            if (resolved != RejectReason.None) return resolved;
        }
        if (f.Instrument.IsNone || (!f.SnapshotLevels && f.Kind != EventKind.Depth))
        {
            if (side == Side.Bid) { if (f.DeferBids) return Shape(ref ctx, "two bid arrays"); f.DeferBids = true; f.DeferredBids = r; }
            else { if (f.DeferAsks) return Shape(ref ctx, "two ask arrays"); f.DeferAsks = true; f.DeferredAsks = r; }
            r.Skip();
            return RejectReason.None;
        }
        if (f.HeaderIndex < 0) AddHeader(ref ctx, ref f);
        return ReadLevels(ref r, ref ctx, f.Instrument, side);
    }

    private RejectReason FlushDeferred(ref Context ctx, scoped ref Fields f)
    {
        if (!f.DeferBids && !f.DeferAsks) return RejectReason.None;
        return FlushDeferredSlow(ref ctx, ref f);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason FlushDeferredSlow(ref Context ctx, scoped ref Fields f)
    {
        if (f.HeaderIndex < 0) AddHeader(ref ctx, ref f);
        ctx.Output[f.HeaderIndex].Instrument = f.Instrument;
        if (f.DeferBids)
        {
            f.DeferBids = false;
            var reason = ReadLevels(ref f.DeferredBids, ref ctx, f.Instrument, Side.Bid);
            if (reason != RejectReason.None) return reason;
        }
        if (f.DeferAsks)
        {
            f.DeferAsks = false;
            var reason = ReadLevels(ref f.DeferredAsks, ref ctx, f.Instrument, Side.Ask);
            if (reason != RejectReason.None) return reason;
        }
        return RejectReason.None;
    }

    /// <summary>Reads <c>[["price","qty"],...]</c> from its StartArray to its EndArray into BookLevel events.</summary>
    private RejectReason ReadLevels(ref Utf8JsonReader r, ref Context ctx, InstrumentId instrument, Side side)
    {
        if (instrument != _cachedId) CacheScales(instrument);
        int priceScale = _cachedPriceScale, quantityScale = _cachedQuantityScale;
        var output = ctx.Output;
        while (true)
        {
            if (!r.Read()) return Truncated(ref ctx);
            if (r.TokenType == JsonTokenType.EndArray) return RejectReason.None;
            if (r.TokenType != JsonTokenType.StartArray) return Shape(ref ctx, "a level is not a [price, quantity] array");
            if (!r.Read()) return Truncated(ref ctx);
            var reason = LevelNumber(ref r, ref ctx, priceScale, out long price, out byte pd, positive: true);
            if (reason != RejectReason.None) return reason;
            if (!r.Read()) return Truncated(ref ctx);
            reason = LevelNumber(ref r, ref ctx, quantityScale, out long size, out byte sd, positive: false);
            if (reason != RejectReason.None) return reason;
            if (!r.Read()) return Truncated(ref ctx);
            if (r.TokenType != JsonTokenType.EndArray) return Shape(ref ctx, "a level has more than [price, quantity]");
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.BookLevel;
            e.Venue = _venue;
            e.Instrument = instrument;
            e.Side = side;
            e.Price = price; e.PriceDecimals = pd;
            e.Size = size; e.SizeDecimals = sd;
            e.ReceiveTimeNs = ctx.ReceiveTimeNs;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RejectReason LevelNumber(ref Utf8JsonReader r, ref Context ctx, int scale, out long value, out byte decimals, bool positive)
    {
        var t = r.TokenType;
        if ((t != JsonTokenType.String && t != JsonTokenType.Number) || r.ValueIsEscaped)
        {
            value = 0; decimals = 0;
            return Shape(ref ctx, "a level's price or quantity is not a number string");
        }
        return Number(ref ctx, r.ValueSpan, scale, out value, out decimals, positive);
    }

    // ---------------------------------------------------------------- values

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RejectReason Number(ref Context ctx, ReadOnlySpan<byte> text, int scale, out long value, out byte decimals, bool positive, bool allowNegative = false)
    {
        var status = FixedPoint.TryParse(text, scale, out value, out decimals);
        if (status == NumberParseStatus.Ok)
        {
            if (value > 0 || (value == 0 && !positive) || allowNegative) return RejectReason.None;
            return BadNumberSlow(ref ctx, positive ? "price is not positive" : "quantity is negative");
        }
        return NumberStatusSlow(ref ctx, status);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason BadNumberSlow(ref Context ctx, string detail)
    {
        ctx.Detail = detail;
        return RejectReason.BadNumber;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason NumberStatusSlow(ref Context ctx, NumberParseStatus status)
    {
        switch (status)
        {
            case NumberParseStatus.Overflow: ctx.Detail = "number does not fit the instrument's fixed-point range"; return RejectReason.NumberOverflow;
            case NumberParseStatus.PrecisionLoss: ctx.Detail = "number has more decimals than the instrument's scale"; return RejectReason.PrecisionLoss;
            default: ctx.Detail = "text is not a decimal number"; return RejectReason.BadNumber;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RejectReason Int(ref Utf8JsonReader r, ref Context ctx, out long value, out bool has)
    {
        has = true;
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out value)) return RejectReason.None;
        value = 0;
        return IntSlow(ref r, ref ctx);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason IntSlow(ref Utf8JsonReader r, ref Context ctx)
    {
        if (r.TokenType != JsonTokenType.Number) return Shape(ref ctx, "an id or time field is not a JSON number");
        ctx.Detail = "an id or time field is not a 64-bit integer";
        return RejectReason.NumberOverflow;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPlainString(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String && !r.ValueIsEscaped;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason NotText(ref Context ctx) => Shape(ref ctx, "a price or quantity field is not a plain string");

    private static RejectReason ExchangeTime(ref Context ctx, scoped ref Fields f, bool preferTransact, out long ns)
    {
        long ms = preferTransact && f.HasTransactTime ? f.TransactTime : f.HasEventTime ? f.EventTime : 0;
        if ((ulong)ms > long.MaxValue / 1_000_000)
        {
            ns = 0;
            ctx.Detail = "timestamp out of range";
            return RejectReason.NumberOverflow;
        }
        ns = ms * 1_000_000;
        return RejectReason.None;
    }

    // ---------------------------------------------------------------- symbols

    private RejectReason ResolveEvent(ref Context ctx, scoped ref Fields f)
    {
        if (!f.Instrument.IsNone)
        {
            if (f.Instrument != _cachedId) CacheScales(f.Instrument);
            return RejectReason.None;
        }
        var reason = ResolveSymbol(ref ctx, f.Symbol, out f.Instrument);
        if (reason != RejectReason.None) return reason;
        // A REST body without a symbol belongs to the connection's only symbol.
        if (_connectionInstrument != f.Instrument)
        {
            if (_connectionInstrument.IsNone) _connectionInstrument = f.Instrument;
            else _connectionAmbiguous = true;
        }
        if ((uint)f.Instrument.Value >= (uint)_carried.Length || !_carried[f.Instrument.Value]) MarkCarriedSlow(f.Instrument);
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RejectReason ResolveSymbol(ref Context ctx, scoped ReadOnlySpan<byte> symbol, out InstrumentId id)
    {
        if (!_registry.TryGet(_venue, symbol, out id)) return RegisterSlow(ref ctx, symbol, out id);
        if (id != _cachedId) CacheScales(id);
        return RejectReason.None;
    }

    private void CacheScales(InstrumentId id)
    {
        var instrument = _registry[id];
        _cachedId = id;
        _cachedPriceScale = instrument.PriceScale;
        // COIN-M sizes are contracts (100 USD for BTC, 10 USD otherwise); the canonical inverse size is USD face value.
        // The multipliers are powers of ten, so reading the contract count at a scale 2 (or 1) higher yields face value.
        _cachedQuantityScale = instrument.QuantityScale + (instrument.IsInverse && _venue == VenueCatalog.BinanceCoinM
            ? (BinanceAdapter.CoinMContractValue(instrument.Base) == 100 ? 2 : 1) : 0);
    }

    /// <summary>REST body without a symbol: the request URL's <c>symbol=</c>, else the connection's only symbol.</summary>
    private RejectReason ResolveSnapshotInstrument(ref Context ctx, scoped ref Fields f)
    {
        if (f.HasBodySymbol) return ResolveSymbol(ref ctx, f.BodySymbol, out f.Instrument);
        if (ctx.Url is { } url)
        {
            Span<byte> buffer = stackalloc byte[MaxSymbolBytes];
            int length = SymbolFromUrl(url, buffer);
            if (length <= 0)
            {
                ctx.Detail = "REST snapshot URL has no valid symbol= query";
                return RejectReason.UnknownSymbol;
            }
            return ResolveSymbol(ref ctx, buffer[..length], out f.Instrument);
        }
        if (_connectionAmbiguous)
        {
            ctx.Detail = "REST snapshot without symbol or URL on a connection carrying several symbols: ambiguous";
            return RejectReason.UnknownSymbol;
        }
        if (_connectionInstrument.IsNone)
        {
            ctx.Detail = "REST snapshot without symbol or URL, and no symbol seen on this connection yet";
            return RejectReason.UnknownSymbol;
        }
        f.Instrument = _connectionInstrument;
        if (f.Instrument != _cachedId) CacheScales(f.Instrument);
        return RejectReason.None;
    }

    /// <summary>Copies the upper-cased value of the URL's <c>symbol=</c> query into <paramref name="destination"/>;
    /// returns its length, or 0 when absent or not a plain symbol. Allocation-free.</summary>
    internal static int SymbolFromUrl(string url, Span<byte> destination)
    {
        var u = url.AsSpan();
        int q = u.IndexOf('?');
        if (q < 0) return 0;
        var query = u[(q + 1)..];
        while (!query.IsEmpty)
        {
            int amp = query.IndexOf('&');
            var pair = amp < 0 ? query : query[..amp];
            if (pair.StartsWith("symbol=", StringComparison.Ordinal))
            {
                var value = pair[7..];
                if (value.IsEmpty || value.Length > destination.Length) return 0;
                for (int i = 0; i < value.Length; i++)
                {
                    char c = value[i];
                    if (!char.IsAsciiLetterOrDigit(c) && c != '_') return 0;
                    destination[i] = (byte)char.ToUpperInvariant(c);
                }
                return value.Length;
            }
            query = amp < 0 ? default : query[(amp + 1)..];
        }
        return 0;
    }

    /// <summary>First sighting of a symbol: split it, register the instrument with scales wide enough for the numbers
    /// of this message (at least 8, at most 18), and map the venue symbol. Cold path: allocates.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason RegisterSlow(ref Context ctx, scoped ReadOnlySpan<byte> symbol, out InstrumentId id)
    {
        id = InstrumentId.None;
        if (symbol.IsEmpty || symbol.Length > MaxSymbolBytes)
        {
            ctx.Detail = "symbol empty or too long";
            return RejectReason.UnknownSymbol;
        }
        foreach (byte b in symbol)
        {
            if (!(b is >= (byte)'A' and <= (byte)'Z' || b is >= (byte)'0' and <= (byte)'9' || b == (byte)'_'))
            {
                ctx.Detail = "symbol holds characters Binance never uses";
                return RejectReason.UnknownSymbol;
            }
        }
        string text = Encoding.ASCII.GetString(symbol);
        if (!SymbolNormalizer.TryParse(text, SymbolStyle.Concatenated, out var parts, perpetual: _futures))
        {
            ctx.Detail = "symbol not understood (unknown quote asset)";
            return RejectReason.UnknownSymbol;
        }
        if (_venue == VenueCatalog.BinanceCoinM && !parts.IsInverse)
        {
            ctx.Detail = "COIN-M symbol is not an inverse USD contract (BASEUSD_PERP / BASEUSD_YYMMDD)";
            return RejectReason.UnknownSymbol;
        }
        int scale = Math.Min(FixedPoint.MaxScale, Math.Max(InstrumentRegistry.DefaultPriceScale, MaxDecimals(ctx.Frame)));
        try
        {
            long contractValue = parts.IsInverse ? 1 : 0;   // canonical inverse size: 1 unit = 1 USD face (see CacheScales)
            var instrument = _registry.GetOrAdd(parts.Base, parts.Quote, parts.Kind, scale, parts.IsInverse ? Math.Min(scale, FixedPoint.MaxScale - 2) : scale, parts.IsInverse, contractValue, parts.Detail);
            _registry.MapVenueSymbol(_venue, text, instrument.Id);
            id = instrument.Id;
        }
        catch (ArgumentException)
        {
            ctx.Detail = "symbol conflicts with an existing instrument mapping";
            return RejectReason.UnknownSymbol;
        }
        CacheScales(id);
        return RejectReason.None;
    }

    /// <summary>Most fractional digits of any number string in the frame (cold: first sighting of a symbol).</summary>
    private static int MaxDecimals(ReadOnlySpan<byte> frame)
    {
        int max = 0;
        var r = new Utf8JsonReader(frame);
        try
        {
            while (r.Read())
            {
                if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) continue;
                var s = r.ValueSpan;
                if (s.Length == 0 || s.Length > 40 || !(char.IsAsciiDigit((char)s[0]) || s[0] == (byte)'-')) continue;
                if (FixedPoint.TryParse(s, 0, out _, out _) is NumberParseStatus.Ok or NumberParseStatus.PrecisionLoss)
                    max = Math.Max(max, FixedPoint.CountDecimals(s));
            }
        }
        catch (JsonException)
        {
            // The frame's own parse reports malformed JSON; the scale guess uses what was readable.
        }
        return max;
    }

    // ---------------------------------------------------------------- rejections

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason Shape(ref Context ctx, string detail)
    {
        ctx.Detail = detail;
        return RejectReason.UnexpectedShape;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason Missing(ref Context ctx, string detail)
    {
        ctx.Detail = detail;
        return RejectReason.MissingField;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason Truncated(ref Context ctx)
    {
        ctx.Detail = "truncated JSON";
        return RejectReason.InvalidJson;
    }
}
