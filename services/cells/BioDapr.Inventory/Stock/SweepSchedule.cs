namespace BioDapr.Inventory.Stock;

/// <summary>
/// When <see cref="LedgerSweeper"/> sweeps, asked once per <see cref="LedgerSweeper.RecoveryPeriod"/>: a regular sweep
/// every <see cref="LedgerSweeper.Period"/> with <see cref="LedgerSweeper.Grace"/>; a recovery sweep (no grace) at start,
/// after a change ended with a failure, and after a failed sweep, until one succeeds.
/// </summary>
internal sealed class SweepSchedule(DateTimeOffset start)
{
    private bool _recovering = true;
    private DateTimeOffset _last = start;

    /// <summary>The grace of the sweep due at <paramref name="now"/>, or null when none is due.</summary>
    public TimeSpan? Due(DateTimeOffset now, bool interrupted)
    {
        _recovering |= interrupted;
        return _recovering ? TimeSpan.Zero
            : now - _last >= LedgerSweeper.Period ? LedgerSweeper.Grace
            : null;
    }

    /// <summary>The sweep due at <paramref name="now"/> succeeded: the next regular one is a period later.</summary>
    public void Succeeded(DateTimeOffset now)
    {
        _last = now;
        _recovering = false;
    }

    /// <summary>The sweep failed (the sidecar or the store away): the next tick tries again, without grace.</summary>
    public void Failed() => _recovering = true;
}
