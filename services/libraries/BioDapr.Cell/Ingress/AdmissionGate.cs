namespace BioDapr.Cell.Ingress;

/// <summary>
/// The cell's worker slots: admits a request when fewer than the current limit are in flight; otherwise
/// the request waits its turn (first in, first out) while fewer than the queue limit are waiting, or is shed.
/// A slot that frees up, or a raised limit, goes to the oldest waiting request.
/// </summary>
public sealed class AdmissionGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private int _inFlight;
    private int _limit = int.MaxValue;

    /// <summary>Requests being served now.</summary>
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

    /// <summary>Requests waiting for a slot.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Takes a slot under <paramref name="limit"/>, waiting behind at most <paramref name="queueLimit"/> others;
    /// false means shed (the queue is full).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting (the request left the queue).</exception>
    public ValueTask<bool> EnterAsync(int limit, int queueLimit, CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            _limit = limit;
            Drain();
            if (_inFlight < limit && _waiting.Count == 0)
            {
                _inFlight++;
                return ValueTask.FromResult(true);
            }

            if (_waiting.Count >= queueLimit)
            {
                return ValueTask.FromResult(false);
            }

            node = _waiting.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return WaitAsync(node, cancellationToken);
    }

    /// <summary>Returns a slot (to the oldest waiting request, if any).</summary>
    public void Exit()
    {
        lock (_lock)
        {
            _inFlight--;
            Drain();
        }
    }

    private async ValueTask<bool> WaitAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                // Still waiting: leave the queue. Already admitted: the slot is the caller's, who exits it.
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                    node.Value.TrySetCanceled(cancellationToken);
                }
            }
        });
        await node.Value.Task.ConfigureAwait(false);
        return true;
    }

    // Under the lock: hands free slots to waiting requests, oldest first.
    private void Drain()
    {
        while (_inFlight < _limit && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            _inFlight++;
            first.Value.TrySetResult();
        }
    }
}
