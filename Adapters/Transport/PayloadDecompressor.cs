using System.Buffers;
using System.IO.Compression;

namespace FastEngine.Adapters.Transport;

/// <summary>How a venue compresses the payload inside its binary frames.</summary>
public enum PayloadCompression : byte
{
    /// <summary>RFC 1952 gzip member per message (HTX/Huobi).</summary>
    Gzip,
    /// <summary>RFC 1951 raw deflate per message (OKX v3-era feeds, some futures venues).</summary>
    Deflate,
    /// <summary>RFC 1950 zlib per message.</summary>
    ZLib,
}

/// <summary>Why a compressed payload was rejected.</summary>
public enum PayloadDecompressReason : byte
{
    None,
    InvalidData,
    TooLarge,
}

/// <summary>
/// Decompresses venue payloads that are compressed inside binary WebSocket frames (not permessage-deflate) into
/// one pooled buffer. The returned span is valid until the next call. Single-threaded (one per receive thread).
/// </summary>
/// <remarks>Each message is an independent stream, and System.IO.Compression has no public way to reset a decoder,
/// so every call creates one decoder object (tens of bytes of managed state plus native zlib state): venues that
/// compress every message pay that; the output buffer and the input feed are reused. Corrupt input is counted
/// and reported, never thrown.</remarks>
public sealed class PayloadDecompressor : IDisposable
{
    private readonly SequenceFeedStream _feed = new();
    private readonly int _maxOutputSize;
    private byte[] _output;
    private long _rejected;

    public PayloadDecompressor(int maxOutputSize = 16 * 1024 * 1024, int initialBufferSize = 64 * 1024)
    {
        _maxOutputSize = maxOutputSize;
        _output = ArrayPool<byte>.Shared.Rent(Math.Min(initialBufferSize, maxOutputSize));
    }

    /// <summary>Payloads rejected so far (corrupt or over the size limit).</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    public PayloadDecompressReason TryDecompress(in ReadOnlySequence<byte> compressed, PayloadCompression compression,
        out ReadOnlySpan<byte> output)
    {
        output = default;
        _feed.Set(compressed, []);
        int written = 0;
        try
        {
            using Stream decoder = compression switch
            {
                PayloadCompression.Gzip => new GZipStream(_feed, CompressionMode.Decompress, leaveOpen: true),
                PayloadCompression.ZLib => new ZLibStream(_feed, CompressionMode.Decompress, leaveOpen: true),
                _ => new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true),
            };
            while (true)
            {
                if (written == _output.Length)
                {
                    if (_output.Length >= _maxOutputSize)
                        return Reject(PayloadDecompressReason.TooLarge);
                    Grow(written, (int)Math.Min(_maxOutputSize, _output.Length * 2L));
                }
                int n = decoder.Read(_output, written, _output.Length - written);
                if (n == 0)
                    break;
                written += n;
                if (written > _maxOutputSize)
                    return Reject(PayloadDecompressReason.TooLarge);
            }
        }
        catch (InvalidDataException)
        {
            return Reject(PayloadDecompressReason.InvalidData);
        }
        output = _output.AsSpan(0, written);
        return PayloadDecompressReason.None;
    }

    private PayloadDecompressReason Reject(PayloadDecompressReason reason)
    {
        Interlocked.Increment(ref _rejected);
        return reason;
    }

    private void Grow(int used, int newSize)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(newSize);
        _output.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_output);
        _output = bigger;
    }

    public void Dispose()
    {
        if (_output.Length != 0)
            ArrayPool<byte>.Shared.Return(_output);
        _output = [];
    }
}
