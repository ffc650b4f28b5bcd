using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Common;

/// <summary>
/// Pieces shared by the venues' exact-shape span fast paths (Binance, Bybit, OKX). Each answers "accepted" only for the
/// plain form it describes; anything else is false and the caller falls back to its <c>Utf8JsonReader</c> path, which
/// alone decides rejects. Pure functions on spans: allocation-free, thread-safe.
/// </summary>
internal static class SpanScan
{
    /// <summary>
    /// A plain unsigned decimal (digits with at most one '.', 1–19 characters, not a lone '.') starting at
    /// <paramref name="start"/> and ending at a closing quote, read in the pass that finds the quote, scaled to
    /// <paramref name="scale"/> decimals with the arithmetic of <see cref="FixedPoint.TryParse(ReadOnlySpan{byte}, int, out long, out byte)"/>'s
    /// fast path. <paramref name="end"/> is the index after the closing quote. False (nothing decided) for any other
    /// text or a value that does not fit: the caller then parses the text the general way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPlainDecimalToQuote(ReadOnlySpan<byte> frame, int start, int scale, out long value, out byte decimals, out int end)
    {
        // Eight digits at a time: the usual venue number ("61837.63000000", "0.00123000") is at most seven integer
        // digits, '.', at most eight fraction digits and the quote, read as two 8-byte words instead of a multiply-add
        // chain per character. Each word is read only where the frame has its bytes (a frame's last number, such as
        // bookTicker's "A", usually still has them).
        if (start >= 0 && frame.Length - start >= 8 && TryPlainDecimalSwar(frame, start, out ulong swar, out int fraction, out int close)
            && Scale(swar, fraction, scale, close, out value, out decimals, out end))
            return true;

        // Everything else, including a value that does not fit the scale (the loop then reaches the same answer).
        return TryPlainDecimalToQuoteScalar(frame, start, scale, out value, out decimals, out end);
    }

