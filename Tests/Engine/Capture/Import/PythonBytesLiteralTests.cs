using System.IO.Compression;
using System.Text;
using FastEngine.Capture.Import;

namespace FastEngine.Tests.Engine.Capture.Import;

public class PythonBytesLiteralTests
{
    [Theory]
    [InlineData("b'abc'", new byte[] { 0x61, 0x62, 0x63 })]
    [InlineData("b'\\x1f\\x8b\\x08\\x00'", new byte[] { 0x1F, 0x8B, 0x08, 0x00 })]
    [InlineData("b'\\t\\n\\r\\\\\\''", new byte[] { 9, 10, 13, 0x5C, 0x27 })]
    [InlineData("b\"it's\"", new byte[] { 0x69, 0x74, 0x27, 0x73 })]
    [InlineData("b''", new byte[0])]
    public void TryUnescape_PythonReprForms(string literal, byte[] expected)
    {
        var buffer = new byte[literal.Length];
        Assert.True(PythonBytesLiteral.TryUnescape(Encoding.ASCII.GetBytes(literal), buffer, out int n));
        Assert.Equal(expected, buffer[..n]);
    }

    [Theory]
    [InlineData("b'abc")]
    [InlineData("b'\\xZZ'")]
    [InlineData("b'\\x1'")]
    [InlineData("b'\\q'")]
    [InlineData("b'a'b'")]
    [InlineData("'abc'")]
    [InlineData("b'tab\there'")]
    public void TryUnescape_Malformed_False(string literal)
    {
        var buffer = new byte[literal.Length];
        Assert.False(PythonBytesLiteral.TryUnescape(Encoding.ASCII.GetBytes(literal), buffer, out _));
    }

    [Fact]
    public void TryGunzip_RoundTripsGzipStreamOutput()
    {
        byte[] json = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"ping\":1618678070653}", 500)));
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(json);
        byte[] output = [];
        Assert.True(PythonBytesLiteral.TryGunzip(compressed.GetBuffer(), 0, (int)compressed.Length, ref output, out int n));
        Assert.Equal(json, output[..n]);
    }

    [Fact]
    public void TryGunzip_Corrupt_False()
    {
        byte[] garbage = [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x12, 0x34, 0x56];
        byte[] output = [];
        Assert.False(PythonBytesLiteral.TryGunzip(garbage, 0, garbage.Length, ref output, out _));
    }
}
