using System.Buffers;

namespace FastEngine.Adapters.Transport;

/// <summary>
/// Fixed-size buffer pool owned by one connection's receive pipe. Unlike <see cref="ArrayPool{T}.Shared"/> it is
/// never trimmed by the GC, so a busy connection does not re-allocate its segments after an unrelated gen-2
/// collection; once the pipe has as many segments as its largest buffered message needs, renting allocates
/// nothing. Owners are recycled on <see cref="IDisposable.Dispose"/>. Thread-safe (a lock; uncontended in practice
/// because the receive thread both fills and drains the pipe).
/// </summary>
internal sealed class ReceiveSegmentPool : MemoryPool<byte>
{
    private readonly int _segmentSize;
    private readonly Stack<Owner> _free = new();
    private readonly object _gate = new();

    public ReceiveSegmentPool(int segmentSize) => _segmentSize = segmentSize;

    public override int MaxBufferSize => _segmentSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > _segmentSize)
            throw new ArgumentOutOfRangeException(nameof(minBufferSize));
        lock (_gate)
        {
            if (_free.TryPop(out Owner? owner))
                return owner;
        }
        return new Owner(this, new byte[_segmentSize]);
    }

    private void Return(Owner owner)
    {
        lock (_gate)
            _free.Push(owner);
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
            _free.Clear();
    }

    private sealed class Owner(ReceiveSegmentPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() => pool.Return(this);
    }
}
