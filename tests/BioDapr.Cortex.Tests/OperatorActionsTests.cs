using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BioDapr.Contracts.Events;
using BioDapr.Contracts.Hormones;
using BioDapr.Contracts.Vitals;
using BioDapr.Cortex.Apis;
using BioDapr.Cortex.Dashboard;
using BioDapr.Cortex.Evolution;
using BioDapr.Cortex.Hormones;
using BioDapr.Cortex.Operators;
using BioDapr.Pathways.Hormones;
using Dapr.Workflow;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Cortex.Tests;

/// <summary>
/// The cortex's actions that change the organism (switching a pathogen, starting an evolution, adopting an evolved
/// policy) need an operator's key, on every route, before the body is looked at; reads stay open. The routes are the
/// cortex's own (<c>MapEvolutionApi</c>, <c>MapOrganismPage</c>) in an in-memory server; the hormone store and the
/// workflow client are fakes that record what reached them.
/// </summary>
public sealed class OperatorActionsTests : IAsyncDisposable
{
    private const string Keys = "alice=alice-key-1;bob=bob-key-2";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly string _scenario = Path.GetTempFileName();
    private readonly RecordingStore _store = new();
    private readonly RecordingWorkflows _workflows = DispatchProxy.Create<IDaprWorkflowClient, RecordingWorkflows>() as RecordingWorkflows ?? throw new InvalidOperationException("no proxy");
    private WebApplication? _app;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The operator actions: route, the action the refusals name, and a body the action accepts.</summary>
    public static TheoryData<string, string> Routes => new()
    {
        { "/evolutions", "starting an evolution" },
        { "/evolutions/evolve-1/adopt", "adopting an evolved policy" },
        { "/evolutions/adopt", "adopting an evolved policy" },
        { "/organism/pathogens", "switching a pathogen" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithoutAKey_EveryOperatorAction_Is401_NamingTheActionAndTheHeader_AndNothingHappens(string route, string action)
    {
        var http = await StartAsync(Keys);

        var (status, detail) = await PostAsync(http, route, Body(route), key: null);
        var (blank, _) = await PostAsync(http, route, Body(route), key: " ");

        status.ShouldBe(HttpStatusCode.Unauthorized);
        blank.ShouldBe(HttpStatusCode.Unauthorized, "a blank key is no key");
        detail.ShouldBe($"{action} is an operator action: send an operator's key (secret 'cortex-operator-keys') in the X-Operator-Key header");
        NothingHappened();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithAWrongKey_EveryOperatorAction_Is403_AndNothingHappens(string route, string action)
    {
        var http = await StartAsync(Keys);

        var (status, detail) = await PostAsync(http, route, Body(route), key: "alice-key-2");

        status.ShouldBe(HttpStatusCode.Forbidden, action);
        detail.ShouldBe("the X-Operator-Key sent is not an operator's key");
        NothingHappened();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithNoOperatorKeysConfigured_EveryOperatorAction_IsRefusedToEveryone_SayingWhy(string route, string action)
    {
        foreach (var unusable in new[] { null, "", "  ;  ", "alice", "alice=", "=alice-key-1" })
        {
            var http = await StartAsync(unusable);

            var (status, detail) = await PostAsync(http, route, Body(route), key: "alice-key-1");
            var (withoutKey, _) = await PostAsync(http, route, Body(route), key: null);

            status.ShouldBe(HttpStatusCode.Forbidden, $"keys '{unusable}'");
            detail.ShouldBe($"no operator keys are configured (secret 'cortex-operator-keys' in the secret store), so {action} is refused to everyone");
            withoutKey.ShouldBe(HttpStatusCode.Forbidden);
            await StopAsync();
        }

        NothingHappened();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task TheKeyIsCheckedBeforeTheBody_AMalformedBodyWithoutAKeyIs401(string route, string action)
    {
        var http = await StartAsync(Keys);

        var (status, detail) = await PostAsync(http, route, "{not json", key: null);

        status.ShouldBe(HttpStatusCode.Unauthorized);
        detail.ShouldStartWith(action);
        NothingHappened();
    }

    [Fact]
    public async Task WithAnOperatorsKey_StartingAnEvolution_SchedulesTheWorkflow_AndABadRequestIsStill400()
    {
        var http = await StartAsync(Keys);

        var (status, _) = await PostAsync(http, "/evolutions?instanceId=evolve-7", Body("/evolutions"), key: "bob-key-2");
        var (invalid, detail) = await PostAsync(http, "/evolutions", JsonSerializer.Serialize(new { scenarioPath = _scenario, population = 0 }, Web), key: "bob-key-2");

        status.ShouldBe(HttpStatusCode.Accepted);
        _workflows.Scheduled.ShouldHaveSingleItem().ShouldBe((EvolutionWorkflow.Name, "evolve-7"));
        invalid.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldContain("population must be between 2 and 500");
    }

    [Fact]
    public async Task WithAnOperatorsKey_AdoptingAProposal_WritesItsHormones_NamingTheOperatorInTheOrigin()
    {
        var http = await StartAsync(Keys);

        var (status, body) = await PostAsync(http, "/evolutions/adopt", Body("/evolutions/adopt"), key: "alice-key-1");

        status.ShouldBe(HttpStatusCode.OK, body);
        var write = _store.Writes.ShouldHaveSingleItem();
        write.Keys.ShouldContain("orders.pathways.inventory.concurrencyLimit");
        write.Origin.By.ShouldBe("cortex evolution");
        write.Origin.Reason.ShouldBe("adopted the evolved static policy of a proposal document (operator alice)");
    }

    [Fact]
    public async Task WithAnOperatorsKey_AdoptingAnEvolutionById_ReachesTheWorkflow_AndAnUnknownOneIs404()
    {
        var http = await StartAsync(Keys);

        var (status, detail) = await PostAsync(http, "/evolutions/evolve-1/adopt", string.Empty, key: "alice-key-1");

        status.ShouldBe(HttpStatusCode.NotFound);
        detail.ShouldBe("no evolution 'evolve-1'");
        _workflows.Read.ShouldBe(["evolve-1"]);
        _store.Writes.ShouldBeEmpty();
    }

    [Fact]
    public async Task WithAnOperatorsKey_SwitchingAPathogen_WritesItAsTheOperators()
    {
        var http = await StartAsync(Keys);

        var (status, body) = await PostAsync(http, "/organism/pathogens", Body("/organism/pathogens"), key: "bob-key-2");

        status.ShouldBe(HttpStatusCode.OK, body);
        var write = _store.Writes.ShouldHaveSingleItem();
        write.Keys.ShouldBe(["inventory.pathogens.errorRate"]);
        write.Origin.ShouldBe(HormoneOrigin.Operator("bob", "errors on from the organism page"));
    }

    [Fact]
    public async Task ReadsStayOpen_WithoutAKey()
    {
        var http = await StartAsync(Keys);

        using var evolution = await http.GetAsync("/evolutions/evolve-3", Ct);
        using var state = await http.GetAsync("/organism/state", Ct);

        evolution.StatusCode.ShouldBe(HttpStatusCode.NotFound, "read through the workflow client: no such evolution");
        _workflows.Read.ShouldBe(["evolve-3"]);
        state.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        File.Delete(_scenario);
    }

    private async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private string Body(string route) => route switch
    {
        "/evolutions" => JsonSerializer.Serialize(new { scenarioPath = _scenario, population = 4, generations = 2 }, Web),
        "/evolutions/adopt" => JsonSerializer.Serialize(
            new EvolutionProposal(_scenario, 11, 2, 0.9, 8, new Dictionary<string, PathwayHormones> { ["orders→inventory"] = new() { ConcurrencyLimit = 12 } }, [], [0.9]), Web),
        "/organism/pathogens" => """{"cell":"inventory","pathogen":"errors","on":true}""",
        _ => string.Empty,
    };

    private async Task<HttpClient> StartAsync(string? operatorKeys)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [OperatorKeys.SecretName] = operatorKeys });
        builder.Services.AddSingleton<OperatorKeys>();
        builder.Services.AddSingleton<IHormoneStore>(_store);
        builder.Services.AddSingleton<IDaprWorkflowClient>((IDaprWorkflowClient)(object)_workflows);
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)));
        builder.Services.AddOptions<DashboardOptions>();
        builder.Services.AddSingleton<OrganismView>();
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _app.MapEvolutionApi();
        _app.MapOrganismPage();
        await _app.StartAsync(Ct);
        // A cell the page has seen, so it may be infected.
        _app.Services.GetRequiredService<OrganismView>().Record(new VitalsReported("inventory", 0, [PathwayHealthTests.Window(VitalsKind.Endpoint, "POST /reservations") with { Cell = "inventory", Calls = 1, Successes = 1 }]));
        return _app.GetTestClient();
    }

    private static async Task<(HttpStatusCode Status, string Detail)> PostAsync(HttpClient http, string route, string body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(OperatorKeys.Header, key);
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var detail = text.StartsWith('{') && JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? text : text;
        return (response.StatusCode, detail);
    }

    private void NothingHappened()
    {
        _store.Writes.ShouldBeEmpty("no hormone may be written");
        _workflows.Scheduled.ShouldBeEmpty("no evolution may start");
        _workflows.Read.ShouldBeEmpty("the handler is not reached");
    }

    /// <summary>The hormone store at the edge: records every write.</summary>
    private sealed class RecordingStore : IHormoneStore
    {
        public List<(IReadOnlyList<string> Keys, HormoneOrigin Origin)> Writes { get; } = [];

        public Task<PathwayHormones> ReadAsync(string cell, string target, CancellationToken cancellationToken) => Task.FromResult(new PathwayHormones());

        public Task WriteAsync(string cell, string target, IReadOnlyList<(string Hormone, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken)
        {
            lock (Writes)
            {
                Writes.Add(([.. values.Select(v => HormoneKeys.Pathway(cell, target, v.Hormone))], origin));
            }

            return Task.CompletedTask;
        }

        public Task WriteKeysAsync(IReadOnlyList<(string Key, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken)
        {
            lock (Writes)
            {
                Writes.Add(([.. values.Select(v => v.Key)], origin));
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<HormoneOriginRecord>> OriginsAsync(string afterId, int count, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<HormoneOriginRecord>>([]);
    }
}

/// <summary>
/// The Dapr workflow client at the edge (a <see cref="DispatchProxy"/> over <see cref="IDaprWorkflowClient"/>): records the
/// workflows scheduled and the instances read (none exists); any other call fails the test.
/// </summary>
public class RecordingWorkflows : DispatchProxy
{
    /// <summary>Workflows scheduled: name and instance id.</summary>
    public List<(string Name, string? InstanceId)> Scheduled { get; } = [];

    /// <summary>Instances whose state was read.</summary>
    public List<string> Read { get; } = [];

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        ArgumentNullException.ThrowIfNull(args);
        switch (targetMethod.Name)
        {
            case nameof(IDaprWorkflowClient.ScheduleNewWorkflowAsync):
                lock (Scheduled)
                {
                    Scheduled.Add(((string)args[0]!, (string?)args[1]));
                }

                return Task.FromResult((string?)args[1] ?? "generated");
            case nameof(IDaprWorkflowClient.GetWorkflowStateAsync):
                lock (Read)
                {
                    Read.Add((string)args[0]!);
                }

                return Task.FromResult<WorkflowState?>(null);
            default:
                throw new InvalidOperationException($"the evolution API called {targetMethod.Name}, which this test does not expect");
        }
    }
}
