using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// The workers connected through <c>GetWorkItems</c> and the work items handed to them. A work item goes to the
/// connected stream with the fewest unanswered items (so the activities of a fan-out spread over every replica
/// of the app), or waits until a worker connects. When a stream ends (the app stopped, was killed, or lost its
/// connection), every item it had not answered is handed out again: activities run at least once, and a turn
/// is never lost.
/// </summary>
internal sealed class WorkItemDispatcher
{
    private readonly Lock _gate = new();
    private readonly List<WorkerStream> _streams = [];
    private readonly Queue<WorkItem> _waiting = new();
    private readonly Dictionary<string, (WorkItem Item, WorkerStream Stream)> _outstanding = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Connected worker streams.</summary>
    public int Workers
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Raised (outside the lock) when the first worker connects or the last one leaves.</summary>
    public event Action<bool>? WorkersChanged;

    /// <summary>Registers a stream; items waiting for a worker go to it at once.</summary>
    public WorkerStream Connect()
    {
        var stream = new WorkerStream();
        bool first;
        lock (_gate)
        {
            _streams.Add(stream);
            first = _streams.Count == 1;
            while (_waiting.TryDequeue(out var item))
            {
                SendLocked(item);
            }
        }

        if (first)
        {
            WorkersChanged?.Invoke(true);
        }

        return stream;
    }

    /// <summary>Removes a stream and hands its unanswered items to the others (or back to the waiting queue).</summary>
    public void Disconnect(WorkerStream stream)
    {
        bool last;
        lock (_gate)
        {
            if (!_streams.Remove(stream))
            {
                return;
            }

            stream.Items.Writer.TryComplete();
            last = _streams.Count == 0;
            var orphans = _outstanding.Where(p => ReferenceEquals(p.Value.Stream, stream)).Select(p => p.Value.Item).ToList();
            foreach (var item in orphans)
            {
                _outstanding.Remove(item.CompletionToken);
                SendLocked(item);
            }
        }

        if (last)
        {
            WorkersChanged?.Invoke(false);
        }
    }

    /// <summary>Hands out a work item (its <see cref="WorkItem.CompletionToken"/> identifies it).</summary>
    public void Dispatch(WorkItem item)
    {
        lock (_gate)
        {
            SendLocked(item);
        }
    }

    /// <summary>Marks an item answered; false when it was not outstanding (answered already, or withdrawn).</summary>
    public bool Complete(string token)
    {
        lock (_gate)
        {
            if (_outstanding.Remove(token, out var entry))
            {
                entry.Stream.Outstanding--;
                return true;
            }

            return false;
        }
    }

    /// <summary>Withdraws an item not answered yet (a turn superseded by a control event, an activity of a finished instance).</summary>
    public void Withdraw(string token)
    {
        lock (_gate)
        {
            if (_outstanding.Remove(token, out var entry))
            {
                entry.Stream.Outstanding--;
            }
            else if (_waiting.Count > 0)
            {
                var kept = _waiting.Where(i => i.CompletionToken != token).ToList();
                _waiting.Clear();
                foreach (var item in kept)
                {
                    _waiting.Enqueue(item);
                }
            }
        }
    }

    /// <summary>True when the item was written to a live stream and is awaiting its answer.</summary>
    public bool IsWithWorker(string token)
    {
        lock (_gate)
        {
            return _outstanding.ContainsKey(token);
        }
    }

    /// <summary>Unanswered items per connected stream (for diagnostics and tests).</summary>
    public IReadOnlyList<int> Load()
    {
        lock (_gate)
        {
            return _streams.Select(s => s.Outstanding).ToList();
        }
    }

    private void SendLocked(WorkItem item)
    {
        if (_streams.Count == 0)
        {
            _waiting.Enqueue(item);
            return;
        }

        // Fewest unanswered items first; ties go round robin.
        WorkerStream? best = null;
        var bestLoad = int.MaxValue;
        for (var i = 0; i < _streams.Count; i++)
        {
            var candidate = _streams[(_next + i) % _streams.Count];
            if (candidate.Outstanding < bestLoad)
            {
                best = candidate;
                bestLoad = candidate.Outstanding;
            }
        }

        _next = (_next + 1) % _streams.Count;
        if (best!.Items.Writer.TryWrite(item))
        {
            _outstanding[item.CompletionToken] = (item, best);
            best.Outstanding++;
        }
        else
        {
            _waiting.Enqueue(item);
        }
    }
}

/// <summary>One <c>GetWorkItems</c> stream: the items to write to it, in order.</summary>
internal sealed class WorkerStream
{
    public Channel<WorkItem> Items { get; } = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Unanswered items (maintained by the dispatcher under its lock).</summary>
    public int Outstanding { get; set; }
}
