using FastEngine.Adapters.Venues;
using FastEngine.Adapters.Capture;
using FastEngine.Capture;
using FastEngine.Capture.Normalized;
using FastEngine.Model;

namespace FastEngine.Cli.Replay;

/// <summary>One time-ordered input of a replay: raw frames through the venue parsers, or a normalized recording.</summary>
public interface IReplaySource : IDisposable
{
    string Name { get; }
    /// <summary>Advances to the next record; false at the end.</summary>
    bool MoveNext();
    /// <summary>Receive time of the current record (Unix ns).</summary>
    long TimeNs { get; }
    /// <summary>Appends the current record's events to <paramref name="batch"/>.</summary>
    void Emit(MarketEventBatch batch);
}

/// <summary>Raw frames from any supported capture format (FECAP, cryptofeed text/envelope, timestamp-prefixed, JSON lines).</summary>
public sealed class RawCaptureSource(string path, ICaptureSource source, CaptureFeed feed) : IReplaySource
{
    public string Name => path;
    public ICaptureSource Source => source;
    public bool MoveNext() => source.MoveNext();
    public long TimeNs => source.Current.ReceiveTimeNs;
    public void Emit(MarketEventBatch batch) => feed.Feed(source.Current, batch);
    public void Dispose() => source.Dispose();
}

/// <summary>
/// A normalized recording read line by line from one file: each accepted line becomes the events of one record
/// (staged here, copied into the caller's batch by <see cref="Emit"/>); blank and metadata lines (a CSV header) are
/// skipped, rejected lines counted.
/// </summary>
public abstract class NormalizedLineSource : IReplaySource
{
    private readonly byte[] _bytes;
    private readonly MarketEventBatch _current;
    private int _offset;

    protected NormalizedLineSource(string path, int batchCapacity)
    {
        Name = path;
        _bytes = File.ReadAllBytes(path);
        _current = new MarketEventBatch(batchCapacity);
    }

    public string Name { get; }
    public long TimeNs { get; private set; }
    /// <summary>Lines that were rejected (bad lines, lines that carry no event).</summary>
    public long Rejected { get; private set; }

    /// <summary>Parses one line (without its line end) into <paramref name="batch"/>; false when it is not a record.</summary>
    protected abstract bool TryReadLine(ReadOnlySpan<byte> line, MarketEventBatch batch);

    /// <summary>A line that describes the file rather than holding a record (skipped, not counted).</summary>
    protected virtual bool IsMetadata(ReadOnlySpan<byte> line) => false;

    public bool MoveNext()
    {
        while (_offset < _bytes.Length)
        {
            var rest = _bytes.AsSpan(_offset);
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            _offset += nl < 0 ? rest.Length : nl + 1;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.Length == 0 || IsMetadata(line)) continue;
            _current.Clear();
            if (TryReadLine(line, _current) && _current.Count > 0)
            {
                TimeNs = _current[0].ReceiveTimeNs;
                return true;
            }
            Rejected++;
        }
        return false;
    }

    public void Emit(MarketEventBatch batch) => batch.AddRange(_current.Events);

    public void Dispose() { }
}

/// <summary>Tardis-normalized book_change/trade lines (format T): BitMEX XBTUSD and Deribit BTC-PERPETUAL.</summary>
public sealed class TardisSource(string path, InstrumentRegistry registry) : NormalizedLineSource(path, 8192)
{
    public TardisFeed Feed { get; } = TardisFeed.ForBitmexDeribit(registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);

    protected override bool TryReadLine(ReadOnlySpan<byte> line, MarketEventBatch batch) =>
        new TardisNormalizedReader(line, Feed).TryRead(batch, out _);
}

/// <summary>One venue's 10-level snapshot CSV (format C), one full image per row.</summary>
public sealed class Depth10CsvSource : NormalizedLineSource
{
    private readonly VenueId _venue;
    private readonly Instrument _instrument;

    public Depth10CsvSource(string path, InstrumentRegistry registry) : base(path, 64)
    {
        string file = Path.GetFileName(path).ToLowerInvariant();
        _venue = file.StartsWith("huobi") || file.StartsWith("htx") ? VenueCatalog.Htx : VenueCatalog.Binance;
        _instrument = registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 4);
    }

    protected override bool IsMetadata(ReadOnlySpan<byte> line) => Depth10CsvReader.IsHeader(line);

    protected override bool TryReadLine(ReadOnlySpan<byte> line, MarketEventBatch batch) =>
        new Depth10CsvReader(line).TryRead(_venue, _instrument, batch, out _, out _);
}

/// <summary>Opens the right source for a file (by name and content).</summary>
public static class ReplaySourceFactory
{
    public static IReplaySource Open(string path, InstrumentRegistry registry, CaptureFeed feed, string? venueName = null, string? format = null)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.Contains("tardis-normalized")) return new TardisSource(path, registry);
        if (name.EndsWith(".csv")) return new Depth10CsvSource(path, registry);
        var kind = CaptureFormatKind.Unknown;
        if (format is not null && !CaptureFormat.TryParse(format, out kind))
            throw new ArgumentException($"unknown --format '{format}'; allowed: {string.Join(", ", CaptureFormat.Names)}");
        if (kind == CaptureFormatKind.Unknown) kind = CaptureFormat.Detect(path);
        var source = CaptureFormat.Open(path, kind, CaptureVenueResolver.Create(kind, venueName));
        return new RawCaptureSource(path, source, feed);
    }
}

/// <summary>Merges sources by receive time (ties: the earlier-listed source first). Few sources: linear scan over the
/// cached head times (one interface call per record, to the source that advanced; no per-record allocation).</summary>
public sealed class ReplayMerge : IDisposable
{
    private readonly IReplaySource[] _sources;
    /// <summary>Head receive time of each source; <see cref="long.MaxValue"/> once it has ended (never chosen then).</summary>
    private readonly long[] _times;
    private readonly bool[] _live;
    private int _current = -1;

    public ReplayMerge(IReadOnlyList<IReplaySource> sources)
    {
        _sources = sources.ToArray();
        _times = new long[_sources.Length];
        _live = new bool[_sources.Length];
        for (int i = 0; i < _sources.Length; i++) Advance(i);
    }

    public IReplaySource Current => _sources[_current];

    public bool MoveNext()
    {
        if (_current >= 0) Advance(_current);
        // A live source may itself sit at long.MaxValue, so liveness is checked, not only the time.
        int best = -1;
        long bestTime = 0;
        var times = _times;
        var live = _live;
        for (int i = 0; i < times.Length; i++)
        {
            if (live[i] && (best < 0 || times[i] < bestTime))
            {
                best = i;
                bestTime = times[i];
            }
        }
        _current = best;
        return best >= 0;
    }

    private void Advance(int i)
    {
        var source = _sources[i];
        bool live = _live[i] = source.MoveNext();
        _times[i] = live ? source.TimeNs : long.MaxValue;
    }

    public void Dispose()
    {
        foreach (var s in _sources) s.Dispose();
    }
}
