namespace BioDapr.Sidecar.Actors;

/// <summary>
/// daprd's per-actor lock: one turn at a time, FIFO. With reentrancy, a request carrying the
/// reentrancy id of the chain holding the lock enters at once (up to the maximum stack depth).
/// </summary>
internal sealed class ActorTurnLock
{
    private readonly Lock _sync = new();
    private readonly LinkedList<(string? Chain, TaskCompletionSource<IDisposable> Waiter)> _waiting = new();
    private string? _chain;
    private int _depth;
    private bool _held;

    /// <summary>True when nobody holds or waits for the lock.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_sync)
            {
                return !_held && _waiting.Count == 0;
            }
        }
    }

    /// <summary>Takes a turn; dispose the result to end it. Throws <see cref="ActorStackDepthException"/> past <paramref name="maxDepth"/>.</summary>
    public Task<IDisposable> EnterAsync(string? chain, int maxDepth, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (!_held)
            {
                _held = true;
                _chain = chain;
                _depth = 1;
                return Task.FromResult<IDisposable>(new Turn(this));
            }

            if (chain is not null && chain == _chain)
            {
                if (_depth >= maxDepth)
                {
                    throw new ActorStackDepthException();
                }

                _depth++;
                return Task.FromResult<IDisposable>(new Turn(this));
            }

            var waiter = new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = _waiting.AddLast((chain, waiter));
            if (cancellationToken.CanBeCanceled)
            {
                cancellationToken.Register(() =>
                {
                    lock (_sync)
                    {
                        if (node.List is not null)
                        {
                            _waiting.Remove(node);
                            waiter.TrySetCanceled(cancellationToken);
                        }
                    }
                });
            }

            return waiter.Task;
        }
    }

    private void Exit()
    {
        TaskCompletionSource<IDisposable>? next = null;
        lock (_sync)
        {
            if (--_depth > 0)
            {
                return;
            }

            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                _chain = first.Value.Chain;
                _depth = 1;
                next = first.Value.Waiter;
            }
            else
            {
                _held = false;
                _chain = null;
            }
        }

        next?.TrySetResult(new Turn(this));
    }

    private sealed class Turn(ActorTurnLock owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Exit();
            }
        }
    }
}

/// <summary>A reentrant chain went deeper than <c>maxStackDepth</c>.</summary>
internal sealed class ActorStackDepthException() : Exception("maximum stack depth exceeded");
