namespace FastEngine.Model;

/// <summary>
/// Growth of the engine's per-(venue, instrument) lookup tables: a jagged array indexed by <see cref="VenueId.Value"/>,
/// then <see cref="InstrumentId.Value"/>, read on the hot path with two bounds checks and grown here, on the cold path
/// that creates an entry. Not thread-safe: each table has one writing thread.
/// </summary>
public static class VenueInstrumentTable
{
    /// <summary>
    /// The slot of (<paramref name="venue"/>, <paramref name="instrument"/>), growing <paramref name="table"/> (venues by
    /// 16 more than needed) and the venue's row (at least <paramref name="minRow"/> instruments, doubling) so it exists.
    /// The returned reference points into the row now stored in the table.
    /// </summary>
    public static ref T? Slot<T>(ref T?[]?[] table, VenueId venue, InstrumentId instrument, int minRow = 16) where T : class
    {
        if (venue.Value >= table.Length) Array.Resize(ref table, venue.Value + 16);
        var row = table[venue.Value] ??= new T?[Math.Max(minRow, instrument.Value + 1)];
        if (instrument.Value >= row.Length)
        {
            Array.Resize(ref row, Math.Max(instrument.Value + 1, row.Length * 2));
            table[venue.Value] = row;
        }
        return ref row[instrument.Value];
    }
}
