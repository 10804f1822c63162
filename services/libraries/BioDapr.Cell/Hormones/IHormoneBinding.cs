namespace BioDapr.Cell.Hormones;

/// <summary>The non-generic side of a hormone set: what the registry and the update endpoint need.</summary>
internal interface IHormoneBinding
{
    string StoreName { get; }

    IReadOnlyCollection<string> ConfigurationKeys { get; }

    /// <summary>Applies one value (null: the key was deleted); false when rejected.</summary>
    bool Apply(string key, string? value);
}
