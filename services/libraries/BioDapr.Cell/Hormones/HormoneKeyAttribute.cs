namespace BioDapr.Cell.Hormones;

/// <summary>Overrides the configuration key suffix of a hormone property (the key prefix still applies).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HormoneKeyAttribute(string key) : Attribute
{
    /// <summary>The key suffix.</summary>
    public string Key { get; } = key;
}
