using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Secrets;
using BioDapr.Client;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using BioDapr.Testing.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Tests;

public sealed class HostingAndSecretsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddCellDefaults_Twice_IsHarmless()
    {
        await using var cell = await TestCell.StartAsync(configure: builder => builder.AddCellDefaults(o => o.Name = "again"));

        cell.App.Services.GetRequiredService<IOptions<CellOptions>>().Value.Name.ShouldBe("again");
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task InvalidCellOption_StopsTheStartNamingTheSetting()
    {
        var error = await Should.ThrowAsync<OptionsValidationException>(() => TestCell.StartAsync(settings: new() { ["Cell:HealthPath"] = "" }));

        error.Message.ShouldContain("HealthPath");
    }

    [Fact]
    public async Task ConsoleLogs_ControlCharactersInAValue_CannotForgeALine()
    {
        await using var cell = await TestCell.StartAsync();
        var formatter = cell.App.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == "cell");
        using var writer = new StringWriter();

        formatter.Write(
            new LogEntry<string>(LogLevel.Information, "Orders", new EventId(1), "Order placed for c1\r\ninfo: Payments[1] refund of 1000 sent\u001b[2K", null, (state, _) => state),
            null,
            writer);

        cell.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName.ShouldBe("cell");
        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldHaveSingleItem().ShouldBe("info: Orders[1] Order placed for c1\\r\\ninfo: Payments[1] refund of 1000 sent\\u001b[2K");
    }

    [Fact]
    public async Task Health_Is503UntilTheWarmUpSentItsRequests_ThenReady()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var warmups = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var appPort = BioDapr.Testing.FreePort.Next();
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Post, "/work", """{"n":1}""")),
            map: app => app.MapPost("/work", async (HttpRequest request) =>
            {
                warmups.Enqueue(request.Headers["dapr-api-token"].ToString());
                await release.Task;
                return Results.BadRequest();
            }),
            settings: new()
            {
                ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cell:AppApiToken"] = "s3cret",
                ["Cell:Warmup:Rounds"] = "2",
            },
            onLoopback: true);

        await Eventually.TrueAsync(() => !warmups.IsEmpty, TimeSpan.FromSeconds(10), "the warm-up calls the cell");
        using var cold = await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/healthz", Ct);
        release.SetResult();
        await Eventually.ReturnsAsync(
            async () => (await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/healthz", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "ready after the warm-up");

        cold.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        warmups.Count.ShouldBe(2);
        warmups.ShouldAllBe(token => token == "s3cret");
        cell.App.Services.GetRequiredService<CellReadiness>().IsReady.ShouldBeTrue();
    }

    [Fact]
    public async Task Startup_WaitsForTheSidecar()
    {
        await using var cell = await TestCell.StartAsync();

        cell.Sidecar.Requests.ShouldContain(r => r.Path == "/v1.0/healthz/outbound");
    }

    [Fact]
    public void Secrets_AreMappedIntoConfiguration()
    {
        var sidecar = new CapturingHttpMessageHandler(request => request.Path switch
        {
            "/v1.0/healthz/outbound" => new HttpResponseMessage(HttpStatusCode.NoContent),
            "/v1.0/secrets/vault/orders-api-key" => CapturingHttpMessageHandler.Response(HttpStatusCode.OK, """{"orders-api-key":"k-123"}"""),
            "/v1.0/secrets/vault/Gateway__Db" => CapturingHttpMessageHandler.Response(HttpStatusCode.OK, """{"user":"u","password":"p"}"""),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });

        var configuration = new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", SecretNames = ["orders-api-key", "Gateway__Db"] }, () => Client(sidecar))
            .Build();

        configuration["orders-api-key"].ShouldBe("k-123");
        configuration["Gateway:Db:user"].ShouldBe("u");
        configuration["Gateway:Db:password"].ShouldBe("p");
    }

    [Fact]
    public void Secrets_SidecarAnswersAnError_FailsNamingTheSecretNotTheValue()
    {
        var sidecar = new CapturingHttpMessageHandler(request => request.Path == "/v1.0/healthz/outbound"
            ? new HttpResponseMessage(HttpStatusCode.NoContent)
            : CapturingHttpMessageHandler.Response(HttpStatusCode.Forbidden, """{"errorCode":"ERR_PERMISSION_DENIED","message":"access denied"}"""));

        var error = Should.Throw<InvalidOperationException>(() => new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", SecretNames = ["db"] }, () => Client(sidecar))
            .Build());

        error.Message.ShouldContain("cannot read secret 'db' from secret store 'vault'");
    }

    [Fact]
    public void Secrets_OptionalAndSidecarAbsent_LeavesThemOut()
    {
        var sidecar = new CapturingHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError));

        var configuration = new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", Optional = true, Timeout = TimeSpan.FromMilliseconds(300) }, () => Client(sidecar))
            .Build();

        configuration.AsEnumerable().ShouldBeEmpty();
    }

    private static DaprSidecarClient Client(CapturingHttpMessageHandler sidecar) =>
        new(new HttpClient(sidecar), new DaprSidecarConnection(new Uri("http://sidecar.test:3500"), null, "test"));
}
