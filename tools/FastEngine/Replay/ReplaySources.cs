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

/// <summary>Tardis-normalized book_change/trade lines (format T): BitMEX XBTUSD and Deribit BTC-PERPETUAL.</summary>
public sealed class TardisSource : IReplaySource
{
    private readonly byte[] _bytes;
    private readonly TardisFeed _feed;
    private readonly MarketEventBatch _current = new(8192);
    private int _offset;

    public TardisSource(string path, InstrumentRegistry registry)
    {
        Name = path;
        _bytes = File.ReadAllBytes(path);
        _feed = TardisFeed.ForBitmexDeribit(registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
    }

    public string Name { get; }
    public TardisFeed Feed => _feed;
    public long TimeNs { get; private set; }

    public bool MoveNext()
    {
        while (_offset < _bytes.Length)
        {
            var rest = _bytes.AsSpan(_offset);
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            _offset += nl < 0 ? rest.Length : nl + 1;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.Length == 0) continue;
            _current.Clear();
            if (new TardisNormalizedReader(line, _feed).TryRead(_current, out _) && _current.Count > 0)
            {
                TimeNs = _current[0].ReceiveTimeNs;
                return true;
            }
        }
        return false;
    }

    public void Emit(MarketEventBatch batch)
    {
        foreach (ref var e in _current.Events) batch.Add() = e;
    }

    public void Dispose() { }
}

/// <summary>One venue's 10-level snapshot CSV (format C), one full image per row.</summary>
public sealed class Depth10CsvSource : IReplaySource
{
    private readonly byte[] _bytes;
    private readonly VenueId _venue;
    private readonly Instrument _instrument;
    private readonly MarketEventBatch _current = new(64);
    private int _offset;

    public Depth10CsvSource(string path, InstrumentRegistry registry)
    {
        Name = path;
        _bytes = File.ReadAllBytes(path);
        string file = Path.GetFileName(path).ToLowerInvariant();
        _venue = file.StartsWith("huobi") || file.StartsWith("htx") ? VenueCatalog.Htx : VenueCatalog.Binance;
        _instrument = registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 4);
    }

    public string Name { get; }
    public long TimeNs { get; private set; }
    public long Rejected { get; private set; }

    public bool MoveNext()
    {
        while (_offset < _bytes.Length)
        {
            var rest = _bytes.AsSpan(_offset);
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            _offset += nl < 0 ? rest.Length : nl + 1;
            if (line.Length == 0 || Depth10CsvReader.IsHeader(line)) continue;
            _current.Clear();
            if (new Depth10CsvReader(line).TryRead(_venue, _instrument, _current, out _, out _) && _current.Count > 0)
            {
                TimeNs = _current[0].ReceiveTimeNs;
                return true;
            }
            Rejected++;
        }
        return false;
    }

    public void Emit(MarketEventBatch batch)
    {
        foreach (ref var e in _current.Events) batch.Add() = e;
    }

    public void Dispose() { }
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

/// <summary>Merges sources by receive time (ties: the earlier-listed source first). Few sources: linear scan.</summary>
public sealed class ReplayMerge : IDisposable
{
    private readonly IReplaySource[] _sources;
    private readonly bool[] _live;
    private int _current = -1;

    public ReplayMerge(IReadOnlyList<IReplaySource> sources)
    {
        _sources = sources.ToArray();
        _live = new bool[_sources.Length];
        for (int i = 0; i < _sources.Length; i++) _live[i] = _sources[i].MoveNext();
    }

    public IReplaySource Current => _sources[_current];

    public bool MoveNext()
    {
        if (_current >= 0) _live[_current] = _sources[_current].MoveNext();
        int best = -1;
        for (int i = 0; i < _sources.Length; i++)
            if (_live[i] && (best < 0 || _sources[i].TimeNs < _sources[best].TimeNs)) best = i;
        _current = best;
        return best >= 0;
    }

    public void Dispose()
    {
        foreach (var s in _sources) s.Dispose();
    }
}
