using System.Runtime.InteropServices;

namespace FastEngine.Cli.Hosting;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM turned into a cancellation: the default action (kill the process) is cancelled, so the
/// command can close its sockets with a close frame, drain the ring, flush journal and captures and exit 0.
/// </summary>
/// <remarks>Thread-safe. Dispose unregisters both handlers.</remarks>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;

    public StopSignal(Action<string>? onSignal = null)
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Signal(c, "SIGTERM", onSignal));
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Signal(c, "SIGINT", onSignal));
    }

    public CancellationToken Token => _stop.Token;

    private void Signal(PosixSignalContext context, string name, Action<string>? onSignal)
    {
        context.Cancel = true;
        onSignal?.Invoke($"{name} received: stopping");
        _stop.Cancel();
    }

    public void Dispose()
    {
        _sigterm.Dispose();
        _sigint.Dispose();
        _stop.Dispose();
    }
}
