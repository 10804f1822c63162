using BioDapr.Launcher;
using BioDapr.Sidecar.WorkflowTests.Infrastructure;
using BioDapr.Testing;
using BioDapr.WorkflowApp;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;

namespace BioDapr.Sidecar.WorkflowTests;

/// <summary>
/// kill -9 in the middle of a workflow: of the app (a separate process running the SDK worker) and of the sidecar.
/// After the restart the workflow finishes with the same result, and every activity result is in the history once.
/// </summary>
public sealed class WorkflowCrashTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Within(int seconds) =>
        CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token).Token;

    private static ChildProcess StartApp(WorkflowSidecar sidecar) =>
        ChildProcess.Start("BioDapr.WorkflowApp", [], new Dictionary<string, string> { ["DAPR_GRPC_ENDPOINT"] = sidecar.GrpcEndpoint });

    private static async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(WorkflowSidecar sidecar, string id)
    {
        var (client, channel) = sidecar.TaskHub();
        using (channel)
        {
            return (await client.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = id }, cancellationToken: TestContext.Current.CancellationToken)).Events;
        }
    }

    private static void EachResultOnce(IReadOnlyList<HistoryEvent> history, int activities)
    {
        history.Count(e => e.TaskScheduled is not null).ShouldBe(activities);
        var completed = history.Where(e => e.TaskCompleted is not null).Select(e => e.TaskCompleted.TaskScheduledId).ToList();
        completed.Count.ShouldBe(activities, "every activity result is recorded");
        completed.ShouldBeUnique("and recorded once");
    }

    [Fact]
    public async Task AppKilledMidWorkflow_ANewAppProcessFinishesIt_WithEachResultOnce()
    {
        await using var sidecar = await WorkflowSidecar.StartAsync("crashapp", redis.Host);
        await using var client = sidecar.Client();
        var app = StartApp(sidecar);
        var id = "seq-" + Guid.NewGuid().ToString("N")[..8];
        await client.ScheduleNewWorkflowAsync("Sequence", id, new SequenceInput(6, 250), null, Within(30));
        await Eventually.ReturnsAsync(() => HistoryAsync(sidecar, id), h => h.Count(e => e.TaskCompleted is not null) >= 2, TimeSpan.FromSeconds(30), "two steps should finish before the kill");

        await app.KillAsync();
        await using var second = StartApp(sidecar);
        var state = await client.WaitForWorkflowCompletionAsync(id, true, Within(60));

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed, second.Output + app.Output);
        state.ReadOutputAs<string>().ShouldBe("step-0,step-1,step-2,step-3,step-4,step-5");
        EachResultOnce(await HistoryAsync(sidecar, id), 6);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task SidecarKilledMidWorkflow_ResumesAfterRestart_TimersAndActivitiesIncluded()
    {
        await using var sidecar = await WorkflowSidecar.StartAsync("crashsidecar", redis.Host);
        using var worker = WorkflowAppHost.Create(sidecar.GrpcEndpoint);
        await worker.StartAsync(TestContext.Current.CancellationToken);
        var sequence = "seq-" + Guid.NewGuid().ToString("N")[..8];
        var fanOut = "fan-" + Guid.NewGuid().ToString("N")[..8];
        var timer = "timer-" + Guid.NewGuid().ToString("N")[..8];
        await using (var client = sidecar.Client())
        {
            await client.ScheduleNewWorkflowAsync("Sequence", sequence, new SequenceInput(5, 300), null, Within(30));
            await client.ScheduleNewWorkflowAsync("SlowFanOut", fanOut, new SequenceInput(8, 1500), null, Within(30));
            await client.ScheduleNewWorkflowAsync("Timer", timer, 2500, null, Within(30));
            await Eventually.ReturnsAsync(() => HistoryAsync(sidecar, sequence), h => h.Count(e => e.TaskCompleted is not null) >= 2, TimeSpan.FromSeconds(30), "two steps should finish before the kill");
        }

        await sidecar.KillAsync();
        await sidecar.RestartAsync();

        await using (var client = sidecar.Client())
        {
            // The SDK's worker reconnects on its own (it waits 5 s after a broken stream).
            var done = await client.WaitForWorkflowCompletionAsync(sequence, true, Within(60));
            done.ReadOutputAs<string>().ShouldBe("step-0,step-1,step-2,step-3,step-4", sidecar.Output);
            (await client.WaitForWorkflowCompletionAsync(fanOut, true, Within(60))).ReadOutputAs<string>().ShouldBe(string.Join(",", Enumerable.Range(0, 8).Select(i => $"step-{i}")));
            (await client.WaitForWorkflowCompletionAsync(timer, true, Within(60))).ReadOutputAs<string>().ShouldBe("True");
        }

        EachResultOnce(await HistoryAsync(sidecar, sequence), 5);
        EachResultOnce(await HistoryAsync(sidecar, fanOut), 8);
        (await HistoryAsync(sidecar, timer)).Count(e => e.TimerFired is not null).ShouldBe(1);
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }
}
