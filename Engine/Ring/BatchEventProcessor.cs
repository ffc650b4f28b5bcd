using System.Runtime.CompilerServices;

namespace FastEngine.Ring;

/// <summary>
/// The consumer loop of one pipeline stage: waits on its <see cref="SequenceBarrier"/>, hands every available event to
/// the struct handler <typeparamref name="THandler"/> by <c>ref</c>, then advances <see cref="Sequence"/> once per batch.
/// </summary>
/// <remarks>
/// <para>Because <typeparamref name="THandler"/> is a struct type argument, the JIT compiles this class separately for
/// it: the handler call is direct and normally inlined. The handler lives in the processor; reach it with
/// <see cref="Handler"/> (by reference, not a copy), from the processor thread or once the processor has stopped.</para>
/// <para>Ordering: events are handled in sequence order, each exactly once per run, and <see cref="Sequence"/> only
/// advances past an event after the handler returned (or its failure was handled).</para>
/// <para>Halting: <see cref="Halt"/> alerts the barrier. The processor finishes its current batch, then drains every
/// event that is published and finished by its earlier stages at that moment, then calls <c>OnShutdown</c> and
/// returns from <see cref="Run"/>. Stop the producers first and halt stages in pipeline order (the pipeline builder
/// does) so that nothing already published is left unprocessed.</para>
/// <para>Exceptions from the handler go to the <see cref="IExceptionHandler{T}"/> (default:
/// <see cref="SkipAndCountExceptionHandler{T}"/>). Allocation: none per event or batch; the thread-allocation counter
/// is read at the start and end of <see cref="Run"/> (<see cref="AllocatedBytesDuringRun"/>) to prove it.</para>
/// </remarks>
public sealed class BatchEventProcessor<T, THandler> : IEventProcessor
    where T : struct
    where THandler : struct, IEventHandler<T>
{
    private const int Idle = 0;
    private const int Running = 1;

    private readonly RingBuffer<T> _ring;
    private readonly SequenceBarrier _barrier;
    private readonly IExceptionHandler<T> _exceptionHandler;
    private readonly Sequence _sequence = new();
    private readonly ManualResetEventSlim _stopped = new(initialState: true);
    private THandler _handler;
    private int _state;
    private volatile bool _faulted;
    private long _allocatedBytesDuringRun = -1;
    private string? _pinError;

    public BatchEventProcessor(RingBuffer<T> ring, SequenceBarrier barrier, THandler handler, IExceptionHandler<T>? exceptionHandler = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(barrier);
        _ring = ring;
        _barrier = barrier;
        _handler = handler;
        _exceptionHandler = exceptionHandler ?? new SkipAndCountExceptionHandler<T>();

        // Initialise the handler traits here, so their one-off reflection never runs (or allocates) on the processor thread.
        _ = EventHandlerTraits<T, THandler>.HasBatchStart;
    }

    /// <summary>The handler, by reference. Read it from another thread only after the processor stopped.</summary>
    public ref THandler Handler => ref _handler;

    public Sequence Sequence => _sequence;

    public SequenceBarrier Barrier => _barrier;

    /// <summary>The exception policy in use.</summary>
    public IExceptionHandler<T> ExceptionHandler => _exceptionHandler;

    public bool IsRunning => Volatile.Read(ref _state) == Running;

    public bool IsFaulted => _faulted;

    public string? PinError => Volatile.Read(ref _pinError);

    /// <summary>Bytes allocated by the processor thread between the start and the end of the last completed
    /// <see cref="Run"/> (handler included); -1 before a run completed.</summary>
    public long AllocatedBytesDuringRun => Volatile.Read(ref _allocatedBytesDuringRun);

    public void Run()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Idle) != Idle)
            ThrowAlreadyRunning();

        _stopped.Reset();
        _faulted = false;
        long allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            NotifyStart();
            ProcessEvents();
        }
        finally
        {
            Volatile.Write(ref _allocatedBytesDuringRun, GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart);
            NotifyShutdown();
            _barrier.ClearAlert();
            Volatile.Write(ref _state, Idle);
            _stopped.Set();
        }
    }

    /// <summary>
    /// Requests a drain-then-stop and returns at once; <see cref="WaitUntilStopped"/> waits for it. A halt requested
    /// before <see cref="Run"/> starts makes that run drain what is available and return.
    /// </summary>
    public void Halt() => _barrier.Alert();

    /// <exception cref="InvalidOperationException">The processor is already running.</exception>
    public Thread StartThread(string? name = null, int? cpu = null)
    {
        // Checked here, on the caller's thread: the same failure inside the new thread would be an unhandled exception
        // on a dedicated thread, which terminates the process.
        if (IsRunning)
            ThrowAlreadyRunning();

        // Reset before the thread exists so a WaitUntilStopped right after this call cannot see the idle state.
        _stopped.Reset();
        var thread = new Thread(() =>
        {
            if (cpu is { } target && !ThreadAffinity.TryPin(target, out var error))
                Volatile.Write(ref _pinError, error);

            Run();
        })
        {
            IsBackground = true,
            Name = name ?? $"ring-{typeof(THandler).Name}",
        };
        thread.Start();
        return thread;
    }

    public bool WaitUntilStopped(TimeSpan timeout) => _stopped.Wait(timeout);

    // Fully optimised from the first call: the thread enters this loop once and never leaves it while running, so a
    // tiered start would leave the per-batch path in unoptimised code until on-stack replacement kicks in (if ever).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessEvents()
    {
        var barrier = _barrier;
        long next = _sequence.Value + 1;
        var unpublishedSpinner = default(SpinWait);
        while (true)
        {
            var result = barrier.WaitFor(next);
            long available = result.Value;
            if (available >= next)
            {
                if (!ProcessBatch(ref next, available))
                    return;
                unpublishedSpinner.Reset();
            }
            else if (result.IsAlerted)
            {
                // Drain: everything published and finished upstream right now; then stop.
                long target = barrier.GetAvailableWithoutWaiting(next);
                while (next <= target && ProcessBatch(ref next, target))
                {
                }

                return;
            }
            else
            {
                // Only with several producers: the next slot is claimed but not yet published. Back off a little so
                // a preempted producer can finish on a machine with fewer cores than threads.
                unpublishedSpinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    /// <summary>Handles next..available; false when the exception policy halted the processor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ProcessBatch(ref long next, long available)
    {
        // Slot arithmetic in locals: the handler writes through 'this', which the JIT cannot prove does not alias the
        // ring's fields, so reading them through the ring would reload them on every event.
        ref T entries = ref _ring.EntriesBase;
        long mask = _ring.IndexMask;
        nint padding = _ring.Padding;
        long first = next;

        // 'current' is what the exception path reads; the loop runs on its own counter 's', which nothing outside the
        // try block sees, so the JIT keeps it in a register (a variable read by a catch block lives on the stack and
        // would add a store-to-load round trip to every iteration). 'current' costs one store per event.
        long current = first;
        try
        {
            if (EventHandlerTraits<T, THandler>.HasBatchStart)
                _handler.OnBatchStart(available - first + 1, first);

            for (long s = first; s <= available; s++)
            {
                current = s;
                _handler.OnEvent(ref Unsafe.Add(ref entries, (nint)(s & mask) + padding), s, s == available);
            }
        }
        catch (Exception exception)
        {
            return HandleEventExceptionSlow(exception, current, ref next);
        }

        // One release store per batch: the producer (and later stages) see the whole batch at once.
        _sequence.Value = available;
        next = available + 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool HandleEventExceptionSlow(Exception exception, long failed, ref long next)
    {
        ExceptionAction action;
        try
        {
            action = _exceptionHandler.HandleEventException(exception, failed, ref _ring[failed]);
        }
        catch (Exception)
        {
            // A throwing policy must not kill the consumer thread silently: treat it as a halt.
            action = ExceptionAction.Halt;
        }

        if (action == ExceptionAction.Halt)
        {
            // Everything before the failed event is done; the failed one is not.
            _sequence.Value = failed - 1;
            next = failed;
            _faulted = true;
            return false;
        }

        // Skip the failed event; the caller's loop picks up the rest of the batch (no recursion, so a run of failing
        // events cannot grow the stack).
        _sequence.Value = failed;
        next = failed + 1;
        return true;
    }

    private void NotifyStart()
    {
        try
        {
            if (EventHandlerTraits<T, THandler>.HasOnStart)
                _handler.OnStart();
        }
        catch (Exception exception)
        {
            _exceptionHandler.HandleOnStartException(exception);
        }
    }

    private void NotifyShutdown()
    {
        try
        {
            if (EventHandlerTraits<T, THandler>.HasOnShutdown)
                _handler.OnShutdown();
        }
        catch (Exception exception)
        {
            _exceptionHandler.HandleOnShutdownException(exception);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowAlreadyRunning() =>
        throw new InvalidOperationException("The processor is already running.");
}
