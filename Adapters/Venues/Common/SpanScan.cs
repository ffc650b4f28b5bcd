using System.Runtime.CompilerServices;
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
        // Eight digits at a time where 17 bytes can be read (every number but one at a frame's very end): the usual
        // venue number ("61837.63000000", "0.00123000") is at most seven integer digits, '.', at most eight fraction
        // digits and the quote, read as two 8-byte words instead of a multiply-add chain per character.
        if (start >= 0 && frame.Length - start >= 17 && TryPlainDecimalSwar(frame, start, out ulong swar, out int fraction, out int close)
            && Scale(swar, fraction, scale, close, out value, out decimals, out end))
            return true;

        // Everything else, including a value that does not fit the scale (the loop then reaches the same answer).
        return TryPlainDecimalToQuoteScalar(frame, start, scale, out value, out decimals, out end);
    }

    /// <summary>
    /// The SWAR form of <see cref="TryPlainDecimalToQuote"/> for 1–7 integer digits, optionally '.' and 1–8 fraction
    /// digits, then '"': the value of all digits, the fraction digit count and the quote's index. False for any other
    /// shape (longer parts, a lone or leading '.', no quote), which the scalar loop then decides. Needs 17 readable
    /// bytes from <paramref name="start"/> (the caller checks).
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

        if (c != (byte)'.')
            return false;

        int fractionDigits = Digits8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, k + 1)), out ulong part);
        k += 1 + fractionDigits;
        // k <= start + 16 here, inside the 17 bytes the caller checked.
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
        if ((uint)shift <= 18u)
        {
            ulong p = (ulong)FixedPoint.Pow10(shift);
            if (acc <= (ulong)long.MaxValue / p)
            {
                value = (long)(acc * p);
                decimals = (byte)fraction;
                end = close + 1;
                return true;
            }
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
}
