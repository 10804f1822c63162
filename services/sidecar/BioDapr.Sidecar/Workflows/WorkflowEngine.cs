using System.Collections.Concurrent;
using BioDapr.Sidecar.Wire;
using BioDapr.Sidecar.Components.State;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// The Dapr Workflow engine of the development sidecar: what daprd's workflow and activity actors, its durable
/// task backend and the Scheduler's workflow reminders do, for the workflows of this sidecar's app.
/// <list type="bullet">
/// <item>Each instance has a history and an inbox in the actor state store (daprd's key layout,
/// <see cref="WorkflowKeys"/>). Events arrive in the inbox; a <em>turn</em> sends the app's worker the history
/// plus a WorkflowStarted event and the inbox, and the actions it answers become history events, saved in one
/// transaction.</item>
/// <item>Activities go to the connected workers as work items (<see cref="WorkItemDispatcher"/>) and their results
/// come back into the inbox; a result for a task that already has one is dropped, so each completed activity is
/// recorded exactly once while the activity itself may run more than once.</item>
/// <item>Timers, scheduled starts, messages between instances (child workflows, raised events, recursive
/// terminate) are driven from what is stored, so a sidecar restart resumes every running instance.</item>
/// </list>
/// Both front ends (<c>Grpc/TaskHubGrpc</c> for Dapr.Workflow, <c>Api/WorkflowHttpApi</c> for
/// <c>/v1.0/workflows</c>) only translate into these calls. Facts and sources: docs/workflows.md.
/// </summary>
internal sealed partial class WorkflowEngine : IAsyncDisposable
{
    private const int CacheLimit = 4096;

    private readonly WorkflowStateStore? _store;
    private readonly string _storeName;
    private readonly ConcurrentDictionary<string, WorkflowInstance> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActivityTicket> _activities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _background = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly DurableTimers _timers;
    private long _sequence;

    public WorkflowEngine(IStateStore? store, string? storeName, string appId, string ns, TimeProvider time, Random random, ILogger logger)
    {
        Keys = new WorkflowKeys(appId, ns);
        _store = store is null ? null : new WorkflowStateStore(store, Keys);
        _storeName = storeName ?? string.Empty;
        _time = time;
        _random = random;
        _logger = logger;
        _timers = new DurableTimers(time, timer => Track(OnTimerAsync(timer)));
        Dispatcher = new WorkItemDispatcher();
    }

    public WorkflowKeys Keys { get; }

    /// <summary>The connected workers and the work handed to them.</summary>
    public WorkItemDispatcher Dispatcher { get; }

    /// <summary>True when an actor state store is configured (daprd needs one for workflows).</summary>
    public bool IsAvailable => _store is not null;

    /// <summary>Instances held in memory (for metadata and tests).</summary>
    public int CachedInstances => _instances.Count;

    /// <summary>Resumes what the store says is unfinished: active instances (timers, activities, turns) and undelivered messages.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        if (_store is null || !_store.CanList)
        {
            return;
        }

        var active = await _store.ListAllAsync(Keys.ActiveMarkerPattern, cancellationToken);
        var prefix = Keys.ActiveMarker(string.Empty);
        await Parallel.ForEachAsync(active, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (key, ct) =>
        {
            var id = key[prefix.Length..];
            var instance = await LockAsync(id, ct);
            Unlock(instance);
        });
        var outbox = await _store.ListAllAsync(Keys.OutboxPattern, cancellationToken);
        foreach (var key in outbox)
        {
            if (await _store.ReadMessageAsync(key, cancellationToken) is { } message)
            {
                Track(DeliverAsync(key, message, cancellationToken));
            }
        }

        Log.Recovered(_logger, active.Count, outbox.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _timers.Dispose();
        try
        {
            await Task.WhenAll(_background.Keys).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or DaprApiException or InvalidOperationException)
        {
            // Stopping: unfinished work is resumed from the store by the next start.
        }

        _stopping.Dispose();
    }

    // ----- instance cache and locking ------------------------------------------------------------------

