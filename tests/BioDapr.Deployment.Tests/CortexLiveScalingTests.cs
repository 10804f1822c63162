using BioDapr.Contracts.Events;
using BioDapr.Contracts.Vitals;
using BioDapr.Cortex.Scaling;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BioDapr.Deployment.Tests;

/// <summary>The cortex's live scaling seam (issue 18): off by default, and when on, vitals -> decision -> <c>/scaling</c>.</summary>
public sealed class CortexLiveScalingTests
{
    private static ServiceProvider Services(bool? enabled)
    {
        var settings = new Dictionary<string, string?>();
        if (enabled is { } on)
        {
            settings["Cortex:Scaling:Enabled"] = on ? "true" : "false";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System).AddLogging();
        services.AddCortexScaling(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Off_ByDefault_ServesThePlaceholder_AndRunsNoLoop()
    {
        using var services = Services(enabled: null);

        services.GetRequiredService<IDesiredReplicasSource>().ShouldBeOfType<PlaceholderDesiredReplicas>();
        services.GetServices<IHostedService>().ShouldBeEmpty();
        services.GetService<ForecastScaling>().ShouldBeNull();
        services.GetRequiredService<ScalingVitals>().Observe(Vitals("orders", 100)); // a no-op, not a failure
    }

    [Fact]
    public async Task On_VitalsBecomeAnObservedDecision_AndACellWithoutVitalsStaysPlaceholder()
    {
        using var services = Services(enabled: true);
        services.GetServices<IHostedService>().ShouldHaveSingleItem().ShouldBeOfType<ScalingLoop>();
        var source = services.GetRequiredService<IDesiredReplicasSource>().ShouldBeOfType<ForecastDesiredReplicas>();
        var scaling = services.GetRequiredService<ForecastScaling>();
        scaling.Applies.ShouldBe(Environment.GetEnvironmentVariable("BIODAPR_RUNNER_URL") is { Length: > 0 } && Environment.GetEnvironmentVariable("BIODAPR_RUNNER_TOKEN") is { Length: > 0 });

        // 15 s x 60 req/s on orders' endpoints; pathway (outbound) windows are not arrivals.
        services.GetRequiredService<ScalingVitals>().Observe(Vitals("orders", 15 * 60));
        await scaling.StepAsync(TestContext.Current.CancellationToken);

        // Defaults: 50 req/s per replica at 60 % -> 30 req/s each -> 2 replicas; no forecaster yet (needs two days).
        source.Find("orders").ShouldBe(new DesiredReplicas("orders", 2, CellDecision.Observed));
        source.Find("payments").ShouldBe(new DesiredReplicas("payments", 1, PlaceholderDesiredReplicas.SourceName));
        source.Find("nobody").ShouldBeNull();
        services.GetRequiredService<CellForecasts>().TrainedAt("orders").ShouldBeNull();
    }

    [Fact]
    public void Settings_KeepTheBoundsAtOrAboveOne_AndExcludeTheGateway()
    {
        var settings = ScalingServiceCollectionExtensions.Settings(new ScalingOptions { MinReplicas = 2, MaxReplicas = 7 });

        settings.Policy.MinReplicas.ShouldBe(2);
        settings.Policy.MaxReplicas.ShouldBe(7);
        settings.NotApplied.ShouldBe(["gateway"]);
        Options.Create(new ScalingOptions()).Value.Enabled.ShouldBeFalse();
    }

    private static VitalsReported Vitals(string cell, long calls)
    {
        var now = TimeProvider.System.GetUtcNow();
        VitalsWindow Window(string name, VitalsKind kind, long n) => new() { Cell = cell, Name = name, Kind = kind, Start = now.AddSeconds(-1), End = now, Calls = n, Limit = 10, InFlight = 5 };
        return new VitalsReported(cell, 5, [Window("POST /orders", VitalsKind.Endpoint, calls), Window("inventory", VitalsKind.Pathway, 10 * calls)]);
    }
}
