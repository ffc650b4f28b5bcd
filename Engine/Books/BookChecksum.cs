using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>
/// Venue book checksums computed from our book, for comparison with the value the venue sends. The number text is
/// rebuilt from the mantissa and the venue's decimal count (<see cref="BookLevel.PriceDecimals"/>), which reproduces
/// the venue's original strings. Allocation-free (stack buffer).
/// </summary>
/// <remarks>
/// <see cref="Compute"/> formats a level's text only when the level changed since its last checksum: each level caches
/// the CRC-32 and length of its own piece (OKX <c>:px:sz</c>, Kraken price digits then size digits), and the book's
/// checksum is assembled from those pieces with <see cref="Crc32.Combine"/> (CRC(A‖B) from CRC(A), CRC(B), |B|). The result is bit for bit the CRC of the whole text, which
/// <see cref="ComputeFromText"/> still builds (reference, tests, the benchmark's "usual way").
/// <para>
/// Where the CPU has PCLMULQDQ the pieces are not chained one Combine after another (each waiting for the previous
/// one's multiply and reduction): the CRC of a concatenation is linear in its pieces,
/// CRC(P1‖…‖Pn) = ⊕ CRC(Pi)·x^(8·Si) mod P with Si the bytes after piece i, so one backward pass sums the lengths,
/// multiplies each piece's CRC by a tabled x^(8·Si) (independent carry-less multiplies), XORs the unreduced 64-bit
/// products and reduces once at the end.
/// </para>
/// </remarks>
[SkipLocalsInit] // the stack buffers are written before they are read; zeroing 8 KB per checksum is measurable
public static class BookChecksum
{
    /// <summary>Computes the checksum of <paramref name="book"/> as <paramref name="kind"/> defines it, from the levels'
    /// cached pieces (formats only the levels that changed since the last call).</summary>
    /// <param name="priceScale">The instrument's price scale.</param>
    /// <param name="quantityScale">The instrument's quantity scale.</param>
    public static uint Compute(OrderBook book, ChecksumKind kind, int depth, int priceScale, int quantityScale)
    {
        if ((uint)priceScale > FixedPoint.MaxScale || (uint)quantityScale > FixedPoint.MaxScale || (kind != ChecksumKind.InterleavedColonCrc32 && kind != ChecksumKind.ConcatenatedDigitsCrc32))
            return ComputeFromText(book, kind, depth, priceScale, quantityScale);
        int key = (int)kind | priceScale << 8 | quantityScale << 16 | 1 << 24;
        if (book.ChecksumCacheKey != key) ResetCacheSlow(book, key);
        if (Pclmulqdq.IsSupported)
            return kind == ChecksumKind.InterleavedColonCrc32
                ? InterleavedColonSummed(book, depth, priceScale, quantityScale)
                : ConcatenatedDigitsSummed(book, depth, priceScale, quantityScale);
        return ComputeChained(book, kind, depth, priceScale, quantityScale);
    }

    /// <summary>
    /// <see cref="Compute"/> joining the cached pieces one <see cref="Crc32.Combine"/> after another (CPUs without
    /// PCLMULQDQ); internal so tests compare both forms on any CPU. Same preconditions as the cached path of <see cref="Compute"/>.
    /// </summary>
    internal static uint ComputeChained(OrderBook book, ChecksumKind kind, int depth, int priceScale, int quantityScale)
    {
        int key = (int)kind | priceScale << 8 | quantityScale << 16 | 1 << 24;
        if (book.ChecksumCacheKey != key) ResetCacheSlow(book, key);
        return kind == ChecksumKind.InterleavedColonCrc32
            ? InterleavedColonCached(book, depth, priceScale, quantityScale)
            : ConcatenatedDigitsCached(book, depth, priceScale, quantityScale);
    }

    // ------------------------------------------------------------------ summed form (PCLMULQDQ)

    /// <summary>Bytes after a piece for which x^(8·n) is tabled; longer suffixes (books with very long number texts) use
    /// <see cref="Crc32.ShiftBytes"/>. OKX's 25 + 25 levels are about 1,000 bytes.</summary>
    private const int PowerTableSize = 4096;

