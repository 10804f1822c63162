using System.Text.RegularExpressions;

namespace BioDapr.Deployment.Tests;

/// <summary>The repository's files, found from the test's output directory.</summary>
internal static partial class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    /// <summary>The groups under services/: deployable cells, libraries, and the development sidecar.</summary>
    public static readonly string[] ServiceGroups = ["cells", "libraries", "sidecar"];

    /// <summary>The .NET cells: the project directories under services/cells (a .csproj named after the folder), by directory name.</summary>
    public static IReadOnlyList<string> CellDirectories() =>
        Directory.GetDirectories(PathOf("services", "cells"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList()!;

    /// <summary>
    /// The cells in another language (services/cells/shipping: TypeScript on the Dapr JS SDK): a package.json and a
    /// Dockerfile instead of a project file. Their own tests (node --test) check their hormones against hormones.json.
    /// </summary>
    public static IReadOnlyList<string> NodeCellDirectories() =>
        Directory.GetDirectories(PathOf("services", "cells"))
            .Where(d => File.Exists(Path.Combine(d, "package.json")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList()!;

    /// <summary>The full path of a project directory under services/, whichever group it belongs to.</summary>
    public static string ServicePath(string serviceDirectory) =>
        ServiceGroups.Select(g => PathOf("services", g, serviceDirectory)).FirstOrDefault(Directory.Exists)
            ?? throw new DirectoryNotFoundException($"No project directory services/*/{serviceDirectory}.");

    /// <summary>The C# sources of a service directory (without build output).</summary>
    public static IEnumerable<string> Sources(string serviceDirectory) =>
        Directory.EnumerateFiles(ServicePath(serviceDirectory), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BioDapr.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("BioDapr.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("appId: '([^']+)'")]
    public static partial Regex BicepAppId();
}
