namespace FastEngine.Ring;

/// <summary>
/// Parks waiting consumers on a monitor until a producer publishes (<see cref="SignalAllWhenBlocking"/>), then
/// waits for earlier stages by spinning with back-off (earlier stages do not signal; they are normally close behind
/// the cursor). Lowest CPU use; wake-up costs a monitor signal (microseconds). Producers pay a lock acquisition per
/// publish only while this strategy is in use.
/// </summary>
public sealed class BlockingWaitStrategy : IWaitStrategy
{
    private readonly object _monitor = new();

    public SequenceWaitResult WaitFor(long sequence, Sequence cursor, DependentSequenceGroup dependents, SequenceBarrier barrier)
    {
        if (cursor.Value < sequence)
        {
            lock (_monitor)
            {
                while (cursor.Value < sequence)
                {
                    if (barrier.IsAlerted)
                        return SequenceWaitResult.Alerted;

                    // Producers store the cursor before taking the monitor, so no signal is lost; the timeout only bounds
                    // how long an alert raised without a signal could go unnoticed.
                    Monitor.Wait(_monitor, 10);
                }
            }
        }

        long available;
        var spinner = default(SpinWait);
        while ((available = dependents.Value) < sequence)
        {
            if (barrier.IsAlerted)
                return SequenceWaitResult.Alerted;

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return available;
    }

    public void SignalAllWhenBlocking()
    {
        lock (_monitor)
        {
            Monitor.PulseAll(_monitor);
        }
    }

    public bool IsBlockingStrategy => true;
}
