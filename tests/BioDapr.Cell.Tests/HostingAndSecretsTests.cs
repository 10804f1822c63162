using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using Dapr;
using Dapr.Client;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using BioDapr.Testing;
using BioDapr.Testing.Http;
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
            onLoopback: true,
            invocations: _ => new HttpResponseMessage(HttpStatusCode.OK));

        await Eventually.TrueAsync(() => cell.App.Services.GetRequiredService<CellReadiness>().IsReady, TimeSpan.FromSeconds(60), "ready after the warm-up");

        // The target's health endpoint: once around the pathway (it answers ready at once), then through the pathway (so
        // through the invocation client and the sidecar), 3 copies a round.
        cell.Sidecar.Requests.Count(r => r.Path == "/v1.0/invoke/inventory/method/healthz").ShouldBe(1 + 6);
        // The state store's write path: the warm-up key upserted and deleted in one transaction, 3 copies a round.
        await cell.Dapr.Client.Received(6).ExecuteStateTransactionAsync(
            "statestore",
            Arg.Is<IReadOnlyList<StateTransactionRequest>>(ops => ops.Count == 2
                && ops[0].Key == "biodapr-warmup" && ops[0].OperationType == StateOperationType.Upsert
                && ops[1].Key == "biodapr-warmup" && ops[1].OperationType == StateOperationType.Delete),
            Arg.Any<IReadOnlyDictionary<string, string>>(),
            Arg.Any<CancellationToken>());
    }

    // A breaker that would open on the first two failures: if the checks of a target that is not ready yet counted, it would.
    // A cell with a pathway to inventory (a breaker that opens on two failures), on a free app port, its sidecar answering
    // the invocations with invocations; warmup adds the warm-up's settings.
    private static Task<TestCell> StartWithPathwayToInventoryAsync(Func<CapturedHttpRequest, HttpResponseMessage> invocations, Dictionary<string, string?> warmup)
    {
        warmup["APP_PORT"] = BioDapr.Testing.FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TestCell.StartAsync(configure: builder => builder.AddPathway("inventory"), configuration: TouchyBreaker(), settings: warmup, onLoopback: true, invocations: invocations);
    }

    // Exact counts: 2 rounds of 3, no probe may time out (and be retried by the pathway) on a loaded machine.
    private static Dictionary<string, string?> ExactWarmup(string targetWait) => new()
    {
        ["Cell:Warmup:Rounds"] = "2",
        ["Cell:Warmup:Concurrency"] = "3",
        ["Cell:Warmup:ProbeTimeout"] = "00:01:00",
        ["Cell:Warmup:Timeout"] = "00:02:00",
        ["Cell:Warmup:TargetWait"] = targetWait,
    };

    private static Dictionary<string, string> TouchyBreaker() => new()
    {
        ["test-cell.pathways.inventory.maxRetries"] = "0",
        ["test-cell.pathways.inventory.breakerMinThroughput"] = "2",
        ["test-cell.pathways.inventory.breakerFailureRatio"] = "0.5",
        ["test-cell.pathways.inventory.breakerBreakMs"] = "60000",
    };

    // The sidecar as it answers for a target that is still warming up (its health 503) for the first notReady checks,
    // then ready (200); anything else 404.
    private static Func<CapturedHttpRequest, HttpResponseMessage> TargetReadyAfter(Func<bool> ready, List<HttpStatusCode> answers) => request =>
    {
        if (request.Path != "/v1.0/invoke/inventory/method/healthz")
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        var status = ready() ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
        lock (answers)
        {
            answers.Add(status);
        }

        return new HttpResponseMessage(status);
    };

    [Fact]
    public async Task TheWarmUp_WaitsForAPathwaysTargetToAnswerReady_ThenWarmsThePathway_AndTheChecksBeforeCountNoFailure()
    {
        var answers = new List<HttpStatusCode>();
        var checks = 0;
        await using var cell = await StartWithPathwayToInventoryAsync(
            // The target answers ready from its fourth health check on.
            TargetReadyAfter(() => Interlocked.Increment(ref checks) > 3, answers),
            ExactWarmup("00:01:00"));

        await Eventually.TrueAsync(() => cell.App.Services.GetRequiredService<CellReadiness>().IsReady, TimeSpan.FromSeconds(60), "ready after the warm-up");

        List<HttpStatusCode> seen;
        lock (answers)
        {
            seen = [.. answers];
        }

        // Three checks while the target warmed up (503), one that found it ready, then the pathway's 2 rounds of 3.
        seen.Take(3).ShouldAllBe(status => status == HttpStatusCode.ServiceUnavailable);
        seen.Skip(3).ShouldAllBe(status => status == HttpStatusCode.OK);
        seen.Count.ShouldBe(3 + 1 + 6, "the warm-up waited for the target, then warmed the pathway");
        var breaker = cell.App.Services.GetRequiredService<CellPathways>()["inventory"].State.Breaker;
        breaker.Openings.ShouldBe(0, "the checks around the pathway are not the pathway's failures");
        breaker.State.ShouldBe(BioDapr.Pathways.Policies.CircuitState.Closed);
    }

    [Fact]
    public async Task APathwaysTargetNotReadyWithinTargetWait_TheCellIsReadyAnyway_AndWarmsThePathwayOnceTheTargetAnswers()
    {
        var answers = new List<HttpStatusCode>();
        var targetUp = false;
        await using var cell = await StartWithPathwayToInventoryAsync(TargetReadyAfter(() => Volatile.Read(ref targetUp), answers), ExactWarmup("00:00:00.500"));
        var readiness = cell.App.Services.GetRequiredService<CellReadiness>();

        await Eventually.TrueAsync(() => readiness.IsReady, TimeSpan.FromSeconds(60), "ready after TargetWait, the target still down");
        int checksWhileDown;
        lock (answers)
        {
            answers.ShouldAllBe(status => status == HttpStatusCode.ServiceUnavailable, "nothing went through the pathway while the target was not ready");
            checksWhileDown = answers.Count;
        }

        checksWhileDown.ShouldBeGreaterThan(0);
        Volatile.Write(ref targetUp, true);
        await Eventually.TrueAsync(
            () =>
            {
                lock (answers)
                {
                    return answers.Count(status => status == HttpStatusCode.OK) >= 1 + 6;
                }
            },
            TimeSpan.FromSeconds(30),
            "the pathway warmed after the cell was ready, once its target answered");
        var breaker = cell.App.Services.GetRequiredService<CellPathways>()["inventory"].State.Breaker;
        breaker.Openings.ShouldBe(0);
        breaker.State.ShouldBe(BioDapr.Pathways.Policies.CircuitState.Closed);
    }

    [Fact]
    public async Task APathwaysTargetThatNeverAnswers_IsGivenUpAfterTargetTimeout_WithoutAnyCallThroughThePathway()
    {
        var answers = new List<HttpStatusCode>();
        await using var cell = await StartWithPathwayToInventoryAsync(
            TargetReadyAfter(() => false, answers),
            new() { ["Cell:Warmup:TargetWait"] = "00:00:00.300", ["Cell:Warmup:TargetTimeout"] = "00:00:01" });

        await Eventually.TrueAsync(() => cell.App.Services.GetRequiredService<CellReadiness>().IsReady, TimeSpan.FromSeconds(60), "ready anyway");
        // Backoff from 50 ms doubling: within 1 s at most 5 checks (50 + 100 + 200 + 400 ms of pauses), then it gives up.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        lock (answers)
        {
            answers.Count.ShouldBeInRange(1, 6);
            answers.ShouldAllBe(status => status == HttpStatusCode.ServiceUnavailable);
        }

        cell.App.Services.GetRequiredService<CellPathways>()["inventory"].State.Breaker.Openings.ShouldBe(0);
    }

    [Fact]
    public async Task APathwaysTargetThatRefusesTheHealthCheck_IsGivenUpAtOnce_NotWaitedFor()
    {
        var checks = 0;
        await using var cell = await StartWithPathwayToInventoryAsync(
            // Access control that does not allow the call: asking again will not change it.
            _ =>
            {
                Interlocked.Increment(ref checks);
                return new HttpResponseMessage(HttpStatusCode.Forbidden);
            },
            // Waiting would take 5 minutes.
            new() { ["Cell:Warmup:TargetWait"] = "00:05:00", ["Cell:Warmup:Timeout"] = "00:10:00" });

        await Eventually.TrueAsync(() => cell.App.Services.GetRequiredService<CellReadiness>().IsReady, TimeSpan.FromSeconds(60), "ready without waiting for a target that refuses");

        Volatile.Read(ref checks).ShouldBe(1, "one check, nothing through the pathway");
        cell.App.Services.GetRequiredService<CellPathways>()["inventory"].State.Breaker.Openings.ShouldBe(0);
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
