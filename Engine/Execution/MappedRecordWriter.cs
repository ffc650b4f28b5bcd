using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using FastEngine.Model;
using Microsoft.Win32.SafeHandles;

namespace FastEngine.Execution;

/// <summary>The writer side of a record file, as the order-intent journal uses it.</summary>
internal interface IRecordWriter : IDisposable
{
    long Position { get; }
    long FsyncCount { get; }
    bool IsFaulted { get; }
    Exception? LastError { get; }
    RecordWriteStatus Append(byte type, ReadOnlySpan<byte> payload);
    bool FlushToDisk();
    /// <summary>Idle-time keep-warm: fault in the pages the next appends write (no content change); a no-op where there
    /// is no mapping.</summary>
    void PrefaultAhead() { }
    /// <summary>Marks the writer faulted as an I/O error would (tests of the callers' fail-closed paths).</summary>
    void MarkFaulted(Exception e);
}

/// <summary>
/// Single-writer append of framed records into a memory-mapped, pre-allocated region of the file, with the
/// <see cref="FsyncPolicy"/> applied by a background flusher thread. An append is a copy and a CRC: no system call.
/// </summary>
/// <remarks>
/// <para><b>Durability contract.</b> A record is in the OS page cache when <see cref="Append"/> returns (the mapping is the
/// file's page cache), so a killed process loses nothing acknowledged. Stable storage (power loss): with
/// <see cref="FsyncPolicy.Interval"/> the flusher msyncs every interval, so an acknowledged record is durable within one
/// interval (plus the msync time); with <see cref="FsyncPolicy.EveryN"/> the N-th record since the last sync wakes the
/// flusher, so at most N − 1 records plus those appended during one msync are not yet durable; with
/// <see cref="FsyncPolicy.Never"/> there is no flusher (the kernel writes back). <see cref="FsyncPolicy.EveryRecord"/> —
/// durable when the append returns — is not served here: the journal uses <see cref="RecordFileWriter"/> (write + fsync
/// on the caller) for it. <see cref="FlushToDisk"/> syncs synchronously on the caller.</para>
/// <para><b>Torn writes.</b> A record's length word is written last (release store), after its type, payload and CRC: a
/// crash mid-append leaves a zero length word followed by at most one record's bytes, then the region's zeros. The file is
/// pre-extended with zeros in chunks (written, not sparse, so a full disk fails at growth, never as a fault on a page);
/// recovery cuts the zero tail (<see cref="RecordReader"/>: torn when nothing but zeros lies beyond one largest record).
/// <see cref="Dispose"/> trims the file to its records.</para>
/// <para><b>Threading.</b> One appending thread; the flusher only msyncs. Growth (a new chunk) is a cold path under the lock
/// the flusher holds while syncing.</para>
/// </remarks>
internal sealed unsafe class MappedRecordWriter : IRecordWriter
{
    /// <summary>Pre-allocated region per growth step: ~30,000 intent records.</summary>
    internal const long ChunkBytes = 4L << 20;

    private readonly SafeFileHandle _handle;
    private readonly FsyncPolicy _policy;
    private readonly int _everyN;
    private readonly int _intervalMs;
    private readonly int _maxRecordLength;
    private readonly object _mapLock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread? _flusher;
    private MemoryMappedFile _map = null!;
    private MemoryMappedViewAccessor _view = null!;
    private byte* _base;
    private long _capacity;
    private long _position;
    private int _sinceWake;
    private long _fsyncCount;
    private volatile bool _faulted;
    private volatile bool _stopping;
    private bool _disposed;

