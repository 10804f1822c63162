using BioDapr.Sidecar.Components;

namespace BioDapr.Sidecar.Tests.Components;

internal static class TestComponents
{
    /// <summary>Component metadata as the loader would pass it: properties matched case-insensitively.</summary>
    public static ComponentMetadata Metadata(string type, params (string Name, string Value)[] properties) =>
        new(
            "test-" + type.Replace('.', '-'),
            type,
            "v1",
            properties.ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase),
            "app",
            "components/test.yaml");
}
