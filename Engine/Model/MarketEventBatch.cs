using System.Runtime.CompilerServices;

namespace FastEngine.Model;

/// <summary>
/// A parser's staging area for the events of one frame: pre-allocated, reused for every frame, so a frame's header
/// event can be completed after its levels were read (venues put sequence numbers and checksums anywhere in the
/// JSON) and the whole message is then published into the ring as one contiguous claim.
/// </summary>
/// <remarks>Single-threaded (one per connection/parser). Grows on a cold path only.</remarks>
public sealed class MarketEventBatch
{
    private MarketEvent[] _events;
    private int _count;

    public MarketEventBatch(int initialCapacity = 1024) => _events = new MarketEvent[initialCapacity];

    public int Count => _count;

    /// <summary>The events added since the last <see cref="Clear"/>.</summary>
    public Span<MarketEvent> Events => _events.AsSpan(0, _count);

    /// <summary>Appends a zeroed event and returns it by reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref MarketEvent Add()
    {
        if (_count == _events.Length) GrowSlow();
        ref var e = ref _events[_count++];
        e = default;
        return ref e;
    }

    /// <summary>Appends copies of <paramref name="events"/> (one block copy; a replay source's staged record into the
    /// producer's batch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddRange(ReadOnlySpan<MarketEvent> events)
    {
        while (_events.Length - _count < events.Length) GrowSlow();
        events.CopyTo(_events.AsSpan(_count));
        _count += events.Length;
    }

    /// <summary>The event at <paramref name="index"/> (to complete a header after its levels were parsed).</summary>
    public ref MarketEvent this[int index] => ref _events[index];

    public void Clear() => _count = 0;

    /// <summary>Drops events added after <paramref name="count"/> (a frame rejected half-way publishes nothing).</summary>
    public void Truncate(int count) => _count = Math.Min(_count, count);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSlow()
    {
        long cold = ColdPath.Begin();
        Array.Resize(ref _events, _events.Length * 2);
        ColdPath.End(cold);
    }
}

/// <summary>Where parsed events go: the ring publisher in the engine, a book keeper directly in verify/tests.</summary>
public interface IMarketEventSink
{
    /// <summary>Publishes the events of one or more complete messages, in order.</summary>
    void Publish(Span<MarketEvent> events);
}
