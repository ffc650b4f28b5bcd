using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Okx;

/// <summary>
/// Fast path: a span scanner for the exact pushes OKX sends —
/// <c>{"arg":{"channel":"books-l2-tbt","instId":"X"},"action":"update","data":[{"asks":[["px","sz","0","n"],..],"bids":[..],"ts":"ms","checksum":n}]}</c>
/// (also books, books50-l2-tbt and books5, with optional seqId/prevSeqId), tickers and trades pushes
/// (<c>{"arg":{..},"data":[{..}]}</c>, unused keys with plain string values) and subscribe acknowledgements: compact,
/// ASCII, escape-free JSON with the keys in that order, string numbers and integer (or integer-string) times,
/// checksums and ids. For ANY deviation, another channel, an error event or an unknown instrument (its first sighting
/// registers it) it returns false, the frame's events are dropped and the <see cref="System.Text.Json.Utf8JsonReader"/>
/// path parses the frame again: that path remains the single authority on rejects and their reasons. Accepted frames
/// produce the same events as that path: the same helpers emit them (AddBookHeader/CompleteBookHeader, AddLevel,
/// AddBbo, AddTrade) and numbers go through the same <see cref="VenueNumbers.Parse"/>.
/// </summary>
public sealed partial class OkxParser
{
    private const int KeyAsks = 1, KeyBids = 2, KeyTs = 4, KeyChecksum = 8, KeySeq = 16, KeyPrev = 32;

    protected override bool TryFast(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        if (frame.StartsWith("{\"event\":"u8)) return FastAck(frame, ref status);
        OkxChannel kind;
        bool snapshot;
        int pos;
        ReadOnlySpan<byte> instId;
        Instrument? instrument;
        if (frame.StartsWith("{\"arg\":{\"channel\":\"books-l2-tbt\",\"instId\":\""u8))
        {
            // The usual book push: channel and key checked as one literal, then "update" or "snapshot" as one literal each.
            pos = 42; // on the instId's opening quote
            if (!SpanScan.PlainString(frame, ref pos, out instId)) return false;
            kind = OkxChannel.BooksL2Tbt;
            if (SpanScan.Expect(frame, ref pos, "},\"action\":\"update\",\"data\":["u8)) snapshot = false;
            else if (SpanScan.Expect(frame, ref pos, "},\"action\":\"snapshot\",\"data\":["u8)) snapshot = true;
            else return false;
        }
        else if (!TryFastHead(frame, out kind, out snapshot, out pos, out instId)) return false;
        instrument = CachedInstrument(instId);
        if (instrument is null) return false;
        while (true)
        {
            bool ok = kind switch
            {
                OkxChannel.Tickers => FastTicker(frame, ref pos, instrument, receiveTimeNs, output),
                OkxChannel.Trades => FastTrade(frame, ref pos, instrument, receiveTimeNs, output),
                _ => FastBook(frame, ref pos, instrument, snapshot, receiveTimeNs, output),
            };
            if (!ok || (uint)pos >= (uint)frame.Length) return false;
            byte c = frame[pos++];
            if (c == (byte)',') continue;
            if (c != (byte)']') return false;
            break;
        }
        if (pos + 1 != frame.Length || frame[pos] != (byte)'}') return false;
        if (kind == OkxChannel.Trades) output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return true;
    }

    /// <summary>The push's head in general form: channel (one the fast path reads), instId, the action books need, up
    /// to and past <c>"data":[</c>.</summary>
    private static bool TryFastHead(ReadOnlySpan<byte> frame, out OkxChannel kind, out bool snapshot, out int pos, out ReadOnlySpan<byte> instId)
    {
        kind = OkxChannel.Unknown;
        snapshot = false;
        instId = default;
        pos = 18; // on the channel's opening quote
        if (!frame.StartsWith("{\"arg\":{\"channel\":\""u8)) return false;
        if (!SpanScan.PlainString(frame, ref pos, out var channel)) return false;
        kind = Classify(channel);
        if (kind is not (OkxChannel.Books or OkxChannel.BooksL2Tbt or OkxChannel.Books50L2Tbt or OkxChannel.Books5
            or OkxChannel.Tickers or OkxChannel.Trades)) return false;
        if (!SpanScan.Expect(frame, ref pos, ",\"instId\":"u8) || !SpanScan.PlainString(frame, ref pos, out instId)) return false;
        if (!SpanScan.Expect(frame, ref pos, "},"u8)) return false;
        bool needsAction = NeedsAction(kind);
        snapshot = kind == OkxChannel.Books5;
        if (SpanScan.Expect(frame, ref pos, "\"action\":"u8))
        {
            if (!SpanScan.PlainString(frame, ref pos, out var action) || !SpanScan.Expect(frame, ref pos, ","u8)) return false;
            if (needsAction)
            {
                if (action.SequenceEqual("snapshot"u8)) snapshot = true;
                else if (!action.SequenceEqual("update"u8)) return false;
            }
        }
        else if (needsAction) return false;
        return SpanScan.Expect(frame, ref pos, "\"data\":["u8);
    }

