namespace FastEngine.Ring;

/// <summary>
/// Spins on the dependent sequences without ever giving up the CPU. Lowest wake-up latency (one cache-line
/// transfer); each waiting consumer occupies a full core, so use it only with one pinned thread per isolated core.
/// </summary>
public sealed class BusySpinWaitStrategy : IWaitStrategy
{
    public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
    {
        long available;
        while ((available = dependents.Value) < sequence)
        {
            if (barrier.IsAlerted)
                return SequenceWaitResult.Alerted;
        }

        return available;
    }

    public void SignalAllWhenBlocking()
    {
    }

    public bool IsBlockingStrategy => false;
}
