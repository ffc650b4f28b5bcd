using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>
/// Venue book checksums computed from our book, for comparison with the value the venue sends. The number text is
/// rebuilt from the mantissa and the venue's decimal count (<see cref="BookLevel.PriceDecimals"/>), which reproduces
/// the venue's original strings. Allocation-free (stack buffer).
/// </summary>
[SkipLocalsInit] // the stack buffers are written before they are read; zeroing 8 KB per checksum is measurable
public static class BookChecksum
{
    /// <summary>Computes the checksum of <paramref name="book"/> as <paramref name="kind"/> defines it.</summary>
    /// <param name="priceScale">The instrument's price scale.</param>
    /// <param name="quantityScale">The instrument's quantity scale.</param>
    public static uint Compute(OrderBook book, ChecksumKind kind, int depth, int priceScale, int quantityScale) => kind switch
    {
        ChecksumKind.InterleavedColonCrc32 => InterleavedColon(book, depth, priceScale, quantityScale),
        ChecksumKind.ConcatenatedDigitsCrc32 => ConcatenatedDigits(book, depth, priceScale, quantityScale),
        _ => 0,
    };

    /// <summary>OKX/Bitget: <c>bid1Px:bid1Sz:ask1Px:ask1Sz:…</c>, CRC-32 (the caller compares as signed int32 bits).</summary>
    private static uint InterleavedColon(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        Span<byte> buffer = stackalloc byte[8192];
        int pos = 0;
        uint crc = 0;
        int bids = Math.Min(depth, book.Bids.Count), asks = Math.Min(depth, book.Asks.Count);
        int n = Math.Max(bids, asks);
        bool first = true;
        for (int i = 0; i < n; i++)
        {
            if (i < bids) AppendColonLevel(book.Bids.At(i), priceScale, quantityScale, buffer, ref pos, ref first);
            if (i < asks) AppendColonLevel(book.Asks.At(i), priceScale, quantityScale, buffer, ref pos, ref first);
            if (pos > buffer.Length - 128)
            {
                crc = Crc32.Append(crc, buffer[..pos]);
                pos = 0;
            }
        }
        return Crc32.Append(crc, buffer[..pos]);
    }

    private static void AppendColonLevel(in BookLevel level, int priceScale, int quantityScale, Span<byte> buffer, ref int pos, ref bool first)
    {
        if (!first) buffer[pos++] = (byte)':';
        first = false;
        AppendNumber(level.Price, priceScale, level.PriceDecimals, buffer, ref pos, digitsOnly: false);
        buffer[pos++] = (byte)':';
        AppendNumber(level.Size, quantityScale, level.SizeDecimals, buffer, ref pos, digitsOnly: false);
    }

    /// <summary>Kraken v1: asks then bids, price then volume, '.' removed, leading zeros stripped.</summary>
    private static uint ConcatenatedDigits(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        Span<byte> buffer = stackalloc byte[4096];
        int pos = 0;
        uint crc = 0;
        AppendDigitsSide(book.Asks, depth, priceScale, quantityScale, buffer, ref pos, ref crc);
        AppendDigitsSide(book.Bids, depth, priceScale, quantityScale, buffer, ref pos, ref crc);
        return Crc32.Append(crc, buffer[..pos]);
    }

    private static void AppendDigitsSide(BookSide side, int depth, int priceScale, int quantityScale, Span<byte> buffer, ref int pos, ref uint crc)
    {
        int n = Math.Min(depth, side.Count);
        for (int i = 0; i < n; i++)
        {
            ref readonly var level = ref side.At(i);
            AppendNumber(level.Price, priceScale, level.PriceDecimals, buffer, ref pos, digitsOnly: true);
            AppendNumber(level.Size, quantityScale, level.SizeDecimals, buffer, ref pos, digitsOnly: true);
            if (pos > buffer.Length - 128)
            {
                crc = Crc32.Append(crc, buffer[..pos]);
                pos = 0;
            }
        }
    }

    /// <summary>
    /// Writes mantissa × 10^-scale with exactly <paramref name="decimals"/> fractional digits (the venue's text), or, with
    /// <paramref name="digitsOnly"/>, the same text with the '.' removed and leading zeros stripped (Kraken). Fast path
    /// for the book's non-negative values whose dropped digits are zero; anything else goes through
    /// <see cref="FixedPoint.TryFormat"/>, which never loses a digit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AppendNumber(long mantissa, int scale, int decimals, Span<byte> buffer, ref int pos, bool digitsOnly)
    {
        if (mantissa < 0 || (uint)scale > FixedPoint.MaxScale)
        {
            AppendNumberSlow(mantissa, scale, decimals, buffer, ref pos, digitsOnly);
            return;
        }
        long pow = FixedPoint.Pow10(scale);
        long integer = mantissa / pow;
        long fraction = mantissa - integer * pow;
        int fractionDigits = scale;
        if (decimals < scale)
        {
            long divisor = FixedPoint.Pow10(scale - decimals);
            long kept = fraction / divisor;
            if (kept * divisor != fraction)
            {
                AppendNumberSlow(mantissa, scale, decimals, buffer, ref pos, digitsOnly);
                return;
            }
            fraction = kept;
            fractionDigits = decimals;
        }
        int trailingZeros = decimals > scale ? decimals - scale : 0;
        if (!digitsOnly)
        {
            integer.TryFormat(buffer[pos..], out int w);
            pos += w;
            if (fractionDigits + trailingZeros == 0) return;
            buffer[pos++] = (byte)'.';
            WriteFixedWidth(fraction, fractionDigits, buffer, ref pos);
        }
        else if (integer > 0)
        {
            integer.TryFormat(buffer[pos..], out int w);
            pos += w;
            WriteFixedWidth(fraction, fractionDigits, buffer, ref pos);
        }
        else if (fraction > 0)
        {
            // "0.000022900" → "22900": the fraction's own digits are the text without its leading zeros.
            fraction.TryFormat(buffer[pos..], out int w);
            pos += w;
        }
        else
        {
            return; // all zeros: nothing is left after stripping
        }
        buffer.Slice(pos, trailingZeros).Fill((byte)'0');
        pos += trailingZeros;
    }

    private static void WriteFixedWidth(long value, int width, Span<byte> buffer, ref int pos)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            buffer[pos + i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        pos += width;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AppendNumberSlow(long mantissa, int scale, int decimals, Span<byte> buffer, ref int pos, bool digitsOnly)
    {
        Span<byte> text = stackalloc byte[48];
        FixedPoint.TryFormat(mantissa, scale, decimals, text, out int w);
        if (!digitsOnly)
        {
            text[..w].CopyTo(buffer[pos..]);
            pos += w;
            return;
        }
        bool leading = true;
        for (int i = 0; i < w; i++)
        {
            byte c = text[i];
            if (c == (byte)'.') continue;
            if (leading && c == (byte)'0') continue;
            leading = false;
            buffer[pos++] = c;
        }
    }
}
