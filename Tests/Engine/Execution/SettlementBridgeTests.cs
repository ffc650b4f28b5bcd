using System.Security.Cryptography;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

public class SettlementBridgeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public SettlementBridgeTests() => VenueCatalog.EnsureRegistered();

    public void Dispose() => _dir.Dispose();

    // P&L and collateral in USDT at scale 2 (cents).
    private static ClosedPosition Position(long id, long pnl, VenueId? venue = null) => new()
    {
        Venue = venue ?? VenueCatalog.Binance,
        Instrument = new InstrumentId(3),
        PositionId = id,
        RealizedPnl = pnl,
        PnlScale = 2,
        Quantity = 150_000,
        ClosedTimeNs = 1_700_000_000_000_000_000,
    };

    [Fact]
    public void TrySettle_Profit_CreditsTheProfit()
    {
        using var bridge = SettlementBridge.Open(_dir.File("s.bin"));
        var r = bridge.TrySettle(Position(1, 1_500), collateral: 10_000); // +15.00 against 100.00 collateral
        Assert.Equal(new SettleResult(SettleStatus.Settled, SettlementAction.Credit, 1_500, 0, r.ReferenceId), r);
        Assert.True(r.ReferenceId.AsSpan().SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes("binance:1"))));
    }

    [Fact]
    public void TrySettle_LossWithinCollateral_SeizesTheLoss()
    {
        using var bridge = SettlementBridge.Open(_dir.File("s.bin"));
        var r = bridge.TrySettle(Position(2, -2_500), 10_000); // −25.00, collateral 100.00
        Assert.Equal((SettleStatus.Settled, SettlementAction.Seize, 2_500L, 0L), (r.Status, r.Action, r.Amount, r.Shortfall));
        var exact = bridge.TrySettle(Position(3, -10_000), 10_000); // loss equal to the collateral is still within it
        Assert.Equal((SettlementAction.Seize, 10_000L, 0L), (exact.Action, exact.Amount, exact.Shortfall));
    }

    [Fact]
    public void TrySettle_LossAboveCollateral_SeizesCapAndRecordsShortfall()
    {
        using var bridge = SettlementBridge.Open(_dir.File("s.bin"));
        var r = bridge.TrySettle(Position(4, -12_000), 10_000); // −120.00 against 100.00: seize 100.00, 20.00 short
        Assert.Equal((SettleStatus.Settled, SettlementAction.SeizeCapped, 10_000L, 2_000L), (r.Status, r.Action, r.Amount, r.Shortfall));
        Assert.True(bridge.TryGetSettlement(r.ReferenceId, out var record));
        Assert.Equal(2_000, record.Shortfall);
        Assert.Equal(10_000, record.Collateral);
    }

    [Fact]
    public void TrySettle_SamePositionTwice_DuplicateKeepsFirstDecision()
    {
        using var bridge = SettlementBridge.Open(_dir.File("s.bin"));
        Assert.True(bridge.TrySettle(Position(5, 700), 10_000).IsSettled);
        long length = new FileInfo(bridge.Path).Length;
        var again = bridge.TrySettle(Position(5, -99_999), 10_000);
        Assert.Equal(SettleStatus.Duplicate, again.Status);
        Assert.Equal((SettlementAction.Credit, 700L), (again.Action, again.Amount));
        Assert.Equal(length, new FileInfo(bridge.Path).Length);
        // Same id on another venue is another position.
        Assert.True(bridge.TrySettle(Position(5, 700, VenueCatalog.Kraken), 10_000).IsSettled);
    }

    [Fact]
    public void TrySettle_AfterReopen_DuplicateStillRefused()
    {
        string path = _dir.File("s.bin");
        using (var bridge = SettlementBridge.Open(path))
        {
            for (int i = 0; i < 20; i++) Assert.True(bridge.TrySettle(Position(100 + i, i * 10 - 50), 1_000).IsSettled);
        }
        using (var reopened = SettlementBridge.Open(path))
        {
            Assert.Equal(20, reopened.Count);
            Assert.Equal(RecordFileTail.Clean, reopened.RecoveredTail);
            var dup = reopened.TrySettle(Position(107, 5), 1_000);
            Assert.Equal(SettleStatus.Duplicate, dup.Status);
            Assert.Equal((SettlementAction.Credit, 20L), (dup.Action, dup.Amount)); // 7 × 10 − 50 = +20
            Assert.True(reopened.TrySettle(Position(200, -3), 1_000).IsSettled);
        }
        using var third = SettlementBridge.Open(path);
        Assert.Equal(21, third.Count);
        Assert.Equal(SettleStatus.Duplicate, third.TrySettle(Position(200, -3), 1_000).Status);
    }

    [Fact]
    public void Open_TornLastSettlement_ThatSettlementIsUndoneOthersKept()
    {
        string path = _dir.File("s.bin");
        using (var bridge = SettlementBridge.Open(path))
        {
            Assert.True(bridge.TrySettle(Position(1, 10), 100).IsSettled);
            Assert.True(bridge.TrySettle(Position(2, 20), 100).IsSettled);
        }
        long length = new FileInfo(path).Length;
        using (var s = new FileStream(path, FileMode.Open)) s.SetLength(length - 10);
        using var reopened = SettlementBridge.Open(path);
        Assert.Equal(RecordFileTail.Torn, reopened.RecoveredTail);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(SettleStatus.Duplicate, reopened.TrySettle(Position(1, 10), 100).Status);
        Assert.Equal(SettleStatus.Settled, reopened.TrySettle(Position(2, 20), 100).Status);
    }

    [Fact]
    public void TrySettle_InvalidInput_RejectedWithReason()
    {
        using var bridge = SettlementBridge.Open(_dir.File("s.bin"));
        Assert.Equal(SettleStatus.Invalid, bridge.TrySettle(Position(1, 10), -1).Status);
        Assert.Equal(SettleStatus.Invalid, bridge.TrySettle(Position(2, long.MinValue), 100).Status);
        Assert.Equal(SettleStatus.Invalid, bridge.TrySettle(Position(3, 10, VenueId.None), 100).Status);
        Assert.Equal(3, bridge.RejectedCount);
        Assert.Equal(0, bridge.Count);
    }

    [Fact]
    public void Open_ForeignFile_Refused()
    {
        string path = _dir.File("x.bin");
        File.WriteAllBytes(path, new byte[64]);
        Assert.Throws<InvalidDataException>(() => SettlementBridge.Open(path));
    }
}
