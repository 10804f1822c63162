using System.Net;
using BioDapr.Client.Tests.Fakes;
using BioDapr.Testing;
using BioDapr.Testing.Time;

namespace BioDapr.Client.Tests.Metadata;

public sealed class MetadataAndHealthTests : IDisposable
{
    private const string MetadataJson = """
        {"id":"app","runtimeVersion":"1.18.3","enabledFeatures":["HotReload"],
         "actors":[{"type":"T","count":1}],
         "components":[{"name":"statestore","type":"state.redis","version":"v1","capabilities":["ETAG","TRANSACTIONAL","TTL"]}],
         "extended":{"daprRuntimeVersion":"1.18.3","cell":"orders"},
         "subscriptions":[{"pubsubname":"pubsub","topic":"orders","metadata":{},"rules":[{"match":"event.type == \"x\"","path":"/x"}],"deadLetterTopic":"","type":"DECLARATIVE"}],
         "httpEndpoints":[{"name":"ext"}],
         "appConnectionProperties":{"port":5001,"protocol":"http","channelAddress":"127.0.0.1","maxConcurrency":-1,
           "health":{"healthCheckPath":"/healthz","healthProbeInterval":"5s","healthProbeTimeout":"500ms","healthThreshold":3}},
         "actorRuntime":{"runtimeStatus":"RUNNING","hostReady":true,"placement":"placement: connected"},
         "scheduler":{"connected_addresses":["127.0.0.1:50006"]},
         "workflows":{"connectedWorkers":2},
         "mcpServers":[],"workflowAccessPolicies":[],"resiliencies":[{"name":"myresiliency"}],
         "someFutureField":{"nested":[1,2,3]}}
        """;

    private readonly TimerRecordingTimeProvider _time = new();
    private readonly TestSidecar _sidecar;

