using System.Net;
using System.Text.Json;
using BioDapr.Testing;
using BioDapr.Testing.Http;
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
        var sidecarDown = 0;
        await using var cell = await TestCell.StartAsync(sidecarOverride: request => Volatile.Read(ref sidecarDown) == 1 && request.Path == "/v1.0/healthz/outbound"
            ? CapturingHttpMessageHandler.Response(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_OUTBOUND_HEALTH_NOT_READY","message":"dapr outbound is not ready"}""")
            : null);
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        Volatile.Write(ref sidecarDown, 1);
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
        var unreachable = 0;
        await using var cell = await TestCell.StartAsync(sidecarOverride: request => Volatile.Read(ref unreachable) == 1 && request.Path == "/v1.0/healthz/outbound"
            ? throw new HttpRequestException("Connection refused (sidecar.test:3500)")
            : null);

        Volatile.Write(ref unreachable, 1);
        using var down = await cell.Client.GetAsync("/healthz", Ct);
        Volatile.Write(ref unreachable, 0);

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
        var asked = cell.Sidecar.Requests.Count(r => r.Path == "/v1.0/healthz/outbound");

        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        cell.Sidecar.Requests.Count(r => r.Path == "/v1.0/healthz/outbound").ShouldBe(asked);
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
