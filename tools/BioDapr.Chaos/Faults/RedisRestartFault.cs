namespace BioDapr.Chaos.Faults;

/// <summary>
/// The store restarts (SIGTERM, start again on the same port and append-only file) while orders flow: every
/// sidecar loses its connections, subscriptions and the keyspace-notification setting, and must carry on.
/// </summary>
public sealed class RedisRestartFault : ChaosFault
{
    /// <inheritdoc />
    public override string Name => "redis restart";

    /// <inheritdoc />
    public override string Description => "redis-server stopped (SIGTERM) and started again on the same port and AOF (fsync always) while orders flow.";

    /// <inheritdoc />
    public override async Task InjectAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = DateTime.UtcNow;
        await context.Organism.RestartRedisAsync(cancellationToken);
        context.Notes.Add($"redis down {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }
}
