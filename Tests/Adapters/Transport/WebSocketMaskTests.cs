using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class WebSocketMaskTests
{
    [Fact]
    public void MaskCopy_RfcMaskedHelloExample_ProducesDocumentedBytes()
    {
        // RFC 6455 §5.7: 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58 contains "Hello".
        byte[] key = [0x37, 0xfa, 0x21, 0x3d];
        var masked = new byte[5];
        WebSocketMask.MaskCopy("Hello"u8, masked, WebSocketMask.ReadKey(key));
        Assert.Equal(new byte[] { 0x7f, 0x9f, 0x4d, 0x51, 0x58 }, masked);
    }

    [Fact]
    public void MaskCopy_AllLengthsAndOffsets_MatchesByteWiseDefinition()
    {
        var random = new Random(6455);
        byte[] key = [0x12, 0x9A, 0xE3, 0x5C];
        uint keyValue = WebSocketMask.ReadKey(key);
        for (int length = 0; length <= 300; length++)
        {
            var source = new byte[length];
            random.NextBytes(source);
            for (int offset = 0; offset < 4; offset++)
            {
                var actual = new byte[length];
                WebSocketMask.MaskCopy(source, actual, keyValue, offset);
                for (int i = 0; i < length; i++)
                    Assert.Equal((byte)(source[i] ^ key[(i + offset) % 4]), actual[i]);
            }
        }
    }

    [Fact]
    public void MaskInPlace_Twice_RestoresOriginal()
    {
        var data = new byte[1000];
        new Random(1).NextBytes(data);
        var copy = data.ToArray();
        WebSocketMask.MaskInPlace(data, 0xDEADBEEF);
        Assert.NotEqual(copy, data);
        WebSocketMask.MaskInPlace(data, 0xDEADBEEF);
        Assert.Equal(copy, data);
    }
}
