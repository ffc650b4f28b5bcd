namespace FastEngine.Ring;

/// <summary>
/// Spins, then yields, then sleeps between checks: a waiting consumer costs almost no CPU, at the price of a
/// wake-up latency up to the sleep granularity (about a millisecond on Linux) once it has gone idle.
/// Producers never need to signal it.
/// </summary>
public sealed class SleepingWaitStrategy : IWaitStrategy
{
    private const int SpinPhase = 100;
    private const int YieldPhase = 100;

    private readonly int _sleepMilliseconds;

    /// <param name="sleepMilliseconds">Sleep between checks once idle (0 means <c>Thread.Sleep(0)</c>).</param>
    public SleepingWaitStrategy(int sleepMilliseconds = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sleepMilliseconds);
        _sleepMilliseconds = sleepMilliseconds;
    }

    public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
    {
        int counter = SpinPhase + YieldPhase;
        long available;
        while ((available = dependents.Value) < sequence)
        {
            if (barrier.IsAlerted)
                return SequenceWaitResult.Alerted;

            if (counter > YieldPhase)
            {
                counter--;
                Thread.SpinWait(1);
            }
            else if (counter > 0)
            {
                counter--;
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(_sleepMilliseconds);
            }
        }

        return available;
    }

    public void SignalAllWhenBlocking()
    {
    }

    public bool IsBlockingStrategy => false;
}
