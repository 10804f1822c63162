namespace BioDapr.Cell.Hormones;

/// <summary>Every hormone set of the cell, for the update endpoint and the coordinator.</summary>
internal sealed class HormoneRegistry
{
    private readonly List<IHormoneBinding> _bindings = [];

    public IReadOnlyList<IHormoneBinding> Bindings
    {
        get
        {
            lock (_bindings)
            {
                return [.. _bindings];
            }
        }
    }

    public void Add(IHormoneBinding binding)
    {
        lock (_bindings)
        {
            _bindings.Add(binding);
        }
    }

    /// <summary>Applies a value to every set bound to (store, key); false when none accepted it.</summary>
    public bool Apply(string store, string key, string? value)
    {
        var accepted = false;
        var known = false;
        foreach (var binding in Bindings.Where(b => b.StoreName == store && b.ConfigurationKeys.Contains(key)))
        {
            known = true;
            accepted |= binding.Apply(key, value);
        }

        return !known || accepted;
    }
}
