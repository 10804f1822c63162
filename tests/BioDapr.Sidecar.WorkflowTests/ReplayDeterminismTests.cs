using BioDapr.Sidecar.WorkflowTests.Infrastructure;
using BioDapr.WorkflowApp;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;

namespace BioDapr.Sidecar.WorkflowTests;

/// <summary>
/// Replay determinism: the stored history of a finished instance, handed to a fresh SDK worker as one turn (its past
/// events, minus the completion), replays to the same result — the worker schedules nothing new and completes with the
/// output the sidecar recorded.
/// </summary>
public sealed class ReplayDeterminismTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>
{
    private static CancellationToken Within(int seconds = 60) =>
        CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token).Token;

    [Theory]
    [InlineData("FanOut")]
    [InlineData("Sequence")]
    [InlineData("Parent")]
    [InlineData("Timer")]
    [InlineData("CatchFailure")]
    public async Task AFinishedInstancesHistory_ReplaysToTheSameResult_WithNoNewWork(string workflow)
    {
        object input = workflow switch
        {
            "FanOut" => 3,
            "Sequence" => new SequenceInput(3, 1),
            "Parent" => 2,
            "Timer" => 50,
            _ => "boom",
        };
        var id = $"replay-{workflow.ToLowerInvariant()}-{Guid.NewGuid():N}"[..30];
        await fixture.Client.ScheduleNewWorkflowAsync(workflow, id, input, null, Within());
        var finished = await fixture.Client.WaitForWorkflowCompletionAsync(id, true, Within());
        finished.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        var history = await fixture.HistoryAsync(id);
        var recorded = history.Single(e => e.ExecutionCompleted is not null).ExecutionCompleted;

        var answer = await ReplayAsync(id, history, WorkflowAppHost.Create);

        answer.Actions.Count.ShouldBe(1, $"a replay schedules nothing new: {answer.Actions}");
        var complete = answer.Actions[0].CompleteWorkflow.ShouldNotBeNull();
        complete.WorkflowStatus.ShouldBe(OrchestrationStatus.Completed);
        complete.Result.ShouldBe(recorded.Result, "the replay completes with the recorded output");
    }

    /// <summary>Replays a finished instance's history through a fresh worker built by <paramref name="worker"/> (given the hub's endpoint).</summary>
    internal static async Task<WorkflowResponse> ReplayAsync(string instanceId, IReadOnlyList<HistoryEvent> history, Func<string, Microsoft.Extensions.Hosting.IHost> worker)
    {
        await using var hub = await ReplayHub.StartAsync(instanceId, history);
        using var host = worker(hub.Endpoint);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            return await hub.Answer.WaitAsync(Within());
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
