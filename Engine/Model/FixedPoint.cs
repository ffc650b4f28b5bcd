using System.Buffers;
using System.Runtime.CompilerServices;

namespace FastEngine.Model;

/// <summary>Why a number's text was rejected by <see cref="FixedPoint"/>.</summary>
public enum NumberParseStatus : byte
{
    Ok = 0,
    /// <summary>No characters, or a sign/point/exponent with no digits.</summary>
    Empty,
    /// <summary>A character that is not part of a decimal number (<c>"1,5"</c>, <c>"0x10"</c>, <c>"NaN"</c>, spaces).</summary>
    InvalidCharacter,
    /// <summary>The value does not fit a signed 64-bit mantissa at the requested scale.</summary>
    Overflow,
    /// <summary>The text has non-zero digits below the requested scale (it would be rounded).</summary>
    PrecisionLoss,
}

/// <summary>
/// Decimal text ⇄ fixed-point integers (value = mantissa × 10^-scale), straight from UTF-8 bytes: no string,
/// double or decimal on the way, no allocation. Accepts an optional sign, digits, an optional fraction and an
/// optional exponent (<c>61837.63000000</c>, <c>-0.5</c>, <c>9.121E-7</c>, <c>1e3</c>); rejects anything else with
/// a <see cref="NumberParseStatus"/>. Thread-safe (pure functions).
/// </summary>
public static class FixedPoint
{
    /// <summary>The largest scale supported (10^18 still fits a long).</summary>
    public const int MaxScale = 18;

    private static readonly ulong[] _pow10 = BuildPowers();

