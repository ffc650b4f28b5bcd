using System.Buffers;
using System.Text.Unicode;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class Utf8ValidationTests
{
    public static TheoryData<byte[]> Samples() => new()
    {
        "plain ascii {\"p\":\"123.45\"}"u8.ToArray(),
        "κόσμε 中文 €100 𝄞 end"u8.ToArray(),
        new byte[] { 0xC0, 0xAF },                   // overlong '/'
        new byte[] { 0xE0, 0x80, 0xAF },             // overlong
        new byte[] { 0xED, 0xA0, 0x80 },             // UTF-16 surrogate
        new byte[] { 0xF4, 0x90, 0x80, 0x80 },       // above U+10FFFF
        new byte[] { 0x41, 0xE2, 0x82 },             // truncated at the end
        new byte[] { 0xE2, 0x82, 0x41, 0x41 },       // truncated in the middle
        new byte[] { 0x80 },                         // lone continuation
        new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 }, // 5-byte form
        new byte[] { 0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64 },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void IsValid_SplitAtEveryByteAndOneBytePerSegment_AgreesWithRuntimeValidator(byte[] sample)
    {
        bool expected = Utf8.IsValid(sample); // the runtime's validator is the reference
        Assert.Equal(expected, Utf8Validation.IsValid(new ReadOnlySequence<byte>(sample)));
        for (int split = 0; split <= sample.Length; split++)
            Assert.Equal(expected, Utf8Validation.IsValid(Sequences.SplitAt(sample, split)));
        Assert.Equal(expected, Utf8Validation.IsValid(Sequences.OneBytePerSegment(sample)));
    }

    [Fact]
    public void IsValid_RandomBytesInRandomSegments_AgreesWithRuntimeValidator()
    {
        var random = new Random(8);
        byte[] alphabet = [0x41, 0x80, 0xBF, 0xC2, 0xE0, 0xE2, 0xED, 0xF0, 0xF4, 0xA0, 0x9F, 0x90];
        for (int run = 0; run < 5000; run++)
        {
            var sample = new byte[random.Next(0, 12)];
            for (int i = 0; i < sample.Length; i++)
                sample[i] = alphabet[random.Next(alphabet.Length)];
            var chunks = new List<byte[]>();
            int position = 0;
            while (position < sample.Length)
            {
                int take = random.Next(1, 4);
                take = Math.Min(take, sample.Length - position);
                chunks.Add(sample[position..(position + take)]);
                position += take;
            }
            Assert.Equal(Utf8.IsValid(sample), Utf8Validation.IsValid(Sequences.FromChunks(chunks)));
        }
    }
}
