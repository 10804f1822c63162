using BioDapr.Sidecar.Wire;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// The workflow errors daprd answers (pkg/messages/predefined.go for the HTTP/Dapr API; the durable task
/// executor and the workflow actors for the TaskHubSidecarService), with their gRPC codes.
/// </summary>
internal static class WorkflowErrors
{
    public const int MaxInstanceIdLength = 64;

    public static DaprError InstanceIdMissing() =>
        new(400, "ERR_INSTANCE_ID_PROVIDED_MISSING", "no instance ID was provided") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError InstanceIdTooLong() =>
        new(400, "ERR_INSTANCE_ID_TOO_LONG", $"workflow instance ID exceeds the max length of {MaxInstanceIdLength} characters") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError InstanceIdInvalid(string instanceId) =>
        new(400, "ERR_INSTANCE_ID_INVALID", $"workflow instance ID '{instanceId}' is invalid: only alphanumeric and underscore characters are allowed") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError NameMissing() =>
        new(400, "ERR_WORKFLOW_NAME_MISSING", "workflow name is not configured") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError EventNameMissing() =>
        new(400, "ERR_WORKFLOW_EVENT_NAME_MISSING", "missing workflow event name") { GrpcCode = GrpcStatusCode.InvalidArgument };

    public static DaprError InstanceNotFound(string instanceId) =>
        new(404, "ERR_INSTANCE_ID_NOT_FOUND", $"unable to find workflow with the provided instance ID: {instanceId}") { GrpcCode = GrpcStatusCode.NotFound };

    public static DaprError Start(string name, string detail) => new(500, "ERR_START_WORKFLOW", $"error starting workflow '{name}': {detail}");

    public static DaprError Get(string instanceId, string detail) => new(500, "ERR_GET_WORKFLOW", $"error while getting workflow info on instance '{instanceId}': {detail}");

    public static DaprError Terminate(string instanceId, string detail) => new(500, "ERR_TERMINATE_WORKFLOW", $"error terminating workflow '{instanceId}': {detail}");

    public static DaprError RaiseEvent(string instanceId, string detail) => new(500, "ERR_RAISE_EVENT_WORKFLOW", $"error raising event on workflow '{instanceId}': {detail}");

    public static DaprError Pause(string instanceId, string detail) => new(500, "ERR_PAUSE_WORKFLOW", $"error pausing workflow {instanceId}: {detail}");

    public static DaprError Resume(string instanceId, string detail) => new(500, "ERR_RESUME_WORKFLOW", $"error resuming workflow {instanceId}: {detail}");

    public static DaprError Purge(string instanceId, string detail) => new(500, "ERR_PURGE_WORKFLOW", $"error purging workflow {instanceId}: {detail}");

    /// <summary>StartInstance of an id whose instance is still running (the workflow actor's AlreadyExists).</summary>
    public static DaprError AlreadyExists(string instanceId) =>
        new(409, "ERR_START_WORKFLOW", $"an active workflow with ID '{instanceId}' already exists") { GrpcCode = GrpcStatusCode.AlreadyExists };

    /// <summary>Purge of an instance that has not reached a terminal state.</summary>
    public static DaprError NotTerminal(string instanceId) =>
        new(400, "ERR_PURGE_WORKFLOW", $"workflow instance '{instanceId}' is not in a terminal state (COMPLETED, FAILED or TERMINATED) and cannot be purged") { GrpcCode = GrpcStatusCode.FailedPrecondition };

    /// <summary>A request of the durable task protocol that names nothing usable.</summary>
    public static DaprError InvalidRequest(string detail) => new(400, "ERR_BAD_REQUEST", detail) { GrpcCode = GrpcStatusCode.InvalidArgument };

    /// <summary>The state store failed underneath an operation.</summary>
    public static DaprError Store(string detail) => new(500, "ERR_ACTOR_STATE_TRANSACTION_SAVE", $"error saving workflow state: {detail}") { GrpcCode = GrpcStatusCode.Internal };

    /// <summary>Validates an instance id the way daprd's API does (creation also checks length and characters).</summary>
    public static DaprError? ValidateInstanceId(string? instanceId, bool isCreate)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            return InstanceIdMissing();
        }

        if (!isCreate)
        {
            return null;
        }

        if (instanceId.Length > MaxInstanceIdLength)
        {
            return InstanceIdTooLong();
        }

        foreach (var c in instanceId)
        {
            if (!char.IsLetterOrDigit(c) && c != '_' && c != '-')
            {
                return InstanceIdInvalid(instanceId);
            }
        }

        return null;
    }
}
