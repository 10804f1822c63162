namespace BioDapr.Gateway.Immune;

/// <summary>
/// Per-client shares of a shared capacity (the requests the gateway may have in flight to orders). With n active
/// clients each is guaranteed capacity / n; a client may borrow beyond its share only while that leaves the unused
/// shares of the other active clients, and one slot for a newcomer, free. So a client within its own share is
/// always admitted whatever another client does, and a lone client still uses (almost) all of the capacity.
/// </summary>
public sealed class FairShareGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Requests in flight now, all clients together.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>Admits one request of <paramref name="client"/> under <paramref name="capacity"/>; false means over its share. Call <see cref="Exit"/> when it ends.</summary>
    public bool TryEnter(string client, int capacity)
    {
        capacity = Math.Max(1, capacity);
        lock (_lock)
        {
            if (_total >= capacity)
            {
                return false;
            }

            var mine = _inFlight.GetValueOrDefault(client);
            var active = _inFlight.Count + (mine == 0 ? 1 : 0);
            var share = Math.Max(1, capacity / active);
            var admit = mine < share;
            if (!admit)
            {
                var unusedShares = 0;
                foreach (var (other, inFlight) in _inFlight)
                {
                    if (other != client)
                    {
                        unusedShares += Math.Max(0, share - inFlight);
                    }
                }

                admit = _total + unusedShares + 1 < capacity;
            }

            if (admit)
            {
                _inFlight[client] = mine + 1;
                _total++;
            }

            return admit;
        }
    }

    /// <summary>Ends one request of <paramref name="client"/>.</summary>
    public void Exit(string client)
    {
        lock (_lock)
        {
            var mine = _inFlight.GetValueOrDefault(client);
            if (mine <= 1)
            {
                _inFlight.Remove(client);
            }
            else
            {
                _inFlight[client] = mine - 1;
            }

            _total = Math.Max(0, _total - 1);
        }
    }
}