    /// <summary>
    /// The SWAR form of <see cref="TryPlainDecimalToQuote"/> for 1–7 integer digits, optionally '.' and 1–8 fraction
    /// digits, then '"': the value of all digits, the fraction digit count and the quote's index. False for any other
    /// shape (longer parts, a lone or leading '.', no quote), which the scalar loop then decides. Needs 8 readable
    /// bytes from <paramref name="start"/> (the caller checks); false, undecided, when fewer than 10 bytes are left
    /// from the '.' (the fraction word and the quote after eight fraction digits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPlainDecimalSwar(ReadOnlySpan<byte> frame, int start, out ulong value, out int fraction, out int close)
    {
        ref byte first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(frame);
        int integerDigits = Digits8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, start)), out ulong integer);
        value = 0;
        fraction = 0;
        close = 0;
        if ((uint)(integerDigits - 1) >= 7u)
            return false;

        int k = start + integerDigits;
        byte c = Unsafe.Add(ref first, k);
        if (c == (byte)'"')
        {
            value = integer;
            close = k;
            return true;
        }

        if (c != (byte)'.' || frame.Length - k < 10)
            return false;

        int fractionDigits = Digits8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, k + 1)), out ulong part);
        k += 1 + fractionDigits;
        // k <= the dot's index + 9 here, inside the 10 bytes checked above.
        if (fractionDigits == 0 || Unsafe.Add(ref first, k) != (byte)'"')
            return false;

        value = integer * (ulong)FixedPoint.Pow10(fractionDigits) + part;
        fraction = fractionDigits;
        close = k;
        return true;
    }

    /// <summary>See <see cref="FixedPoint.Digits8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Digits8(ulong word, out ulong value) => FixedPoint.Digits8(word, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Scale(ulong acc, int fraction, int scale, int close, out long value, out byte decimals, out int end)
    {
        int shift = scale - fraction;
        if ((uint)shift <= 18u && acc <= MaxBeforeScaling[shift])   // a table, not a 64-bit division per number
        {
            value = (long)(acc * (ulong)FixedPoint.Pow10(shift));
            decimals = (byte)fraction;
            end = close + 1;
            return true;
        }

        value = 0;
        decimals = 0;
        end = 0;
        return false;
    }

    /// <summary>The character-by-character form of <see cref="TryPlainDecimalToQuote"/> (any length up to 19).</summary>
    internal static bool TryPlainDecimalToQuoteScalar(ReadOnlySpan<byte> frame, int start, int scale, out long value, out byte decimals, out int end)
    {
        int k = start, dot = -1;
        int limit = Math.Min(frame.Length, start + 19);
        ulong acc = 0;
        for (; k < limit; k++)
        {
            uint d = (uint)(frame[k] - '0');
            if (d <= 9) { acc = acc * 10 + d; continue; }
            if (d != unchecked((uint)('.' - '0')) || dot >= 0) break;
            dot = k;
        }
        int n = k - start;
        if (k < frame.Length && frame[k] == (byte)'"' && n > 0 && (dot < 0 || n > 1)
            && Scale(acc, dot < 0 ? 0 : k - 1 - dot, scale, k, out value, out decimals, out end))
            return true;

        value = 0;
        decimals = 0;
        end = start;
        return false;
    }

    /// <summary>
    /// An unsigned integer at <paramref name="pos"/> as JSON writes one: a single 0 or up to 18 digits without a leading
    /// zero, followed by a byte that does not continue a number (not a digit, '.', 'e' or 'E'); <paramref name="pos"/>
    /// ends on that byte. False (and <paramref name="pos"/> unchanged) for anything else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool UnsignedInteger(ReadOnlySpan<byte> frame, scoped ref int pos, out long value)
    {
        value = 0;
        int i = pos;
        if ((uint)i >= (uint)frame.Length) return false;
        uint d = (uint)(frame[i] - '0');
        if (d > 9) return false;
        long v = d;
        int start = i++;
        if (d != 0)
        {
            int end = Math.Min(frame.Length, start + 18);
            while (i < end && (d = (uint)(frame[i] - '0')) <= 9)
            {
                v = v * 10 + d;
                i++;
            }
        }
        if ((uint)i >= (uint)frame.Length) return false;
        byte b = frame[i];
        if ((uint)(b - '0') <= 9 || b == (byte)'.' || b == (byte)'e' || b == (byte)'E') return false;
        value = v;
        pos = i;
        return true;
    }

    /// <summary>A string of printable ASCII without escapes at <paramref name="pos"/> (its opening quote);
    /// <paramref name="pos"/> ends after the closing quote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PlainString(ReadOnlySpan<byte> frame, scoped ref int pos, out ReadOnlySpan<byte> value)
    {
        value = default;
        if ((uint)pos >= (uint)frame.Length || frame[pos] != (byte)'"') return false;
        int start = pos + 1;
        for (int i = start; i < frame.Length; i++)
        {
            byte b = frame[i];
            if (b == (byte)'"')
            {
                value = frame.Slice(start, i - start);
                pos = i + 1;
                return true;
            }
            if ((uint)(b - 0x20) > 0x7E - 0x20 || b == (byte)'\\') return false;
        }
        return false;
    }

    /// <summary><paramref name="literal"/> at <paramref name="pos"/> (advanced past it when present).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Expect(ReadOnlySpan<byte> frame, scoped ref int pos, ReadOnlySpan<byte> literal)
    {
        if ((uint)pos > (uint)frame.Length || !frame.Slice(pos).StartsWith(literal)) return false;
        pos += literal.Length;
        return true;
    }

    /// <summary>An object member <c>"key":"value"</c> of <see cref="PlainString"/>s at <paramref name="pos"/> (no
    /// spaces); <paramref name="pos"/> ends after the value's closing quote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PlainMember(ReadOnlySpan<byte> frame, scoped ref int pos, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        value = default;
        return PlainString(frame, ref pos, out key) && Expect(frame, ref pos, ":"u8) && PlainString(frame, ref pos, out value);
    }

    /// <summary>The byte after a member or element: ',' (<paramref name="more"/>) or <paramref name="close"/> (the
    /// object or array ends), <paramref name="pos"/> advanced past it; false for anything else or the frame's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Separator(ReadOnlySpan<byte> frame, scoped ref int pos, byte close, out bool more)
    {
        more = false;
        if ((uint)pos >= (uint)frame.Length) return false;
        byte c = frame[pos++];
        if (c == (byte)',')
        {
            more = true;
            return true;
        }
        return c == close;
    }

    /// <summary>
    /// <see cref="TryPlainDecimalToQuote"/> read eight bytes at a time (same texts accepted, same value, decimals and
    /// end): each 8-byte load finds its first non-digit with a mask and converts the digits before it with three
    /// multiplies, so a 17-character timestamp costs three steps instead of seventeen dependent ones and no per-digit
    /// branch. Within 8 bytes of the frame's end it hands the text to <see cref="TryPlainDecimalToQuote"/>.
    /// </summary>
    /// <remarks>With 48 bytes readable from <paramref name="start"/> the text's first two non-digits are found at once
    /// with two 16-byte vector compares (the dot, then the quote), and the integer and fraction digits are converted by
    /// unaligned 8-byte loads: no branch depends on each digit.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPlainDecimalToQuoteWide(ReadOnlySpan<byte> frame, int start, int scale, out long value, out byte decimals, out int end)
    {
        ref byte origin = ref MemoryMarshal.GetReference(frame);
        int p = start, length = frame.Length;
        if ((uint)p <= (uint)length - 48u && length >= 48) return TryVectorDecimal(ref origin, p, scale, out value, out decimals, out end);
        if ((uint)p > (uint)length - 8u || length < 8) return TryPlainDecimalToQuote(frame, start, scale, out value, out decimals, out end);
        ulong chunk = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, p));
        int n = FixedPoint.LeadingDigits(chunk);
        ulong acc = n == 0 ? 0 : FixedPoint.DigitsValue(chunk, n);
        p += n;
        int intDigits = n;
        while (n == 8)
        {
            if (p > length - 8 || intDigits > 19) return TryPlainDecimalToQuote(frame, start, scale, out value, out decimals, out end);
            chunk = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, p));
            n = FixedPoint.LeadingDigits(chunk);
            if (n != 0) acc = acc * (ulong)FixedPoint.Pow10(n) + FixedPoint.DigitsValue(chunk, n);
            p += n;
            intDigits += n;
        }
        // p < length: the byte there was read as a non-digit.
        int fraction = 0, chars = intDigits;
        if (Unsafe.Add(ref origin, p) == (byte)'.')
        {
            p++;
            chars++;
            do
            {
                if (p > length - 8 || chars + fraction > 20) return TryPlainDecimalToQuote(frame, start, scale, out value, out decimals, out end);
                chunk = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, p));
                n = FixedPoint.LeadingDigits(chunk);
                if (n != 0) acc = acc * (ulong)FixedPoint.Pow10(n) + FixedPoint.DigitsValue(chunk, n);
                p += n;
                fraction += n;
            } while (n == 8);
            chars += fraction;
            if (chars == 1) goto Undecided; // a lone '.'
        }
        if (chars == 0 || chars > 19 || p >= length || Unsafe.Add(ref origin, p) != (byte)'"') goto Undecided;
        int shift = scale - fraction;
        if ((uint)shift <= 18u && acc <= MaxBeforeScaling[shift])
        {
            value = (long)(acc * (ulong)FixedPoint.Pow10(shift));
            decimals = (byte)fraction;
            end = p + 1;
            return true;
        }
    Undecided:
        value = 0;
        decimals = 0;
        end = start;
        return false;
    }

    /// <summary>The vector form of <see cref="TryPlainDecimalToQuoteWide"/>: 48 bytes readable from <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryVectorDecimal(ref byte origin, int p, int scale, out long value, out byte decimals, out int end)
    {
        var zero = Vector128.Create((byte)'0');
        var nine = Vector128.Create((byte)9);
        var low = Vector128.LoadUnsafe(ref origin, (nuint)p);
        var high = Vector128.LoadUnsafe(ref origin, (nuint)p + 16);
        uint digitBits = Vector128.LessThanOrEqual(low - zero, nine).ExtractMostSignificantBits()
                         | (Vector128.LessThanOrEqual(high - zero, nine).ExtractMostSignificantBits() << 16);
        uint other = ~digitBits;
        int first = BitOperations.TrailingZeroCount(other); // 32 when all 32 bytes are digits
        int intDigits = first, fraction = 0, close = first;
        if (first < 32 && Unsafe.Add(ref origin, p + first) == (byte)'.')
        {
            close = BitOperations.TrailingZeroCount(other & (other - 1));
            fraction = close - first - 1;
        }
        // close: the quote's offset; chars = close (digits and at most one dot), 1..19, not a lone '.'.
        if (close > 19 || close == 0 || (fraction == 0 && close == first + 1 && first == 0) || Unsafe.Add(ref origin, p + close) != (byte)'"')
            return NotDecided(p, out value, out decimals, out end);
        ulong acc = DigitRun(ref origin, p, intDigits);
        if (close != first) acc = acc * (ulong)FixedPoint.Pow10(fraction) + DigitRun(ref origin, p + first + 1, fraction);
        int scaleShift = scale - fraction;
        if ((uint)scaleShift <= 18u && acc <= MaxBeforeScaling[scaleShift])
        {
            value = (long)(acc * (ulong)FixedPoint.Pow10(scaleShift));
            decimals = (byte)fraction;
            end = p + close + 1;
            return true;
        }
        return NotDecided(p, out value, out decimals, out end);
    }

    private static bool NotDecided(int start, out long value, out byte decimals, out int end)
    {
        value = 0;
        decimals = 0;
        end = start;
        return false;
    }

    /// <summary>Value of <paramref name="count"/> (0–19) ASCII digits at <paramref name="at"/> (the caller guarantees 24
    /// readable bytes there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DigitRun(ref byte origin, int at, int count)
    {
        if (count <= 8) return count == 0 ? 0 : FixedPoint.DigitsValue(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at)), count);
        ulong head = FixedPoint.DigitsValue(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at)), 8);
        if (count <= 16) return head * (ulong)FixedPoint.Pow10(count - 8) + FixedPoint.DigitsValue(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at + 8)), count - 8);
        head = head * 100_000_000 + FixedPoint.DigitsValue(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at + 8)), 8);
        return head * (ulong)FixedPoint.Pow10(count - 16) + FixedPoint.DigitsValue(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at + 16)), count - 16);
    }

    /// <summary>
    /// 1–19 ASCII digits at <paramref name="start"/> ending at a closing quote: their value (wrapping past 19 digits is
    /// excluded by the count) and count; <paramref name="end"/> is after the quote. Eight bytes at a time as
    /// <see cref="TryPlainDecimalToQuoteWide"/>; false for anything else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDigitsToQuote(ReadOnlySpan<byte> frame, int start, out ulong value, out int digits, out int end)
    {
        value = 0;
        digits = 0;
        end = start;
        ref byte origin = ref MemoryMarshal.GetReference(frame);
        int p = start, length = frame.Length;
        ulong acc = 0;
        int n;
        do
        {
            if ((uint)p > (uint)length - 8u || length < 8 || digits > 19) return false;
            ulong chunk = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, p));
            n = FixedPoint.LeadingDigits(chunk);
            if (n != 0) acc = acc * (ulong)FixedPoint.Pow10(n) + FixedPoint.DigitsValue(chunk, n);
            p += n;
            digits += n;
        } while (n == 8);
        if (digits == 0 || digits > 19 || Unsafe.Add(ref origin, p) != (byte)'"') return false;
        value = acc;
        end = p + 1;
        return true;
    }

    /// <summary>long.MaxValue / 10^shift: the largest digits value that scales by 10^shift without overflow.</summary>
    internal static readonly ulong[] MaxBeforeScaling = BuildMaxBeforeScaling();

    private static ulong[] BuildMaxBeforeScaling()
    {
        var table = new ulong[19];
        for (int i = 0; i < table.Length; i++) table[i] = (ulong)long.MaxValue / (ulong)FixedPoint.Pow10(i);
        return table;
    }
}
