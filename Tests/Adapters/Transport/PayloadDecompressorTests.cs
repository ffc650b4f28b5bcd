using System.Buffers;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class PayloadDecompressorTests
{
    private static string Fixture(string relative)
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "Tests", "Fixtures", relative);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("Fixture not found above " + AppContext.BaseDirectory, relative);
    }

    [Fact]
    public void TryDecompress_RecordedHtxGzipFrames_EqualCPythonGunzipOutput()
    {
        string[] frames = File.ReadAllLines(Fixture("Htx/spot_gzip_frames.b64.txt"));
        string[] expected = File.ReadAllLines(Fixture("Htx/spot_gzip_frames.expected.jsonl"));
        Assert.Equal(6, frames.Length);
        using var decompressor = new PayloadDecompressor(initialBufferSize: 256); // forces buffer growth
        for (int i = 0; i < frames.Length; i++)
        {
            byte[] compressed = Convert.FromBase64String(frames[i]);
            Assert.Equal(PayloadDecompressReason.None,
                decompressor.TryDecompress(new ReadOnlySequence<byte>(compressed), PayloadCompression.Gzip, out ReadOnlySpan<byte> output));
            Assert.Equal(expected[i], Encoding.UTF8.GetString(output));
            // Same result when the frame arrives one byte per segment.
            Assert.Equal(PayloadDecompressReason.None,
                decompressor.TryDecompress(Sequences.OneBytePerSegment(compressed), PayloadCompression.Gzip, out output));
            Assert.Equal(expected[i], Encoding.UTF8.GetString(output));
        }
    }

    [Theory]
    [InlineData(0, PayloadCompression.Deflate)]
    [InlineData(1, PayloadCompression.ZLib)]
    public void TryDecompress_PythonZlibEncodedSamples_EqualOriginalText(int line, PayloadCompression compression)
    {
        string[] lines = File.ReadAllLines(Fixture("Transport/python_zlib_samples.txt"));
        using var decompressor = new PayloadDecompressor();
        Assert.Equal(PayloadDecompressReason.None,
            decompressor.TryDecompress(new ReadOnlySequence<byte>(Convert.FromBase64String(lines[line])), compression, out ReadOnlySpan<byte> output));
        Assert.Equal(lines[2], Encoding.UTF8.GetString(output));
    }

    [Fact]
    public void TryDecompress_CorruptedGzip_RejectedAndCountedNotThrown()
    {
        byte[] frame = Convert.FromBase64String(File.ReadAllLines(Fixture("Htx/spot_gzip_frames.b64.txt"))[3]);
        frame[frame.Length / 2] ^= 0x55; // damage the deflate body (or its CRC check fails)
        using var decompressor = new PayloadDecompressor();
        Assert.Equal(PayloadDecompressReason.InvalidData,
            decompressor.TryDecompress(new ReadOnlySequence<byte>(frame), PayloadCompression.Gzip, out _));
        Assert.Equal(PayloadDecompressReason.InvalidData,
            decompressor.TryDecompress(new ReadOnlySequence<byte>("not gzip at all"u8.ToArray()), PayloadCompression.Gzip, out _));
        Assert.Equal(2, decompressor.Rejected);
    }

    [Fact]
    public void TryDecompress_OutputOverLimit_TooLarge()
    {
        var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(new byte[200_000]);
        using var decompressor = new PayloadDecompressor(maxOutputSize: 100_000, initialBufferSize: 1024);
        Assert.Equal(PayloadDecompressReason.TooLarge,
            decompressor.TryDecompress(new ReadOnlySequence<byte>(compressed.ToArray()), PayloadCompression.Gzip, out _));
    }
}
