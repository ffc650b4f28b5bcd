using System.Text;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class InstrumentRegistryTests
{
    private static readonly VenueId A = new(901), B = new(902);

    [Fact]
    public void TryGet_SameCanonicalAcrossVenues_OneId()
    {
        var r = new InstrumentRegistry();
        var btc = r.GetOrAdd("BTC", "USDT", InstrumentKind.Spot, 2, 8);
        r.MapVenueSymbol(A, "BTCUSDT", btc.Id);
        r.MapVenueSymbol(B, "BTC-USDT", btc.Id);
        Assert.True(r.TryGet(A, "BTCUSDT"u8, out var a));
        Assert.True(r.TryGet(B, "BTC-USDT"u8, out var b));
        Assert.Equal(a, b);
        Assert.Equal("BTC-USDT", r[a].Canonical);
        Assert.False(r.TryGet(B, "BTCUSDT"u8, out var none));
        Assert.True(none.IsNone);
        Assert.Same(btc, r.GetOrAdd("BTC", "USDT", InstrumentKind.Spot));
    }

    [Fact]
    public void MapVenueSymbol_ConflictingRemap_Throws()
    {
        var r = new InstrumentRegistry();
        var x = r.GetOrAdd("BTC", "USDT", InstrumentKind.Spot);
        var y = r.GetOrAdd("ETH", "USDT", InstrumentKind.Spot);
        r.MapVenueSymbol(A, "BTCUSDT", x.Id);
        r.MapVenueSymbol(A, "BTCUSDT", x.Id); // idempotent
        var ex = Assert.Throws<ArgumentException>(() => r.MapVenueSymbol(A, "BTCUSDT", y.Id));
        Assert.Contains("BTCUSDT", ex.Message);
    }

    [Fact]
    public void TryGet_ManySymbols_AllFoundAndAllocationFree()
    {
        var r = new InstrumentRegistry();
        var keys = new byte[2000][];
        for (int i = 0; i < keys.Length; i++)
        {
            var ins = r.GetOrAdd($"C{i}", "USDT", InstrumentKind.Spot);
            r.MapVenueSymbol(A, $"C{i}USDT", ins.Id);
            keys[i] = Encoding.UTF8.GetBytes($"C{i}USDT");
        }
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.True(r.TryGet(A, keys[i], out var id));
            Assert.Equal($"C{i}-USDT", r[id].Canonical);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int rep = 0; rep < 20; rep++)
            foreach (var k in keys) if (r.TryGet(A, k, out _)) found++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(40_000, found);
    }

    [Fact]
    public void Instrument_InvalidScale_NamesTheParameter()
    {
        var r = new InstrumentRegistry();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => r.GetOrAdd("BTC", "USD", InstrumentKind.Spot, priceScale: 19));
        Assert.Equal("priceScale", ex.ParamName);
    }
}