    /// <summary>x^(8n) mod P, reflected (bit 31 = x^0), n &lt; <see cref="PowerTableSize"/>.</summary>
    private static readonly uint[] _bytePowers = BuildBytePowers();

    /// <summary>CRC-32 byte table and three slices: a multiple of x^32 reduced by four lookups (as in <see cref="Crc32"/>).</summary>
    private static readonly uint[] _reduceTable = BuildReduceTable();

    private static uint[] BuildBytePowers()
    {
        var powers = new uint[PowerTableSize];
        uint x = 0x80000000u; // x^0
        for (int n = 0; n < powers.Length; n++)
        {
            powers[n] = x;
            x = Crc32.ShiftBytes(x, 1);
        }
        return powers;
    }

    private static uint[] BuildReduceTable()
    {
        var t = new uint[4 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int i = 0; i < 256; i++)
            for (int s = 1; s < 4; s++)
                t[s * 256 + i] = (t[(s - 1) * 256 + i] >> 8) ^ t[t[(s - 1) * 256 + i] & 0xff];
        return t;
    }

    /// <summary>Accumulates CRC(piece)·x^(8·suffix) unreduced; <see cref="Result"/> reduces the sum once.</summary>
    private struct PieceSum
    {
        private ulong _product;
        private uint _reduced;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(uint crc, int suffix)
        {
            if ((uint)suffix < PowerTableSize)
            {
                uint power = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bytePowers), suffix);
                _product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)crc), Vector128.CreateScalarUnsafe((ulong)power), 0x00).ToScalar();
            }
            else
            {
                _reduced ^= Crc32.ShiftBytes(crc, suffix);
            }
        }

        /// <summary>The sum mod P. The carry-less product of two reflected 32-bit values shifted left once is the reflected
        /// 64-bit product; its low half (coefficients of x^63..x^32) is reduced by the four slice lookups.</summary>
        public readonly uint Result()
        {
            ulong product = _product << 1;
            uint low = (uint)product;
            ref uint t = ref MemoryMarshal.GetArrayDataReference(_reduceTable);
            return _reduced ^ (uint)(product >> 32)
                ^ Unsafe.Add(ref t, 3 * 256 + (int)(low & 0xff)) ^ Unsafe.Add(ref t, 2 * 256 + (int)((low >> 8) & 0xff))
                ^ Unsafe.Add(ref t, 256 + (int)((low >> 16) & 0xff)) ^ Unsafe.Add(ref t, (int)(low >> 24));
        }
    }

    /// <summary>
    /// <see cref="Compute"/>'s summed form reading every level with <see cref="BookSide.LevelAt"/>, as it does when a
    /// side's top levels are not one contiguous run (<see cref="BookSide.TopRun"/> empty); internal so tests check that
    /// path, which the current book layout never takes. Chained form on CPUs without PCLMULQDQ.
    /// </summary>
    internal static uint ComputeSummedPerLevel(OrderBook book, ChecksumKind kind, int depth, int priceScale, int quantityScale)
    {
        int key = (int)kind | priceScale << 8 | quantityScale << 16 | 1 << 24;
        if (book.ChecksumCacheKey != key) ResetCacheSlow(book, key);
        if (!Pclmulqdq.IsSupported) return ComputeChained(book, kind, depth, priceScale, quantityScale);
        return kind == ChecksumKind.InterleavedColonCrc32
            ? InterleavedColonSummed(book, depth, priceScale, quantityScale, perLevel: true)
            : ConcatenatedDigitsSummed(book, depth, priceScale, quantityScale, perLevel: true);
    }

    private static uint InterleavedColonSummed(OrderBook book, int depth, int priceScale, int quantityScale, bool perLevel = false)
    {
        // As for Kraken: the levels that changed since the last checksum (one or two per OKX update) are formatted first,
        // in their own method, so the sum below runs without calls and keeps its running suffix and product in registers
        // (with a call in the loop the JIT spilled both: a store and a reload per piece on the loop's dependency chain).
        BookSide bidSide = book.Bids, askSide = book.Asks;
        int bids = Math.Min(depth, bidSide.Count), asks = Math.Min(depth, askSide.Count);
        Span<BookLevel> bidRun = bidSide.TopRun(bids), askRun = askSide.TopRun(asks);
        uint crc;
        if (bidRun.Length == bids && askRun.Length == asks && !perLevel)
        {
            // The usual case: each side's top levels lie in one run of its array, walked without LevelAt's per-level
            // bounds check and field loads.
            CacheColonRun(askRun, priceScale, quantityScale);
            CacheColonRun(bidRun, priceScale, quantityScale);
            if (TrySumColonRuns(bidRun, askRun, out crc)) return crc;
        }
        else
        {
            CacheColonPieces(askSide, asks, priceScale, quantityScale);
            CacheColonPieces(bidSide, bids, priceScale, quantityScale);
            if (TrySumColonCached(bidSide, askSide, bids, asks, out crc)) return crc;
        }
        return InterleavedColonSummedLong(book, depth, priceScale, quantityScale);
    }

    /// <summary>Formats the OKX pieces of the levels of <paramref name="run"/> that changed since the last checksum.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CacheColonRun(Span<BookLevel> run, int priceScale, int quantityScale)
    {
        foreach (ref var level in run)
            if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
    }

    /// <summary><see cref="TrySumColonCached"/> over the sides' top runs (<see cref="BookSide.TopRun"/>, best last).</summary>
    private static bool TrySumColonRuns(Span<BookLevel> bidRun, Span<BookLevel> askRun, out uint crc)
    {
        // Backward over the text is forward over the runs (deepest level first). The depths only one side reaches come
        // first (the longer run's first levels), then ask before bid at each depth both reach. The products are summed
        // in a vector register and each 32-bit operand is loaded straight into one (zero-extended): no round trip
        // through a general register per piece.
        crc = 0;
        Vector128<ulong> product = Vector128<ulong>.Zero;
        int suffix = 0;
        ref uint powers = ref MemoryMarshal.GetArrayDataReference(_bytePowers);
        int bids = bidRun.Length, asks = askRun.Length, both = Math.Min(bids, asks);
        ref BookLevel bid = ref MemoryMarshal.GetReference(bidRun);
        ref BookLevel ask = ref MemoryMarshal.GetReference(askRun);
        ref BookLevel tail = ref bids > both ? ref bid : ref ask;
        int tailCount = Math.Max(bids, asks) - both;
        for (int n = 0; n < tailCount; n++)
        {
            ref var level = ref Unsafe.Add(ref tail, n);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(level.ChecksumTextCrc).AsUInt64(),
                Vector128.CreateScalar(Unsafe.Add(ref powers, suffix)).AsUInt64(), 0x00);
            suffix += level.ChecksumTextLength - 1;
        }
        bid = ref Unsafe.Add(ref bid, bids - both);
        ask = ref Unsafe.Add(ref ask, asks - both);
        for (int n = 0; n < both; n++)
        {
            ref var a = ref Unsafe.Add(ref ask, n);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(a.ChecksumTextCrc).AsUInt64(),
                Vector128.CreateScalar(Unsafe.Add(ref powers, suffix)).AsUInt64(), 0x00);
            suffix += a.ChecksumTextLength - 1;
            ref var b = ref Unsafe.Add(ref bid, n);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(b.ChecksumTextCrc).AsUInt64(),
                Vector128.CreateScalar(Unsafe.Add(ref powers, suffix)).AsUInt64(), 0x00);
            suffix += b.ChecksumTextLength - 1;
        }
        if (suffix == 0) return true; // an empty book: CRC of no text
        if ((uint)(suffix - 1) >= PowerTableSize) return false;
        product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(ColonCrc).AsUInt64(),
            Vector128.CreateScalar(Unsafe.Add(ref powers, suffix - 1)).AsUInt64(), 0x00);
        crc = ReduceProduct(product.ToScalar());
        return true;
    }

    /// <summary>Formats the OKX pieces of the best <paramref name="count"/> levels that changed since the last checksum.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CacheColonPieces(BookSide side, int count, int priceScale, int quantityScale)
    {
        for (int i = 0; i < count; i++)
        {
            ref var level = ref side.LevelAt(i);
            if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
        }
    }

    /// <summary>
    /// The summed OKX checksum of the best <paramref name="bids"/> and <paramref name="asks"/> levels, every piece cached,
    /// when the text is shorter than the power table (4,096 bytes; OKX's 25 + 25 levels are about 1,000); false otherwise.
    /// </summary>
    private static bool TrySumColonCached(BookSide bidSide, BookSide askSide, int bids, int asks, out uint crc)
    {
        // Backward over bid1, ask1, bid2, ask2, ...: each piece ":px:sz" is multiplied by x^(8 × the bytes after it).
        // The depths only one side reaches come first (one piece each), then the depths both sides reach (two pieces).
        crc = 0;
        ulong product = 0;
        int suffix = 0;
        ref uint powers = ref MemoryMarshal.GetArrayDataReference(_bytePowers);
        int both = Math.Min(bids, asks);
        BookSide longer = asks > bids ? askSide : bidSide;
        for (int i = Math.Max(bids, asks) - 1; i >= both; i--)
        {
            ref var level = ref longer.LevelAt(i);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)level.ChecksumTextCrc),
                Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix)), 0x00).ToScalar();
            suffix += level.ChecksumTextLength - 1;
        }
        for (int i = both - 1; i >= 0; i--)
        {
            ref var ask = ref askSide.LevelAt(i);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)ask.ChecksumTextCrc),
                Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix)), 0x00).ToScalar();
            suffix += ask.ChecksumTextLength - 1;
            ref var bid = ref bidSide.LevelAt(i);
            if ((uint)suffix >= PowerTableSize) return false;
            product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)bid.ChecksumTextCrc),
                Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix)), 0x00).ToScalar();
            suffix += bid.ChecksumTextLength - 1;
        }
        if (suffix == 0) return true; // an empty book: CRC of no text
        // The text starts without the first piece's ':': CRC(T) = CRC(":"‖T) ⊕ CRC(":")·x^(8|T|).
        if ((uint)(suffix - 1) >= PowerTableSize) return false;
        product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)ColonCrc),
            Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix - 1)), 0x00).ToScalar();
        crc = ReduceProduct(product);
        return true;
    }

    /// <summary>Texts longer than the power table: the general piece sum (every piece already cached).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint InterleavedColonSummedLong(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        BookSide bidSide = book.Bids, askSide = book.Asks;
        int bids = Math.Min(depth, bidSide.Count), asks = Math.Min(depth, askSide.Count);
        var sum = new PieceSum();
        int suffix = 0;
        for (int i = Math.Max(bids, asks) - 1; i >= 0; i--)
        {
            if (i < asks)
            {
                ref var level = ref askSide.LevelAt(i);
                if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
                sum.Add(level.ChecksumTextCrc, suffix);
                suffix += level.ChecksumTextLength - 1;
            }
            if (i < bids)
            {
                ref var level = ref bidSide.LevelAt(i);
                if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
                sum.Add(level.ChecksumTextCrc, suffix);
                suffix += level.ChecksumTextLength - 1;
            }
        }
        if (suffix == 0) return 0;
        sum.Add(ColonCrc, suffix - 1);
        return sum.Result();
    }

    /// <summary>
    /// OKX's piece for one level, <c>:px:sz</c>: each number is the integer its text reads as without the dot
    /// (<see cref="TryWrittenInteger"/>), written backward with a digit-pair table and the dot put back before its last
    /// <see cref="BookLevel.PriceDecimals"/> (or size) digits, at least one digit before it ("0.00042"). Anything that
    /// form does not cover exactly (a negative value, dropped digits that are not zero, more than 20 decimals) goes
    /// through <see cref="CachePiece"/>.
    /// </summary>
    private static void CacheColonPiece(ref BookLevel level, int priceScale, int quantityScale)
    {
        if (level.PriceDecimals > MaxPairDecimals || level.SizeDecimals > MaxPairDecimals
            || !TryWrittenInteger(level.Price, priceScale, level.PriceDecimals, out ulong price)
            || !TryWrittenInteger(level.Size, quantityScale, level.SizeDecimals, out ulong size))
        {
            CachePiece(ref level, priceScale, quantityScale, digitsOnly: false);
            return;
        }
        Span<byte> buffer = stackalloc byte[64]; // two numbers of at most 22 bytes ("0." and 20 decimals) and two ':'
        ref byte b = ref MemoryMarshal.GetReference(buffer);
        int start = buffer.Length;
        WriteDecimalBackward(size, level.SizeDecimals, ref b, ref start);
        Unsafe.Add(ref b, --start) = (byte)':';
        WriteDecimalBackward(price, level.PriceDecimals, ref b, ref start);
        Unsafe.Add(ref b, --start) = (byte)':';
        level.ChecksumTextCrc = Crc32.Compute(buffer[start..]);
        level.ChecksumTextLength = (ushort)(buffer.Length - start + 1);
    }

    /// <summary>Most decimals <see cref="CacheColonPiece"/> writes (a <see cref="ulong"/> has at most 20 digits).</summary>
    private const int MaxPairDecimals = 20;

    /// <summary><paramref name="value"/> read as having <paramref name="decimals"/> fractional digits, written as the venue
    /// writes it (exactly that many decimals, at least one integer digit), ending at <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDecimalBackward(ulong value, int decimals, ref byte b, ref int start)
    {
        ref byte pairs = ref MemoryMarshal.GetArrayDataReference(_digitPairs);
        int pos = start;
        if (decimals > 0)
        {
            int d = decimals;
            for (; d >= 2; d -= 2)
            {
                ulong q = value / 100;
                int r = (int)(value - q * 100);
                pos -= 2;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, pos), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * r)));
                value = q;
            }
            if (d != 0)
            {
                ulong q = value / 10;
                Unsafe.Add(ref b, --pos) = (byte)('0' + (int)(value - q * 10));
                value = q;
            }
            Unsafe.Add(ref b, --pos) = (byte)'.';
        }
        if (value == 0)
        {
            Unsafe.Add(ref b, --pos) = (byte)'0';
            start = pos;
            return;
        }
        while (value >= 100)
        {
            ulong q = value / 100;
            int r = (int)(value - q * 100);
            pos -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, pos), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * r)));
            value = q;
        }
        if (value >= 10)
        {
            pos -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, pos), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)value)));
        }
        else
        {
            Unsafe.Add(ref b, --pos) = (byte)('0' + (int)value);
        }
        start = pos;
    }

    private static uint ConcatenatedDigitsSummed(OrderBook book, int depth, int priceScale, int quantityScale, bool perLevel = false)
    {
        // The sum runs in a loop without calls, so the JIT keeps its state in registers (a call in the loop, to format a
        // changed level, spilled the running suffix and sum to the stack: a store and reload per level). Levels that
        // changed since the last checksum (usually none or one of the twenty) are formatted first, outside it.
        BookSide bidSide = book.Bids, askSide = book.Asks;
        int bids = Math.Min(depth, bidSide.Count), asks = Math.Min(depth, askSide.Count);
        Span<BookLevel> bidRun = bidSide.TopRun(bids), askRun = askSide.TopRun(asks);
        uint crc;
        if (bidRun.Length == bids && askRun.Length == asks && !perLevel)
        {
            // The usual case: each side's top levels lie in one run of its array (see InterleavedColonSummed).
            CacheDigitsRun(askRun, priceScale, quantityScale);
            CacheDigitsRun(bidRun, priceScale, quantityScale);
            if (TrySumDigitsRuns(bidRun, askRun, out crc)) return crc;
            return ConcatenatedDigitsSummedLong(book, depth, priceScale, quantityScale);
        }
        if (TrySumDigitsCached(book, depth, out crc)) return crc;
        CacheDigitsPieces(book.Asks, depth, priceScale, quantityScale);
        CacheDigitsPieces(book.Bids, depth, priceScale, quantityScale);
        return TrySumDigitsCached(book, depth, out crc) ? crc : ConcatenatedDigitsSummedLong(book, depth, priceScale, quantityScale);
    }

    /// <summary><see cref="TrySumDigitsCached"/> over the sides' top runs (<see cref="BookSide.TopRun"/>, best last):
    /// backward over the text (asks then bids, best first) is forward over the bid run, then the ask run.</summary>
    private static bool TrySumDigitsRuns(Span<BookLevel> bidRun, Span<BookLevel> askRun, out uint crc)
    {
        crc = 0;
        ulong product = 0;
        int suffix = 0;
        ref uint powers = ref MemoryMarshal.GetArrayDataReference(_bytePowers);
        Span<BookLevel> run = bidRun;
        for (int pass = 0; pass < 2; pass++, run = askRun)
        {
            foreach (ref var level in run)
            {
                int length = level.ChecksumTextLength;
                if (length == 0 || (uint)suffix >= PowerTableSize) return false;
                product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)level.ChecksumTextCrc),
                    Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix)), 0x00).ToScalar();
                suffix += length - 1;
            }
        }
        crc = ReduceProduct(product);
        return true;
    }

    /// <summary>Formats the Kraken pieces of the levels of <paramref name="run"/> that changed since the last checksum.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CacheDigitsRun(Span<BookLevel> run, int priceScale, int quantityScale)
    {
        foreach (ref var level in run)
            if (level.ChecksumTextLength == 0) CacheDigitsPiece(ref level, priceScale, quantityScale);
    }

    /// <summary>The summed Kraken checksum when every level's piece is cached and the text is shorter than the power
    /// table (4,096 bytes; Kraken's 10 + 10 levels are a few hundred); false otherwise, with nothing changed.</summary>
    private static bool TrySumDigitsCached(OrderBook book, int depth, out uint crc)
    {
        // Kraken: asks then bids, so backward the bids come first.
        crc = 0;
        ulong product = 0;
        int suffix = 0;
        ref uint powers = ref MemoryMarshal.GetArrayDataReference(_bytePowers);
        BookSide side = book.Bids;
        for (int pass = 0; pass < 2; pass++, side = book.Asks)
        {
            for (int i = Math.Min(depth, side.Count) - 1; i >= 0; i--)
            {
                ref var level = ref side.LevelAt(i);
                int length = level.ChecksumTextLength;
                if (length == 0 || (uint)suffix >= PowerTableSize) return false;
                product ^= Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)level.ChecksumTextCrc),
                    Vector128.CreateScalarUnsafe((ulong)Unsafe.Add(ref powers, suffix)), 0x00).ToScalar();
                suffix += length - 1;
            }
        }
        crc = ReduceProduct(product);
        return true;
    }

    /// <summary>Formats the pieces of the levels that changed since the last checksum.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CacheDigitsPieces(BookSide side, int depth, int priceScale, int quantityScale)
    {
        for (int i = Math.Min(depth, side.Count) - 1; i >= 0; i--)
        {
            ref var level = ref side.LevelAt(i);
            if (level.ChecksumTextLength == 0) CacheDigitsPiece(ref level, priceScale, quantityScale);
        }
    }

    /// <summary>Texts longer than the power table: the general piece sum.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint ConcatenatedDigitsSummedLong(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        var sum = new PieceSum();
        int suffix = SumDigitsSide(ref sum, 0, book.Bids, depth, priceScale, quantityScale);
        SumDigitsSide(ref sum, suffix, book.Asks, depth, priceScale, quantityScale);
        return sum.Result();
    }

    private static int SumDigitsSide(ref PieceSum sum, int suffix, BookSide side, int depth, int priceScale, int quantityScale)
    {
        for (int i = Math.Min(depth, side.Count) - 1; i >= 0; i--)
        {
            ref var level = ref side.LevelAt(i);
            if (level.ChecksumTextLength == 0) CacheDigitsPiece(ref level, priceScale, quantityScale);
            sum.Add(level.ChecksumTextCrc, suffix);
            suffix += level.ChecksumTextLength - 1;
        }
        return suffix;
    }

    /// <summary>A sum of carry-less products of reflected 32-bit values, mod P (as <see cref="PieceSum.Result"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReduceProduct(ulong product)
    {
        product <<= 1;
        uint low = (uint)product;
        ref uint t = ref MemoryMarshal.GetArrayDataReference(_reduceTable);
        return (uint)(product >> 32)
            ^ Unsafe.Add(ref t, 3 * 256 + (int)(low & 0xff)) ^ Unsafe.Add(ref t, 2 * 256 + (int)((low >> 8) & 0xff))
            ^ Unsafe.Add(ref t, 256 + (int)((low >> 16) & 0xff)) ^ Unsafe.Add(ref t, (int)(low >> 24));
    }

    /// <summary>
    /// Kraken's piece for one level: the price's digits then the size's, '.' removed and leading zeros stripped. That text
    /// is the decimal form of the number written with its venue decimal count as an integer (<c>"0.05005"</c> is 5005),
    /// so it is that integer's digits: one division by a power of ten and a digit-pair table instead of formatting
    /// both numbers with their dots and stripping. Anything the integer form does not cover exactly (a negative value,
    /// dropped digits that are not zero, more than 19 digits) goes through <see cref="CachePiece"/>.
    /// </summary>
    private static void CacheDigitsPiece(ref BookLevel level, int priceScale, int quantityScale)
    {
        if (!TryWrittenInteger(level.Price, priceScale, level.PriceDecimals, out ulong price)
            || !TryWrittenInteger(level.Size, quantityScale, level.SizeDecimals, out ulong size))
        {
            CachePiece(ref level, priceScale, quantityScale, digitsOnly: true);
            return;
        }
        Span<byte> buffer = stackalloc byte[48]; // two numbers of at most 20 digits, written backward from the end
        int start = buffer.Length;
        WriteDigitsBackward(size, buffer, ref start);
        WriteDigitsBackward(price, buffer, ref start);
        level.ChecksumTextCrc = Crc32.Compute(buffer[start..]);
        level.ChecksumTextLength = (ushort)(buffer.Length - start + 1);
    }

    /// <summary><paramref name="mantissa"/> × 10^-<paramref name="scale"/> written with <paramref name="decimals"/>
    /// fractional digits, read as an integer without its dot; false when that drops a non-zero digit or overflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryWrittenInteger(long mantissa, int scale, int decimals, out ulong value)
    {
        value = 0;
        if (mantissa < 0) return false;
        if (decimals <= scale)
        {
            if (decimals == scale)
            {
                value = (ulong)mantissa;
                return true;
            }
            ulong divisor = (ulong)FixedPoint.Pow10(scale - decimals);
            ulong quotient = (ulong)mantissa / divisor;
            if (quotient * divisor != (ulong)mantissa) return false;
            value = quotient;
            return true;
        }
        int up = decimals - scale;
        if (up > 18) return mantissa == 0; // 0 stays 0 (empty text); anything else would need more than 19 digits
        long factor = FixedPoint.Pow10(up);
        if (mantissa > long.MaxValue / factor) return false;
        value = (ulong)(mantissa * factor);
        return true;
    }

    /// <summary>"00".."99" as byte pairs.</summary>
    private static readonly byte[] _digitPairs = BuildDigitPairs();

    private static byte[] BuildDigitPairs()
    {
        var pairs = new byte[200];
        for (int i = 0; i < 100; i++)
        {
            pairs[2 * i] = (byte)('0' + i / 10);
            pairs[2 * i + 1] = (byte)('0' + i % 10);
        }
        return pairs;
    }

    /// <summary>The decimal digits of <paramref name="value"/> without leading zeros (nothing for 0), ending at
    /// <paramref name="start"/>, which moves back over them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigitsBackward(ulong value, Span<byte> buffer, ref int start)
    {
        ref byte pairs = ref MemoryMarshal.GetArrayDataReference(_digitPairs);
        ref byte b = ref MemoryMarshal.GetReference(buffer);
        int pos = start;
        while (value >= 100)
        {
            ulong q = value / 100;
            int r = (int)(value - q * 100);
            pos -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, pos), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * r)));
            value = q;
        }
        if (value >= 10)
        {
            pos -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, pos), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)value)));
        }
        else if (value > 0)
        {
            Unsafe.Add(ref b, --pos) = (byte)('0' + (int)value);
        }
        start = pos;
    }

    // ------------------------------------------------------------------ chained form

    /// <summary>The same checksum as <see cref="Compute"/>, built the direct way: the whole text rebuilt, then one CRC-32.</summary>
    public static uint ComputeFromText(OrderBook book, ChecksumKind kind, int depth, int priceScale, int quantityScale) => kind switch
    {
        ChecksumKind.InterleavedColonCrc32 => InterleavedColon(book, depth, priceScale, quantityScale),
        ChecksumKind.ConcatenatedDigitsCrc32 => ConcatenatedDigits(book, depth, priceScale, quantityScale),
        _ => 0,
    };

    /// <summary>Longest text <see cref="AppendNumber"/> writes for one number.</summary>
    private const int MaxNumberText = 1 + 19 + 1 + 255;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ResetCacheSlow(OrderBook book, int key)
    {
        book.Bids.ClearChecksumCache();
        book.Asks.ClearChecksumCache();
        book.ChecksumCacheKey = key;
    }

    private static uint InterleavedColonCached(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        // Each OKX piece is cached with its leading separator (":px:sz"), so the chain is one Combine per level; the text
        // starts without one, which the end corrects: CRC(":"‖T) = CRC(":")·x^(8|T|) ⊕ CRC(T).
        BookSide bidSide = book.Bids, askSide = book.Asks;
        int bids = Math.Min(depth, bidSide.Count), asks = Math.Min(depth, askSide.Count);
        int n = Math.Max(bids, asks);
        uint crc = 0;
        int length = 0;
        for (int i = 0; i < n; i++)
        {
            if (i < bids)
            {
                ref var level = ref bidSide.LevelAt(i);
                if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
                int pieceLength = level.ChecksumTextLength - 1;
                crc = Crc32.Combine(crc, level.ChecksumTextCrc, pieceLength);
                length += pieceLength;
            }
            if (i < asks)
            {
                ref var level = ref askSide.LevelAt(i);
                if (level.ChecksumTextLength == 0) CacheColonPiece(ref level, priceScale, quantityScale);
                int pieceLength = level.ChecksumTextLength - 1;
                crc = Crc32.Combine(crc, level.ChecksumTextCrc, pieceLength);
                length += pieceLength;
            }
        }
        return length == 0 ? 0 : crc ^ Crc32.ShiftBytes(ColonCrc, length - 1);
    }

    /// <summary>CRC-32 of ":".</summary>
    private static readonly uint ColonCrc = Crc32.Compute(":"u8);

    private static uint ConcatenatedDigitsCached(OrderBook book, int depth, int priceScale, int quantityScale)
    {
        uint crc = CombineDigitsSide(0, book.Asks, depth, priceScale, quantityScale);
        return CombineDigitsSide(crc, book.Bids, depth, priceScale, quantityScale);
    }

    private static uint CombineDigitsSide(uint crc, BookSide side, int depth, int priceScale, int quantityScale)
    {
        int n = Math.Min(depth, side.Count);
        for (int i = 0; i < n; i++)
        {
            ref var level = ref side.LevelAt(i);
            if (level.ChecksumTextLength == 0) CacheDigitsPiece(ref level, priceScale, quantityScale);
            crc = Crc32.Combine(crc, level.ChecksumTextCrc, level.ChecksumTextLength - 1);
        }
        return crc;
    }

    /// <summary>Formats one level's piece (<c>:px:sz</c>, or Kraken's digits) once and keeps its CRC and length on the level.</summary>
    private static void CachePiece(ref BookLevel level, int priceScale, int quantityScale, bool digitsOnly)
    {
        // A number is at most a sign, 19 integer digits, '.' and 255 decimals (the decimal count is a byte).
        Span<byte> buffer = stackalloc byte[2 * MaxNumberText + 2];
        int pos = 0;
        if (!digitsOnly) buffer[pos++] = (byte)':'; // OKX pieces carry their leading separator: ":px:sz"
        AppendNumber(level.Price, priceScale, level.PriceDecimals, buffer, ref pos, digitsOnly);
        if (!digitsOnly) buffer[pos++] = (byte)':';
        AppendNumber(level.Size, quantityScale, level.SizeDecimals, buffer, ref pos, digitsOnly);
        level.ChecksumTextCrc = Crc32.Compute(buffer[..pos]);
        level.ChecksumTextLength = (ushort)(pos + 1);
    }

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
            if (pos > buffer.Length - 4 * MaxNumberText)
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
            if (pos > buffer.Length - 4 * MaxNumberText)
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
        Span<byte> text = stackalloc byte[MaxNumberText];
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
