using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Okx;

/// <summary>
/// Parses OKX v5 public frames into <see cref="MarketEvent"/>s:
/// <code>
/// {"arg":{"channel":"books-l2-tbt","instId":"BTC-USDT"},"action":"snapshot"|"update",
///  "data":[{"asks":[["px","sz","0","numOrders"],...],"bids":[...],"ts":"ms","checksum":int32,"seqId":n,"prevSeqId":n}]}
/// </code>
/// Books → BookHeader + BookLevel (books5: every message a snapshot); bbo-tbt and tickers → Bbo (bid then ask);
/// trades → Trade; funding-rate → Funding; mark-price → MarkPrice; <c>{"event":...}</c> acks and the text <c>pong</c> → Control;
/// <c>{"event":"error"}</c> → Rejected(VenueError).
/// </summary>
/// <remarks>
/// One instance per connection, single-threaded. OKX sends <c>arg</c> and <c>action</c> before <c>data</c>, which is then
/// parsed in the same pass; keys in another order still work (the <c>data</c> array is parsed from a saved reader position). Zero allocation per frame after an instrument's
/// first sighting; a malformed frame is rejected with a counted <see cref="RejectReason"/>, never an exception.
/// </remarks>
public sealed partial class OkxParser : FastScanJsonFrameParser
{
    private readonly VenueId _venue;
    private readonly InstrumentRegistry _registry;

