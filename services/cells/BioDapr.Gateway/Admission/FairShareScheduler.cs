using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Gateway.Admission;

/// <summary>
/// Shares a capacity (the requests the gateway may have in flight to orders) fairly between clients. While a slot is
/// free and nobody waits, a request is admitted at once, except that the last free slot is kept for a client with
/// nothing in flight (so a newcomer is served at once even while a flood holds every other slot, and a lone client
/// uses all slots but one). Otherwise it waits in its own client's queue (FIFO, at most
/// <see cref="FairShareLimits.QueueLimit"/>, one more is refused with <see cref="FairShareOutcome.QueueFull"/>), and each
/// slot that frees up goes to the waiting client with the fewest requests in flight, round-robin among equals. So a
/// flood's requests wait behind each other in the flood's queue and never ahead of another client's request: a client
/// with fewer requests in flight than the flood is served first, and clients that both want more than they get are
/// served in turns. A request that gets no slot within <see cref="FairShareLimits.QueueTimeout"/> is refused before
/// anything was done: <see cref="FairShareOutcome.OverShare"/> when its client had at least its fair share
/// (capacity / clients with requests in flight or waiting) in flight, else <see cref="FairShareOutcome.Busy"/>.
/// The limits are read at every decision, so a hormone change applies live: a lower capacity pre-empts nothing and admits
/// nobody new until enough requests have ended, except that while more than the capacity is in flight a slot that ends
/// goes to a waiting client with nothing in flight (so a newcomer waits for one release, not for the others to drain);
/// a higher capacity admits waiting requests at the next decision. A client's queue that has not been empty for a whole
/// queue timeout is standing: its new requests wait at most <see cref="FairShareLimits.StandingQueueTimeout"/>. A client
/// with nothing in flight and nothing waiting is forgotten.
/// Logs a change of the limits in force (Information), each <see cref="FairShareOutcome.Busy"/> refusal (Information: a
/// client below its share was refused) and each refusal of a client over its share (Debug), with the capacity, every
/// client's requests in flight and waiting.
/// </summary>
public sealed partial class FairShareScheduler
{
    private static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Func<FairShareLimits> _limits;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ClientState> _clients = new(StringComparer.Ordinal);

    // Clients with requests waiting, in the order they are served among equals (a served client goes to the back).
    private readonly LinkedList<ClientState> _backlogged = new();
    private int _inFlight;
    private int _queued;
    private FairShareLimits _lastLimits;

    /// <summary>Creates a scheduler whose limits are read from <paramref name="limits"/> at every decision.</summary>
    public FairShareScheduler(TimeProvider time, Func<FairShareLimits> limits, ILogger<FairShareScheduler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(limits);
        _time = time;
        _limits = limits;
        _logger = logger ?? NullLogger<FairShareScheduler>.Instance;
    }

