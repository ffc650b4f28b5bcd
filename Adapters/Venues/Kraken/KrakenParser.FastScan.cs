using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Kraken;

/// <summary>
/// Fast path: a span scanner for the exact v1 frames Kraken sends —
/// <c>[id,{"as":[["p","v","t"],..],"bs":[..]},"book-N","PAIR"]</c> (snapshot),
/// <c>[id,{"a":[["p","v","t"(,"r")],..],"b":[..],"c":"crc"},"book-N","PAIR"]</c> and its two-dict form
/// <c>[id,{"a":[..]},{"b":[..],"c":"crc"},"book-N","PAIR"]</c> (updates), <c>[id,[["p","v","t","b|s","m|l",""],..],"trade","PAIR"]</c>,
/// <c>[id,{"a":["p",whole,"lot"],"b":[..],"c":[..],..},"ticker","PAIR"]</c> and <c>{"event":"heartbeat"}</c>: compact,
/// ASCII, escape-free JSON, string numbers, an unsigned integer channel id. For ANY deviation, another channel (spread
/// and ohlc are not parsed by the reference path either), any other control frame or an unknown pair (its first
/// sighting registers it) it returns false, the frame's events are dropped and the <see cref="System.Text.Json.Utf8JsonReader"/>
/// path parses the frame again: that path remains the single authority on rejects and their reasons. Accepted frames
/// produce the same events as that path: the same helpers emit them (AddHeader/FinishHeader, AddLevel, AddTrade,
/// <see cref="KrakenNumbers.AddBbo"/>) and numbers give what <see cref="FixedPoint.TryParse(ReadOnlySpan{byte}, int, out long, out byte)"/> gives.
/// </summary>
public sealed partial class KrakenParser
{
    protected override bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        if (frame.IsEmpty) return false;
        if (frame[0] == (byte)'{')
        {
            // Kraken's heartbeat (about one a second per connection); other events go to the reference path.
            if (!frame.SequenceEqual("{\"event\":\"heartbeat\"}"u8)) return false;
            status = FrameStatus.Control;
            return true;
        }
        if (frame[0] != (byte)'[') return false;

        // The channel name and pair close the array: read them from the tail, then scan the payload up to the tail.
        if (!FastTail(frame, out int tail, out var channelName, out var pair)) return false;
        var channel = Classify(channelName);
        if (channel == Channel.Unknown) return false;

        // channelID: an unsigned integer without leading zero.
        int pos = 1;
        uint d = (uint)(At(frame, pos) - '0');
        if (d > 9) return false;
        pos++;
        if (d != 0) while ((uint)(At(frame, pos) - '0') <= 9) pos++;
        if (At(frame, pos) != (byte)',') return false;
        pos++;

