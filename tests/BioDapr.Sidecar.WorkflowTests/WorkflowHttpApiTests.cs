using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.WorkflowTests.Infrastructure;
using BioDapr.Testing;
using Dapr.DurableTask.Protobuf;

namespace BioDapr.Sidecar.WorkflowTests;

/// <summary>daprd's <c>/v1.0/workflows</c> HTTP API on the same engine, daprd's state layout in Redis, and the engine without an actor state store.</summary>
public sealed class WorkflowHttpApiTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http => fixture.Http;

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<JsonElement> GetAsync(string id)
    {
        using var response = await Http.GetAsync($"/v1.0/workflows/dapr/{id}", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private async Task<JsonElement> StatusAsync(string id, string status) =>
        await Eventually.ReturnsAsync(() => GetAsync(id), s => s.GetProperty("runtimeStatus").GetString() == status, TimeSpan.FromSeconds(20), $"{id} should become {status}");

    [Fact]
    public async Task Start_Get_AndTheProperties_FollowDaprd()
    {
        var id = NewId("http");
        using var start = await Http.PostAsync($"/v1.0/workflows/dapr/FanOut/start?instanceID={id}", new StringContent("3", Encoding.UTF8, "application/json"), Ct);

        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        JsonDocument.Parse(await start.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("instanceID").GetString().ShouldBe(id);
        var done = await StatusAsync(id, "COMPLETED");
        done.GetProperty("instanceID").GetString().ShouldBe(id);
        done.GetProperty("workflowName").GetString().ShouldBe("FanOut");
        done.GetProperty("properties").GetProperty("dapr.workflow.input").GetString().ShouldBe("3");
        done.GetProperty("properties").GetProperty("dapr.workflow.output").GetString().ShouldBe("14");
        DateTimeOffset.Parse(done.GetProperty("createdAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThanOrEqualTo(DateTimeOffset.Parse(done.GetProperty("lastUpdatedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task RaiseEvent_Pause_Resume_Terminate_Purge_Answer202_OnTheSameEngine()
    {
        var id = NewId("httpctl");
        (await Http.PostAsync($"/v1.0/workflows/dapr/Steps/start?instanceID={id}", new StringContent("3"), Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await StatusAsync(id, "RUNNING");

        using (var raised = await Http.PostAsync($"/v1.0/workflows/dapr/{id}/raiseEvent/step", new StringContent("\"one\""), Ct))
        {
            raised.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            (await raised.Content.ReadAsStringAsync(Ct)).ShouldBe("{}");
        }

        await Eventually.ReturnsAsync(() => GetAsync(id), s => s.GetProperty("properties").TryGetProperty("dapr.workflow.custom_status", out var c) && c.GetString() == "1");
        (await Http.PostAsync($"/v1.0/workflows/dapr/{id}/pause", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await StatusAsync(id, "SUSPENDED");
        (await Http.PostAsync($"/v1.0/workflows/dapr/{id}/resume", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await StatusAsync(id, "RUNNING");
        (await Http.PostAsync($"/v1.0/workflows/dapr/{id}/terminate", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await StatusAsync(id, "TERMINATED");
        (await Http.PostAsync($"/v1.0/workflows/dapr/{id}/purge", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        using var gone = await Http.GetAsync($"/v1.0/workflows/dapr/{id}", Ct);
        gone.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await gone.Content.ReadAsStringAsync(Ct)).ShouldBe($$"""{"errorCode":"ERR_INSTANCE_ID_NOT_FOUND","message":"unable to find workflow with the provided instance ID: {{id}}"}""");
    }

    [Theory]
    [InlineData("POST", "/v1.0/workflows/dapr/FanOut/start?instanceID=bad%20id", 400, "ERR_INSTANCE_ID_INVALID")]
    [InlineData("POST", "/v1.0/workflows/dapr/FanOut/start?instanceID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 400, "ERR_INSTANCE_ID_TOO_LONG")]
    [InlineData("GET", "/v1.0/workflows/dapr/no-such-instance", 404, "ERR_INSTANCE_ID_NOT_FOUND")]
    [InlineData("POST", "/v1.0/workflows/dapr/no-such-instance/purge", 404, "ERR_INSTANCE_ID_NOT_FOUND")]
    [InlineData("POST", "/v1.0/workflows/dapr/no-such-instance/terminate", 404, "ERR_INSTANCE_ID_NOT_FOUND")]
    [InlineData("POST", "/v1.0/workflows/dapr/no-such-instance/pause", 500, "ERR_PAUSE_WORKFLOW")]
    [InlineData("POST", "/v1.0/workflows/dapr/no-such-instance/raiseEvent/e", 500, "ERR_RAISE_EVENT_WORKFLOW")]
    public async Task BadRequests_AnswerDaprdsErrors(string method, string path, int status, string errorCode)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        ((int)response.StatusCode).ShouldBe(status);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errorCode").GetString().ShouldBe(errorCode);
    }

    [Fact]
    public async Task State_IsStoredWithDaprdsKeyLayout_InTheActorStateStore()
    {
        var id = NewId("layout");
        (await Http.PostAsync($"/v1.0/workflows/dapr/FanOut/start?instanceID={id}", new StringContent("2"), Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await StatusAsync(id, "COMPLETED");
        var prefix = $"wf||dapr.internal.default.wf.workflow||{id}||";

        var metadata = await Field(prefix + "metadata");
        var parsed = BackendWorkflowStateMetadata.Parser.ParseFrom(metadata);
        parsed.Generation.ShouldBe(1UL);
        parsed.InboxLength.ShouldBe(0UL);
        var history = (await fixture.HistoryAsync(id)).ToList();
        parsed.HistoryLength.ShouldBe((ulong)history.Count);
        for (var i = 0; i < history.Count; i++)
        {
            HistoryEvent.Parser.ParseFrom(await Field(prefix + $"history-{i:D6}")).ShouldBe(history[i]);
        }

        (await fixture.Redis.ExecuteAsync("EXISTS", [prefix + $"history-{history.Count:D6}"], Ct)).AsInt64().ShouldBe(0);
        (await fixture.Redis.ExecuteAsync("EXISTS", [prefix + "customStatus"], Ct)).AsInt64().ShouldBe(1);
        (await fixture.Redis.ExecuteAsync("EXISTS", [$"biodapr||workflows||wf||active||{id}"], Ct)).AsInt64().ShouldBe(0, "a finished instance has no active marker");
    }

    [Fact]
    public async Task WithoutAnActorStateStore_WorkflowCallsAnswerDaprdsActorRuntimeError()
    {
        await using var sidecar = await WorkflowSidecar.StartAsync("nostore", fixture.RedisHost, actorStateStore: false);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };

        using var response = await http.PostAsync("/v1.0/workflows/dapr/FanOut/start", new StringContent("1"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_ACTOR_RUNTIME_NOT_FOUND");
        await using var client = sidecar.Client();
        var refused = await Should.ThrowAsync<Exception>(() => client.ScheduleNewWorkflowAsync("FanOut", "x", 1, null, Ct));
        refused.ToString().ShouldContain("actorStateStore");
    }

    private async Task<byte[]> Field(string key)
    {
        var reply = await fixture.Redis.ExecuteAsync("HGET", [key, "data"], Ct);
        reply.IsNull.ShouldBeFalse($"{key} should exist");
        return reply.Bytes!;
    }
}
