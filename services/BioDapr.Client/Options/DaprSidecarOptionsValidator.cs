using Microsoft.Extensions.Options;

namespace BioDapr.Client;

/// <summary>Rejects bad sidecar settings at start, with messages that name the key or variable.</summary>
internal sealed class DaprSidecarOptionsValidator(Func<string, string?> getEnvironmentVariable) : IValidateOptions<DaprSidecarOptions>
{
    public DaprSidecarOptionsValidator()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    public ValidateOptionsResult Validate(string? name, DaprSidecarOptions options)
    {
        var failures = new List<string>();
        if (options.StartupTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{DaprSidecarOptions.SectionName}:{nameof(DaprSidecarOptions.StartupTimeout)} must be positive, but is {options.StartupTimeout}.");
        }

        if (options.JsonSerializerOptions is null)
        {
            failures.Add($"{DaprSidecarOptions.SectionName}:{nameof(DaprSidecarOptions.JsonSerializerOptions)} must not be null.");
        }

        try
        {
            DaprSidecarConnectionResolver.Resolve(options, getEnvironmentVariable);
        }
        catch (DaprSidecarConfigurationException ex)
        {
            failures.Add(ex.Message);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
