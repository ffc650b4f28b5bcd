using System.Runtime.CompilerServices;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Bybit;

/// <summary>
/// Fast path: a span scanner for the exact orderbook shape Bybit v5 sends,
/// <c>{"topic":"orderbook.{depth}.{symbol}","ts":n,"type":"snapshot"|"delta","data":{"s":"..","b":[["p","q"],..],"a":[..],"u":n,"seq":n},"cts":n}</c>
/// ("ts" and "type" in either order, "cts" optional). It accepts only compact, ASCII, escape-free JSON with plain
/// integer times/ids and string prices, for an instrument already registered; for ANY deviation (other topics
/// included: tickers, trades, acks go to the reference path) it returns false, the frame's events are dropped and the
/// <see cref="System.Text.Json.Utf8JsonReader"/> path parses the frame again: that path remains the single authority on rejects and
/// their reasons. Accepted frames produce the same events and the same parser state (the restart counter is touched
/// only once the frame is committed).
/// </summary>
public sealed partial class BybitParser
{
    /// <summary>Tests and benchmarks: parse every frame with the Utf8JsonReader path.</summary>
    internal bool ForceReference { get; set; }

    /// <summary>WebSocket frames the fast path handed to the Utf8JsonReader path (every non-orderbook frame, any
    /// deviation from the expected shape, an unknown symbol's first sighting, every frame the reference path rejects).</summary>
    internal long FastFallbacks { get; private set; }

    private bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output)
    {
        if (!frame.StartsWith("{\"topic\":\"orderbook."u8)) return false;
        int pos = 9; // the topic value's opening quote
        if (!SpanScan.PlainString(frame, ref pos, out var topicText)) return false;
        if (ClassifyTopic(topicText, out int depth, out var symbol) != Topic.Book) return false;
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
        if (!_registry.TryGet(_venue, symbol, out var instrument)) return false;
        var inst = _registry[instrument];
        int priceScale = inst.PriceScale, quantityScale = inst.QuantityScale;

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

    /// <summary><c>[["price","qty"],...]</c> at <paramref name="pos"/> into BookLevel events; false on any other shape or
    /// a number the reference path would reject.</summary>
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, MarketEventBatch output, InstrumentId instrument,
        int priceScale, int quantityScale, Side side, long receiveTimeNs)
    {
        if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)'[') return false;
        pos++;
        if (frame[pos] == (byte)']') { pos++; return true; }
        var venue = _venue;
        while (true)
        {
            if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'[') return false;
            pos++;
            ref var e = ref output.Add();
            if (!LevelNumber(frame, ref pos, priceScale, out e.Price, out e.PriceDecimals)) return false;
            if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)',') return false;
            pos++;
            if (!LevelNumber(frame, ref pos, quantityScale, out e.Size, out e.SizeDecimals)) return false;
            if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)']') return false;
            e.Kind = MarketEventKind.BookLevel;
            e.Side = side;
            e.Venue = venue;
            e.Instrument = instrument;
            e.ReceiveTimeNs = receiveTimeNs;
            byte c = frame[pos + 1];
            pos += 2;
            if (c == (byte)',') continue;
            return c == (byte)']';
        }
    }

    /// <summary>
    /// The quoted number at <paramref name="pos"/> (its opening quote; <paramref name="pos"/> ends after the closing
    /// quote), accepted exactly as <see cref="VenueJson.ParseUnsigned"/> accepts it. Plain unsigned decimals of at most 19
    /// characters are read in the pass that finds the quote, with the arithmetic of FixedPoint.TryParse's fast path; any
    /// other text goes through <see cref="PlainString"/> and ParseUnsigned itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LevelNumber(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value, out byte decimals)
    {
        if ((uint)(pos + 1) < (uint)frame.Length && frame[pos] == (byte)'"'
            && SpanScan.TryPlainDecimalToQuote(frame, pos + 1, scale, out value, out decimals, out int end))
        {
            pos = end;
            return true;
        }
        if (!SpanScan.PlainString(frame, ref pos, out var text)) { value = 0; decimals = 0; return false; }
        return VenueJson.ParseUnsigned(text, scale, out value, out decimals) == RejectReason.None;
    }

    /// <summary>A JSON integer without sign, fraction or exponent of at most 18 digits, followed by a non-digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
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
