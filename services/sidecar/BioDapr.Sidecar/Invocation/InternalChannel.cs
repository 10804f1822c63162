using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Invocation;

/// <summary>
/// The internal port (daprd's <c>--dapr-internal-grpc-port</c>; ours speaks HTTP): the sidecar-to-sidecar
/// channel for service invocation (<c>/invoke/{method}</c>) and actor calls (<c>/actors/…</c>), and nothing
/// else. Every call is authenticated first (<see cref="Security.PeerAuthenticator"/>): a caller that is not a
/// sidecar of the run, or that forges <c>dapr-caller-app-id</c>, is refused before its body is read. The
/// channel's own refusals carry <see cref="ErrorHeader"/> so the calling sidecar can tell them from the
/// app's answers and report them as daprd reports the gRPC status it would have got.
/// </summary>
internal static partial class InternalChannel
{
    /// <summary>Marks an answer written by the callee sidecar itself; the value is the refusal's kind.</summary>
    public const string ErrorHeader = "X-BioDapr-Internal-Error";

    /// <summary>The caller is not a sidecar of this run (gRPC Unauthenticated under daprd's mTLS).</summary>
    public const string Unauthenticated = "Unauthenticated";

    /// <summary>The access control list refused the call (gRPC PermissionDenied).</summary>
    public const string PermissionDenied = "PermissionDenied";

    /// <summary>The body is over the callee's <c>--max-body-size</c> (gRPC ResourceExhausted).</summary>
    public const string ResourceExhausted = "ResourceExhausted";

    /// <summary>The method failed normalisation (gRPC InvalidArgument).</summary>
    public const string InvalidArgument = "InvalidArgument";

    public static Task HandleAsync(SidecarRuntime runtime, HttpContext context, ILogger logger)
    {
        var path = context.Request.Path;
        var isInvoke = path.StartsWithSegments("/invoke", StringComparison.Ordinal);
        var isActor = path.StartsWithSegments("/actors", StringComparison.Ordinal);
        if (!isInvoke && !isActor)
        {
            // The Dapr API is not served here: the internal port is for sidecars only.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var authentication = runtime.Peers.Authenticate(context.Request);
        if (authentication.Refused)
        {
            Log.Refused(logger, runtime.Settings.AppId, context.Connection.RemoteIpAddress?.ToString() ?? "?", authentication.Failure!);
            return RefuseAsync(context.Response, StatusCodes.Status401Unauthorized, Unauthenticated, authentication.Failure!);
        }

        if (isInvoke)
        {
            return runtime.Invoker.HandleInternalAsync(context, authentication.Caller);
        }

        return runtime.Actors is { } actors ? actors.Invoker.HandleInternalAsync(context) : ActorsNotReadyAsync(context);
    }

    /// <summary>Writes one of the channel's own refusals (never an app's answer).</summary>
    public static Task RefuseAsync(HttpResponse response, int status, string kind, string message)
    {
        response.StatusCode = status;
        response.Headers[ErrorHeader] = kind;
        response.ContentType = "text/plain; charset=utf-8";

        // The caller may still be sending a body we will not read: do not keep the connection for it.
        response.Headers.Connection = "close";
        return response.WriteAsync(message);
    }

    private static Task ActorsNotReadyAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.Headers["X-BioDapr-Actor-Error"] = "true";
        return context.Response.WriteAsJsonAsync(new { errorCode = "ERR_ACTOR_INVOKE_METHOD", message = "error invoke actor method: the actor runtime of the target sidecar is not ready" });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Sidecar {AppId} refused a call on its internal port from {Remote}: {Reason}")]
        public static partial void Refused(ILogger logger, string appId, string remote, string reason);
    }
}
