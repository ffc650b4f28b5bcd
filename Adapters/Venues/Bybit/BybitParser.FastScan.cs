using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Bybit;

/// <summary>
/// Fast path: a span scanner for the exact shapes Bybit v5 sends:
/// <c>{"topic":"orderbook.{depth}.{symbol}","ts":n,"type":"snapshot"|"delta","data":{"s":"..","b":[["p","q"],..],"a":[..],"u":n,"seq":n},"cts":n}</c>
/// ("ts" and "type" in either order, "cts" optional);
/// <c>{"topic":"tickers.{symbol}","type":"..","data":{"symbol":"..",..},"cs":n,"ts":n}</c> (linear) or
/// <c>{"topic":"tickers.{symbol}","ts":n,"type":"..","cs":n,"data":{..}}</c> (spot), data members plain strings
/// (other members also plain integers, true, false or null);
/// <c>{"topic":"publicTrade.{symbol}","type":"..","ts":n,"data":[{"T":n,"s":"..","S":"Buy"|"Sell","v":"..","p":"..","i":"..",..},..]}</c>
/// (top-level members "type", "ts", "cs", "cts", "data" in any order after "topic", each at most once; or "type" first,
/// then "topic", as spot klines are sent). It accepts only
/// compact, ASCII, escape-free JSON with plain integer times/ids and string prices, for instruments already
/// registered (the control topics, klines and liquidations, with flat data of plain scalars are read as control); for ANY
/// deviation (acks included: they go to the reference path) it returns false, the frame's events are dropped and the
/// <see cref="System.Text.Json.Utf8JsonReader"/> path parses the frame again: that path remains the single authority on rejects and
/// their reasons. Accepted frames produce the same events and the same parser state (the restart counter and the kept
/// ticker state are touched only once the frame is committed); the ticker and trade events are built by the same
/// methods as on the reference path (TickerEvents, TradeEvent) from the same member texts.
/// </summary>
public sealed partial class BybitParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>WebSocket frames the fast path handed to the Utf8JsonReader path (acks, any
    /// deviation from the expected shape, an unknown symbol's first sighting, every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    private bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        if (frame.StartsWith("{\"topic\":\"orderbook."u8)) return TryFastBook(frame, receiveTimeNs, output);
        if (frame.StartsWith("{\"topic\":\""u8)) return TryFastTopic(frame, typeFirst: false, receiveTimeNs, output);
        if (frame.StartsWith("{\"type\":\""u8)) return TryFastTopic(frame, typeFirst: true, receiveTimeNs, output); // spot klines
        return false;
    }

    private bool TryFastBook(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        int pos = 9; // the topic value's opening quote
        if (!SpanScan.PlainString(frame, ref pos, out var topicText)) return false;
        if (!TryBookTopic(frame, topicText, out int depth, out var instrument, out int priceScale, out int quantityScale)) return false;
        int type = 0;
        long tsMs = 0;
        bool sawTs = false;
        for (int i = 0; i < 2; i++)
        {
            var rest = frame.Slice(pos);
            if (rest.StartsWith(",\"ts\":"u8))
            {
                if (sawTs) return false;
                pos += 6;
                if (!Integer(frame, ref pos, out tsMs)) return false;
                sawTs = true;
            }
            else if (rest.StartsWith(",\"type\":\""u8))
            {
                if (type != 0) return false;
                rest = rest.Slice(9);
                if (rest.StartsWith("snapshot\""u8)) { type = 1; pos += 18; }
                else if (rest.StartsWith("delta\""u8)) { type = 2; pos += 15; }
                else return false;
            }
            else return false;
        }
        if (!frame.Slice(pos).StartsWith(",\"data\":{\"s\":"u8)) return false;
        pos += 13;
        if (!SpanScan.PlainString(frame, ref pos, out _)) return false;

        int headerIndex = output.Count;
        output.Add();
        if (!frame.Slice(pos).StartsWith(",\"b\":"u8)) return false;
        pos += 5;
        if (!FastLevels(frame, ref pos, output, instrument, priceScale, quantityScale, Side.Bid, receiveTimeNs)) return false;
        if (!frame.Slice(pos).StartsWith(",\"a\":"u8)) return false;
        pos += 5;
        if (!FastLevels(frame, ref pos, output, instrument, priceScale, quantityScale, Side.Ask, receiveTimeNs)) return false;
        if (!frame.Slice(pos).StartsWith(",\"u\":"u8)) return false;
        pos += 5;
        if (!Integer(frame, ref pos, out long u) || u < 1) return false;
        if (!frame.Slice(pos).StartsWith(",\"seq\":"u8)) return false;
        pos += 7;
        if (!Integer(frame, ref pos, out _)) return false;
        if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'}') return false;
        pos++;
        long ctsMs = 0;
        if (frame.Slice(pos).StartsWith(",\"cts\":"u8))
        {
            pos += 7;
            if (!Integer(frame, ref pos, out ctsMs)) return false;
        }
        if (pos != frame.Length - 1 || frame[pos] != (byte)'}') return false;

        // Committed: what ParseBook and ParseFrame complete on the reference path.
        ref var h = ref output[headerIndex];
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = instrument;
        h.ReceiveTimeNs = receiveTimeNs;
        h.Sequence = u;
        h.PrevSequence = u - 1;
        h.FirstSequence = u;
        h.Flags = MarketEventFlags.HasSequence;
        h.ExchangeTimeNs = (ctsMs > 0 ? ctsMs : tsMs) * 1_000_000;
        if (type == 1 || depth == 1) h.Flags |= MarketEventFlags.Snapshot;
        else if (u == 1) RestartSlow(ref h);
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return true;
    }

    /// <summary>An orderbook topic seen before (its text, at most 32 bytes, as four masked words) and what it maps to.</summary>
    private struct BookTopicEntry
    {
        public ulong A, B, C, D;
        public int Length;
        public int Depth;
        public InstrumentId Instrument;
        public int PriceScale, QuantityScale;
    }

    /// <summary>Direct-mapped cache of <see cref="ClassifyTopic"/> + <see cref="InstrumentRegistry.TryGet"/> for orderbook
    /// topics (a topic's depth and symbol mapping never change once the symbol is registered): four word compares instead
    /// of two IndexOf calls, the depth's integer parse and the registry's hash of the symbol on every book frame.</summary>
    private readonly BookTopicEntry[] _bookTopics = new BookTopicEntry[8];

    /// <summary>Masks keeping the first n bytes of four 8-byte words, n = 0..32 (entry n at index 4n).</summary>
    private static readonly ulong[] _topicKeyMasks = BuildTopicKeyMasks();

    private static ulong[] BuildTopicKeyMasks()
    {
        var masks = new ulong[33 * 4];
        for (int n = 0; n <= 32; n++)
            for (int w = 0; w < 4; w++)
            {
                int keep = Math.Clamp(n - 8 * w, 0, 8);
                masks[4 * n + w] = keep == 8 ? ulong.MaxValue : (1UL << (8 * keep)) - 1;
            }
        return masks;
    }

    /// <summary>The depth, instrument and scales of the orderbook topic <paramref name="topic"/> (a slice of
    /// <paramref name="frame"/>); false when it is not an orderbook topic of a registered symbol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryBookTopic(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> topic, out int depth, out InstrumentId instrument, out int priceScale,
        out int quantityScale)
    {
        int length = topic.Length;
        int start = 10; // after {"topic":"
        if ((uint)(length - 1) < 32u && frame.Length - start >= 32)
        {
            ref byte text = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), start);
            ref ulong mask = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_topicKeyMasks), 4 * length);
            ulong a = Unsafe.ReadUnaligned<ulong>(ref text) & mask;
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref text, 8)) & Unsafe.Add(ref mask, 1);
            ulong c = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref text, 16)) & Unsafe.Add(ref mask, 2);
            ulong d = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref text, 24)) & Unsafe.Add(ref mask, 3);
            ref var entry = ref _bookTopics[(int)(((a ^ b ^ c ^ d) * 0x9E3779B97F4A7C15UL) >> 61)];
            if (entry.Length == length && entry.A == a && entry.B == b && entry.C == c && entry.D == d)
            {
                depth = entry.Depth;
                instrument = entry.Instrument;
                priceScale = entry.PriceScale;
                quantityScale = entry.QuantityScale;
                return true;
            }
            if (!BookTopicSlow(topic, out depth, out instrument, out priceScale, out quantityScale)) return false;
            entry = new BookTopicEntry
            {
                A = a, B = b, C = c, D = d, Length = length, Depth = depth, Instrument = instrument, PriceScale = priceScale, QuantityScale = quantityScale,
            };
            return true;
        }
        return BookTopicSlow(topic, out depth, out instrument, out priceScale, out quantityScale);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool BookTopicSlow(ReadOnlySpan<byte> topic, out int depth, out InstrumentId instrument, out int priceScale, out int quantityScale)
    {
        instrument = default;
        priceScale = quantityScale = 0;
        if (ClassifyTopic(topic, out depth, out var symbol) != Topic.Book || !_registry.TryGet(_venue, symbol, out instrument)) return false;
        var inst = _registry[instrument];
        priceScale = inst.PriceScale;
        quantityScale = inst.QuantityScale;
        return true;
    }

    /// <summary>Tickers and publicTrade frames (see the class summary), and the control topics' frames (klines,
    /// liquidations: no events) whose data is an array of flat objects or a flat object of plain scalars; ticker state is
    /// committed only once the whole frame was scanned and every number parsed.</summary>
    private bool TryFastTopic(ReadOnlySpan<byte> frame, bool typeFirst, long receiveTimeNs, MarketEventBatch output)
    {
        int pos = 9, seen = 0; // the topic value's opening quote
        if (typeFirst)
        {
            // {"type":"snapshot","topic":"kline.1.BTCUSDT",...}: "type" is known before "data", as when it follows "topic".
            pos = 8;
            if (!SpanScan.PlainString(frame, ref pos, out _) || !SpanScan.Expect(frame, ref pos, ",\"topic\":"u8)) return false;
            seen = 2;
        }
        if (!SpanScan.PlainString(frame, ref pos, out var topicText)) return false;
        var topic = ClassifyTopic(topicText, out _, out _);
        if (topic is not (Topic.Ticker or Topic.Trade or Topic.Control)) return false;
        int start = output.Count;
        long tsMs = 0;
        var fields = new TickerFields();
        while (true)
        {
            if (!SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
            if (!more) break;
            if (!SpanScan.PlainString(frame, ref pos, out var key) || !SpanScan.Expect(frame, ref pos, ":"u8)) return false;
            int bit;
            if (key.SequenceEqual("data"u8))
            {
                bit = 1;
                bool ok = topic switch
                {
                    Topic.Ticker => FastTickerData(frame, ref pos, ref fields),
                    Topic.Trade => FastTrades(frame, ref pos, receiveTimeNs, output),
                    _ => SkipFlatObjects(frame, ref pos),
                };
                if (!ok) return false;
            }
            else if (key.SequenceEqual("type"u8))
            {
                bit = 2;
                if (!SpanScan.PlainString(frame, ref pos, out _)) return false;
            }
            else if (key.SequenceEqual("ts"u8))
            {
                bit = 4;
                if (!Integer(frame, ref pos, out tsMs)) return false;
            }
            else if (key.SequenceEqual("cs"u8)) { bit = 8; if (!Integer(frame, ref pos, out _)) return false; }
            else if (key.SequenceEqual("cts"u8)) { bit = 16; if (!Integer(frame, ref pos, out _)) return false; }
            else return false;
            if ((seen & bit) != 0) return false; // a repeated member: the reference path decides
            seen |= bit;
        }
        if (pos != frame.Length || (seen & 3) != 3) return false;
        if (topic == Topic.Trade) return output.Count > start; // an empty data array: the reference path decides
        if (topic == Topic.Control) return true; // no events: control, as on the reference path

        // Committed: what ParseTicker and ParseFrame complete on the reference path.
        if (fields.Symbol.IsEmpty || !_registry.TryGet(_venue, fields.Symbol, out var instrument)) return false;
        if (TickerEvents(instrument, fields, receiveTimeNs, output) != RejectReason.None) return false;
        long tickerNs = tsMs * 1_000_000;
        for (int i = start; i < output.Count; i++) output[i].ExchangeTimeNs = tickerNs;
        return true;
    }

    /// <summary>A ticker's data object at <paramref name="pos"/>: the read members' texts into <paramref name="f"/>
    /// (the last one wins, as on the reference path), the other members skipped; false for any value that is not a
    /// plain string (read members) or a plain scalar (others).</summary>
    private static bool FastTickerData(ReadOnlySpan<byte> frame, scoped ref int pos, scoped ref TickerFields f)
    {
        if (!SpanScan.Expect(frame, ref pos, "{"u8)) return false;
        if (SpanScan.Expect(frame, ref pos, "}"u8)) return true;
        while (true)
        {
            if (!SpanScan.PlainString(frame, ref pos, out var key) || !SpanScan.Expect(frame, ref pos, ":"u8)) return false;
            if ((uint)pos >= (uint)frame.Length) return false;
            if (frame[pos] == (byte)'"')
            {
                if (!SpanScan.PlainString(frame, ref pos, out var value)) return false;
                switch (key.Length)
                {
                    case 6 when key.SequenceEqual("symbol"u8): f.Symbol = value; break;
                    case 8 when key.SequenceEqual("bid1Size"u8): f.BidSize = value; break;
                    case 8 when key.SequenceEqual("ask1Size"u8): f.AskSize = value; break;
                    case 9 when key.SequenceEqual("bid1Price"u8): f.BidPrice = value; break;
                    case 9 when key.SequenceEqual("ask1Price"u8): f.AskPrice = value; break;
                    case 9 when key.SequenceEqual("markPrice"u8): f.Mark = value; break;
                    case 10 when key.SequenceEqual("indexPrice"u8): f.Index = value; break;
                    case 11 when key.SequenceEqual("fundingRate"u8): f.Funding = value; break;
                    case 15 when key.SequenceEqual("nextFundingTime"u8): f.NextFunding = value; break;
                }
            }
            else if (IsTickerField(key) || !SkipPlainScalar(frame, ref pos)) return false;
            if (!SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
            if (!more) return true;
        }
    }

    private static bool IsTickerField(ReadOnlySpan<byte> key) =>
        key.SequenceEqual("symbol"u8) || key.SequenceEqual("bid1Price"u8) || key.SequenceEqual("bid1Size"u8)
        || key.SequenceEqual("ask1Price"u8) || key.SequenceEqual("ask1Size"u8) || key.SequenceEqual("markPrice"u8)
        || key.SequenceEqual("indexPrice"u8) || key.SequenceEqual("fundingRate"u8) || key.SequenceEqual("nextFundingTime"u8);

    /// <summary>A publicTrade data array at <paramref name="pos"/> into Trade events (built by TradeEvent from the same
    /// member texts as on the reference path); false for any other shape, an unregistered symbol or a reject.</summary>
    private bool FastTrades(ReadOnlySpan<byte> frame, scoped ref int pos, long receiveTimeNs, MarketEventBatch output)
    {
        if (!SpanScan.Expect(frame, ref pos, "["u8)) return false;
        if ((uint)pos >= (uint)frame.Length || frame[pos] == (byte)']') return false; // empty: the reference path decides
        while (true)
        {
            if (!SpanScan.Expect(frame, ref pos, "{"u8) || (uint)pos >= (uint)frame.Length || frame[pos] == (byte)'}') return false;
            ReadOnlySpan<byte> symbol = default, side = default, size = default, price = default, id = default, time = default;
            while (true)
            {
                if (!SpanScan.PlainString(frame, ref pos, out var key) || !SpanScan.Expect(frame, ref pos, ":"u8)) return false;
                if ((uint)pos >= (uint)frame.Length) return false;
                bool read = key.Length == 1 && key[0] is (byte)'s' or (byte)'S' or (byte)'v' or (byte)'p' or (byte)'i' or (byte)'T';
                if (!read)
                {
                    if (!SkipPlainScalar(frame, ref pos)) return false;
                }
                else if (key[0] == (byte)'T')
                {
                    int at = pos;
                    if (!Integer(frame, ref pos, out _)) return false;
                    time = frame.Slice(at, pos - at);
                }
                else
                {
                    if (!SpanScan.PlainString(frame, ref pos, out var value)) return false;
                    switch (key[0])
                    {
                        case (byte)'s': symbol = value; break;
                        case (byte)'S': side = value; break;
                        case (byte)'v': size = value; break;
                        case (byte)'p': price = value; break;
                        default: id = value; break;
                    }
                }
                if (!SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
                if (!more) break;
            }
            if (symbol.IsEmpty || side.IsEmpty || size.IsEmpty || price.IsEmpty) return false;
            if (!_registry.TryGet(_venue, symbol, out var instrument)) return false;
            if (TradeEvent(instrument, side, size, price, id, time, receiveTimeNs, output) != RejectReason.None) return false;
            if (!SpanScan.Separator(frame, ref pos, (byte)']', out bool next)) return false;
            if (!next) return true;
        }
    }

    /// <summary>A control topic's data skipped on the fast path: an array of flat objects (<c>[{..},..]</c>, possibly
    /// empty) or one flat object, their members' values plain scalars (<see cref="SkipPlainScalar"/>).</summary>
    private static bool SkipFlatObjects(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        if (!SpanScan.Expect(frame, ref pos, "["u8)) return SkipFlatObject(frame, ref pos);
        if (SpanScan.Expect(frame, ref pos, "]"u8)) return true;
        while (true)
        {
            if (!SkipFlatObject(frame, ref pos) || !SpanScan.Separator(frame, ref pos, (byte)']', out bool more)) return false;
            if (!more) return true;
        }
    }

    private static bool SkipFlatObject(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        if (!SpanScan.Expect(frame, ref pos, "{"u8)) return false;
        if (SpanScan.Expect(frame, ref pos, "}"u8)) return true;
        while (true)
        {
            if (!SpanScan.PlainString(frame, ref pos, out _) || !SpanScan.Expect(frame, ref pos, ":"u8) || !SkipPlainScalar(frame, ref pos)
                || !SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
            if (!more) return true;
        }
    }

    /// <summary>A value skipped on the fast path: a plain string, a plain integer, true, false or null.</summary>
    private static bool SkipPlainScalar(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        if ((uint)pos >= (uint)frame.Length) return false;
        switch (frame[pos])
        {
            case (byte)'"': return SpanScan.PlainString(frame, ref pos, out _);
            case (byte)'t': return SpanScan.Expect(frame, ref pos, "true"u8);
            case (byte)'f': return SpanScan.Expect(frame, ref pos, "false"u8);
            case (byte)'n': return SpanScan.Expect(frame, ref pos, "null"u8);
            default: return Integer(frame, ref pos, out _);
        }
    }

    /// <summary><c>[["price","qty"],...]</c> at <paramref name="pos"/> into BookLevel events; false on any other shape or
    /// a number the reference path would reject.</summary>
    /// <remarks>Not inlined into <see cref="TryFastBook"/>, and the position is a local: inside that large method the
    /// position lived on the stack (a load and store per byte checked) and the level loop competed for registers with the
    /// header's state.</remarks>
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, MarketEventBatch output, InstrumentId instrument,
        int priceScale, int quantityScale, Side side, long receiveTimeNs)
    {
        int p = pos;
        if ((uint)(p + 1) >= (uint)frame.Length || frame[p] != (byte)'[') return false;
        p++;
        if (frame[p] == (byte)']')
        {
            pos = p + 1;
            return true;
        }
        var venue = _venue;
        while (true)
        {
            if ((uint)p >= (uint)frame.Length || frame[p] != (byte)'[') return false;
            p++;
            ref var e = ref output.Add();
            if (!LevelNumber(frame, p, priceScale, out e.Price, out e.PriceDecimals, out p)) return false;
            if ((uint)p >= (uint)frame.Length || frame[p] != (byte)',') return false;
            p++;
            if (!LevelNumber(frame, p, quantityScale, out e.Size, out e.SizeDecimals, out p)) return false;
            if ((uint)(p + 1) >= (uint)frame.Length || frame[p] != (byte)']') return false;
            e.Kind = MarketEventKind.BookLevel;
            e.Side = side;
            e.Venue = venue;
            e.Instrument = instrument;
            e.ReceiveTimeNs = receiveTimeNs;
            byte c = frame[p + 1];
            p += 2;
            if (c == (byte)',') continue;
            pos = p;
            return c == (byte)']';
        }
    }

    /// <summary>
    /// The quoted number at <paramref name="pos"/> (its opening quote; <paramref name="pos"/> ends after the closing
    /// quote), accepted exactly as <see cref="VenueJson.ParseUnsigned"/> accepts it. Plain unsigned decimals of 1–7
    /// integer and 0–8 fraction digits (what Bybit sends) are read by <see cref="SpanScan.TryPlainDecimalSwar"/> and scaled
    /// here with a tabled overflow bound (<see cref="SpanScan.TryPlainDecimalToQuote"/> divides long.MaxValue by the
    /// power of ten for that check: a 64-bit division per number); any other text goes through TryPlainDecimalToQuote,
    /// then <see cref="SpanScan.PlainString"/> and ParseUnsigned itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LevelNumber(ReadOnlySpan<byte> frame, int pos, int scale, out long value, out byte decimals, out int end)
    {
        // The position goes in by value and comes out as end: a position passed by reference to the (not inlined) slow
        // path would keep the caller's position in memory for the whole level loop.
        int start = pos + 1;
        if ((uint)start < (uint)frame.Length && frame[pos] == (byte)'"' && frame.Length - start >= 17
            && SpanScan.TryPlainDecimalSwar(frame, start, out ulong digits, out int fraction, out int close))
        {
            int shift = scale - fraction;
            if ((uint)shift < (uint)SpanScan.MaxBeforeScaling.Length && digits <= SpanScan.MaxBeforeScaling[shift])
            {
                value = (long)(digits * (ulong)FixedPoint.Pow10(shift));
                decimals = (byte)fraction;
                end = close + 1;
                return true;
            }
        }
        bool ok = LevelNumberSlow(frame, pos, scale, out value, out decimals, out int slowEnd);
        end = slowEnd;
        return ok;
    }

    /// <summary>The texts <see cref="LevelNumber"/>'s SWAR read does not decide, exactly as before it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool LevelNumberSlow(ReadOnlySpan<byte> frame, int pos, int scale, out long value, out byte decimals, out int end)
    {
        if ((uint)(pos + 1) < (uint)frame.Length && frame[pos] == (byte)'"'
            && SpanScan.TryPlainDecimalToQuote(frame, pos + 1, scale, out value, out decimals, out end))
            return true;
        end = pos;
        if (!SpanScan.PlainString(frame, ref end, out var text)) { value = 0; decimals = 0; return false; }
        return VenueJson.ParseUnsigned(text, scale, out value, out decimals) == RejectReason.None;
    }

    /// <summary>A JSON integer without sign, fraction or exponent of at most 18 digits, followed by a non-digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        // Bybit's integers are 13-digit millisecond times and 8–11 digit sequence numbers: read eight digits per load
        // (SWAR) instead of a dependent multiply-add per digit, where 24 bytes are readable (all but a frame's last integer).
        int at = pos;
        if ((uint)at < (uint)frame.Length && frame.Length - at >= 24)
        {
            ref byte origin = ref MemoryMarshal.GetReference(frame);
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at));
            int n = FixedPoint.LeadingDigits(word);
            if (n == 0 || (n > 1 && (byte)word == (byte)'0'))
            {
                value = 0;
                return false;
            }
            ulong v = FixedPoint.DigitsValue(word, n);
            int digits = n;
            while (n == 8)
            {
                word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at + digits));
                n = FixedPoint.LeadingDigits(word);
                if (digits + n > 18)
                {
                    value = 0;
                    return false; // 19 digits or more: as the scalar read, not taken
                }
                if (n != 0) v = v * (ulong)FixedPoint.Pow10(n) + FixedPoint.DigitsValue(word, n);
                digits += n;
            }
            value = (long)v;
            pos = at + digits;
            return true;
        }
        return IntegerScalar(frame, ref pos, out value);
    }

    /// <summary><see cref="Integer"/> one digit at a time (near the frame's end).</summary>
    private static bool IntegerScalar(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        value = 0;
        int i = pos;
        if ((uint)i >= (uint)frame.Length) return false;
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
}
