using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Common;

/// <summary>How a venue's connection is kept alive, declared as data so the transport can execute it.</summary>
public enum HeartbeatKind : byte
{
    None = 0,
    /// <summary>Send <see cref="HeartbeatRule.Payload"/> every <see cref="HeartbeatRule.Interval"/> (Bybit <c>{"op":"ping"}</c>).</summary>
    SendPeriodically = 1,
    /// <summary>Subscribe once to a heartbeat channel with <see cref="HeartbeatRule.Payload"/>; the venue then sends one per
    /// <see cref="HeartbeatRule.Interval"/> (Coinbase Advanced Trade <c>heartbeats</c>).</summary>
    SubscribeChannel = 2,
    /// <summary>The venue sends heartbeats by itself every <see cref="HeartbeatRule.Interval"/>; nothing to send (Gemini v2).</summary>
    ServerSends = 3,
    /// <summary>Answer the venue's ping with a pong.</summary>
    RespondToPing = 4,
}

/// <summary>
/// A venue's keep-alive rule. <see cref="Interval"/> is the period of the heartbeat; a connection that hears nothing for
/// <see cref="SilenceTimeout"/> is considered dead and reconnected.
/// </summary>
public sealed record HeartbeatRule(HeartbeatKind Kind, TimeSpan Interval, string? Payload, TimeSpan SilenceTimeout);

/// <summary>
/// Per-parser counters (frames by outcome, rejections by reason). Plain fields: one parser per connection, one thread.
/// </summary>
public sealed class ParserCounters
{
    private readonly long[] _byReason = new long[32];

    public long Frames;
    public long Data;
    public long Control;
    public long Rejected;

    /// <summary>Rejected frames with that reason.</summary>
    public long Of(RejectReason reason) => _byReason[(int)reason];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ParseResult Count(ParseResult result)
    {
        Frames++;
        switch (result.Status)
        {
            case FrameStatus.Data: Data++; break;
            case FrameStatus.Control: Control++; break;
            default: Rejected++; _byReason[(int)result.Reason]++; break;
        }
        return result;
    }
}

