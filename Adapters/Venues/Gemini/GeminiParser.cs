using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Gemini;

/// <summary>
/// Parser of one Gemini market data v2 connection (<c>wss://api.gemini.com/v2/marketdata</c>).
/// </summary>
/// <remarks>
/// <para><c>{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy"|"sell",price,qty]],"trades"?,"auction_events"?}</c>
/// → BookHeader + levels (qty <c>"0"</c> removes). Gemini sends no sequence numbers; the first <c>l2_updates</c> of a
/// symbol after subscribing is the full book, so the parser remembers which symbols it has seen on its connection and
/// flags the first as Snapshot (call <see cref="ExpectSnapshot"/> after re-subscribing a symbol on the same connection).
/// The <c>trades</c> array of that first message replays trades printed before the subscription and is skipped.</para>
/// <para><c>{"type":"trade","symbol","event_id","tid"?,"timestamp","price","quantity","side"}</c> → Trade; <c>side</c> is the
/// taker's side; Sequence = <c>tid</c> when present, else <c>event_id</c>. <c>heartbeat</c> is control;
/// <c>{"result":"error"}</c> is <see cref="RejectReason.VenueError"/>. Key order varies between captures (2026 frames are
/// alphabetical: <c>changes</c> before <c>symbol</c>/<c>type</c>), so the changes are read once the symbol is known.</para>
/// <para>Allocation: none per frame after warm-up. Not thread-safe: one instance per connection.</para>
/// </remarks>
public sealed partial class GeminiParser : IFrameParser
{
    private readonly InstrumentRegistry _registry;
    private readonly VenueId _venue;
    private bool[] _seen = new bool[64];

    public GeminiParser(VenueId venue, InstrumentRegistry registry)
    {
        _venue = venue;
        _registry = registry;
    }

    /// <summary>Frames by outcome and rejections by reason.</summary>
    public ParserCounters Counters { get; } = new();

    /// <summary>The next <c>l2_updates</c> of <paramref name="instrument"/> is a full book again (after a resubscribe).</summary>
    public void ExpectSnapshot(InstrumentId instrument)
    {
        if ((uint)instrument.Value < (uint)_seen.Length) _seen[instrument.Value] = false;
    }

    private enum MessageType : byte { None, L2, Trade, Control, Unknown }

    public ParseResult Parse(ReadOnlySpan<byte> frame, FrameSource source, string? url, long receiveTimeNs, MarketEventBatch output)
    {
        int start = output.Count;
        if (!ForceReference && source == FrameSource.WebSocket)
        {
            if (TryFast(frame, receiveTimeNs, output, out bool control))
                return Counters.Count(control ? ParseResult.Control : ParseResult.Data);
            output.Truncate(start);
            FastFallbacks++;
        }
        RejectReason reason;
        if (source != FrameSource.WebSocket) reason = RejectReason.UnknownChannel;
        else if (!Utf8.IsValid(frame)) reason = RejectReason.InvalidUtf8;
        else
        {
            try
            {
                reason = ParseFrame(frame, receiveTimeNs, output, eager: true, out bool retry);
                if (retry)
                {
                    // The one-pass read met something unusual (repeated fields, a failure inside "changes"): the
                    // deferred read decides, exactly as it always did.
                    output.Truncate(start);
                    reason = ParseFrame(frame, receiveTimeNs, output, eager: false, out _);
                }
            }
            catch (JsonException)
            {
                reason = RejectReason.InvalidJson;
            }
            if (reason == RejectReason.None)
                return Counters.Count(output.Count > start ? ParseResult.Data : ParseResult.Control);
        }
        output.Truncate(start);
        return Counters.Count(ParseResult.Reject(reason));
    }