    private const int SymbolCacheSlots = 64, SymbolCacheKeyBytes = 32;
    /// <summary>Recently seen instIds (a venue symbol maps to one instrument for good: the registry refuses a remap), so
    /// a push skips the registry's hash lookup: two-way slots of key bytes, their lengths and instruments.</summary>
    private readonly byte[] _symbolKeys = new byte[SymbolCacheSlots * SymbolCacheKeyBytes];
    private readonly byte[] _symbolLengths = new byte[SymbolCacheSlots];
    private readonly Instrument?[] _symbolInstruments = new Instrument?[SymbolCacheSlots];

    /// <summary>The instrument <paramref name="instId"/> is mapped to, from the slot cache or the registry (then cached);
    /// null when unknown (its first sighting is the reference path's to register).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Instrument? CachedInstrument(ReadOnlySpan<byte> instId)
    {
        int length = instId.Length;
        if ((uint)(length - 1) < SymbolCacheKeyBytes)
        {
            // Two-way: a symbol lives in its slot or the slot's neighbour (two symbols sharing a slot do not evict each other).
            int slot = SymbolSlot(instId);
            if (_symbolLengths[slot] == length && instId.SequenceEqual(_symbolKeys.AsSpan(slot * SymbolCacheKeyBytes, length)))
                return _symbolInstruments[slot];
            slot ^= 1;
            if (_symbolLengths[slot] == length && instId.SequenceEqual(_symbolKeys.AsSpan(slot * SymbolCacheKeyBytes, length)))
                return _symbolInstruments[slot];
        }
        return LookUpInstrument(instId);
    }

