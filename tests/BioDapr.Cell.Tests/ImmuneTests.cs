using System.Net;
using BioDapr.Cell.Immune;
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

    private static Task<TestCell> StartAsync() => TestCell.StartAsync(
        map: app =>
        {
            app.MapGet("/internal", () => "ok");
            app.MapGet("/public", () => "ok").AllowWithoutSidecarToken();
        },
        settings: new() { ["Cell:AppApiToken"] = "s3cret" });

    private static async Task<HttpResponseMessage> Send(TestCell cell, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("dapr-api-token", token);
        return await cell.Client.SendAsync(request, Ct);
    }
}
