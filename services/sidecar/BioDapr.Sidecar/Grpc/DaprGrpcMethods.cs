using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.AspNetCore.Server.Model;
using DaprService = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// The route table of the gRPC API: every method of <c>dapr.proto.runtime.v1.Dapr</c> the development
/// sidecar serves, and what it answers for the building blocks it has no components for. Anything else
/// answers daprd's <c>ERR_API_UNIMPLEMENTED</c> (Unimplemented).
/// </summary>
internal sealed class DaprGrpcMethods : IServiceMethodProvider<DaprGrpcService>
{
    private readonly GrpcServiceTable<DaprGrpcService> _table;

    public DaprGrpcMethods(SidecarRuntime runtime, BuildingBlockServices services, StreamingSubscriptions streaming)
    {
        var table = new GrpcServiceTable<DaprGrpcService>(DaprService.Descriptor, new GrpcCallGuard(runtime));
        var state = new StateGrpc(services.State);
        var pubsub = new PubSubGrpc(services.PubSub, runtime.Tracing);
        var secrets = new SecretsGrpc(services.Secrets);
        var configuration = new ConfigurationGrpc(runtime, services.Configuration);
        var metadata = new MetadataGrpc(runtime);
        var invocation = new InvocationGrpc(runtime.Invoker, runtime.Settings.MaxBodySize);
        var actors = new ActorsGrpc(runtime);
        var actorEvents = new ActorEventsGrpc(runtime);
        var appId = runtime.Settings.AppId;

        // State
        table.Unary<GetStateRequest, GetStateResponse>("GetState", state.GetStateAsync);
        table.Unary<GetBulkStateRequest, GetBulkStateResponse>("GetBulkState", state.GetBulkStateAsync);
        table.Unary<SaveStateRequest, Google.Protobuf.WellKnownTypes.Empty>("SaveState", state.SaveStateAsync);
        table.Unary<DeleteStateRequest, Google.Protobuf.WellKnownTypes.Empty>("DeleteState", state.DeleteStateAsync);
        table.Unary<DeleteBulkStateRequest, Google.Protobuf.WellKnownTypes.Empty>("DeleteBulkState", state.DeleteBulkStateAsync);
        table.Unary<ExecuteStateTransactionRequest, Google.Protobuf.WellKnownTypes.Empty>("ExecuteStateTransaction", state.ExecuteStateTransactionAsync);
        table.Unary<QueryStateRequest, QueryStateResponse>("QueryStateAlpha1", state.QueryStateAsync);

        // Pub/sub
        table.Unary<PublishEventRequest, Google.Protobuf.WellKnownTypes.Empty>("PublishEvent", pubsub.PublishEventAsync);
        table.Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEvent", pubsub.BulkPublishEventAsync);
        table.Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEventAlpha1", pubsub.BulkPublishEventAsync);
        table.Duplex<SubscribeTopicEventsRequestAlpha1, SubscribeTopicEventsResponseAlpha1>("SubscribeTopicEventsAlpha1", streaming.SubscribeAsync);

        // Secrets
        table.Unary<GetSecretRequest, GetSecretResponse>("GetSecret", secrets.GetSecretAsync);
        table.Unary<GetBulkSecretRequest, GetBulkSecretResponse>("GetBulkSecret", secrets.GetBulkSecretAsync);

        // Configuration (the Alpha1 names are the same methods)
        table.Unary<GetConfigurationRequest, GetConfigurationResponse>("GetConfiguration", configuration.GetConfigurationAsync);
        table.Unary<GetConfigurationRequest, GetConfigurationResponse>("GetConfigurationAlpha1", configuration.GetConfigurationAsync);
        table.ServerStreaming<SubscribeConfigurationRequest, SubscribeConfigurationResponse>("SubscribeConfiguration", configuration.SubscribeConfigurationAsync);
        table.ServerStreaming<SubscribeConfigurationRequest, SubscribeConfigurationResponse>("SubscribeConfigurationAlpha1", configuration.SubscribeConfigurationAsync);
        table.Unary<UnsubscribeConfigurationRequest, UnsubscribeConfigurationResponse>("UnsubscribeConfiguration", configuration.UnsubscribeConfigurationAsync);
        table.Unary<UnsubscribeConfigurationRequest, UnsubscribeConfigurationResponse>("UnsubscribeConfigurationAlpha1", configuration.UnsubscribeConfigurationAsync);

        // Service invocation, metadata, shutdown
        table.Unary<InvokeServiceRequest, InvokeResponse>("InvokeService", invocation.InvokeServiceAsync);
        table.Unary<GetMetadataRequest, GetMetadataResponse>("GetMetadata", metadata.GetMetadataAsync);
        table.Unary<SetMetadataRequest, Google.Protobuf.WellKnownTypes.Empty>("SetMetadata", metadata.SetMetadataAsync);
        table.Unary<ShutdownRequest, Google.Protobuf.WellKnownTypes.Empty>("Shutdown", metadata.ShutdownAsync);

        // Actors
        table.Unary<InvokeActorRequest, InvokeActorResponse>("InvokeActor", actors.InvokeActorAsync);
        table.Unary<GetActorStateRequest, GetActorStateResponse>("GetActorState", actors.GetActorStateAsync);
        table.Unary<ExecuteActorStateTransactionRequest, Google.Protobuf.WellKnownTypes.Empty>("ExecuteActorStateTransaction", actors.ExecuteActorStateTransactionAsync);
        table.Unary<RegisterActorReminderRequest, Google.Protobuf.WellKnownTypes.Empty>("RegisterActorReminder", actors.RegisterActorReminderAsync);
        table.Unary<UnregisterActorReminderRequest, Google.Protobuf.WellKnownTypes.Empty>("UnregisterActorReminder", actors.UnregisterActorReminderAsync);
        table.Unary<GetActorReminderRequest, GetActorReminderResponse>("GetActorReminder", actors.GetActorReminderAsync);
        table.Unary<ListActorRemindersRequest, ListActorRemindersResponse>("ListActorReminders", actors.ListActorRemindersAsync);
        table.Unary<UnregisterActorRemindersByTypeRequest, UnregisterActorRemindersByTypeResponse>("UnregisterActorRemindersByType", actors.UnregisterActorRemindersByTypeAsync);
        table.Duplex<SubscribeActorEventsRequestAlpha1, SubscribeActorEventsResponseAlpha1>("SubscribeActorEventsAlpha1", actorEvents.SubscribeAsync);
        table.Unary<RegisterActorTimerRequest, Google.Protobuf.WellKnownTypes.Empty>("RegisterActorTimer", actors.RegisterActorTimerAsync);
        table.Unary<UnregisterActorTimerRequest, Google.Protobuf.WellKnownTypes.Empty>("UnregisterActorTimer", actors.UnregisterActorTimerAsync);

        // Building blocks without components here: daprd's answers when none is configured.
        table.Unary<InvokeBindingRequest, InvokeBindingResponse>("InvokeBinding", (request, _) => Refuse<InvokeBindingResponse>(DaprErrors.OutputBindingNotFound(request.Name)));
        table.Unary<TryLockRequest, TryLockResponse>("TryLockAlpha1", (_, _) => Refuse<TryLockResponse>(DaprErrors.LockStoresNotConfigured()));
        table.Unary<UnlockRequest, UnlockResponse>("UnlockAlpha1", (_, _) => Refuse<UnlockResponse>(DaprErrors.LockStoresNotConfigured()));
#pragma warning disable CS0612 // ConverseAlpha1 is deprecated in the protos; daprd still serves it.
        table.Unary<ConversationRequest, ConversationResponse>("ConverseAlpha1", (request, _) => Refuse<ConversationResponse>(DaprErrors.ConversationNotFound(request.Name)));
#pragma warning restore CS0612
        table.Unary<ConversationRequestAlpha2, ConversationResponseAlpha2>("ConverseAlpha2", (request, _) => Refuse<ConversationResponseAlpha2>(DaprErrors.ConversationNotFound(request.Name)));
        foreach (var (name, operation) in new[] { ("ScheduleJob", "schedule"), ("GetJob", "get"), ("DeleteJob", "delete"), ("DeleteJobsByPrefix", "delete"), ("ListJobs", "list") })
        {
            foreach (var suffix in new[] { string.Empty, "Alpha1" })
            {
                table.Fallbacks[name + suffix] = DaprErrors.SchedulerUnavailable(operation, appId);
            }
        }

        foreach (var name in new[] { "EncryptAlpha1", "DecryptAlpha1" })
        {
            table.Fallbacks[name] = DaprErrors.CryptoProvidersNotConfigured();
        }

        _table = table;
    }

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcService> context) => _table.BindAll(context);

    private static Task<T> Refuse<T>(DaprError error) => Task.FromException<T>(new DaprApiException(error));
}