    public OkxParser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
    }

    /// <summary>OKX answers the text <c>ping</c> with the text <c>pong</c>.</summary>
    protected override bool IsControlText(ReadOnlySpan<byte> frame) => frame.SequenceEqual("pong"u8);

    /// <summary>The fast path accepts only compact ASCII frames (every byte read: literals, digits, printable ASCII
    /// strings without escapes), so the UTF-8 check runs only on the way to the reference path.</summary>
    protected override bool DefersUtf8Check => true;

    /// <summary>The Utf8JsonReader path: any key order and spacing; the single authority on rejects.</summary>
    protected override RejectReason ParseReference(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, out FrameStatus status)
    {
        status = FrameStatus.Data;
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;

        ReadOnlySpan<byte> channel = default, instId = default, action = default, evt = default;
        bool hasData = false, parsed = false;
        Utf8JsonReader data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("arg"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isChannel = reader.ValueTextEquals("channel"u8);
                    bool isInst = !isChannel && reader.ValueTextEquals("instId"u8);
                    reader.Read();
                    if (isChannel || isInst)
                    {
                        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return RejectReason.UnexpectedShape;
                        if (isChannel) channel = reader.ValueSpan; else instId = reader.ValueSpan;
                    }
                    else reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray || hasData) return RejectReason.UnexpectedShape;
                hasData = true;
                if (!channel.IsEmpty && (!action.IsEmpty || !NeedsAction(Classify(channel))))
                {
                    // OKX sends arg and action before data: parse it in place, one pass over the frame.
                    var reason = ParseData(ref reader, frame, channel, instId, action, receiveTimeNs, output);
                    if (reason != RejectReason.None) return reason;
                    parsed = true;
                }
                else
                {
                    data = reader; // checkpoint: parsed once arg/action are known, whatever the key order
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("action"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                action = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                evt = reader.ValueSpan;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;

        if (!evt.IsEmpty)
        {
            // {"event":"subscribe"|"unsubscribe"|"notice"|...} are acknowledgements; {"event":"error","code":"60012",...} is a refusal.
            if (evt.SequenceEqual("error"u8)) return RejectReason.VenueError;
            if (parsed) return RejectReason.UnexpectedShape;
            status = FrameStatus.Control;
            return RejectReason.None;
        }
        if (parsed) return RejectReason.None;
        if (!hasData) return channel.IsEmpty ? RejectReason.UnexpectedShape : RejectReason.MissingField;
        return ParseData(ref data, frame, channel, instId, action, receiveTimeNs, output);
    }

    private static bool NeedsAction(OkxChannel kind) => kind is OkxChannel.Books or OkxChannel.BooksL2Tbt or OkxChannel.Books50L2Tbt;

    /// <summary>Parses the <c>data</c> array (reader on its StartArray) of a channel push.</summary>
    private RejectReason ParseData(ref Utf8JsonReader data, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> instId,
        ReadOnlySpan<byte> action, long receiveTimeNs, MarketEventBatch output)
    {
        var kind = Classify(channel);
        if (kind == OkxChannel.Unknown) return RejectReason.UnknownChannel;
        if (instId.IsEmpty) return RejectReason.MissingField;

        if (!_registry.TryGet(_venue, instId, out var id))
        {
            var r = RegisterSlow(instId, frame, out id);
            if (r != RejectReason.None) return r;
        }
        var instrument = _registry[id];

        switch (kind)
        {
            case OkxChannel.Books:
            case OkxChannel.BooksL2Tbt:
            case OkxChannel.Books50L2Tbt:
            case OkxChannel.Books5:
            {
                bool snapshot = kind == OkxChannel.Books5 || action.SequenceEqual("snapshot"u8);
                if (!snapshot && !action.SequenceEqual("update"u8)) return RejectReason.UnexpectedShape;
                return ParseBooks(ref data, instrument, snapshot, receiveTimeNs, output);
            }
            case OkxChannel.BboTbt:
                return ParseBboTbt(ref data, instrument, receiveTimeNs, output);
            case OkxChannel.Tickers:
                return ParseTickers(ref data, instrument, receiveTimeNs, output);
            case OkxChannel.Trades:
                return ParseTrades(ref data, instrument, receiveTimeNs, output);
            case OkxChannel.FundingRate:
                return ParseFunding(ref data, instrument, receiveTimeNs, output);
            default:
                return ParseMark(ref data, instrument, receiveTimeNs, output);
        }
    }

    private static OkxChannel Classify(ReadOnlySpan<byte> channel)
    {
        if (channel.SequenceEqual("books-l2-tbt"u8)) return OkxChannel.BooksL2Tbt;
        if (channel.SequenceEqual("books"u8)) return OkxChannel.Books;
        if (channel.SequenceEqual("books50-l2-tbt"u8)) return OkxChannel.Books50L2Tbt;
        if (channel.SequenceEqual("books5"u8)) return OkxChannel.Books5;
        if (channel.SequenceEqual("bbo-tbt"u8)) return OkxChannel.BboTbt;
        if (channel.SequenceEqual("tickers"u8)) return OkxChannel.Tickers;
        if (channel.SequenceEqual("trades"u8)) return OkxChannel.Trades;
        if (channel.SequenceEqual("funding-rate"u8)) return OkxChannel.FundingRate;
        if (channel.SequenceEqual("mark-price"u8)) return OkxChannel.MarkPrice;
        return OkxChannel.Unknown;
    }

    // ---- books -------------------------------------------------------------------------------------------------------

    private RejectReason ParseBooks(ref Utf8JsonReader r, Instrument instrument, bool snapshot, long receiveTimeNs, MarketEventBatch output)
    {
        int messages = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            int headerIndex = AddBookHeader(output, instrument.Id, snapshot, receiveTimeNs);
            long checksum = 0, seqId = 0, prevSeqId = -1, tsMs = 0;
            bool hasSeq = false, hasPrev = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("asks"u8) || r.ValueTextEquals("bids"u8))
                {
                    var side = r.ValueTextEquals("asks"u8) ? Side.Ask : Side.Bid;
                    int first = output.Count;
                    var reason = ParseLevels(ref r, side, instrument, receiveTimeNs, output);
                    if (reason != RejectReason.None) return reason;
                    // A snapshot lists each side best first; the book keeps its best level at the END of a sorted array, so
                    // emitting worst first turns every insertion into an append instead of a shift of the whole side.
                    if (snapshot) output.Events[first..].Reverse();
                }
                else if (r.ValueTextEquals("checksum"u8))
                {
                    if (!TryReadInteger(ref r, out checksum) || checksum < int.MinValue || checksum > int.MaxValue) return RejectReason.BadNumber;
                }
                else if (r.ValueTextEquals("seqId"u8))
                {
                    if (!TryReadInteger(ref r, out seqId)) return RejectReason.BadNumber;
                    hasSeq = true;
                }
                else if (r.ValueTextEquals("prevSeqId"u8))
                {
                    if (!TryReadInteger(ref r, out prevSeqId)) return RejectReason.BadNumber;
                    hasPrev = true;
                }
                else if (r.ValueTextEquals("ts"u8))
                {
                    if (!TryReadInteger(ref r, out tsMs)) return RejectReason.BadNumber;
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            CompleteBookHeader(output, headerIndex, snapshot, tsMs, checksum, hasSeq, seqId, hasPrev, prevSeqId);
            messages++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        return messages == 0 ? RejectReason.MissingField : RejectReason.None;
    }

    /// <summary>Opens one book message: its BookHeader (completed by <see cref="CompleteBookHeader"/>); returns its index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AddBookHeader(MarketEventBatch output, InstrumentId instrument, bool snapshot, long receiveTimeNs)
    {
        int headerIndex = output.Count;
        ref var h = ref output.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = _venue;
        h.Instrument = instrument;
        h.ReceiveTimeNs = receiveTimeNs;
        h.PrevSequence = -1;
        h.Flags = snapshot ? MarketEventFlags.Snapshot : MarketEventFlags.None;
        return headerIndex;
    }

    /// <summary>Completes a book message once its object is read: times, sequence, checksum, EndOfMessage (both paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CompleteBookHeader(MarketEventBatch output, int headerIndex, bool snapshot, long tsMs, long checksum,
        bool hasSeq, long seqId, bool hasPrev, long prevSeqId)
    {
        ref var header = ref output[headerIndex];
        header.ExchangeTimeNs = tsMs * 1_000_000;
        // The 2022 data has no seqId: no sequence check then. A delta needs prevSeqId to be checked; a snapshot's is -1.
        if (hasSeq && (snapshot || hasPrev))
        {
            header.Flags |= MarketEventFlags.HasSequence;
            header.Sequence = seqId;
            header.PrevSequence = prevSeqId;
            header.FirstSequence = seqId;
        }
        // OKX stopped computing the checksum for some channels and sends 0 there: verify only a non-zero value.
        if (checksum != 0)
        {
            header.Flags |= MarketEventFlags.HasChecksum;
            header.Checksum = unchecked((uint)(int)checksum);
        }
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
    }

    /// <summary>Reads <c>[["px","sz","0","numOrders"],...]</c> into BookLevel events.</summary>
    private RejectReason ParseLevels(ref Utf8JsonReader r, Side side, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        while (r.Read() && r.TokenType == JsonTokenType.StartArray)
        {
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var reason = VenueNumbers.Parse(r.ValueSpan, instrument.PriceScale, out long price, out byte priceDecimals);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = VenueNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out long size, out byte sizeDecimals);
            if (reason != RejectReason.None) return reason;
            if (price <= 0 || size < 0) return RejectReason.BadNumber;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                if (r.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
            AddLevel(output, instrument.Id, side, price, priceDecimals, size, sizeDecimals, receiveTimeNs);
        }
        return r.TokenType == JsonTokenType.EndArray ? RejectReason.None : RejectReason.UnexpectedShape;
    }

    /// <summary>One BookLevel event (both paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddLevel(MarketEventBatch output, InstrumentId instrument, Side side, long price, byte priceDecimals, long size,
        byte sizeDecimals, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = MarketEventKind.BookLevel;
        e.Venue = _venue;
        e.Instrument = instrument;
        e.Side = side;
        e.Price = price;
        e.Size = size;
        e.PriceDecimals = priceDecimals;
        e.SizeDecimals = sizeDecimals;
        e.ReceiveTimeNs = receiveTimeNs;
    }

    // ---- bbo-tbt / tickers -------------------------------------------------------------------------------------------

    private RejectReason ParseBboTbt(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int messages = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long bidPx = 0, bidSz = 0, askPx = 0, askSz = 0, tsMs = 0;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                bool asks = r.ValueTextEquals("asks"u8);
                if (asks || r.ValueTextEquals("bids"u8))
                {
                    var reason = ReadTopLevel(ref r, instrument, out long px, out long sz);
                    if (reason != RejectReason.None) return reason;
                    if (asks) { askPx = px; askSz = sz; } else { bidPx = px; bidSz = sz; }
                }
                else if (r.ValueTextEquals("ts"u8))
                {
                    if (!TryReadInteger(ref r, out tsMs)) return RejectReason.BadNumber;
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            AddBbo(output, instrument, bidPx, bidSz, askPx, askSz, tsMs, receiveTimeNs);
            messages++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        return messages == 0 ? RejectReason.MissingField : RejectReason.None;
    }

    /// <summary>First level of <c>[["px","sz","0","n"]]</c> (0/0 when the side is empty); the rest is skipped.</summary>
    private static RejectReason ReadTopLevel(ref Utf8JsonReader r, Instrument instrument, out long price, out long size)
    {
        price = 0;
        size = 0;
        if (!r.Read() || r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        bool first = true;
        while (r.Read() && r.TokenType == JsonTokenType.StartArray)
        {
            if (!first) { r.Skip(); continue; }
            first = false;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var reason = VenueNumbers.Parse(r.ValueSpan, instrument.PriceScale, out price, out _);
            if (reason != RejectReason.None) return reason;
            if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            reason = VenueNumbers.Parse(r.ValueSpan, instrument.QuantityScale, out size, out _);
            if (reason != RejectReason.None) return reason;
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                if (r.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        }
        return r.TokenType == JsonTokenType.EndArray ? RejectReason.None : RejectReason.UnexpectedShape;
    }

    private RejectReason ParseTickers(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int messages = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long bidPx = 0, bidSz = 0, askPx = 0, askSz = 0, tsMs = 0;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                RejectReason reason = RejectReason.None;
                if (r.ValueTextEquals("bidPx"u8)) reason = ReadOptionalNumber(ref r, instrument.PriceScale, out bidPx);
                else if (r.ValueTextEquals("bidSz"u8)) reason = ReadOptionalNumber(ref r, instrument.QuantityScale, out bidSz);
                else if (r.ValueTextEquals("askPx"u8)) reason = ReadOptionalNumber(ref r, instrument.PriceScale, out askPx);
                else if (r.ValueTextEquals("askSz"u8)) reason = ReadOptionalNumber(ref r, instrument.QuantityScale, out askSz);
                else if (r.ValueTextEquals("ts"u8)) { if (!TryReadInteger(ref r, out tsMs)) reason = RejectReason.BadNumber; }
                else
                {
                    r.Read();
                    r.Skip();
                }
                if (reason != RejectReason.None) return reason;
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            AddBbo(output, instrument, bidPx, bidSz, askPx, askSz, tsMs, receiveTimeNs);
            messages++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        return messages == 0 ? RejectReason.MissingField : RejectReason.None;
    }

    private void AddBbo(MarketEventBatch output, Instrument instrument, long bidPx, long bidSz, long askPx, long askSz, long tsMs, long receiveTimeNs)
    {
        // No HasSequence: OKX bbo-tbt/tickers ids are not comparable with a book channel's seqId.
        ref var bid = ref output.Add();
        bid.Kind = MarketEventKind.Bbo;
        bid.Venue = _venue;
        bid.Instrument = instrument.Id;
        bid.Side = Side.Bid;
        bid.Price = bidPx;
        bid.Size = bidSz;
        bid.ExchangeTimeNs = tsMs * 1_000_000;
        bid.ReceiveTimeNs = receiveTimeNs;
        ref var ask = ref output.Add();
        ask.Kind = MarketEventKind.Bbo;
        ask.Venue = _venue;
        ask.Instrument = instrument.Id;
        ask.Side = Side.Ask;
        ask.Price = askPx;
        ask.Size = askSz;
        ask.ExchangeTimeNs = tsMs * 1_000_000;
        ask.ReceiveTimeNs = receiveTimeNs;
        ask.Flags = MarketEventFlags.EndOfMessage;
    }

    // ---- trades / funding / mark -------------------------------------------------------------------------------------

    private RejectReason ParseTrades(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int count = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long px = 0, sz = 0, tradeId = 0, tsMs = 0;
            var side = Side.None;
            bool hasPx = false, hasSz = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                RejectReason reason = RejectReason.None;
                if (r.ValueTextEquals("px"u8)) { reason = ReadRequiredNumber(ref r, instrument.PriceScale, out px); hasPx = true; }
                else if (r.ValueTextEquals("sz"u8)) { reason = ReadRequiredNumber(ref r, instrument.QuantityScale, out sz); hasSz = true; }
                else if (r.ValueTextEquals("tradeId"u8)) { if (!TryReadInteger(ref r, out tradeId)) reason = RejectReason.BadNumber; }
                else if (r.ValueTextEquals("ts"u8)) { if (!TryReadInteger(ref r, out tsMs)) reason = RejectReason.BadNumber; }
                else if (r.ValueTextEquals("side"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                    side = r.ValueTextEquals("buy"u8) ? Side.Bid : r.ValueTextEquals("sell"u8) ? Side.Ask : Side.None;
                    if (side == Side.None) return RejectReason.UnexpectedShape;
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
                if (reason != RejectReason.None) return reason;
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            if (!hasPx || !hasSz || side == Side.None) return RejectReason.MissingField;
            AddTrade(output, instrument.Id, side, px, sz, tradeId, tsMs, receiveTimeNs);
            count++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (count == 0) return RejectReason.MissingField;
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    /// <summary>One Trade event (both paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTrade(MarketEventBatch output, InstrumentId instrument, Side side, long px, long sz, long tradeId, long tsMs, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = MarketEventKind.Trade;
        e.Venue = _venue;
        e.Instrument = instrument;
        e.Side = side;
        e.Price = px;
        e.Size = sz;
        e.Sequence = tradeId;
        e.ExchangeTimeNs = tsMs * 1_000_000;
        e.ReceiveTimeNs = receiveTimeNs;
    }

    private RejectReason ParseFunding(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int count = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long rate = 0, fundingTime = 0, tsMs = 0;
            bool hasRate = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                RejectReason reason = RejectReason.None;
                if (r.ValueTextEquals("fundingRate"u8))
                {
                    // OKX sends up to 16 decimals ("0.0001875391284828"); digits below 10^-12 are truncated (FundingRateScale).
                    if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                    reason = VenueNumbers.ParseTruncated(r.ValueSpan, MarketEvent.FundingRateScale, out rate);
                    hasRate = true;
                }
                // fundingTime is the settlement time of the rate being published (OKX "Funding rate channel").
                else if (r.ValueTextEquals("fundingTime"u8)) { if (!TryReadInteger(ref r, out fundingTime)) reason = RejectReason.BadNumber; }
                else if (r.ValueTextEquals("ts"u8)) { if (!TryReadInteger(ref r, out tsMs)) reason = RejectReason.BadNumber; }
                else
                {
                    r.Read();
                    r.Skip();
                }
                if (reason != RejectReason.None) return reason;
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            if (!hasRate) return RejectReason.MissingField;
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.Funding;
            e.Venue = _venue;
            e.Instrument = instrument.Id;
            e.FundingRate = rate;
            e.NextFundingTimeMs = fundingTime;
            e.ExchangeTimeNs = tsMs * 1_000_000;
            e.ReceiveTimeNs = receiveTimeNs;
            count++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (count == 0) return RejectReason.MissingField;
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    private RejectReason ParseMark(ref Utf8JsonReader r, Instrument instrument, long receiveTimeNs, MarketEventBatch output)
    {
        int count = 0;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long px = 0, tsMs = 0;
            bool hasPx = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                RejectReason reason = RejectReason.None;
                if (r.ValueTextEquals("markPx"u8)) { reason = ReadRequiredNumber(ref r, instrument.PriceScale, out px); hasPx = true; }
                else if (r.ValueTextEquals("ts"u8)) { if (!TryReadInteger(ref r, out tsMs)) reason = RejectReason.BadNumber; }
                else
                {
                    r.Read();
                    r.Skip();
                }
                if (reason != RejectReason.None) return reason;
            }
            if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
            if (!hasPx) return RejectReason.MissingField;
            ref var e = ref output.Add();
            e.Kind = MarketEventKind.MarkPrice;
            e.Venue = _venue;
            e.Instrument = instrument.Id;
            e.Price = px;
            e.ExchangeTimeNs = tsMs * 1_000_000;
            e.ReceiveTimeNs = receiveTimeNs;
            count++;
        }
        if (r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
        if (count == 0) return RejectReason.MissingField;
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return RejectReason.None;
    }

    // ---- scalars -----------------------------------------------------------------------------------------------------

    /// <summary>Reads the next value as an integer, given as a JSON number or a numeric string (<c>"1646003667575"</c>).</summary>
    private static bool TryReadInteger(ref Utf8JsonReader r, out long value)
    {
        value = 0;
        if (!r.Read()) return false;
        if (r.TokenType is not (JsonTokenType.Number or JsonTokenType.String) || r.ValueIsEscaped) return false;
        var span = r.ValueSpan;
        if (span.IsEmpty) return r.TokenType == JsonTokenType.String; // "" = not given
        return Utf8Parser.TryParse(span, out value, out int consumed) && consumed == span.Length;
    }

    /// <summary>A numeric string that may be empty (<c>"bidPx":""</c> when a side is empty): empty reads as 0.</summary>
    private static RejectReason ReadOptionalNumber(ref Utf8JsonReader r, int scale, out long value)
    {
        value = 0;
        if (!r.Read() || r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
        if (r.ValueSpan.IsEmpty) return RejectReason.None;
        return VenueNumbers.Parse(r.ValueSpan, scale, out value, out _);
    }

    private static RejectReason ReadRequiredNumber(ref Utf8JsonReader r, int scale, out long value)
    {
        value = 0;
        if (!r.Read() || r.TokenType is not (JsonTokenType.String or JsonTokenType.Number)) return RejectReason.UnexpectedShape;
        return VenueNumbers.Parse(r.ValueSpan, scale, out value, out _);
    }

    // ---- first sighting of a symbol (cold) ---------------------------------------------------------------------------

    /// <summary>
    /// Registers an instrument seen for the first time: split the symbol (Dashed), then scales = max(8, decimals seen in this
    /// first message) for prices and sizes separately, capped at 18, but lowered (never below the decimals seen) when the
    /// integer part would not fit a long: ELON-USDT (price 0.0000007) has 5,950,000,000,000-unit levels, which overflow at
    /// 8 decimals, so sizes reserve digits for a 10^7 quote-unit level at the first price seen. Then map the venue symbol.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason RegisterSlow(ReadOnlySpan<byte> instId, ReadOnlySpan<byte> frame, out InstrumentId id)
    {
        id = InstrumentId.None;
        string symbol = Encoding.UTF8.GetString(instId);
        if (!SymbolNormalizer.TryParse(symbol, SymbolStyle.Dashed, out var parts)) return RejectReason.UnknownSymbol;
        VenueNumbers.MaxDecimals(frame, out int priceDecimals, out int sizeDecimals, out int priceDigits, out int sizeDigits, out int magnitude);
        int priceScale = VenueNumbers.ScaleFor(priceDecimals, priceDigits, InstrumentRegistry.DefaultPriceScale);
        int sizeScale = VenueNumbers.ScaleFor(sizeDecimals, VenueNumbers.SizeDigitsFor(sizeDigits, magnitude), InstrumentRegistry.DefaultQuantityScale);
        var instrument = _registry.GetOrAdd(parts.Base, parts.Quote, parts.Kind, priceScale, sizeScale, parts.IsInverse, 0, parts.Detail);
        _registry.MapVenueSymbol(_venue, symbol, instrument.Id);
        id = instrument.Id;
        return RejectReason.None;
    }
}