    public MappedRecordWriter(SafeFileHandle handle, long position, int maxRecordLength, FsyncPolicy policy, int everyN, long intervalNs)
    {
        if (policy == FsyncPolicy.EveryRecord) throw new ArgumentException("every-record durability needs a synchronous fsync: use RecordFileWriter", nameof(policy));
        _handle = handle;
        _position = position;
        _maxRecordLength = maxRecordLength;
        _policy = policy;
        _everyN = Math.Max(1, everyN);
        _intervalMs = (int)Math.Clamp(intervalNs / 1_000_000, 1, int.MaxValue);
        MapSlow(position + ChunkBytes);
        if (policy != FsyncPolicy.Never)
        {
            _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "journal-flusher", Priority = ThreadPriority.BelowNormal };
            _flusher.Start();
        }
    }

    public long Position => _position;
    public long FsyncCount => Volatile.Read(ref _fsyncCount);
    public bool IsFaulted => _faulted;
    public Exception? LastError { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RecordWriteStatus Append(byte type, ReadOnlySpan<byte> payload)
    {
        if (_faulted) return RecordWriteStatus.Faulted;
        int total = RecordFile.RecordOverhead + payload.Length;
        if (_position + total > _capacity && !GrowSlow(total)) return RecordWriteStatus.IoError;
        var record = new Span<byte>(_base + _position, total);
        // Frame with the length word zero, then publish the length last: a crash between leaves a zero length (torn).
        RecordFile.Frame(record, type, payload);
        uint lengthWord = Unsafe.ReadUnaligned<uint>(ref record[0]);
        Unsafe.WriteUnaligned(ref record[0], 0u);
        // Records start 4-byte aligned only by chance: an unaligned 4-byte store is still single-copy atomic on x64/arm64 within a
        // cache line, and the release barrier orders it after the payload and CRC.
        Interlocked.MemoryBarrier();
        Unsafe.WriteUnaligned(ref record[0], lengthWord);
        _position += total;
        if (_policy == FsyncPolicy.EveryN && ++_sinceWake >= _everyN)
        {
            _sinceWake = 0;
            _wake.Set();
        }
        return RecordWriteStatus.Ok;
    }

    /// <summary>msync of the mapped region now, on the caller.</summary>
    public bool FlushToDisk()
    {
        if (_faulted) return false;
        return SyncNow();
    }

    private bool SyncNow()
    {
        try
        {
            lock (_mapLock)
            {
                if (_disposed) return false;
                _view.Flush();   // msync(MS_SYNC) of the view: the dirty pages reach the disk
            }
            Interlocked.Increment(ref _fsyncCount);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Fault(e);
            return false;
        }
    }

    private void FlushLoop()
    {
        int timeout = _policy == FsyncPolicy.Interval ? _intervalMs : Timeout.Infinite;
        long synced = -1;
        while (!_stopping)
        {
            _wake.WaitOne(timeout);
            if (_stopping) break;
            long position = Volatile.Read(ref _position);
            if (position == synced) continue;   // nothing new: a quiet journal costs no msync
            if (!SyncNow()) return;
            synced = position;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool GrowSlow(int recordLength)
    {
        long cold = ColdPath.Begin();
        try
        {
            lock (_mapLock) MapSlow(Math.Max(_capacity + ChunkBytes, _position + recordLength + ChunkBytes));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fault(e);
            return false;
        }
        finally { ColdPath.End(cold); }
    }

    /// <summary>(Re)maps the file with <paramref name="capacity"/> bytes, writing zeros to extend it (cold).</summary>
    private void MapSlow(long capacity)
    {
        if (_view is not null)
        {
            _view.Flush();
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }
        long length = RandomAccess.GetLength(_handle);
        if (length < capacity)
        {
            var zeros = new byte[1 << 20];
            for (long at = length; at < capacity; at += zeros.Length)
                RandomAccess.Write(_handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, capacity - at)), at);
            RandomAccess.FlushToDisk(_handle);   // the new size and blocks are durable before any record relies on them
        }
        _map = MemoryMappedFile.CreateFromFile(_handle, null, capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, capacity, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        _capacity = capacity;
        Prefault(_position, capacity - _position);
    }

    /// <summary>Size of the pages <see cref="Prefault"/> touches (the smallest page size of the platforms we run on).</summary>
    private const int PageBytes = 4096;

    /// <summary>
    /// Writes a zero byte into every page of [<paramref name="from"/>, <paramref name="from"/> + <paramref name="bytes"/>)
    /// so the first append into a page does not take the page fault (mapping the page cache page into the process and, for
    /// a shared file mapping, the kernel's write-enable of the page) on the caller: measured at up to 30 µs per new page
    /// on the paced replay. Every byte at or past <see cref="Position"/> is a zero of the pre-allocated tail, so writing a
    /// zero there changes no content (the torn-write contract is untouched). Appending thread only.
    /// </summary>
    private void Prefault(long from, long bytes)
    {
        long end = Math.Min(_capacity, from + bytes);
        if (from < _position) from = _position;
        for (long at = from; at < end; at = (at / PageBytes + 1) * PageBytes)
            Volatile.Write(ref _base[at], (byte)0);
    }

    /// <summary>
    /// Touches the page of the next record and the one after it (a flush write-protects the pages it cleaned, so the next
    /// append into one would fault again): an idle-time keep-warm step. No content changes; appending thread only.
    /// </summary>
    public void PrefaultAhead()
    {
        if (_faulted || _disposed) return;
        Prefault(_position, 2 * PageBytes);
    }

    public void MarkFaulted(Exception e) => Fault(e);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fault(Exception e)
    {
        LastError = e;
        _faulted = true;
    }

    /// <summary>Stops the flusher, syncs, unmaps and trims the file to its records.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _stopping = true;
        _wake.Set();
        _flusher?.Join();
        lock (_mapLock)
        {
            _disposed = true;
            try
            {
                if (!_faulted && _policy != FsyncPolicy.Never) _view.Flush();
            }
            catch (IOException) { }
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
            try
            {
                RandomAccess.SetLength(_handle, _position);
                if (_policy != FsyncPolicy.Never) RandomAccess.FlushToDisk(_handle);
            }
            catch (IOException) { }
            _handle.Dispose();
        }
        _wake.Dispose();
    }
}
