namespace FastEngine.Ring;

/// <summary>What a processor does after a handler threw for an event.</summary>
public enum ExceptionAction
{
    /// <summary>Mark the event processed and continue with the next one.</summary>
    Skip,

    /// <summary>Stop the processor; the failed event is not marked processed (later stages never see it).</summary>
    Halt,
}

/// <summary>
/// Decides what happens when a handler throws. Called on the processor thread (cold path: exceptions are not expected
/// in normal operation). Implementations must not throw.
/// </summary>
public interface IExceptionHandler<T> where T : struct
{
    /// <summary>A handler threw while processing <paramref name="sequence"/>.</summary>
    ExceptionAction HandleEventException(Exception exception, long sequence, ref T data);

    /// <summary>The handler's <c>OnStart</c> threw; the processor continues.</summary>
    void HandleOnStartException(Exception exception);

    /// <summary>The handler's <c>OnShutdown</c> threw; the processor still stops.</summary>
    void HandleOnShutdownException(Exception exception);
}

/// <summary>
/// The default policy: counts the failure, records the sequence and exception, skips the event and continues, so a
/// bad event never stalls the pipeline and never disappears unnoticed (<see cref="FailureCount"/>,
/// <see cref="LastFailedSequence"/>, <see cref="LastException"/> are readable from any thread).
/// </summary>
public class SkipAndCountExceptionHandler<T> : IExceptionHandler<T> where T : struct
{
    private long _failureCount;
    private long _lastFailedSequence = Sequence.InitialValue;
    private Exception? _lastException;
    private long _lifecycleFailureCount;

    /// <summary>Events that failed (and were skipped, or halted the processor for subclasses).</summary>
    public long FailureCount => Volatile.Read(ref _failureCount);

    /// <summary>Sequence of the most recent failed event; -1 when none failed.</summary>
    public long LastFailedSequence => Volatile.Read(ref _lastFailedSequence);

    /// <summary>The most recent exception (event or lifecycle).</summary>
    public Exception? LastException => Volatile.Read(ref _lastException);

    /// <summary>Failures of <c>OnStart</c>/<c>OnShutdown</c>.</summary>
    public long LifecycleFailureCount => Volatile.Read(ref _lifecycleFailureCount);

    public virtual ExceptionAction HandleEventException(Exception exception, long sequence, ref T data)
    {
        Record(exception, sequence);
        return ExceptionAction.Skip;
    }

    public void HandleOnStartException(Exception exception) => RecordLifecycle(exception);

    public void HandleOnShutdownException(Exception exception) => RecordLifecycle(exception);

    protected void Record(Exception exception, long sequence)
    {
        Volatile.Write(ref _lastException, exception);
        Volatile.Write(ref _lastFailedSequence, sequence);
        Interlocked.Increment(ref _failureCount);
    }

    private void RecordLifecycle(Exception exception)
    {
        Volatile.Write(ref _lastException, exception);
        Interlocked.Increment(ref _lifecycleFailureCount);
    }
}

/// <summary>
/// The alternative policy: records the failure like <see cref="SkipAndCountExceptionHandler{T}"/> and halts the
/// processor at the failed event. Later stages stop at the event before it, and producers eventually see a full ring:
/// use it where processing past a bad event would be worse than stopping (for example a risk stage).
/// </summary>
public sealed class HaltOnExceptionHandler<T> : SkipAndCountExceptionHandler<T> where T : struct
{
    public override ExceptionAction HandleEventException(Exception exception, long sequence, ref T data)
    {
        Record(exception, sequence);
        return ExceptionAction.Halt;
    }
}
