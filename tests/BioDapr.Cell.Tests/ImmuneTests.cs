using System.Net;
using BioDapr.Cell.Immune;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;

namespace BioDapr.Cell.Tests;

public sealed class ImmuneTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithAppToken_CallsWithoutOrWithAWrongTokenGet401()
    {
        await using var cell = await StartAsync();

        (await cell.Client.GetAsync("/internal", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Send(cell, "/internal", "wrong")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Send(cell, "/internal", "s3cret")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task HealthAndPublicEndpoints_AreExempt()
    {
        await using var cell = await StartAsync();

        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cell.Client.GetAsync("/public", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WithoutAppToken_NothingIsChecked()
    {
        await using var cell = await TestCell.StartAsync(map: app => app.MapGet("/internal", () => "ok"));

        (await cell.Client.GetAsync("/internal", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Rejection_IsProblemDetails()
    {
        await using var cell = await StartAsync();

        var response = await cell.Client.GetAsync("/internal", Ct);

        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("dapr-api-token");
    }

    [Fact]
    public async Task WithAPublicPort_CallbacksAreNotServedThere_EvenWithTheToken()
    {
        var (appPort, publicPort) = (FreePort.Next(), FreePort.Next());
        await using var cell = await StartOnTwoPortsAsync(appPort, publicPort);

        (await Send(cell, $"http://127.0.0.1:{publicPort}/configuration/hormones/x", "s3cret", HttpMethod.Post)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Send(cell, $"http://127.0.0.1:{publicPort}/dapr/subscribe", "s3cret")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Send(cell, $"http://127.0.0.1:{publicPort}/internal", "s3cret")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await cell.Client.GetAsync($"http://127.0.0.1:{publicPort}/public", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WithAPublicPort_TheAppPortServesOnlyCallbacks_AndOnlyWithTheToken()
    {
        var (appPort, publicPort) = (FreePort.Next(), FreePort.Next());
        await using var cell = await StartOnTwoPortsAsync(appPort, publicPort);

        (await Send(cell, $"http://127.0.0.1:{appPort}/public", "s3cret")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/dapr/subscribe", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Send(cell, $"http://127.0.0.1:{appPort}/dapr/subscribe", "s3cret")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cell.Client.GetAsync($"http://127.0.0.1:{publicPort}/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SamePublicAndAppPort_StopsTheStart()
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(settings: new() { ["APP_PORT"] = port, ["PUBLIC_PORT"] = port }, onLoopback: true));

        error.Message.ShouldContain("PUBLIC_PORT");
    }

    private static Task<TestCell> StartOnTwoPortsAsync(int appPort, int publicPort) => TestCell.StartAsync(
        map: app =>
        {
            app.MapGet("/internal", () => "ok");
            app.MapGet("/public", () => "ok").PublicApi();
        },
        settings: new()
        {
            ["Cell:AppApiToken"] = "s3cret",
            ["Cell:Warmup:Enabled"] = "false",
            ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PUBLIC_PORT"] = publicPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        onLoopback: true);

    private static Task<TestCell> StartAsync() => TestCell.StartAsync(
        map: app =>
        {
            app.MapGet("/internal", () => "ok");
            app.MapGet("/public", () => "ok").PublicApi();
        },
        settings: new() { ["Cell:AppApiToken"] = "s3cret" });

    private static async Task<HttpResponseMessage> Send(TestCell cell, string path, string token, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Add("dapr-api-token", token);
        return await cell.Client.SendAsync(request, Ct);
    }
}