    private static ulong[] BuildPowers()
    {
        var p = new ulong[20];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    /// <summary>10^<paramref name="exponent"/> for 0..18.</summary>
    public static long Pow10(int exponent) => (long)_pow10[exponent];

    private static readonly Int128[] _pow10Wide = BuildWidePowers();

    private static Int128[] BuildWidePowers()
    {
        var p = new Int128[39];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    /// <summary>10^<paramref name="exponent"/> for 0..38 as Int128: rescaling products of two mantissas (price × size)
    /// without overflow.</summary>
    public static Int128 Pow10Wide(int exponent) => _pow10Wide[exponent];

    /// <summary>Parses <paramref name="text"/> at <paramref name="scale"/> decimals.</summary>
    /// <param name="text">UTF-8 digits as the venue sent them.</param>
    /// <param name="scale">Number of implied decimals of the mantissa, 0..<see cref="MaxScale"/>.</param>
    /// <param name="mantissa">The value × 10^scale, exact.</param>
    /// <param name="decimals">How many fractional digits the text carried (exponent applied), so
    /// <see cref="TryFormat"/> can write the venue's original text back (checksums need it).</param>
    public static NumberParseStatus TryParse(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        if ((uint)scale > MaxScale) ThrowScale(scale);
        // Fast path: what venues send almost always — unsigned plain decimal text of at most 19 characters, so every
        // digit fits an unsigned long without the overflow bookkeeping below. Anything else (sign, exponent, long
        // text, a second '.') takes the general path, which gives the same answer for the texts handled here.
        if ((uint)(text.Length - 1) < 19u)
        {
            ulong acc = 0;
            int dot = -1;
            ref byte start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(text);
            int n = text.Length, k = 0;
            // Exactly eight fraction digits after one to seven integer digits (Binance's "61837.63000000", "0.00123000"):
            // two 8-byte words instead of a multiply-add per character, both inside the text.
            if (n >= 10 && n <= 16 && Unsafe.Add(ref start, n - 9) == (byte)'.'
                && Digits8(Unsafe.ReadUnaligned<ulong>(ref start), out ulong integer) == n - 9
                && Digits8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, n - 8)), out ulong fractionValue) == 8)
            {
                acc = integer * 100_000_000UL + fractionValue;
                dot = n - 9;
                k = n;
            }

            for (; k < n; k++)
            {
                uint d = (uint)(Unsafe.Add(ref start, k) - '0');
                if (d <= 9) { acc = acc * 10 + d; continue; }
                if (d != unchecked((uint)('.' - '0')) || dot >= 0) break;
                dot = k;
            }
            if (k == n && (dot < 0 || n > 1))
            {
                int fraction = dot < 0 ? 0 : n - 1 - dot;
                decimals = (byte)fraction;
                int shift = scale - fraction;
                if (acc == 0) { mantissa = 0; return NumberParseStatus.Ok; }
                if (shift >= 0)
                {
                    ulong p = _pow10[shift];
                    if (acc > (ulong)long.MaxValue / p) { mantissa = 0; return NumberParseStatus.Overflow; }
                    mantissa = (long)(acc * p);
                    return NumberParseStatus.Ok;
                }
                ulong q = acc / _pow10[-shift];
                if (q * _pow10[-shift] != acc) { mantissa = 0; return NumberParseStatus.PrecisionLoss; }
                mantissa = (long)q;
                return NumberParseStatus.Ok;
            }
        }
        return TryParseGeneral(text, scale, out mantissa, out decimals);
    }

    /// <summary>
    /// How many of <paramref name="word"/>'s bytes, from the lowest (the first character in memory), are ASCII digits
    /// before the first other byte (0–8), and their decimal value (SWAR: no loop, two multiplications). Bytes after the
    /// first non-digit do not matter. Pure; used by the number fast paths here and in the venues' span scanners.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Digits8(ulong word, out ulong value)
    {
        int count = LeadingDigits(word);
        value = DigitsValue(word, count);
        return count;
    }

    /// <summary>How many of <paramref name="word"/>'s bytes, from the lowest (the first character in memory), are ASCII
    /// digits before the first other byte (0–8; SWAR, no loop). Bytes after the first non-digit do not matter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LeadingDigits(ulong word)
    {
        // Per byte: a digit becomes 0..9. A byte below '0' borrows from the byte above it, but only bytes above the
        // first non-digit can be disturbed, and those are discarded. Non-digit test: the value is >= 0x80 (a byte
        // below '0' wrapped) or adding 0x76 reaches 0x80 (a value of 10 or more).
        ulong x = word - 0x3030303030303030UL;
        ulong nonDigits = ((x + 0x7676767676767676UL) | x) & 0x8080808080808080UL;
        return System.Numerics.BitOperations.TrailingZeroCount(nonDigits) >> 3; // 8 when every byte is a digit
    }

    /// <summary>The decimal value of the first <paramref name="count"/> (0–8) bytes of <paramref name="word"/> (from the
    /// lowest), which must be ASCII digits (<see cref="LeadingDigits"/> of them or fewer); the bytes after them do not
    /// matter. SWAR: two multiplication steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong DigitsValue(ulong word, int count)
    {
        if (count == 0) return 0;
        // Left-align the digits as an 8-digit number with leading zeros (the shift drops everything after them, and the
        // borrows a non-digit below '0' starts, which only move up), then combine pairs, quads and the two halves.
        ulong x = (word - 0x3030303030303030UL) << ((8 - count) << 3);
        x = x * 10 + (x >> 8);
        x = ((x & 0x000000FF000000FFUL) * (100 + (1000000UL << 32)) + ((x >> 16) & 0x000000FF000000FFUL) * (1 + (10000UL << 32))) >> 32;
        return (uint)x;
    }

    private static NumberParseStatus TryParseGeneral(ReadOnlySpan<byte> text, int scale, out long mantissa, out byte decimals)
    {
        mantissa = 0;
        decimals = 0;
        int i = 0;
        int length = text.Length;
        if (length == 0) return NumberParseStatus.Empty;
        bool negative = false;
        byte c = text[0];
        if (c == (byte)'-') { negative = true; i = 1; }
        else if (c == (byte)'+') { i = 1; }

        ulong acc = 0;
        int digits = 0;        // digits seen in integer + fraction
        int fractionDigits = 0; // digits after the point (including pending zeros)
        int pendingZeros = 0;  // zeros not yet multiplied into acc (so long runs of zeros never overflow)
        bool overflow = false;

        // Integer part.
        for (; i < length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d > 9) break;
            digits++;
            if (!AccumulateDigit(ref acc, ref pendingZeros, d)) overflow = true;
        }
        if (i < length && text[i] == (byte)'.')
        {
            i++;
            for (; i < length; i++)
            {
                uint d = (uint)(text[i] - '0');
                if (d > 9) break;
                digits++;
                fractionDigits++;
                if (!AccumulateDigit(ref acc, ref pendingZeros, d)) overflow = true;
            }
        }
        if (digits == 0) return i < length && !IsNumberChar(text[i]) ? NumberParseStatus.InvalidCharacter : NumberParseStatus.Empty;

        int exponent = 0;
        if (i < length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            bool expNegative = false;
            if (i < length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
            {
                expNegative = text[i] == (byte)'-';
                i++;
            }
            int expDigits = 0;
            for (; i < length; i++)
            {
                uint d = (uint)(text[i] - '0');
                if (d > 9) break;
                expDigits++;
                if (exponent < 10_000) exponent = exponent * 10 + (int)d;
            }
            if (expDigits == 0) return i < length ? NumberParseStatus.InvalidCharacter : NumberParseStatus.Empty;
            if (expNegative) exponent = -exponent;
        }
        if (i != length) return NumberParseStatus.InvalidCharacter;
        if (overflow) return NumberParseStatus.Overflow;

        // value = acc × 10^(pendingZeros + exponent - fractionDigits)
        int textDecimals = fractionDigits - exponent;
        decimals = (byte)Math.Clamp(textDecimals, 0, byte.MaxValue);
        if (acc == 0) { mantissa = 0; return NumberParseStatus.Ok; }
        int shift = scale + pendingZeros + exponent - fractionDigits;
        ulong magnitude;
        if (shift >= 0)
        {
            if (shift > 18) return NumberParseStatus.Overflow;
            ulong p = _pow10[shift];
            if (acc > (ulong)long.MaxValue / p) return NumberParseStatus.Overflow;
            magnitude = acc * p;
        }
        else
        {
            if (-shift > 19) return NumberParseStatus.PrecisionLoss; // acc != 0 and all its digits fall below the scale
            ulong p = _pow10[-shift];
            ulong q = acc / p;
            if (q * p != acc) return NumberParseStatus.PrecisionLoss;
            magnitude = q;
        }
        if (magnitude > long.MaxValue) return NumberParseStatus.Overflow;
        mantissa = negative ? -(long)magnitude : (long)magnitude;
        return NumberParseStatus.Ok;
    }

    /// <summary>Parses at <paramref name="scale"/>, ignoring the text's decimal count.</summary>
    public static NumberParseStatus TryParse(ReadOnlySpan<byte> text, int scale, out long mantissa)
        => TryParse(text, scale, out mantissa, out _);

    /// <summary>Multi-segment input (a number split across pipe segments): copied to the stack, then parsed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static NumberParseStatus TryParse(in ReadOnlySequence<byte> text, int scale, out long mantissa, out byte decimals)
    {
        if (text.IsSingleSegment) return TryParse(text.FirstSpan, scale, out mantissa, out decimals);
        if (text.Length > 128) { mantissa = 0; decimals = 0; return NumberParseStatus.Overflow; }
        Span<byte> buffer = stackalloc byte[128];
        text.CopyTo(buffer);
        return TryParse(buffer[..(int)text.Length], scale, out mantissa, out decimals);
    }

    /// <summary>
    /// Counts the fractional digits of a plain decimal text (<c>"0.000022900"</c> → 9), used to pick an instrument's
    /// scale from the first numbers a venue sends. Exponent form is honoured (<c>9.121E-7</c> → 10).
    /// </summary>
    public static int CountDecimals(ReadOnlySpan<byte> text)
    {
        int dot = text.IndexOf((byte)'.');
        int e = text.IndexOfAny((byte)'e', (byte)'E');
        int end = e >= 0 ? e : text.Length;
        int frac = dot >= 0 && dot < end ? end - dot - 1 : 0;
        if (e >= 0 && TryParse(text[(e + 1)..], 0, out long exp) == NumberParseStatus.Ok) frac -= (int)Math.Clamp(exp, -1000, 1000);
        return Math.Max(0, frac);
    }

    /// <summary>
    /// Writes mantissa × 10^-scale as plain decimal text with exactly <paramref name="decimals"/> fractional digits
    /// (zero-padded, or trimmed when the dropped digits are zero); <paramref name="decimals"/> = -1 writes the
    /// shortest exact form. Never loses a non-zero digit: if <paramref name="decimals"/> is too small, more are written.
    /// </summary>
    /// <returns>false when <paramref name="destination"/> is too small.</returns>
    public static bool TryFormat(long mantissa, int scale, int decimals, Span<byte> destination, out int written)
    {
        if ((uint)scale > MaxScale) ThrowScale(scale);
        written = 0;
        ulong magnitude = mantissa < 0 ? (ulong)(-(mantissa + 1)) + 1 : (ulong)mantissa;
        // Minimal number of fractional digits that keeps the value exact.
        int minDecimals = scale;
        ulong m = magnitude;
        while (minDecimals > 0 && m % 10 == 0) { m /= 10; minDecimals--; }
        if (magnitude == 0) minDecimals = 0;
        int fractionDigits = decimals < 0 ? minDecimals : Math.Max(decimals, minDecimals);

        // Digits of the magnitude at `scale` decimals, then adjust to fractionDigits.
        Span<byte> digits = stackalloc byte[40];
        int n = 0;
        ulong v = magnitude;
        do { digits[n++] = (byte)('0' + (int)(v % 10)); v /= 10; } while (v != 0);
        // digits[] holds least-significant first. Integer digits = n - scale (at least one "0").
        int integerDigits = Math.Max(1, n - scale);
        int needed = (mantissa < 0 ? 1 : 0) + integerDigits + (fractionDigits > 0 ? 1 + fractionDigits : 0);
        if (needed > destination.Length) return false;
        int pos = 0;
        if (mantissa < 0) destination[pos++] = (byte)'-';
        for (int k = integerDigits - 1; k >= 0; k--)
        {
            int index = k + scale; // position in least-significant-first digits
            destination[pos++] = index < n ? digits[index] : (byte)'0';
        }
        if (fractionDigits > 0)
        {
            destination[pos++] = (byte)'.';
            for (int f = 1; f <= fractionDigits; f++)
            {
                int index = scale - f;
                destination[pos++] = index >= 0 && index < n ? digits[index] : (byte)'0';
            }
        }
        written = pos;
        return true;
    }

    /// <summary>Cold-path convenience for logs, reports and tests.</summary>
    public static string Format(long mantissa, int scale, int decimals = -1)
    {
        Span<byte> buffer = stackalloc byte[64];
        TryFormat(mantissa, scale, decimals, buffer, out int written);
        return System.Text.Encoding.ASCII.GetString(buffer[..written]);
    }

    /// <summary>Rescales a mantissa from one scale to another; false when it would overflow or lose digits.</summary>
    public static bool TryRescale(long mantissa, int fromScale, int toScale, out long result)
    {
        result = 0;
        if (fromScale == toScale) { result = mantissa; return true; }
        if (toScale > fromScale)
        {
            long p = Pow10(toScale - fromScale);
            if (mantissa > long.MaxValue / p || mantissa < long.MinValue / p) return false;
            result = mantissa * p;
            return true;
        }
        long d = Pow10(fromScale - toScale);
        if (mantissa % d != 0) return false;
        result = mantissa / d;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AccumulateDigit(ref ulong acc, ref int pendingZeros, uint digit)
    {
        if (digit == 0 && acc != 0) { pendingZeros++; return true; }
        if (digit == 0) return true; // leading zeros
        // Flush zeros, then the digit: acc × 10^(pendingZeros+1) + digit must stay below 10^19.
        int mul = pendingZeros + 1;
        pendingZeros = 0;
        if (mul > 19) return false;
        ulong p = _pow10[mul];
        if (acc > (ulong.MaxValue - digit) / p) return false;
        acc = acc * p + digit;
        return true;
    }

    private static bool IsNumberChar(byte c) => c is (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E' || (uint)(c - '0') <= 9;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowScale(int scale) =>
        throw new ArgumentOutOfRangeException(nameof(scale), scale, $"scale must be 0..{MaxScale}");
}
