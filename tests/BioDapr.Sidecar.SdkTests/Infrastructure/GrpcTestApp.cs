using System.Collections.Concurrent;
using System.Net;
using BioDapr.Testing;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>
/// An app written against the SDK's generated server bases (<c>AppCallback.AppCallbackBase</c>,
/// <c>AppCallbackHealthCheck.AppCallbackHealthCheckBase</c>) on HTTP/2 without TLS: it declares a normal and a
/// bulk subscription, records what it receives and echoes invocations.
/// </summary>
internal sealed class GrpcTestApp : IAsyncDisposable
{
    private readonly WebApplication _web;

    private GrpcTestApp(WebApplication web, int port, Recording recorder)
    {
        _web = web;
        Port = port;
        Recorder = recorder;
    }

    public int Port { get; }

    public Recording Recorder { get; }

    public static async Task<GrpcTestApp> StartAsync(string topic, string bulkTopic)
    {
        var port = FreePort.Next();
        var recorder = new Recording(topic, bulkTopic);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(recorder);
        var web = builder.Build();
        web.MapGrpcService<Callbacks>();
        web.MapGrpcService<Health>();
        await web.StartAsync();
        return new GrpcTestApp(web, port, recorder);
    }

    public async ValueTask DisposeAsync()
    {
        using var abrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await _web.StopAsync(abrupt.Token);
        await _web.DisposeAsync();
    }

    /// <summary>What the app received.</summary>
    internal sealed class Recording(string topic, string bulkTopic)
    {
        public string Topic { get; } = topic;

        public string BulkTopic { get; } = bulkTopic;

        public ConcurrentQueue<TopicEventRequest> Events { get; } = new();

        public ConcurrentQueue<TopicEventBulkRequest> Bulks { get; } = new();

        public ConcurrentQueue<(InvokeRequest Request, Metadata Headers)> Invocations { get; } = new();

        /// <summary>The status for a bulk entry (default SUCCESS).</summary>
        public Func<TopicEventBulkRequestEntry, TopicEventResponse.Types.TopicEventResponseStatus> BulkAnswer { get; set; } = _ => TopicEventResponse.Types.TopicEventResponseStatus.Success;

        public int HealthChecks;
    }

    private sealed class Callbacks(Recording recorder) : AppCallback.AppCallbackBase
    {
        public override Task<ListTopicSubscriptionsResponse> ListTopicSubscriptions(Empty request, ServerCallContext context)
        {
            var response = new ListTopicSubscriptionsResponse();
            response.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = recorder.Topic, Routes = new TopicRoutes { Default = "/events" } });
            response.Subscriptions.Add(new TopicSubscription
            {
                PubsubName = "pubsub",
                Topic = recorder.BulkTopic,
                Routes = new TopicRoutes { Default = "/bulk" },
                BulkSubscribe = new BulkSubscribeConfig { Enabled = true, MaxMessagesCount = 5, MaxAwaitDurationMs = 300 },
            });
            return Task.FromResult(response);
        }

        public override Task<TopicEventResponse> OnTopicEvent(TopicEventRequest request, ServerCallContext context)
        {
            recorder.Events.Enqueue(request);
            return Task.FromResult(new TopicEventResponse { Status = TopicEventResponse.Types.TopicEventResponseStatus.Success });
        }

        public override Task<TopicEventBulkResponse> OnBulkTopicEvent(TopicEventBulkRequest request, ServerCallContext context)
        {
            recorder.Bulks.Enqueue(request);
            var response = new TopicEventBulkResponse();
            response.Statuses.Add(request.Entries.Select(e => new TopicEventBulkResponseEntry { EntryId = e.EntryId, Status = recorder.BulkAnswer(e) }));
            return Task.FromResult(response);
        }

        public override Task<InvokeResponse> OnInvoke(InvokeRequest request, ServerCallContext context)
        {
            recorder.Invocations.Enqueue((request, context.RequestHeaders));
            if (request.Method == "fail")
            {
                throw new RpcException(new Status(StatusCode.NotFound, "no such order"));
            }

            if (request.Data.TypeUrl.Length > 0)
            {
                // A protobuf caller: echo its Any as it came.
                return Task.FromResult(new InvokeResponse { Data = request.Data, ContentType = request.ContentType });
            }

            return Task.FromResult(new InvokeResponse
            {
                ContentType = "application/json",
                Data = new Any { Value = ByteString.CopyFromUtf8($$"""{"method":"{{request.Method}}","echo":{{(request.Data.Value.IsEmpty ? "null" : request.Data.Value.ToStringUtf8())}}}""") },
            });
        }
    }

    private sealed class Health(Recording recorder) : AppCallbackHealthCheck.AppCallbackHealthCheckBase
    {
        public override Task<HealthCheckResponse> HealthCheck(Empty request, ServerCallContext context)
        {
            Interlocked.Increment(ref recorder.HealthChecks);
            return Task.FromResult(new HealthCheckResponse());
        }
    }
}
