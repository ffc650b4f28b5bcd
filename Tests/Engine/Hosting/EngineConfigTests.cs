using FastEngine.Hosting;

namespace FastEngine.Tests.Engine.Hosting;

public class EngineConfigTests
{
    private static List<ConfigError> Load(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fe-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            EngineConfigLoader.TryLoad(path, out var errors);
            return errors;
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(EngineConfigValidator.Validate(new EngineConfig()));
        Assert.Empty(Load("{}"));
    }

    [Theory]
    [InlineData("""{"mode":"yolo"}""", "mode", "\"yolo\"", "\"paper\"")]
    [InlineData("""{"topology":{"ringSize":1000}}""", "topology.ringSize", "1000", "power of two")]
    [InlineData("""{"topology":{"waitStrategy":"spin"}}""", "topology.waitStrategy", "\"spin\"", "busy-spin")]
    [InlineData("""{"topology":{"cpus":{"decision":-5}}}""", "topology.cpus.decision", "-5", "not pinned")]
    [InlineData("""{"risk":{"dailyDrawdownPct":80}}""", "risk.dailyDrawdownPct", "80", "at most 50")]
    [InlineData("""{"risk":{"dailyDrawdownPct":0}}""", "risk.dailyDrawdownPct", "0", "greater than 0")]
    [InlineData("""{"risk":{"perVenueCapPct":130}}""", "risk.perVenueCapPct", "130", "from 0 to 100")]
    [InlineData("""{"venues":[{"name":"binance","symbols":[]}]}""", "venues[0].symbols", "[]", "at least one symbol")]
    [InlineData("""{"venues":[{"name":"okx","symbols":["BTC-USDT"],"endpoint":"http://x"}]}""", "venues[0].endpoint", "\"http://x\"", "ws://")]
    [InlineData("""{"journal":{"fsync":"sometimes"}}""", "journal.fsync", "\"sometimes\"", "every-record")]
    public void Validate_BadValue_NamesKeyValueAndRange(string json, string key, string value, string allowedFragment)
    {
        var error = Assert.Single(Load(json));
        Assert.Equal(key, error.Key);
        Assert.Equal(value, error.Value);
        Assert.Contains(allowedFragment, error.Allowed);
        Assert.Contains(key, error.ToString());
    }

    [Fact]
    public void Load_UnknownKeyOrBadJson_ClearError()
    {
        var unknown = Assert.Single(Load("""{"topology":{"ringsize":4096}}"""));
        Assert.Contains("ringsize", unknown.Allowed + unknown.Key);
        var bad = Assert.Single(Load("""{"mode": """));
        Assert.Contains("line", bad.Value);
        var missing = new List<ConfigError>();
        Assert.Null(EngineConfigLoader.TryLoad("/nonexistent/fe.json", out missing));
        Assert.Contains("does not exist", Assert.Single(missing).Allowed);
    }
}
