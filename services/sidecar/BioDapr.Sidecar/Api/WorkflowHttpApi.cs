using System.Globalization;
using System.Text;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;
using BioDapr.Sidecar.Workflows;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// daprd's workflow management API (pkg/api/http/workflow.go, pkg/api/universal/workflow.go, v1.0 and the older
/// v1.0-beta1/v1.0-alpha1 prefixes): <c>POST workflows/{component}/{name}/start?instanceID=</c>,
/// <c>GET workflows/{component}/{instanceID}</c>, <c>POST …/{instanceID}/raiseEvent/{event}</c>, <c>…/terminate</c>
/// (recursive), <c>…/pause</c>, <c>…/resume</c>, <c>…/purge</c> (recursive). The component segment is not read, as in
/// daprd. Mutations answer 202 with <c>{}</c>; the work is done by the same <see cref="WorkflowEngine"/> as gRPC.
/// </summary>
internal sealed class WorkflowHttpApi(SidecarRuntime runtime, WorkflowEngine engine)
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>Routes <c>workflows/…</c> (the segments after it); false when no route matches.</summary>
    public async Task<bool> RouteAsync(HttpContext context, string method, string[] rest)
    {
        if (method != HttpMethods.Post && method != HttpMethods.Get)
        {
            return false;
        }

        var isPost = method == HttpMethods.Post;
        try
        {
            switch (rest.Length)
            {
                case 2 when !isPost:
                    await GetAsync(context, rest[1]);
                    return true;
                case 3 when isPost && rest[2] == "start":
                    await StartAsync(context, rest[1]);
                    return true;
                case 3 when isPost && rest[2] is "terminate" or "pause" or "resume" or "purge":
                    await ControlAsync(context, rest[1], rest[2]);
                    return true;
                case 4 when isPost && rest[2] == "raiseEvent":
                    await RaiseEventAsync(context, rest[1], rest[3]);
                    return true;
                case 3 when isPost && rest[2] == "raiseEvent":
                    await ApiHttp.WriteErrorAsync(context.Response, WorkflowErrors.EventNameMissing());
                    return true;
                default:
                    return false;
            }
        }
        catch (DaprApiException ex) when (!context.Response.HasStarted)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
            return true;
        }
    }

    private async Task StartAsync(HttpContext context, string name)
    {
        Available();
        var instanceId = context.Request.Query["instanceID"].FirstOrDefault();
        var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
        var request = new CreateInstanceRequest { InstanceId = instanceId ?? string.Empty, Name = name, Input = Encoding.UTF8.GetString(body) };
        string id;
        try
        {
            id = await engine.StartAsync(request, context.RequestAborted);
        }
        catch (DaprApiException ex) when (ex.Error.StatusCode >= 500 || ex.Error.GrpcCode == global::Grpc.Core.StatusCode.AlreadyExists)
        {
            throw new DaprApiException(WorkflowErrors.Start(name, ex.Error.Message));
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status202Accepted, w =>
        {
            w.WriteStartObject();
            w.WriteString("instanceID", id);
            w.WriteEndObject();
        });
    }

    private async Task GetAsync(HttpContext context, string instanceId)
    {
        Available();
        GetInstanceResponse state;
        try
        {
            state = await engine.GetAsync(instanceId, withInputsAndOutputs: true, context.RequestAborted);
        }
        catch (DaprApiException ex) when (ex.Error.StatusCode >= 500)
        {
            throw new DaprApiException(WorkflowErrors.Get(instanceId, ex.Error.Message));
        }

        if (!state.Exists)
        {
            throw new DaprApiException(WorkflowErrors.InstanceNotFound(instanceId));
        }

        var s = state.WorkflowState;
        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (s.CustomStatus is not null)
        {
            properties["dapr.workflow.custom_status"] = s.CustomStatus;
        }

        if (s.Input is not null)
        {
            properties["dapr.workflow.input"] = s.Input;
        }

        if (s.Output is not null)
        {
            properties["dapr.workflow.output"] = s.Output;
        }

        if (s.FailureDetails is { } failure)
        {
            properties["dapr.workflow.failure.error_type"] = failure.ErrorType;
            properties["dapr.workflow.failure.error_message"] = failure.ErrorMessage;
            if (failure.StackTrace is not null)
            {
                properties["dapr.workflow.failure.stack_trace"] = failure.StackTrace;
            }
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("instanceID", s.InstanceId);
            if (s.Name.Length > 0)
            {
                w.WriteString("workflowName", s.Name);
            }

            w.WriteString("createdAt", ProtoJsonTime(s.CreatedTimestamp));
            w.WriteString("lastUpdatedAt", ProtoJsonTime(s.LastUpdatedTimestamp));
            w.WriteString("runtimeStatus", StatusName(s.WorkflowStatus));
            w.WritePropertyName("properties");
            ApiHttp.WriteStringMap(w, properties);
            w.WriteEndObject();
        });
    }

    private async Task RaiseEventAsync(HttpContext context, string instanceId, string eventName)
    {
        Available();
        var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
        try
        {
            await engine.RaiseEventAsync(instanceId, eventName, Encoding.UTF8.GetString(body), context.RequestAborted);
        }
        catch (DaprApiException ex) when (ex.Error.StatusCode is >= 500 or 404)
        {
            throw new DaprApiException(WorkflowErrors.RaiseEvent(instanceId, ex.Error.Message));
        }

        await Accepted(context);
    }

    private async Task ControlAsync(HttpContext context, string instanceId, string operation)
    {
        Available();
        var ct = context.RequestAborted;
        try
        {
            switch (operation)
            {
                case "terminate":
                    await engine.TerminateAsync(instanceId, null, recursive: true, ct);
                    break;
                case "pause":
                    await engine.SuspendAsync(instanceId, null, ct);
                    break;
                case "resume":
                    await engine.ResumeAsync(instanceId, null, ct);
                    break;
                default:
                    await engine.PurgeAsync(instanceId, recursive: true, force: false, ct);
                    break;
            }
        }
        catch (DaprApiException ex) when (ex.Error.StatusCode != 404 || operation is "pause" or "resume")
        {
            var detail = ex.Error.Message;
            throw new DaprApiException(operation switch
            {
                "terminate" => WorkflowErrors.Terminate(instanceId, detail),
                "pause" => WorkflowErrors.Pause(instanceId, detail),
                "resume" => WorkflowErrors.Resume(instanceId, detail),
                _ => WorkflowErrors.Purge(instanceId, detail),
            });
        }

        await Accepted(context);
    }

    private static Task Accepted(HttpContext context) => ApiHttp.WriteDataAsync(context.Response, StatusCodes.Status202Accepted, EmptyObject, ApiHttp.JsonContentType);

    private void Available()
    {
        if (!engine.IsAvailable)
        {
            throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
        }
    }

    /// <summary>daprd's status strings (pkg/runtime/wfengine/client.go statusMap); STALLED is not in it and shows as UNKNOWN.</summary>
    public static string StatusName(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => "RUNNING",
        OrchestrationStatus.Completed => "COMPLETED",
        OrchestrationStatus.ContinuedAsNew => "CONTINUED_AS_NEW",
        OrchestrationStatus.Failed => "FAILED",
        OrchestrationStatus.Canceled => "CANCELED",
        OrchestrationStatus.Terminated => "TERMINATED",
        OrchestrationStatus.Pending => "PENDING",
        OrchestrationStatus.Suspended => "SUSPENDED",
        _ => "UNKNOWN",
    };

    /// <summary>A Timestamp as protojson writes it: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits.</summary>
    public static string ProtoJsonTime(Timestamp? timestamp)
    {
        var t = timestamp ?? new Timestamp();
        var text = t.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var nanos = t.Nanos;
        return nanos == 0 ? text + "Z"
            : nanos % 1_000_000 == 0 ? text + "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture) + "Z"
            : nanos % 1_000 == 0 ? text + "." + (nanos / 1_000).ToString("D6", CultureInfo.InvariantCulture) + "Z"
            : text + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }
}
