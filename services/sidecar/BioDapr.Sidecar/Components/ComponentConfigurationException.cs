namespace BioDapr.Sidecar.Components;

/// <summary>A component's metadata is missing or invalid. The message names the file, the component and the problem.</summary>
internal sealed class ComponentConfigurationException : Exception
{
    public ComponentConfigurationException(ComponentMetadata component, string problem, Exception? inner = null)
        : base($"{component.SourceFile}: component '{component.Name}' ({component.Type}): {problem}", inner)
    {
        ComponentName = component.Name;
    }

    /// <summary>The component that failed.</summary>
    public string ComponentName { get; }
}
