using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Coinbase;

/// <summary>
/// Parser of one Coinbase Advanced Trade market-data connection (<c>wss://advanced-trade-ws.coinbase.com</c>).
/// </summary>
/// <remarks>
/// <para>Frames: <c>{"channel","client_id"?,"timestamp","sequence_num","events":[...]}</c>. Channels: <c>l2_data</c>
/// (book snapshot/update events → BookHeader + BookLevel groups, one per event), <c>ticker</c>/<c>ticker_batch</c>
/// (best bid/ask → two Bbo events, no sequence comparable to the book), <c>market_trades</c> (update events → Trade;
/// the snapshot event replays the last trades before the subscription and is skipped), <c>heartbeats</c>,
/// <c>candles</c>, <c>subscriptions</c>, <c>status</c> (control). <c>{"type":"error"}</c> → <see cref="RejectReason.VenueError"/>.</para>
/// <para>Trade side: the Advanced Trade <c>side</c> of a market trade is the MAKER's side (the same convention as the
/// Exchange feed's match messages; confirmed on the 2026 capture: every <c>SELL</c> trade printed at the ticker's best
/// ask, every <c>BUY</c> at or below its best bid), so the aggressor is the opposite side.</para>
/// <para>Sequence: <c>sequence_num</c> is ONE counter per connection across all channels (not per product). The parser
/// checks it: a frame whose number is not the previous + 1 means messages of this connection were lost, and any of them
/// may have been a book update, so every book this connection has fed is invalidated: a
/// <see cref="MarketEventKind.BookInvalidate"/> (reason <see cref="InvalidateReason.SequenceGap"/>) per book is emitted
/// BEFORE the frame's own events, and the frame itself is still returned as data: its content is valid (a snapshot in it
/// re-syncs its book at once; updates of an invalidated book are dropped by the book keeper until the resubscribe-driven
/// snapshot). <see cref="RejectReason.ConnectionSequenceGap"/> is therefore never returned: a rejection would have to
/// discard the invalidations with the frame. A REJECTED frame does not advance the expected number, so the next frame
/// shows the gap and the books are invalidated: a frame we could not use is a lost message for the books.</para>
/// <para>Two paths: the span fast path (CoinbaseParser.FastScan.cs) takes the exact compact shapes Coinbase sends on
/// l2_data, ticker and market_trades; anything else falls back to the Utf8JsonReader path below, which alone decides
/// rejects. Both emit identical events.</para>
/// <para>Allocation: none per frame after warm-up (the batch grows once, cold, for the 46,000-level snapshot; an unknown
/// symbol's first sighting registers it on a cold path). Not thread-safe: one instance per connection.</para>
/// </remarks>
public sealed partial class CoinbaseParser : IFrameParser
{
    private readonly InstrumentRegistry _registry;
    private readonly VenueId _venue;
    private long _lastSequenceNum = -1;
    private InstrumentId[] _books = new InstrumentId[8];
    private int _bookCount;
    private bool[] _isBook = new bool[64];

