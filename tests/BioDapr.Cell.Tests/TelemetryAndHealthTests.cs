using System.Net;
using System.Text.Json;
using BioDapr.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BioDapr.Cell.Tests;

public sealed class TelemetryAndHealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Telemetry_NamesTheServiceAfterTheAppId_ForTracesAndMetrics()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:Name"] = null, ["APP_ID"] = "orders" });

        Attributes(cell.App.Services.GetRequiredService<TracerProvider>().GetResource())["service.name"].ShouldBe("orders");
        Attributes(cell.App.Services.GetRequiredService<MeterProvider>().GetResource())["service.name"].ShouldBe("orders");
    }

    [Fact]
    public async Task Health_SidecarOutboundNotReady_Answers503NamingTheSidecarCheck()
    {
        await using var cell = await TestCell.StartAsync();
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // DaprClient.CheckOutboundHealthAsync answers false when /v1.0/healthz/outbound is not 2xx.
        cell.Dapr.OutboundHealth = () => false;
        using var down = await cell.Client.GetAsync("/healthz", Ct);

        down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var report = JsonDocument.Parse(await down.Content.ReadAsStringAsync(Ct)).RootElement;
        report.GetProperty("status").GetString().ShouldBe("Unhealthy");
        report.GetProperty("checks").GetProperty("sidecar").GetProperty("status").GetString().ShouldBe("Unhealthy");
        report.GetProperty("checks").GetProperty("warmup").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task Health_SidecarUnreachable_Answers503_AndRecoversWhenItIsBack()
    {
        await using var cell = await TestCell.StartAsync();

        cell.Dapr.OutboundHealth = () => throw new HttpRequestException("Connection refused (sidecar.test:3500)");
        using var down = await cell.Client.GetAsync("/healthz", Ct);
        cell.Dapr.OutboundHealth = () => true;

        down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        await Eventually.ReturnsAsync(
            async () => (await cell.Client.GetAsync("/healthz", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            because: "healthy again once the sidecar answers");
    }

    [Fact]
    public async Task Health_WaitForSidecarOff_DoesNotAskTheSidecar()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:WaitForSidecar"] = "false" });
        var asked = cell.Dapr.OutboundHealthChecks;

        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        cell.Dapr.OutboundHealthChecks.ShouldBe(asked);
    }

    [Fact]
    public async Task DefaultEndpoints_OnlyMap_TheMiddlewareComesFromUseCellDefaults()
    {
        // Without UseCellDefaults, a callback without the sidecar's token is not refused: MapCellDefaultEndpoints adds no middleware.
        await using var cell = await TestCell.StartAsync(
            settings: new() { ["Cell:AppApiToken"] = "s3cret" },
            useDefaults: false);

        (await cell.Client.GetAsync("/dapr/subscribe", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UseCellDefaults_CallbackWithoutTheSidecarToken_IsRefused()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:AppApiToken"] = "s3cret" });

        (await cell.Client.GetAsync("/dapr/subscribe", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static Dictionary<string, object> Attributes(OpenTelemetry.Resources.Resource resource) =>
        resource.Attributes.ToDictionary(a => a.Key, a => a.Value);
}
