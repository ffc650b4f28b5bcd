using FastEngine.Adapters.Venues;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastengine-exec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class Intents
{
    /// <summary>Format facts of journal v1, written here from the spec rather than read from the code: 32-byte header,
    /// records of 4 (length) + 1 (type) + payload + 4 (CRC); an intent payload is 128 bytes, a status payload 40.</summary>
    public const int HeaderSize = 32;
    public const int IntentRecordSize = 4 + 1 + 128 + 4;
    public const int StatusRecordSize = 4 + 1 + 40 + 4;

    public static OrderIntent Make(long n, VenueId? venue = null)
    {
        VenueCatalog.EnsureRegistered();
        return new OrderIntent
        {
            IntentId = n,
            Venue = venue ?? VenueCatalog.Binance,
            Instrument = new InstrumentId((int)(n % 7)),
            Side = n % 2 == 0 ? OrderSide.Buy : OrderSide.Sell,
            OrderType = (OrderType)(1 + n % 3),
            LimitPrice = 6_000_000 + n,
            Quantity = 1_000 + n,
            StrategyId = (ushort)(n % 5),
            Origin = (IntentOrigin)(1 + n % 4),
            CreatedTimeNs = 1_700_000_000_000_000_000 + n * 1000,
            TickReceiveTimeNs = 1_700_000_000_000_000_000 + n * 1000 - 250,
            ClientOrderId = ClientOrderId.FromInt64(900_000 + n),
        };
    }

    public static void AssertSame(in OrderIntent expected, in OrderIntent actual)
    {
        Assert.Equal(expected.IntentId, actual.IntentId);
        Assert.Equal(expected.Venue, actual.Venue);
        Assert.Equal(expected.Instrument, actual.Instrument);
        Assert.Equal(expected.Side, actual.Side);
        Assert.Equal(expected.OrderType, actual.OrderType);
        Assert.Equal(expected.LimitPrice, actual.LimitPrice);
        Assert.Equal(expected.Quantity, actual.Quantity);
        Assert.Equal(expected.StrategyId, actual.StrategyId);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.CreatedTimeNs, actual.CreatedTimeNs);
        Assert.Equal(expected.TickReceiveTimeNs, actual.TickReceiveTimeNs);
        Assert.Equal(expected.ClientOrderId, actual.ClientOrderId);
        Assert.Equal(ReferenceIds.ForOrder(expected.Venue, expected.ClientOrderId), actual.ReferenceId);
    }
}

/// <summary>CRC-32/IEEE one bit at a time, straight from the definition (reflected polynomial 0xEDB88320, init and
/// xor-out 0xFFFFFFFF): an independent check of the table-driven engine implementation. Check value "123456789" → 0xCBF43926.</summary>
internal static class BitwiseCrc32
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
