using System.Text.Json;
using System.Text.Json.Nodes;
using FastEngine.Cli.Replay;
using FastEngine.Tests.Engine.Hosting;

namespace FastEngine.Tests.Tools.FastEngine.Replay;

/// <summary>The replay summary's <c>carry</c> block and the funding line of <c>pnl</c>, from a decision engine that lived one
/// carry (<see cref="DecisionEngineCarryLifeTests.Lifecycle"/>: opened, 0.01997006 BTC short × 50,105 × 0.0003 =
/// 0.30017995 USDT received at the funding, unwound below the exit carry).</summary>
public class ReplaySummaryTests
{
    [Fact]
    public void WriteJson_CarryLived_CarryBlockAndFundingPnl()
    {
        var m = DecisionEngineCarryLifeTests.Create();
        JsonObject json;
        using (m.Engine)
        {
            DecisionEngineCarryLifeTests.Lifecycle(m);
            var result = new ReplayResult { Engine = m.Engine, Feed = new CaptureFeed(m.Engine.Registry), Files = ["hand-built"] };
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream)) ReplaySummary.WriteJson(w, result);
            json = JsonNode.Parse(stream.ToArray())!.AsObject();
            var text = new StringWriter();
            ReplaySummary.WriteText(text, result);
            Assert.Contains("carry positions: opened 1, unwound 1 (below_exit_carry 1, funding_sign_flip 0, max_hold_fundings 0)", text.ToString());
            Assert.Contains("funding payments 1, USDT 0.30017995", text.ToString());
        }
        var carry = json["carry"]!.AsObject();
        Assert.Equal(1, (long)carry["opened"]!);
        Assert.Equal(1, (long)carry["unwound"]!["below_exit_carry"]!);
        Assert.Equal(0, (long)carry["unwound"]!["funding_sign_flip"]!);
        Assert.Equal(0, (long)carry["unwound"]!["max_hold_fundings"]!);
        Assert.Equal(1, (long)carry["funding_payments"]!);
        Assert.Equal("0.30017995", (string)carry["funding_pnl"]!["USDT"]!);
        Assert.Equal(0, (long)carry["open_at_end"]!);
        Assert.Equal("0.30017995", (string)json["pnl"]!["funding"]!);
        // Trading P&L apart: −0.1997006 (perp) − 0.19986 (spot) = −0.3995606 USDT before fees.
        Assert.Equal("-0.3995606", (string)json["pnl"]!["realized"]!);
    }
}
