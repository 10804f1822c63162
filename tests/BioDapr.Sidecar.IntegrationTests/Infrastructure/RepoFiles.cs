namespace BioDapr.Sidecar.IntegrationTests.Infrastructure;

/// <summary>The repository's own Dapr files (components, configurations), so tests exercise what the organism runs with.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A component of <c>components/local</c> with its Redis address pointed at the test's server.</summary>
    public static string LocalComponent(string file, string redisHost) =>
        File.ReadAllText(PathOf("components", "local", file)).Replace("localhost:6379", redisHost, StringComparison.Ordinal);

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
}
