using System.Security.Cryptography;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>Our managed SHA-256 against the FIPS 180-4 examples and the platform's implementation.</summary>
public class Sha256Tests
{
    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string Ours(ReadOnlySpan<byte> message)
    {
        Span<byte> hash = stackalloc byte[32];
        FastEngine.Execution.Sha256.HashData(message, hash);
        return Hex(hash);
    }

    [Theory]
    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): one block, two blocks; and the empty message.
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void HashData_FipsExamples_MatchPublishedDigests(string message, string expected)
    {
        Assert.Equal(expected, Ours(Encoding.ASCII.GetBytes(message)));
    }

    [Fact]
    public void HashData_MillionA_MatchesFipsLongMessageDigest()
    {
        // FIPS 180-4 / NIST: SHA-256 of one million 'a'.
        var message = new byte[1_000_000];
        message.AsSpan().Fill((byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Ours(message));
    }

    /// <summary>Every length from 0 to 300 bytes (all padding cases: 55, 56, 63, 64 and multi-block) against the platform's
    /// SHA-256 (OpenSSL on Linux), on random bytes.</summary>
    [Fact]
    public void HashData_AllLengthsTo300_EqualsPlatformSha256()
    {
        var random = new Random(20261122);
        for (int length = 0; length <= 300; length++)
        {
            var message = new byte[length];
            random.NextBytes(message);
            Assert.True(Hex(SHA256.HashData(message)) == Ours(message), $"length {length}");
        }
    }

    [Fact]
    public void HashData_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => FastEngine.Execution.Sha256.HashData("abc"u8, new byte[31]));
    }

    [Fact]
    public void HashData_AfterWarmUp_AllocatesNothing()
    {
        Span<byte> hash = stackalloc byte[32];
        FastEngine.Execution.Sha256.HashData("binance:123456789"u8, hash);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) FastEngine.Execution.Sha256.HashData("binance:123456789"u8, hash);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Reference ids are unchanged by the switch to our hash: for every registered venue and a range of client
    /// order ids (as the engine makes them: the decimal intent id), SHA-256 of <c>venue:clientOrderId</c> computed
    /// independently with the platform's hash from the text.</summary>
    [Fact]
    public void TryForOrder_EveryVenueManyIds_EqualsPlatformSha256OfVenueColonId()
    {
        VenueCatalog.EnsureRegistered();
        int checkedCount = 0;
        foreach (var (venue, name) in VenueNames.All())
        {
            foreach (long id in new long[] { 1, 2, 9, 10, 99, 1_000, 123_456_789, long.MaxValue })
            {
                if (!ReferenceIds.TryForOrder(venue, ClientOrderId.FromInt64(id), out var refId)) continue;
                var expected = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}:{id}"));
                Assert.True(refId.AsSpan().SequenceEqual(expected), $"{name}:{id}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 40, $"only {checkedCount} ids checked");
    }
}
