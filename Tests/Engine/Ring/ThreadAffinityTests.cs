using FastEngine.Ring;

namespace FastEngine.Tests.Engine.Ring;

public class ThreadAffinityTests
{
    private static T OnNewThread<T>(Func<T> work)
    {
        // Pinning changes the calling thread for good: never pin a test-runner or pool thread.
        T result = default!;
        var thread = new Thread(() => result = work()) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(RingTestSupport.Timeout));
        return result;
    }

    [Fact]
    public void TryPin_Cpu0_PinsCallingThreadOnly()
    {
        var (pinned, error, affinity) = OnNewThread(() =>
        {
            bool ok = ThreadAffinity.TryPin(0, out var message);
            return (ok, message, ThreadAffinity.GetCurrentAffinity());
        });

        if (!OperatingSystem.IsLinux())
        {
            Assert.False(pinned);
            Assert.Contains("only implemented on Linux", error);
            return;
        }

        Assert.True(pinned, error);
        Assert.Null(error);
        Assert.Equal(new[] { 0 }, affinity);

        // The test thread itself was not touched.
        Assert.True(ThreadAffinity.GetCurrentAffinity()!.Count == Environment.ProcessorCount || Environment.ProcessorCount == 1);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1024)]
    public void TryPin_OutOfRange_FailsWithReason(int cpu)
    {
        Assert.False(ThreadAffinity.TryPin(cpu, out var error));
        Assert.Contains("outside the supported range", error);
    }

    [Fact]
    public void TryPin_OfflineCpu_FailsWithErrno()
    {
        if (!OperatingSystem.IsLinux())
            return;

        int cpu = CpuInfo.OnlineCpuCount + 500 > 1023 ? 1023 : CpuInfo.OnlineCpuCount + 500;
        var (pinned, error) = OnNewThread(() => (ThreadAffinity.TryPin(cpu, out var message), message));
        Assert.False(pinned);
        Assert.Contains("errno 22", error); // EINVAL: the mask holds no online CPU (sched_setaffinity(2))
    }
}
