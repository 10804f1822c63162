using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Tracing;
using BioDapr.Sidecar.Wire;
using Microsoft.AspNetCore.Http.Features;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// The daprd HTTP API router. Paths are matched the way daprd's router does: double slashes are
/// collapsed and <c>.</c>/<c>..</c> resolved, a trailing slash is ignored, each segment is
/// URL-unescaped (so a state key with '/' arrives as <c>%2F</c>), and anything that matches no route
/// (or uses a verb the route does not allow) is treated as service invocation.
/// </summary>
internal sealed class DaprHttpApi
{
    private const string V1 = "v1.0";
    private const string V1Alpha1 = "v1.0-alpha1";
    private const string V1Alpha2 = "v1.0-alpha2";
    private const string V1Beta1 = "v1.0-beta1";

    private readonly SidecarRuntime _runtime;
    private readonly PubSubApi _pubsub;
    private readonly StateApi _state;
    private readonly ConfigurationApi _configuration;
    private readonly SecretsApi _secrets;
    private readonly HealthApi _health;
    private readonly MetadataApi _metadata;
    private readonly ActorsApi _actors;
    private readonly WorkflowHttpApi _workflows;

    public DaprHttpApi(SidecarRuntime runtime, BuildingBlockServices services)
    {
        _runtime = runtime;
        _pubsub = new PubSubApi(runtime, services.PubSub);
        _state = new StateApi(runtime, services.State);
        _configuration = new ConfigurationApi(runtime, services.Configuration);
        _secrets = new SecretsApi(services.Secrets);
        _health = new HealthApi(runtime);
        _metadata = new MetadataApi(runtime);
        _actors = new ActorsApi(runtime);
        _workflows = new WorkflowHttpApi(runtime, services.Workflows);
    }

    /// <summary>Handles one API request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var segments = Segments(context);
        var method = request.Method;

        if (!IsTokenValid(request, segments))
        {
            await ApiHttp.WriteInvalidTokenAsync(context.Response);
            return;
        }

        request.Headers.Remove(InvocationHeaders.ApiToken);
        var span = _runtime.Tracing.StartSpan(request.Headers[InvocationHeaders.TraceParent], request.Headers[InvocationHeaders.TraceState]);
        if (span?.Recording is null)
        {
            await HandleAsync(context, segments, method, span);
            return;
        }