    public MetadataAndHealthTests() => _sidecar = new TestSidecar(time: _time);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    [Fact]
    public async Task GetMetadataAsync_FullDocument_MapsEveryFieldAndIgnoresUnknownOnes()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, MetadataJson);

        var metadata = await _sidecar.Client.GetMetadataAsync(Ct);

        _sidecar.Handler.SingleRequest.PathAndQuery.ShouldBe("/v1.0/metadata");
        metadata.Id.ShouldBe("app");
        metadata.RuntimeVersion.ShouldBe("1.18.3");
        metadata.EnabledFeatures.ShouldBe(["HotReload"]);
        metadata.Actors.ShouldHaveSingleItem().Count.ShouldBe(1);
        metadata.Components.ShouldHaveSingleItem().Capabilities.ShouldBe(["ETAG", "TRANSACTIONAL", "TTL"]);
        metadata.Extended["cell"].ShouldBe("orders");
        var subscription = metadata.Subscriptions.ShouldHaveSingleItem();
        subscription.PubsubName.ShouldBe("pubsub");
        subscription.Rules.ShouldHaveSingleItem().Path.ShouldBe("/x");
        subscription.Type.ShouldBe("DECLARATIVE");
        metadata.HttpEndpoints.ShouldHaveSingleItem().Name.ShouldBe("ext");
        metadata.AppConnectionProperties!.MaxConcurrency.ShouldBe(-1);
        metadata.AppConnectionProperties.Health!.HealthProbeTimeout.ShouldBe("500ms");
        metadata.ActorRuntime!.HostReady.ShouldBeTrue();
        metadata.Scheduler!.ConnectedAddresses.ShouldBe(["127.0.0.1:50006"]);
        metadata.Workflows!.ConnectedWorkers.ShouldBe(2);
        metadata.Resiliencies.ShouldHaveSingleItem().Name.ShouldBe("myresiliency");
    }

    [Fact]
    public async Task GetMetadataAsync_MinimalDocument_LeavesCollectionsEmpty()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"id":"a"}""");

        var metadata = await _sidecar.Client.GetMetadataAsync(Ct);

        metadata.Components.ShouldBeEmpty();
        metadata.Extended.ShouldBeEmpty();
        metadata.AppConnectionProperties.ShouldBeNull();
    }

    [Fact]
    public async Task SetMetadataAsync_KeyAndValue_PutsRawBody()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.SetMetadataAsync("cell role", "orders v2", Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Put);
        request.Path.ShouldBe("/v1.0/metadata/cell%20role");
        request.BodyText.ShouldBe("orders v2");
    }

    [Fact]
    public async Task ShutdownAsync_Always_PostsShutdown()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.ShutdownAsync(Ct);

        _sidecar.Handler.SingleRequest.Method.ShouldBe(HttpMethod.Post);
        _sidecar.Handler.SingleRequest.PathAndQuery.ShouldBe("/v1.0/shutdown");
    }

    [Fact]
    public async Task CheckHealthAsync_NoContent_IsHealthy()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.CheckHealthAsync(Ct)).ShouldBeTrue();
        _sidecar.Handler.SingleRequest.PathAndQuery.ShouldBe("/v1.0/healthz");
    }

    [Fact]
    public async Task CheckHealthAsync_NotReady_IsUnhealthy()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_HEALTH_NOT_READY","message":"dapr is not ready: [app]"}""");

        (await _sidecar.Client.CheckHealthAsync(Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task CheckOutboundHealthAsync_ConnectionRefused_IsUnhealthy()
    {
        _sidecar.Handler.EnqueueException(new HttpRequestException("Connection refused (127.0.0.1:3500)"));

        (await _sidecar.Client.CheckOutboundHealthAsync(Ct)).ShouldBeFalse();
        _sidecar.Handler.SingleRequest.PathAndQuery.ShouldBe("/v1.0/healthz/outbound");
    }

    [Fact]
    public async Task WaitForSidecarAsync_ReadyAfterFailures_ReturnsAfterPolling()
    {
        _sidecar.Handler
            .EnqueueException(new HttpRequestException("Connection refused"))
            .EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_OUTBOUND_HEALTH_NOT_READY","message":"dapr outbound is not ready"}""")
            .EnqueueException(new HttpRequestException("Connection refused"))
            .Enqueue(HttpStatusCode.NoContent);

        await DriveAsync(_sidecar.Client.WaitForSidecarAsync(TimeSpan.FromSeconds(10), Ct));

        _sidecar.Handler.Requests.Count.ShouldBe(4);
        _sidecar.Handler.Requests.ShouldAllBe(r => r.PathAndQuery == "/v1.0/healthz/outbound");
        _time.GetUtcNow().ShouldBe(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) + TimeSpan.FromMilliseconds(3 * DaprSidecarClient.HealthPollIntervalMilliseconds));
    }

    [Fact]
    public async Task WaitForSidecarAsync_NeverReady_ThrowsNamingEndpointDurationAndLastError()
    {
        _sidecar.Handler.RespondWith(_ => throw new HttpRequestException("Connection refused (127.0.0.1:3500)"));

        var ex = await Should.ThrowAsync<DaprSidecarUnavailableException>(() => DriveAsync(_sidecar.Client.WaitForSidecarAsync(TimeSpan.FromSeconds(2), Ct)));

        ex.Endpoint.ShouldBe(TestSidecar.Endpoint);
        ex.Waited.ShouldBe(TimeSpan.FromSeconds(2));
        ex.LastError.ShouldContain("Connection refused");
        ex.Message.ShouldContain("http://127.0.0.1:3500/");
        ex.Message.ShouldContain("within 2 s");
        ex.Message.ShouldContain("Is the sidecar running? Set DAPR_HTTP_PORT");
        _sidecar.Handler.Requests.Count.ShouldBe(1 + (2000 / DaprSidecarClient.HealthPollIntervalMilliseconds));
    }

    [Fact]
    public async Task WaitForSidecarAsync_DefaultTimeout_ComesFromOptions()
    {
        using var sidecar = new TestSidecar(time: _time, options: new DaprSidecarOptions { StartupTimeout = TimeSpan.FromMilliseconds(500) });
        sidecar.Handler.RespondWith(_ => CapturingResponse(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_OUTBOUND_HEALTH_NOT_READY","message":"not ready"}"""));

        var ex = await Should.ThrowAsync<DaprSidecarUnavailableException>(() => DriveAsync(sidecar.Client.WaitForSidecarAsync(cancellationToken: Ct)));

        ex.Waited.ShouldBe(TimeSpan.FromMilliseconds(500));
        ex.LastError.ShouldContain("ERR_OUTBOUND_HEALTH_NOT_READY");
    }

    [Fact]
    public async Task WaitForSidecarAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _sidecar.Handler.RespondWith(_ => CapturingResponse(HttpStatusCode.InternalServerError, null));

        var wait = _sidecar.Client.WaitForSidecarAsync(TimeSpan.FromMinutes(1), cts.Token);
        await Eventually.TrueAsync(() => _time.ActiveTimers > 0, because: "the client waits on the clock");
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task WaitForSidecarAsync_NonPositiveTimeout_Throws()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => _sidecar.Client.WaitForSidecarAsync(TimeSpan.Zero, Ct));
    }

    private static HttpResponseMessage CapturingResponse(HttpStatusCode status, string? body) =>
        BioDapr.Testing.Http.CapturingHttpMessageHandler.Response(status, body);

    /// <summary>Advances the fake clock whenever the client waits on it, until <paramref name="task"/> ends.</summary>
    private async Task DriveAsync(Task task)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The client did not finish waiting on the fake clock.");
            }

            if (_time.ActiveTimers > 0)
            {
                // Half a poll interval per step: FakeTimeProvider moves to the step's end before it fires the timer, so a
                // whole interval would jump past the client's shorter last wait (the rest of its startup timeout).
                _time.Advance(TimeSpan.FromMilliseconds(DaprSidecarClient.HealthPollIntervalMilliseconds / 2));
            }
            else
            {
                await Task.Yield();
            }
        }

        await task;
    }
}
