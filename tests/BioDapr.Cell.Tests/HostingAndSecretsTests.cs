using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using Dapr;
using Dapr.Client;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        // Rounds of concurrent copies: the three copies of round 1 are all in flight before any is answered.
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
                ["Cell:Warmup:Concurrency"] = "3",
            },
            onLoopback: true);

        await Eventually.TrueAsync(() => warmups.Count == 3, TimeSpan.FromSeconds(10), "the warm-up sends a round's copies at once");
        using var cold = await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/healthz", Ct);
        release.SetResult();
        await Eventually.ReturnsAsync(
            async () => (await cell.Client.GetAsync($"http://127.0.0.1:{appPort}/healthz", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "ready after the warm-up");

        cold.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        warmups.Count.ShouldBe(6, "2 rounds of 3 copies");
        warmups.ShouldAllBe(token => token == "s3cret");
        cell.App.Services.GetRequiredService<CellReadiness>().IsReady.ShouldBeTrue();
    }

    [Fact]
    public async Task TheWarmUp_CallsEachPathwaysTargetThroughThePathway_AndWritesAndDeletesAWarmupKeyInATransaction()
    {
        var appPort = BioDapr.Testing.FreePort.Next();
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddPathway("inventory"),
            settings: new()
            {
                ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cell:Warmup:Rounds"] = "2",
                ["Cell:Warmup:Concurrency"] = "3",
                // Exact counts: no probe may time out (and be retried by the pathway) on a loaded machine.
                ["Cell:Warmup:ProbeTimeout"] = "00:01:00",
                ["Cell:Warmup:Timeout"] = "00:02:00",
            },
            onLoopback: true);

        await Eventually.TrueAsync(() => cell.App.Services.GetRequiredService<CellReadiness>().IsReady, TimeSpan.FromSeconds(60), "ready after the warm-up");

        // The target's health endpoint through the pathway (so through the invocation client and the sidecar), 3 copies a round.
        cell.Sidecar.Requests.Count(r => r.Path == "/v1.0/invoke/inventory/method/healthz").ShouldBe(6);
        // The state store's write path: the warm-up key upserted and deleted in one transaction, 3 copies a round.
        await cell.Dapr.Client.Received(6).ExecuteStateTransactionAsync(
            "statestore",
            Arg.Is<IReadOnlyList<StateTransactionRequest>>(ops => ops.Count == 2
                && ops[0].Key == "biodapr-warmup" && ops[0].OperationType == StateOperationType.Upsert
                && ops[1].Key == "biodapr-warmup" && ops[1].OperationType == StateOperationType.Delete),
            Arg.Any<IReadOnlyDictionary<string, string>>(),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public void WarmupDefaults_CallEveryHotPathMoreOftenThanTheJitsTierUpThreshold()
    {
        // The runtime recompiles a method optimised after 30 calls (TC_CallCountThreshold); the warm-up makes more.
        const int tierUpCalls = 30;
        var defaults = new WarmupOptions();

        (defaults.Rounds * defaults.Concurrency).ShouldBeGreaterThan(tierUpCalls);
        defaults.Concurrency.ShouldBeGreaterThan(1, "concurrently, as real traffic comes");
    }

    [Fact]
    public async Task Startup_WaitsForTheSidecar()
    {
        await using var cell = await TestCell.StartAsync();

        await cell.Dapr.Client.Received(1).WaitForSidecarAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Startup_SidecarNeverComes_FailsNamingThePorts()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(
            configure: builder => builder.Services.AddSingleton(NeverHealthy()),
            settings: new() { ["Cell:SidecarTimeout"] = "00:00:00.200", ["DAPR_GRPC_PORT"] = "50999" }));

        error.Message.ShouldContain("did not become healthy within 0.2 s");
        error.Message.ShouldContain("50999");
    }

    [Fact]
    public void Secrets_AreMappedIntoConfiguration()
    {
        var dapr = Sidecar();
        dapr.GetSecretAsync("vault", "orders-api-key", Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(new Dictionary<string, string> { ["orders-api-key"] = "k-123" });
        dapr.GetSecretAsync("vault", "Gateway__Db", Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(new Dictionary<string, string> { ["user"] = "u", ["password"] = "p" });

        var configuration = new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", SecretNames = ["orders-api-key", "Gateway__Db"] }, () => dapr)
            .Build();

        configuration["orders-api-key"].ShouldBe("k-123");
        configuration["Gateway:Db:user"].ShouldBe("u");
        configuration["Gateway:Db:password"].ShouldBe("p");
    }

    [Fact]
    public void Secrets_AllOfAStore_ComeFromTheBulkCall()
    {
        var dapr = Sidecar();
        dapr.GetBulkSecretAsync("vault", Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(new Dictionary<string, Dictionary<string, string>> { ["Db__Password"] = new() { ["Db__Password"] = "p" }, ["api"] = new() { ["api"] = "k" } });

        var configuration = new ConfigurationBuilder().AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault" }, () => dapr).Build();

        configuration["Db:Password"].ShouldBe("p");
        configuration["api"].ShouldBe("k");
    }

    [Fact]
    public void Secrets_SidecarAnswersAnError_FailsNamingTheSecretNotTheValue()
    {
        var dapr = Sidecar();
        dapr.GetSecretAsync("vault", "db", Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new DaprException("Secret operation failed", new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.PermissionDenied, "access denied to db"))));

        var error = Should.Throw<InvalidOperationException>(() => new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", SecretNames = ["db"] }, () => dapr)
            .Build());

        error.Message.ShouldContain("cannot read secret 'db' from secret store 'vault': access denied to db");
    }

    [Fact]
    public void Secrets_OptionalAndSidecarAbsent_LeavesThemOut()
    {
        var configuration = new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", Optional = true, Timeout = TimeSpan.FromMilliseconds(300) }, NeverHealthy)
            .Build();

        configuration.AsEnumerable().ShouldBeEmpty();
    }

    [Fact]
    public void Secrets_RequiredAndSidecarAbsent_FailsNamingTheStore()
    {
        var error = Should.Throw<InvalidOperationException>(() => new ConfigurationBuilder()
            .AddDaprSecretStore(new DaprSecretStoreOptions { StoreName = "vault", Timeout = TimeSpan.FromMilliseconds(300) }, NeverHealthy)
            .Build());

        error.Message.ShouldContain("cannot read secret store 'vault': the Dapr sidecar did not answer within 0.3 s");
    }

    private static DaprClient Sidecar()
    {
        var dapr = Substitute.For<DaprClient>();
        dapr.WaitForSidecarAsync(Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        return dapr;
    }

    // WaitForSidecarAsync polls until its token ends, like the real client when nothing answers.
    private static DaprClient NeverHealthy()
    {
        var dapr = Substitute.For<DaprClient>();
        dapr.WaitForSidecarAsync(Arg.Any<CancellationToken>()).Returns(call => Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>()));
        return dapr;
    }
}
