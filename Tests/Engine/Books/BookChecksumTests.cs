using System.Globalization;
using System.Text;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Books;

/// <summary>
/// The cached checksum (per-level CRC pieces joined with <see cref="Crc32.Combine"/>) against the CRC-32 of the text
/// the venue hashes, built here from the original level strings (what the venue sent), after every random mutation.
/// The real captures' own checksums are checked by the OKX and Kraken replay tests.
/// </summary>
public class BookChecksumTests
{
    private const int PriceScale = 8, QuantityScale = 8;

    [Fact]
    public void Compute_OkxDocumentedText_MatchesCrcOfText()
    {
        // OKX v5 docs ("Checksum"): bids 3366.1/7, 3366/6; asks 3366.8/9, 3368/8 → "3366.1:7:3366.8:9:3366:6:3368:8".
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        Set(book, Side.Bid, "3366.1", "7");
        Set(book, Side.Bid, "3366", "6");
        Set(book, Side.Ask, "3366.8", "9");
        Set(book, Side.Ask, "3368", "8");
        uint expected = Crc32.Compute("3366.1:7:3366.8:9:3366:6:3368:8"u8);
        Assert.Equal(expected, BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
        Assert.Equal(expected, BookChecksum.ComputeFromText(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
    }

    [Fact]
    public void Compute_KrakenDigits_MatchesCrcOfStrippedText()
    {
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        Set(book, Side.Ask, "0.05005", "0.00000500");
        Set(book, Side.Bid, "0.05000", "0.00000500");
        // Kraken v1 docs: '.' removed, leading zeros stripped, asks first.
        uint expected = Crc32.Compute("5005500"u8.ToArray().Concat("5000500"u8.ToArray()).ToArray());
        Assert.Equal(expected, BookChecksum.Compute(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, PriceScale, QuantityScale));
    }

    [Theory]
    [InlineData(ChecksumKind.InterleavedColonCrc32, 25)]
    [InlineData(ChecksumKind.ConcatenatedDigitsCrc32, 10)]
    public void Compute_AfterEveryRandomMutation_EqualsCrcOfVenueText(ChecksumKind kind, int depth)
    {
        var rng = new Random((int)kind * 31 + depth);
        var book = new OrderBook(new VenueId(1), new InstrumentId(0), initialCapacity: 8);
        var bids = new SortedDictionary<decimal, (string Px, string Sz)>();
        var asks = new SortedDictionary<decimal, (string Px, string Sz)>();
        for (int step = 0; step < 3_000; step++)
        {
            var side = rng.Next(2) == 0 ? Side.Bid : Side.Ask;
            // Bids 900..999.99, asks 1000..1099.99, with varying decimal counts (trailing zeros kept as the venue wrote them).
            decimal price = (side == Side.Bid ? 900m : 1000m) + rng.Next(0, 400) / 4m;
            string px = price.ToString("F" + rng.Next(2, 4), CultureInfo.InvariantCulture);
            bool remove = rng.Next(4) == 0;
            string sz = remove ? "0" : (rng.Next(1, 2_000_000) / 1e6m).ToString("F" + rng.Next(6, 9), CultureInfo.InvariantCulture);
            var dict = side == Side.Bid ? bids : asks;
            if (remove) dict.Remove(price); else dict[price] = (px, sz);
            Set(book, side, px, sz);
            if (step % 500 == 250) { book.Bids.Truncate(20); book.Asks.Truncate(20); Trim(bids, 20, best: b => -b); Trim(asks, 20, best: a => a); }
            if (step % 700 == 350) Reload(book, bids, asks, shuffle: rng);   // a snapshot: the same levels loaded in bulk

            var bidText = bids.OrderByDescending(p => p.Key).Take(depth).Select(p => p.Value).ToList();
            var askText = asks.OrderBy(p => p.Key).Take(depth).Select(p => p.Value).ToList();
            uint expected = Crc32.Compute(Encoding.ASCII.GetBytes(kind == ChecksumKind.InterleavedColonCrc32 ? Interleaved(bidText, askText) : Digits(askText) + Digits(bidText)));
            Assert.Equal(expected, BookChecksum.Compute(book, kind, depth, PriceScale, QuantityScale));
            Assert.Equal(expected, BookChecksum.ComputeChained(book, kind, depth, PriceScale, QuantityScale));
            // The per-level (LevelAt) form of the sum, on this book's cached pieces and on a fresh copy's own pieces.
            Assert.Equal(expected, BookChecksum.ComputeSummedPerLevel(book, kind, depth, PriceScale, QuantityScale));
            if (step % 50 == 0) Assert.Equal(expected, BookChecksum.ComputeSummedPerLevel(Copy(book), kind, depth, PriceScale, QuantityScale));
        }
    }

    [Theory]
    [InlineData(ChecksumKind.InterleavedColonCrc32, 25)]
    [InlineData(ChecksumKind.ConcatenatedDigitsCrc32, 10)]
    public void Compute_TextLongerThanPowerTable_EqualsCrcOfVenueText(ChecksumKind kind, int depth)
    {
        // 200 written decimals per number: each level's text is over 400 bytes, so the bytes after the first pieces
        // exceed the 4,096 tabled powers and take the Crc32.ShiftBytes route.
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        var bids = new List<(string Px, string Sz)>();
        var asks = new List<(string Px, string Sz)>();
        string zeros = new('0', 200);
        for (int i = 0; i < depth; i++)
        {
            book.Set(Side.Bid, (1000 - i) * 100_000_000L, (i + 1) * 100_000_000L, 200, 200);
            book.Set(Side.Ask, (2000 + i) * 100_000_000L, (i + 2) * 100_000_000L, 200, 200);
            bids.Add(($"{1000 - i}.{zeros}", $"{i + 1}.{zeros}"));
            asks.Add(($"{2000 + i}.{zeros}", $"{i + 2}.{zeros}"));
        }
        uint expected = Crc32.Compute(Encoding.ASCII.GetBytes(kind == ChecksumKind.InterleavedColonCrc32 ? Interleaved(bids, asks) : Digits(asks) + Digits(bids)));
        Assert.True(Encoding.ASCII.GetByteCount(Interleaved(bids, asks)) > 4096);
        Assert.Equal(expected, BookChecksum.Compute(book, kind, depth, PriceScale, QuantityScale));
        Assert.Equal(expected, BookChecksum.ComputeChained(book, kind, depth, PriceScale, QuantityScale));
        Assert.Equal(expected, BookChecksum.ComputeFromText(book, kind, depth, PriceScale, QuantityScale));
        Assert.Equal(expected, BookChecksum.ComputeSummedPerLevel(Copy(book), kind, depth, PriceScale, QuantityScale));
    }

    [Fact]
    public void Compute_KindOrScaleChange_RecomputesPieces()
    {
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        Set(book, Side.Bid, "3366.1", "7");
        Set(book, Side.Ask, "3366.8", "9");
        uint colon = BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale);
        uint digits = BookChecksum.Compute(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, PriceScale, QuantityScale);
        Assert.Equal(Crc32.Compute("3366.1:7:3366.8:9"u8), colon);
        Assert.Equal(Crc32.Compute("336689336617"u8), digits); // asks first: 3366.8 9, then bids: 3366.1 7
        Assert.Equal(colon, BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
    }

    [Fact]
    public void Compute_KrakenTextsOfAnyScaleAndDecimals_EqualsCrcOfStrippedText()
    {
        // Kraken's pieces are formatted from the integer the text reads as without its dot: random venue texts (0-19
        // integer digits, 0-20 decimals, leading and trailing zeros) parsed at random scales 0-18, so the cached piece
        // covers fewer decimals than the scale (division), more (multiplication, overflow) and zero values; the expected
        // CRC is built from the texts themselves.
        var rng = new Random(20261122);
        int checkedBooks = 0;
        for (int round = 0; round < 4_000; round++)
        {
            int priceScale = rng.Next(0, 19), quantityScale = rng.Next(0, 19);
            var (book, bids, asks) = RandomBook(rng, priceScale, quantityScale, r => RandomText(r), zeroPrice: false);
            if (bids.Count + asks.Count == 0) continue;
            uint expected = Crc32.Compute(Encoding.ASCII.GetBytes(Digits(asks) + Digits(bids)));
            Assert.Equal(expected, BookChecksum.Compute(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, priceScale, quantityScale));
            Assert.Equal(expected, BookChecksum.ComputeChained(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, priceScale, quantityScale));
            Assert.Equal(expected, BookChecksum.ComputeSummedPerLevel(Copy(book), ChecksumKind.ConcatenatedDigitsCrc32, 10, priceScale, quantityScale));
            checkedBooks++;
        }
        Assert.True(checkedBooks > 1_000, $"only {checkedBooks} books had levels");
    }

    [Fact]
    public void Compute_OkxTextsOfAnyScaleAndDecimals_EqualsCrcOfInterleavedText()
    {
        // OKX's pieces ":px:sz" are written backward from the integer the text reads as without its dot: random venue
        // texts (0-19 integer digits, 0-21 decimals so the 20-decimal limit of that form and its fallback are both
        // crossed, leading and trailing zeros, "0" and "0.000") parsed at random scales 0-18; the expected CRC is built
        // from the texts themselves, interleaved bid, ask, bid, ask as OKX documents.
        var rng = new Random(20261123);
        int checkedBooks = 0;
        for (int round = 0; round < 4_000; round++)
        {
            int priceScale = rng.Next(0, 19), quantityScale = rng.Next(0, 19);
            var (book, bids, asks) = RandomBook(rng, priceScale, quantityScale, r => WithoutLeadingZeros(RandomText(r, maxDecimals: 22)), zeroPrice: true);
            if (bids.Count + asks.Count == 0) continue;
            uint expected = Crc32.Compute(Encoding.ASCII.GetBytes(Interleaved(bids, asks)));
            Assert.Equal(expected, BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, priceScale, quantityScale));
            Assert.Equal(expected, BookChecksum.ComputeFromText(book, ChecksumKind.InterleavedColonCrc32, 25, priceScale, quantityScale));
            // A fresh book of the same levels through the chained form: its own pieces, not the ones cached above.
            Assert.Equal(expected, BookChecksum.ComputeChained(Copy(book), ChecksumKind.InterleavedColonCrc32, 25, priceScale, quantityScale));
            Assert.Equal(expected, BookChecksum.ComputeSummedPerLevel(Copy(book), ChecksumKind.InterleavedColonCrc32, 25, priceScale, quantityScale));
            checkedBooks++;
        }
        Assert.True(checkedBooks > 1_000, $"only {checkedBooks} books had levels");
    }

    [Fact]
    public void Compute_OkxLevelChangedAfterChecksum_ChangesTheChecksum()
    {
        // A size change, a removal and an insertion after a checksum: each must reach the cached sum (a stale piece or a
        // stale length would keep the old value), and each must equal the CRC of OKX's text for the new book.
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        Set(book, Side.Bid, "3366.1", "7");
        Set(book, Side.Bid, "3366", "6");
        Set(book, Side.Ask, "3366.8", "9");
        Set(book, Side.Ask, "3368", "8");
        uint before = BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale);
        Assert.Equal(Crc32.Compute("3366.1:7:3366.8:9:3366:6:3368:8"u8), before);
        Set(book, Side.Bid, "3366", "16");
        Assert.Equal(Crc32.Compute("3366.1:7:3366.8:9:3366:16:3368:8"u8), BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
        Set(book, Side.Ask, "3366.8", "0");
        Assert.Equal(Crc32.Compute("3366.1:7:3368:8:3366:16"u8), BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
        Set(book, Side.Ask, "3367.00", "0.50");
        Assert.Equal(Crc32.Compute("3366.1:7:3367.00:0.50:3366:16:3368:8"u8), BookChecksum.Compute(book, ChecksumKind.InterleavedColonCrc32, 25, PriceScale, QuantityScale));
    }

    /// <summary>OKX writes no leading zeros before the integer digit ("0.5", "12", never "012"): the text a parse keeps.</summary>
    /// <summary>
    /// Up to three levels a side from venue texts made by <paramref name="text"/>, parsed at the given scales and inserted
    /// into a new book (texts that do not parse, a zero size, a zero price unless <paramref name="zeroPrice"/>, or a repeated
    /// price are skipped); returns the book and the inserted texts of each side, best first as the book orders them.
    /// </summary>
    private static (OrderBook Book, List<(string Px, string Sz)> Bids, List<(string Px, string Sz)> Asks) RandomBook(
        Random rng, int priceScale, int quantityScale, Func<Random, string> text, bool zeroPrice)
    {
        var book = new OrderBook(new VenueId(1), new InstrumentId(0));
        var bids = new List<(string Px, string Sz)>();
        var asks = new List<(string Px, string Sz)>();
        var prices = new HashSet<(Side, long)>();
        for (int i = 0; i < 3; i++)
        {
            foreach (var (side, list) in new[] { (Side.Bid, bids), (Side.Ask, asks) })
            {
                string px = text(rng), sz = text(rng);
                if (FixedPoint.TryParse(Encoding.ASCII.GetBytes(px), priceScale, out long p, out byte pd) != NumberParseStatus.Ok
                    || FixedPoint.TryParse(Encoding.ASCII.GetBytes(sz), quantityScale, out long q, out byte qd) != NumberParseStatus.Ok
                    || p < 0 || (p == 0 && !zeroPrice) || q <= 0 || !prices.Add((side, p)))
                    continue;
                Assert.Equal(LevelChange.Inserted, book.Set(side, p, q, pd, qd));
                list.Add((px, sz));
            }
        }
        bids.Sort((a, b) => Value(b.Px, priceScale).CompareTo(Value(a.Px, priceScale)));
        asks.Sort((a, b) => Value(a.Px, priceScale).CompareTo(Value(b.Px, priceScale)));
        return (book, bids, asks);
    }

    private static string WithoutLeadingZeros(string text)
    {
        int i = 0;
        while (i + 1 < text.Length && text[i] == '0' && text[i + 1] != '.') i++;
        return text[i..];
    }

    private static OrderBook Copy(OrderBook book)
    {
        var copy = new OrderBook(book.Venue, book.Instrument);
        foreach (var (from, to) in new[] { (book.Bids, copy.Bids), (book.Asks, copy.Asks) })
            for (int i = 0; i < from.Count; i++)
            {
                ref readonly var level = ref from.At(i);
                to.Set(level.Price, level.Size, level.PriceDecimals, level.SizeDecimals);
            }
        return copy;
    }

    [Fact]
    public void Compute_KrakenLevelsWithDigitsBeyondTheirDecimals_EqualsTextPath()
    {
        // Levels set directly with fewer decimals than their mantissa holds (no parse produces them): the cached piece must
        // not drop those digits, it must give what the whole-text path (FixedPoint.TryFormat, which never loses one) gives.
        var rng = new Random(7);
        for (int round = 0; round < 2_000; round++)
        {
            var book = new OrderBook(new VenueId(1), new InstrumentId(0));
            for (int i = 0; i < 4; i++)
            {
                book.Set(Side.Bid, rng.NextInt64(1, 1L << 50), rng.NextInt64(1, 1L << 40), (byte)rng.Next(0, 12), (byte)rng.Next(0, 12));
                book.Set(Side.Ask, rng.NextInt64(1, 1L << 50), rng.NextInt64(1, 1L << 40), (byte)rng.Next(0, 12), (byte)rng.Next(0, 12));
            }
            uint expected = BookChecksum.ComputeFromText(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, PriceScale, QuantityScale);
            Assert.Equal(expected, BookChecksum.Compute(book, ChecksumKind.ConcatenatedDigitsCrc32, 10, PriceScale, QuantityScale));
        }
    }

    private static long Value(string text, int scale)
    {
        Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(Encoding.ASCII.GetBytes(text), scale, out long mantissa, out _));
        return mantissa;
    }

    private static string RandomText(Random rng, int maxDecimals = 20)
    {
        int integerDigits = rng.Next(0, 4) == 0 ? rng.Next(0, 20) : rng.Next(0, 6);
        int decimals = rng.Next(0, 4) == 0 ? rng.Next(0, maxDecimals + 1) : rng.Next(0, 10);
        var text = new StringBuilder();
        for (int i = 0; i < integerDigits; i++) text.Append((char)('0' + (rng.Next(3) == 0 ? 0 : rng.Next(10))));
        if (integerDigits == 0) text.Append('0');
        if (decimals > 0)
        {
            text.Append('.');
            for (int i = 0; i < decimals; i++) text.Append((char)('0' + (rng.Next(3) == 0 ? 0 : rng.Next(10))));
        }
        return text.ToString();
    }

    [Fact]
    public void BookLevel_WithChecksumCache_StillTwentyFourBytes()
    {
        // The cache lives in the padding after the two decimal counts: the book's arrays do not grow.
        Assert.Equal(24, System.Runtime.CompilerServices.Unsafe.SizeOf<BookLevel>());
    }

    private static void Set(OrderBook book, Side side, string px, string sz)
    {
        Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(Encoding.ASCII.GetBytes(px), PriceScale, out long p, out byte pd));
        Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(Encoding.ASCII.GetBytes(sz), QuantityScale, out long s, out byte sd));
        book.Set(side, p, s, pd, sd);
    }

