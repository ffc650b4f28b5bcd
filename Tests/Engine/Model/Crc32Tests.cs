using System.Text;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckValue()
    {
        // CRC-32/ISO-HDLC check value from the CRC catalogue: CRC("123456789") = 0xCBF43926.
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Fact]
    public void Append_InPieces_EqualsWhole()
    {
        var data = Encoding.ASCII.GetBytes("3366.1:7:3366.8:9:3366:6:3368:8 the quick brown fox jumps over the lazy dog");
        uint whole = Crc32.Compute(data);
        for (int split = 0; split <= data.Length; split++)
            Assert.Equal(whole, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void Compute_MatchesBitwiseReference()
    {
        var rng = new Random(7);
        for (int n = 0; n < 200; n++)
        {
            var data = new byte[rng.Next(0, 300)];
            rng.NextBytes(data);
            uint c = 0xFFFFFFFF;
            foreach (var b in data)
            {
                c ^= b;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            Assert.Equal(~c, Crc32.Compute(data));
        }
    }
}
