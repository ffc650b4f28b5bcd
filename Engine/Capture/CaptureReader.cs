using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using FastEngine.Model;
using Microsoft.Win32.SafeHandles;

namespace FastEngine.Capture;

/// <summary>Outcome of <see cref="CaptureReader.Read"/>.</summary>
public enum CaptureReadStatus : byte
{
    /// <summary><see cref="CaptureReader.Current"/> holds a new, CRC-checked record.</summary>
    Record = 0,
    /// <summary>The data ends exactly after a complete record. More may come if a writer is still appending.</summary>
    EndOfData,
    /// <summary>
    /// The data ends inside a record (a torn tail: the writer is mid-write, or crashed). Nothing was consumed: call
    /// again later to continue, or stop. Also returned while scanning past corruption when the data runs out.
    /// </summary>
    Incomplete,
    /// <summary>Reading stopped for good; <see cref="CaptureReader.FailureMessage"/> says why.</summary>
    Failed,
}

/// <summary>The kinds of damage a <see cref="CaptureReader"/> reports.</summary>
public enum CaptureReadErrorKind : byte
{
    /// <summary>The file does not start with a valid FECAP header (wrong magic, unsupported version, bad header CRC).</summary>
    BadFileHeader = 1,
    /// <summary>A record header failed its sync/CRC/length check; the reader scanned forward to the next valid header.</summary>
    CorruptRecordHeader,
    /// <summary>A record's header was valid but its body CRC did not match; the record was skipped.</summary>
    RecordCrcMismatch,
}

/// <summary>One reported error: where (file offset of the damaged record), what, and how many bytes were skipped.</summary>
public readonly record struct CaptureReadError(long Offset, CaptureReadErrorKind Kind, long SkippedBytes);

/// <summary>Settings of a <see cref="CaptureReader"/>.</summary>
public sealed class CaptureReaderOptions
{
    /// <summary>Stop (status <see cref="CaptureReadStatus.Failed"/>) at the first damaged record instead of skipping it. Default false.</summary>
    public bool StopOnCorruption { get; init; }
    /// <summary>Initial size of the pooled read buffer; it grows to the largest record. Default 64 KiB.</summary>
    public int BufferSize { get; init; } = 64 * 1024;
    /// <summary>How many errors are kept in <see cref="CaptureReader.Errors"/> (all are counted). Default 1,000.</summary>
    public int MaxErrorsKept { get; init; } = 1000;
}

/// <summary>
/// Streams the records of a FastEngine capture file (layout: <see cref="CaptureFile"/>), CRC-checking each one.
/// </summary>
/// <remarks>
/// <para>Allocation: none per record after warm-up. The read buffer comes from <see cref="ArrayPool{T}"/> and grows
/// only when a record is larger than any before it. <see cref="Current"/>'s address and payload point into that buffer
/// and stay valid until the next <see cref="Read"/>/<see cref="MoveNext"/>.</para>
/// <para>Following a growing file: a record is returned only when all its bytes and both CRCs are present and valid.
/// At the end of the data the reader answers <see cref="CaptureReadStatus.EndOfData"/> (clean boundary) or
/// <see cref="CaptureReadStatus.Incomplete"/> (torn tail) without consuming anything, so calling again after the
/// writer appended more continues where it stopped. It never throws for bad file content.</para>
/// <para>Damage: a record whose body CRC fails is skipped (its header CRC makes its length trustworthy); a record
/// header that fails its check makes the reader scan forward for the next valid header. Each case is counted and
/// kept in <see cref="Errors"/> with the record's file offset. With <see cref="CaptureReaderOptions.StopOnCorruption"/>
/// the reader fails instead.</para>
/// <para>Thread-safety: one reader thread per instance; several instances may read one file.</para>
/// </remarks>
public sealed class CaptureReader : ICaptureSource
{
    private readonly Stream? _stream;
    private readonly SafeFileHandle? _handle;
    private readonly bool _leaveOpen;
    private readonly bool _stopOnCorruption;
    private readonly int _maxErrorsKept;
    private readonly List<CaptureReadError> _errors = [];
    private long _fileReadOffset;      // handle mode: file offset of the next read
    private byte[] _buffer;
    private int _start;                // first unconsumed byte
    private int _end;                  // end of valid data
    private long _bufferFileOffset;    // file offset of _buffer[0]
    private bool _headerRead;
    private bool _resyncing;
    private long _resyncFrom;
    private int _resyncErrorIndex = -1;
    private bool _failed;
    private CaptureRecord _current;