/// <summary>
/// Small allocation-free helpers shared by the Coinbase, Bybit and Gemini parsers: raw string values, integers in text,
/// ISO-8601 timestamps, fixed-point levels, and the cold first-sighting registration of an unknown symbol.
/// </summary>
internal static class VenueJson
{
    /// <summary>The raw bytes of a string token (false for any other token or an escaped string: numbers and symbols
    /// are never escaped by these venues, so an escape is a shape error, not something to decode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetRaw(scoped ref Utf8JsonReader r, out ReadOnlySpan<byte> value)
    {
        if (r.TokenType == JsonTokenType.String && !r.ValueIsEscaped)
        {
            value = r.ValueSpan;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The raw bytes of a string or number token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetRawScalar(scoped ref Utf8JsonReader r, out ReadOnlySpan<byte> value)
    {
        if ((r.TokenType == JsonTokenType.String && !r.ValueIsEscaped) || r.TokenType == JsonTokenType.Number)
        {
            value = r.ValueSpan;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>A non-negative integer written as digits (JSON number or string), at most 18 digits.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 18) return false;
        long v = 0;
        foreach (byte b in text)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            v = v * 10 + d;
        }
        value = v;
        return true;
    }

    /// <summary>Like <see cref="TryParseInt64"/> but for 19-digit ids (Bybit spot trade ids) with an overflow check.</summary>
    public static bool TryParseId(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 19) return false;
        ulong v = 0;
        foreach (byte b in text)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            v = v * 10 + d;
        }
        if (v > long.MaxValue) return false;
        value = (long)v;
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.fraction]Z</c> (UTC, up to 9 fractional digits; a space instead of <c>T</c> is accepted)
    /// to Unix nanoseconds. Coinbase writes nanosecond message timestamps and microsecond trade times.
    /// </summary>
    public static bool TryParseIsoUtcNs(ReadOnlySpan<byte> s, out long unixNs)
    {
        unixNs = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return false;
        if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day)
            || !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second)) return false;
        if (month is < 1 or > 12 || day is < 1 or > 31 || hour > 23 || minute > 59 || second > 60) return false;
        int i = 19;
        long fraction = 0;
        if (s[i] == '.')
        {
            i++;
            int n = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                if (n < 9) { fraction = fraction * 10 + (s[i] - '0'); n++; }
                i++;
            }
            if (n == 0) return false;
            for (; n < 9; n++) fraction *= 10;
        }
        if (i != s.Length - 1 || s[i] != 'Z') return false;
        long days = DaysFromCivil(year, month, day);
        unixNs = ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000_000L) + fraction;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }

    // Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based civil-date formula).
    private static long DaysFromCivil(int y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097L + doe - 719468;
    }

    /// <summary>Maps a fixed-point parse failure to the counted rejection reason.</summary>
    public static RejectReason ToReject(NumberParseStatus status) => status switch
    {
        NumberParseStatus.Ok => RejectReason.None,
        NumberParseStatus.Overflow => RejectReason.NumberOverflow,
        NumberParseStatus.PrecisionLoss => RejectReason.PrecisionLoss,
        _ => RejectReason.BadNumber,
    };

    /// <summary>A non-negative price or size at <paramref name="scale"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RejectReason ParseUnsigned(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        var status = FixedPoint.TryParse(text, scale, out mantissa, out decimals);
        if (status != NumberParseStatus.Ok) return ToReject(status);
        return mantissa < 0 ? RejectReason.BadNumber : RejectReason.None;
    }

    /// <summary>What a number found while scanning a first-sighting frame is (for picking an instrument's scales).</summary>
    public enum NumberRole : byte { None, Price, Size }

    /// <summary>Appends an event of <paramref name="kind"/> with its venue, instrument, side, price, size and times set
    /// (decimals, sequences and flags left to the caller); returns it for those.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref MarketEvent AddEvent(MarketEventBatch output, MarketEventKind kind, VenueId venue, InstrumentId instrument, Side side,
        long price, long size, long exchangeTimeNs, long receiveTimeNs)
    {
        ref var e = ref output.Add();
        e.Kind = kind;
        e.Venue = venue;
        e.Instrument = instrument;
        e.Side = side;
        e.Price = price;
        e.Size = size;
        e.ExchangeTimeNs = exchangeTimeNs;
        e.ReceiveTimeNs = receiveTimeNs;
        return ref e;
    }

    /// <summary>Completes a Trade event whose price, size, side and optional id/time are set: kind, venue, instrument,
    /// receive time, no previous sequence, end of message. Both paths of the Coinbase and Gemini parsers emit through
    /// here, so their trades are the same bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CompleteTrade(ref MarketEvent e, VenueId venue, InstrumentId instrument, long receiveTimeNs)
    {
        e.Kind = MarketEventKind.Trade;
        e.Venue = venue;
        e.Instrument = instrument;
        e.ReceiveTimeNs = receiveTimeNs;
        e.PrevSequence = -1;
        e.Flags = MarketEventFlags.EndOfMessage;
    }

    /// <summary>A BookHeader of a venue without book sequence numbers (Coinbase, Gemini): kind, venue, instrument,
    /// receive time, and -1 for every sequence; the caller sets the snapshot flag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InitUnsequencedBookHeader(ref MarketEvent h, VenueId venue, InstrumentId instrument, long receiveTimeNs)
    {
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = venue;
        h.Instrument = instrument;
        h.ReceiveTimeNs = receiveTimeNs;
        h.Sequence = -1;
        h.PrevSequence = -1;
        h.FirstSequence = -1;
    }

    /// <summary>
    /// Cold path: registers a venue symbol seen for the first time. The canonical instrument gets price/size scales =
    /// max(8, the most fractional digits of that frame's prices/sizes), capped at 18; <paramref name="classify"/> says which
    /// values are prices or sizes (property name, index inside the innermost array). Returns false when the symbol
    /// cannot be understood (it is then rejected as <see cref="RejectReason.UnknownSymbol"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryRegisterSlow(InstrumentRegistry registry, VenueId venue, ReadOnlySpan<byte> symbol, SymbolStyle style,
        bool perpetual, ReadOnlySpan<byte> frame, Func<string, int, NumberRole> classify, out InstrumentId instrument)
    {
        instrument = InstrumentId.None;
        if (symbol.Length == 0 || symbol.Length > 64) return false;
        string text = Encoding.UTF8.GetString(symbol);
        string forNormalizer = text;
        // Gemini perpetuals are "BTCUSDCPERP": strip the marker for the concatenated-symbol splitter.
        if (style == SymbolStyle.Concatenated && text.EndsWith("PERP", StringComparison.Ordinal) && text.Length > 7)
        {
            forNormalizer = text[..^4];
            perpetual = true;
        }
        if (!SymbolNormalizer.TryParse(forNormalizer, style, out var parts, perpetual)) return false;
        var (priceDecimals, sizeDecimals) = ScanDecimals(frame, classify);
        int priceScale = Math.Min(FixedPoint.MaxScale, Math.Max(InstrumentRegistry.DefaultPriceScale, priceDecimals));
        int sizeScale = Math.Min(FixedPoint.MaxScale, Math.Max(InstrumentRegistry.DefaultQuantityScale, sizeDecimals));
        var added = registry.GetOrAdd(parts.Base, parts.Quote, parts.Kind, priceScale, sizeScale, parts.IsInverse, 0, parts.Detail);
        registry.MapVenueSymbol(venue, text, added.Id);
        instrument = added.Id;
        return true;
    }

    private static (int Price, int Size) ScanDecimals(ReadOnlySpan<byte> frame, Func<string, int, NumberRole> classify)
    {
        int price = 0, size = 0;
        var containers = new List<(string Name, bool IsArray, int Index)>();
        string property = "";
        try
        {
            var r = new Utf8JsonReader(frame);
            while (r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = r.GetString() ?? "";
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        string name = containers.Count > 0 && containers[^1].IsArray ? containers[^1].Name : property;
                        if (containers.Count > 0 && containers[^1].IsArray) Bump(containers);
                        containers.Add((name, r.TokenType == JsonTokenType.StartArray, 0));
                        property = "";
                        break;
                    }
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (containers.Count > 0) containers.RemoveAt(containers.Count - 1);
                        break;
                    case JsonTokenType.String:
                    case JsonTokenType.Number:
                    {
                        bool inArray = containers.Count > 0 && containers[^1].IsArray;
                        string name = inArray ? containers[^1].Name : property;
                        int index = inArray ? containers[^1].Index : -1;
                        if (inArray) Bump(containers);
                        var role = classify(name, index);
                        if (role == NumberRole.None || r.ValueIsEscaped) break;
                        int d = FixedPoint.CountDecimals(r.ValueSpan);
                        if (role == NumberRole.Price) price = Math.Max(price, d); else size = Math.Max(size, d);
                        break;
                    }
                    default:
                        if (containers.Count > 0 && containers[^1].IsArray) Bump(containers);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // A malformed frame: the parser rejects it anyway; keep the defaults.
        }
        return (price, size);
    }

    private static void Bump(List<(string Name, bool IsArray, int Index)> containers)
    {
        var top = containers[^1];
        containers[^1] = (top.Name, top.IsArray, top.Index + 1);
    }
}
