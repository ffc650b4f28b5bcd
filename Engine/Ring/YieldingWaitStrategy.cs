namespace FastEngine.Ring;

/// <summary>
/// Spins a short while (<see cref="SpinTries"/> checks), then calls <see cref="Thread.Yield"/> between checks.
/// Near busy-spin latency when the consumer keeps up, and lets other runnable threads use the core when it does not:
/// the right default on machines with fewer cores than pipeline threads.
/// </summary>
public sealed class YieldingWaitStrategy : IWaitStrategy
{
    /// <summary>Checks made before the first yield.</summary>
    public const int SpinTries = 100;

    public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
    {
        int counter = SpinTries;
        long available;
        while ((available = dependents.Value) < sequence)
        {
            if (barrier.IsAlerted)
                return SequenceWaitResult.Alerted;

            if (counter > 0)
            {
                counter--;
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }

        return available;
    }

    public void SignalAllWhenBlocking()
    {
    }

    public bool IsBlockingStrategy => false;
}