    /// <summary>Opens <paramref name="path"/> for reading, sharing it with a writer that may still be appending.</summary>
    /// <exception cref="IOException">The file cannot be opened (missing, no permission).</exception>
    public static CaptureReader Open(string path, CaptureReaderOptions? options = null)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new CaptureReader(handle, null, path, options, leaveOpen: false);
    }

    /// <summary>Reads from <paramref name="stream"/> (from its current position).</summary>
    public CaptureReader(Stream stream, CaptureReaderOptions? options = null, bool leaveOpen = false, string? name = null)
        : this(null, stream ?? throw new ArgumentNullException(nameof(stream)), name ?? "stream", options, leaveOpen)
    {
    }

    private CaptureReader(SafeFileHandle? handle, Stream? stream, string name, CaptureReaderOptions? options, bool leaveOpen)
    {
        options ??= new CaptureReaderOptions();
        _handle = handle;
        _stream = stream;
        _leaveOpen = leaveOpen;
        Name = name;
        _stopOnCorruption = options.StopOnCorruption;
        _maxErrorsKept = options.MaxErrorsKept;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, options.BufferSize));
    }

    public string Name { get; }

    /// <summary>The file header, once the first <see cref="Read"/> has read it (null before, or when it is bad).</summary>
    public CaptureFileHeader? Header { get; private set; }

    /// <summary>The record the last successful read produced (valid until the next read).</summary>
    public CaptureRecord Current => _current;

    /// <summary>The status of the last read.</summary>
    public CaptureReadStatus Status { get; private set; } = CaptureReadStatus.EndOfData;

    /// <summary>Why reading failed (status <see cref="CaptureReadStatus.Failed"/>), else null.</summary>
    public string? FailureMessage { get; private set; }

    /// <summary>Records returned so far.</summary>
    public long RecordsRead { get; private set; }
    /// <summary>Records skipped because their body CRC did not match.</summary>
    public long CrcErrors { get; private set; }
    /// <summary>Damaged record headers found (each followed by a scan to the next valid header).</summary>
    public long HeaderErrors { get; private set; }
    /// <summary>Bytes passed over because of damage.</summary>
    public long SkippedBytes { get; private set; }
    /// <summary>The first <see cref="CaptureReaderOptions.MaxErrorsKept"/> errors, in file order.</summary>
    public IReadOnlyList<CaptureReadError> Errors => _errors;

    /// <summary>File offset of the next unread byte (the start of the torn record when <see cref="Status"/> is Incomplete).</summary>
    public long Position => _bufferFileOffset + _start;

    /// <summary><see cref="Read"/> == <see cref="CaptureReadStatus.Record"/>.</summary>
    public bool MoveNext() => Read() == CaptureReadStatus.Record;

    /// <summary>Reads the next complete record into <see cref="Current"/>, or says why none is available now.</summary>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public CaptureReadStatus Read()
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        return Status = ReadCore();
    }

    private CaptureReadStatus ReadCore()
    {
        if (_failed) return CaptureReadStatus.Failed;
        if (!_headerRead)
        {
            var headerStatus = ReadFileHeaderSlow();
            if (headerStatus != CaptureReadStatus.Record) return headerStatus;
        }

        while (true)
        {
            if (_resyncing)
            {
                var resync = ResyncSlow();
                if (resync != CaptureReadStatus.Record) return resync;
            }

            if (!Fill(CaptureFile.RecordHeaderSize))
                return _start == _end ? CaptureReadStatus.EndOfData : CaptureReadStatus.Incomplete;

            ReadOnlySpan<byte> header = _buffer.AsSpan(_start, CaptureFile.RecordHeaderSize);
            if (!CaptureFile.IsValidRecordHeader(header, out int bodyLength, out int addressLength))
            {
                if (RejectHeader()) return CaptureReadStatus.Failed;
                continue;
            }

            int total = CaptureFile.RecordHeaderSize + bodyLength + CaptureFile.RecordTrailerSize;
            if (!Fill(total)) return CaptureReadStatus.Incomplete;

            // Fill may have moved the data: take spans again.
            ReadOnlySpan<byte> record = _buffer.AsSpan(_start, total);
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(record[(total - CaptureFile.RecordTrailerSize)..]);
            if (Crc32.Compute(record[..(total - CaptureFile.RecordTrailerSize)]) != stored)
            {
                if (RejectCrc(total)) return CaptureReadStatus.Failed;
                continue;
            }

            _current = new CaptureRecord(
                BinaryPrimitives.ReadInt64LittleEndian(record[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(record[16..]),
                new VenueId(BinaryPrimitives.ReadUInt16LittleEndian(record[20..])),
                (CaptureRecordKind)record[22],
                new ReadOnlyMemory<byte>(_buffer, _start + CaptureFile.RecordHeaderSize, addressLength),
                new ReadOnlyMemory<byte>(_buffer, _start + CaptureFile.RecordHeaderSize + addressLength, bodyLength - addressLength),
                (CaptureRecordFlags)record[23],
                _bufferFileOffset + _start);
            _start += total;
            RecordsRead++;
            return CaptureReadStatus.Record;
        }
    }

    /// <summary>Ensures <paramref name="need"/> bytes are buffered from <see cref="_start"/>; false when the data ends first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fill(int need) => _end - _start >= need || FillSlow(need);

    private bool FillSlow(int need)
    {
        if (_buffer.Length < need)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(need);
            _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _bufferFileOffset += _start;
            _end -= _start;
            _start = 0;
        }
        else if (_buffer.Length - _start < need)
        {
            int kept = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
            _bufferFileOffset += _start;
            _start = 0;
            _end = kept;
        }

        while (_end - _start < need)
        {
            int n = ReadSource(_buffer.AsSpan(_end));
            if (n <= 0) return false;
            _end += n;
        }
        return true;
    }

    private int ReadSource(Span<byte> destination)
    {
        if (_handle is not null)
        {
            int n = RandomAccess.Read(_handle, destination, _fileReadOffset);
            _fileReadOffset += n;
            return n;
        }
        return _stream!.Read(destination);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CaptureReadStatus ReadFileHeaderSlow()
    {
        if (!Fill(CaptureFile.FileHeaderFixedSize))
        {
            if (_end > _start && !CaptureFile.Magic[..Math.Min(5, _end - _start)].SequenceEqual(_buffer.AsSpan(_start, Math.Min(5, _end - _start))))
                return FailHeader("not a FastEngine capture file (magic 'FECAP' missing)");
            return CaptureReadStatus.Incomplete;
        }
        ReadOnlySpan<byte> h = _buffer.AsSpan(_start, CaptureFile.FileHeaderFixedSize);
        if (!h[..5].SequenceEqual(CaptureFile.Magic))
            return FailHeader("not a FastEngine capture file (magic 'FECAP' missing)");
        if (h[5] != CaptureFile.Version)
            return FailHeader($"unsupported capture format version {h[5]} (this reader supports {CaptureFile.Version})");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(h[6..]);
        int infoLength = BinaryPrimitives.ReadUInt16LittleEndian(h[16..]);
        if (length != CaptureFile.FileHeaderFixedSize + infoLength + 4)
            return FailHeader($"file header length {length} does not match writer-info length {infoLength}");
        if (!Fill(length)) return CaptureReadStatus.Incomplete;
        h = _buffer.AsSpan(_start, length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(h[(length - 4)..]) != Crc32.Compute(h[..(length - 4)]))
            return FailHeader("file header CRC mismatch");
        Header = new CaptureFileHeader(h[5], BinaryPrimitives.ReadInt64LittleEndian(h[8..]),
            Encoding.UTF8.GetString(h.Slice(CaptureFile.FileHeaderFixedSize, infoLength)), length);
        _start += length;
        _headerRead = true;
        return CaptureReadStatus.Record;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CaptureReadStatus FailHeader(string message)
    {
        AddError(new CaptureReadError(_bufferFileOffset + _start, CaptureReadErrorKind.BadFileHeader, 0));
        return Fail($"{Name}: {message}");
    }

    private CaptureReadStatus Fail(string message)
    {
        _failed = true;
        FailureMessage = message;
        return CaptureReadStatus.Failed;
    }

    /// <summary>Counts a damaged record header; returns true when the reader must stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RejectHeader()
    {
        long offset = _bufferFileOffset + _start;
        HeaderErrors++;
        if (_stopOnCorruption)
        {
            AddError(new CaptureReadError(offset, CaptureReadErrorKind.CorruptRecordHeader, 0));
            Fail($"{Name}: corrupt record header at offset {offset}");
            return true;
        }
        _resyncing = true;
        _resyncFrom = offset;
        _resyncErrorIndex = _errors.Count < _maxErrorsKept ? _errors.Count : -1;
        AddError(new CaptureReadError(offset, CaptureReadErrorKind.CorruptRecordHeader, 0));
        _start += 1;
        return false;
    }

    /// <summary>Counts and skips a record whose body CRC failed; returns true when the reader must stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RejectCrc(int total)
    {
        long offset = _bufferFileOffset + _start;
        CrcErrors++;
        if (_stopOnCorruption)
        {
            AddError(new CaptureReadError(offset, CaptureReadErrorKind.RecordCrcMismatch, 0));
            Fail($"{Name}: record CRC mismatch at offset {offset}");
            return true;
        }
        AddError(new CaptureReadError(offset, CaptureReadErrorKind.RecordCrcMismatch, total));
        SkippedBytes += total;
        _start += total;
        return false;
    }

    /// <summary>Scans for the next record header whose sync, CRC and lengths hold. Record = found (at _start).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CaptureReadStatus ResyncSlow()
    {
        ReadOnlySpan<byte> sync = [0x46, 0x45, 0x52, 0x31]; // "FER1"
        while (true)
        {
            int at = _buffer.AsSpan(_start, _end - _start).IndexOf(sync);
            if (at < 0)
            {
                // Keep the last 3 bytes: a marker may straddle the next read.
                _start = Math.Max(_start, _end - 3);
                if (!FillSlow(_end - _start + 1)) return CaptureReadStatus.Incomplete;
                continue;
            }
            _start += at;
            if (!Fill(CaptureFile.RecordHeaderSize)) return CaptureReadStatus.Incomplete;
            if (CaptureFile.IsValidRecordHeader(_buffer.AsSpan(_start, CaptureFile.RecordHeaderSize), out _, out _))
            {
                long skipped = _bufferFileOffset + _start - _resyncFrom;
                SkippedBytes += skipped;
                if (_resyncErrorIndex >= 0) _errors[_resyncErrorIndex] = _errors[_resyncErrorIndex] with { SkippedBytes = skipped };
                _resyncing = false;
                return CaptureReadStatus.Record;
            }
            _start += 1;
        }
    }

    private void AddError(CaptureReadError error)
    {
        if (_errors.Count < _maxErrorsKept) _errors.Add(error);
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _current = default;
        if (!_leaveOpen)
        {
            _handle?.Dispose();
            _stream?.Dispose();
        }
    }
}
