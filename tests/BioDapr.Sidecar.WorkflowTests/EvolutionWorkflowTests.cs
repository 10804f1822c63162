using BioDapr.Launcher;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioDapr.Contracts.Hormones;
using BioDapr.Cortex.Evolution;
using BioDapr.Redis;
using BioDapr.Scenarios;
using BioDapr.Sidecar.WorkflowTests.Infrastructure;
using BioDapr.Simulation.Training;
using BioDapr.Testing;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.WorkflowTests;

/// <summary>
/// The cortex's evolution (the lab's static-policy search) as a Dapr workflow on the development sidecar: the same
/// seed gives exactly the in-process search's best policy and score, the evaluations spread over every replica, the
/// history stays bounded (continue-as-new), hostile requests fail with their reason, and kill -9 of a cortex replica
/// and of the sidecar mid-search changes nothing in the result.
/// </summary>
public sealed class EvolutionWorkflowTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const string OperatorKey = "wf-operator-key";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string ReferenceScenario => Path.Combine(Organism.RepositoryRoot, "scenarios", "reference.yaml");

    private static CancellationToken Within(int seconds) =>
        CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token).Token;

    // Small enough for the suite (a few dozen simulator runs), big enough to cross continue-as-new twice.
    private static EvolutionRequest Request(int seed, int generations = 5) => new()
    {
        ScenarioPath = ReferenceScenario,
        Shorten = 0.03,
        Seed = seed,
        Population = 4,
        Generations = generations,
        GenerationsPerRun = 2,
        FitnessSeeds = [5],
    };

    private static SearchResult InProcess(EvolutionRequest request) =>
        new StaticPolicySearch(request.ToSettings() with { Parallelism = 1 })
            .Search(ScenarioParser.Load(request.ScenarioPath).Shortened(request.Shorten), cancellationToken: TestContext.Current.CancellationToken);

    private static IHost Replica(WorkflowSidecar sidecar) => Replica(sidecar.GrpcEndpoint);

    private static IHost Replica(string grpcEndpoint)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["DAPR_GRPC_ENDPOINT"] = grpcEndpoint;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCortexEvolution();
        return builder.Build();
    }

    private static void SameAsInProcess(EvolutionProposal proposal, SearchResult expected, EvolutionRequest request)
    {
        proposal.Fitness.ShouldBe(expected.Fitness, "the same seed gives the same best score");
        proposal.Hormones.OrderBy(p => p.Key, StringComparer.Ordinal).ToList().ShouldBe([.. expected.Hormones.OrderBy(p => p.Key, StringComparer.Ordinal)], "and the same best policy");
        proposal.Evaluations.ShouldBe(expected.Evaluations);
        proposal.BestByGeneration.Count.ShouldBe(request.Generations);
        proposal.BestByGeneration[^1].ShouldBe(expected.Fitness);
        proposal.Candidates.Count.ShouldBe(3);
        proposal.Candidates.ShouldAllBe(c => c.Hormones.Values.All(h => h.Validate().Count == 0));
    }

    private static async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(WorkflowSidecar sidecar, string id)
    {
        var (client, channel) = sidecar.TaskHub();
        using (channel)
        {
            return (await client.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = id }, cancellationToken: TestContext.Current.CancellationToken)).Events;
        }
    }

    [Fact]
    public async Task SameSeed_TheWorkflowOnTwoReplicas_AndTheInProcessSearch_GiveTheSameBestPolicyAndScore()
    {
        await using var sidecar = await WorkflowSidecar.StartAsync("cortex-eq", redis.Host);
        using var first = Replica(sidecar);
        using var second = Replica(sidecar);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);
        await using var client = sidecar.Client();
        var request = Request(seed: 17);
        var id = "evolve-" + Guid.NewGuid().ToString("N")[..8];

        await client.ScheduleNewWorkflowAsync(EvolutionWorkflow.Name, id, new EvolutionState { Request = request }, null, Within(30));
        var state = await client.WaitForWorkflowCompletionAsync(id, true, Within(240));

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed, state.FailureDetails?.ErrorMessage);
        SameAsInProcess(state.ReadOutputAs<EvolutionProposal>()!, InProcess(request), request);
        state.ReadCustomStatusAs<EvolutionProgress>()!.Generation.ShouldBe(request.Generations);
        first.Services.GetRequiredService<ScenarioCache>().Reads.ShouldBeGreaterThan(0, "the first replica evaluated candidates");
        second.Services.GetRequiredService<ScenarioCache>().Reads.ShouldBeGreaterThan(0, "and so did the second");

        // Continue-as-new every 2 generations: the last execution's history holds only its own generation (5 of 5).
        var history = await HistoryAsync(sidecar, id);
        history.Count(e => e.TaskScheduled is not null).ShouldBe(request.Population);
        history.Where(e => e.TaskCompleted is not null).Select(e => e.TaskCompleted.TaskScheduledId).ShouldBeUnique();

        // Replay determinism: the finished execution's history, replayed by a fresh replica, completes with the same proposal.
        var answer = await ReplayDeterminismTests.ReplayAsync(id, history, endpoint => Replica(endpoint));
        answer.Actions.Count.ShouldBe(1);
        answer.Actions[0].CompleteWorkflow.Result.ShouldBe(history.Single(e => e.ExecutionCompleted is not null).ExecutionCompleted.Result);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task HostileRequests_EndTheInstanceFailed_WithTheReasonNamed()
    {
        await using var sidecar = await WorkflowSidecar.StartAsync("cortex-bad", redis.Host);
        using var replica = Replica(sidecar);
        await replica.StartAsync(TestContext.Current.CancellationToken);
        await using var client = sidecar.Client();

        var invalid = "bad-" + Guid.NewGuid().ToString("N")[..8];
        await client.ScheduleNewWorkflowAsync(EvolutionWorkflow.Name, invalid, new EvolutionState { Request = Request(1) with { Population = 1, FitnessSeeds = [] } }, null, Within(30));
        var failed = await client.WaitForWorkflowCompletionAsync(invalid, true, Within(60));
        failed.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Failed);
        failed.FailureDetails!.ErrorMessage.ShouldContain("population must be between 2 and 500");
        failed.FailureDetails.ErrorMessage.ShouldContain("fitnessSeeds must name at least one seed");

        var missing = "missing-" + Guid.NewGuid().ToString("N")[..8];
        var nowhere = Path.Combine(Path.GetTempPath(), "no-such-scenario-" + missing + ".yaml");
        await client.ScheduleNewWorkflowAsync(EvolutionWorkflow.Name, missing, new EvolutionState { Request = Request(1) with { ScenarioPath = nowhere } }, null, Within(30));
        var unreadable = await client.WaitForWorkflowCompletionAsync(missing, true, Within(90));
        unreadable.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Failed);
        unreadable.FailureDetails!.ErrorMessage.ShouldContain(nowhere);
        unreadable.FailureDetails.ErrorMessage.ShouldContain("cannot read the scenario file");
        await replica.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task KillMinus9_OfACortexReplica_AndOfTheSidecar_MidSearch_TheResultIsTheInProcessOne_AndItIsAdopted()
    {
        // Two cortex replicas on one sidecar (the sidecar's app channel is the survivor's app port).
        var appPort = FreePort.Next();
        await using var sidecar = await WorkflowSidecar.CreateAsync("cortex", redis.Host, appPort: appPort);
        var publicPort = FreePort.Next();
        ChildProcess Cortex(int port, int? callbacks = null) => ChildProcess.Start("BioDapr.Cortex", [], new Dictionary<string, string>
        {
            ["DAPR_GRPC_ENDPOINT"] = sidecar.GrpcEndpoint,
            ["DAPR_HTTP_ENDPOINT"] = sidecar.HttpEndpoint,
            ["APP_PORT"] = (callbacks ?? FreePort.Next()).ToString(CultureInfo.InvariantCulture),
            ["PUBLIC_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cortex__HormoneStore__Redis"] = redis.Host,
            ["Logging__LogLevel__Default"] = "Warning",
            // Starting and adopting are operator actions (no secret store here: the key comes from the environment).
            ["cortex-operator-keys"] = "wf-operator=" + OperatorKey,
        });
        await using var survivor = Cortex(publicPort, appPort);
        await sidecar.RestartAsync();
        var doomed = Cortex(FreePort.Next());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{publicPort}") };
        http.DefaultRequestHeaders.Add("X-Operator-Key", OperatorKey);
        var request = Request(seed: 29, generations: 6);
        var id = "evolve-" + Guid.NewGuid().ToString("N")[..8];

        // Started through the cortex's API, as ./biodapr evolve does.
        HttpResponseMessage? started;
        try
        {
            started = await Eventually.ReturnsAsync(
                async () =>
                {
                    try
                    {
                        return await http.PostAsJsonAsync($"/evolutions?instanceId={id}", request, Web, TestContext.Current.CancellationToken);
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                r => r is not null,
                TimeSpan.FromSeconds(120),
                "the cortex should answer on its public port");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "\n" + survivor.Output, ex);
        }

        started!.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) + survivor.Output);
        var reached = await Eventually.ReturnsAsync(() => ProgressAsync(http, id), g => g >= 1, TimeSpan.FromSeconds(120), "a generation should finish before the kills");
        reached.ShouldBeLessThan(request.Generations, "the kills must come in the middle of the search");

        await doomed.KillAsync();
        await sidecar.KillAsync();
        await sidecar.RestartAsync();
        await using var replacement = Cortex(FreePort.Next());

        using var done = await Eventually.ReturnsAsync(
            () => http.GetAsync($"/evolutions/{id}", TestContext.Current.CancellationToken),
            r => r.StatusCode != HttpStatusCode.Accepted,
            TimeSpan.FromSeconds(240),
            "the evolution should finish after the restarts");
        var body = await done.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        done.StatusCode.ShouldBe(HttpStatusCode.OK, body + sidecar.Output);
        var proposal = JsonSerializer.Deserialize<EvolutionProposal>(body, Web)!;
        SameAsInProcess(proposal, InProcess(request), request);
        var history = await HistoryAsync(sidecar, id);
        history.Where(e => e.TaskCompleted is not null).Select(e => e.TaskCompleted.TaskScheduledId).ShouldBeUnique("each evaluation's result is recorded once");

        using (var anonymous = new HttpClient { BaseAddress = http.BaseAddress })
        {
            using var refused = await anonymous.PostAsync($"/evolutions/{id}/adopt", null, TestContext.Current.CancellationToken);
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "adopting is an operator action");
        }

        using var adopted = await http.PostAsync($"/evolutions/{id}/adopt", null, TestContext.Current.CancellationToken);
        adopted.StatusCode.ShouldBe(HttpStatusCode.OK, await adopted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await using var store = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, TestContext.Current.CancellationToken);
        foreach (var (pathway, hormones) in proposal.Hormones)
        {
            var parts = pathway.Split('→');
            var stored = (await store.ExecuteAsync("GET", [HormoneKeys.Pathway(parts[0], parts[1], "concurrencyLimit")], TestContext.Current.CancellationToken)).AsString();
            HormoneValue.Parse(stored.ShouldNotBeNull()).Value.ShouldBe(hormones.ConcurrencyLimit.ToString(CultureInfo.InvariantCulture));
        }

        using var unknown = await http.GetAsync("/evolutions/no-such-evolution", TestContext.Current.CancellationToken);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var invalid = await http.PostAsJsonAsync("/evolutions", request with { Population = 0, ScenarioPath = "" }, Web, TestContext.Current.CancellationToken);
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await invalid.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("population must be between 2 and 500");
        using var badDocument = await http.PostAsJsonAsync("/evolutions/adopt", proposal with { Hormones = new Dictionary<string, BioDapr.Pathways.Hormones.PathwayHormones> { ["nocell"] = new() } }, Web, TestContext.Current.CancellationToken);
        badDocument.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await doomed.DisposeAsync();
    }

    private static async Task<int> ProgressAsync(HttpClient http, string id)
    {
        using var response = await http.GetAsync($"/evolutions/{id}", TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return response.StatusCode == HttpStatusCode.OK ? int.MaxValue : -1;
        }

        var running = await response.Content.ReadFromJsonAsync<EvolutionRunning>(Web, TestContext.Current.CancellationToken);
        return running?.Progress?.Generation ?? 0;
    }
}
