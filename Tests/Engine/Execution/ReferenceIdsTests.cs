using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

public class ReferenceIdsTests
{
    public ReferenceIdsTests() => VenueCatalog.EnsureRegistered();

    [Fact]
    public void Sha256_NistAbc_MatchesFips180Example()
    {
        // FIPS 180-2 appendix B.1 / NIST CSRC example: SHA-256("abc").
        var id = ReferenceIds.Sha256("abc"u8);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", id.ToString());
    }

    [Fact]
    public void Sha256_EmptyString_MatchesKnownDigest()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ReferenceIds.Sha256(default).ToString());
    }

    [Fact]
    public void TryForOrder_BinanceAbc123_IsSha256OfVenueColonClientOrderId()
    {
        Assert.True(ReferenceIds.TryForOrder(VenueCatalog.Binance, ClientOrderId.Parse("abc123"), out var id));
        // Independent: the framework's hash of the documented text, and the digest from coreutils `printf 'binance:abc123' | sha256sum`.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes("binance:abc123"));
        Assert.True(id.AsSpan().SequenceEqual(expected));
        Assert.Equal("c010c019db5cd3a17dd8939ef4a306a245e81f8d61e0f73458c3e495c3fd57bf", id.ToString());
    }

    [Fact]
    public void TryForPosition_Binance42_IsSha256OfVenueColonDecimalId()
    {
        Assert.True(ReferenceIds.TryForPosition(VenueCatalog.Binance, 42, out var id));
        Assert.True(id.AsSpan().SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes("binance:42"))));
        Assert.Equal("b8d2c5a9ddb6f4b2db3577b3b0f5b43e837c0aea212feac0ff05eb35346bd995", id.ToString());
    }

    [Fact]
    public void TryForOrder_NoVenueOrEmptyId_False()
    {
        Assert.False(ReferenceIds.TryForOrder(VenueId.None, ClientOrderId.Parse("x"), out _));
        Assert.False(ReferenceIds.TryForOrder(VenueCatalog.Binance, default, out _));
    }

    [Fact]
    public void TryForOrder_AfterWarmUp_AllocatesNothing()
    {
        var coid = ClientOrderId.FromInt64(123456789);
        ReferenceIds.TryForOrder(VenueCatalog.Okx, coid, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) ReferenceIds.TryForOrder(VenueCatalog.Okx, coid, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ClientOrderId_TryCreate_ChecksLengthAndCharacters()
    {
        Assert.True(ClientOrderId.TryCreate("A-b_9".AsSpan(), out var ok));
        Assert.Equal("A-b_9", ok.ToString());
        Assert.Equal(5, ok.Length);
        Assert.True(ClientOrderId.TryCreate(new string('x', 32).AsSpan(), out var full));
        Assert.Equal(32, full.Length);
        Assert.False(ClientOrderId.TryCreate(new string('x', 33).AsSpan(), out _));
        Assert.False(ClientOrderId.TryCreate("a b".AsSpan(), out _));
        Assert.False(ClientOrderId.TryCreate("é".AsSpan(), out _));
        Assert.False(ClientOrderId.TryCreate(ReadOnlySpan<char>.Empty, out _));
        Assert.Equal("1234567890123", ClientOrderId.FromInt64(1234567890123).ToString());
    }

    [Fact]
    public unsafe void OrderIntent_Layout_Is128BytesBlittableAtDocumentedOffsets()
    {
        Assert.Equal(128, Unsafe.SizeOf<OrderIntent>());
        Assert.Equal(32, Unsafe.SizeOf<ClientOrderId>());
        Assert.Equal(32, Unsafe.SizeOf<ReferenceId>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<OrderIntent>());
        var intent = new OrderIntent();
        byte* b = (byte*)&intent;
        Assert.Equal(0, (byte*)&intent.IntentId - b);
        Assert.Equal(8, (byte*)&intent.LimitPrice - b);
        Assert.Equal(16, (byte*)&intent.Quantity - b);
        Assert.Equal(24, (byte*)&intent.CreatedTimeNs - b);
        Assert.Equal(32, (byte*)&intent.TickReceiveTimeNs - b);
        Assert.Equal(40, (byte*)&intent.Venue - b);
        Assert.Equal(42, (byte*)&intent.StrategyId - b);
        Assert.Equal(44, (byte*)&intent.Instrument - b);
        Assert.Equal(48, (byte*)&intent.Side - b);
        Assert.Equal(49, (byte*)&intent.OrderType - b);
        Assert.Equal(50, (byte*)&intent.Origin - b);
        Assert.Equal(56, (byte*)&intent.ClientOrderId - b);
        Assert.Equal(88, (byte*)&intent.ReferenceId - b);
    }
}
