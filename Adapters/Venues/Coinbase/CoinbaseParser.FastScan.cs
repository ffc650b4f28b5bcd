using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Coinbase;

/// <summary>
/// Fast path: a span scanner for the exact frames Coinbase Advanced Trade sends on its hot channels —
/// <c>{"channel":"l2_data","client_id":"..."?,"timestamp":"...","sequence_num":n,"events":[{"type":"snapshot"|"update","product_id":"X","updates":[{"side":"bid"|"offer","event_time":"...","price_level":"p","new_quantity":"q"},..]},..]}</c>,
/// <c>ticker</c>/<c>ticker_batch</c> (<c>{"type":"..","tickers":[{..}]}</c> events whose objects hold plain strings) and
/// <c>market_trades</c> update events (<c>{"type":"update","trades":[{..}]}</c>): compact, escape-free JSON with the keys
/// in that order. For ANY deviation, another channel (heartbeats, candles, subscriptions, status, errors), a trades
/// snapshot or an unknown product (its first sighting registers it) it returns false, the frame's events are dropped and
/// the <see cref="System.Text.Json.Utf8JsonReader"/> path parses the frame again: that path remains the single authority on
/// rejects and their reasons. Accepted frames produce the same events as that path: the same helpers complete book
/// headers and emit Bbo and Trade events (CompleteL2Header, AddBbo, AddTrade), and level numbers give what
/// <see cref="VenueJson.ParseUnsigned"/> gives (<see cref="SpanScan.TryPlainDecimalToQuote"/> for plain decimals, that
/// function itself otherwise). Books fed by the frame are tracked (for <c>sequence_num</c> gaps) only once the whole
/// frame was accepted, so a fallback leaves the parser's state as the reference path alone would. Every byte of an
/// accepted frame has been checked to be ASCII (literals, plain strings, digits), so an accepted frame is valid UTF-8:
/// the parser runs the UTF-8 validation only before the reference path.
/// </summary>
public sealed partial class CoinbaseParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>Frames the fast path handed to the Utf8JsonReader path (any deviation from the expected shapes, control
    /// channels, trades snapshots, an unknown product's first sighting, and every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    /// <summary>Books of the frame being scanned, tracked once the frame is accepted (more than this many book events in
    /// one frame: fallback).</summary>
    private readonly InstrumentId[] _fastBooks = new InstrumentId[8];

    /// <summary>Bytes that end a plain string scan: the closing quote, an escape, a control byte (invalid JSON) or a
    /// non-ASCII byte (the fast path accepts ASCII frames only, so that it can skip the UTF-8 validation).</summary>
    private static readonly SearchValues<byte> _stringStops = SearchValues.Create(StringStopBytes());

    private static byte[] StringStopBytes()
    {
        var stops = new List<byte> { (byte)'"', (byte)'\\' };
        for (int i = 0; i < 32; i++) stops.Add((byte)i);
        for (int i = 0x80; i < 0x100; i++) stops.Add((byte)i);
        return stops.ToArray();
    }

    private bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, int start, out long sequenceNum)
    {
        sequenceNum = -1;
        if (!frame.StartsWith("{\"channel\":"u8)) return false;
        int pos = 11; // on the channel's opening quote
        if (!SpanScan.PlainString(frame, ref pos, out var channelText)) return false;
        var channel = Classify(channelText);
        if (channel is not (Channel.L2 or Channel.Ticker or Channel.Trades)) return false;
        if (SpanScan.Expect(frame, ref pos, ",\"client_id\":"u8) && !SpanScan.PlainString(frame, ref pos, out _)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"timestamp\":"u8) || !SpanScan.PlainString(frame, ref pos, out var timestamp)
            || !VenueJson.TryParseIsoUtcNs(timestamp, out long timestampNs)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"sequence_num\":"u8) || !Integer(frame, ref pos, out long sequence)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"events\":["u8)) return false;
        int books = 0;
        while (true)
        {
            bool ok;
            if (channel == Channel.L2)
            {
                if (books == _fastBooks.Length) return false;
                ok = FastL2Event(frame, ref pos, timestampNs, receiveTimeNs, output, out _fastBooks[books]);
                books++;
            }
            else if (channel == Channel.Ticker) ok = FastTickerEvent(frame, ref pos, receiveTimeNs, output);
            else ok = FastTradesEvent(frame, ref pos, receiveTimeNs, output);
            if (!ok || (uint)pos >= (uint)frame.Length) return false;
            byte c = frame[pos++];
            if (c == (byte)',') continue;
            if (c != (byte)']') return false;
            break;
        }
        if (pos + 1 != frame.Length || frame[pos] != (byte)'}') return false;
        if (channel == Channel.Ticker) StampExchangeTime(output, start, timestampNs); // l2 headers were stamped as added
        for (int i = 0; i < books; i++) TrackBook(_fastBooks[i]);
        sequenceNum = sequence;
        return true;
    }

    /// <summary>One l2_data event at <paramref name="pos"/> ('{'): header, levels, completion.</summary>
    private bool FastL2Event(ReadOnlySpan<byte> frame, ref int pos, long timestampNs, long receiveTimeNs, MarketEventBatch output, out InstrumentId instrument)
    {
        instrument = InstrumentId.None;
        if (!SpanScan.Expect(frame, ref pos, "{\"type\":\""u8)) return false;
        bool snapshot;
        if (SpanScan.Expect(frame, ref pos, "update\""u8)) snapshot = false;
        else if (SpanScan.Expect(frame, ref pos, "snapshot\""u8)) snapshot = true;
        else return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"product_id\":"u8) || !SpanScan.PlainString(frame, ref pos, out var product)) return false;
        if (!_registry.TryGet(_venue, product, out instrument)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"updates\":["u8)) return false;
        int headerIndex = output.Count;
        output.Add().ExchangeTimeNs = timestampNs;
        if (!FastLevels(frame, ref pos, instrument, receiveTimeNs, output)) return false;
        if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'}') return false;
        pos++;
        CompleteL2Header(output, headerIndex, instrument, snapshot, receiveTimeNs);
        return true;
    }

    /// <summary>The levels after <c>"updates":[</c> up to and past the closing ']'.</summary>
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, InstrumentId instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if ((uint)pos >= (uint)frame.Length) return false;
        if (frame[pos] == (byte)']')
        {
            pos++;
            return true;
        }
        var inst = _registry[instrument];
        int priceScale = inst.PriceScale, sizeScale = inst.QuantityScale;
        var venue = _venue;
        while (true)
        {
            if (!SpanScan.Expect(frame, ref pos, "{\"side\":\""u8)) return false;
            Side side;
            if (SpanScan.Expect(frame, ref pos, "bid\""u8)) side = Side.Bid;
            else if (SpanScan.Expect(frame, ref pos, "offer\""u8)) side = Side.Ask;
            else return false;
            if (!SpanScan.Expect(frame, ref pos, ",\"event_time\":"u8) || !SkipString(frame, ref pos)) return false;
            if (!SpanScan.Expect(frame, ref pos, ",\"price_level\":\""u8) || !NumberToQuote(frame, ref pos, priceScale, out long price, out byte priceDecimals)) return false;
            // Literals of at most 16 bytes compile to two 8-byte compares; a 17th byte would make the match a call.
            if (!SpanScan.Expect(frame, ref pos, ",\"new_quantity\":"u8) || !SpanScan.Expect(frame, ref pos, "\""u8)
                || !NumberToQuote(frame, ref pos, sizeScale, out long size, out byte sizeDecimals)) return false;
            if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)'}') return false;
            ref var e = ref output.Add();
            e.Price = price;
            e.PriceDecimals = priceDecimals;
            e.Size = size;
            e.SizeDecimals = sizeDecimals;
            e.Kind = MarketEventKind.BookLevel;
            e.Side = side;
            e.Venue = venue;
            e.Instrument = instrument;
            e.ReceiveTimeNs = receiveTimeNs;
            byte next = frame[pos + 1];
            pos += 2;
            if (next == (byte)',') continue;
            return next == (byte)']';
        }
    }

    /// <summary>A number string's text after its opening quote, up to and past the closing quote, parsed as
    /// <see cref="VenueJson.ParseUnsigned"/> parses it; false on any failure (the reference path then decides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NumberToQuote(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value, out byte decimals)
    {
        if (SpanScan.TryPlainDecimalToQuote(frame, pos, scale, out value, out decimals, out int end))
        {
            pos = end;
            return true;
        }
        return NumberToQuoteSlow(frame, ref pos, scale, out value, out decimals);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool NumberToQuoteSlow(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value, out byte decimals)
    {
        value = 0;
        decimals = 0;
        int q = frame.Slice(pos).IndexOf((byte)'"');
        if (q < 0) return false;
        // A text holding an escape or a control byte is no number: ParseUnsigned fails on it and the reference decides.
        if (VenueJson.ParseUnsigned(frame.Slice(pos, q), scale, out value, out decimals) != RejectReason.None) return false;
        pos += q + 1;
        return true;
    }

    /// <summary>A string of printable ASCII without escapes at <paramref name="pos"/> (its opening quote), any other
    /// content (the reference path skips the value); <paramref name="pos"/> ends after the closing quote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SkipString(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'"') return false;
        if (Vector128.IsHardwareAccelerated && frame.Length - pos >= 33)
        {
            // The event_time strings (27 bytes) end within the next 32: two vector compares, no call.
            ref byte text = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), pos + 1);
            uint stops = StopMask(Vector128.LoadUnsafe(ref text)) | (StopMask(Vector128.LoadUnsafe(ref text, 16)) << 16);
            if (stops != 0)
            {
                int end = BitOperations.TrailingZeroCount(stops);
                if (Unsafe.Add(ref text, end) != (byte)'"') return false;
                pos += end + 2;
                return true;
            }
        }
        return SkipStringSlow(frame, ref pos);
    }

    /// <summary>Bit i set when byte i is a quote, a backslash, a control byte or a non-ASCII byte (signed: below 0x20).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint StopMask(Vector128<byte> v) =>
        (Vector128.Equals(v, Vector128.Create((byte)'"')) | Vector128.Equals(v, Vector128.Create((byte)'\\'))
         | Vector128.LessThan(v.AsSByte(), Vector128.Create((sbyte)0x20)).AsByte()).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SkipStringSlow(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        int q = frame.Slice(pos + 1).IndexOfAny(_stringStops);
        if (q < 0 || frame[pos + 1 + q] != (byte)'"') return false;
        pos += q + 2;
        return true;
    }

    /// <summary>One ticker event at <paramref name="pos"/> ('{'): <c>{"type":"..","tickers":[{..},..]}</c>, ticker objects
    /// with plain string values only; duplicate keys: the last wins, as on the reference path.</summary>
    private bool FastTickerEvent(ReadOnlySpan<byte> frame, ref int pos, long receiveTimeNs, MarketEventBatch output)
    {
        if (!SpanScan.Expect(frame, ref pos, "{\"type\":"u8) || !SpanScan.PlainString(frame, ref pos, out _)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"tickers\":["u8)) return false;
        while (true)
        {
            if (!SpanScan.Expect(frame, ref pos, "{"u8)) return false;
            ReadOnlySpan<byte> symbol = default, bid = default, ask = default, bidSize = default, askSize = default;
            while (true)
            {
                if (!SpanScan.PlainMember(frame, ref pos, out var key, out var value)) return false;
                if (key.SequenceEqual("product_id"u8)) symbol = value;
                else if (key.SequenceEqual("best_bid"u8)) bid = value;
                else if (key.SequenceEqual("best_ask"u8)) ask = value;
                else if (key.SequenceEqual("best_bid_quantity"u8)) bidSize = value;
                else if (key.SequenceEqual("best_ask_quantity"u8)) askSize = value;
                if (!SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
                if (!more) break;
            }
            if (symbol.IsEmpty || bid.IsEmpty || ask.IsEmpty || bidSize.IsEmpty || askSize.IsEmpty) return false;
            if (!_registry.TryGet(_venue, symbol, out var instrument)) return false;
            var inst = _registry[instrument];
            if (AddBbo(output, instrument, Side.Bid, bid, bidSize, inst, receiveTimeNs, MarketEventFlags.None) != RejectReason.None) return false;
            if (AddBbo(output, instrument, Side.Ask, ask, askSize, inst, receiveTimeNs, MarketEventFlags.EndOfMessage) != RejectReason.None) return false;
            if (!SpanScan.Separator(frame, ref pos, (byte)']', out bool moreItems)) return false;
            if (!moreItems) break;
        }
        return SpanScan.Expect(frame, ref pos, "}"u8);
    }

    /// <summary>One market_trades update event at <paramref name="pos"/> ('{'): <c>{"type":"update","trades":[{..},..]}</c>,
    /// trade objects with plain string values only; duplicate keys: the last wins, as on the reference path.</summary>
    private bool FastTradesEvent(ReadOnlySpan<byte> frame, ref int pos, long receiveTimeNs, MarketEventBatch output)
    {
        if (!SpanScan.Expect(frame, ref pos, "{\"type\":\"update\",\"trades\":["u8)) return false;
        if ((uint)pos < (uint)frame.Length && frame[pos] == (byte)']')
        {
            pos++;
            return SpanScan.Expect(frame, ref pos, "}"u8);
        }
        while (true)
        {
            if (!SpanScan.Expect(frame, ref pos, "{"u8)) return false;
            ReadOnlySpan<byte> symbol = default, id = default, price = default, size = default, time = default, side = default;
            while (true)
            {
                if (!SpanScan.PlainMember(frame, ref pos, out var key, out var value)) return false;
                if (key.SequenceEqual("product_id"u8)) symbol = value;
                else if (key.SequenceEqual("trade_id"u8)) id = value;
                else if (key.SequenceEqual("price"u8)) price = value;
                else if (key.SequenceEqual("size"u8)) size = value;
                else if (key.SequenceEqual("time"u8)) time = value;
                else if (key.SequenceEqual("side"u8)) side = value;
                if (!SpanScan.Separator(frame, ref pos, (byte)'}', out bool more)) return false;
                if (!more) break;
            }
            if (symbol.IsEmpty || price.IsEmpty || size.IsEmpty || side.IsEmpty) return false;
            if (!_registry.TryGet(_venue, symbol, out var instrument)) return false;
            if (AddTrade(output, instrument, price, size, side, id, time, receiveTimeNs) != RejectReason.None) return false;
            if (!SpanScan.Separator(frame, ref pos, (byte)']', out bool moreItems)) return false;
            if (!moreItems) break;
        }
        return SpanScan.Expect(frame, ref pos, "}"u8);
    }

    /// <summary>A JSON number as <c>Utf8JsonReader.TryGetInt64</c> reads a non-negative <c>sequence_num</c>: digits
    /// without fraction or exponent, no leading zero; at most 18 digits (longer: the reference path decides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, out long value) =>
        SpanScan.UnsignedInteger(frame, ref pos, out value);
}
