namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// The .NET runtime settings of the organism's processes that only the environment can carry. A young organism runs
/// unoptimised code for its first minute; with dynamic PGO off (the <c>TieredPGO</c> MSBuild property, in
/// Directory.Build.props) and call counting from the first call (this setting) its hot methods reach tier 1 in seconds.
/// <c>TC_CallCountingDelayMs</c> has no runtimeconfig.json property (dotnet/runtime reads it with CLRConfig, environment
/// only), so whatever starts a cell or a sidecar sets it: dapr/dapr.yaml and tye.yaml for the cells, the runner for the
/// sidecars it starts (<see cref="SidecarLauncher"/>), LocalOrganism, ./biodapr, the cells' container images.
/// </summary>
public static class RuntimeSettings
{
    /// <summary>Call counting (toward tier 1) starts at once instead of after 100 ms without new tier-0 activity.</summary>
    public const string CallCountingDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>The variables and their values.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [CallCountingDelayVariable] = "0" };

    /// <summary>Adds each setting <paramref name="environment"/> does not have already (an operator's own value wins).</summary>
    public static void ApplyTo(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (name, value) in Environment)
        {
            if (!environment.TryGetValue(name, out var present) || string.IsNullOrEmpty(present))
            {
                environment[name] = value;
            }
        }
    }
}
