namespace BioDapr.Cell.Ingress;

/// <summary>The cell's worker slots: admits a request when fewer than the current limit are in flight.</summary>
public sealed class AdmissionGate
{
    private int _inFlight;

    /// <summary>Requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes a slot if one is free under <paramref name="limit"/>; false means shed.</summary>
    public bool TryEnter(int limit)
    {
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            if (current >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Returns a slot.</summary>
    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
