namespace BioDapr.Sidecar.Cli;

/// <summary>What kind of value a daprd flag takes; decides how the value is parsed.</summary>
internal enum DaprdFlagKind
{
    /// <summary>Any text.</summary>
    String,

    /// <summary>A Go boolean; <c>--flag</c> alone means true.</summary>
    Bool,

    /// <summary>A Go integer (base prefixes allowed).</summary>
    Int,

    /// <summary>A non-negative Go integer.</summary>
    Uint,

    /// <summary>A Go duration such as <c>30s</c>.</summary>
    Duration,

    /// <summary>A comma-separated list; repeating the flag appends.</summary>
    StringList,
}

/// <summary>One daprd flag: its name, value kind, default shown in the help text and description.</summary>
/// <param name="Name">The flag name without dashes.</param>
/// <param name="Kind">How its value is parsed.</param>
/// <param name="DefaultText">The default as shown in the help text ("" for none).</param>
/// <param name="Description">One line of help.</param>
/// <param name="Deprecation">When set, the flag still works but using it adds this notice to the warnings.</param>
/// <param name="Hidden">Left out of the help text.</param>
internal sealed record DaprdFlag(
    string Name,
    DaprdFlagKind Kind,
    string DefaultText,
    string Description,
    string? Deprecation = null,
    bool Hidden = false);
