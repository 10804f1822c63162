using System.Collections.Concurrent;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using DaprStub = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>
/// An app that hosts actors over the stream it opens (<c>SubscribeActorEventsAlpha1</c>, daprd 1.18+), written
/// with the generated Dapr client as the stream's app side, against the sidecar process (no app port) and Redis.
/// </summary>
public sealed class ActorStreamTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StreamHostedActor_GetsInvocationsRemindersTimersAndDeactivation_AndAPendingCallFailsWhenTheAppGoesAway()
    {
        await using var sidecar = await SidecarProcess.StartAsync(
            "actorstream",
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")) },
            appProtocol: "grpc");
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var dapr = new DaprStub.DaprClient(channel);

        // A first message that is not the registration is refused.
        using (var wrong = dapr.SubscribeActorEventsAlpha1(cancellationToken: Ct))
        {
            await wrong.RequestStream.WriteAsync(new SubscribeActorEventsRequestAlpha1 { DeactivateResponse = new SubscribeActorEventsRequestDeactivateResponseAlpha1 { Id = "1" } }, Ct);
            var refused = await Should.ThrowAsync<RpcException>(async () => await wrong.ResponseStream.MoveNext(Ct));
            refused.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        }

        using var app = new CancellationTokenSource();
        using var stream = dapr.SubscribeActorEventsAlpha1(cancellationToken: app.Token);
        var initial = new SubscribeActorEventsRequestInitialAlpha1 { ActorIdleTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
        initial.Entities.Add("Streamed");
        await stream.RequestStream.WriteAsync(new SubscribeActorEventsRequestAlpha1 { InitialRequest = initial }, Ct);
        (await stream.ResponseStream.MoveNext(Ct)).ShouldBeTrue();
        stream.ResponseStream.Current.InitialResponse.ShouldNotBeNull();

        var seen = new ConcurrentQueue<SubscribeActorEventsResponseAlpha1>();
        var serving = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in stream.ResponseStream.ReadAllAsync(app.Token))
                {
                    seen.Enqueue(message);
                    SubscribeActorEventsRequestAlpha1? answer = message.ResponseTypeCase switch
                    {
                        SubscribeActorEventsResponseAlpha1.ResponseTypeOneofCase.InvokeRequest => message.InvokeRequest.Method switch
                        {
                            "missing" => new() { RequestFailed = new() { Id = message.InvokeRequest.Id, Code = (uint)StatusCode.NotFound, Message = "no such method" } },
                            "hang" => null,
                            _ => new() { InvokeResponse = new() { Id = message.InvokeRequest.Id, Data = ByteString.CopyFromUtf8("echo:" + message.InvokeRequest.Data.ToStringUtf8()) } },
                        },
                        SubscribeActorEventsResponseAlpha1.ResponseTypeOneofCase.ReminderRequest => new() { ReminderResponse = new() { Id = message.ReminderRequest.Id, Cancel = true } },
                        SubscribeActorEventsResponseAlpha1.ResponseTypeOneofCase.TimerRequest => new() { TimerResponse = new() { Id = message.TimerRequest.Id } },
                        SubscribeActorEventsResponseAlpha1.ResponseTypeOneofCase.DeactivateRequest => new() { DeactivateResponse = new() { Id = message.DeactivateRequest.Id } },
                        _ => null,
                    };
                    if (answer is not null)
                    {
                        await stream.RequestStream.WriteAsync(answer, app.Token);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException)
            {
                // The app went away.
            }
        }, CancellationToken.None);

        var reply = await dapr.InvokeActorAsync(new InvokeActorRequest { ActorType = "Streamed", ActorId = "a1", Method = "hello", Data = ByteString.CopyFromUtf8("x") }, cancellationToken: Ct);
        reply.Data.ToStringUtf8().ShouldBe("echo:x");

        var missing = await Should.ThrowAsync<RpcException>(async () => await dapr.InvokeActorAsync(
            new InvokeActorRequest { ActorType = "Streamed", ActorId = "a1", Method = "missing" }, cancellationToken: Ct));
        missing.Status.Detail.ShouldContain("actor method not found: missing");

        // The reminder fires over the stream; the app's cancel ends it.
        await dapr.RegisterActorReminderAsync(new RegisterActorReminderRequest { ActorType = "Streamed", ActorId = "a1", Name = "r", DueTime = "0s", Period = "1h", Data = ByteString.CopyFromUtf8("{\"n\":1}") }, cancellationToken: Ct);
        await Eventually.TrueAsync(() => seen.Any(m => m.ReminderRequest is { Name: "r", ActorId: "a1" }), because: "the reminder fires over the stream");
        seen.First(m => m.ReminderRequest is { Name: "r" }).ReminderRequest.Data.Unpack<Google.Protobuf.WellKnownTypes.BytesValue>().Value.ToStringUtf8().ShouldBe("{\"n\":1}");
        await Eventually.ReturnsAsync(
            async () => (await dapr.ListActorRemindersAsync(new ListActorRemindersRequest { ActorType = "Streamed" }, cancellationToken: Ct)).Reminders.Count,
            count => count == 0,
            because: "a reminder the app cancels is removed");

        await dapr.RegisterActorTimerAsync(new RegisterActorTimerRequest { ActorType = "Streamed", ActorId = "a1", Name = "t", DueTime = "0s", Callback = "onTick" }, cancellationToken: Ct);
        await Eventually.TrueAsync(() => seen.Any(m => m.TimerRequest is { Name: "t", Callback: "onTick" }), because: "the timer fires over the stream");

        await Eventually.TrueAsync(() => seen.Any(m => m.DeactivateRequest is { ActorType: "Streamed", ActorId: "a1" }), because: "an idle actor is deactivated over the stream");

        // A call the app never answers fails once the app goes away, instead of hanging.
        var pending = dapr.InvokeActorAsync(new InvokeActorRequest { ActorType = "Streamed", ActorId = "a2", Method = "hang" }, cancellationToken: Ct).ResponseAsync;
        await Eventually.TrueAsync(() => seen.Any(m => m.InvokeRequest is { Method: "hang" }), because: "the call reaches the app");
        await app.CancelAsync();
        var gone = await Should.ThrowAsync<RpcException>(async () => await pending);
        gone.Status.Detail.ShouldContain("actor host disconnected before responding");
        await serving;

        // Its types are no longer hosted anywhere.
        await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    await dapr.InvokeActorAsync(new InvokeActorRequest { ActorType = "Streamed", ActorId = "a1", Method = "hello" }, cancellationToken: Ct);
                    return "answered";
                }
                catch (RpcException ex)
                {
                    return ex.Status.Detail;
                }
            },
            detail => detail.Contains("did not find address for actor", StringComparison.Ordinal),
            because: "the stream's actor types leave placement with it");
    }

    [Fact]
    public async Task ActorStream_WithAnHttpApp_IsFailedPrecondition()
    {
        await using var app = await HttpTestApp.StartAsync();
        await using var sidecar = await SidecarProcess.StartAsync("actorstreamhttp", new Dictionary<string, string>(), appPort: app.Port);
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        using var stream = new DaprStub.DaprClient(channel).SubscribeActorEventsAlpha1(cancellationToken: Ct);
        var initial = new SubscribeActorEventsRequestInitialAlpha1();
        initial.Entities.Add("Streamed");
        await stream.RequestStream.WriteAsync(new SubscribeActorEventsRequestAlpha1 { InitialRequest = initial }, Ct);
        var refused = await Should.ThrowAsync<RpcException>(async () => await stream.ResponseStream.MoveNext(Ct));
        refused.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
        refused.Status.Detail.ShouldBe("actor callback streaming requires a gRPC app channel");
    }
}
