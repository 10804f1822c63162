using BioDapr.Cell.Hormones;
using BioDapr.Cell.Ingress;
using BioDapr.Cell.Vitals;
using BioDapr.Contracts.Hormones;
using BioDapr.Pathways.Hormones;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BioDapr.Cell.Pathways;

/// <summary>Registers synaptic pathways, ingress protection and vital signs.</summary>
public static class PathwayServiceCollectionExtensions
{
    /// <summary>The hormone store the pathways, admission and pathogen hormones live in.</summary>
    public const string DefaultHormoneStore = HormoneKeys.Store;

    /// <summary>
    /// Adds the pathway to <paramref name="target"/> (an app id) with its hormones at
    /// <c>&lt;cell&gt;.pathways.&lt;target&gt;.*</c> in <paramref name="hormoneStore"/>. Inject <see cref="CellPathways"/> to call it.
    /// </summary>
    public static IHostApplicationBuilder AddPathway(this IHostApplicationBuilder builder, string target, string hormoneStore = DefaultHormoneStore)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        builder.AddCellVitals(hormoneStore);
        builder.AddHormones<PathwayHormones>(hormoneStore, HormoneKeys.PathwayPrefix(CellName(builder), target), HormoneName(target));
        // The warm-up calls the target once per round through this pathway, so real requests are not its first use.
        builder.Services.AddSingleton(new Hosting.WarmupPathway(target));
        return builder;
    }

    /// <summary>
    /// Adds vital signs (per pathway and endpoint, published every window as a <c>vitals</c> event and as
    /// OpenTelemetry metrics on the meter the cell's telemetry exports), ingress admission (<c>&lt;cell&gt;.admission.*</c>) and pathogens
    /// (<c>&lt;cell&gt;.pathogens.*</c>). Called by <see cref="AddPathway"/>; call it directly for a cell without pathways.
    /// </summary>
    public static IHostApplicationBuilder AddCellVitals(this IHostApplicationBuilder builder, string hormoneStore = DefaultHormoneStore)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(CellVitals)))
        {
            return builder;
        }

        var cell = CellName(builder);
        var seed = builder.Configuration["Cell:Seed"];
        builder.Services.AddSingleton(sp => new CellVitals(cell, sp.GetRequiredService<TimeProvider>()));
        builder.Services.TryAddSingleton(_ => new CellRandom(seed is null ? Random.Shared : new LockedRandom(int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture))));
        builder.Services.TryAddSingleton<CellPathways>();
        builder.Services.AddOptions<VitalsOptions>().Bind(builder.Configuration.GetSection("Cell:Vitals")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<VitalsPublisher>();
        builder.AddHormones<AdmissionHormones>(hormoneStore, HormoneKeys.AdmissionPrefix(cell));
        builder.AddHormones<PathogenHormones>(hormoneStore, HormoneKeys.PathogensPrefix(cell));
        builder.Services.TryAddSingleton<AdmissionGate>();
        return builder;
    }

    internal static string HormoneName(string target) => "pathway:" + target;

    internal static string CellName(IHostApplicationBuilder builder) =>
        builder.Configuration["Cell:Name"] is { Length: > 0 } name ? name
        : builder.Configuration["APP_ID"] is { Length: > 0 } appId ? appId
        : builder.Environment.ApplicationName;
}

/// <summary>A seeded <see cref="Random"/> safe to share between threads.</summary>
internal sealed class LockedRandom(int seed) : Random
{
    private readonly Random _inner = new(seed);
    private readonly Lock _gate = new();

    public override int Next()
    {
        lock (_gate)
        {
            return _inner.Next();
        }
    }

    public override int Next(int maxValue)
    {
        lock (_gate)
        {
            return _inner.Next(maxValue);
        }
    }

    public override int Next(int minValue, int maxValue)
    {
        lock (_gate)
        {
            return _inner.Next(minValue, maxValue);
        }
    }

    public override double NextDouble()
    {
        lock (_gate)
        {
            return _inner.NextDouble();
        }
    }

    protected override double Sample() => NextDouble();
}
