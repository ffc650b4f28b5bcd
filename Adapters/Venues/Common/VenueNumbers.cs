using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues;

/// <summary>Number helpers shared by the venue parsers (OKX, Kraken): fixed-point parsing with venue rejections, and
/// the price/size scale chosen for an instrument from the first numbers a venue sends.</summary>
internal static class VenueNumbers
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RejectReason Parse(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        var status = FixedPoint.TryParse(text, scale, out mantissa, out decimals);
        return status == NumberParseStatus.Ok ? RejectReason.None : ToReason(status);
    }

    /// <summary>
    /// Scale for a first-seen instrument: the decimals seen, or more up to <paramref name="preferred"/> while
    /// <paramref name="integerDigits"/> still fit a long with one spare digit (18 - 1 - digits).
    /// </summary>
    public static int ScaleFor(int decimals, int integerDigits, int preferred) =>
        Math.Clamp(Math.Max(decimals, Math.Min(preferred, FixedPoint.MaxScale - 1 - integerDigits)), 0, FixedPoint.MaxScale);

    /// <summary>
    /// Integer digits to reserve for sizes: the largest seen, or what a 10^7 quote-unit level at the first price seen would
    /// need (ELON-USDT at 0.0000007 trades 5,950,000,000,000-unit levels: 14 digits), whichever is larger.
    /// </summary>
    public static int SizeDigitsFor(int sizeDigitsSeen, int firstPriceMagnitude) => Math.Max(sizeDigitsSeen, Math.Clamp(7 - firstPriceMagnitude, 0, 17));

    /// <summary>floor(log10(value)) of a plain positive decimal text (<c>"42310.6"</c> → 4, <c>"0.00000074"</c> → -7); 0 for zero.</summary>
    public static int Magnitude(ReadOnlySpan<byte> text)
    {
        int integer = IntegerDigits(text);
        if (integer > 0) return integer - 1;
        int dot = text.IndexOf((byte)'.');
        if (dot < 0) return 0;
        for (int i = dot + 1; i < text.Length; i++)
        {
            if ((uint)(text[i] - '0') > 9) break;
            if (text[i] != (byte)'0') return -(i - dot);
        }
        return 0;
    }

    /// <summary>Significant integer digits of a plain decimal text (<c>"5950000000000"</c> → 13, <c>"0.001"</c> → 0).</summary>
    public static int IntegerDigits(ReadOnlySpan<byte> text)
    {
        int n = 0;
        bool leading = true;
        foreach (byte c in text)
        {
            if (c == (byte)'.' || c == (byte)'e' || c == (byte)'E') break;
            if ((uint)(c - '0') > 9) continue;
            if (leading && c == (byte)'0') continue;
            leading = false;
            n++;
        }
        return n;
    }

    /// <summary>Parses at <paramref name="scale"/>, dropping fraction digits beyond it (plain decimals only).</summary>
    public static RejectReason ParseTruncated(ReadOnlySpan<byte> text, int scale, out long mantissa)
    {
        int dot = text.IndexOf((byte)'.');
        if (dot >= 0 && text.Length - dot - 1 > scale && text[(dot + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            text = text[..(dot + 1 + scale)];
        return Parse(text, scale, out mantissa, out _);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static RejectReason ToReason(NumberParseStatus status) => status switch
    {
        NumberParseStatus.Overflow => RejectReason.NumberOverflow,
        NumberParseStatus.PrecisionLoss => RejectReason.PrecisionLoss,
        _ => RejectReason.BadNumber,
    };

    /// <summary>
    /// Largest decimal count of prices and of sizes in a frame (cold path): book levels are <c>[price, size, ...]</c>,
    /// named fields ending in <c>Px</c>/<c>px</c>/<c>last</c> are prices, <c>Sz</c>/<c>sz</c> sizes.
    /// </summary>
    public static void MaxDecimals(ReadOnlySpan<byte> frame, out int priceDecimals, out int sizeDecimals, out int priceDigits, out int sizeDigits, out int firstPriceMagnitude)
    {
        priceDecimals = 0;
        sizeDecimals = 0;
        priceDigits = 0;
        sizeDigits = 0;
        firstPriceMagnitude = 0;
        bool firstPrice = true;
        try
        {
            var r = new Utf8JsonReader(frame);
            int arrayDepth = 0, index = 0;
            bool price = false, size = false;
            while (r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.StartArray: arrayDepth++; index = 0; break;
                    case JsonTokenType.EndArray: arrayDepth--; break;
                    case JsonTokenType.PropertyName:
                        var name = r.ValueSpan;
                        price = name.EndsWith("Px"u8) || name.SequenceEqual("px"u8) || name.SequenceEqual("last"u8);
                        size = name.EndsWith("Sz"u8) || name.SequenceEqual("sz"u8);
                        break;
                    case JsonTokenType.String:
                        int d = FixedPoint.CountDecimals(r.ValueSpan);
                        int g = IntegerDigits(r.ValueSpan);
                        bool isPrice = arrayDepth >= 3 ? index == 0 : price; // data[ asks[ level[ px, sz, ... ] ] ]
                        bool isSize = arrayDepth >= 3 ? index == 1 : size;
                        if (arrayDepth >= 3) index++;
                        if (isPrice && firstPrice && !r.ValueSpan.IsEmpty) { firstPriceMagnitude = Magnitude(r.ValueSpan); firstPrice = false; }
                        if (isPrice) { priceDecimals = Math.Max(priceDecimals, d); priceDigits = Math.Max(priceDigits, g); }
                        else if (isSize) { sizeDecimals = Math.Max(sizeDecimals, d); sizeDigits = Math.Max(sizeDigits, g); }
                        price = size = false;
                        break;
                    default:
                        price = size = false;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed frames are rejected by the caller's own pass; the decimals seen so far are kept.
        }
    }
}
