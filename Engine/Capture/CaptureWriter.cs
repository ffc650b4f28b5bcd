using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FastEngine.Model;

namespace FastEngine.Capture;

/// <summary>Settings of a <see cref="CaptureWriter"/>.</summary>
public sealed class CaptureWriterOptions
{
    /// <summary>Hand buffered records to the OS after this many records (1 = after every record). Default 256.</summary>
    public int FlushEveryRecords { get; init; } = 256;
    /// <summary>Size of the pooled write buffer. Records larger than it are written straight through. Default 64 KiB.</summary>
    public int BufferSize { get; init; } = 64 * 1024;
    /// <summary>When true, every flush also forces the data to the storage device (fsync). Default false.</summary>
    public bool FsyncOnFlush { get; init; }
    /// <summary>Free text stored in the file header (program, version, host). Default: FastEngine version and runtime.</summary>
    public string? WriterInfo { get; init; }
    /// <summary>Creation time stored in the header (Unix ns). Default: now.</summary>
    public long? CreatedUnixNs { get; init; }
}

/// <summary>
/// Appends records to a FastEngine capture file (layout: <see cref="CaptureFile"/>).
/// </summary>
/// <remarks>
/// <para>Thread-safety: one writer thread. No method may be called concurrently (the capture stage owns it).
/// Readers may open the same file at any time (<see cref="CaptureReader"/> follows it).</para>
/// <para>Durability: records are buffered in a pooled buffer and handed to the OS every
/// <see cref="CaptureWriterOptions.FlushEveryRecords"/> records, on <see cref="Flush"/> and on <see cref="Dispose"/>;
/// with <see cref="CaptureWriterOptions.FsyncOnFlush"/> each of those also fsyncs. A crash loses at most the records
/// since the last flush and leaves at most one torn record at the end, which readers detect and report.</para>
/// <para>Allocation: none per record after construction.</para>
/// </remarks>
public sealed class CaptureWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _fsync;
    private readonly int _flushEvery;
    private byte[] _buffer;
    private int _buffered;
    private int _sinceFlush;
    private bool _disposed;

    /// <summary>Creates (or truncates) <paramref name="path"/> and writes the file header.</summary>
    public static CaptureWriter Create(string path, CaptureWriterOptions? options = null)
    {
        // bufferSize 0: this class buffers; FileShare.Read lets readers follow the file while it grows.
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        return new CaptureWriter(stream, options, leaveOpen: false);
    }

    /// <summary>Writes the file header to <paramref name="stream"/> (at its current position) and appends records after it.</summary>
    public CaptureWriter(Stream stream, CaptureWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new CaptureWriterOptions();
        if (options.FlushEveryRecords < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.FlushEveryRecords, "FlushEveryRecords must be >= 1");
        if (options.BufferSize < 4096)
            throw new ArgumentOutOfRangeException(nameof(options), options.BufferSize, "BufferSize must be >= 4096");
        _stream = stream;
        _leaveOpen = leaveOpen;
        _fsync = options.FsyncOnFlush;
        _flushEvery = options.FlushEveryRecords;
        _buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);

        byte[] info = options.WriterInfo is { } text ? Encoding.UTF8.GetBytes(text) : CaptureFile.DefaultWriterInfo();
        if (info.Length > 1024) Array.Resize(ref info, 1024);
        _buffered = CaptureFile.WriteFileHeader(_buffer, options.CreatedUnixNs ?? EngineClock.NowUnixNs(), info);
        // The header reaches the OS at once so a reader opening the new file sees a valid header.
        Flush();
    }

    /// <summary>Records appended so far.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Bytes appended so far (header included), buffered or not.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Appends <paramref name="record"/> (its <see cref="CaptureRecord.SourcePosition"/> is not stored).</summary>
    public void Write(in CaptureRecord record) =>
        Write(record.ReceiveTimeNs, record.ConnectionId, record.Venue, record.Kind, record.Address.Span, record.Payload.Span, record.Flags);

    /// <summary>Appends one record.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind, address over 65,535 bytes or body over <see cref="CaptureFile.MaxBodyLength"/>.</exception>
    public void Write(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind,
        ReadOnlySpan<byte> address, ReadOnlySpan<byte> payload, CaptureRecordFlags flags = CaptureRecordFlags.None)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (kind is < CaptureRecordKind.ConnectionOpened or > CaptureRecordKind.ConnectionClosed
            || address.Length > ushort.MaxValue || (long)address.Length + payload.Length > CaptureFile.MaxBodyLength)
            ThrowBadRecord(kind, address.Length, payload.Length);

        int total = CaptureFile.RecordHeaderSize + address.Length + payload.Length + CaptureFile.RecordTrailerSize;
        if (_buffer.Length - _buffered < total)
        {
            WriteBuffer();
            if (_buffer.Length < total)
            {
                WriteLargeSlow(receiveTimeNs, connectionId, venue, kind, address, payload, flags);
                AfterRecord(total);
                return;
            }
        }

        Span<byte> dst = _buffer.AsSpan(_buffered, total);
        CaptureFile.WriteRecordHeader(dst, receiveTimeNs, connectionId, venue, kind, flags, address.Length, payload.Length);
        address.CopyTo(dst[CaptureFile.RecordHeaderSize..]);
        payload.CopyTo(dst[(CaptureFile.RecordHeaderSize + address.Length)..]);
        int crcAt = total - CaptureFile.RecordTrailerSize;
        BinaryPrimitives.WriteUInt32LittleEndian(dst[crcAt..], Crc32.Compute(dst[..crcAt]));
        _buffered += total;
        AfterRecord(total);
    }

    private void AfterRecord(int total)
    {
        RecordCount++;
        BytesWritten += total;
        if (++_sinceFlush >= _flushEvery) Flush();
    }

    /// <summary>A record bigger than the buffer: header, body and trailer go straight to the stream (buffer is empty).</summary>
    private void WriteLargeSlow(long receiveTimeNs, uint connectionId, VenueId venue, CaptureRecordKind kind,
        ReadOnlySpan<byte> address, ReadOnlySpan<byte> payload, CaptureRecordFlags flags)
    {
        Span<byte> header = stackalloc byte[CaptureFile.RecordHeaderSize];
        CaptureFile.WriteRecordHeader(header, receiveTimeNs, connectionId, venue, kind, flags, address.Length, payload.Length);
        uint crc = Crc32.Append(Crc32.Append(Crc32.Compute(header), address), payload);
        Span<byte> trailer = stackalloc byte[CaptureFile.RecordTrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        _stream.Write(header);
        _stream.Write(address);
        _stream.Write(payload);
        _stream.Write(trailer);
    }

    /// <summary>Hands every buffered record to the OS (and fsyncs when configured).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBuffer();
        if (_fsync && _stream is FileStream file) file.Flush(flushToDisk: true);
        else _stream.Flush();
        _sinceFlush = 0;
    }

    private void WriteBuffer()
    {
        if (_buffered == 0) return;
        _stream.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    /// <summary>Flushes, returns the buffer to the pool and closes the stream (unless leaveOpen).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            Flush();
        }
        finally
        {
            _disposed = true;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            if (!_leaveOpen) _stream.Dispose();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowBadRecord(CaptureRecordKind kind, int addressLength, int payloadLength) =>
        throw new ArgumentOutOfRangeException(nameof(kind),
            $"cannot write record: kind {kind} (allowed 1..6), address {addressLength} B (max 65535), body {(long)addressLength + payloadLength} B (max {CaptureFile.MaxBodyLength})");
}
