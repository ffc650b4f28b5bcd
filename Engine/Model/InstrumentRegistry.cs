using System.Runtime.CompilerServices;
using System.Text;

namespace FastEngine.Model;

/// <summary>
/// All instruments of the process, by dense <see cref="InstrumentId"/>, by canonical name, and by each venue's own
/// symbol (<c>BTCUSDT</c>, <c>BTC-USDT-SWAP</c>, <c>XBT/USD</c>, <c>PF_XBTUSD</c>).
/// </summary>
/// <remarks>
/// Thread-safety: registration takes a lock and publishes copy-on-write tables; lookups (<see cref="TryGet(VenueId, ReadOnlySpan{byte}, out InstrumentId)"/>,
/// <see cref="this[InstrumentId]"/>) are lock-free and allocation-free, so parsers call them on the hot path with the
/// symbol's UTF-8 bytes straight from the frame.
/// </remarks>
public sealed class InstrumentRegistry
{
    private readonly object _gate = new();
    private Instrument[] _instruments = [];
    private readonly Dictionary<string, Instrument> _byCanonical = new(StringComparer.Ordinal);
    private SymbolEntry[] _symbols = new SymbolEntry[64];
    private int _symbolCount;

    private readonly struct SymbolEntry(int hash, VenueId venue, byte[] key, InstrumentId instrument)
    {
        public readonly int Hash = hash;
        public readonly VenueId Venue = venue;
        public readonly byte[]? Key = key;
        public readonly InstrumentId Instrument = instrument;
    }

    /// <summary>Default scales for instruments first seen in data without configuration (8 decimals covers every
    /// venue's spot price and size text in the captures; a finer number is rejected as precision loss, counted).</summary>
    public const int DefaultPriceScale = 8;
    public const int DefaultQuantityScale = 8;

    public int Count => Volatile.Read(ref _instruments).Length;

    /// <summary>The instrument with that id. Lock-free.</summary>
    public Instrument this[InstrumentId id] => Volatile.Read(ref _instruments)[id.Value];

    public IReadOnlyList<Instrument> All => Volatile.Read(ref _instruments);

    /// <summary>Adds a canonical instrument, or returns the existing one with that canonical name (scales must agree).</summary>
    public Instrument GetOrAdd(string baseAsset, string quoteAsset, InstrumentKind kind, int priceScale = DefaultPriceScale,
        int quantityScale = DefaultQuantityScale, bool isInverse = false, long contractValue = 0, string? detail = null)
    {
        long cold = ColdPath.Begin();
        try { return GetOrAddCore(baseAsset, quoteAsset, kind, priceScale, quantityScale, isInverse, contractValue, detail); }
        finally { ColdPath.End(cold); }
    }

    private Instrument GetOrAddCore(string baseAsset, string quoteAsset, InstrumentKind kind, int priceScale, int quantityScale,
        bool isInverse, long contractValue, string? detail)
    {
        string canonical = Instrument.CanonicalName(baseAsset, quoteAsset, kind, detail);
        lock (_gate)
        {
            if (_byCanonical.TryGetValue(canonical, out var existing)) return existing;
            var instruments = _instruments;
            var instrument = new Instrument(new InstrumentId(instruments.Length), baseAsset, quoteAsset, kind, priceScale, quantityScale,
                isInverse, contractValue, detail);
            var next = new Instrument[instruments.Length + 1];
            instruments.CopyTo(next, 0);
            next[^1] = instrument;
            _byCanonical[canonical] = instrument;
            Volatile.Write(ref _instruments, next);
            return instrument;
        }
    }

    public bool TryGetCanonical(string canonical, out Instrument instrument)
    {
        lock (_gate) return _byCanonical.TryGetValue(canonical, out instrument!);
    }

    /// <summary>Maps a venue's symbol to an instrument (idempotent; remapping to another instrument throws).</summary>
    public void MapVenueSymbol(VenueId venue, string venueSymbol, InstrumentId instrument)
    {
        ArgumentException.ThrowIfNullOrEmpty(venueSymbol);
        long cold = ColdPath.Begin();
        try { MapCore(venue, venueSymbol, instrument); } finally { ColdPath.End(cold); }
    }

    private void MapCore(VenueId venue, string venueSymbol, InstrumentId instrument)
    {
        byte[] key = Encoding.UTF8.GetBytes(venueSymbol);
        lock (_gate)
        {
            if (TryGet(venue, key, out var existing))
            {
                if (existing != instrument)
                    throw new ArgumentException($"{VenueNames.NameOf(venue)} symbol '{venueSymbol}' is already mapped to {this[existing].Canonical}", nameof(venueSymbol));
                return;
            }
            var table = _symbols;
            if ((_symbolCount + 1) * 2 > table.Length) table = Grow(table, table.Length * 2);
            else table = (SymbolEntry[])table.Clone();
            Insert(table, new SymbolEntry(Hash(venue, key), venue, key, instrument));
            _symbolCount++;
            Volatile.Write(ref _symbols, table);
        }
    }

    /// <summary>Looks up a venue symbol from its UTF-8 bytes. Lock-free, allocation-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(VenueId venue, ReadOnlySpan<byte> venueSymbol, out InstrumentId instrument)
    {
        var table = Volatile.Read(ref _symbols);
        int hash = Hash(venue, venueSymbol);
        int mask = table.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            ref readonly var e = ref table[i];
            if (e.Key is null) { instrument = InstrumentId.None; return false; }
            if (e.Hash == hash && e.Venue == venue && venueSymbol.SequenceEqual(e.Key))
            {
                instrument = e.Instrument;
                return true;
            }
        }
    }

    /// <summary>Every venue symbol mapped to <paramref name="instrument"/> on <paramref name="venue"/> (cold path).</summary>
    public IEnumerable<string> VenueSymbols(VenueId venue, InstrumentId instrument)
    {
        foreach (var e in Volatile.Read(ref _symbols))
            if (e.Key is not null && e.Venue == venue && e.Instrument == instrument)
                yield return Encoding.UTF8.GetString(e.Key);
    }

    private static SymbolEntry[] Grow(SymbolEntry[] table, int size)
    {
        var next = new SymbolEntry[size];
        foreach (var e in table)
            if (e.Key is not null) Insert(next, e);
        return next;
    }

    private static void Insert(SymbolEntry[] table, SymbolEntry entry)
    {
        int mask = table.Length - 1;
        int i = entry.Hash & mask;
        while (table[i].Key is not null) i = (i + 1) & mask;
        table[i] = entry;
    }

    /// <summary>FNV-1a over the symbol bytes, mixed with the venue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(VenueId venue, ReadOnlySpan<byte> key)
    {
        uint h = 2166136261u ^ venue.Value;
        foreach (byte b in key) h = (h ^ b) * 16777619u;
        return (int)(h & 0x7fffffff);
    }
}