        var instrument = LookupPair(frame, pair);
        if (instrument is null) return false;
        bool ok = channel switch
        {
            Channel.Book => FastBook(frame, ref pos, tail, instrument, receiveTimeNs, output),
            Channel.Trade => FastTrades(frame, ref pos, instrument, receiveTimeNs, output),
            _ => FastTicker(frame, ref pos, instrument, receiveTimeNs, output),
        };
        return ok && pos == tail;
    }

    /// <summary>A pair seen before: the 16 frame bytes ending with the pair's text (they hold the whole pair when it is at
    /// most 16 bytes long) and its length.</summary>
    private struct PairCacheEntry
    {
        public ulong Low, High;
        public int Length;
        public Instrument? Instrument;
    }

    /// <summary>Direct-mapped cache in front of <see cref="InstrumentRegistry.TryGet"/> (a venue symbol's mapping never
    /// changes once made): two loads and compares instead of hashing the pair's bytes on every frame.</summary>
    private readonly PairCacheEntry[] _pairCache = new PairCacheEntry[8];

    /// <summary>The instrument of <paramref name="pair"/> (which ends 2 bytes before the frame's end); null when the
    /// registry does not know it yet (the reference path registers it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Instrument? LookupPair(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> pair)
    {
        int pairEnd = frame.Length - 2;
        if (pair.Length > 16 || pairEnd < 16) return LookupPairSlow(pair);
        ref byte window = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), pairEnd - 16);
        ulong low = Unsafe.ReadUnaligned<ulong>(ref window), high = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref window, 8));
        ref var entry = ref _pairCache[(int)(((low ^ high) * 0x9E3779B97F4A7C15UL) >> 61)];
        if (entry.Low == low && entry.High == high && entry.Length == pair.Length && entry.Instrument is not null) return entry.Instrument;
        var instrument = LookupPairSlow(pair);
        if (instrument is not null) entry = new PairCacheEntry { Low = low, High = high, Length = pair.Length, Instrument = instrument };
        return instrument;
    }

    private Instrument? LookupPairSlow(ReadOnlySpan<byte> pair) => _registry.TryGet(_venue, pair, out var id) ? _registry[id] : null;

    /// <summary>
    /// <c>,"channelName","PAIR"]</c> closing the frame (no whitespace, printable ASCII, no escapes, neither empty);
    /// <paramref name="tail"/> is the index of its leading comma.
    /// </summary>
    private static bool FastTail(ReadOnlySpan<byte> frame, out int tail, out ReadOnlySpan<byte> channelName, out ReadOnlySpan<byte> pair)
    {
        tail = 0;
        channelName = pair = default;
        int end = frame.Length - 2; // the pair's closing quote
        if (end < 1 || frame[end + 1] != (byte)']' || frame[end] != (byte)'"') return false;
        if (end >= 33)
        {
            // The 32 bytes before the closing quote usually hold both strings: their quotes and any byte that is not
            // printable ASCII or is a backslash, found with four 16-byte compares instead of a loop per byte.
            ref byte window = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), end - 32);
            var low = Vector128.LoadUnsafe(ref window);
            var high = Vector128.LoadUnsafe(ref window, 16);
            var quote = Vector128.Create((byte)'"');
            uint quotes = Vector128.Equals(low, quote).ExtractMostSignificantBits() | (Vector128.Equals(high, quote).ExtractMostSignificantBits() << 16);
            var space = Vector128.Create((byte)0x20);
            var span = Vector128.Create((byte)(0x7E - 0x20));
            var backslash = Vector128.Create((byte)'\\');
            uint bad = (Vector128.GreaterThan(low - space, span) | Vector128.Equals(low, backslash)).ExtractMostSignificantBits()
                       | ((Vector128.GreaterThan(high - space, span) | Vector128.Equals(high, backslash)).ExtractMostSignificantBits() << 16);
            int pairOpen = 31 - BitOperations.LeadingZeroCount(quotes); // -1 when none
            uint rest = pairOpen > 0 ? quotes & ~(1u << pairOpen) : 0;
            int nameClose = 31 - BitOperations.LeadingZeroCount(rest);
            rest = nameClose > 0 ? rest & ~(1u << nameClose) : 0;
            int nameOpen = 31 - BitOperations.LeadingZeroCount(rest);
            if (nameOpen >= 0)
            {
                int start = end - 32;
                if (pairOpen == 31 || nameClose != pairOpen - 2 || frame[start + pairOpen - 1] != (byte)',' || nameClose - nameOpen < 2
                    || frame[start + nameOpen - 1] != (byte)',' || (bad >> (nameOpen + 1)) != 0) return false;
                pair = frame.Slice(start + pairOpen + 1, 31 - pairOpen);
                channelName = frame.Slice(start + nameOpen + 1, nameClose - nameOpen - 1);
                tail = start + nameOpen - 1;
                return true;
            }
        }
        int open = BackToQuote(frame, end);
        if (open < 4 || open == end - 1 || frame[open - 1] != (byte)',' || frame[open - 2] != (byte)'"') return false;
        pair = frame.Slice(open + 1, end - open - 1);
        int channelEnd = open - 2;
        int channelOpen = BackToQuote(frame, channelEnd);
        if (channelOpen < 2 || channelOpen == channelEnd - 1 || frame[channelOpen - 1] != (byte)',') return false;
        channelName = frame.Slice(channelOpen + 1, channelEnd - channelOpen - 1);
        tail = channelOpen - 1;
        return true;
    }

    /// <summary>Index of the opening quote of the plain string whose closing quote is at <paramref name="close"/>; -1 when
    /// a byte on the way is not printable ASCII or is a backslash.</summary>
    private static int BackToQuote(ReadOnlySpan<byte> frame, int close)
    {
        for (int i = close - 1; i >= 0; i--)
        {
            byte b = frame[i];
            if (b == (byte)'"') return i;
            if ((uint)(b - 0x20) > 0x7E - 0x20 || b == (byte)'\\') return -1;
        }
        return -1;
    }

    /// <summary>One or two book dicts at <paramref name="pos"/> ('{') ending at <paramref name="tail"/>.</summary>
    private bool FastBook(ReadOnlySpan<byte> frame, ref int pos, int tail, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int headerIndex = AddHeader(instrument, receiveTimeNs, output);
        var state = new BookMessageState();
        if (!FastBookDict(frame, ref pos, instrument, receiveTimeNs, output, ref state)) return false;
        if (pos != tail)
        {
            if (At(frame, pos) != (byte)',') return false;
            pos++;
            if (!FastBookDict(frame, ref pos, instrument, receiveTimeNs, output, ref state)) return false;
        }
        return FinishHeader(headerIndex, ref state, output) == RejectReason.None;
    }

    /// <summary><c>{"as":[..],"bs":[..]}</c>, <c>{"a":[..],"b":[..],"c":"crc"}</c> or any subset, keys in any order
    /// (each as the reference path handles it); any other key falls back.</summary>
    private bool FastBookDict(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, long receiveTimeNs, MarketEventBatch output, ref BookMessageState state)
    {
        if (At(frame, pos) != (byte)'{') return false;
        pos++;
        if (At(frame, pos) == (byte)'}')
        {
            pos++;
            return true;
        }
        while (true)
        {
            if (At(frame, pos) != (byte)'"') return false;
            byte k = At(frame, pos + 1);
            bool snapshot = At(frame, pos + 2) == (byte)'s';
            int colon = pos + (snapshot ? 4 : 3);
            if (At(frame, colon - 1) != (byte)'"' || At(frame, colon) != (byte)':') return false;
            pos = colon + 1;
            if (k is (byte)'a' or (byte)'b')
            {
                var side = k == (byte)'a' ? Side.Ask : Side.Bid;
                int first = output.Count;
                if (snapshot) state.Snapshot = true; else state.Update = true;
                if (!FastLevels(frame, ref pos, side, instrument, receiveTimeNs, output, ref state)) return false;
                // Snapshot sides come best first; emitted worst first (as the reference path does).
                if (snapshot) output.Events[first..].Reverse();
            }
            else if (k == (byte)'c' && !snapshot)
            {
                if (!FastChecksum(frame, ref pos, out uint crc)) return false;
                state.HasChecksum = true;
                state.Checksum = crc;
            }
            else return false;
            byte c = At(frame, pos++);
            if (c == (byte)',') continue;
            return c == (byte)'}';
        }
    }

    /// <summary>The checksum string: 1–10 digits without leading zero (or "0"), at most <see cref="uint.MaxValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FastChecksum(ReadOnlySpan<byte> frame, ref int pos, out uint crc)
    {
        crc = 0;
        if (At(frame, pos) != (byte)'"' || !SpanScan.TryDigitsToQuote(frame, pos + 1, out ulong v, out int n, out int end)) return false;
        if (n > 10 || (n > 1 && frame[pos + 1] == (byte)'0') || v > uint.MaxValue) return false;
        crc = (uint)v;
        pos = end;
        return true;
    }

    /// <summary><c>[["price","volume","timestamp"(,"r")],...]</c> at <paramref name="pos"/>; extra elements must be plain strings.</summary>
    /// <remarks>Compiled on its own, with the position in a local: inlined (through the guarded devirtualization of
    /// TryFast into the shared Parse) the whole fast path became one method too large for the JIT's inlining budget, so
    /// <see cref="At"/>, the number reads and their digit helpers were calls and the position lived on the stack.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, Side side, Instrument instrument, long receiveTimeNs, MarketEventBatch output,
        ref BookMessageState state)
    {
        int p = pos;
        if (At(frame, p) != (byte)'[') return false;
        p++;
        if (At(frame, p) == (byte)']')
        {
            pos = p + 1;
            return true;
        }
        int priceScale = instrument.PriceScale, quantityScale = instrument.QuantityScale;
        var id = instrument.Id;
        long latest = state.LatestLevelTimeNs;
        while (true)
        {
            if (At(frame, p) != (byte)'[') return false;
            p++;
            if (!FastNumberAt(frame, p, priceScale, out long price, out byte priceDecimals, out p) || At(frame, p) != (byte)',') return false;
            p++;
            if (!FastNumberAt(frame, p, quantityScale, out long size, out byte sizeDecimals, out p) || At(frame, p) != (byte)',') return false;
            p++;
            if (price <= 0 || size < 0) return false;
            if (!FastNumberAt(frame, p, 9, out long timeNs, out _, out p)) return false;
            if (timeNs > latest) latest = timeNs;
            bool republish = false;
            byte c;
            while ((c = At(frame, p++)) == (byte)',')
            {
                if (!ExtraString(frame, p, out p, out bool isR)) return false;
                if (isR) republish = true;
            }
            if (c != (byte)']') return false;
            AddLevel(output, id, side, price, priceDecimals, size, sizeDecimals, timeNs, receiveTimeNs, republish);
            c = At(frame, p++);
            if (c == (byte)',') continue;
            state.LatestLevelTimeNs = latest;
            pos = p;
            return c == (byte)']';
        }
    }

    /// <summary>A level's extra element (a plain string) at <paramref name="pos"/>; <paramref name="isR"/> when it is "r".</summary>
    private static bool ExtraString(ReadOnlySpan<byte> frame, int pos, out int end, out bool isR)
    {
        int q = pos; // by reference to PlainString: a copy, so the caller's position stays in a register
        bool ok = SpanScan.PlainString(frame, ref q, out var extra);
        isR = ok && extra.Length == 1 && extra[0] == (byte)'r';
        end = q;
        return ok;
    }

    /// <summary><c>[["price","volume","time","b"|"s",...plain strings],...]</c> (at least one trade).</summary>
    private bool FastTrades(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if (At(frame, pos) != (byte)'[') return false;
        pos++;
        int priceScale = instrument.PriceScale, quantityScale = instrument.QuantityScale;
        while (true)
        {
            if (At(frame, pos) != (byte)'[') return false;
            pos++;
            if (!FastNumber(frame, ref pos, priceScale, out long price, out _) || At(frame, pos) != (byte)',') return false;
            pos++;
            if (!FastNumber(frame, ref pos, quantityScale, out long size, out _) || At(frame, pos) != (byte)',') return false;
            pos++;
            if (!FastNumber(frame, ref pos, 9, out long timeNs, out _) || At(frame, pos) != (byte)',') return false;
            pos++;
            if (!SpanScan.PlainString(frame, ref pos, out var sideText) || sideText.Length != 1) return false;
            var side = sideText[0] == (byte)'b' ? Side.Bid : sideText[0] == (byte)'s' ? Side.Ask : Side.None;
            if (side == Side.None) return false;
            byte c;
            while ((c = At(frame, pos++)) == (byte)',')
                if (!SpanScan.PlainString(frame, ref pos, out _)) return false;
            if (c != (byte)']') return false;
            AddTrade(output, instrument.Id, side, price, size, timeNs, receiveTimeNs);
            c = At(frame, pos++);
            if (c == (byte)',') continue;
            if (c != (byte)']') return false;
            output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
            return true;
        }
    }

    /// <summary><c>{"a":["price",wholeLot,"lotVolume"],"b":[..],other keys: flat arrays of plain strings or integers}</c> → Bbo.</summary>
    private bool FastTicker(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if (At(frame, pos) != (byte)'{') return false;
        pos++;
        long bidPx = 0, bidSz = 0, askPx = 0, askSz = 0;
        bool hasBid = false, hasAsk = false;
        while (true)
        {
            if (!SpanScan.PlainString(frame, ref pos, out var key) || At(frame, pos) != (byte)':') return false;
            pos++;
            if (key.Length == 1 && key[0] is (byte)'a' or (byte)'b')
            {
                if (At(frame, pos) != (byte)'[') return false;
                pos++;
                if (!FastNumber(frame, ref pos, instrument.PriceScale, out long px, out _) || At(frame, pos) != (byte)',') return false;
                pos++;
                if (!FlatElement(frame, ref pos) || At(frame, pos) != (byte)',') return false; // whole-lot volume
                pos++;
                if (!FastNumber(frame, ref pos, instrument.QuantityScale, out long sz, out _) || At(frame, pos) != (byte)']') return false;
                pos++;
                if (key[0] == (byte)'a') { askPx = px; askSz = sz; hasAsk = true; } else { bidPx = px; bidSz = sz; hasBid = true; }
            }
            else
            {
                if (At(frame, pos) != (byte)'[') return false;
                pos++;
                if (At(frame, pos) == (byte)']') pos++;
                else
                {
                    byte c;
                    do
                    {
                        if (!FlatElement(frame, ref pos)) return false;
                    } while ((c = At(frame, pos++)) == (byte)',');
                    if (c != (byte)']') return false;
                }
            }
            byte next = At(frame, pos++);
            if (next == (byte)',') continue;
            if (next != (byte)'}' || !hasBid || !hasAsk) return false;
            break;
        }
        KrakenNumbers.AddBbo(output, _venue, instrument.Id, bidPx, bidSz, askPx, askSz, 0, receiveTimeNs);
        return true;
    }

    /// <summary>A plain string or an unsigned integer without leading zero (followed by ',' or ']').</summary>
    private static bool FlatElement(ReadOnlySpan<byte> frame, ref int pos)
    {
        if (At(frame, pos) == (byte)'"') return SpanScan.PlainString(frame, ref pos, out _);
        uint d = (uint)(At(frame, pos) - '0');
        if (d > 9) return false;
        pos++;
        if (d != 0) while ((uint)(At(frame, pos) - '0') <= 9) pos++;
        byte c = At(frame, pos);
        return c is (byte)',' or (byte)']';
    }

    /// <summary>A string number at <paramref name="pos"/> ('"'), the value and decimals <see cref="KrakenNumbers.Parse"/>
    /// gives; false when that parse fails (the reference path then reports it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FastNumber(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value, out byte decimals)
    {
        if (!FastNumberAt(frame, pos, scale, out value, out decimals, out int end)) return false;
        pos = end;
        return true;
    }

    /// <summary><see cref="FastNumber"/> with the position in and out by value (<paramref name="end"/>: after the closing
    /// quote), so a caller's position is never passed by reference to the slow path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FastNumberAt(ReadOnlySpan<byte> frame, int pos, int scale, out long value, out byte decimals, out int end)
    {
        if (At(frame, pos) == (byte)'"' && SpanScan.TryPlainDecimalToQuoteWide(frame, pos + 1, scale, out value, out decimals, out int e))
        {
            end = e;
            return true;
        }
        bool ok = FastNumberSlow(frame, pos, scale, out value, out decimals, out int slowEnd);
        end = slowEnd;
        return ok;
    }

    /// <summary>Texts the plain read does not decide (more decimals than the scale, long texts): the general parse.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool FastNumberSlow(ReadOnlySpan<byte> frame, int pos, int scale, out long value, out byte decimals, out int end)
    {
        value = 0;
        decimals = 0;
        end = pos;
        if (At(frame, pos) != (byte)'"') return false;
        int q = frame.Slice(pos + 1).IndexOf((byte)'"');
        if (q < 0) return false;
        if (KrakenNumbers.Parse(frame.Slice(pos + 1, q), scale, out value, out decimals) != RejectReason.None) return false;
        end = pos + q + 2;
        return true;
    }

    /// <summary>The byte at <paramref name="i"/>, 0 past either end (0 never matches what the scanner expects).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte At(ReadOnlySpan<byte> frame, int i) => (uint)i < (uint)frame.Length ? frame[i] : (byte)0;
}
