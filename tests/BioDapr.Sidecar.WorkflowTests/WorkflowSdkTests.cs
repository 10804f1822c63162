using BioDapr.Sidecar.WorkflowTests.Infrastructure;
using BioDapr.Testing;
using BioDapr.WorkflowApp;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Grpc.Core;
using WorkflowState = Dapr.Workflow.WorkflowState;

namespace BioDapr.Sidecar.WorkflowTests;

/// <summary>Each workflow feature through the official Dapr.Workflow 1.19.1 SDK (client and worker) against the sidecar process.</summary>
public sealed class WorkflowSdkTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>
{
    private DaprWorkflowClient Client => fixture.Client;

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static CancellationToken Within(int seconds = 30) =>
        CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token).Token;

    private async Task<WorkflowState> RunAsync(string name, object? input, string? id = null)
    {
        id ??= NewId(name.ToLowerInvariant());
        await Client.ScheduleNewWorkflowAsync(name, id, input, null, Within());
        return await Client.WaitForWorkflowCompletionAsync(id, true, Within());
    }

    [Fact]
    public async Task FanOut_ThreeActivitiesAndAZeroTimer_CompleteWithTheSum_AndTheHistoryShowsEachOnce()
    {
        var id = NewId("fanout");
        var state = await RunAsync("FanOut", 3, id);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<int>().ShouldBe(1 + 4 + 9);
        var history = await fixture.HistoryAsync(id);
        history.Count(e => e.TaskScheduled is not null).ShouldBe(3);
        history.Count(e => e.TaskCompleted is not null).ShouldBe(3);
        history.Count(e => e.TimerCreated is not null).ShouldBe(1);
        history.Count(e => e.TimerFired is not null).ShouldBe(1);
        history.Count(e => e.ExecutionCompleted is not null).ShouldBe(1);
        history[0].WorkflowStarted.ShouldNotBeNull("each turn starts with WorkflowStarted");
        history[1].ExecutionStarted.Name.ShouldBe("FanOut");
    }

    [Fact]
    public async Task Timer_FiresNoEarlierThanItsDelay()
    {
        var state = await RunAsync("Timer", 300);

        state.ReadOutputAs<string>().ShouldBe("True");
    }

    [Fact]
    public async Task ExternalEvent_RaisedBeforeTheWorkflowWaits_IsBufferedAndDelivered()
    {
        var id = NewId("early");
        // A start one second away: the event reaches the instance before its first turn, let alone the wait.
        await Client.ScheduleNewWorkflowAsync("Approval", id, "x", DateTimeOffset.UtcNow.AddSeconds(1), Within());
        await Client.RaiseEventAsync(id, "approval", "early bird", Within());

        var state = await Client.WaitForWorkflowCompletionAsync(id, true, Within());

        state.ReadOutputAs<string>().ShouldBe("early bird");
        var history = await fixture.HistoryAsync(id);
        history.Single(e => e.EventRaised is not null).EventRaised.Name.ShouldBe("approval");
    }

    [Fact]
    public async Task ExternalEvent_RaisedWhileTheWorkflowWaits_CompletesIt_AndNamesMatchCaseInsensitively()
    {
        var id = NewId("late");
        await Client.ScheduleNewWorkflowAsync("Approval", id, "x", null, Within());
        await Eventually.ReturnsAsync(() => fixture.HistoryAsync(id), h => h.Any(e => e.TimerCreated is not null || e.WorkflowStarted is not null), because: "the workflow should be waiting");

        await Client.RaiseEventAsync(id, "APPROVAL", "approved", Within());

        (await Client.WaitForWorkflowCompletionAsync(id, true, Within())).ReadOutputAs<string>().ShouldBe("approved");
    }

    [Fact]
    public async Task ExternalEvent_NotRaised_TimesOutThroughItsTimer()
    {
        var state = await RunAsync("ApprovalWithTimeout", 200);

        state.ReadOutputAs<string>().ShouldBe("timed out");
    }

    [Fact]
    public async Task ActivityFailure_FailsTheWorkflow_WithTheFailureDetails()
    {
        var state = await RunAsync("FailingActivity", "disk on fire");

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Failed);
        state.FailureDetails.ShouldNotBeNull();
        state.FailureDetails.ErrorMessage.ShouldContain("disk on fire");
    }

    [Fact]
    public async Task ActivityFailure_CanBeCaughtByTheWorkflow_WithTypeAndMessage()
    {
        var state = await RunAsync("CatchFailure", "bad input");

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("System.InvalidOperationException: bad input");
    }

    [Fact]
    public async Task RetryPolicy_RetriesAFailingActivity_ThroughDurableTimers_UntilItSucceeds()
    {
        var key = NewId("flaky");
        var id = NewId("retry");
        var state = await RunAsync("Retry", new FlakyInput(key, Failures: 2), id);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<int>().ShouldBe(3);
        var history = await fixture.HistoryAsync(id);
        history.Count(e => e.TaskFailed is not null).ShouldBe(2);
        history.Count(e => e.TimerCreated?.ActivityRetry is not null).ShouldBe(2, "the SDK waits between attempts with retry timers");
    }

    [Fact]
    public async Task RetryPolicy_Exhausted_FailsTheWorkflow()
    {
        var state = await RunAsync("Retry", new FlakyInput(NewId("hopeless"), Failures: 10));

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Failed);
        state.FailureDetails!.ErrorMessage.ShouldContain("attempt 3");
    }

    [Fact]
    public async Task ChildWorkflows_ReturnTheirResult_AndTheirFailureReachesTheParent()
    {
        var id = NewId("parent");
        var state = await RunAsync("Parent", 2, id);

        state.ReadOutputAs<string>().ShouldBe("5|Task failed: child broke", "the child failed with the activity's failure, as the SDK words it");
        var history = await fixture.HistoryAsync(id);
        var children = history.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).ToList();
        children.Count.ShouldBe(2);
        var child = await Client.GetWorkflowStateAsync(children[0], true, Within());
        child!.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        (await fixture.TaskHub.GetInstanceAsync(new GetInstanceRequest { InstanceId = children[0] }, cancellationToken: Within())).WorkflowState.ParentInstanceId.ShouldBe(id);
    }

    [Fact]
    public async Task ContinueAsNew_StartsOverWithTheNewInput_AndKeepsOnlyTheLastGenerationsHistory()
    {
        var id = NewId("counter");
        var state = await RunAsync("Counter", new CounterState(0, 4), id);

        state.ReadOutputAs<int>().ShouldBe(4);
        var history = await fixture.HistoryAsync(id);
        history.Single(e => e.ExecutionStarted is not null).ExecutionStarted.Input.ShouldContain("\"count\":4", Case.Insensitive);
        history.Count(e => e.TaskScheduled is not null).ShouldBe(1);
    }

    [Fact]
    public async Task ContinueAsNew_CarriesOverEventsRaisedBeforeTheyWereAwaited()
    {
        var id = NewId("ticks");
        await Client.ScheduleNewWorkflowAsync("Ticks", id, 0, null, Within());
        for (var i = 0; i < 3; i++)
        {
            await Client.RaiseEventAsync(id, "tick", 1, Within());
        }

        var state = await Client.WaitForWorkflowCompletionAsync(id, true, Within());

        state.ReadOutputAs<int>().ShouldBe(3);
    }

    [Fact]
    public async Task CustomStatus_IsVisibleWhileRunning_AndAfterCompletion()
    {
        var id = NewId("status");
        await Client.ScheduleNewWorkflowAsync("CustomStatus", id, "x", null, Within());
        var waiting = await Eventually.ReturnsAsync(() => Client.GetWorkflowStateAsync(id, true, Within())!, s => s?.ReadCustomStatusAs<Dictionary<string, string>>()?.GetValueOrDefault("stage") == "waiting");
        waiting!.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Running);

        await Client.RaiseEventAsync(id, "go", "now", Within());
        var done = await Client.WaitForWorkflowCompletionAsync(id, true, Within());

        done.ReadCustomStatusAs<Dictionary<string, string>>()!["stage"].ShouldBe("done");
    }

    [Fact]
    public async Task Terminate_Recursive_EndsTheParentAndItsRunningChild()
    {
        var id = NewId("terminate");
        await Client.ScheduleNewWorkflowAsync("ParentOfWaiter", id, "x", null, Within());
        await Eventually.ReturnsAsync(() => Client.GetWorkflowStateAsync(id + "-child", false, Within())!, s => s?.RuntimeStatus == WorkflowRuntimeStatus.Running, because: "the child should run");

        await Client.TerminateWorkflowAsync(id, "enough", Within());

        (await Client.GetWorkflowStateAsync(id, true, Within()))!.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Terminated);
        var child = await Client.WaitForWorkflowCompletionAsync(id + "-child", false, Within());
        child.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Terminated);
    }

    [Fact]
    public async Task SuspendAndResume_HoldEventsWhileSuspended_ThenTheWorkflowGoesOn()
    {
        var id = NewId("steps");
        await Client.ScheduleNewWorkflowAsync("Steps", id, 2, null, Within());
        await Client.RaiseEventAsync(id, "step", "1", Within());
        await Eventually.ReturnsAsync(() => Client.GetWorkflowStateAsync(id, true, Within())!, s => s?.ReadCustomStatusAs<int>() == 1);

        await Client.SuspendWorkflowAsync(id, "maintenance", Within());
        (await Client.GetWorkflowStateAsync(id, true, Within()))!.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Suspended);
        await Client.RaiseEventAsync(id, "step", "2", Within());
        (await fixture.HistoryAsync(id)).Count(e => e.EventRaised is not null).ShouldBe(1, "the second event waits in the inbox while suspended");
        (await Client.GetWorkflowStateAsync(id, true, Within()))!.ReadCustomStatusAs<int>().ShouldBe(1);

        await Client.ResumeWorkflowAsync(id, "back", Within());
        var done = await Client.WaitForWorkflowCompletionAsync(id, true, Within());

        done.ReadOutputAs<int>().ShouldBe(2);
        var history = await fixture.HistoryAsync(id);
        history.Count(e => e.ExecutionSuspended is not null).ShouldBe(1);
        history.Count(e => e.ExecutionResumed is not null).ShouldBe(1);
    }

    [Fact]
    public async Task Purge_DeletesAFinishedInstanceAndItsChildren_ButRefusesARunningOne()
    {
        var id = NewId("purge");
        await RunAsync("Parent", 1, id);
        var children = (await fixture.HistoryAsync(id)).Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).ToList();

        (await Client.PurgeInstanceAsync(id, Within())).ShouldBeTrue();

        (await Client.GetWorkflowStateAsync(id, false, Within())).Exists.ShouldBeFalse();
        foreach (var child in children)
        {
            (await Client.GetWorkflowStateAsync(child, false, Within())).Exists.ShouldBeFalse();
        }

        var running = NewId("running");
        await Client.ScheduleNewWorkflowAsync("WaitForever", running, "x", null, Within());
        var refused = await Should.ThrowAsync<RpcException>(() => fixture.TaskHub.PurgeInstancesAsync(new PurgeInstancesRequest { InstanceId = running, Recursive = true }, cancellationToken: Within()).ResponseAsync);
        refused.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
        refused.Status.Detail.ShouldContain("not in a terminal state");
        await Client.TerminateWorkflowAsync(running, null, Within());
    }

    [Fact]
    public async Task ListInstanceIds_AndGetInstanceHistory_AnswerFromTheStore()
    {
        var id = NewId("listed");
        await RunAsync("FanOut", 1, id);

        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await Client.ListInstanceIdsAsync(token, 50, Within());
            ids.AddRange(page.InstanceIds);
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));

        ids.ShouldContain(id);
        var history = await Client.GetInstanceHistoryAsync(id, Within());
        history.Count.ShouldBe((await fixture.HistoryAsync(id)).Count);
    }

    [Fact]
    public async Task SendEvent_FromOneWorkflow_ReachesAnother()
    {
        var receiver = NewId("receiver");
        await Client.ScheduleNewWorkflowAsync("Approval", receiver, "x", null, Within());
        var sender = NewId("sender");

        await RunAsync("Sender", receiver, sender);

        (await Client.WaitForWorkflowCompletionAsync(receiver, true, Within())).ReadOutputAs<string>().ShouldBe("sent by " + sender);
    }

    [Fact]
    public async Task StartingAnInstanceIdThatIsRunning_IsRefused_AndAFinishedOneStartsOver()
    {
        var id = NewId("again");
        await Client.ScheduleNewWorkflowAsync("WaitForever", id, "x", null, Within());
        await Should.ThrowAsync<Exception>(() => Client.ScheduleNewWorkflowAsync("WaitForever", id, "x", null, Within()));
        await Client.TerminateWorkflowAsync(id, null, Within());

        var state = await RunAsync("FanOut", 2, id);

        state.ReadOutputAs<int>().ShouldBe(5);
    }

    [Fact]
    public async Task Replay_AFinishedInstanceRerunFromItsLastActivity_ReplaysItsHistoryToTheSameResult()
    {
        var id = NewId("source");
        var original = await RunAsync("Sequence", new SequenceInput(3, 1), id);
        var lastActivity = (await fixture.HistoryAsync(id)).Last(e => e.TaskScheduled is not null).EventId;

        var rerun = await Client.RerunWorkflowFromEventAsync(id, (uint)lastActivity, new Dapr.Workflow.Client.RerunWorkflowFromEventOptions { NewInstanceId = id + "-rerun" }, Within());
        var replayed = await Client.WaitForWorkflowCompletionAsync(rerun, true, Within());

        replayed.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        replayed.ReadOutputAs<string>().ShouldBe(original.ReadOutputAs<string>());
        var history = await fixture.HistoryAsync(rerun);
        history.Count(e => e.TaskCompleted is not null).ShouldBe(3);
        history.Where(e => e.TaskCompleted is not null).Select(e => e.TaskCompleted.TaskScheduledId).ShouldBeUnique();
    }

    [Fact]
    public async Task BadRequests_AnswerClearErrors_AndTheEngineKeepsServing()
    {
        var invalid = await Should.ThrowAsync<RpcException>(() => fixture.TaskHub.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "bad id!", Name = "FanOut" }, cancellationToken: Within()).ResponseAsync);
        invalid.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        invalid.Status.Detail.ShouldContain("'bad id!' is invalid");
        var noName = await Should.ThrowAsync<RpcException>(() => fixture.TaskHub.StartInstanceAsync(new CreateInstanceRequest { InstanceId = NewId("x") }, cancellationToken: Within()).ResponseAsync);
        noName.Status.Detail.ShouldBe("workflow name is not configured");
        var missing = await Should.ThrowAsync<RpcException>(() => fixture.TaskHub.RaiseEventAsync(new RaiseEventRequest { InstanceId = "nobody-here", Name = "e" }, cancellationToken: Within()).ResponseAsync);
        missing.StatusCode.ShouldBe(StatusCode.NotFound);
        (await fixture.TaskHub.GetInstanceAsync(new GetInstanceRequest { InstanceId = "nobody-here" }, cancellationToken: Within())).Exists.ShouldBeFalse();

        // Completions nobody asked for (a confused or hostile worker) are ignored.
#pragma warning disable CS0612 // CompleteOrchestratorTask is what Dapr.Workflow 1.19 calls (deprecated in the protos).
        await fixture.TaskHub.CompleteOrchestratorTaskAsync(new WorkflowResponse { InstanceId = "nobody-here", CompletionToken = "forged" }, cancellationToken: Within());
        await fixture.TaskHub.CompleteActivityTaskAsync(new ActivityResponse { InstanceId = "nobody-here", TaskId = 7, CompletionToken = "forged" }, cancellationToken: Within());
        var empty = await Should.ThrowAsync<RpcException>(() => fixture.TaskHub.CompleteOrchestratorTaskAsync(new WorkflowResponse(), cancellationToken: Within()).ResponseAsync);
#pragma warning restore CS0612
        empty.StatusCode.ShouldBe(StatusCode.InvalidArgument);

        (await RunAsync("FanOut", 2)).ReadOutputAs<int>().ShouldBe(5);
    }
}