        // As daprd: one span per API call, named and described after the call once it is answered.
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await HandleAsync(context, segments, method, span);
            status = context.Response.StatusCode;
        }
        finally
        {
            var (name, attributes) = DaprSpanAttributes.ForHttpApi(context, segments, status);
            _runtime.Tracing.End(span, name, DaprSpanAttributes.HttpError(status), attributes);
        }
    }

    private async Task HandleAsync(HttpContext context, string[] segments, string method, TraceContext? span)
    {
        var request = context.Request;
        if (span is { } trace)
        {
            context.Response.Headers[InvocationHeaders.TraceParent] = trace.TraceParent;
        }

        if (request.ContentLength is { } declared && declared > _runtime.Settings.MaxBodySize)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BodyTooLarge(_runtime.Settings.MaxBodySize));
            return;
        }

        bool routed;
        try
        {
            routed = await RouteAsync(context, segments, method, span);
        }
        catch (RequestBodyTooLargeException) when (!context.Response.HasStarted)
        {
            // A body without Content-Length that grew past the limit while being read.
            context.Response.Clear();
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BodyTooLarge(_runtime.Settings.MaxBodySize));
            return;
        }

        if (!routed)
        {
            // daprd's fallback: service invocation addressed by header (or basic auth).
            var appId = ServiceInvoker.AppIdFromHeaders(request);
            if (appId is null)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.DirectInvokeNoAppId());
                return;
            }

            await _runtime.Invoker.InvokeAsync(context, appId, string.Join('/', segments), span);
        }
    }

    private async Task<bool> RouteAsync(HttpContext context, string[] segments, string method, TraceContext? span)
    {
        if (segments.Length < 2 || segments[0] is not (V1 or V1Alpha1 or V1Alpha2 or V1Beta1))
        {
            return false;
        }

        var version = segments[0];
        var area = segments[1];
        if (area == "workflows")
        {
            // daprd serves the workflow API on v1.0, v1.0-beta1 and v1.0-alpha1.
            return version != V1Alpha2 && await _workflows.RouteAsync(context, method, segments[2..]);
        }

        if (version == V1Beta1)
        {
            return false;
        }

        if (version == V1Alpha2 && area != "conversation")
        {
            return false;
        }

        var rest = segments.AsSpan(2);
        var isGet = method == HttpMethods.Get;
        var isPostOrPut = method == HttpMethods.Post || method == HttpMethods.Put;

        switch (area)
        {
            case "healthz" when version == V1 && isGet && rest.Length == 0:
                await _health.HealthzAsync(context);
                return true;
            case "healthz" when version == V1 && isGet && rest.Length == 1 && rest[0] == "outbound":
                await _health.OutboundHealthzAsync(context);
                return true;
            case "metadata" when version == V1 && isGet && rest.Length == 0:
                await _metadata.GetAsync(context);
                return true;
            case "metadata" when version == V1 && method == HttpMethods.Put && rest.Length == 1:
                await _metadata.SetAsync(context, rest[0]);
                return true;
            case "shutdown" when version == V1 && method == HttpMethods.Post && rest.Length == 0:
                _health.Shutdown(context);
                return true;
            case "publish" when isPostOrPut && rest.Length >= 3 && rest[0] == "bulk":
                await _pubsub.BulkPublishAsync(context, rest[1], string.Join('/', rest[2..].ToArray()), span);
                return true;
            case "publish" when version == V1 && isPostOrPut && rest.Length >= 2:
                await _pubsub.PublishAsync(context, rest[0], string.Join('/', rest[1..].ToArray()), span);
                return true;
            case "actors" when version == V1:
                return await _actors.RouteAsync(context, method, rest.ToArray());
            case "state":
                return await RouteStateAsync(context, version, method, rest.ToArray());
            case "secrets" when version == V1 && isGet && rest.Length == 2:
                if (rest[1] == "bulk")
                {
                    await _secrets.BulkAsync(context, rest[0]);
                }
                else
                {
                    await _secrets.GetAsync(context, rest[0], rest[1]);
                }

                return true;
            case "configuration" when isGet && rest.Length == 1:
                await _configuration.GetAsync(context, rest[0]);
                return true;
            case "configuration" when isGet && rest.Length == 2 && rest[1] == "subscribe":
                await _configuration.SubscribeAsync(context, rest[0]);
                return true;
            case "configuration" when isGet && rest.Length == 3 && rest[2] == "unsubscribe":
                await _configuration.UnsubscribeAsync(context, rest[0], rest[1]);
                return true;
            case "bindings" when version == V1 && isPostOrPut && rest.Length == 1:
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.OutputBindingNotFound(rest[0]));
                return true;
            case "lock" or "unlock" when version == V1Alpha1 && method == HttpMethods.Post && rest.Length == 1:
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.LockStoresNotConfigured());
                return true;
            case "crypto" when version == V1Alpha1 && method == HttpMethods.Put && rest.Length == 2 && rest[1] is "encrypt" or "decrypt":
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.CryptoProvidersNotConfigured());
                return true;
            case "conversation" when version is V1Alpha1 or V1Alpha2 && method == HttpMethods.Post && rest.Length == 2 && rest[1] == "converse":
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ConversationNotFound(rest[0]));
                return true;
            case "jobs" when version is V1Alpha1 or V1 && rest.Length == 1 && (method == HttpMethods.Post || method == HttpMethods.Get || method == HttpMethods.Delete):
                var operation = method == HttpMethods.Post ? "schedule" : method == HttpMethods.Get ? "get" : "delete";
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.SchedulerUnavailable(operation, _runtime.Settings.AppId));
                return true;
            case "invoke" when version == V1:
                var methodIndex = rest.IndexOf("method");
                if (rest.Length >= 2 && methodIndex == 1)
                {
                    await _runtime.Invoker.InvokeAsync(context, rest[0], string.Join('/', rest[2..].ToArray()), span);
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    private async Task<bool> RouteStateAsync(HttpContext context, string version, string method, string[] rest)
    {
        var isPostOrPut = method == HttpMethods.Post || method == HttpMethods.Put;
        if (version == V1Alpha1)
        {
            if (isPostOrPut && rest.Length == 2 && rest[1] == "query")
            {
                await _state.QueryAsync(context, rest[0]);
                return true;
            }

            return false;
        }

        switch (rest.Length)
        {
            case 1 when isPostOrPut:
                await _state.SaveAsync(context, rest[0]);
                return true;
            case 2 when isPostOrPut && rest[1] == "bulk":
                await _state.BulkGetAsync(context, rest[0]);
                return true;
            case 2 when isPostOrPut && rest[1] == "transaction":
                await _state.TransactionAsync(context, rest[0]);
                return true;
            case 2 when method == HttpMethods.Get:
                await _state.GetAsync(context, rest[0], rest[1]);
                return true;
            case 2 when method == HttpMethods.Delete:
                await _state.DeleteAsync(context, rest[0], rest[1]);
                return true;
            default:
                return false;
        }
    }

    private bool IsTokenValid(HttpRequest request, string[] segments)
    {
        var token = _runtime.Settings.ApiToken;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (request.Headers[InvocationHeaders.ApiToken].ToString() == token)
        {
            return true;
        }

        // Only GET healthz and healthz/outbound are exempt.
        return request.Method == HttpMethods.Get && segments.Length >= 2 && segments[0] == V1 && segments[1] == "healthz"
            && (segments.Length == 2 || (segments.Length == 3 && segments[2] == "outbound"));
    }

    /// <summary>The request path as daprd routes it: cleaned, split, each segment unescaped.</summary>
    public static string[] Segments(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            raw = new Uri(raw).AbsolutePath;
        }

        var cleaned = MethodName.CleanPath(raw.Length == 0 ? "/" : raw);
        return cleaned.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
    }
}
