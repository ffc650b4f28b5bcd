using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class Crc32CombineTests
{
    [Fact]
    public void Combine_CheckStringSplitAtEveryByte_IsCbf43926()
    {
        // External truth: the catalogued CRC-32/ISO-HDLC check value of "123456789".
        var data = "123456789"u8.ToArray();
        for (int split = 0; split <= data.Length; split++)
        {
            uint a = Crc32.Compute(data.AsSpan(0, split)), b = Crc32.Compute(data.AsSpan(split));
            Assert.Equal(0xCBF43926u, Crc32.Combine(a, b, data.Length - split));
        }
    }

    [Fact]
    public void Combine_RandomInputs_EqualsCrcOfConcatenation()
    {
        var rng = new Random(11);
        for (int n = 0; n < 2_000; n++)
        {
            // Lengths cross the 64-byte (scalar loop) and 256-byte (shift table) boundaries.
            var a = new byte[rng.Next(0, 300)];
            var b = new byte[n < 1_000 ? rng.Next(0, 80) : rng.Next(0, 700)];
            rng.NextBytes(a);
            rng.NextBytes(b);
            uint whole = Crc32.Compute([.. a, .. b]);
            Assert.Equal(whole, Crc32.Combine(Crc32.Compute(a), Crc32.Compute(b), b.Length));
            Assert.Equal(whole, Crc32.ShiftBytesSlow(Crc32.Compute(a), b.Length) ^ Crc32.Compute(b));
        }
    }

    [Fact]
    public void Combine_ManyPiecesWithSeparators_EqualsCrcOfJoinedText()
    {
        // The way books use it: pieces joined by ':' (OKX), each piece's CRC computed once.
        var rng = new Random(5);
        var pieces = Enumerable.Range(0, 50).Select(_ => System.Text.Encoding.ASCII.GetBytes($"{rng.Next(1, 99999)}.{rng.Next(0, 999)}:{rng.Next(1, 9999)}")).ToArray();
        uint crc = 0;
        for (int i = 0; i < pieces.Length; i++)
        {
            if (i > 0) crc = Crc32.Append(crc, (byte)':');
            crc = Crc32.Combine(crc, Crc32.Compute(pieces[i]), pieces[i].Length);
        }
        var joined = System.Text.Encoding.ASCII.GetBytes(string.Join(":", pieces.Select(p => System.Text.Encoding.ASCII.GetString(p))));
        Assert.Equal(Crc32.Compute(joined), crc);
    }

    [Fact]
    public void Append_SingleByte_EqualsSpanAppend()
    {
        uint crc = Crc32.Compute("12345678"u8);
        Assert.Equal(0xCBF43926u, Crc32.Append(crc, (byte)'9'));
    }

    [Fact]
    public void Multiply_CarrylessMatchesBitSerialDefinition()
    {
        var rng = new Random(17);
        for (int n = 0; n < 5_000; n++)
        {
            uint a = (uint)rng.NextInt64(0, 1L << 32), b = (uint)rng.NextInt64(0, 1L << 32);
            Assert.Equal(Crc32.MultiplyScalar(a, b), Crc32.Multiply(a, b));
            Assert.Equal(Crc32.Multiply(a, b), Crc32.Multiply(b, a));
        }
        Assert.Equal(0x12345678u, Crc32.Multiply(0x12345678u, 0x80000000u)); // x^0 is the unit
    }

    [Fact]
    public void ShiftBytes_FastAndScalarPathsAgree()
    {
        // On a PCLMULQDQ CPU ShiftBytes takes the carry-less path below 256 bytes; ShiftBytesSlow is the table path.
        var rng = new Random(23);
        for (int bytes = 0; bytes < 1_100; bytes++)
        {
            uint crc = (uint)rng.NextInt64(0, 1L << 32);
            Assert.Equal(Crc32.ShiftBytesSlow(crc, bytes), Crc32.ShiftBytes(crc, bytes));
        }
    }
}
