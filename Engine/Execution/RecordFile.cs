using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FastEngine.Model;
using Microsoft.Win32.SafeHandles;

namespace FastEngine.Execution;

/// <summary>When an append-only record file forces its records to stable storage.</summary>
public enum FsyncPolicy : byte
{
    /// <summary>Never fsync (the OS writes back when it likes). Each record still reaches the OS with one write call, so a
    /// killed process loses nothing; a power loss may lose recent records.</summary>
    Never = 0,
    /// <summary>fsync after every record (<see cref="RandomAccess.FlushToDisk"/>): nothing acknowledged is lost on power loss.</summary>
    EveryRecord = 1,
    /// <summary>fsync after every N records: at most N − 1 records lost on power loss.</summary>
    EveryN = 2,
    /// <summary>Sync at most one interval after a record. The order-intent journal runs it on a background flusher thread
    /// (durable within the interval, nothing on the appending thread); the settlement file's <see cref="RecordFileWriter"/>
    /// checks it on append (call <c>FlushToDisk</c> from an idle loop to bound the window on a quiet file).</summary>
    Interval = 3,
}

/// <summary>How a record file ended when it was read.</summary>
public enum RecordFileTail : byte
{
    /// <summary>Every byte belongs to a complete, CRC-valid record.</summary>
    Clean = 0,
    /// <summary>The last record is incomplete or fails its CRC and nothing valid can follow it (a write cut short by a
    /// crash): the records before it are kept, the torn bytes are cut away.</summary>
    Torn = 1,
    /// <summary>A record in the middle fails its length or CRC check and is followed by more data than one record: that is
    /// damage, not a torn write. Nothing is truncated; the file must be inspected.</summary>
    Corrupt = 2,
    /// <summary>The file header is not this file kind's (wrong magic, version or header CRC).</summary>
    BadHeader = 3,
}

/// <summary>Outcome of writing one record.</summary>
internal enum RecordWriteStatus : byte
{
    Ok = 0,
    IoError = 1,
    Faulted = 2,
}

/// <summary>
/// The framing shared by the order-intent journal and the settlement file.
/// <code>
/// file   := header record*
/// header := magic[8] version:u16 headerSize:u16 kind:u32 createdUnixNs:i64 reserved[4] headerCrc:u32   (32 bytes)
/// record := payloadLength:u32 type:u8 payload[payloadLength] crc:u32
///           crc = CRC-32/IEEE over payloadLength, type and payload (everything before it)
/// </code>
/// All integers little-endian. A record is written with a single positional write, so a crash leaves at most the last
/// record incomplete.
/// </summary>
internal static class RecordFile
{
    public const int HeaderSize = 32;
    public const int RecordOverhead = 4 + 1 + 4;

    public static void WriteHeader(Span<byte> header, ulong magic, ushort version, uint kind, long createdUnixNs)
    {
        header[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], kind);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], createdUnixNs);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32.Compute(header[..28]));
    }

    public static bool IsValidHeader(ReadOnlySpan<byte> header, ulong magic, ushort version, uint kind) =>
        header.Length >= HeaderSize
        && BinaryPrimitives.ReadUInt64LittleEndian(header) == magic
        && BinaryPrimitives.ReadUInt16LittleEndian(header[8..]) == version
        && BinaryPrimitives.ReadUInt16LittleEndian(header[10..]) == HeaderSize
        && BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) == kind
        && BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) == Crc32.Compute(header[..28]);

    /// <summary>Frames <paramref name="payload"/> into <paramref name="destination"/>; returns the record length.</summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Frame(Span<byte> destination, byte type, ReadOnlySpan<byte> payload)
    {
        int total = RecordOverhead + payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        destination[4] = type;
        payload.CopyTo(destination[5..]);
        uint crc = Crc32.Compute(destination[..(5 + payload.Length)]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(5 + payload.Length)..], crc);
        return total;
    }
}

/// <summary>
/// Reads the records of a record file held in memory, front to back. <see cref="TryRead"/> returns false at the end
/// or at the first bad record; <see cref="Tail"/> then says which, and <see cref="Offset"/> is the end of the last
/// good record (the length to keep).
/// </summary>
internal ref struct RecordReader
{
    private readonly ReadOnlySpan<byte> _file;
    private readonly int _maxPayload;
    private int _offset;

    public RecordReader(ReadOnlySpan<byte> file, int maxPayload)
    {
        _file = file;
        _maxPayload = maxPayload;
        _offset = RecordFile.HeaderSize;
        Tail = RecordFileTail.Clean;
    }

    public readonly int Offset => _offset;
    public RecordFileTail Tail { get; private set; }

    public bool TryRead(out byte type, out ReadOnlySpan<byte> payload)
    {
        type = 0;
        payload = default;
        int remaining = _file.Length - _offset;
        if (remaining == 0) return false;
        if (remaining < 5) return RejectRecord();
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_file[_offset..]);
        if (length == 0 || length > (uint)_maxPayload) return RejectRecord();
        int total = RecordFile.RecordOverhead + (int)length;
        if (remaining < total) return RejectRecord();
        var record = _file.Slice(_offset, total);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(record[(total - 4)..]);
        if (crc != Crc32.Compute(record[..(total - 4)])) return RejectRecord();
        type = record[4];
        payload = record.Slice(5, (int)length);
        _offset += total;
        return true;
    }

    /// <summary>A bad record at <see cref="Offset"/>: torn when nothing but zeros lies beyond one largest record from it (the
    /// tail is shorter than the largest record; or it is a partly written record followed by zeros — what a file system
    /// leaves after a crash that extended the file, and what a crash mid-append leaves in a pre-allocated, memory-mapped
    /// journal), else corrupt.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RejectRecord()
    {
        var tail = _file[_offset..];
        int oneRecord = RecordFile.RecordOverhead + _maxPayload;
        bool torn = tail.Length < oneRecord || tail[oneRecord..].IndexOfAnyExcept((byte)0) < 0;
        Tail = torn ? RecordFileTail.Torn : RecordFileTail.Corrupt;
        return false;
    }
}

