using System.Text;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>One Redis-backed Dapr component of a benchmark's resources: its name, type and metadata beyond <c>redisHost</c>.</summary>
internal sealed record BenchComponent(string Name, string Type, params (string Name, string Value)[] Metadata);

/// <summary>Writes a benchmark's Redis-backed components into a fresh resources directory for the sidecar.</summary>
internal static class BenchComponents
{
    /// <summary>A new temporary directory holding <paramref name="components"/>, each pointed at <paramref name="redisHost"/>.</summary>
    public static async Task<string> WriteAsync(string redisHost, params BenchComponent[] components)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-bench-").FullName;
        var yaml = new StringBuilder();
        foreach (var component in components)
        {
            var metadata = string.Join(", ", component.Metadata.Prepend((Name: "redisHost", Value: redisHost)).Select(m => $"{{name: {m.Name}, value: \"{m.Value}\"}}"));
            yaml.Append($$"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata: {name: {{component.Name}}}
                spec:
                  type: {{component.Type}}
                  version: v1
                  metadata: [ {{metadata}} ]
                ---

                """);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "components.yaml"), yaml.ToString());
        return directory;
    }
}
