namespace BioDapr.Pathways.Policies;

/// <summary>
/// A concurrency limit with a bounded FIFO queue whose limit and queue size are read at every
/// decision (hormones), so changing them keeps the calls in flight and the queue. Lowering the
/// limit takes effect as calls finish; raising it admits queued calls on the next release or
/// <see cref="Drain"/>. The waiter type is the caller's: a TaskCompletionSource in the live pipeline,
/// a simulated request in the simulator.
/// </summary>
/// <typeparam name="TWaiter">What a queued call is represented by.</typeparam>
public sealed class ConcurrencyLimiter<TWaiter>
    where TWaiter : class
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TWaiter> _queue = new();
    private readonly Dictionary<TWaiter, LinkedListNode<TWaiter>> _nodes = new(ReferenceEqualityComparer.Instance);
    private int _inFlight;

    /// <summary>Calls currently holding a slot.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Calls waiting for a slot.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Admits a new call when a slot is free and nobody is queued (the common case), without a waiter: false means the
    /// call has to go through <see cref="Request"/>.
    /// </summary>
    public bool TryAcquire(int limit)
    {
        lock (_lock)
        {
            if (_inFlight < limit && _queue.Count == 0)
            {
                _inFlight++;
                return true;
            }

            return false;
        }
    }

    /// <summary>Admits, queues or rejects a new call.</summary>
    public LimiterDecision Request(TWaiter waiter, int limit, int queueLimit)
    {
        lock (_lock)
        {
            if (_inFlight < limit && _queue.Count == 0)
            {
                _inFlight++;
                return LimiterDecision.Admitted;
            }

            if (_queue.Count < queueLimit)
            {
                _nodes[waiter] = _queue.AddLast(waiter);
                return LimiterDecision.Queued;
            }

            return LimiterDecision.Rejected;
        }
    }

    /// <summary>
    /// A call finished and gives its slot back. Returns the queued calls that now hold a slot (in FIFO
    /// order); the caller resumes them.
    /// </summary>
    public IReadOnlyList<TWaiter> Release(int limit)
    {
        lock (_lock)
        {
            _inFlight--;
            return AdmitQueued(limit);
        }
    }

    /// <summary>Admits queued calls while slots are free (after the limit was raised).</summary>
    public IReadOnlyList<TWaiter> Drain(int limit)
    {
        lock (_lock)
        {
            return AdmitQueued(limit);
        }
    }

    /// <summary>Removes a queued call that gave up; false when it was already admitted.</summary>
    public bool Cancel(TWaiter waiter)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(waiter, out var node))
            {
                return false;
            }

            _queue.Remove(node);
            return true;
        }
    }

    private IReadOnlyList<TWaiter> AdmitQueued(int limit)
    {
        // Nobody waiting (the common case): no list.
        if (_queue.Count == 0)
        {
            return [];
        }

        List<TWaiter>? admitted = null;
        while (_inFlight < limit && _queue.First is { } first)
        {
            _queue.RemoveFirst();
            _nodes.Remove(first.Value);
            _inFlight++;
            (admitted ??= []).Add(first.Value);
        }

        return admitted is null ? Array.Empty<TWaiter>() : admitted;
    }
}
