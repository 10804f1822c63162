namespace BioDapr.Cell.Actors;

/// <summary>
/// The actor types this cell hosts and the settings the sidecar reads from <c>GET /dapr/config</c>
/// (<c>entities</c>, <c>actorIdleTimeout</c>, <c>drainOngoingCallTimeout</c>, <c>drainRebalancedActors</c>,
/// <c>reentrancy</c>).
/// </summary>
public sealed class ActorOptions
{
    private readonly Dictionary<string, ActorRegistration> _registrations = new(StringComparer.Ordinal);

    /// <summary>How long an actor may stay unused before the sidecar deactivates it (Dapr's default: 60 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How long the sidecar waits for running calls when actors move (Dapr 1.17+ default: 2 s).</summary>
    public TimeSpan DrainOngoingCallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether running calls are drained before actors move.</summary>
    public bool DrainRebalancedActors { get; set; } = true;

    /// <summary>Whether a call chain may re-enter an actor it already holds (carried by <c>Dapr-Reentrancy-Id</c>).</summary>
    public bool ReentrancyEnabled { get; set; }

    /// <summary>The deepest reentrant chain allowed (Dapr's default: 32).</summary>
    public int ReentrancyMaxStackDepth { get; set; } = 32;

    /// <summary>The registered actor types.</summary>
    public IReadOnlyCollection<ActorRegistration> Registrations => _registrations.Values;

    /// <summary>
    /// Hosts <typeparamref name="TActor"/> as the Dapr actor type <paramref name="actorType"/> (default:
    /// the class name), callable through <typeparamref name="TInterface"/>.
    /// </summary>
    public ActorOptions RegisterActor<TInterface, TActor>(string? actorType = null)
        where TInterface : IActor
        where TActor : Actor, TInterface
    {
        var type = actorType ?? typeof(TActor).Name;
        if (string.IsNullOrWhiteSpace(type) || type.AsSpan().IndexOfAny("/\\#?") >= 0)
        {
            throw new ArgumentException($"'{type}' is not a valid actor type name: it must be non-empty and contain none of / \\ # ?", nameof(actorType));
        }

        if (_registrations.ContainsKey(type))
        {
            throw new InvalidOperationException($"The actor type '{type}' is registered twice.");
        }

        _registrations[type] = new ActorRegistration(type, typeof(TInterface), typeof(TActor), ActorMethodTable.For(typeof(TInterface), typeof(TActor)));
        return this;
    }
}

/// <summary>One hosted actor type.</summary>
/// <param name="ActorType">The Dapr actor type name.</param>
/// <param name="Interface">The actor interface.</param>
/// <param name="Implementation">The actor class.</param>
/// <param name="Methods">The callable methods by name.</param>
public sealed record ActorRegistration(string ActorType, Type Interface, Type Implementation, ActorMethodTable Methods);