    /// <param name="eager">Read "changes" in place when "type":"l2_updates" and a known "symbol" came before it (the
    /// usual key order), instead of skipping it and reading it again after the object.</param>
    /// <param name="retry">Set when the in-place read cannot decide alone; the caller then parses again with
    /// <paramref name="eager"/> false.</param>
    private RejectReason ParseFrame(ReadOnlySpan<byte> frame, long receiveTimeNs, MarketEventBatch output, bool eager, out bool retry)
    {
        retry = false;
        int eagerIndex = -1;
        ReadOnlySpan<byte> eagerSymbol = default;
        InstrumentId eagerInstrument = default;
        var r = new Utf8JsonReader(frame);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return RejectReason.UnexpectedShape;
        var type = MessageType.None;
        ReadOnlySpan<byte> symbol = default, price = default, quantity = default, side = default, tid = default, eventId = default, timestamp = default;
        bool isError = false, sawChanges = false;
        Utf8JsonReader changes = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("changes"u8))
            {
                if (eagerIndex >= 0) { retry = true; return RejectReason.None; } // a second "changes": last one wins, deferred
                // Remember the array and read it after the object: 2026 frames put "symbol" and "type" after it.
                changes = r;
                sawChanges = true;
                if (eager && type == MessageType.L2 && !symbol.IsEmpty && _registry.TryGet(_venue, symbol, out eagerInstrument))
                {
                    // Type and symbol already known (2021 frames): read the levels once, in place.
                    eagerIndex = output.Count;
                    eagerSymbol = symbol;
                    r.Read();
                    if (ParseChangeLevels(ref r, eagerInstrument, receiveTimeNs, output) != RejectReason.None) { retry = true; return RejectReason.None; }
                    continue;
                }
                r.Read();
                r.Skip();
                continue;
            }
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
                type = r.ValueTextEquals("l2_updates"u8) ? MessageType.L2
                    : r.ValueTextEquals("trade"u8) ? MessageType.Trade
                    : r.ValueTextEquals("heartbeat"u8) || r.ValueTextEquals("candles_1m_updates"u8) ? MessageType.Control
                    : MessageType.Unknown;
                continue;
            }
            if (r.ValueTextEquals("result"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("error"u8)) isError = true;
                continue;
            }
            ref ReadOnlySpan<byte> target = ref symbol;
            if (r.ValueTextEquals("symbol"u8)) target = ref symbol;
            else if (r.ValueTextEquals("price"u8)) target = ref price;
            else if (r.ValueTextEquals("quantity"u8)) target = ref quantity;
            else if (r.ValueTextEquals("side"u8)) target = ref side;
            else if (r.ValueTextEquals("tid"u8)) target = ref tid;
            else if (r.ValueTextEquals("event_id"u8)) target = ref eventId;
            else if (r.ValueTextEquals("timestamp"u8)) target = ref timestamp;
            else
            {
                r.Read();
                r.Skip();
                continue;
            }
            r.Read();
            if (!VenueJson.TryGetRawScalar(ref r, out target)) return RejectReason.UnexpectedShape;
        }
        if (r.TokenType != JsonTokenType.EndObject) return RejectReason.UnexpectedShape;
        if (isError) return RejectReason.VenueError;
        if (eagerIndex >= 0)
        {
            // The levels were read in place; they stand only if "type" and "symbol" did not change after them.
            if (type != MessageType.L2 || !symbol.SequenceEqual(eagerSymbol)) { retry = true; return RejectReason.None; }
            FinishChanges(eagerIndex, eagerInstrument, output);
            return RejectReason.None;
        }
        switch (type)
        {
            case MessageType.L2:
            {
                if (symbol.IsEmpty || !sawChanges) return RejectReason.MissingField;
                var reason = ResolveSymbol(symbol, frame, out var instrument);
                if (reason != RejectReason.None) return reason;
                changes.Read();
                int headerIndex = output.Count;
                reason = ParseChangeLevels(ref changes, instrument, receiveTimeNs, output);
                if (reason != RejectReason.None) return reason;
                FinishChanges(headerIndex, instrument, output);
                return RejectReason.None;
            }
            case MessageType.Trade:
            {
                if (symbol.IsEmpty || price.IsEmpty || quantity.IsEmpty || side.IsEmpty) return RejectReason.MissingField;
                var reason = ResolveSymbol(symbol, frame, out var instrument);
                if (reason != RejectReason.None) return reason;
                var inst = _registry[instrument];
                ref var e = ref output.Add();
                if ((reason = VenueJson.ParseUnsigned(price, inst.PriceScale, out e.Price, out e.PriceDecimals)) != RejectReason.None) return reason;
                if ((reason = VenueJson.ParseUnsigned(quantity, inst.QuantityScale, out e.Size, out e.SizeDecimals)) != RejectReason.None) return reason;
                if (side.SequenceEqual("buy"u8)) e.Side = Side.Bid;
                else if (side.SequenceEqual("sell"u8)) e.Side = Side.Ask;
                else return RejectReason.UnexpectedShape;
                var id = tid.IsEmpty ? eventId : tid;
                if (!id.IsEmpty && !VenueJson.TryParseId(id, out e.Sequence)) return RejectReason.BadNumber;
                if (!timestamp.IsEmpty)
                {
                    if (!VenueJson.TryParseInt64(timestamp, out long ms)) return RejectReason.BadNumber;
                    e.ExchangeTimeNs = ms * 1_000_000;
                }
                VenueJson.CompleteTrade(ref e, _venue, instrument, receiveTimeNs);
                return RejectReason.None;
            }
            case MessageType.Control:
                return RejectReason.None;
            case MessageType.None:
                return RejectReason.MissingField;
            default:
                return RejectReason.UnknownChannel;
        }
    }

    // [["buy","2368.64","0.275036"],["sell",...]] → header + levels (completed by FinishChanges).
    private RejectReason ParseChangeLevels(ref Utf8JsonReader r, InstrumentId instrument, long receiveTimeNs, MarketEventBatch output)
    {
        if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
        var inst = _registry[instrument];
        int priceScale = inst.PriceScale, sizeScale = inst.QuantityScale;
        InitBookHeader(ref output.Add(), instrument, receiveTimeNs);
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartArray) return RejectReason.UnexpectedShape;
            r.Read();
            if (r.TokenType != JsonTokenType.String) return RejectReason.UnexpectedShape;
            var side = r.ValueTextEquals("buy"u8) ? Side.Bid : r.ValueTextEquals("sell"u8) ? Side.Ask : Side.None;
            if (side == Side.None) return RejectReason.UnexpectedShape;
            r.Read();
            if (!VenueJson.TryGetRaw(ref r, out var price)) return RejectReason.UnexpectedShape;
            r.Read();
            if (!VenueJson.TryGetRaw(ref r, out var size)) return RejectReason.UnexpectedShape;
            if (!r.Read() || r.TokenType != JsonTokenType.EndArray) return RejectReason.UnexpectedShape;
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

    /// <summary>The header of an l2_updates message before <see cref="FinishChanges"/> (no sequence: Gemini has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void InitBookHeader(ref MarketEvent h, InstrumentId instrument, long receiveTimeNs)
    {
        VenueJson.InitUnsequencedBookHeader(ref h, _venue, instrument, receiveTimeNs);
    }

    /// <summary>Snapshot flag (first message of a book), level order and end-of-message mark of a parsed l2_updates.</summary>
    private void FinishChanges(int headerIndex, InstrumentId instrument, MarketEventBatch output)
    {
        // Decided only now, after the whole message parsed: a rejected first message must not consume the snapshot.
        if ((uint)instrument.Value >= (uint)_seen.Length) GrowSeenSlow(instrument.Value);
        if (!_seen[instrument.Value])
        {
            _seen[instrument.Value] = true;
            output[headerIndex].Flags |= MarketEventFlags.Snapshot;
            // The full book comes best-first; the book keeps its best level at the end of a sorted array, so emit the
            // levels (a set, one per price) worst-first: each insert is then an append instead of a whole-side shift.
            output.Events.Slice(headerIndex + 1).Reverse();
        }
        output[output.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSeenSlow(int index) => Array.Resize(ref _seen, Math.Max(index + 1, _seen.Length * 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RejectReason ResolveSymbol(ReadOnlySpan<byte> symbol, ReadOnlySpan<byte> frame, out InstrumentId instrument)
    {
        if (_registry.TryGet(_venue, symbol, out instrument)) return RejectReason.None;
        return VenueJson.TryRegisterSlow(_registry, _venue, symbol, SymbolStyle.Concatenated, false, frame, ClassifyNumber, out instrument)
            ? RejectReason.None
            : RejectReason.UnknownSymbol;
    }

    private static VenueJson.NumberRole ClassifyNumber(string property, int index) => property switch
    {
        "changes" => index == 1 ? VenueJson.NumberRole.Price : index == 2 ? VenueJson.NumberRole.Size : VenueJson.NumberRole.None,
        "price" => VenueJson.NumberRole.Price,
        "quantity" => VenueJson.NumberRole.Size,
        _ => VenueJson.NumberRole.None,
    };
}
