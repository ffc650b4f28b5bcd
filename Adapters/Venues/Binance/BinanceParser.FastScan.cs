using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Binance;

/// <summary>
/// Fast path: a span scanner for the exact shapes Binance sends (combined-stream envelope <c>{"stream":"..","data":{..}}</c>
/// or the raw event; depthUpdate, bookTicker, trade, aggTrade, markPriceUpdate, ignored streams such as kline, and the
/// REST depth snapshot). It accepts only compact (at most one space after ':' and ',' in the event object, as recorded
/// REST bodies have), ASCII, escape-free JSON with integer ids/times, string prices and the
/// level arrays placed after the fields that identify the book; for ANY deviation it returns false, the frame's events
/// are dropped and the <see cref="Utf8JsonReader"/> path parses the frame again: that path remains the single authority
/// on rejects and their reasons. Accepted frames produce the same events as that path (the same Emit code completes
/// them) and the same parser state (the connection's symbol is recorded only once the frame succeeded).
/// </summary>
public sealed partial class BinanceParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>Frames the fast path handed to the Utf8JsonReader path (any deviation from the expected shapes, an
    /// unknown symbol's first sighting, and every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    // Keys seen in the event object (duplicates and late identifying keys fall back).
    private const int KeyE = 1 << 0, KeyEventTime = 1 << 1, KeyT = 1 << 2, KeyS = 1 << 3, KeyFirst = 1 << 4, KeyLast = 1 << 5,
        KeyPrev = 1 << 6, KeyB = 1 << 7, KeyA = 1 << 8, KeyBQ = 1 << 9, KeyAQ = 1 << 10, KeyP = 1 << 11, KeyQ = 1 << 12,
        KeyR = 1 << 13, KeyI = 1 << 14, KeyM = 1 << 15, KeyTradeId = 1 << 16, KeyLastUpdateId = 1 << 17, KeyBids = 1 << 18,
        KeyAsks = 1 << 19, KeySymbol = 1 << 20;

    private const int MaxSkipDepth = 4;

    private bool TryFast(ReadOnlySpan<byte> frame, string? url, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        int dataPos = -1;
        if (frame.StartsWith("{\"stream\":\""u8))
        {
            // The stream name: one of the connection's few names seen before (one compare), else printable ASCII
            // without escapes up to its quote, checked in the pass that finds it and remembered.
            StreamShape shape;
            int q = KnownStream(frame, out shape);
            if (q < 0)
            {
                for (int i = 11, limit = Math.Min(frame.Length, 11 + 64); i < limit; i++)
                {
                    byte b = frame[i];
                    if (b == (byte)'"') { q = i - 11; break; }
                    if ((uint)(b - 0x20) > 0x7E - 0x20 || b == (byte)'\\') return false;
                }
                if (q < 0)
                {
                    q = frame.Slice(11).IndexOf((byte)'"');
                    if (q < 0 || !PlainText(frame.Slice(11, q))) return false;
                }
                shape = RememberStream(frame.Slice(11, q));
            }
            dataPos = 11 + q + 1;
            if (!frame.Slice(dataPos).StartsWith(",\"data\":{"u8)) return false;
            dataPos += 8; // on the data object's '{'
            // Spot bookTicker (three frames in four on a BTCUSDT feed) and trades: one exact shape each, read straight
            // through; any deviation continues with the general scan, which decides as before.
            if (shape == StreamShape.BookTicker && TryBookTicker(frame, dataPos, receiveTimeNs, output))
                return true;
            if (shape == StreamShape.Trade && TryTrade(frame, dataPos, receiveTimeNs, output))
                return true;
        }
        else if (frame[0] != (byte)'{') return false;
        return TryScan(frame, dataPos, url, receiveTimeNs, output, out status);
    }

    /// <summary>Which exact-shape reader a stream name's data object may take (by the name's suffix).</summary>
    private enum StreamShape : byte { Other, BookTicker, Trade }

    /// <summary>Stream names this connection sent, each checked once (printable ASCII without escapes, at most
    /// <see cref="MaxStreamBytes"/>): a combined stream carries a handful (depth, bookTicker, trade per symbol).</summary>
    private readonly byte[][] _streamNames = [new byte[MaxStreamBytes], new byte[MaxStreamBytes], new byte[MaxStreamBytes], new byte[MaxStreamBytes]];
    private readonly int[] _streamLengths = [-1, -1, -1, -1];
    private readonly StreamShape[] _streamShapes = new StreamShape[4];
    private int _streamNext;
    private const int MaxStreamBytes = 64;

    /// <summary>The length of the stream name at index 11 when it is one remembered by <see cref="RememberStream"/> and
    /// followed by its closing quote, else -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int KnownStream(ReadOnlySpan<byte> frame, out StreamShape shape)
    {
        var lengths = _streamLengths;
        for (int k = 0; k < lengths.Length; k++)
        {
            int length = lengths[k];
            if (length >= 0 && 11 + length < frame.Length && frame[11 + length] == (byte)'"'
                && frame.Slice(11, length).SequenceEqual(_streamNames[k].AsSpan(0, length)))
            {
                shape = _streamShapes[k];
                return length;
            }
        }
        shape = StreamShape.Other;
        return -1;
    }

    /// <summary>Remembers a checked stream name (plain text, see <see cref="TryFast"/>), replacing the oldest; returns its shape.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private StreamShape RememberStream(ReadOnlySpan<byte> stream)
    {
        var shape = stream.EndsWith("@bookTicker"u8) ? StreamShape.BookTicker : stream.EndsWith("@trade"u8) ? StreamShape.Trade : StreamShape.Other;
        if (stream.Length <= MaxStreamBytes)
        {
            int k = _streamNext;
            _streamNext = (k + 1) & 3;
            stream.CopyTo(_streamNames[k]);
            _streamLengths[k] = stream.Length;
            _streamShapes[k] = shape;
        }
        return shape;
    }

    /// <summary>The general scan of the event object (at <paramref name="dataPos"/>, the combined stream's data object,
    /// or the whole frame when -1). A method of its own: its large per-frame state (field spans, deferred readers) is
    /// zeroed only for the frames that need it, not for those the exact-shape readers take.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryScan(ReadOnlySpan<byte> frame, int dataPos, string? url, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var ctx = new Context(frame, url, receiveTimeNs, output);
        var f = new Fields { HeaderIndex = -1, Instrument = InstrumentId.None };
        bool wrapped = dataPos >= 0;
        int pos = wrapped ? dataPos : 0;
        if (!ScanEvent(frame, ref pos, ref ctx, ref f, wrapped)) return false;
        if (wrapped)
        {
            if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'}') return false;
            pos++;
        }
        if (pos != frame.Length) return false;

        if (f.SnapshotLevels)
        {
            // Raw REST snapshot whose instrument was resolved at "bids" (see ScanEvent).
            return EmitSnapshot(ref ctx, ref f) == RejectReason.None;
        }
        if (f.HasLastUpdateId) return false;
        if (f.Kind == EventKind.Ignored)
        {
            status = FrameStatus.Control;
            return true;
        }
        if (f.Kind == EventKind.Unknown) return false;
        if (!wrapped && f.Kind == EventKind.None && !f.HasFirst && !f.HasLast) return false;
        if (f.Instrument.IsNone)
        {
            if (!f.HasSymbol || !_registry.TryGet(_venue, f.Symbol, out var id)) return false;
            f.Instrument = id;
        }
        if (Emit(ref ctx, ref f, wrapped, out status) != RejectReason.None || status != FrameStatus.Data) return false;
        Commit(f.Instrument);
        return true;
    }

    /// <summary>A frame was accepted: what ResolveEvent records on the reference path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Commit(InstrumentId instrument)
    {
        if (_connectionInstrument != instrument)
        {
            if (_connectionInstrument.IsNone) _connectionInstrument = instrument;
            else _connectionAmbiguous = true;
        }
        if ((uint)instrument.Value >= (uint)_carried.Length || !_carried[instrument.Value]) MarkCarriedSlow(instrument);
    }

    /// <summary>
    /// The spot bookTicker data object exactly as Binance writes it, <c>{"u":N,"s":"SYM","b":"px","B":"qty","a":"px","A":"qty"}}</c>
    /// to the frame's end, at <paramref name="pos"/> (its '{'): two Bbo events as <see cref="EmitBbo"/> makes them
    /// (exchange time 0: spot bookTicker carries none). Nothing is written unless the whole frame matched and its
    /// symbol is known; false leaves the frame to the general scan.
    /// </summary>
    private bool TryBookTicker(ReadOnlySpan<byte> frame, int pos, long receiveTimeNs, MarketEventBatch output)
    {
        if (!frame.Slice(pos).StartsWith("{\"u\":"u8)) return false;
        pos += 5;
        if (!UnsignedInteger(frame, ref pos, out long last) || !SpanScan.Expect(frame, ref pos, ",\"s\":\""u8)) return false;
        if (!TryQuotedSymbol(frame, ref pos, out var instrument)) return false;
        int priceScale = _cachedPriceScale, quantityScale = _cachedQuantityScale;
        var ctx = new Context(frame, null, receiveTimeNs, output);
        if (!SpanScan.Expect(frame, ref pos, ",\"b\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, priceScale, out long bid, out byte bidDecimals, positive: true)
            || !SpanScan.Expect(frame, ref pos, ",\"B\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, quantityScale, out long bidSize, out byte bidSizeDecimals, positive: false)
            || !SpanScan.Expect(frame, ref pos, ",\"a\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, priceScale, out long ask, out byte askDecimals, positive: true)
            || !SpanScan.Expect(frame, ref pos, ",\"A\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, quantityScale, out long askSize, out byte askSizeDecimals, positive: false)
            || pos != frame.Length - 2 || frame[pos] != (byte)'}' || frame[pos + 1] != (byte)'}')
            return false;
        AddBbo(output, instrument, Side.Bid, bid, bidDecimals, bidSize, bidSizeDecimals, last, MarketEventFlags.HasSequence, 0, receiveTimeNs);
        AddBbo(output, instrument, Side.Ask, ask, askDecimals, askSize, askSizeDecimals, last, MarketEventFlags.HasSequence | MarketEventFlags.EndOfMessage, 0, receiveTimeNs);
        Commit(instrument);
        return true;
    }

    /// <summary>One side of a bookTicker as a <see cref="MarketEventKind.Bbo"/> event (both parse paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddBbo(MarketEventBatch output, InstrumentId instrument, Side side, long price, byte priceDecimals, long size, byte sizeDecimals,
        long sequence, MarketEventFlags flags, long exchangeNs, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = MarketEventKind.Bbo;
        e.Venue = _venue;
        e.Instrument = instrument;
        e.Side = side;
        e.Price = price; e.PriceDecimals = priceDecimals;
        e.Size = size; e.SizeDecimals = sizeDecimals;
        // bookTicker "u" is the book's update id: comparable with the depth stream's u.
        e.Sequence = sequence;
        e.Flags = flags;
        e.ExchangeTimeNs = exchangeNs;
        e.ReceiveTimeNs = receiveTimeNs;
    }

    /// <summary>A trade as one <see cref="MarketEventKind.Trade"/> event, its own message (both parse paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTrade(MarketEventBatch output, InstrumentId instrument, bool buyerIsMaker, long price, byte priceDecimals, long size, byte sizeDecimals,
        long tradeId, long exchangeNs, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = MarketEventKind.Trade;
        e.Venue = _venue;
        e.Instrument = instrument;
        // "m": the buyer is the maker, so the seller was the aggressor.
        e.Side = buyerIsMaker ? Side.Ask : Side.Bid;
        e.Price = price; e.PriceDecimals = priceDecimals;
        e.Size = size; e.SizeDecimals = sizeDecimals;
        e.Sequence = tradeId;
        e.PrevSequence = -1;
        e.ExchangeTimeNs = exchangeNs;
        e.ReceiveTimeNs = receiveTimeNs;
        e.Flags = MarketEventFlags.EndOfMessage;
    }

    /// <summary>The symbol at <paramref name="pos"/> (printable ASCII without escapes, up to its quote, which
    /// <paramref name="pos"/> ends past), looked up through the symbol cache and its scales cached: false when it is not a
    /// plain known symbol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryQuotedSymbol(ReadOnlySpan<byte> frame, ref int pos, out InstrumentId instrument)
    {
        // The connection's symbol again (checked when it was remembered): one compare instead of the byte loop.
        int known = _lastSymbolLength;
        if (known > 0 && (uint)(pos + known) < (uint)frame.Length && frame[pos + known] == (byte)'"'
            && frame.Slice(pos, known).SequenceEqual(_lastSymbol.AsSpan(0, known)))
        {
            instrument = _lastSymbolId;
            pos += known + 1;
            if (instrument != _cachedId) CacheScales(instrument);
            return true;
        }
        instrument = default;
        int symbolStart = pos, limit = Math.Min(frame.Length, pos + MaxSymbolBytes + 1);
        while (pos < limit)
        {
            byte b = frame[pos];
            if (b == (byte)'"') break;
            if ((uint)(b - 0x20) > 0x7E - 0x20 || b == (byte)'\\') return false;
            pos++;
        }
        if (pos >= limit || pos == symbolStart) return false;
        var symbol = frame.Slice(symbolStart, pos - symbolStart);
        pos++;
        if (!TryCachedSymbol(symbol, out instrument)) return false;
        if (instrument != _cachedId) CacheScales(instrument);
        return true;
    }

    /// <summary>
    /// The trade data object exactly as Binance writes it,
    /// <c>{"e":"trade","E":N,"s":"SYM","t":N,"p":"px","q":"qty","T":N,"m":bool,"M":bool}}</c> to the frame's end, at
    /// <paramref name="pos"/> (its '{'): one Trade event as <see cref="EmitTrade"/> makes it. Nothing is written unless
    /// the whole frame matched and its symbol is known; false leaves the frame to the general scan.
    /// </summary>
    private bool TryTrade(ReadOnlySpan<byte> frame, int pos, long receiveTimeNs, MarketEventBatch output)
    {
        if (!SpanScan.Expect(frame, ref pos, "{\"e\":\"trade\",\"E\":"u8) || !UnsignedInteger(frame, ref pos, out _)
            || !SpanScan.Expect(frame, ref pos, ",\"s\":\""u8))
            return false;
        if (!TryQuotedSymbol(frame, ref pos, out var instrument)) return false;
        var ctx = new Context(frame, null, receiveTimeNs, output);
        if (!SpanScan.Expect(frame, ref pos, ",\"t\":"u8) || !UnsignedInteger(frame, ref pos, out long tradeId)
            || !SpanScan.Expect(frame, ref pos, ",\"p\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, _cachedPriceScale, out long price, out byte priceDecimals, positive: true)
            || !SpanScan.Expect(frame, ref pos, ",\"q\":\""u8) || !LevelNumber(frame, ref pos, ref ctx, _cachedQuantityScale, out long size, out byte sizeDecimals, positive: false)
            || !SpanScan.Expect(frame, ref pos, ",\"T\":"u8) || !UnsignedInteger(frame, ref pos, out long transactMs)
            || (ulong)transactMs > long.MaxValue / 1_000_000
            || !SpanScan.Expect(frame, ref pos, ",\"m\":"u8))
            return false;
        bool buyerIsMaker;
        if (SpanScan.Expect(frame, ref pos, "true"u8)) buyerIsMaker = true;
        else if (SpanScan.Expect(frame, ref pos, "false"u8)) buyerIsMaker = false;
        else return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"M\":"u8) || !(SpanScan.Expect(frame, ref pos, "true"u8) || SpanScan.Expect(frame, ref pos, "false"u8))
            || pos != frame.Length - 2 || frame[pos] != (byte)'}' || frame[pos + 1] != (byte)'}')
            return false;
        AddTrade(output, instrument, buyerIsMaker, price, priceDecimals, size, sizeDecimals, tradeId, transactMs * 1_000_000, receiveTimeNs);
        Commit(instrument);
        return true;
    }

    // The last symbol the registry resolved (the registry never remaps a symbol, so the answer stays valid).
    private readonly byte[] _lastSymbol = new byte[MaxSymbolBytes];
    private int _lastSymbolLength = -1;
    private InstrumentId _lastSymbolId = InstrumentId.None;

    /// <summary>The registry's instrument for <paramref name="symbol"/>, remembering the last answer (one compare
    /// instead of a hash and probe for a connection's repeated symbol). Registers nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryCachedSymbol(ReadOnlySpan<byte> symbol, out InstrumentId instrument)
    {
        if (symbol.Length == _lastSymbolLength && symbol.SequenceEqual(_lastSymbol.AsSpan(0, symbol.Length)))
        {
            instrument = _lastSymbolId;
            return true;
        }
        return TryCachedSymbolSlow(symbol, out instrument);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryCachedSymbolSlow(ReadOnlySpan<byte> symbol, out InstrumentId instrument)
    {
        if (!_registry.TryGet(_venue, symbol, out instrument)) return false;
        if (symbol.Length <= _lastSymbol.Length)
        {
            symbol.CopyTo(_lastSymbol);
            _lastSymbolLength = symbol.Length;
            _lastSymbolId = instrument;
        }
        return true;
    }

    /// <summary>Scans the event object at <paramref name="pos"/> ('{') into <paramref name="f"/>, parsing level arrays
    /// into BookLevel events as they come (after their header).</summary>
    private bool ScanEvent(ReadOnlySpan<byte> frame, ref int pos, ref Context ctx, ref Fields f, bool wrapped)
    {
        int seen = 0;
        pos++;
        if ((uint)pos >= (uint)frame.Length) return false;
        if (frame[pos] == (byte)'}') { pos++; return true; }
        while (true)
        {
            if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'"') return false;
            int k = 0;
            for (int end = Math.Min(frame.Length, pos + 17); pos + 1 + k < end && frame[pos + 1 + k] != (byte)'"'; k++) { }
            if (pos + 1 + k >= frame.Length || frame[pos + 1 + k] != (byte)'"') k = frame.Slice(pos + 1).IndexOf((byte)'"');
            if (k <= 0) return false;
            var key = frame.Slice(pos + 1, k);
            pos += k + 2;
            if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)':') return false;
            pos += frame[pos + 1] == (byte)' ' ? 2 : 1; // one space after ':' and ',' (Python-style recorded REST bodies)
            if ((uint)pos >= (uint)frame.Length) return false;
            byte c = frame[pos];
            int bit = 0;
            // After a snapshot's first level array only its other array and times may follow.
            if (key.Length == 1)
            {
                switch (key[0])
                {
                    case (byte)'e':
                        bit = KeyE;
                        if (!PlainString(frame, ref pos, out var kind) || (seen & (KeyBids | KeyAsks)) != 0) return false;
                        f.Kind = KindOf(kind);
                        if (f.Kind == EventKind.Unknown) return false;
                        break;
                    case (byte)'E': bit = KeyEventTime; if (!Integer(frame, ref pos, out f.EventTime)) return false; f.HasEventTime = true; break;
                    case (byte)'T': bit = KeyT; if (!Integer(frame, ref pos, out f.TransactTime)) return false; f.HasTransactTime = true; break;
                    case (byte)'U': bit = KeyFirst; if (!Integer(frame, ref pos, out f.First)) return false; f.HasFirst = true; break;
                    case (byte)'u': bit = KeyLast; if (!Integer(frame, ref pos, out f.Last)) return false; f.HasLast = true; break;
                    case (byte)'t': bit = KeyTradeId; if (!Integer(frame, ref pos, out f.TradeId)) return false; f.HasTradeId = true; break;
                    case (byte)'s':
                        bit = KeyS;
                        if (!PlainString(frame, ref pos, out f.Symbol) || (seen & (KeyBids | KeyAsks)) != 0) return false;
                        f.HasSymbol = true;
                        break;
                    case (byte)'b':
                        bit = KeyB;
                        if (c == (byte)'[')
                        {
                            if (f.Kind != EventKind.Depth || !f.HasSymbol || (seen & (KeyBids | KeyAsks)) != 0) return false;
                            if (f.Instrument.IsNone)
                            {
                                if (!_registry.TryGet(_venue, f.Symbol, out f.Instrument)) return false;
                            }
                            f.HasBids = true;
                            if (!FastLevels(frame, ref pos, ref ctx, ref f, Side.Bid)) return false;
                        }
                        else if (!PlainString(frame, ref pos, out f.BidText)) return false;
                        break;
                    case (byte)'a':
                        bit = KeyA;
                        if (c == (byte)'[')
                        {
                            if (f.Kind != EventKind.Depth || f.HeaderIndex < 0 || (seen & (KeyBids | KeyAsks)) != 0) return false;
                            f.HasAsks = true;
                            if (!FastLevels(frame, ref pos, ref ctx, ref f, Side.Ask)) return false;
                        }
                        else if (c == (byte)'"') { if (!PlainString(frame, ref pos, out f.AskText)) return false; }
                        else { if (!Integer(frame, ref pos, out f.AggId)) return false; f.HasAggId = true; }
                        break;
                    case (byte)'B': bit = KeyBQ; if (!PlainString(frame, ref pos, out f.BidQty)) return false; break;
                    case (byte)'A': bit = KeyAQ; if (!PlainString(frame, ref pos, out f.AskQty)) return false; break;
                    case (byte)'p': bit = KeyP; if (!PlainString(frame, ref pos, out f.P)) return false; break;
                    case (byte)'q': bit = KeyQ; if (!PlainString(frame, ref pos, out f.Q)) return false; break;
                    case (byte)'r': bit = KeyR; if (!PlainString(frame, ref pos, out f.R)) return false; break;
                    case (byte)'i': bit = KeyI; if (!PlainString(frame, ref pos, out f.I)) return false; break;
                    case (byte)'m':
                        bit = KeyM;
                        if (frame.Slice(pos).StartsWith("true"u8)) { f.BuyerIsMaker = true; pos += 4; }
                        else if (frame.Slice(pos).StartsWith("false"u8)) { f.BuyerIsMaker = false; pos += 5; }
                        else return false;
                        f.HasMaker = true;
                        break;
                    default:
                        if (!PlainText(key) || !SkipValue(frame, ref pos, 0)) return false;
                        break;
                }
            }
            else if (key.Length == 2 && key[0] == (byte)'p' && key[1] == (byte)'u')
            {
                bit = KeyPrev;
                if (!Integer(frame, ref pos, out f.Prev)) return false;
                f.HasPrev = true;
            }
            else if (key.SequenceEqual("lastUpdateId"u8))
            {
                bit = KeyLastUpdateId;
                if (!Integer(frame, ref pos, out f.LastUpdateId)) return false;
                f.HasLastUpdateId = true;
            }
            else if (key.SequenceEqual("bids"u8))
            {
                // Raw REST snapshot: nothing but lastUpdateId / E / T / symbol (and unknown scalars) before it.
                bit = KeyBids;
                if (wrapped || c != (byte)'[' || (seen & ~(KeyLastUpdateId | KeyEventTime | KeyT | KeySymbol)) != 0) return false;
                if (!SnapshotInstrument(ref ctx, ref f)) return false;
                f.HasBids = true; f.SnapshotLevels = true;
                if (!FastLevels(frame, ref pos, ref ctx, ref f, Side.Bid)) return false;
            }
            else if (key.SequenceEqual("asks"u8))
            {
                bit = KeyAsks;
                if ((seen & KeyBids) == 0 || c != (byte)'[') return false;
                f.HasAsks = true;
                if (!FastLevels(frame, ref pos, ref ctx, ref f, Side.Ask)) return false;
            }
            else if (key.SequenceEqual("symbol"u8))
            {
                bit = KeySymbol;
                if (!PlainString(frame, ref pos, out f.BodySymbol)) return false;
                f.HasBodySymbol = true;
            }
            else if (key.SequenceEqual("id"u8) || key.SequenceEqual("data"u8) || key.SequenceEqual("stream"u8)
                     || key.SequenceEqual("result"u8) || key.SequenceEqual("code"u8) || key.SequenceEqual("error"u8))
                return false;
            else if (!PlainText(key) || !SkipValue(frame, ref pos, 0)) return false;

            if ((seen & bit) != 0) return false;
            seen |= bit;
            // A snapshot's arrays come last but for its times: anything else known after "bids" falls back.
            if ((seen & KeyBids) != 0 && (bit & ~(KeyBids | KeyAsks | KeyEventTime | KeyT | KeyLastUpdateId)) != 0) return false;
            if ((uint)pos >= (uint)frame.Length) return false;
            c = frame[pos++];
            if (c == (byte)',')
            {
                if ((uint)pos < (uint)frame.Length && frame[pos] == (byte)' ') pos++;
                continue;
            }
            return c == (byte)'}';
        }
    }

    /// <summary>The REST snapshot's instrument as the reference path resolves it, without registering anything.</summary>
    private bool SnapshotInstrument(ref Context ctx, ref Fields f)
    {
        InstrumentId id;
        if (f.HasBodySymbol)
        {
            if (!_registry.TryGet(_venue, f.BodySymbol, out id)) return false;
        }
        else if (ctx.Url is { } url)
        {
            Span<byte> buffer = stackalloc byte[MaxSymbolBytes];
            int length = SymbolFromUrl(url, buffer);
            if (length <= 0 || !_registry.TryGet(_venue, buffer[..length], out id)) return false;
        }
        else
        {
            if (_connectionAmbiguous || _connectionInstrument.IsNone) return false;
            id = _connectionInstrument;
        }
        f.Instrument = id;
        return true;
    }

    /// <summary><c>[["price","qty"],...]</c> at <paramref name="pos"/> ('[') into BookLevel events (after the header).</summary>
    /// <remarks>The position is a local for the level loop, written back once: through the reference every byte checked
    /// was a load and store of the caller's variable (as in the Bybit reader), and the numbers' slow path takes it by value.</remarks>
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, ref Context ctx, ref Fields f, Side side)
    {
        if (f.HeaderIndex < 0) AddHeader(ref ctx, ref f);
        var instrument = f.Instrument;
        if (instrument != _cachedId) CacheScales(instrument);
        int priceScale = _cachedPriceScale, quantityScale = _cachedQuantityScale;
        var output = ctx.Output;
        long receiveNs = ctx.ReceiveTimeNs;
        var venue = _venue;
        int p = pos + 1;
        if ((uint)p >= (uint)frame.Length) return false;
        if (frame[p] == (byte)']') { pos = p + 1; return true; }
        while (true)
        {
            // ["price","qty"]
            if ((uint)(p + 2) >= (uint)frame.Length || frame[p] != (byte)'[' || frame[p + 1] != (byte)'"') return false;
            if (!LevelNumberAt(frame, p + 2, ref ctx, priceScale, out long price, out byte pd, positive: true, out p)) return false;
            if ((uint)(p + 2) >= (uint)frame.Length || frame[p] != (byte)',') return false;
            p += frame[p + 1] == (byte)' ' ? 2 : 1; // Python-style ", " separators (recorded REST bodies)
            if (frame[p] != (byte)'"') return false;
            if (!LevelNumberAt(frame, p + 1, ref ctx, quantityScale, out long size, out byte sd, positive: false, out p)) return false;
            p--; // on the closing quote
            if ((uint)(p + 2) >= (uint)frame.Length || frame[p + 1] != (byte)']') return false;
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.BookLevel;
            e.Venue = venue;
            e.Instrument = instrument;
            e.Side = side;
            e.Price = price; e.PriceDecimals = pd;
            e.Size = size; e.SizeDecimals = sd;
            e.ReceiveTimeNs = receiveNs;
            byte c = frame[p + 2];
            p += 3;
            if (c == (byte)',')
            {
                if ((uint)p < (uint)frame.Length && frame[p] == (byte)' ') p++;
                continue;
            }
            pos = p;
            return c == (byte)']';
        }
    }

    /// <summary><see cref="LevelNumber"/> with the position in by value and out as <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LevelNumberAt(ReadOnlySpan<byte> frame, int start, ref Context ctx, int scale, out long value, out byte decimals, bool positive, out int end)
    {
        if (SpanScan.TryPlainDecimalToQuote(frame, start, scale, out value, out decimals, out end))
            return value > 0 || (value == 0 && !positive);
        return LevelNumberSlow(frame, start, ref ctx, scale, out value, out decimals, positive, out end);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool LevelNumberSlow(ReadOnlySpan<byte> frame, int start, ref Context ctx, int scale, out long value, out byte decimals, bool positive, out int end)
    {
        int q = frame.Slice(start).IndexOf((byte)'"');
        if (q < 0) { value = 0; decimals = 0; end = start; return false; }
        end = start + q + 1;
        return Number(ref ctx, frame.Slice(start, q), scale, out value, out decimals, positive) == RejectReason.None;
    }

    /// <summary>
    /// The number text at <paramref name="pos"/> up to its closing quote (<paramref name="pos"/> ends after the quote),
    /// accepted as <see cref="Number"/> accepts it. Plain unsigned decimals of at most 19 characters are read in the same
    /// pass that finds the quote, with the arithmetic of <see cref="FixedPoint.TryParse(ReadOnlySpan{byte}, int, out long, out byte)"/>'s
    /// fast path; any other text goes through the quote search and FixedPoint.TryParse itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LevelNumber(ReadOnlySpan<byte> frame, scoped ref int pos, ref Context ctx, int scale, out long value, out byte decimals, bool positive)
    {
        int start = pos;
        if (SpanScan.TryPlainDecimalToQuote(frame, start, scale, out value, out decimals, out int end))
        {
            pos = end;
            return value > 0 || (value == 0 && !positive);
        }
        int q = frame.Slice(start).IndexOf((byte)'"');
        if (q < 0) { value = 0; decimals = 0; return false; }
        pos = start + q + 1;
        return Number(ref ctx, frame.Slice(start, q), scale, out value, out decimals, positive) == RejectReason.None;
    }

    /// <summary>A string without escapes, control or non-ASCII bytes at <paramref name="pos"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PlainString(ReadOnlySpan<byte> frame, scoped ref int pos, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (frame[pos] != (byte)'"') return false;
        // Short strings (symbols, prices, event names): one scalar pass finds the quote and checks the bytes.
        int start = pos + 1, end = Math.Min(frame.Length, start + 24);
        for (int i = start; i < end; i++)
        {
            byte b = frame[i];
            if (b == (byte)'"')
            {
                value = frame.Slice(start, i - start);
                pos = i + 1;
                return true;
            }
            if ((uint)(b - 0x20) > 0x7E - 0x20 || b == (byte)'\\') return false;
        }
        int q = frame.Slice(pos + 1).IndexOf((byte)'"');
        if (q < 0) return false;
        value = frame.Slice(pos + 1, q);
        pos += q + 2;
        return PlainText(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PlainText(ReadOnlySpan<byte> text) =>
        text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0 && text.IndexOf((byte)'\\') < 0;

    /// <summary>
    /// <see cref="SpanScan.UnsignedInteger"/> (same texts accepted, same value and end) reading eight digits per load
    /// where 24 bytes are readable: Binance's update ids (11 digits) and times (13) cost two SWAR steps instead of a
    /// dependent multiply-add per digit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UnsignedInteger(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        if (SwarDigits(frame, pos, out value, out int end))
        {
            byte b = frame[end];
            if (b == (byte)'.' || b == (byte)'e' || b == (byte)'E') return false;
            pos = end;
            return true;
        }
        return SpanScan.UnsignedInteger(frame, ref pos, out value);
    }

    /// <summary>
    /// The digits at <paramref name="at"/> read eight per load when 24 bytes are readable there: true with their value
    /// and the index of the byte after them (not a digit) for a single 0 or 1 to 18 digits without a leading zero (what
    /// <see cref="SpanScan.UnsignedInteger"/> and <see cref="Integer"/> accept before their checks of the byte after);
    /// false when those do not accept the digits either, or when fewer than 24 bytes are readable (callers then use them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SwarDigits(ReadOnlySpan<byte> frame, int at, out long value, out int end)
    {
        value = 0;
        end = at;
        if ((uint)at >= (uint)frame.Length || frame.Length - at < 24) return false;
        ref byte origin = ref MemoryMarshal.GetReference(frame);
        ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at));
        int n = FixedPoint.LeadingDigits(word);
        if (n == 0 || (n > 1 && (byte)word == (byte)'0')) return false;
        ulong v = FixedPoint.DigitsValue(word, n);
        int digits = n;
        while (n == 8)
        {
            word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at + digits));
            n = FixedPoint.LeadingDigits(word);
            if (digits + n > 18) return false; // 19 digits or more: the scalar reads refuse them too
            if (n != 0) v = v * (ulong)FixedPoint.Pow10(n) + FixedPoint.DigitsValue(word, n);
            digits += n;
        }
        value = (long)v;
        end = at + digits;
        return true;
    }

    /// <summary>A JSON integer without sign, fraction or exponent that fits 18 digits (Binance's ids and times).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        if (frame.Length - pos >= 24)
        {
            if (!SwarDigits(frame, pos, out value, out int swarEnd)) return false;
            pos = swarEnd;
            return true;
        }
        value = 0;
        int i = pos;
        uint d = (uint)(frame[i] - '0');
        if (d > 9) return false;
        if (d == 0)
        {
            pos = i + 1;
            return pos < frame.Length && (uint)(frame[pos] - '0') > 9;
        }
        long v = 0;
        int end = Math.Min(frame.Length, i + 18);
        while (i < end && (d = (uint)(frame[i] - '0')) <= 9) { v = v * 10 + d; i++; }
        if (i >= frame.Length || (uint)(frame[i] - '0') <= 9) return false;
        value = v;
        pos = i;
        return true;
    }

    /// <summary>Skips a value the parser does not use (plain string, integer, true/false/null, flat-ish object).</summary>
    private static bool SkipValue(ReadOnlySpan<byte> frame, ref int pos, int depth)
    {
        switch (frame[pos])
        {
            case (byte)'"': return PlainString(frame, ref pos, out _);
            case (byte)'t': if (!frame.Slice(pos).StartsWith("true"u8)) return false; pos += 4; return true;
            case (byte)'f': if (!frame.Slice(pos).StartsWith("false"u8)) return false; pos += 5; return true;
            case (byte)'n': if (!frame.Slice(pos).StartsWith("null"u8)) return false; pos += 4; return true;
            case (byte)'{':
                if (depth >= MaxSkipDepth) return false;
                pos++;
                if ((uint)pos >= (uint)frame.Length) return false;
                if (frame[pos] == (byte)'}') { pos++; return true; }
                while (true)
                {
                    if (frame[pos] != (byte)'"' || !PlainString(frame, ref pos, out _)) return false;
                    if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)':') return false;
                    pos++;
                    if (!SkipValue(frame, ref pos, depth + 1)) return false;
                    if ((uint)pos >= (uint)frame.Length) return false;
                    byte c = frame[pos++];
                    if (c == (byte)',')
                    {
                        if ((uint)pos >= (uint)frame.Length) return false;
                        continue;
                    }
                    return c == (byte)'}';
                }
            default: return Integer(frame, ref pos, out _);
        }
    }
}
