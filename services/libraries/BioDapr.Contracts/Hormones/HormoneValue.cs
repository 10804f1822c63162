namespace BioDapr.Contracts.Hormones;

/// <summary>
/// A hormone as stored in a Redis configuration store: <c>value||version</c>, read the way Dapr's
/// <c>configuration.redis</c> reads it (everything before the first <c>||</c> is the value, what follows up to a
/// second <c>||</c> the version; no <c>||</c>: no version). A value cannot itself contain <c>||</c>: Dapr would cut it.
/// </summary>
public static class HormoneValue
{
    /// <summary>The separator between value and version.</summary>
    public const string Separator = "||";

    /// <summary>The stored text of <paramref name="value"/> at <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentException">The value or the version contains <c>||</c>.</exception>
    public static string Format(string value, string version)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(version);
        if (value.Contains(Separator, StringComparison.Ordinal) || version.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"a hormone value or version cannot contain '{Separator}' (configuration.redis would cut it): '{value}', '{version}'", nameof(value));
        }

        return value + Separator + version;
    }

    /// <summary>The value and version of stored text.</summary>
    public static (string Value, string Version) Parse(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split(Separator);
        return (parts[0], parts.Length > 1 ? parts[1] : string.Empty);
    }
}
