using System.Buffers.Binary;
using System.IO.Compression;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class Crc32GzipTests
{
    [Fact]
    public void Compute_StandardCheckString_IsCbf43926()
    {
        // The catalogued check value of CRC-32/ISO-HDLC (IEEE 802.3).
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Compute_Empty_IsZero() => Assert.Equal(0u, Crc32.Compute([]));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(1000)]
    [InlineData(65_537)]
    public void Compute_MatchesGzipTrailer(int length)
    {
        // External truth: the gzip trailer written by System.IO.Compression (zlib) holds CRC-32 of the input.
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        var bytes = compressed.ToArray();
        uint trailer = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        Assert.Equal(trailer, Crc32.Compute(data));
    }

    [Fact]
    public void Append_SplitAtEveryByte_EqualsWhole()
    {
        var data = new byte[64];
        new Random(3).NextBytes(data);
        uint whole = Crc32.Compute(data);
        for (int split = 0; split <= data.Length; split++)
            Assert.Equal(whole, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }
}
