using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Capture.Normalized;

/// <summary>
/// Reads one row of the 10-level snapshot CSV (format C of the shared captures): <c>timestamp,symbol,b1..b10,bv1..bv10,
/// a1..a10,av1..av10</c>, best first. Each row is a full image, so it becomes one snapshot message: a
/// <see cref="MarketEventKind.BookHeader"/> with <see cref="MarketEventFlags.Snapshot"/>, ten bid and ten ask
/// <see cref="MarketEventKind.BookLevel"/>s, the last one flagged <see cref="MarketEventFlags.EndOfMessage"/>. The timestamp
/// (<c>YYYY-MM-DD HH:MM:SS</c>, zone unstated by the source; read as UTC) is the receive time.
/// </summary>
/// <remarks>
/// Allocation-free. The venue and instrument come from the caller (one file = one venue's book); the symbol column is not
/// interpreted. Prices must fit the instrument's price scale exactly; sizes finer than its quantity scale are cut
/// (toward zero) and reported through <c>truncatedSizes</c>, because one source (the Huobi file) writes some sizes as binary
/// float artifacts such as <c>26.88178831780013</c>.
/// </remarks>
public ref struct Depth10CsvReader
{
    public const int Levels = 10;
    public const int Columns = 2 + 4 * Levels;

    private readonly ReadOnlySpan<byte> _row;

    public Depth10CsvReader(ReadOnlySpan<byte> row) => _row = row;

    /// <summary>True for the header line (<c>timestamp,symbol,…</c>).</summary>
    public static bool IsHeader(ReadOnlySpan<byte> row) => row.StartsWith("timestamp,"u8);

    /// <summary>Appends the row's snapshot; false (nothing appended) with a reason for a bad row.</summary>
    public readonly bool TryRead(VenueId venue, Instrument instrument, MarketEventBatch batch, out NormalizedRejectReason reason, out int truncatedSizes)
    {
        int start = batch.Count;
        reason = ReadCore(venue, instrument, batch, out truncatedSizes);
        if (reason == NormalizedRejectReason.None) return true;
        batch.Truncate(start);
        return false;
    }

    /// <summary><see cref="TryRead"/> without the fast path: every row through the checked path (differential tests, benchmarks).</summary>
    internal readonly bool TryReadChecked(VenueId venue, Instrument instrument, MarketEventBatch batch, out NormalizedRejectReason reason, out int truncatedSizes)
    {
        int start = batch.Count;
        reason = ReadChecked(venue, instrument, batch, out truncatedSizes);
        if (reason == NormalizedRejectReason.None) return true;
        batch.Truncate(start);
        return false;
    }

    private readonly NormalizedRejectReason ReadCore(VenueId venue, Instrument instrument, MarketEventBatch batch, out int truncatedSizes)
    {
        if (TryReadFast(venue, instrument, batch, out truncatedSizes)) return NormalizedRejectReason.None;
        return ReadChecked(venue, instrument, batch, out truncatedSizes);
    }

    /// <summary>
    /// The fast path for a well-formed row: one pass over the bytes that splits the columns and parses each number as it goes
    /// (plain unsigned decimals only: <c>27.095</c>, <c>988.45</c>, a size's digits below the quantity scale cut as
    /// <see cref="NormalizedText.TruncateFraction"/> cuts them). Appends the same events as <see cref="ReadChecked"/>; returns
    /// false with nothing appended for any row it does not accept (a sign, an exponent, another character, a price finer than
    /// the scale or not positive, the wrong column count, a bad timestamp, a number too long), which
    /// <see cref="ReadChecked"/> then reads and judges.
    /// </summary>
    private readonly bool TryReadFast(VenueId venue, Instrument instrument, MarketEventBatch batch, out int truncatedSizes)
    {
        truncatedSizes = 0;
        var row = _row;
        int comma = row.IndexOf((byte)',');
        if (comma < 0 || !NormalizedText.TryParseUtcNs(row[..comma], out long timeNs)) return false;
        int symbolEnd = row[(comma + 1)..].IndexOf((byte)',');
        if (symbolEnd < 0) return false;
        int i = comma + 1 + symbolEnd + 1;
        if ((uint)instrument.PriceScale > FixedPoint.MaxScale || (uint)instrument.QuantityScale > FixedPoint.MaxScale) return false;
        // The 21 events are appended first and filled column by column (columns 2..41: bid prices, bid sizes, ask prices,
        // ask sizes, 10 each); a row the fast path does not accept is truncated away before the checked path reads it.
        int first = batch.Count;
        ref var h = ref batch.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = venue;
        h.Instrument = instrument.Id;
        h.ReceiveTimeNs = timeNs;
        h.Sequence = -1;
        h.PrevSequence = -1;
        h.Flags = MarketEventFlags.Snapshot | MarketEventFlags.Replay;
        for (int level = 0; level < 2 * Levels; level++)
        {
            ref var e = ref batch.Add();
            e.Kind = MarketEventKind.BookLevel;
            e.Venue = venue;
            e.Instrument = instrument.Id;
            e.Side = level < Levels ? Side.Bid : Side.Ask;
            e.ReceiveTimeNs = timeNs;
            e.Flags = MarketEventFlags.Replay;
        }
        var events = batch.Events.Slice(first + 1, 2 * Levels);
        if (!TryParseColumns(row, i, instrument.PriceScale, instrument.QuantityScale, events, out truncatedSizes))
        {
            batch.Truncate(first);
            truncatedSizes = 0;
            return false;
        }
        events[^1].Flags |= MarketEventFlags.EndOfMessage;
        return true;
    }

    /// <summary>Parses columns 2..41 from <paramref name="i"/> into the levels' prices and sizes; false for anything the fast
    /// path does not accept.</summary>
    private static bool TryParseColumns(ReadOnlySpan<byte> row, int i, int priceScale, int quantityScale, Span<MarketEvent> levels, out int truncated)
    {
        truncated = 0;
        for (int column = 0; column < 4 * Levels; column++)
        {
            int group = column / Levels;
            bool isPrice = (group & 1) == 0;
            int scale = isPrice ? priceScale : quantityScale;
            ulong acc = 0;
            int start = i;
            for (; i < row.Length; i++)
            {
                uint d = (uint)(row[i] - '0');
                if (d > 9) break;
                acc = acc * 10 + d;
            }
            int integerDigits = i - start;
            if (integerDigits == 0 || integerDigits + scale > 18) return false;
            int fraction = 0;
            if (i < row.Length && row[i] == '.')
            {
                int fractionStart = ++i;
                int keepEnd = Math.Min(row.Length, fractionStart + scale);
                for (; i < keepEnd; i++)
                {
                    uint d = (uint)(row[i] - '0');
                    if (d > 9) break;
                    acc = acc * 10 + d;
                }
                fraction = i - fractionStart;
                int cutStart = i;
                while (i < row.Length && (uint)(row[i] - '0') <= 9) i++;
                if (i > cutStart)
                {
                    // A price finer than its scale is the reader's BadNumber (or zeros FixedPoint accepts): the checked path decides.
                    if (isPrice) return false;
                    truncated++;
                }
                else if (fraction == 0) return false;
            }
            if (column < 4 * Levels - 1)
            {
                if (i >= row.Length || row[i] != ',') return false;
                i++;
            }
            else if (i != row.Length) return false;
            long value = (long)acc * FixedPoint.Pow10(scale - fraction);
            ref var e = ref levels[(group >> 1) * Levels + column % Levels];
            if (isPrice)
            {
                if (value <= 0) return false;
                e.Price = value;
                e.PriceDecimals = (byte)fraction;
            }
            else
            {
                e.Size = value;
                e.SizeDecimals = (byte)fraction;
            }
        }
        return true;
    }

    /// <summary>The reference path: finds the 42 columns, then parses each with <see cref="FixedPoint"/>; every reject reason comes from here.</summary>
    private readonly NormalizedRejectReason ReadChecked(VenueId venue, Instrument instrument, MarketEventBatch batch, out int truncatedSizes)
    {
        truncatedSizes = 0;
        var row = _row;
        if (row.Length > 0 && row[^1] == '\r') row = row[..^1];
        if (row.IsEmpty) return NormalizedRejectReason.Empty;
        if (IsHeader(row)) return NormalizedRejectReason.Header;
        // Column boundaries (start, length) of the 42 fields, found in one scan.
        Span<int> starts = stackalloc int[Columns + 1];
        int column = 0;
        starts[0] = 0;
        for (int i = 0; i < row.Length; i++)
        {
            if (row[i] != ',') continue;
            if (++column >= Columns) return NormalizedRejectReason.ColumnCount;
            starts[column] = i + 1;
        }
        if (column != Columns - 1) return NormalizedRejectReason.ColumnCount;
        starts[Columns] = row.Length + 1;

        if (!NormalizedText.TryParseUtcNs(Field(row, starts, 0), out long timeNs)) return NormalizedRejectReason.BadTimestamp;
        ref var h = ref batch.Add();
        h.Kind = MarketEventKind.BookHeader;
        h.Venue = venue;
        h.Instrument = instrument.Id;
        h.ReceiveTimeNs = timeNs;
        h.Sequence = -1;
        h.PrevSequence = -1;
        h.Flags = MarketEventFlags.Snapshot | MarketEventFlags.Replay;
        for (int sideIndex = 0; sideIndex < 2; sideIndex++)
        {
            int priceColumn = 2 + sideIndex * 2 * Levels;
            for (int level = 0; level < Levels; level++)
            {
                var priceText = Field(row, starts, priceColumn + level);
                var sizeText = NormalizedText.TruncateFraction(Field(row, starts, priceColumn + Levels + level), instrument.QuantityScale, out bool cut);
                if (cut) truncatedSizes++;
                if (FixedPoint.TryParse(priceText, instrument.PriceScale, out long price, out byte pd) != NumberParseStatus.Ok
                    || FixedPoint.TryParse(sizeText, instrument.QuantityScale, out long size, out byte sd) != NumberParseStatus.Ok
                    || price <= 0 || size < 0)
                    return NormalizedRejectReason.BadNumber;
                ref var e = ref batch.Add();
                e.Kind = MarketEventKind.BookLevel;
                e.Venue = venue;
                e.Instrument = instrument.Id;
                e.Side = sideIndex == 0 ? Side.Bid : Side.Ask;
                e.Price = price;
                e.Size = size;
                e.PriceDecimals = pd;
                e.SizeDecimals = sd;
                e.ReceiveTimeNs = timeNs;
                e.Flags = MarketEventFlags.Replay;
            }
        }
        batch[batch.Count - 1].Flags |= MarketEventFlags.EndOfMessage;
        return NormalizedRejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> row, Span<int> starts, int column) =>
        row.Slice(starts[column], starts[column + 1] - 1 - starts[column]);
}
