using System.Text.Json;

namespace BioDapr.Contracts.Hormones;

/// <summary>
/// The one definition of where hormones live in the configuration store: <c>&lt;cell&gt;.pathways.&lt;target&gt;.&lt;hormone&gt;</c>
/// (a pathway's resilience), <c>&lt;cell&gt;.admission.&lt;hormone&gt;</c>, <c>&lt;cell&gt;.pathogens.&lt;hormone&gt;</c> and
/// <c>cortex.&lt;hormone&gt;</c>; a hormone's name is its property's name in camelCase (<c>TimeoutMs</c> → <c>timeoutMs</c>)
/// unless the property says otherwise. Cells bind to these keys, the cortex, the load generator and the lab write them.
/// </summary>
public static class HormoneKeys
{
    /// <summary>The configuration store component the organism's hormones are in.</summary>
    public const string Store = "hormones";

    /// <summary>The prefix of the cortex's own hormones.</summary>
    public const string CortexPrefix = "cortex.";

    /// <summary>The prefix of the hormones of <paramref name="cell"/>'s pathway to <paramref name="target"/>.</summary>
    public static string PathwayPrefix(string cell, string target) => $"{Checked(cell, nameof(cell))}.pathways.{Checked(target, nameof(target))}.";

    /// <summary>The prefix of <paramref name="cell"/>'s admission hormones.</summary>
    public static string AdmissionPrefix(string cell) => $"{Checked(cell, nameof(cell))}.admission.";

    /// <summary>The prefix of <paramref name="cell"/>'s pathogen (fault-injection) hormones.</summary>
    public static string PathogensPrefix(string cell) => $"{Checked(cell, nameof(cell))}.pathogens.";

    /// <summary>The key of one hormone of a pathway.</summary>
    public static string Pathway(string cell, string target, string hormone) => PathwayPrefix(cell, target) + Checked(hormone, nameof(hormone));

    /// <summary>The hormone name of a property: its name in camelCase.</summary>
    public static string NameOf(string propertyName) => JsonNamingPolicy.CamelCase.ConvertName(Checked(propertyName, nameof(propertyName)));

    private static string Checked(string part, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(part, name);
        return part;
    }
}
