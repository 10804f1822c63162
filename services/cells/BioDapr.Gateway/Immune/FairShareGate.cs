namespace BioDapr.Gateway.Immune;

/// <summary>
/// Per-client shares of a shared capacity (the requests the gateway may have in flight to orders). With n active
/// clients, capacity / (n + 1) is each one's guaranteed share (one share is kept for a client that is not active yet):
/// a client below its share is admitted as long as that leaves the other active clients' unused shares free. Beyond
/// its share a client may borrow what is idle, but only while the others' unused shares and one more slot stay free.
/// So a client within its share is admitted whatever another client sends (once the other's excess requests end:
/// nothing is pre-empted), and a lone client still uses all but one slot.
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
            var share = Math.Max(1, capacity / (active + 1));
            var unusedShares = 0;
            foreach (var (other, inFlight) in _inFlight)
            {
                if (other != client)
                {
                    unusedShares += Math.Max(0, share - inFlight);
                }
            }

            // Within its share: keep room for the others' shares. Borrowing: keep one more slot for a newcomer.
            var admit = mine < share
                ? _total + unusedShares < capacity
                : _total + unusedShares + 1 < capacity;
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
