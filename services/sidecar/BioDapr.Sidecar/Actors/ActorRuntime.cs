using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// The actor runtime of one sidecar, one part per concern (see README.md): placement and invocation
/// (<see cref="Invoker"/>, over <see cref="ActorActivations"/>), actor state (<see cref="State"/>),
/// persisted reminders (<see cref="Reminders"/>) and timers (<see cref="Timers"/>). This type composes them
/// and owns their background loops (the reminder scheduler and idle deactivation).
/// </summary>
internal sealed partial class ActorRuntime : IAsyncDisposable
{
    private readonly ActorAppConfig _config;
    private readonly ILogger _logger;
    private readonly ActorPlacement _placement;
    private readonly ActorActivations _activations;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public ActorRuntime(
        ActorAppConfig config,
        IActorCallbackChannel channel,
        StateStoreEntry? actorStateStore,
        FileNameResolver nameResolver,
        PeerAuthenticator peers,
        string appId,
        long maxBodySize,
        TimeProvider time,
        Random random,
        ILogger logger)
    {
        _config = config;
        _logger = logger;
        _placement = new ActorPlacement(nameResolver, time);
        _activations = new ActorActivations(config, channel, _placement, time, logger);
        Invoker = new ActorInvoker(config, _activations, _placement, channel, peers, appId, maxBodySize, time);
        State = new ActorStateService(actorStateStore, _activations, appId);
        var reminderStore = actorStateStore is null ? null : new ReminderStore(actorStateStore.Component, random);
        Reminders = new ReminderScheduler(config, reminderStore, Invoker, _placement, time, logger);
        Timers = new ActorTimers(config, _activations, Invoker, time, logger, _stop.Token);
    }

    /// <summary>Placement and method calls (here or on the hosting sidecar).</summary>
    public ActorInvoker Invoker { get; }

    /// <summary>Actor state in the actor state store.</summary>
    public ActorStateService State { get; }

    /// <summary>Persisted reminders and their scheduler.</summary>
    public ReminderScheduler Reminders { get; }

    /// <summary>In-memory timers of active actors.</summary>
    public ActorTimers Timers { get; }

    /// <summary>The actor types this sidecar's app hosts.</summary>
    public IReadOnlyCollection<string> HostedTypes => _config.Types.Keys.ToList();

    /// <summary>Active actors by type (for <c>/v1.0/metadata</c>).</summary>
    public IReadOnlyList<(string Type, int Count)> Counts => _activations.Counts;

    /// <summary>Starts the reminder scheduler and the idle scanner.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in _config.Warnings)
        {
            Log.ConfigWarning(_logger, warning);
        }

        _placement.Invalidate();
        if (_config.Types.Count == 0)
        {
            return;
        }

        await Reminders.LoadAsync(cancellationToken);
        _loops.Add(Task.Run(() => Reminders.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => _activations.DeactivateIdleAsync(_stop.Token), CancellationToken.None));
        var hosted = string.Join(", ", _config.Types.Keys);
        Log.Hosting(_logger, hosted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _activations.StopAllTimers();
        await Task.WhenAll(_loops).ContinueWith(_ => { }, TaskScheduler.Default);
        Invoker.Dispose();
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Hosting actor types: {Types}")]
        public static partial void Hosting(ILogger logger, string types);

        [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void ConfigWarning(ILogger logger, string warning);
    }
}
