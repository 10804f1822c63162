using System.Net;
using System.Net.Sockets;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Security;
using BioDapr.Sidecar.Tracing;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Invocation;

/// <summary>
/// Service invocation (synaptic pathways): the caller side (<c>/v1.0/invoke/{app}/method/{method}</c>,
/// the <c>dapr-app-id</c> header, basic auth) resolves the target sidecar, applies the caller's
/// Resiliency policy for that app (timeout per attempt, retries, circuit breaker), and forwards the
/// call to the target sidecar's internal port, signed with this sidecar's identity; the callee side
/// checks the access control list against the authenticated caller, applies its body limit, hands the
/// call to its app with the caller/callee identity and forwarding headers, and passes the answer back
/// unchanged.
/// </summary>
internal sealed partial class ServiceInvoker : IDisposable
{
    /// <summary>The internal port's path prefix for invocations.</summary>
    public const string InternalInvokePrefix = "/invoke/";

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        InvocationHeaders.AppId, InvocationHeaders.CallerAppId, InvocationHeaders.CalleeAppId, InvocationHeaders.CallerNamespace,
        InvocationHeaders.TraceParent, InvocationHeaders.TraceState,
    };

    // Never passed on in either direction: the run's credential, the channel's own refusal marker, the API token.
    private static readonly HashSet<string> Internal = new(StringComparer.OrdinalIgnoreCase)
    {
        PeerAuthenticator.CredentialHeader, InternalChannel.ErrorHeader, InvocationHeaders.ApiToken,
    };

    private readonly SidecarSettings _settings;
    private readonly FileNameResolver _nameResolver;
    private readonly PeerAuthenticator _peers;
    private readonly AccessControlPolicy? _accessControl;
    private readonly ResiliencyProvider _resiliency;
    private readonly AppChannelClient? _appChannel;
    private readonly GrpcAppChannel? _grpcAppChannel;
    private readonly HttpClient _sidecars;
    private readonly ILogger _logger;
    private readonly string _hostName = Dns.GetHostName();

    public ServiceInvoker(
        SidecarSettings settings,
        FileNameResolver nameResolver,
        PeerAuthenticator peers,
        AccessControlPolicy? accessControl,
        ResiliencyProvider resiliency,
        AppChannelClient? appChannel,
        GrpcAppChannel? grpcAppChannel,
        ILogger logger)
    {
        _settings = settings;
        _nameResolver = nameResolver;
        _peers = peers;
        _accessControl = accessControl;
        _resiliency = resiliency;
        _appChannel = appChannel;
        _grpcAppChannel = grpcAppChannel;
        _logger = logger;
        _sidecars = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ActivityHeadersPropagator = null,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Caller side: invoke <paramref name="method"/> on <paramref name="targetAppId"/> and write its answer.</summary>
    public async Task InvokeAsync(HttpContext context, string targetAppId, string method, TraceContext? span)
    {
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, _settings.MaxBodySize, context.RequestAborted);
            var answer = await InvokeAsync(targetAppId, method, context.Request.Method, context.Request.QueryString.Value ?? string.Empty, context.Request.Headers, body, span, context.RequestAborted);
            await WriteAnswerAsync(context.Response, answer, toCaller: true);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    /// <summary>
    /// Caller side, for either front end: resolves the target, applies the caller's resiliency policy and
    /// returns the target app's answer (any status). Throws <see cref="DaprApiException"/> (ERR_DIRECT_INVOKE).
    /// </summary>
    public async Task<AppResponse> InvokeAsync(
        string targetAppId, string method, string httpMethod, string query, IHeaderDictionary headers, byte[] body, TraceContext? span, CancellationToken cancellationToken)
    {
        if (!MethodName.TryNormalize(method, out var normalized, out var methodError))
        {
            throw new DaprApiException(DaprErrors.DirectInvoke(targetAppId, "invalid method: " + methodError));
        }

        // "app.namespace" addresses an app in a namespace; standalone sidecars have no namespaces.
        var appId = targetAppId.Split('.')[0];
        var call = new OutgoingCall(httpMethod, query, headers);
        var hasExplicitPolicy = _resiliency.HasAppTarget(appId);
        var policy = hasExplicitPolicy ? _resiliency.ForApp(appId) : _resiliency.BuiltIn("DaprBuiltInServiceRetries");
        try
        {
            return await policy.ExecuteAsync(
                async ct =>
                {
                    AppResponse answer;
                    try
                    {
                        answer = await SendOnceAsync(call, appId, normalized, body, span, ct);
                    }
                    catch (HttpRequestException ex) when (!hasExplicitPolicy && !IsUnavailable(ex))
                    {
                        // Without an app policy, daprd only retries "unavailable" transport errors.
                        throw new PermanentFailureException(ex.Message, ex);
                    }
                    catch (InternalChannelException ex) when (!IsRetriable(ex, hasExplicitPolicy))
                    {
                        throw new PermanentFailureException(ex.Message, ex);
                    }

                    if (hasExplicitPolicy && (answer.StatusCode < 200 || answer.StatusCode > 399))
                    {
                        throw new StatusCodeFailureException(answer.StatusCode, answer);
                    }

                    return answer;
                },
                cancellationToken);
        }
        catch (StatusCodeFailureException ex) when (ex.Payload is AppResponse answer)
        {
            return answer;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException || !cancellationToken.IsCancellationRequested)
        {
            var cause = ex is PermanentFailureException { InnerException: { } inner } ? inner : ex;
            Log.InvocationFailed(_logger, appId, normalized, cause.Message);
            throw new DaprApiException(cause is InternalChannelException refusal
                ? DaprErrors.DirectInvoke(targetAppId, refusal.GrpcText) with
                {
                    // daprd: a PermissionDenied from the callee keeps its status (403), everything else is a 500.
                    StatusCode = refusal.Kind == InternalChannel.PermissionDenied ? StatusCodes.Status403Forbidden : StatusCodes.Status500InternalServerError,
                }
                : DaprErrors.DirectInvoke(targetAppId, cause.Message));
        }
    }

    /// <summary>
    /// Callee side: a call from another sidecar (already authenticated by <see cref="InternalChannel"/>;
    /// <paramref name="caller"/> is null when the run has no secret), checked against the access control
    /// list, limited to this sidecar's body size, and handed to this sidecar's app.
    /// </summary>
    public async Task HandleInternalAsync(HttpContext context, SidecarIdentity? caller)
    {
        var rawPath = context.Request.Path.Value ?? string.Empty;
        var method = rawPath.Length > InternalInvokePrefix.Length ? rawPath[InternalInvokePrefix.Length..] : string.Empty;

        // As daprd: normalise again before the access check (defence in depth), and check before reading the body.
        if (!MethodName.TryNormalize(method, out var normalized, out var methodError))
        {
            await InternalChannel.RefuseAsync(context.Response, StatusCodes.Status400BadRequest, InternalChannel.InvalidArgument, "invalid method: " + methodError);
            return;
        }

        if (_accessControl is { } acl)
        {
            var decision = acl.Evaluate(caller, normalized, AccessControlPolicy.VerbOf(context.Request.Method));
            if (!decision.Allowed)
            {
                Log.AccessDenied(_logger, caller?.SpiffeId ?? "(no identity)", normalized, context.Request.Method);
                await InternalChannel.RefuseAsync(context.Response, StatusCodes.Status403Forbidden, InternalChannel.PermissionDenied, decision.Denial!);
                return;
            }
        }

        if (!(_appChannel is not null || _grpcAppChannel is not null))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.DirectInvoke(_settings.AppId, "cannot invoke local endpoint: app channel not initialized"));
            return;
        }

        byte[] body;
        try
        {
            body = await ApiHttp.ReadBodyAsync(context.Request, _settings.MaxBodySize, context.RequestAborted);
        }
        catch (RequestBodyTooLargeException)
        {
            await InternalChannel.RefuseAsync(
                context.Response,
                StatusCodes.Status413PayloadTooLarge,
                InternalChannel.ResourceExhausted,
                $"the request body is larger than the {_settings.MaxBodySize} bytes the sidecar of {_settings.AppId} accepts (--max-body-size)");
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), "/" + normalized + context.Request.QueryString.Value);
        CopyHeaders(context.Request.Headers, request, body, keepIdentity: true);
        if (caller is not null)
        {
            // The authenticated identity, not whatever the caller wrote.
            request.Headers.Remove(InvocationHeaders.CallerAppId);
            request.Headers.TryAddWithoutValidation(InvocationHeaders.CallerAppId, caller.AppId);
        }

        var answer = await SendToAppAsync(request, context.RequestAborted);
        await WriteAnswerAsync(context.Response, answer, toCaller: false);
    }

    // The app over its protocol: HTTP as is, or gRPC AppCallback.OnInvoke.
    private Task<AppResponse> SendToAppAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _grpcAppChannel is { } grpc ? grpc.InvokeAsync(request, cancellationToken) : _appChannel!.SendAsync(request, cancellationToken);

    /// <summary>Finds the app id and method of a call that did not use <c>/v1.0/invoke/…</c> (header or basic auth).</summary>
    public static string? AppIdFromHeaders(HttpRequest request)
    {
        if (request.Headers.TryGetValue(InvocationHeaders.AppId, out var header) && header.ToString().Length > 0)
        {
            return header.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && decoded[..colon] == InvocationHeaders.AppId && decoded.Length > colon + 1)
                {
                    return decoded[(colon + 1)..];
                }
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    public void Dispose() => _sidecars.Dispose();

    private async Task<AppResponse> SendOnceAsync(OutgoingCall incoming, string appId, string method, byte[] body, TraceContext? span, CancellationToken cancellationToken)
    {
        var settings = _settings;
        var self = string.Equals(appId, settings.AppId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), string.Empty);
        CopyHeaders(incoming.Headers, request, body, keepIdentity: false);
        request.Headers.TryAddWithoutValidation(InvocationHeaders.CallerNamespace, settings.Namespace);
        request.Headers.TryAddWithoutValidation(InvocationHeaders.CallerAppId, settings.AppId);
        request.Headers.TryAddWithoutValidation(InvocationHeaders.CalleeAppId, appId);
        if (span is { } trace)
        {
            request.Headers.TryAddWithoutValidation(InvocationHeaders.TraceParent, trace.TraceParent);
            if (trace.TraceState.Length > 0)
            {
                request.Headers.TryAddWithoutValidation(InvocationHeaders.TraceState, trace.TraceState);
            }
        }

        var query = incoming.Query;
        if (self)
        {
            if (!(_appChannel is not null || _grpcAppChannel is not null))
            {
                throw new PermanentFailureException("cannot invoke local endpoint: app channel not initialized");
            }

            request.RequestUri = new Uri("/" + method + query, UriKind.Relative);
            return await SendToAppAsync(request, cancellationToken);
        }

        if (!_nameResolver.TryResolve(appId, out var target))
        {
            // Resolution failures are not retried by the built-in policy (daprd resolves before retrying).
            throw new HttpRequestException($"couldn't find service: {appId}");
        }

        // Forwarding headers, as daprd adds them on remote calls.
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", _hostName);
        request.Headers.TryAddWithoutValidation("Forwarded", $"for=127.0.0.1;by=127.0.0.1;host={_hostName}");
        request.RequestUri = new Uri($"http://127.0.0.1:{target.InternalPort}{InternalInvokePrefix}{method}{query}");
        _peers.Sign(request, appId);
        using var response = await _sidecars.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.Headers.TryGetValues(InternalChannel.ErrorHeader, out var kind))
        {
            throw new InternalChannelException(kind.First(), System.Text.Encoding.UTF8.GetString(responseBody));
        }

        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !AppChannelClient.HopByHopHeaders.Contains(h.Key))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()))
            .ToList();
        return new AppResponse((int)response.StatusCode, headers, responseBody);
    }

    private static void CopyHeaders(IHeaderDictionary source, HttpRequestMessage request, byte[] body, bool keepIdentity)
    {
        request.Content = new ByteArrayContent(body);
        foreach (var (name, values) in source)
        {
            if (AppChannelClient.HopByHopHeaders.Contains(name) || (!keepIdentity && NotForwarded.Contains(name)) || Internal.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    // toCaller: the answer leaves the sidecars (the Any type URL header only travels between them).
    private static async Task WriteAnswerAsync(HttpResponse response, AppResponse answer, bool toCaller)
    {
        response.StatusCode = answer.StatusCode;
        foreach (var (name, values) in answer.Headers)
        {
            // An app cannot pass its answer off as a refusal of the internal channel.
            if (string.Equals(name, InternalChannel.ErrorHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!toCaller || !string.Equals(name, AppChannel.GrpcAppChannel.AnyTypeUrlHeader, StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Append(name, values);
            }
        }

        await response.Body.WriteAsync(answer.Body);
    }

    // "Unavailable" as gRPC reports it to daprd: the target could not be reached, or its connection broke
    // (a killed replica's pooled connection is reset) before an answer came; the next attempt resolves again.
    private static bool IsUnavailable(HttpRequestException ex) =>
        ex.InnerException is SocketException
        || ex.HttpRequestError == HttpRequestError.ConnectionError
        || ex.InnerException is IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } };

    // As daprd's gRPC statuses: the built-in policy retries Unauthenticated (and Unavailable) only; an
    // explicit app policy retries any error without a status code, a denial included; an oversized body
    // or an invalid method never succeeds on a retry.
    private static bool IsRetriable(InternalChannelException ex, bool hasExplicitPolicy) => ex.Kind switch
    {
        InternalChannel.Unauthenticated => true,
        InternalChannel.PermissionDenied => hasExplicitPolicy,
        _ => false,
    };

    /// <summary>What the caller's request contributes to the call: verb, query string (with '?') and headers.</summary>
    private sealed record OutgoingCall(string Method, string Query, IHeaderDictionary Headers);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Invocation of {AppId}/{Method} failed: {Reason}")]
        public static partial void InvocationFailed(ILogger logger, string appId, string method, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Access control denied {Caller} calling {Method} ({Verb})")]
        public static partial void AccessDenied(ILogger logger, string caller, string method, string verb);
    }
}
