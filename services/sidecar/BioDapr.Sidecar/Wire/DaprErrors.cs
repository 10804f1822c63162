using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// The daprd errors this sidecar returns, with daprd's status codes, error codes, messages and
/// (for errors daprd builds with dapr/kit) ErrorInfo reasons. One factory per error so every
/// handler answers exactly as daprd does. gRPC codes come from daprd's <c>pkg/messages/predefined.go</c>
/// (APIError) and <c>pkg/api/errors</c> (kit errors); where a factory sets none, the HTTP status maps.
/// </summary>
internal static class DaprErrors
{
    // Common
    public static DaprError MalformedRequest(string detail) =>
        new(400, "ERR_MALFORMED_REQUEST", $"failed deserializing HTTP body: {detail}");

    public static DaprError MalformedRequestRaw(string message) => new(400, "ERR_MALFORMED_REQUEST", message);

    public static DaprError BodyRead(string detail) => new(400, "ERR_BODY_READ", $"failed to read request body: {detail}");

    public static DaprError BadRequest(string detail) => new(400, "ERR_BAD_REQUEST", $"invalid request: {detail}");

    public static DaprError NotImplemented() => new(501, "ERR_API_UNIMPLEMENTED", "this API is currently not implemented");

    // Health
    public static DaprError HealthNotReady(IEnumerable<string> targets) =>
        new(500, "ERR_HEALTH_NOT_READY", $"dapr is not ready: [{string.Join(' ', targets)}]");

    public static DaprError HealthAppIdNotMatch() => new(500, "ERR_HEALTH_APPID_NOT_MATCH", "dapr app-id does not match");

    public static DaprError OutboundHealthNotReady() => new(500, "ERR_OUTBOUND_HEALTH_NOT_READY", "dapr outbound is not ready");

    // Pub/sub (dapr/kit errors with ErrorInfo + ResourceInfo)
    public static DaprError PubSubNotConfigured(string name, IReadOnlyDictionary<string, string> metadata) =>
        PubSub(400, "ERR_PUBSUB_NOT_CONFIGURED", "DAPR_PUBSUB_NOT_CONFIGURED", name, $"pubsub {name} is not configured", metadata) with { GrpcCode = GrpcStatusCode.FailedPrecondition };