    /// <summary>The cache slot of a 1–32 byte instId: its first and last eight bytes (or all of a shorter one) and its
    /// length mixed by one multiply (OKX symbols share long prefixes and suffixes: "ETH-USD-220325-8800-P").</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SymbolSlot(ReadOnlySpan<byte> instId)
    {
        int length = instId.Length;
        ulong mix;
        ref byte first = ref MemoryMarshal.GetReference(instId);
        if (length >= 8)
            mix = Unsafe.ReadUnaligned<ulong>(ref first) ^ System.Numerics.BitOperations.RotateLeft(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, length - 8)), 29);
        else
        {
            mix = 0;
            for (int i = 0; i < length; i++) mix = mix << 8 | Unsafe.Add(ref first, i);
        }
        mix = (mix ^ (ulong)length) * 0x9E3779B97F4A7C15UL;
        return (int)(mix >> 58); // 64 slots
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Instrument? LookUpInstrument(ReadOnlySpan<byte> instId)
    {
        if (!_registry.TryGet(_venue, instId, out var id)) return null;
        var instrument = _registry[id];
        int length = instId.Length;
        if ((uint)(length - 1) < SymbolCacheKeyBytes)
        {
            int slot = SymbolSlot(instId);
            if (_symbolLengths[slot] != 0 && _symbolLengths[slot ^ 1] == 0) slot ^= 1; // the free one of the two
            _symbolLengths[slot] = 0; // never a half-written slot for a reader of the same thread: key first, then length
            instId.CopyTo(_symbolKeys.AsSpan(slot * SymbolCacheKeyBytes));
            _symbolInstruments[slot] = instrument;
            _symbolLengths[slot] = (byte)length;
        }
        return instrument;
    }

    /// <summary><c>{"event":"subscribe"}</c> or <c>{"event":"subscribe","arg":{"channel":"c","instId":"X"}}</c>: control
    /// (an error event, or any other shape, goes to the reference path).</summary>
    private static bool FastAck(ReadOnlySpan<byte> frame, ref FrameStatus status)
    {
        int pos = 9; // on the event's opening quote
        if (!SpanScan.PlainString(frame, ref pos, out var evt) || evt.SequenceEqual("error"u8)) return false;
        if (pos + 1 != frame.Length || frame[pos] != (byte)'}')
        {
            if (!SpanScan.Expect(frame, ref pos, ",\"arg\":{\"channel\":"u8) || !SpanScan.PlainString(frame, ref pos, out _)) return false;
            if (!SpanScan.Expect(frame, ref pos, ",\"instId\":"u8) || !SpanScan.PlainString(frame, ref pos, out _)) return false;
            if (pos + 2 != frame.Length || !SpanScan.Expect(frame, ref pos, "}}"u8)) return false;
        }
        status = FrameStatus.Control;
        return true;
    }

    private const int KeyPx = 1, KeySz = 2, KeyTradeId = 4, KeySide = 8, KeyBidPx = 16, KeyBidSz = 32, KeyAskPx = 64, KeyAskSz = 128, KeyTime = 256;

    /// <summary>One trade object at <paramref name="pos"/> ('{'): px, sz, side (buy/sell) required, other keys plain strings.</summary>
    private bool FastTrade(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)'{') return false;
        pos++;
        long px = 0, sz = 0, tradeId = 0, tsMs = 0;
        var side = Side.None;
        int seen = 0;
        while (true)
        {
            if (!SpanScan.PlainString(frame, ref pos, out var key) || !SpanScan.Expect(frame, ref pos, ":"u8)) return false;
            int bit = 0;
            if (key.SequenceEqual("px"u8)) { bit = KeyPx; if (!NumberString(frame, ref pos, instrument.PriceScale, out px, out _)) return false; }
            else if (key.SequenceEqual("sz"u8)) { bit = KeySz; if (!NumberString(frame, ref pos, instrument.QuantityScale, out sz, out _)) return false; }
            else if (key.SequenceEqual("tradeId"u8)) { bit = KeyTradeId; if (!Integer(frame, ref pos, out tradeId)) return false; }
            else if (key.SequenceEqual("ts"u8)) { bit = KeyTime; if (!Integer(frame, ref pos, out tsMs)) return false; }
            else if (key.SequenceEqual("side"u8))
            {
                bit = KeySide;
                if (!SpanScan.PlainString(frame, ref pos, out var text)) return false;
                side = text.SequenceEqual("buy"u8) ? Side.Bid : text.SequenceEqual("sell"u8) ? Side.Ask : Side.None;
                if (side == Side.None) return false;
            }
            else if (!SpanScan.PlainString(frame, ref pos, out _)) return false;
            if ((seen & bit) != 0) return false;
            seen |= bit;
            if ((uint)pos >= (uint)frame.Length) return false;
            byte c = frame[pos++];
            if (c == (byte)',') continue;
            if (c != (byte)'}') return false;
            break;
        }
        if ((seen & (KeyPx | KeySz | KeySide)) != (KeyPx | KeySz | KeySide)) return false;
        AddTrade(output, instrument.Id, side, px, sz, tradeId, tsMs, receiveTimeNs);
        return true;
    }

    /// <summary>One ticker object at <paramref name="pos"/> ('{'): best bid/ask (empty string = 0), ts; other keys plain strings.</summary>
    private bool FastTicker(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if ((uint)(pos + 1) >= (uint)frame.Length || frame[pos] != (byte)'{') return false;
        pos++;
        long bidPx = 0, bidSz = 0, askPx = 0, askSz = 0, tsMs = 0;
        int seen = 0;
        if (frame[pos] == (byte)'}') pos++;
        else
        {
            while (true)
            {
                if (!SpanScan.PlainString(frame, ref pos, out var key) || !SpanScan.Expect(frame, ref pos, ":"u8)) return false;
                int bit = 0;
                bool ok;
                if (key.SequenceEqual("bidPx"u8)) { bit = KeyBidPx; ok = OptionalNumber(frame, ref pos, instrument.PriceScale, out bidPx); }
                else if (key.SequenceEqual("bidSz"u8)) { bit = KeyBidSz; ok = OptionalNumber(frame, ref pos, instrument.QuantityScale, out bidSz); }
                else if (key.SequenceEqual("askPx"u8)) { bit = KeyAskPx; ok = OptionalNumber(frame, ref pos, instrument.PriceScale, out askPx); }
                else if (key.SequenceEqual("askSz"u8)) { bit = KeyAskSz; ok = OptionalNumber(frame, ref pos, instrument.QuantityScale, out askSz); }
                else if (key.SequenceEqual("ts"u8)) { bit = KeyTime; ok = Integer(frame, ref pos, out tsMs); }
                else ok = SpanScan.PlainString(frame, ref pos, out _);
                if (!ok || (seen & bit) != 0) return false;
                seen |= bit;
                if ((uint)pos >= (uint)frame.Length) return false;
                byte c = frame[pos++];
                if (c == (byte)',') continue;
                if (c != (byte)'}') return false;
                break;
            }
        }
        AddBbo(output, instrument, bidPx, bidSz, askPx, askSz, tsMs, receiveTimeNs);
        return true;
    }

    /// <summary>A string number that may be empty (0), as <see cref="ReadOptionalNumber"/> reads it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool OptionalNumber(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value)
    {
        if ((uint)(pos + 1) < (uint)frame.Length && frame[pos] == (byte)'"' && frame[pos + 1] == (byte)'"')
        {
            value = 0;
            pos += 2;
            return true;
        }
        return NumberString(frame, ref pos, scale, out value, out _);
    }

    /// <summary>One book message object at <paramref name="pos"/> ('{'): header, levels, completion.</summary>
    /// <remarks>The position is a local; the usual keys are recognised by their first letter and one literal compare
    /// (<see cref="BookKey"/>), any other key by the general string scan.</remarks>
    private bool FastBook(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, bool snapshot, long receiveTimeNs, MarketEventBatch output)
    {
        int p = pos;
        if ((uint)p >= (uint)frame.Length || frame[p] != (byte)'{') return false;
        p++;
        int headerIndex = AddBookHeader(output, instrument.Id, snapshot, receiveTimeNs);
        long checksum = 0, seqId = 0, prevSeqId = -1, tsMs = 0;
        int seen = 0;
        if ((uint)p >= (uint)frame.Length) return false;
        if (frame[p] != (byte)'}')
        {
            while (true)
            {
                int bit = BookKey(frame, ref p);
                if (bit < 0) return false;
                if (bit == KeyAsks || bit == KeyBids)
                {
                    var side = bit == KeyAsks ? Side.Ask : Side.Bid;
                    int first = output.Count;
                    if (!FastLevels(frame, ref p, instrument, side, receiveTimeNs, output)) return false;
                    if (snapshot) output.Events[first..].Reverse();
                }
                else if (bit == KeyTs) { if (!Integer(frame, ref p, out tsMs)) return false; }
                else if (bit == KeyChecksum)
                {
                    if (!Integer(frame, ref p, out checksum) || checksum < int.MinValue || checksum > int.MaxValue) return false;
                }
                else if (bit == KeySeq) { if (!Integer(frame, ref p, out seqId)) return false; }
                else if (bit == KeyPrev) { if (!Integer(frame, ref p, out prevSeqId)) return false; }
                else
                {
                    // unused key (books5 repeats instId here): a plain string, skipped as the reference path does
                    if (!SpanScan.PlainString(frame, ref p, out _)) return false;
                }
                if ((seen & bit) != 0) return false;
                seen |= bit;
                if ((uint)p >= (uint)frame.Length) return false;
                byte c = frame[p];
                if (c == (byte)',') { p++; continue; }
                if (c != (byte)'}') return false;
                break;
            }
        }
        pos = p + 1;
        CompleteBookHeader(output, headerIndex, snapshot, tsMs, checksum, (seen & KeySeq) != 0, seqId, (seen & KeyPrev) != 0, prevSeqId);
        return true;
    }

    /// <summary>
    /// A book object's key and its ':' at <paramref name="pos"/>: the Key* bit of asks, bids, ts, checksum, seqId or
    /// prevSeqId, 0 for any other plain key, -1 when no plain key and ':' are there. The known keys are matched by
    /// their first letter and one literal compare; anything else (another key, a key sharing a prefix) takes the
    /// general scan, which gives the same answer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BookKey(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        int p = pos;
        if ((uint)(p + 1) < (uint)frame.Length && frame[p] == (byte)'"')
        {
            var rest = frame.Slice(p);
            switch (frame[p + 1])
            {
                case (byte)'a': if (rest.StartsWith("\"asks\":"u8)) { pos = p + 7; return KeyAsks; } break;
                case (byte)'b': if (rest.StartsWith("\"bids\":"u8)) { pos = p + 7; return KeyBids; } break;
                case (byte)'t': if (rest.StartsWith("\"ts\":"u8)) { pos = p + 5; return KeyTs; } break;
                case (byte)'c': if (rest.StartsWith("\"checksum\":"u8)) { pos = p + 11; return KeyChecksum; } break;
                case (byte)'s': if (rest.StartsWith("\"seqId\":"u8)) { pos = p + 8; return KeySeq; } break;
                case (byte)'p': if (rest.StartsWith("\"prevSeqId\":"u8)) { pos = p + 12; return KeyPrev; } break;
            }
        }
        if (!SpanScan.PlainString(frame, ref p, out var key) || !SpanScan.Expect(frame, ref p, ":"u8)) return -1;
        pos = p;
        if (key.SequenceEqual("asks"u8)) return KeyAsks;
        if (key.SequenceEqual("bids"u8)) return KeyBids;
        if (key.SequenceEqual("ts"u8)) return KeyTs;
        if (key.SequenceEqual("checksum"u8)) return KeyChecksum;
        if (key.SequenceEqual("seqId"u8)) return KeySeq;
        if (key.SequenceEqual("prevSeqId"u8)) return KeyPrev;
        return 0;
    }

    /// <summary><c>[["px","sz","0","n"],...]</c> at <paramref name="pos"/> into BookLevel events; the fields after the
    /// size must be plain strings.</summary>
    /// <remarks>The position is a local (a <c>ref</c> parameter would be read and written through memory at every step)
    /// and the usual tail <c>,"0","digits"]</c> is matched as one 6-byte word and a digit run.</remarks>
    private bool FastLevels(ReadOnlySpan<byte> frame, ref int pos, Instrument instrument, Side side, long receiveTimeNs, MarketEventBatch output)
    {
        int p = pos;
        if ((uint)(p + 1) >= (uint)frame.Length || frame[p] != (byte)'[') return false;
        p++;
        if (frame[p] == (byte)']') { pos = p + 1; return true; }
        int priceScale = instrument.PriceScale, quantityScale = instrument.QuantityScale;
        var id = instrument.Id;
        while (true)
        {
            if ((uint)(p + 1) >= (uint)frame.Length || frame[p] != (byte)'[') return false;
            p++;
            if (!NumberString(frame, ref p, priceScale, out long price, out byte priceDecimals)) return false;
            if ((uint)p >= (uint)frame.Length || frame[p] != (byte)',') return false;
            p++;
            if (!NumberString(frame, ref p, quantityScale, out long size, out byte sizeDecimals)) return false;
            if (price <= 0 || size < 0) return false;
            if (!LevelTail(frame, ref p)) return false;
            AddLevel(output, id, side, price, priceDecimals, size, sizeDecimals, receiveTimeNs);
            if ((uint)p >= (uint)frame.Length) return false;
            byte next = frame[p++];
            if (next == (byte)',') continue;
            pos = p;
            return next == (byte)']';
        }
    }

    /// <summary>The level's fields after the size up to and past its ']': plain strings, usually <c>,"0","n"]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LevelTail(ReadOnlySpan<byte> frame, scoped ref int pos)
    {
        int p = pos;
        // ,"0"," read as one little-endian word: 2C 22 30 22 2C 22.
        const ulong ZeroThenQuote = 0x222C2230222CUL;
        if (p <= frame.Length - 8 && p >= 0
            && (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), p)) & 0xFFFF_FFFF_FFFFUL) == ZeroThenQuote)
        {
            int q = p + 6;
            while ((uint)q < (uint)frame.Length && (uint)(frame[q] - '0') <= 9) q++;
            if ((uint)(q + 1) < (uint)frame.Length && frame[q] == (byte)'"' && frame[q + 1] == (byte)']')
            {
                pos = q + 2;
                return true;
            }
        }
        while (true)
        {
            if ((uint)p >= (uint)frame.Length) return false;
            byte c = frame[p++];
            if (c == (byte)']') break;
            if (c != (byte)',' || !SpanScan.PlainString(frame, ref p, out _)) return false;
        }
        pos = p;
        return true;
    }

    /// <summary>A string number at <paramref name="pos"/> ('"') parsed by <see cref="VenueNumbers.Parse"/> exactly as
    /// the reference path parses it (a text it accepts holds no escape or control byte); false on any failure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NumberString(ReadOnlySpan<byte> frame, scoped ref int pos, int scale, out long value, out byte decimals)
    {
        if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'"') { value = 0; decimals = 0; return false; }
        // The usual plain decimal in one pass (same answer as VenueNumbers.Parse for the texts it accepts).
        int end;
        if (TryNumberWords(frame, pos + 1, scale, out value, out decimals, out end)
            || SpanScan.TryPlainDecimalToQuote(frame, pos + 1, scale, out value, out decimals, out end))
        {
            pos = end;
            return true;
        }

        int q = frame.Slice(pos + 1).IndexOf((byte)'"');
        if (q < 0) return false;
        var text = frame.Slice(pos + 1, q);
        pos += q + 2;
        return VenueNumbers.Parse(text, scale, out value, out decimals) == RejectReason.None;
    }

    /// <summary>
    /// <see cref="SpanScan.TryPlainDecimalToQuote"/>'s texts with up to 15 integer and 15 fraction digits (19 characters
    /// at most) read eight bytes per step: OKX sends long fractions and sizes (ELON-USDT "0.00000074717", "4038943392"),
    /// which that method's one-word form leaves to its digit-by-digit loop. Same value, decimals and end for every text
    /// it accepts (digits value scaled to <paramref name="scale"/> only when it fits, as there); false decides nothing
    /// (a leading '.', longer texts, the frame's last 24 bytes, a value that does not fit go to that method).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryNumberWords(ReadOnlySpan<byte> frame, int start, int scale, out long value, out byte decimals, out int end)
    {
        value = 0;
        decimals = 0;
        end = start;
        // 24 readable bytes: an integer part of up to 15 digits needs two words, the '.' or quote after it is inside them,
        // and the fraction's two words start at most 16 bytes in; the last word is checked separately below.
        if (start < 0 || start > frame.Length - 24) return false;
        ref byte origin = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), start);
        ulong word = Unsafe.ReadUnaligned<ulong>(ref origin);
        int integerDigits = FixedPoint.LeadingDigits(word);
        if (integerDigits == 0) return false;
        ulong acc = FixedPoint.DigitsValue(word, integerDigits);
        if (integerDigits == 8)
        {
            word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, 8));
            int more = FixedPoint.LeadingDigits(word);
            if (more == 8) return false;
            acc = acc * (ulong)FixedPoint.Pow10(more) + FixedPoint.DigitsValue(word, more);
            integerDigits += more;
        }
        int k = integerDigits; // offset of the byte after the integer digits (at most 15)
        int fraction = 0;
        byte c = Unsafe.Add(ref origin, k);
        if (c == (byte)'.')
        {
            k++;
            if (k > frame.Length - start - 16) return false;
            word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, k));
            fraction = FixedPoint.LeadingDigits(word);
            if (fraction == 0) return false;
            acc = acc * (ulong)FixedPoint.Pow10(fraction) + FixedPoint.DigitsValue(word, fraction);
            if (fraction == 8)
            {
                word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, k + 8));
                int more = FixedPoint.LeadingDigits(word);
                if (more == 8) return false;
                acc = acc * (ulong)FixedPoint.Pow10(more) + FixedPoint.DigitsValue(word, more);
                fraction += more;
            }
            k += fraction;
            c = Unsafe.Add(ref origin, k);
        }
        // k = characters before the closing quote: 1 to 19 (the acc of at most 19 digits does not wrap).
        if (c != (byte)'"' || k > 19) return false;
        int shift = scale - fraction;
        if ((uint)shift > 18u) return false;
        ulong power = (ulong)FixedPoint.Pow10(shift);
        if (acc > (ulong)long.MaxValue / power) return false;
        value = (long)(acc * power);
        decimals = (byte)fraction;
        end = start + k + 1;
        return true;
    }

    /// <summary>An integer as <see cref="TryReadInteger"/> reads it: a JSON number without fraction or exponent, or a
    /// string of digits (no leading zero, no sign); at most 18 digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Integer(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        value = 0;
        int i = pos;
        if ((uint)i >= (uint)frame.Length) return false;
        bool quoted = frame[i] == (byte)'"', negative = false;
        if (quoted)
        {
            // The usual quoted time ("1646003668391"): eight digits per step up to the quote. Same texts as the loop
            // below: 1 to 18 digits, no leading zero unless the only digit.
            if (SpanScan.TryDigitsToQuote(frame, i + 1, out ulong digitsValue, out int digits, out int end)
                && digits <= 18 && (digits == 1 || frame[i + 1] != (byte)'0'))
            {
                value = (long)digitsValue;
                pos = end;
                return true;
            }
            i++;
        }
        else if (frame[i] == (byte)'-') { negative = true; i++; }
        if (!SpanScan.UnsignedInteger(frame, ref i, out long v)) return false;
        if (quoted)
        {
            if (frame[i] != (byte)'"') return false;
            i++;
        }
        value = negative ? -v : v;
        pos = i;
        return true;
    }
}