/// <summary>
/// Single-writer append of framed records with positional writes and an <see cref="FsyncPolicy"/>. Not thread-safe.
/// After an I/O error the writer is faulted: every later append fails (fail closed: the file position is no longer known
/// to be a record boundary; reopening runs recovery).
/// </summary>
internal sealed class RecordFileWriter : IRecordWriter
{
    private readonly SafeFileHandle _handle;
    private readonly byte[] _scratch;
    private readonly FsyncPolicy _policy;
    private readonly int _everyN;
    private readonly long _intervalNs;
    private long _position;
    private int _sinceSync;
    private long _lastSyncNs;
    private bool _faulted;

    public RecordFileWriter(SafeFileHandle handle, long position, int maxRecordLength, FsyncPolicy policy, int everyN, long intervalNs)
    {
        _handle = handle;
        _position = position;
        _scratch = new byte[maxRecordLength];
        _policy = policy;
        _everyN = Math.Max(1, everyN);
        _intervalNs = Math.Max(0, intervalNs);
        _lastSyncNs = EngineClock.NowUnixNs();
    }

    public long Position => _position;
    public long FsyncCount { get; private set; }
    public bool IsFaulted => _faulted;
    public Exception? LastError { get; private set; }

    public RecordWriteStatus Append(byte type, ReadOnlySpan<byte> payload)
    {
        if (_faulted) return RecordWriteStatus.Faulted;
        int length = RecordFile.Frame(_scratch, type, payload);
        try
        {
            RandomAccess.Write(_handle, new ReadOnlySpan<byte>(_scratch, 0, length), _position);
            _position += length;
            MaybeSync();
            return RecordWriteStatus.Ok;
        }
        catch (IOException e)
        {
            return Fault(e);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fault(e);
        }
    }

    private void MaybeSync()
    {
        switch (_policy)
        {
            case FsyncPolicy.EveryRecord:
                Sync();
                break;
            case FsyncPolicy.EveryN:
                if (++_sinceSync >= _everyN) Sync();
                break;
            case FsyncPolicy.Interval:
                _sinceSync++;
                if (EngineClock.NowUnixNs() - _lastSyncNs >= _intervalNs) Sync();
                break;
        }
    }

    private void Sync()
    {
        RandomAccess.FlushToDisk(_handle);
        _sinceSync = 0;
        _lastSyncNs = EngineClock.NowUnixNs();
        FsyncCount++;
    }

    /// <summary>Forces written records to stable storage now (any policy).</summary>
    public bool FlushToDisk()
    {
        if (_faulted) return false;
        try
        {
            Sync();
            return true;
        }
        catch (IOException e)
        {
            Fault(e);
            return false;
        }
    }

    public void MarkFaulted(Exception e) => Fault(e);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RecordWriteStatus Fault(Exception e)
    {
        _faulted = true;
        LastError = e;
        return RecordWriteStatus.IoError;
    }

    public void Dispose()
    {
        if (!_handle.IsClosed)
        {
            if (!_faulted && _sinceSync > 0 && _policy != FsyncPolicy.Never)
            {
                try { RandomAccess.FlushToDisk(_handle); } catch (IOException) { }
            }
            _handle.Dispose();
        }
    }

    /// <summary>
    /// Opens (or creates) a record file for appending: a missing or header-torn file gets a fresh header; an existing one
    /// is scanned by the caller first. Returns the handle positioned by the caller's valid length.
    /// </summary>
    public static SafeFileHandle OpenForAppend(string path, ulong magic, ushort version, uint kind, long validLength, out long position)
    {
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (validLength < RecordFile.HeaderSize)
            {
                Span<byte> header = stackalloc byte[RecordFile.HeaderSize];
                RecordFile.WriteHeader(header, magic, version, kind, EngineClock.NowUnixNs());
                RandomAccess.SetLength(handle, 0);
                RandomAccess.Write(handle, header, 0);
                RandomAccess.FlushToDisk(handle);
                position = RecordFile.HeaderSize;
            }
            else
            {
                if (RandomAccess.GetLength(handle) != validLength)
                {
                    RandomAccess.SetLength(handle, validLength);
                    RandomAccess.FlushToDisk(handle);
                }
                position = validLength;
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
