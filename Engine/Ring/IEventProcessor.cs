namespace FastEngine.Ring;

/// <summary>A consumer loop over a ring, run on its own thread; the non-generic face of
/// <see cref="BatchEventProcessor{T, THandler}"/> used by the pipeline builder.</summary>
public interface IEventProcessor
{
    /// <summary>The highest sequence this processor has finished (the value later stages and producers gate on).</summary>
    Sequence Sequence { get; }

    /// <summary>The barrier the processor waits on.</summary>
    SequenceBarrier Barrier { get; }

    /// <summary>True between the start and the end of <see cref="Run"/>.</summary>
    bool IsRunning { get; }

    /// <summary>True when the processor stopped because its exception policy said <see cref="ExceptionAction.Halt"/>.</summary>
    bool IsFaulted { get; }

    /// <summary>Runs the loop on the calling thread until halted.</summary>
    void Run();

    /// <summary>Requests a drain-then-stop (see <see cref="BatchEventProcessor{T, THandler}.Halt"/>); returns at once.</summary>
    void Halt();

    /// <summary>Starts <see cref="Run"/> on a new dedicated thread, optionally pinned to <paramref name="cpu"/>.</summary>
    Thread StartThread(string? name = null, int? cpu = null);

    /// <summary>Blocks until <see cref="Run"/> has returned (or was never started); false on timeout.</summary>
    bool WaitUntilStopped(TimeSpan timeout);

    /// <summary>Why pinning failed, when a CPU was requested and could not be applied; null otherwise.</summary>
    string? PinError { get; }
}
