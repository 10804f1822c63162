namespace BioDapr.Client;

/// <summary>
/// The sidecar address or token settings are invalid. The message names the configuration key or
/// environment variable and the value that was rejected.
/// </summary>
public sealed class DaprSidecarConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="settingName">The configuration key or environment variable, for example <c>DAPR_HTTP_PORT</c>.</param>
    /// <param name="value">The rejected value.</param>
    /// <param name="problem">What is wrong with it.</param>
    public DaprSidecarConfigurationException(string settingName, string value, string problem)
        : base($"{settingName} has the invalid value '{value}': {problem}")
    {
        SettingName = settingName;
        Value = value;
    }

    /// <summary>The configuration key or environment variable that holds the bad value.</summary>
    public string SettingName { get; }

    /// <summary>The rejected value.</summary>
    public string Value { get; }
}
