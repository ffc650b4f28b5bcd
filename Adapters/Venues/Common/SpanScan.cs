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
        if (k < frame.Length && frame[k] == (byte)'"' && n > 0 && (dot < 0 || n > 1))
        {
            int fraction = dot < 0 ? 0 : k - 1 - dot;
            int shift = scale - fraction;
            if ((uint)shift <= 18u)
            {
                ulong p = (ulong)FixedPoint.Pow10(shift);
                if (acc <= (ulong)long.MaxValue / p)
                {
                    value = (long)(acc * p);
                    decimals = (byte)fraction;
                    end = k + 1;
                    return true;
                }
            }
        }
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
