using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Gemini;

/// <summary>
/// Fast path: a span scanner for the exact frames Gemini market data v2 sends, in either key order seen in captures
/// (2021: <c>type</c>, <c>symbol</c>, <c>changes</c>, <c>trades</c>; 2026: alphabetical, <c>auction_events</c> first):
/// <list type="bullet">
/// <item><c>{"type":"l2_updates","symbol":"X","changes":[["buy"|"sell","price","qty"],..],"trades"?:[{..}],"auction_events"?:[{..}]}</c>
/// → header + levels, as the reference path emits them (the <c>trades</c>/<c>auction_events</c> arrays are checked to
/// be arrays of flat objects with plain string or integer values and skipped, as the reference path skips them);</item>
/// <item><c>{"type":"trade","symbol","event_id"?,"tid"?,"timestamp"?,"price","quantity","side"}</c> → Trade;</item>
/// <item><c>{"type":"heartbeat","timestamp"?}</c> → Control.</item>
/// </list>
/// It accepts only compact, printable-ASCII, escape-free JSON (so also valid UTF-8), each key once, string prices and
/// sizes that are plain unsigned decimals of at most 19 characters, plain integer ids and times, and a symbol already
/// registered. For ANY deviation (whitespace, another type, an error result, an unknown symbol's first sighting, a
/// number outside that subset, bytes after the object) it returns false, the frame's events are dropped and the
/// <see cref="System.Text.Json.Utf8JsonReader"/> path parses the frame again: that path remains the single authority on
/// rejects and their reasons. Accepted frames produce the same events and parser state: the header comes from the same
/// <see cref="InitBookHeader"/>, the snapshot flag, level order and end mark from the same <see cref="FinishChanges"/>
/// (called only once the frame is accepted), and numbers with the arithmetic of FixedPoint.TryParse's fast path.
/// </summary>
public sealed partial class GeminiParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>WebSocket frames the fast path handed to the Utf8JsonReader path (any deviation from the expected shapes,
    /// other message types, an unknown symbol's first sighting, and every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    private const int KeyType = 1, KeySymbol = 2, KeyChanges = 4, KeyTrades = 8, KeyAuction = 16, KeyEventId = 32, KeyTid = 64,
        KeyTimestamp = 128, KeyPrice = 256, KeyQuantity = 512, KeySide = 1024;

    private const int TypeL2 = 1, TypeTrade = 2, TypeHeartbeat = 3;

    // `["buy","` and `["sell",` as little-endian words: a level's opening bytes compared in one load.
    private static readonly ulong BuyTag = MemoryMarshal.Read<ulong>("[\"buy\",\""u8);
    private static readonly ulong SellTag = MemoryMarshal.Read<ulong>("[\"sell\","u8);

    private bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out bool control)
    {
        control = false;
        if (frame.Length < 2 || frame[0] != (byte)'{') return false;
        int pos = 1, seen = 0, type = 0;
        ReadOnlySpan<byte> symbol = default, price = default, quantity = default;
        long tid = 0, eventId = 0, timestampMs = 0;
        var side = Side.None;
        int headerIndex = -1;
        bool scaled = false;
        InstrumentId instrument = default;
        int priceScale = 0, sizeScale = 0;
        while (true)
        {
            if (!SpanScan.PlainString(frame, ref pos, out var key)) return false;
            if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)':') return false;
            pos++;
            int bit;
            switch (key.Length)
            {
                case 4 when key.SequenceEqual("type"u8):
                {
                    bit = KeyType;
                    if (!SpanScan.PlainString(frame, ref pos, out var text)) return false;
                    if (text.SequenceEqual("l2_updates"u8)) type = TypeL2;
                    else if (text.SequenceEqual("trade"u8)) type = TypeTrade;
                    else if (text.SequenceEqual("heartbeat"u8)) type = TypeHeartbeat;
                    else return false;
                    break;
                }
                case 6 when key.SequenceEqual("symbol"u8):
                    bit = KeySymbol;
                    if (!SpanScan.PlainString(frame, ref pos, out symbol) || symbol.IsEmpty) return false;
                    if ((seen & KeyChanges) == 0)
                    {
                        // Known before the levels (2021 key order): they are scaled as they are read.
                        if (!_registry.TryGet(_venue, symbol, out instrument)) return false;
                        var inst = _registry[instrument];
                        priceScale = inst.PriceScale;
                        sizeScale = inst.QuantityScale;
                        scaled = true;
                    }
                    break;
                case 7 when key.SequenceEqual("changes"u8):
                    bit = KeyChanges;
                    headerIndex = output.Count;
                    output.Add(); // the header, completed once the object is read
                    if (!FastLevels(frame, ref pos, output, scaled, priceScale, sizeScale, instrument, receiveTimeNs)) return false;
                    break;
                case 6 when key.SequenceEqual("trades"u8):
                    bit = KeyTrades;
                    if (!FlatObjectArray(frame, ref pos)) return false;
                    break;
                case 14 when key.SequenceEqual("auction_events"u8):
                    bit = KeyAuction;
                    if (!FlatObjectArray(frame, ref pos)) return false;
                    break;
                case 8 when key.SequenceEqual("event_id"u8):
                    bit = KeyEventId;
                    if (!Integer(frame, ref pos, 19, out eventId)) return false;
                    break;
                case 3 when key.SequenceEqual("tid"u8):
                    bit = KeyTid;
                    if (!Integer(frame, ref pos, 19, out tid)) return false;
                    break;
                case 9 when key.SequenceEqual("timestamp"u8):
                    bit = KeyTimestamp;
                    if (!Integer(frame, ref pos, 18, out timestampMs)) return false;
                    break;
                case 5 when key.SequenceEqual("price"u8):
                    bit = KeyPrice;
                    if (!SpanScan.PlainString(frame, ref pos, out price)) return false;
                    break;
                case 8 when key.SequenceEqual("quantity"u8):
                    bit = KeyQuantity;
                    if (!SpanScan.PlainString(frame, ref pos, out quantity)) return false;
                    break;
                case 4 when key.SequenceEqual("side"u8):
                {
                    bit = KeySide;
                    if (!SpanScan.PlainString(frame, ref pos, out var text)) return false;
                    side = text.SequenceEqual("buy"u8) ? Side.Bid : text.SequenceEqual("sell"u8) ? Side.Ask : Side.None;
                    if (side == Side.None) return false;
                    break;
                }
                default:
                    return false;
            }
            if ((seen & bit) != 0) return false;
            seen |= bit;
            if ((uint)pos >= (uint)frame.Length) return false;
            byte c = frame[pos++];
            if (c == (byte)',') continue;
            if (c != (byte)'}' || pos != frame.Length) return false;
            break;
        }

        switch (type)
        {
            case TypeL2:
                if (seen != (seen & (KeyType | KeySymbol | KeyChanges | KeyTrades | KeyAuction))
                    || (seen & (KeySymbol | KeyChanges)) != (KeySymbol | KeyChanges)) return false;
                if (!scaled)
                {
                    // Levels came before the symbol (2026 key order): read unscaled, scaled now.
                    if (!_registry.TryGet(_venue, symbol, out instrument)) return false;
                    var inst = _registry[instrument];
                    if (!ScaleLevels(output.Events.Slice(headerIndex + 1), inst.PriceScale, inst.QuantityScale, instrument)) return false;
                }
                InitBookHeader(ref output[headerIndex], instrument, receiveTimeNs);
                FinishChanges(headerIndex, instrument, output);
                return true;
            case TypeTrade:
                return (seen & ~(KeyType | KeySymbol | KeyEventId | KeyTid | KeyTimestamp | KeyPrice | KeyQuantity | KeySide)) == 0
                    && (seen & (KeySymbol | KeyPrice | KeyQuantity | KeySide)) == (KeySymbol | KeyPrice | KeyQuantity | KeySide)
                    && FastTrade(symbol, price, quantity, side, (seen & KeyTid) != 0 ? tid : eventId, (seen & (KeyTid | KeyEventId)) != 0,
                        (seen & KeyTimestamp) != 0 ? timestampMs : -1, receiveTimeNs, output);
            case TypeHeartbeat:
                control = true;
                return (seen & ~(KeyType | KeyTimestamp)) == 0;
            default:
                return false;
        }
    }

    /// <summary>A trade event exactly as the reference path builds it; false (nothing added) on anything it would not
    /// accept as is.</summary>
    private bool FastTrade(ReadOnlySpan<byte> symbol, ReadOnlySpan<byte> priceText, ReadOnlySpan<byte> quantityText, Side side,
        long id, bool hasId, long timestampMs, long receiveTimeNs, MarketEventBatch output)
    {
        if (!_registry.TryGet(_venue, symbol, out var instrument)) return false;
        var inst = _registry[instrument];
        if (VenueJson.ParseUnsigned(priceText, inst.PriceScale, out long price, out byte priceDecimals) != RejectReason.None) return false;
        if (VenueJson.ParseUnsigned(quantityText, inst.QuantityScale, out long size, out byte sizeDecimals) != RejectReason.None) return false;
        ref var e = ref output.Add();
        e.Price = price;
        e.PriceDecimals = priceDecimals;
        e.Size = size;
        e.SizeDecimals = sizeDecimals;
        e.Side = side;
        if (hasId) e.Sequence = id;
        if (timestampMs >= 0) e.ExchangeTimeNs = timestampMs * 1_000_000;
        VenueJson.CompleteTrade(ref e, _venue, instrument, receiveTimeNs);
        return true;
    }

    /// <summary>
    /// <c>[["buy"|"sell","price","qty"],...]</c> at <paramref name="position"/> into BookLevel events. With
    /// <paramref name="scaled"/> the numbers are scaled as read; otherwise Price/Size hold the digits as an unsigned
    /// integer and PriceDecimals/SizeDecimals the fraction length, for <see cref="ScaleLevels"/>.
    /// </summary>
    /// <remarks>The hot loop of the parser (most bytes of a frame are levels): kept out of <see cref="TryFast"/> and
    /// working on a local position over a raw reference, so the position stays in a register and every read is checked
    /// against the length once.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int position, MarketEventBatch output, bool scaled, int priceScale, int sizeScale,
        InstrumentId instrument, long receiveTimeNs)
    {
        int length = frame.Length, pos = position;
        ref byte b = ref MemoryMarshal.GetReference(frame);
        if (pos < 0 || pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)'[') return false;
        pos++;
        if (Unsafe.Add(ref b, pos) == (byte)']') { position = pos + 1; return true; }
        var venue = _venue;
        ulong buyTag = BuyTag, sellTag = SellTag;
        while (true)
        {
            if (pos > length - 9) return false; // a level is at least 9 bytes more than its opening word
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, pos));
            Side side;
            if (word == buyTag) { side = Side.Bid; pos += 8; }
            else if (word == sellTag && Unsafe.Add(ref b, pos + 8) == (byte)'"') { side = Side.Ask; pos += 9; }
            else return false;
            pos = Decimal(ref b, length, pos, out ulong priceDigits, out int priceFraction);
            if (pos < 0 || pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)',' || Unsafe.Add(ref b, pos + 1) != (byte)'"') return false;
            pos = Decimal(ref b, length, pos + 2, out ulong sizeDigits, out int sizeFraction);
            if (pos < 0 || pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)']') return false;
            ref var e = ref output.Add();
            if (scaled)
            {
                if (!Scale(priceDigits, priceFraction, priceScale, out e.Price) || !Scale(sizeDigits, sizeFraction, sizeScale, out e.Size)) return false;
                e.Instrument = instrument;
            }
            else
            {
                e.Price = (long)priceDigits;
                e.Size = (long)sizeDigits;
            }
            e.PriceDecimals = (byte)priceFraction;
            e.SizeDecimals = (byte)sizeFraction;
            e.Kind = MarketEventKind.BookLevel;
            e.Side = side;
            e.Venue = venue;
            e.ReceiveTimeNs = receiveTimeNs;
            byte c = Unsafe.Add(ref b, pos + 1);
            pos += 2;
            if (c == (byte)',') continue;
            if (c != (byte)']') return false;
            position = pos;
            return true;
        }
    }

    /// <summary>Scales levels read before the symbol was known (see <see cref="FastLevels"/>).</summary>
    private static bool ScaleLevels(Span<MarketEvent> levels, int priceScale, int sizeScale, InstrumentId instrument)
    {
        for (int i = 0; i < levels.Length; i++)
        {
            ref var e = ref levels[i];
            if (!Scale((ulong)e.Price, e.PriceDecimals, priceScale, out e.Price) || !Scale((ulong)e.Size, e.SizeDecimals, sizeScale, out e.Size)) return false;
            e.Instrument = instrument;
        }
        return true;
    }

    /// <summary>
    /// A plain unsigned decimal (digits with at most one '.', 1–19 characters, not a lone '.') at <paramref name="begin"/>
    /// (0 ≤ begin &lt; <paramref name="length"/>) ending at a closing quote: its digits as an integer and the number of
    /// digits after the '.'. Exactly the texts FixedPoint.TryParse's fast path reads. Returns the index after the quote,
    /// or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Decimal(ref byte b, int length, int begin, out ulong digits, out int fraction)
    {
        // Usual case, without a loop whose exit the branch predictor keeps missing: at most 7 integer digits, an
        // optional '.' and at most 7 fraction digits, each run read as one 8-byte word. Anything else (or too close
        // to the end of the frame for two words) is read byte by byte below, with the same answer.
        if (begin <= length - 16)
        {
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, begin));
            int n = FixedPoint.LeadingDigits(word);
            if (n < 8)
            {
                uint next = (byte)(word >> (n * 8));
                if (next == '"' && n > 0)
                {
                    digits = FixedPoint.DigitsValue(word, n);
                    fraction = 0;
                    return begin + n + 1;
                }
                if (next == '.')
                {
                    int fractionStart = begin + n + 1;
                    ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, fractionStart));
                    int m = FixedPoint.LeadingDigits(tail);
                    if (m < 8 && (byte)(tail >> (m * 8)) == (byte)'"' && n + m > 0)
                    {
                        digits = FixedPoint.DigitsValue(word, n) * Pow10[m] + FixedPoint.DigitsValue(tail, m);
                        fraction = m;
                        return fractionStart + m + 1;
                    }
                }
            }
        }
        return DecimalBytes(ref b, length, begin, out digits, out fraction);
    }

    /// <summary><see cref="Decimal"/> byte by byte.</summary>
    private static int DecimalBytes(ref byte b, int length, int begin, out ulong digits, out int fraction)
    {
        int k = begin, dot = -1;
        int limit = Math.Min(length, begin + 19);
        ulong acc = 0;
        for (; k < limit; k++)
        {
            uint d = (uint)(Unsafe.Add(ref b, k) - '0');
            if (d <= 9) { acc = acc * 10 + d; continue; }
            if (d != unchecked((uint)('.' - '0')) || dot >= 0) break;
            dot = k;
        }
        int n = k - begin;
        digits = acc;
        fraction = dot < 0 ? 0 : k - 1 - dot;
        return k < length && Unsafe.Add(ref b, k) == (byte)'"' && n > 0 && (dot < 0 || n > 1) ? k + 1 : -1;
    }

    /// <summary>digits × 10^(scale − fraction) as FixedPoint.TryParse computes it; false where it would not answer Ok
    /// with that product (overflow, or more fraction digits than the scale with non-zero digits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Scale(ulong digits, int fraction, int scale, out long value)
    {
        if (digits == 0) { value = 0; return true; }
        uint shift = (uint)(scale - fraction);
        var pow10 = Pow10;
        var limit = MaxBeforeShift;
        if (shift < (uint)pow10.Length && digits <= limit[(int)shift])
        {
            value = (long)(digits * pow10[(int)shift]);
            return true;
        }
        value = 0;
        return false;
    }

    private static ReadOnlySpan<ulong> Pow10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
    ];

    /// <summary>long.MaxValue / 10^shift: the largest digits value that scales by 10^shift without overflow (the
    /// division FixedPoint.TryParse makes, as a table).</summary>
    private static ReadOnlySpan<ulong> MaxBeforeShift =>
    [
        9_223_372_036_854_775_807, 922_337_203_685_477_580, 92_233_720_368_547_758, 9_223_372_036_854_775,
        922_337_203_685_477, 92_233_720_368_547, 9_223_372_036_854, 922_337_203_685, 92_233_720_368, 9_223_372_036,
        922_337_203, 92_233_720, 9_223_372, 922_337, 92_233, 9_223, 922, 92, 9,
    ];

    /// <summary>
    /// <c>[{"k":"v"|n,...},...]</c> at <paramref name="pos"/>: an array (possibly empty) of objects (possibly empty)
    /// whose values are plain strings or non-negative JSON integers: valid JSON the reference path skips.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool FlatObjectArray(ReadOnlySpan<byte> frame, ref int position)
    {
        // Full books carry 50–100 trades here (most of such a frame's bytes after the levels): a local position over a
        // raw reference, every read checked against the length.
        int length = frame.Length, pos = position;
        ref byte b = ref MemoryMarshal.GetReference(frame);
        if (pos < 0 || pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)'[') return false;
        pos++;
        if (Unsafe.Add(ref b, pos) == (byte)']') { position = pos + 1; return true; }
        while (true)
        {
            if (pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)'{') return false;
            pos++;
            if (Unsafe.Add(ref b, pos) == (byte)'}') pos++;
            else
            {
                while (true)
                {
                    pos = PlainStringEnd(ref b, length, pos); // the key
                    if (pos < 0 || pos + 1 >= length || Unsafe.Add(ref b, pos) != (byte)':') return false;
                    pos++;
                    pos = Unsafe.Add(ref b, pos) == (byte)'"' ? PlainStringEnd(ref b, length, pos) : JsonDigitsEnd(ref b, length, pos);
                    if (pos < 0 || pos >= length) return false;
                    byte c = Unsafe.Add(ref b, pos++);
                    if (c == (byte)',') continue;
                    if (c != (byte)'}') return false;
                    break;
                }
            }
            if (pos >= length) return false;
            byte next = Unsafe.Add(ref b, pos++);
            if (next == (byte)',') continue;
            if (next != (byte)']') return false;
            position = pos;
            return true;
        }
    }

    /// <summary>The index after a string of printable ASCII without escapes whose opening quote is at
    /// <paramref name="pos"/> (as <see cref="SpanScan.PlainString"/> accepts it), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PlainStringEnd(ref byte b, int length, int pos)
    {
        if ((uint)pos >= (uint)length || Unsafe.Add(ref b, pos) != (byte)'"') return -1;
        for (int i = pos + 1; i < length; i++)
        {
            byte c = Unsafe.Add(ref b, i);
            if (c == (byte)'"') return i + 1;
            if ((uint)(c - 0x20) > 0x7E - 0x20 || c == (byte)'\\') return -1;
        }
        return -1;
    }

    /// <summary>The index after a JSON integer without sign at <paramref name="pos"/> (as <see cref="JsonDigits"/>
    /// accepts it), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int JsonDigitsEnd(ref byte b, int length, int pos)
    {
        int i = pos;
        if ((uint)i >= (uint)length) return -1;
        uint first = (uint)(Unsafe.Add(ref b, i) - '0');
        if (first > 9) return -1;
        i++;
        if (first != 0) while (i < length && (uint)(Unsafe.Add(ref b, i) - '0') <= 9) i++;
        if (i >= length) return -1;
        byte c = Unsafe.Add(ref b, i);
        if ((uint)(c - '0') <= 9 || c == (byte)'.' || c == (byte)'e' || c == (byte)'E') return -1;
        return i;
    }

    /// <summary>A JSON integer without sign (<c>0</c> or digits not starting with 0), followed by a non-digit that is not
    /// '.', 'e' or 'E'.</summary>
    private static bool JsonDigits(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        int i = pos;
        if ((uint)i >= (uint)frame.Length) return false;
        uint first = (uint)(frame[i] - '0');
        if (first > 9) return false;
        i++;
        if (first != 0) while (i < frame.Length && (uint)(frame[i] - '0') <= 9) i++;
        if (i >= frame.Length) return false;
        byte b = frame[i];
        if ((uint)(b - '0') <= 9 || b == (byte)'.' || b == (byte)'e' || b == (byte)'E') return false;
        pos = i;
        return true;
    }

    /// <summary>A JSON integer without sign of 1 to <paramref name="maxDigits"/> digits (no leading zero) whose value fits
    /// a long: what <see cref="VenueJson.TryParseId"/> (19) and <see cref="VenueJson.TryParseInt64"/> (18) accept from a
    /// number token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, int maxDigits, out long value)
    {
        value = 0;
        int begin = pos;
        if (!JsonDigits(frame, ref pos)) return false;
        int n = pos - begin;
        if (n > maxDigits) { pos = begin; return false; }
        ulong v = 0;
        for (int i = begin; i < pos; i++) v = v * 10 + (uint)(frame[i] - '0');
        if (v > long.MaxValue) return false;
        value = (long)v;
        return true;
    }
}
