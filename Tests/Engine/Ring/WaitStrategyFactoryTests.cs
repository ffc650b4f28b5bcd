using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class WaitStrategyFactoryTests
{
    [Theory]
    [InlineData("busy-spin", WaitStrategyKind.BusySpin, typeof(BusySpinWaitStrategy))]
    [InlineData("yielding", WaitStrategyKind.Yielding, typeof(YieldingWaitStrategy))]
    [InlineData("Sleeping", WaitStrategyKind.Sleeping, typeof(SleepingWaitStrategy))]
    [InlineData("BLOCKING", WaitStrategyKind.Blocking, typeof(BlockingWaitStrategy))]
    public void Parse_ConfigName_CreatesThatStrategy(string name, WaitStrategyKind expected, Type type)
    {
        Assert.True(WaitStrategyFactory.TryParse(name, out var kind));
        Assert.Equal(expected, kind);
        Assert.IsType(type, WaitStrategyFactory.Create(kind));
        Assert.Equal(name.ToLowerInvariant(), WaitStrategyFactory.ToName(kind));
    }

    [Theory]
    [InlineData("spin")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownName_ReturnsFalse(string? name) =>
        Assert.False(WaitStrategyFactory.TryParse(name, out _));

    [Fact]
    public void Parse_UnknownName_MessageListsAllowedNames()
    {
        var exception = Assert.Throws<ArgumentException>(() => WaitStrategyFactory.Parse("fast"));
        Assert.Contains("busy-spin, yielding, sleeping, blocking", exception.Message);
    }

    [Fact]
    public void IsBlockingStrategy_OnlyForBlocking()
    {
        Assert.True(new BlockingWaitStrategy().IsBlockingStrategy);
        Assert.False(new BusySpinWaitStrategy().IsBlockingStrategy);
        Assert.False(new YieldingWaitStrategy().IsBlockingStrategy);
        Assert.False(new SleepingWaitStrategy().IsBlockingStrategy);
    }
}
