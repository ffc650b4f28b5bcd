using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class CpuInfoTests
{
    // Examples in the format documented in the Linux kernel's Documentation/admin-guide/cputopology.rst.
    [Theory]
    [InlineData("0-3\n", 4)]
    [InlineData("0", 1)]
    [InlineData("0-3,6,8-9", 7)]
    [InlineData("0,2,4-7", 6)]
    public void TryParseCpuList_KernelFormat_Counts(string text, int expected)
    {
        Assert.True(CpuInfo.TryParseCpuList(text, out int count));
        Assert.Equal(expected, count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-b")]
    [InlineData("3-1")]
    [InlineData("1,,2")]
    public void TryParseCpuList_Malformed_ReturnsFalse(string text) =>
        Assert.False(CpuInfo.TryParseCpuList(text, out _));

    [Fact]
    public void OnlineCpuCount_AtLeastUsableCount()
    {
        Assert.True(CpuInfo.OnlineCpuCount >= 1);
        Assert.True(CpuInfo.OnlineCpuCount >= CpuInfo.ProcessorCount || !OperatingSystem.IsLinux());
    }
}
