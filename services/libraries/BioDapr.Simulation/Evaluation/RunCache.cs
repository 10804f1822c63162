using System.Text.Json;

namespace BioDapr.Simulation.Evaluation;

/// <summary>
/// The benchmarks' cache of simulated runs: one JSON file per run, keyed by a hash of everything that decides the
/// result, written atomically (a stopped bench resumes; a half-written file is simulated again).
/// </summary>
internal static class RunCache
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record CachedRun(string Key, RunReport Report);

    /// <summary>The run cached at <paramref name="path"/> under <paramref name="key"/>; false when absent, stale or unreadable.</summary>
    public static bool TryLoad(string path, string key, out RunReport? report)
    {
        report = null;
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            var cached = JsonSerializer.Deserialize<CachedRun>(File.ReadAllText(path), Json);
            report = cached?.Key == key ? cached.Report : null;
        }
        catch (JsonException)
        {
            // A run interrupted while writing: simulate it again.
        }

        return report is not null;
    }

    /// <summary>Caches <paramref name="report"/> at <paramref name="path"/> under <paramref name="key"/>.</summary>
    public static void Save(string path, string key, RunReport report)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new CachedRun(key, report), Json));
        File.Move(temporary, path, overwrite: true);
    }
}
