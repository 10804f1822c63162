using System.Collections.Concurrent;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Vitals;
using BioDapr.Pathways.Hormones;
using Microsoft.Extensions.DependencyInjection;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cell.Pathways;

/// <summary>The cell's pathways by target app id (registered with <see cref="PathwayServiceCollectionExtensions.AddPathway"/>).</summary>
public sealed class CellPathways(
    IServiceProvider services,
    IHttpClientFactory http,
    CellVitals vitals,
    TimeProvider time,
    CellRandom random,
    Hosting.CellReadiness readiness,
    Microsoft.Extensions.Options.IOptions<Hosting.WarmupOptions> warmup)
{
    private readonly ConcurrentDictionary<string, CellPathway> _pathways = new(StringComparer.Ordinal);

    /// <summary>The pathway to <paramref name="target"/>; it must have been added with <c>AddPathway</c>.</summary>
    public CellPathway this[string target] => _pathways.GetOrAdd(target, name =>
    {
        var hormones = services.GetKeyedService<IHormones<PathwayHormones>>(PathwayServiceCollectionExtensions.HormoneName(name))
            ?? throw new InvalidOperationException($"No pathway to '{name}' was added: call builder.AddPathway(\"{name}\") at startup.");

        // Vitals report the limit in force, so the cortex sees whether its hormone was applied.
        vitals.ReportLimit(VitalsKind.Pathway, name, () => hormones.Current.ConcurrencyLimit);
        var coldStart = new PathwayColdStart(readiness, warmup.Value);
        return new CellPathway(name, hormones, () => coldStart.Adjust(hormones.Current), coldStart.Observe, http, vitals.For(VitalsKind.Pathway, name), time, random.Instance);
    });
}

/// <summary>The cell's randomness (seed it with <c>Cell:Seed</c> to replay jitter and fault injection).</summary>
public sealed class CellRandom(Random instance)
{
    /// <summary>The shared generator (thread-safe: <see cref="Random.Shared"/> or a locked seeded one).</summary>
    public Random Instance { get; } = instance;
}
