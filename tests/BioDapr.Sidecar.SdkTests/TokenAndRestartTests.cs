using System.Net;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>The API token on the gRPC API, and a streaming subscription across a SIGKILL and restart of the sidecar.</summary>
public sealed class TokenAndRestartTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DaprApiToken_IsRequiredOnTheGrpcApi_AsOnHttp()
    {
        await using var sidecar = await SidecarProcess.StartAsync(
            "tokens",
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host)) },
            apiToken: "t0ken");

        using var anonymous = sidecar.Client();
        var missing = await Should.ThrowAsync<DaprException>(() => anonymous.GetStateAsync<string>("statestore", "k", cancellationToken: Ct));
        missing.Rpc().StatusCode.ShouldBe(StatusCode.Unauthenticated);
        missing.Rpc().Status.Detail.ShouldBe("missing api token in request metadata");

        using var wrong = sidecar.Client("nope");
        var mismatch = await Should.ThrowAsync<DaprException>(() => wrong.SaveStateAsync("statestore", "k", 1, cancellationToken: Ct));
        mismatch.Rpc().Status.Detail.ShouldBe("authentication error: api token mismatch");

        using var right = sidecar.Client("t0ken");
        await right.SaveStateAsync("statestore", "k", 1, cancellationToken: Ct);
        (await right.GetStateAsync<int>("statestore", "k", cancellationToken: Ct)).ShouldBe(1);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };
        (await http.GetAsync("/v1.0/state/statestore/k", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task StreamingSubscription_SurvivesASidecarKill_AndGetsTheUnansweredEventAgain()
    {
        var topic = "r-" + Guid.NewGuid().ToString("N")[..8];
        var restarted = new System.Runtime.CompilerServices.StrongBox<bool>(false);
        await using var sidecar = await SidecarProcess.StartAsync(
            "restarts",
            new Dictionary<string, string>
            {
                ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", redis.Host), ("processingTimeout", "1s"), ("redeliverInterval", "300ms")),
            });
        await using var subscriber = new StreamingSubscriber(sidecar.GrpcEndpoint, "pubsub", topic)
        {
            // The first event is left unanswered: it is in flight when the sidecar dies.
            Answer = e => e.Data.ToStringUtf8().Contains("in-flight", StringComparison.Ordinal) && !restarted.Value ? null : Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types.TopicEventResponseStatus.Success,
        };
        await Eventually.TrueAsync(() => subscriber.Connections == 1);
        using (var client = sidecar.Client())
        {
            await client.PublishEventAsync("pubsub", topic, "in-flight", Ct);
        }

        await Eventually.TrueAsync(() => subscriber.Received.Count == 1, because: "the event should reach the stream before the kill");

        await sidecar.KillAsync();
        restarted.Value = true;
        await sidecar.RestartAsync();
        await Eventually.TrueAsync(() => subscriber.Connections == 2, TimeSpan.FromSeconds(20), because: "the subscriber should subscribe again after the restart");
        using (var client = sidecar.Client())
        {
            await client.PublishEventAsync("pubsub", topic, "after-restart", Ct);
        }

        await Eventually.TrueAsync(
            () => subscriber.Received.Count(e => e.Data.ToStringUtf8().Contains("in-flight", StringComparison.Ordinal)) == 2
                && subscriber.Received.Any(e => e.Data.ToStringUtf8().Contains("after-restart", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20),
            because: "the unanswered event is delivered again and new events flow");
        await using var connection = await redis.ConnectAsync();
        await Eventually.ReturnsAsync(
            async () => (await connection.GetDatabase().StreamPendingAsync(topic, "restarts")).PendingMessageCount,
            pending => pending == 0,
            because: "both events end acknowledged");
    }
}
