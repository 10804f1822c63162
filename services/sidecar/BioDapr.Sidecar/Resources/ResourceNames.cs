namespace BioDapr.Sidecar.Resources;

/// <summary>Reads and checks <c>metadata.name</c> the way daprd's loader does (it must be usable as a URL path segment).</summary>
internal static class ResourceNames
{
    public static string ReadName(YamlElement root)
    {
        var element = root["metadata"]["name"];
        var name = element.AsStringOrEmpty();
        if (name.Length == 0)
        {
            throw element.Fail($"is required: every {root.Source.Kind ?? "resource"} needs a name");
        }

        root.Source.Name = name;
        if (name is "." or "..")
        {
            throw element.Fail($"invalid name \"{name}\": may not be '.' or '..'");
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
        {
            throw element.Fail($"invalid name \"{name}\": may not contain '/' or '%'");
        }

        return name;
    }
}
