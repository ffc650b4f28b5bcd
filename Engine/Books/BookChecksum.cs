using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>
/// Venue book checksums computed from our book, for comparison with the value the venue sends. The number text is
/// rebuilt from the mantissa and the venue's decimal count (<see cref="BookLevel.PriceDecimals"/>), which reproduces
/// the venue's original strings. Allocation-free (stack buffer).
/// </summary>
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
        FixedPoint.TryFormat(level.Price, priceScale, level.PriceDecimals, buffer[pos..], out int w);
        pos += w;
        buffer[pos++] = (byte)':';
        FixedPoint.TryFormat(level.Size, quantityScale, level.SizeDecimals, buffer[pos..], out w);
        pos += w;
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
            AppendDigits(level.Price, priceScale, level.PriceDecimals, buffer, ref pos);
            AppendDigits(level.Size, quantityScale, level.SizeDecimals, buffer, ref pos);
            if (pos > buffer.Length - 128)
            {
                crc = Crc32.Append(crc, buffer[..pos]);
                pos = 0;
            }
        }
    }

    private static void AppendDigits(long mantissa, int scale, byte decimals, Span<byte> buffer, ref int pos)
    {
        Span<byte> text = stackalloc byte[48];
        FixedPoint.TryFormat(mantissa, scale, decimals, text, out int w);
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