    /// <summary>Requests holding a slot now, all clients together.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Requests waiting for a slot now, all clients together.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queued;
            }
        }
    }

    /// <summary>The slots in force now (all clients together; the last free one is kept for a client with nothing in flight).</summary>
    public int Capacity => Math.Max(1, _limits().Concurrency);

    /// <summary>Clients with requests in flight or waiting.</summary>
    public int Clients
    {
        get
        {
            lock (_lock)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>Requests of <paramref name="client"/> holding a slot now.</summary>
    public int InFlightOf(string client)
    {
        lock (_lock)
        {
            return _clients.TryGetValue(client, out var state) ? state.InFlight : 0;
        }
    }

    /// <summary>
    /// Asks for a slot for one request of <paramref name="client"/>: admitted at once, after waiting in the client's
    /// queue, or refused. When admitted, call <see cref="Exit"/> once the request ends. Cancelling
    /// <paramref name="cancellationToken"/> while waiting takes the request out of the queue and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<FairShareTicket> EnterAsync(string client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        cancellationToken.ThrowIfCancellationRequested();
        var limits = _limits();
        var capacity = Math.Max(1, limits.Concurrency);
        Waiter waiter;
        List<Waiter>? admitted;
        lock (_lock)
        {
            NoteLimits(limits, capacity);

            // A capacity raised since the last decision first goes to those already waiting.
            admitted = AdmitWaiting(capacity);
            var state = StateOf(client);
            if (MayTake(state, capacity) && (_backlogged.Count == 0 || state.InFlight < FewestInFlightWaiting()))
            {
                state.InFlight++;
                _inFlight++;
                Complete(admitted, FairShareOutcome.Admitted);
                return Task.FromResult(new FairShareTicket(FairShareOutcome.Admitted, TimeSpan.Zero, TimeSpan.Zero));
            }

            var timeout = QueueTimeoutOf(state, limits);
            if (timeout <= TimeSpan.Zero || limits.QueueLimit <= 0 || state.Waiting.Count >= limits.QueueLimit)
            {
                // No waiting at all is a refusal like a wait that ran out; a full queue is the client's own doing.
                var outcome = limits.QueueTimeout > TimeSpan.Zero && limits.QueueLimit > 0 && state.Waiting.Count >= limits.QueueLimit ? FairShareOutcome.QueueFull : Refusal(state, capacity);
                LogRefusal(state, outcome, TimeSpan.Zero, capacity);
                Forget(state);
                Complete(admitted, FairShareOutcome.Admitted);
                return Task.FromResult(new FairShareTicket(outcome, MinimumRetryAfter, TimeSpan.Zero));
            }

            waiter = new Waiter(this, state, _time.GetTimestamp());
            waiter.Node = state.Waiting.AddLast(waiter);
            _queued++;
            if (state.Waiting.Count == 1)
            {
                state.Backlog = _backlogged.AddLast(state);
            }

            waiter.Timer = _time.CreateTimer(static w => ((Waiter)w!).Scheduler.Expire((Waiter)w), waiter, timeout, Timeout.InfiniteTimeSpan);
        }

        Complete(admitted, FairShareOutcome.Admitted);
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(static (w, token) => ((Waiter)w!).Scheduler.Cancel((Waiter)w, token), waiter);
        }

        return waiter.Completion.Task;
    }

    /// <summary>Ends one admitted request of <paramref name="client"/>; its slot goes to the next waiting request.</summary>
    public void Exit(string client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var limits = _limits();
        var capacity = Math.Max(1, limits.Concurrency);
        List<Waiter>? admitted;
        lock (_lock)
        {
            NoteLimits(limits, capacity);
            admitted = null;
            if (_clients.TryGetValue(client, out var state) && state.InFlight > 0)
            {
                state.InFlight--;
                _inFlight--;
                if (_inFlight >= capacity && state.InFlight > 0 && WaitingWithNothingInFlight() is { } newcomer)
                {
                    // The capacity was lowered below what is in flight (a hormone, the cortex's pathway limit): nothing
                    // is pre-empted, but a slot that ends goes to a waiting client with nothing in flight, so it is not
                    // shut out until the others have drained to the new capacity. In flight stays where it was.
                    admitted = [Admit(newcomer)];
                }

                Forget(state);
            }

            if (AdmitWaiting(capacity) is { } more)
            {
                (admitted ??= []).AddRange(more);
            }
        }

        Complete(admitted, FairShareOutcome.Admitted);
    }

    /// <summary>Admits waiting requests while slots are free (after the capacity was raised).</summary>
    public void Drain()
    {
        var limits = _limits();
        var capacity = Math.Max(1, limits.Concurrency);
        List<Waiter>? admitted;
        lock (_lock)
        {
            NoteLimits(limits, capacity);
            admitted = AdmitWaiting(capacity);
        }

        Complete(admitted, FairShareOutcome.Admitted);
    }

    // Under the lock: the next free slots go to the backlogged client with the fewest in flight, the first of equals.
    private List<Waiter>? AdmitWaiting(int capacity)
    {
        List<Waiter>? admitted = null;
        while (_inFlight < capacity && _backlogged.First is { } node)
        {
            var next = node;
            for (var candidate = node.Next; candidate is not null; candidate = candidate.Next)
            {
                if (candidate.Value.InFlight < next.Value.InFlight)
                {
                    next = candidate;
                }
            }

            var state = next.Value;
            if (!MayTake(state, capacity))
            {
                // The last free slot is kept for a client with nothing in flight.
                break;
            }

            (admitted ??= []).Add(Admit(state));
        }

        return admitted;
    }

    // Under the lock: the first waiting request of state takes a slot.
    private Waiter Admit(ClientState state)
    {
        var waiter = state.Waiting.First!.Value;
        Dequeue(waiter);
        state.InFlight++;
        _inFlight++;
        if (state.Backlog is not null)
        {
            // Served: to the back of the line among equals.
            _backlogged.Remove(state.Backlog);
            _backlogged.AddLast(state.Backlog);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var waited = (long)_time.GetElapsedTime(waiter.QueuedAt).TotalMilliseconds;
            AdmittedAfterWaiting(_logger, state.Name, waited, _inFlight, _queued);
        }

        return waiter;
    }

    // Under the lock: the first backlogged client (in serving order) with nothing in flight.
    private ClientState? WaitingWithNothingInFlight()
    {
        foreach (var state in _backlogged)
        {
            if (state.InFlight == 0)
            {
                return state;
            }
        }

        return null;
    }

    private void Expire(Waiter waiter)
    {
        FairShareOutcome outcome;
        lock (_lock)
        {
            if (waiter.Node is null)
            {
                return;
            }

            Dequeue(waiter);
            var limits = _limits();
            var capacity = Math.Max(1, limits.Concurrency);
            NoteLimits(limits, capacity);
            outcome = Refusal(waiter.Client, capacity);
            LogRefusal(waiter.Client, outcome, _time.GetElapsedTime(waiter.QueuedAt), capacity);
            Forget(waiter.Client);
        }

        waiter.Finish(outcome, MinimumRetryAfter, _time);
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node is null)
            {
                return;
            }

            Dequeue(waiter);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var waited = (long)_time.GetElapsedTime(waiter.QueuedAt).TotalMilliseconds;
                GaveUp(_logger, waiter.Client.Name, waited, _inFlight, _queued);
            }

            Forget(waiter.Client);
        }

        waiter.Timer?.Dispose();
        waiter.Completion.TrySetCanceled(cancellationToken);
    }

    // Under the lock: the full queue timeout while the client's queue absorbs a burst; the standing-queue timeout once
    // it has not been empty for a whole queue timeout (then the client sends more than it is served, and a request that
    // waited the whole timeout would be answered after a client with a deadline as long had given up).
    private TimeSpan QueueTimeoutOf(ClientState state, FairShareLimits limits)
    {
        if (state.Waiting.Count == 0)
        {
            state.EmptySince = _time.GetTimestamp();
            return limits.QueueTimeout;
        }

        return limits.StandingQueueTimeout is { } standing && standing < limits.QueueTimeout && _time.GetElapsedTime(state.EmptySince) >= limits.QueueTimeout
            ? standing
            : limits.QueueTimeout;
    }

    // Under the lock: a client may take the last free slot only when it has nothing in flight, so a newcomer never
    // waits for a release while the others hold every slot.
    private bool MayTake(ClientState state, int capacity) =>
        _inFlight < capacity && (state.InFlight == 0 || _inFlight + 1 < capacity);

    private int FewestInFlightWaiting()
    {
        var fewest = int.MaxValue;
        foreach (var state in _backlogged)
        {
            fewest = Math.Min(fewest, state.InFlight);
        }

        return fewest;
    }

    // Under the lock: at or above its fair share, the client waited behind its own requests (429); below it, the capacity is busy (503).
    private FairShareOutcome Refusal(ClientState state, int capacity)
    {
        var share = Math.Max(1, capacity / Math.Max(1, _clients.Count));
        return state.InFlight >= share ? FairShareOutcome.OverShare : FairShareOutcome.Busy;
    }

    private ClientState StateOf(string client)
    {
        if (!_clients.TryGetValue(client, out var state))
        {
            state = new ClientState(client);
            _clients.Add(client, state);
        }

        return state;
    }

    // Under the lock: takes a waiter out of its client's queue and, when that was the last, the client out of the line.
    private void Dequeue(Waiter waiter)
    {
        var state = waiter.Client;
        state.Waiting.Remove(waiter.Node!);
        waiter.Node = null;
        _queued--;
        if (state.Waiting.Count == 0)
        {
            state.EmptySince = _time.GetTimestamp();
        }

        if (state.Waiting.Count == 0 && state.Backlog is not null)
        {
            _backlogged.Remove(state.Backlog);
            state.Backlog = null;
        }
    }

    // Under the lock: a client with nothing in flight and nothing waiting is forgotten (bounded memory, and its share goes back).
    private void Forget(ClientState state)
    {
        if (state.InFlight == 0 && state.Waiting.Count == 0)
        {
            _clients.Remove(state.Name);
        }
    }

    private void Complete(List<Waiter>? admitted, FairShareOutcome outcome)
    {
        if (admitted is null)
        {
            return;
        }

        foreach (var waiter in admitted)
        {
            if (!waiter.Finish(outcome, TimeSpan.Zero, _time))
            {
                // Cancelled in the same instant it was admitted: the slot is not used.
                Exit(waiter.Client.Name);
            }
        }
    }

    // Under the lock: a change of the limits in force (a hormone, the pathway's limit the cortex or the slow start set)
    // is logged once, with what it meets.
    private void NoteLimits(FairShareLimits limits, int capacity)
    {
        if (limits == _lastLimits)
        {
            return;
        }

        _lastLimits = limits;
        var standing = (long)(limits.StandingQueueTimeout ?? limits.QueueTimeout).TotalMilliseconds;
        LimitsChanged(_logger, capacity, limits.QueueLimit, (long)limits.QueueTimeout.TotalMilliseconds, standing, _inFlight, _queued);
    }

    // Under the lock: a refusal with the state that caused it (who holds the slots, who waits).
    private void LogRefusal(ClientState state, FairShareOutcome outcome, TimeSpan waited, int capacity)
    {
        var level = outcome == FairShareOutcome.Busy ? LogLevel.Information : LogLevel.Debug;
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var clients = new StringBuilder();
        foreach (var client in _clients.Values)
        {
            clients.Append(clients.Length == 0 ? string.Empty : ", ").Append(client.Name).Append(' ')
                .Append(client.InFlight).Append(" in flight/").Append(client.Waiting.Count).Append(" waiting");
        }

        var summary = clients.ToString();
        Refused(_logger, level, state.Name, outcome, (long)waited.TotalMilliseconds, capacity, _inFlight, _queued, summary);
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Fair-share limits in force: capacity {Capacity}, queue limit {QueueLimit}, queue timeout {QueueTimeoutMs} ms ({StandingQueueTimeoutMs} ms in a standing queue); now {InFlight} in flight, {Queued} waiting")]
    private static partial void LimitsChanged(ILogger logger, int capacity, int queueLimit, long queueTimeoutMs, long standingQueueTimeoutMs, int inFlight, int queued);

    [LoggerMessage(EventId = 1701, Message = "Fair share refused a request of {Client} ({Outcome}) after {WaitedMs} ms: capacity {Capacity}, {InFlight} in flight, {Queued} waiting; clients: {Clients}")]
    private static partial void Refused(ILogger logger, LogLevel level, string client, FairShareOutcome outcome, long waitedMs, int capacity, int inFlight, int queued, string clients);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Debug, Message = "Fair share admitted a request of {Client} after {WaitedMs} ms: {InFlight} in flight, {Queued} waiting")]
    private static partial void AdmittedAfterWaiting(ILogger logger, string client, long waitedMs, int inFlight, int queued);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Debug, Message = "The caller of a waiting request of {Client} gave up after {WaitedMs} ms: {InFlight} in flight, {Queued} waiting")]
    private static partial void GaveUp(ILogger logger, string client, long waitedMs, int inFlight, int queued);

    private sealed class ClientState(string name)
    {
        public string Name { get; } = name;

        public int InFlight { get; set; }

        public LinkedList<Waiter> Waiting { get; } = new();

        public LinkedListNode<ClientState>? Backlog { get; set; }

        // When its queue was last empty (a timestamp): a queue not empty for a whole queue timeout is standing.
        public long EmptySince { get; set; }
    }

    private sealed class Waiter(FairShareScheduler scheduler, ClientState client, long queuedAt)
    {
        public FairShareScheduler Scheduler { get; } = scheduler;

        public long QueuedAt { get; } = queuedAt;

        public ClientState Client { get; } = client;

        public TaskCompletionSource<FairShareTicket> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public bool Finish(FairShareOutcome outcome, TimeSpan retryAfter, TimeProvider time)
        {
            Timer?.Dispose();
            Cancellation.Dispose();
            return Completion.TrySetResult(new FairShareTicket(outcome, retryAfter, time.GetElapsedTime(QueuedAt)));
        }
    }
}
