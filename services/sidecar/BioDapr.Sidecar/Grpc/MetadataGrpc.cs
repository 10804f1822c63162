using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using ProtoActorRuntime = Dapr.Client.Autogen.Grpc.v1.ActorRuntime;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Grpc;

/// <summary>GetMetadata, SetMetadata and Shutdown over gRPC (daprd: <c>pkg/api/universal/metadata.go</c>, <c>shutdown.go</c>).</summary>
internal sealed class MetadataGrpc(SidecarRuntime runtime)
{
    public Task<GetMetadataResponse> GetMetadataAsync(GetMetadataRequest request, ServerCallContext call)
    {
        _ = (request, call);
        var settings = runtime.Settings;
        var response = new GetMetadataResponse { Id = settings.AppId, RuntimeVersion = SidecarRuntime.RuntimeVersion };
        response.EnabledFeatures.Add(runtime.Configuration.Features.Where(f => f.Value).Select(f => f.Key).Order(StringComparer.Ordinal));
        foreach (var component in runtime.Components.All)
        {
            var registered = new RegisteredComponents { Name = component.Name, Type = component.Type, Version = component.Version };
            registered.Capabilities.Add(ComponentCapabilities.Reported(component));
            response.RegisteredComponents.Add(registered);
        }

        response.ExtendedMetadata.Add(runtime.ExtendedMetadata);
        foreach (var subscription in runtime.Subscriptions.Active)
        {
            var proto = new PubsubSubscription
            {
                PubsubName = subscription.PubsubName,
                Topic = subscription.Topic,
                DeadLetterTopic = subscription.DeadLetterTopic ?? string.Empty,
                Rules = new PubsubSubscriptionRules(),
                Type = subscription.Kind switch
                {
                    SubscriptionKind.Declarative => PubsubSubscriptionType.Declarative,
                    SubscriptionKind.Programmatic => PubsubSubscriptionType.Programmatic,
                    SubscriptionKind.Streaming => PubsubSubscriptionType.Streaming,
                    _ => PubsubSubscriptionType.Unknown,
                },
            };
            proto.Metadata.Put(subscription.Metadata);
            proto.Rules.Rules.Add(subscription.Routes.Rules.Select(r => new PubsubSubscriptionRule { Match = r.Match, Path = r.Path }));
            if (subscription.Routes.Default is { } defaultPath)
            {
                proto.Rules.Rules.Add(new PubsubSubscriptionRule { Path = defaultPath });
            }

            response.Subscriptions.Add(proto);
        }

        if (settings.AppPort is { } port)
        {
            var connection = new AppConnectionProperties
            {
                Port = port,
                Protocol = settings.AppProtocol,
                ChannelAddress = settings.AppChannelAddress,
                MaxConcurrency = settings.AppMaxConcurrency,
            };
            if (settings.EnableAppHealthCheck)
            {
                connection.Health = new AppConnectionHealthProperties
                {
                    HealthCheckPath = settings.AppHealthCheckPath,
                    HealthProbeInterval = GoDuration.Format(settings.AppHealthProbeInterval),
                    HealthProbeTimeout = GoDuration.Format(settings.AppHealthProbeTimeout),
                    HealthThreshold = settings.AppHealthThreshold,
                };
            }

            response.AppConnectionProperties = connection;
        }

        var actors = runtime.Actors;
        var counts = actors?.Counts ?? [];
        response.ActorRuntime = new ProtoActorRuntime
        {
            RuntimeStatus = actors is not null ? ProtoActorRuntime.Types.ActorRuntimeStatus.Running
                : runtime.Components.ActorStateStore is null ? ProtoActorRuntime.Types.ActorRuntimeStatus.Disabled
                : ProtoActorRuntime.Types.ActorRuntimeStatus.Initializing,
            HostReady = actors is not null,
            Placement = actors is null ? string.Empty : "connected",
        };
        response.ActorRuntime.ActiveActors.Add(counts.Select(c => new ActiveActorsCount { Type = c.Type, Count = c.Count }));
        return Task.FromResult(response);
    }

    public Task<Google.Protobuf.WellKnownTypes.Empty> SetMetadataAsync(SetMetadataRequest request, ServerCallContext call)
    {
        _ = call;
        runtime.ExtendedMetadata[request.Key] = request.Value;
        return Task.FromResult(new Google.Protobuf.WellKnownTypes.Empty());
    }

    /// <summary>Answers, then stops the sidecar gracefully (as POST /v1.0/shutdown).</summary>
    public Task<Google.Protobuf.WellKnownTypes.Empty> ShutdownAsync(ShutdownRequest request, ServerCallContext call)
    {
        _ = (request, call);
        runtime.RequestShutdown(force: false);
        return Task.FromResult(new Google.Protobuf.WellKnownTypes.Empty());
    }
}
