using BioDapr.Launcher;

namespace BioDapr.Chaos.Faults;

/// <summary>kill -9 of a cell's process or of its sidecar's, as a crash: the runner must restart it, nothing may be lost.</summary>
public sealed class KillFault(string appId, bool sidecar) : ChaosFault
{
    /// <inheritdoc />
    public override string Name => $"kill -9 {appId}{(sidecar ? " sidecar" : string.Empty)}";

    /// <inheritdoc />
    public override string Description => $"SIGKILL of the {(sidecar ? "sidecar" : "app")} process of {appId} while orders flow; the runner restarts it.";

    /// <inheritdoc />
    public override string? RestartedApp => appId;

    /// <inheritdoc />
    public override Task InjectAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pid = context.Organism.ProcessOf(appId, sidecar);
        if (!LocalOrganism.Kill(pid))
        {
            throw new InvalidOperationException($"kill -9 {pid} ({Name}) failed");
        }

        context.Notes.Add($"killed pid {pid}");
        return Task.CompletedTask;
    }
}
