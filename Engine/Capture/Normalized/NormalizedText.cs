using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Capture.Normalized;

/// <summary>Why a line of a normalized (third-party) capture was rejected.</summary>
public enum NormalizedRejectReason : byte
{
    None = 0,
    InvalidJson,
    MissingField,
    UnknownType,
    UnknownExchange,
    UnknownSymbol,
    BadNumber,
    BadTimestamp,
    BadSide,
    ColumnCount,
    Header,
    Empty,
}

/// <summary>Small allocation-free text helpers shared by the normalized-capture readers.</summary>
public static class NormalizedText
{
    /// <summary>
    /// Parses <c>YYYY-MM-DDTHH:MM:SS[.fffffffff][Z]</c> (or a space instead of <c>T</c>) as UTC into Unix nanoseconds.
    /// Up to 9 fractional digits; more are rejected.
    /// </summary>
    public static bool TryParseUtcNs(ReadOnlySpan<byte> text, out long unixNs)
    {
        unixNs = 0;
        if (text.Length < 19) return false;
        if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') return false;
        if (!Digits(text, 0, 4, out int year) || !Digits(text, 5, 2, out int month) || !Digits(text, 8, 2, out int day)
            || !Digits(text, 11, 2, out int hour) || !Digits(text, 14, 2, out int minute) || !Digits(text, 17, 2, out int second))
            return false;
        if (month is < 1 or > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return false;
        int i = 19;
        long fraction = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            int digits = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                if (++digits > 9) return false;
                fraction = fraction * 10 + (text[i] - '0');
                i++;
            }
            if (digits == 0) return false;
            for (int k = digits; k < 9; k++) fraction *= 10;
        }
        if (i < text.Length && text[i] == 'Z') i++;
        if (i != text.Length) return false;
        long days = DaysFromCivil(year, month, day);
        unixNs = ((days * 24 + hour) * 3600 + minute * 60L + second) * 1_000_000_000 + fraction;
        return true;
    }

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (the era-based algorithm: 400-year cycles of 146,097 days).</summary>
    public static long DaysFromCivil(int year, int month, int day)
    {
        int y = month <= 2 ? year - 1 : year;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (int k = start; k < start + count; k++)
        {
            uint d = (uint)(text[k] - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }

    /// <summary>A numeric id as a long, or (for UUIDs and other text) a 63-bit FNV-1a hash of its bytes.</summary>
    public static long IdToSequence(ReadOnlySpan<byte> id)
    {
        if (id.Length is > 0 and <= 18)
        {
            long v = 0;
            int k = 0;
            for (; k < id.Length; k++)
            {
                uint d = (uint)(id[k] - '0');
                if (d > 9) break;
                v = v * 10 + d;
            }
            if (k == id.Length) return v;
        }
        ulong h = 14695981039346656037UL;
        foreach (byte b in id) h = (h ^ b) * 1099511628211UL;
        return (long)(h & long.MaxValue);
    }

    /// <summary>
    /// <see cref="FixedPoint.TryParse(ReadOnlySpan{byte}, int, out long, out byte)"/> with a fast path for what the
    /// normalized captures hold: unsigned plain decimals (<c>4092.75</c>, <c>481310</c>) whose fraction fits the scale and
    /// whose value fits 18 digits at that scale. Same results (mantissa, decimals, status) as FixedPoint for every text:
    /// anything else (sign, exponent, a fraction longer than the scale, more digits, a bad character) goes to FixedPoint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NumberParseStatus ParseDecimal(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        if (TryParsePlain(text, scale, out mantissa, out decimals)) return NumberParseStatus.Ok;
        return FixedPoint.TryParse(text, scale, out mantissa, out decimals);
    }

    /// <summary>The fast path of <see cref="ParseDecimal"/>: <c>[0-9]+(\.[0-9]+)?</c>, fraction ≤ scale, integer digits + scale ≤ 18
    /// (so the mantissa cannot overflow); false (nothing decided) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryParsePlain(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        mantissa = 0;
        decimals = 0;
        if ((uint)scale > FixedPoint.MaxScale) return false;
        ulong acc = 0;
        int i = 0;
        for (; i < text.Length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d > 9) break;
            acc = acc * 10 + d;
        }
        int integerDigits = i;
        if (integerDigits == 0 || integerDigits + scale > 18) return false;
        int fraction = 0;
        if (i < text.Length)
        {
            if (text[i] != '.') return false;
            int start = ++i;
            for (; i < text.Length; i++)
            {
                uint d = (uint)(text[i] - '0');
                if (d > 9) return false;
                acc = acc * 10 + d;
            }
            fraction = i - start;
            if (fraction == 0 || fraction > scale) return false;
        }
        // acc < 10^(integerDigits + fraction); × 10^(scale - fraction) stays below 10^18.
        mantissa = (long)acc * FixedPoint.Pow10(scale - fraction);
        decimals = (byte)fraction;
        return true;
    }

    /// <summary>
    /// Cuts a plain decimal's fraction to <paramref name="scale"/> digits (floor toward zero) so a float artifact such as
    /// <c>26.88178831780013</c> parses at a coarser scale. Returns the possibly shorter text and whether digits were dropped.
    /// </summary>
    public static ReadOnlySpan<byte> TruncateFraction(ReadOnlySpan<byte> text, int scale, out bool truncated)
    {
        truncated = false;
        int dot = text.IndexOf((byte)'.');
        if (dot < 0 || text.IndexOfAny((byte)'e', (byte)'E') >= 0) return text;
        int keep = dot + 1 + scale;
        if (text.Length <= keep) return text;
        truncated = true;
        return scale == 0 ? text[..dot] : text[..keep];
    }
}
