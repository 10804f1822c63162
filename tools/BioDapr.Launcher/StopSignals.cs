using System.Runtime.InteropServices;

namespace BioDapr.Launcher;

/// <summary>
/// Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into a cancelled <see cref="Token"/>, so a command that owns an organism
/// (runner, sidecars, cells, Redis) unwinds and disposes it instead of dying with its children left running. Without it
/// the runtime's default for SIGTERM ends the process at once: no <c>finally</c>, no <c>DisposeAsync</c>, and the
/// organism it started lived on (seen with <c>kill -TERM</c> of <c>./biodapr cortex coldstart</c>). A second signal is
/// not held back: it ends the process as the default would (a stop that hangs can still be forced).
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Action<string>? _onFirst;
    private int _received;

    /// <summary>Registers for the signals; <paramref name="onFirst"/> is told the first one (e.g. to print what happens now).</summary>
    public StopSignals(Action<string>? onFirst = null)
    {
        _onFirst = onFirst;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, Handle));
        }
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether a signal came.</summary>
    public bool IsCancellationRequested => _stop.IsCancellationRequested;

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) > 1)
        {
            return;
        }

        context.Cancel = true;
        _onFirst?.Invoke(context.Signal.ToString());
        _stop.Cancel();
    }

    /// <summary>Unregisters (signals get their default behaviour again).</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