    public static DaprError PubSubNameEmpty(IReadOnlyDictionary<string, string> metadata) =>
        PubSub(404, "ERR_PUBSUB_EMPTY", "DAPR_PUBSUB_NAME_EMPTY", string.Empty, "pubsub name is empty", metadata) with { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError PubSubNotFound(string name, IReadOnlyDictionary<string, string> metadata) =>
        PubSub(404, "ERR_PUBSUB_NOT_FOUND", "DAPR_PUBSUB_NOT_FOUND", name, $"pubsub {name} is not found", metadata) with { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError PubSubTopicEmpty(string name, IReadOnlyDictionary<string, string> metadata) =>
        PubSub(404, "ERR_TOPIC_NAME_EMPTY", "DAPR_PUBSUB_TOPIC_NAME_EMPTY", name, "topic is empty in pubsub " + name, metadata) with { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError PubSubMetadataDeserialize(string name, string detail, IReadOnlyDictionary<string, string> metadata) =>
        PubSub(400, "ERR_PUBSUB_REQUEST_METADATA", "DAPR_PUBSUB_METADATA_DESERIALIZATION", name, $"failed deserializing metadata. Error: {detail}", metadata);

    // daprd: PubSub(name).PublishForbidden(topic, appID, NotAllowedError) — the ErrorInfo carries the topic and the error text.
    public static DaprError PubSubForbidden(string name, string topic, string appId)
    {
        var message = $"topic {topic} is not allowed for app id {appId}";
        return PubSub(403, "ERR_PUBSUB_FORBIDDEN", "DAPR_PUBSUB_FORBIDDEN", name, message,
            new Dictionary<string, string> { ["topic"] = topic, ["error"] = message });
    }

    public static DaprError PubSubPublishMessage(string name, string topic, string detail) =>
        PubSub(500, "ERR_PUBSUB_PUBLISH_MESSAGE", "DAPR_PUBSUB_PUBLISH_MESSAGE", name,
            $"error when publishing to topic {topic} in pubsub {name}: {detail}",
            new Dictionary<string, string> { ["topic"] = topic, ["error"] = detail });

    public static DaprError PubSubCloudEventCreation(string name, string appId, string detail) =>
        PubSub(500, "ERR_PUBSUB_CLOUD_EVENTS_SER", "DAPR_PUBSUB_CLOUD_EVENT_CREATION", name,
            "cannot create cloudevent", new Dictionary<string, string> { ["appID"] = appId, ["error"] = detail }) with { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError PubSubMarshalEvents(string name, string topic, string appId, string detail) =>
        PubSub(400, "ERR_PUBSUB_EVENTS_SER", "DAPR_PUBSUB_MARSHAL_EVENTS", name,
            $"error marshaling events to bytes for topic {topic} pubsub {name}. error: {detail}",
            new Dictionary<string, string> { ["appID"] = appId, ["error"] = detail });

    public static DaprError PubSubUnmarshalEvents(string name, string topic, string appId, string detail) =>
        PubSub(400, "ERR_PUBSUB_EVENTS_SER", "DAPR_PUBSUB_UNMARSHAL_EVENTS", name,
            $"error when unmarshaling the request for topic {topic} pubsub {name}: {detail}",
            new Dictionary<string, string> { ["appID"] = appId });

    public static DaprError PubSubMarshalEnvelope(string name, string topic, string appId, string detail) =>
        PubSub(400, "ERR_PUBSUB_EVENTS_SER", "DAPR_PUBSUB_MARSHAL_ENVELOPE", name,
            $"error when marshalling cloud event envelope for topic {topic} pubsub {name}: {detail}",
            new Dictionary<string, string> { ["appID"] = appId, ["error"] = detail });

    // State
    public static DaprError StateStoreNotConfigured(string name, string appId) =>
        new(500, "ERR_STATE_STORE_NOT_CONFIGURED", $"state store {name} is not configured")
        {
            GrpcCode = GrpcStatusCode.FailedPrecondition,
            Reason = "DAPR_STATE_NOT_CONFIGURED",
            ReasonMetadata = AppIdMetadata(appId),
        };

    public static DaprError StateStoreNotFound(string name, string appId) =>
        new(400, "ERR_STATE_STORE_NOT_FOUND", $"state store {name} is not found")
        {
            Reason = "DAPR_STATE_NOT_FOUND",
            ReasonMetadata = AppIdMetadata(appId),
        };

    public static DaprError StateIllegalKey(string store, string message) =>
        new(400, "ERR_MALFORMED_REQUEST", message)
        {
            Reason = "DAPR_STATE_ILLEGAL_KEY",
            Resource = ("state", store, string.Empty),
        };

    public static DaprError StateGet(string key, string store, string detail) =>
        new(500, "ERR_STATE_GET", $"fail to get {key} from state store {store}: {detail}") { GrpcReason = "ERR_STATE_GET" };

    /// <summary>409 / Aborted for ETag mismatches, 400 / InvalidArgument for invalid ETags, 500 / Internal otherwise.</summary>
    public static DaprError StateSave(int status, string store, string detail) =>
        new(status, "ERR_STATE_SAVE", $"failed saving state in state store {store}: {detail}") { GrpcCode = StateGrpcCode(status), GrpcReason = "ERR_STATE_SAVE" };

    /// <summary>gRPC only (SaveState with an empty key).</summary>
    public static DaprError StateKeyEmpty() =>
        new(400, "ERR_STATE_SAVE", "state key cannot be empty") { GrpcReason = "ERR_STATE_SAVE" };

    public static DaprError StateDelete(int status, string key, string detail) =>
        new(status, "ERR_STATE_DELETE", $"failed deleting state with key {key}: {detail}") { GrpcCode = StateGrpcCode(status), GrpcReason = "ERR_STATE_DELETE" };

    /// <summary>gRPC only (DeleteBulkState).</summary>
    public static DaprError StateBulkDelete(int status, string store, string detail) =>
        new(status, "ERR_STATE_BULK_DELETE", $"failed deleting state in state store {store}: {detail}") { GrpcCode = StateGrpcCode(status), GrpcReason = "ERR_STATE_BULK_DELETE" };

    public static DaprError StateBulkGet(string detail) => new(500, "ERR_STATE_BULK_GET", detail);

    public static DaprError StateTransaction(string detail) =>
        new(500, "ERR_STATE_TRANSACTION", $"error while executing state transaction: {detail}") { GrpcReason = "ERR_STATE_TRANSACTION" };

    public static DaprError StateTransactionsNotSupported(string store) =>
        new(500, "ERR_STATE_STORE_NOT_SUPPORTED", $"state store {store} doesn't support transactions")
        {
            GrpcCode = GrpcStatusCode.Unimplemented,
            Reason = "DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED",
            Resource = ("state", store, string.Empty),
        };

    public static DaprError StateNotSupportedOperation(string operation) =>
        new(400, "ERR_NOT_SUPPORTED_STATE_OPERATION", $"operation type {operation} not supported") { GrpcCode = GrpcStatusCode.Unimplemented, GrpcReason = "ERR_NOT_SUPPORTED_STATE_OPERATION" };

    public static DaprError StateQueryNotSupported(string store) =>
        new(500, "ERR_STATE_STORE_NOT_SUPPORTED", "state store does not support querying")
        {
            Reason = "DAPR_STATE_QUERYING_NOT_SUPPORTED",
            Resource = ("state", store, string.Empty),
        };

    // Configuration
    public static DaprError ConfigurationStoresNotConfigured() =>
        new(500, "ERR_CONFIGURATION_STORE_NOT_CONFIGURED", "configuration stores not configured") { GrpcCode = GrpcStatusCode.FailedPrecondition };

    public static DaprError ConfigurationStoreNotFound(string name) =>
        new(400, "ERR_CONFIGURATION_STORE_NOT_FOUND", $"configuration store {name} not found") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError ConfigurationUnsubscribe(string id, string detail) =>
        new(500, "ERR_CONFIGURATION_UNSUBSCRIBE", $"failed to unsubscribe to configuration request {id}: {detail}");

    public static DaprError ConfigurationGet(IReadOnlyList<string> keys, string store, string detail) =>
        new(500, "ERR_CONFIGURATION_GET", $"failed to get [{string.Join(' ', keys)}] from Configuration store {store}: {detail}") { GrpcReason = "ERR_CONFIGURATION_GET" };

    public static DaprError ConfigurationSubscribe(IReadOnlyList<string> keys, string store, string detail) =>
        new(500, "ERR_CONFIGURATION_SUBSCRIBE", $"failed to subscribe [{string.Join(' ', keys)}] from Configuration store {store}: {detail}") { GrpcCode = GrpcStatusCode.InvalidArgument, GrpcReason = "ERR_CONFIGURATION_SUBSCRIBE" };

    public static DaprError AppChannelNil() =>
        new(500, "ERR_APP_CHANNEL_NIL", "app channel is not initialized. cannot subscribe to configuration updates");

    // Secrets
    public static DaprError SecretStoresNotConfigured() => new(500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured") { GrpcCode = GrpcStatusCode.FailedPrecondition };

    public static DaprError SecretStoreNotFound(string name) =>
        new(401, "ERR_SECRET_STORE_NOT_FOUND", $"failed finding secret store with key {name}") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError SecretPermissionDenied(string secret, string store) =>
        new(403, "ERR_PERMISSION_DENIED", $"access denied by policy to get \"{secret}\" from \"{store}\"");

    public static DaprError SecretGet(string secret, string store, string detail) =>
        new(500, "ERR_SECRET_GET", $"failed getting secret with key {secret} from secret store {store}: {detail}");

    public static DaprError BulkSecretGet(string store, string detail) =>
        new(500, "ERR_SECRET_GET", $"failed getting secrets from secret store {store}: {detail}");

    // Service invocation
    public static DaprError DirectInvokeNoAppId() =>
        new(404, "ERR_DIRECT_INVOKE", "failed getting app id either from the URL path or the header dapr-app-id");

    public static DaprError DirectInvoke(string appId, string detail) =>
        new(500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {appId}, err: {detail}");

    public static DaprError DirectInvokeNotReady() => new(500, "ERR_DIRECT_INVOKE", "invoke API is not ready");

    // Actors
    public static DaprError ActorRuntimeNotFound() =>
        new(500, "ERR_ACTOR_RUNTIME_NOT_FOUND", "the state store is not configured to use the actor runtime. Have you set the - name: actorStateStore value: \"true\" in your state store component file?");

    public static DaprError ActorInstanceMissing() => new(400, "ERR_ACTOR_INSTANCE_MISSING", "actor instance is missing") { GrpcCode = GrpcStatusCode.Internal };

    public static DaprError ActorInvoke(string detail) => new(500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {detail}");

    public static DaprError ActorStateGet(string detail) => new(500, "ERR_ACTOR_STATE_GET", $"error getting actor state: {detail}");

    public static DaprError ActorStateTransaction(string detail) => new(500, "ERR_ACTOR_STATE_TRANSACTION_SAVE", $"error saving actor transaction state: {detail}");

    public static DaprError ActorReminderNotHosted() =>
        new(403, "ERR_ACTOR_REMINDER_NON_HOSTED", "operations on actor reminders are only possible on hosted actor types");

    public static DaprError ActorReminderCreate(string detail) => new(500, "ERR_ACTOR_REMINDER_CREATE", $"error creating actor reminder: {detail}");

    public static DaprError ActorReminderGet(string detail) => new(500, "ERR_ACTOR_REMINDER_GET", $"error getting actor reminder: {detail}");

    public static DaprError ActorReminderDelete(string detail) => new(500, "ERR_ACTOR_REMINDER_DELETE", $"error deleting actor reminder: {detail}");

    public static DaprError ActorReminderNotFound(string name) => new(404, "ERR_ACTOR_REMINDER_NOT_FOUND", $"actor reminder not found: {name}");

    public static DaprError ActorReminderExists(string name) => new(409, "ERR_ACTOR_REMINDER_ALREADY_EXISTS", $"actor reminder already exists: {name}") { GrpcCode = GrpcStatusCode.AlreadyExists };

    public static DaprError ActorTimerCreate(string detail) => new(500, "ERR_ACTOR_TIMER_CREATE", $"error creating actor timer: {detail}");

    public static DaprError ActorNoAddress(string actorKey) => new(404, "ERR_ACTOR_NO_ADDRESS", $"did not find address for actor '{actorKey}'") { GrpcCode = GrpcStatusCode.FailedPrecondition };

    public static DaprError ActorStackDepth() => new(500, "ERR_ACTOR_STACK_DEPTH", "maximum stack depth exceeded") { GrpcCode = GrpcStatusCode.ResourceExhausted };

    // Building blocks the development sidecar has no components for (daprd's answers with none configured).
    public static DaprError OutputBindingNotFound(string name) =>
        new(500, "ERR_INVOKE_OUTPUT_BINDING", $"error invoking output binding {name}: couldn't find output binding {name}");

    public static DaprError LockStoresNotConfigured() =>
        new(500, "ERR_LOCK_STORE_NOT_CONFIGURED", "lock store is not configured") { GrpcCode = GrpcStatusCode.FailedPrecondition };

    public static DaprError CryptoProvidersNotConfigured() =>
        new(500, "ERR_CRYPTO_PROVIDERS_NOT_CONFIGURED", "crypto providers not configured");

    public static DaprError ConversationNotFound(string name) =>
        new(400, "ERR_CONVERSATION_NOT_FOUND", $"failed finding conversation component {name}");

    /// <summary>Jobs need daprd's Scheduler service, which the development sidecar does not have.</summary>
    public static DaprError SchedulerUnavailable(string operation, string appId) =>
        new(500, "DAPR_SCHEDULER_" + operation.ToUpperInvariant() + "_JOB", $"failed to {operation} job due to: scheduler client not initialized: the development sidecar has no Scheduler service")
        {
            Reason = "DAPR_SCHEDULER_" + operation.ToUpperInvariant() + "_JOB",
            ReasonMetadata = new Dictionary<string, string> { ["appID"] = appId, ["namespace"] = string.Empty },
        };

    /// <summary>The request body is over <c>--max-body-size</c>.</summary>
    public static DaprError BodyTooLarge(long limit) =>
        new(413, "ERR_BODY_READ", $"failed to read request body: stream too large (the limit is {limit} bytes, --max-body-size)");

    private static DaprError PubSub(int status, string code, string reason, string name, string message, IReadOnlyDictionary<string, string> metadata) =>
        new(status, code, message)
        {
            Reason = reason,
            ReasonMetadata = metadata,
            Resource = ("pubsub", name, message),
        };

    private static GrpcStatusCode StateGrpcCode(int status) => status switch
    {
        409 => GrpcStatusCode.Aborted,
        400 => GrpcStatusCode.InvalidArgument,
        _ => GrpcStatusCode.Internal,
    };

    private static Dictionary<string, string>? AppIdMetadata(string appId) =>
        appId.Length > 0 ? new Dictionary<string, string> { ["appID"] = appId } : null;
}