    /// <summary>Clears the book and loads the model's levels as a snapshot (<see cref="BookSide.AppendUnsorted"/> in a shuffled
    /// order, then <see cref="BookSide.CompleteBulk"/>).</summary>
    private static void Reload(OrderBook book, SortedDictionary<decimal, (string Px, string Sz)> bids, SortedDictionary<decimal, (string Px, string Sz)> asks, Random shuffle)
    {
        book.Clear();
        foreach (var (side, levels) in new[] { (book.Bids, bids), (book.Asks, asks) })
        {
            foreach (var (px, sz) in levels.Values.OrderBy(_ => shuffle.Next()))
            {
                Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(Encoding.ASCII.GetBytes(px), PriceScale, out long p, out byte pd));
                Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(Encoding.ASCII.GetBytes(sz), QuantityScale, out long q, out byte sd));
                side.AppendUnsorted(p, q, pd, sd);
            }
            side.CompleteBulk();
        }
    }

    private static void Trim(SortedDictionary<decimal, (string, string)> side, int depth, Func<decimal, decimal> best)
    {
        foreach (var k in side.Keys.OrderBy(best).Skip(depth).ToList()) side.Remove(k);
    }

    private static string Interleaved(List<(string Px, string Sz)> bids, List<(string Px, string Sz)> asks)
    {
        var parts = new List<string>();
        for (int i = 0; i < Math.Max(bids.Count, asks.Count); i++)
        {
            if (i < bids.Count) parts.Add(bids[i].Px + ":" + bids[i].Sz);
            if (i < asks.Count) parts.Add(asks[i].Px + ":" + asks[i].Sz);
        }
        return string.Join(":", parts);
    }

    private static string Digits(List<(string Px, string Sz)> levels) =>
        string.Concat(levels.Select(l => Strip(l.Px) + Strip(l.Sz)));

    private static string Strip(string text) => text.Replace(".", "").TrimStart('0');
}