    /// <summary>Locks an instance, loading it from the store the first time (and resuming its pending work).</summary>
    private async Task<WorkflowInstance> LockAsync(string id, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
        while (true)
        {
            var instance = _instances.GetOrAdd(id, static key => new WorkflowInstance(key));
            await instance.Gate.WaitAsync(cancellationToken);
            if (instance.Evicted)
            {
                instance.Gate.Release();
                continue;
            }

            if (!instance.Loaded)
            {
                try
                {
                    await store.LoadAsync(instance, cancellationToken);
                    instance.Loaded = true;
                    instance.Touch();
                    ResumePendingLocked(instance);
                    await PumpLocked(instance, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Evict(instance);
                    instance.Gate.Release();
                    Log.LoadFailed(_logger, id, ex.Message);
                    throw new DaprApiException(WorkflowErrors.Get(id, $"failed to load workflow state: {ex.Message}"));
                }
                catch
                {
                    Evict(instance);
                    instance.Gate.Release();
                    throw;
                }
            }

            return instance;
        }
    }

    /// <summary>Releases an instance; instances that do not exist leave the cache, and finished ones when it is full.</summary>
    private void Unlock(WorkflowInstance instance)
    {
        if (!instance.Exists)
        {
            Evict(instance);
        }

        instance.Gate.Release();
        if (_instances.Count > CacheLimit)
        {
            TrimCache();
        }
    }

    private void Evict(WorkflowInstance instance)
    {
        instance.Evicted = true;
        _instances.TryRemove(new KeyValuePair<string, WorkflowInstance>(instance.Id, instance));
    }

    private void TrimCache()
    {
        foreach (var instance in _instances.Values)
        {
            if (_instances.Count <= CacheLimit / 2)
            {
                return;
            }

            if (instance.Gate.Wait(0))
            {
                if (instance.Summary.IsTerminal && instance.Turn is null && instance.Inbox.Count == 0)
                {
                    Evict(instance);
                }

                instance.Gate.Release();
            }
        }
    }

    /// <summary>Saves the instance; a failed save drops it from the cache so the next use reloads what the store holds.</summary>
    private async Task SaveLocked(WorkflowInstance instance, IReadOnlyList<StateOperation>? extra, CancellationToken cancellationToken)
    {
        try
        {
            await _store!.SaveAsync(instance, active: instance.Exists && !instance.Summary.IsTerminal, extra, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Evict(instance);
            Log.SaveFailed(_logger, instance.Id, ex.Message);
            throw new DaprApiException(WorkflowErrors.Store(ex.Message));
        }
    }

    // ----- change notification ------------------------------------------------------------------------

    private TaskCompletionSource SignalFor(string id) =>
        _signals.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Signal(string id)
    {
        if (_signals.TryRemove(id, out var signal))
        {
            signal.TrySetResult();
        }
    }

    // ----- background work ----------------------------------------------------------------------------

    /// <summary>Owns a background task: its failure is logged, and disposal waits for it.</summary>
    private void Track(Task task)
    {
        if (task.IsCompleted)
        {
            Observe(task);
            return;
        }

        _background.TryAdd(task, true);
        _ = task.ContinueWith(
            t =>
            {
                _background.TryRemove(t, out _);
                Observe(t);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Observe(Task task)
    {
        if (task.IsFaulted && !_stopping.IsCancellationRequested)
        {
            Log.BackgroundFailed(_logger, task.Exception!.GetBaseException().Message);
        }
    }

    private string NextToken(string kind) => kind + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_time.GetUtcNow());

    private string NewExecutionId()
    {
        Span<byte> bytes = stackalloc byte[16];
        lock (_random)
        {
            _random.NextBytes(bytes);
        }

        // A version-4 UUID from the injected randomness.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Workflow engine resumed {Active} active instances and {Messages} undelivered messages")]
        public static partial void Recovered(ILogger logger, int active, int messages);

        [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Workflow '{InstanceId}': loading its state failed: {Reason}")]
        public static partial void LoadFailed(ILogger logger, string instanceId, string reason);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Workflow '{InstanceId}': saving its state failed (it will be reloaded): {Reason}")]
        public static partial void SaveFailed(ILogger logger, string instanceId, string reason);

        [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Workflow engine background work failed: {Reason}")]
        public static partial void BackgroundFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "Workflow '{InstanceId}': ignoring a {What} ({Reason})")]
        public static partial void Ignored(ILogger logger, string instanceId, string what, string reason);

        [LoggerMessage(EventId = 406, Level = LogLevel.Debug, Message = "Workflow '{InstanceId}': ignoring a {What} for task {TaskId}")]
        public static partial void IgnoredTask(ILogger logger, string instanceId, string what, int taskId);

        [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "Workflow '{InstanceId}': the worker answered an invalid turn: {Reason}")]
        public static partial void InvalidTurn(ILogger logger, string instanceId, string reason);
    }
}

/// <summary>An activity work item handed out: which instance, generation and task it completes.</summary>
internal sealed record ActivityTicket(string InstanceId, ulong Generation, int TaskId);
