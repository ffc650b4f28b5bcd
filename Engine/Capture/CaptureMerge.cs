namespace FastEngine.Capture;

/// <summary>
/// Merges several record sources into one stream ordered by <see cref="CaptureRecord.ReceiveTimeNs"/> (e.g. Binance
/// spot + USD-M files recorded on one clock, replayed together).
/// </summary>
/// <remarks>
/// <para>Ordering: the smallest receive time first; ties go to the source listed first, and within a source the
/// source's own order is kept (stable). Each source is assumed to be in non-decreasing time order; if one is not, its
/// records still come out in its own order (the merge never reorders within a source).</para>
/// <para>Connection ids are made unique across sources: connection c (c ≠ 0) of source i becomes c + i·2^24; connection
/// 0 (REST, unattributed) stays 0. <see cref="CurrentSource"/> says which source the current record came from.</para>
/// <para>A source is advanced only on the next <see cref="MoveNext"/>, so <see cref="Current"/>'s memory stays valid
/// until then. Cost: one comparison per source per record (meant for a handful of sources). No allocation per
/// record. Single-threaded. Disposing the merge disposes the sources it owns.</para>
/// </remarks>
public sealed class CaptureMerge : ICaptureSource
{
    /// <summary>Source i's connection ids are offset by i &lt;&lt; ConnectionIdShift.</summary>
    public const int ConnectionIdShift = 24;

    private readonly ICaptureSource[] _sources;
    private readonly bool[] _hasHead;
    private readonly bool _ownsSources;
    private int _advance = -2; // -2: not primed; -1: nothing to advance; i: advance source i first
    private CaptureRecord _current;

    public CaptureMerge(IEnumerable<ICaptureSource> sources, bool ownsSources = true)
    {
        _sources = sources.ToArray();
        if (_sources.Length == 0) throw new ArgumentException("at least one source is needed", nameof(sources));
        if (_sources.Length > 255) throw new ArgumentException("at most 255 sources", nameof(sources));
        _hasHead = new bool[_sources.Length];
        _ownsSources = ownsSources;
        Name = string.Join(" + ", _sources.Select(s => s.Name));
    }

    public string Name { get; }
    public CaptureRecord Current => _current;
    /// <summary>Index (in constructor order) of the source <see cref="Current"/> came from.</summary>
    public int CurrentSource { get; private set; } = -1;
    public IReadOnlyList<ICaptureSource> Sources => _sources;

    public bool MoveNext()
    {
        if (_advance == -2)
        {
            for (int i = 0; i < _sources.Length; i++) _hasHead[i] = _sources[i].MoveNext();
        }
        else if (_advance >= 0)
        {
            _hasHead[_advance] = _sources[_advance].MoveNext();
        }

        int best = -1;
        long bestTime = 0;
        for (int i = 0; i < _sources.Length; i++)
        {
            if (!_hasHead[i]) continue;
            long t = _sources[i].Current.ReceiveTimeNs;
            // Strictly less: on a tie the earlier source keeps the lead (stable).
            if (best < 0 || t < bestTime)
            {
                best = i;
                bestTime = t;
            }
        }
        if (best < 0)
        {
            _advance = -1;
            _current = default;
            CurrentSource = -1;
            return false;
        }
        var head = _sources[best].Current;
        _current = head.ConnectionId == 0 || best == 0 ? head : head.WithConnectionId(head.ConnectionId + ((uint)best << ConnectionIdShift));
        CurrentSource = best;
        _advance = best;
        return true;
    }

    public void Dispose()
    {
        if (!_ownsSources) return;
        foreach (var s in _sources) s.Dispose();
    }
}
