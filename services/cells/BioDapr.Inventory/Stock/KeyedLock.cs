namespace BioDapr.Inventory.Stock;

/// <summary>
/// Asynchronous mutual exclusion per key (one <see cref="SemaphoreSlim"/> per key in use, removed when its last user
/// leaves). .NET has none built in and the package that offers one (AsyncKeyedLock) is not served here.
/// </summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits until <paramref name="key"/> is free and takes it; dispose the result to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out gate!))
            {
                gate = new Gate();
                _gates[key] = gate;
            }

            gate.Users++;
        }

        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, gate);
            throw;
        }

        return new Holder(this, key, gate);
    }

    private void Leave(string key, Gate gate)
    {
        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(key);
                gate.Semaphore.Dispose();
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Holder(KeyedLock owner, string key, Gate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Semaphore.Release();
                owner.Leave(key, gate);
            }
        }
    }
}