    public CoinbaseParser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
    }

    /// <summary>Frames by outcome and rejections by reason.</summary>
    public ParserCounters Counters { get; } = new();

    /// <summary>Discontinuities of <c>sequence_num</c> seen on this connection.</summary>
    public long ConnectionGaps { get; private set; }

    /// <summary>The last <c>sequence_num</c> of an accepted frame, or -1.</summary>
    public long LastSequenceNum => _lastSequenceNum;

    /// <summary>The books (instruments with <c>l2_data</c>) this connection has fed.</summary>
    public ReadOnlySpan<InstrumentId> Books => _books.AsSpan(0, _bookCount);

    private enum Channel : byte { Unknown, L2, Ticker, Trades, Control }

    public ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        int start = output.Count;
        RejectReason reason;
        if (source != FrameSource.WebSocket) reason = RejectReason.UnknownChannel;
        else
        {
            int booksBefore = _bookCount;
            long sequenceNum;
            // The fast path accepts a frame only when it has checked every byte of it to be ASCII (valid UTF-8), so
            // the UTF-8 validation pass is needed only on the reference path.
            if (!ForceReference && TryFast(frame, receiveTimeNs, output, start, out sequenceNum)) reason = RejectReason.None;
            else
            {
                if (!ForceReference)
                {
                    output.Truncate(start);
                    FastFallbacks++;
                }
                if (!Utf8.IsValid(frame))
                {
                    reason = RejectReason.InvalidUtf8;
                    sequenceNum = -1;
                }
                else
                {
                    try
                    {
                        reason = ParseFrame(frame, receiveTimeNs, output, start, out sequenceNum);
                    }
                    catch (JsonException)
                    {
                        reason = RejectReason.InvalidJson;
                        sequenceNum = -1;
                    }
                }
            }
            if (reason == RejectReason.None)
            {
                if (sequenceNum >= 0)
                {
                    if (_lastSequenceNum >= 0 && sequenceNum != _lastSequenceNum + 1)
                        GapSlow(output, start, booksBefore, receiveTimeNs);
                    _lastSequenceNum = sequenceNum;
                }
                return Counters.Count(output.Count > start ? ParseResult.Data : ParseResult.Control);
            }
        }
        output.Truncate(start);
        return Counters.Count(ParseResult.Reject(reason));
    }

    private RejectReason ParseFrame(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, int start, out long sequenceNum)
    {
        sequenceNum = -1;
        var r = new Utf8JsonReader(frame);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        var channel = Channel.Unknown;
        bool sawChannel = false, isError = false, sawEvents = false, timestampLate = false;
        long timestampNs = 0;
        Utf8JsonReader deferredEvents = default;
        bool deferred = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("channel"u8))
            {
                r.Read();
                if (!VenueJson.TryGetRaw(ref r, out var c)) return RejectReason.UnexpectedShape;
                channel = Classify(c);
                sawChannel = true;
            }
            else if (r.ValueTextEquals("timestamp"u8))
            {
                r.Read();
                if (!VenueJson.TryGetRaw(ref r, out var t) || !VenueJson.TryParseIsoUtcNs(t, out timestampNs)) return RejectReason.UnexpectedShape;
                timestampLate = sawEvents;
            }
            else if (r.ValueTextEquals("sequence_num"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out sequenceNum) || sequenceNum < 0) return RejectReason.UnexpectedShape;
            }
            else if (r.ValueTextEquals("events"u8))
            {
                sawEvents = true;
                if (!sawChannel)
                {
                    // Key order is not guaranteed: remember where the events start and read them once the channel is known.
                    deferredEvents = r;
                    deferred = true;
                    r.Read();
                    r.Skip();
                    continue;
                }
                r.Read();
                var reason = ParseEvents(ref r, channel, frame, receiveTimeNs, output);
                if (reason != RejectReason.None) return reason;
            }
            else if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("error"u8)) isError = true;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (isError) return RejectReason.VenueError;
        if (!sawChannel) return RejectReason.MissingField;
        if (channel == Channel.Unknown) return RejectReason.UnknownChannel;
        if (!sawEvents) return RejectReason.MissingField;
        if (deferred)
        {
            deferredEvents.Read();
            var reason = ParseEvents(ref deferredEvents, channel, frame, receiveTimeNs, output);
            if (reason != RejectReason.None) return reason;
            timestampLate = true;
        }
        if (timestampLate) PatchExchangeTimeSlow(output, start, timestampNs);
        else StampExchangeTime(output, start, timestampNs);
        return RejectReason.None;
    }

    private static Channel Classify(ReadOnlySpan<byte> c)
    {
        if (c.SequenceEqual("l2_data"u8)) return Channel.L2;
        if (c.SequenceEqual("ticker"u8) || c.SequenceEqual("ticker_batch"u8)) return Channel.Ticker;
        if (c.SequenceEqual("market_trades"u8)) return Channel.Trades;
        if (c.SequenceEqual("heartbeats"u8) || c.SequenceEqual("subscriptions"u8) || c.SequenceEqual("candles"u8)
            || c.SequenceEqual("status"u8)) return Channel.Control;
        return Channel.Unknown;
    }

    private RejectReason ParseEvents(ref Utf8JsonReader r, Channel channel, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        if (channel == Channel.Control)
        {
            r.Skip();
            return RejectReason.None;
        }
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
            var reason = channel switch
            {
                Channel.L2 => ParseL2Event(ref r, frame, receiveTimeNs, output),
                Channel.Ticker => ParseTickerEvent(ref r, frame, receiveTimeNs, output),
                _ => ParseTradesEvent(ref r, frame, receiveTimeNs, output),
            };
            if (reason != RejectReason.None) return reason;
        }
        return RejectReason.None;
    }

    // {"type":"snapshot"|"update","product_id":"BTC-USD","updates":[{"side":"bid"|"offer","event_time","price_level","new_quantity"}]}
    private RejectReason ParseL2Event(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        var instrument = InstrumentId.None;
        int type = 0; // 1 snapshot, 2 update
        int headerIndex = -1;
        Utf8JsonReader deferredUpdates = default;
        bool deferred = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                type = r.ValueTextEquals("snapshot"u8) ? 1 : r.ValueTextEquals("update"u8) ? 2 : 0;
                if (type == 0) return RejectReason.UnexpectedShape;
            }
            else if (r.ValueTextEquals("product_id"u8))
            {
                r.Read();
                var reason = Resolve(ref r, frame, out instrument);
                if (reason != RejectReason.None) return reason;
            }
            else if (r.ValueTextEquals("updates"u8))
            {
                if (instrument.IsNone)
                {
                    deferredUpdates = r;
                    deferred = true;
                    r.Read();
                    r.Skip();
                    continue;
                }
                r.Read();
                headerIndex = output.Count;
                output.Add();
                var reason = ParseUpdates(ref r, instrument, receiveTimeNs, output);
                if (reason != RejectReason.None) return reason;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        if (type == 0 || instrument.IsNone) return RejectReason.MissingField;
        if (deferred)
        {
            deferredUpdates.Read();
            headerIndex = output.Count;
            output.Add();
            var reason = ParseUpdates(ref deferredUpdates, instrument, receiveTimeNs, output);
            if (reason != RejectReason.None) return reason;
        }
        if (headerIndex < 0) return RejectReason.MissingField;
        CompleteL2Header(output, headerIndex, instrument, type == 1, receiveTimeNs);
        TrackBook(instrument);
        return RejectReason.None;
    }

    /// <summary>Fills the header reserved at <paramref name="headerIndex"/> once its levels follow it (both paths).</summary>
    private void CompleteL2Header(MarketEventBatch output, int headerIndex, InstrumentId instrument, bool snapshot, long receiveTimeNs)
    {
        ref var h = ref output[headerIndex];
        VenueJson.InitUnsequencedBookHeader(ref h, _venue, instrument, receiveTimeNs);
        if (snapshot)
        {
            h.Flags |= MarketEventFlags.Snapshot;
            // Coinbase lists a snapshot best-first; the book keeps its best level at the END of a sorted array, so
            // best-first inserts would each shift the whole side (O(n²) for 46,000 levels). A snapshot's levels are a
            // set (one per price), so emitting them worst-first is the same image, built by appends.
            output.Events.Slice(headerIndex + 1).Reverse();
        }
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
    }

    private RejectReason ParseUpdates(ref Utf8JsonReader r, InstrumentId instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        var inst = _registry[instrument];
        int priceScale = inst.PriceScale, sizeScale = inst.QuantityScale;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
            var side = Side.None;
            ReadOnlySpan<byte> price = default, size = default;
            bool hasPrice = false, hasSize = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("price_level"u8))
                {
                    r.Read();
                    if (!VenueJson.TryGetRaw(ref r, out price)) return RejectReason.UnexpectedShape;
                    hasPrice = true;
                }
                else if (r.ValueTextEquals("new_quantity"u8))
                {
                    r.Read();
                    if (!VenueJson.TryGetRaw(ref r, out size)) return RejectReason.UnexpectedShape;
                    hasSize = true;
                }
                else if (r.ValueTextEquals("side"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                    side = r.ValueTextEquals("bid"u8) ? Side.Bid : r.ValueTextEquals("offer"u8) ? Side.Ask : Side.None;
                    if (side == Side.None) return RejectReason.UnexpectedShape;
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            if (side == Side.None || !hasPrice || !hasSize) return RejectReason.MissingField;
            ref var e = ref output.Add();
            var reason = VenueJson.ParseUnsigned(price, priceScale, out e.Price, out e.PriceDecimals);
            if (reason != RejectReason.None) return reason;
            reason = VenueJson.ParseUnsigned(size, sizeScale, out e.Size, out e.SizeDecimals);
            if (reason != RejectReason.None) return reason;
            e.Kind = MarketEventKind.BookLevel;
            e.Side = side;
            e.Venue = _venue;
            e.Instrument = instrument;
            e.ReceiveTimeNs = receiveTimeNs;
        }
        return RejectReason.None;
    }

    // {"type":"snapshot"|"update","tickers":[{"type":"ticker","product_id","best_bid","best_ask","best_bid_quantity","best_ask_quantity",...}]}
    private RejectReason ParseTickerEvent(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (!r.ValueTextEquals("tickers"u8))
            {
                r.Read();
                r.Skip();
                continue;
            }
            r.Read();
            if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
                ReadOnlySpan<byte> symbol = default, bid = default, ask = default, bidSize = default, askSize = default;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    ref ReadOnlySpan<byte> target = ref symbol;
                    if (r.ValueTextEquals("product_id"u8)) target = ref symbol;
                    else if (r.ValueTextEquals("best_bid"u8)) target = ref bid;
                    else if (r.ValueTextEquals("best_ask"u8)) target = ref ask;
                    else if (r.ValueTextEquals("best_bid_quantity"u8)) target = ref bidSize;
                    else if (r.ValueTextEquals("best_ask_quantity"u8)) target = ref askSize;
                    else
                    {
                        r.Read();
                        r.Skip();
                        continue;
                    }
                    r.Read();
                    if (!VenueJson.TryGetRaw(ref r, out target)) return RejectReason.UnexpectedShape;
                }
                if (symbol.IsEmpty || bid.IsEmpty || ask.IsEmpty || bidSize.IsEmpty || askSize.IsEmpty) return RejectReason.MissingField;
                var reason = ResolveSymbol(symbol, frame, out var instrument);
                if (reason != RejectReason.None) return reason;
                var inst = _registry[instrument];
                reason = AddBbo(output, instrument, Side.Bid, bid, bidSize, inst, receiveTimeNs, MarketEventFlags.None);
                if (reason != RejectReason.None) return reason;
                reason = AddBbo(output, instrument, Side.Ask, ask, askSize, inst, receiveTimeNs, MarketEventFlags.EndOfMessage);
                if (reason != RejectReason.None) return reason;
            }
        }
        return RejectReason.None;
    }

    private RejectReason AddBbo(MarketEventBatch output, InstrumentId instrument, Side side, ReadOnlySpan<byte> price, ReadOnlySpan<byte> size,
        Instrument inst, long receiveTimeNs, MarketEventFlags flags)
    {
        ref var e = ref output.Add();
        var reason = VenueJson.ParseUnsigned(price, inst.PriceScale, out e.Price, out e.PriceDecimals);
        if (reason != RejectReason.None) return reason;
        reason = VenueJson.ParseUnsigned(size, inst.QuantityScale, out e.Size, out e.SizeDecimals);
        if (reason != RejectReason.None) return reason;
        e.Kind = MarketEventKind.Bbo;
        e.Side = side;
        e.Venue = _venue;
        e.Instrument = instrument;
        e.ReceiveTimeNs = receiveTimeNs;
        e.Sequence = -1;
        e.PrevSequence = -1;
        e.Flags = flags;
        return RejectReason.None;
    }

    // {"type":"snapshot"|"update","trades":[{"product_id","trade_id","price","size","time","side":"BUY"|"SELL"}]}
    private RejectReason ParseTradesEvent(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        int eventStart = output.Count;
        int type = 0; // 1 snapshot, 2 update
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                type = r.ValueTextEquals("snapshot"u8) ? 1 : r.ValueTextEquals("update"u8) ? 2 : 0;
                if (type == 0) return RejectReason.UnexpectedShape;
                continue;
            }
            if (!r.ValueTextEquals("trades"u8))
            {
                r.Read();
                r.Skip();
                continue;
            }
            r.Read();
            if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
            if (type == 1)
            {
                // The subscription snapshot replays trades printed before we connected: history, not market events.
                r.Skip();
                continue;
            }
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
                ReadOnlySpan<byte> symbol = default, id = default, price = default, size = default, time = default, side = default;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    ref ReadOnlySpan<byte> target = ref symbol;
                    if (r.ValueTextEquals("product_id"u8)) target = ref symbol;
                    else if (r.ValueTextEquals("trade_id"u8)) target = ref id;
                    else if (r.ValueTextEquals("price"u8)) target = ref price;
                    else if (r.ValueTextEquals("size"u8)) target = ref size;
                    else if (r.ValueTextEquals("time"u8)) target = ref time;
                    else if (r.ValueTextEquals("side"u8)) target = ref side;
                    else
                    {
                        r.Read();
                        r.Skip();
                        continue;
                    }
                    r.Read();
                    if (!VenueJson.TryGetRaw(ref r, out target)) return RejectReason.UnexpectedShape;
                }
                if (symbol.IsEmpty || price.IsEmpty || size.IsEmpty || side.IsEmpty) return RejectReason.MissingField;
                var reason = ResolveSymbol(symbol, frame, out var instrument);
                if (reason != RejectReason.None) return reason;
                reason = AddTrade(output, instrument, price, size, side, id, time, receiveTimeNs);
                if (reason != RejectReason.None) return reason;
            }
        }
        if (type == 1) output.Truncate(eventStart); // "type" came after the trades: drop the replayed history
        else if (type == 0) return RejectReason.MissingField;
        return RejectReason.None;
    }

    /// <summary>One market trade (both paths): the texts as the venue wrote them, product resolved.</summary>
    private RejectReason AddTrade(MarketEventBatch output, InstrumentId instrument, ReadOnlySpan<byte> price, ReadOnlySpan<byte> size,
        ReadOnlySpan<byte> side, ReadOnlySpan<byte> id, ReadOnlySpan<byte> time, long receiveTimeNs)
    {
        var inst = _registry[instrument];
        ref var e = ref output.Add();
        var reason = VenueJson.ParseUnsigned(price, inst.PriceScale, out e.Price, out e.PriceDecimals);
        if (reason != RejectReason.None) return reason;
        reason = VenueJson.ParseUnsigned(size, inst.QuantityScale, out e.Size, out e.SizeDecimals);
        if (reason != RejectReason.None) return reason;
        // `side` is the maker's side: a resting SELL was hit by a buyer.
        if (side.SequenceEqual("SELL"u8)) e.Side = Side.Bid;
        else if (side.SequenceEqual("BUY"u8)) e.Side = Side.Ask;
        else return RejectReason.UnexpectedShape;
        if (!id.IsEmpty && !VenueJson.TryParseId(id, out e.Sequence)) return RejectReason.BadNumber;
        if (!time.IsEmpty && !VenueJson.TryParseIsoUtcNs(time, out e.ExchangeTimeNs)) return RejectReason.UnexpectedShape;
        VenueJson.CompleteTrade(ref e, _venue, instrument, receiveTimeNs);
        return RejectReason.None;
    }

    private RejectReason Resolve(ref Utf8JsonReader r, ReadOnlySpan<byte> frame, out InstrumentId instrument)
    {
        instrument = InstrumentId.None;
        if (!VenueJson.TryGetRaw(ref r, out var symbol)) return RejectReason.UnexpectedShape;
        return ResolveSymbol(symbol, frame, out instrument);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RejectReason ResolveSymbol(ReadOnlySpan<byte> symbol, ReadOnlySpan<byte> frame, out InstrumentId instrument)
    {
        if (_registry.TryGet(_venue, symbol, out instrument)) return RejectReason.None;
        return VenueJson.TryRegisterSlow(_registry, _venue, symbol, SymbolStyle.Dashed, false, frame, ClassifyNumber, out instrument)
            ? RejectReason.None
            : RejectReason.UnknownSymbol;
    }

    private static VenueJson.NumberRole ClassifyNumber(string property, int index) => property switch
    {
        "price_level" or "price" or "best_bid" or "best_ask" => VenueJson.NumberRole.Price,
        "new_quantity" or "size" or "best_bid_quantity" or "best_ask_quantity" => VenueJson.NumberRole.Size,
        _ => VenueJson.NumberRole.None,
    };

    private void TrackBook(InstrumentId instrument)
    {
        if ((uint)instrument.Value < (uint)_isBook.Length && _isBook[instrument.Value]) return;
        TrackBookSlow(instrument);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TrackBookSlow(InstrumentId instrument)
    {
        if (instrument.Value >= _isBook.Length) Array.Resize(ref _isBook, Math.Max(instrument.Value + 1, _isBook.Length * 2));
        _isBook[instrument.Value] = true;
        if (_bookCount == _books.Length) Array.Resize(ref _books, _books.Length * 2);
        _books[_bookCount++] = instrument;
    }

    /// <summary>Book headers carry the message timestamp (the events themselves have only per-level times).</summary>
    private static void StampExchangeTime(MarketEventBatch output, int start, long timestampNs)
    {
        int count = output.Count;
        for (int i = start; i < count; i++)
        {
            ref var e = ref output[i];
            if (e.Kind is MarketEventKind.BookHeader or MarketEventKind.Bbo) e.ExchangeTimeNs = timestampNs;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PatchExchangeTimeSlow(MarketEventBatch output, int start, long timestampNs) => StampExchangeTime(output, start, timestampNs);

    /// <summary>
    /// A <c>sequence_num</c> discontinuity: inserts one BookInvalidate per book this connection fed before this frame,
    /// ahead of the frame's own events (so a snapshot in this very frame re-syncs its book after the invalidation).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GapSlow(MarketEventBatch output, int start, int books, long receiveTimeNs)
    {
        ConnectionGaps++;
        if (books == 0) return;
        int frameEvents = output.Count - start;
        for (int i = 0; i < books; i++) output.Add();
        for (int i = frameEvents - 1; i >= 0; i--) output[start + books + i] = output[start + i];
        for (int i = 0; i < books; i++)
        {
            ref var e = ref output[start + i];
            e = default;
            e.Kind = MarketEventKind.BookInvalidate;
            e.Venue = _venue;
            e.Instrument = _books[i];
            e.Reason = InvalidateReason.SequenceGap;
            e.ReceiveTimeNs = receiveTimeNs;
            e.Sequence = -1;
            e.PrevSequence = -1;
            e.Flags = MarketEventFlags.EndOfMessage;
        }
    }
}
