using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Tests;

/// <summary>Synthetic series for the tests (seeded).</summary>
internal static class Series
{
    /// <summary>A daily shape (season <paramref name="season"/>) with Poisson-like noise around a mean of <paramref name="mean"/>.</summary>
    public static RateSeries Seasonal(int days, int season, double mean, int seed, double amplitude = 0.6)
    {
        var random = new Random(seed);
        var values = new double[days * season];
        for (var t = 0; t < values.Length; t++)
        {
            var level = mean * (1 + (amplitude * Math.Sin(2 * Math.PI * t / season)));
            values[t] = Math.Max(0, Math.Round(level + (Math.Sqrt(level) * Normal(random))));
        }

        return new RateSeries(values, season, 0);
    }

    public static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The repository root (the folder holding BioDapr.sln).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BioDapr.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("BioDapr.sln not found above " + AppContext.BaseDirectory);
    }
}
