using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Security;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Placement and invocation: a call goes to the sidecar that hosts the actor (here, or another sidecar's
/// internal port) and runs there as one turn of the actor, through the app's actor callbacks
/// (<c>PUT /actors/{type}/{id}/method/{m}</c>, also for <c>remind/x</c> and <c>timer/x</c>).
/// </summary>
internal sealed class ActorInvoker : IDisposable
{
    public const string ReentrancyHeader = "Dapr-Reentrancy-Id";
    private const string ErrorResponseHeader = "X-DaprErrorResponseHeader";
    private const string PeerErrorHeader = "X-BioDapr-Actor-Error";
    private static readonly JsonSerializerOptions PeerJson = new(JsonSerializerDefaults.Web);

    private readonly ActorAppConfig _config;
    private readonly ActorActivations _activations;
    private readonly ActorPlacement _placement;
    private readonly IActorCallbackChannel _channel;
    private readonly PeerAuthenticator _peerAuthenticator;
    private readonly string _appId;
    private readonly long _maxBodySize;
    private readonly TimeProvider _time;
    private readonly HttpClient _peers = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false, ActivityHeadersPropagator = null }) { Timeout = Timeout.InfiniteTimeSpan };

    public ActorInvoker(
        ActorAppConfig config,
        ActorActivations activations,
        ActorPlacement placement,
        IActorCallbackChannel channel,
        PeerAuthenticator peerAuthenticator,
        string appId,
        long maxBodySize,
        TimeProvider time)
    {
        _config = config;
        _activations = activations;
        _placement = placement;
        _channel = channel;
        _peerAuthenticator = peerAuthenticator;
        _appId = appId;
        _maxBodySize = maxBodySize;
        _time = time;
    }

    /// <summary>Invokes a method on an actor wherever it is placed.</summary>
    public async Task<ActorCallResult> InvokeAsync(string type, string id, string method, HttpRequestMessage template, string? reentrancyId, CancellationToken cancellationToken)
    {
        var host = _placement.Resolve(type, id)
            ?? throw new DaprApiException(DaprErrors.ActorNoAddress($"{type}||{id}"));
        if (_placement.IsHere(host))
        {
            return await InvokeLocalAsync(type, id, "method/" + EscapePath(method) + template.RequestUri?.Query, template, reentrancyId, cancellationToken);
        }

        // Another sidecar hosts it: forward to its internal port, which runs the turn there.
        template.RequestUri = new Uri($"http://127.0.0.1:{host.InternalPort}/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/method/{EscapePath(method)}{template.RequestUri?.Query}");
        if (reentrancyId is not null)
        {
            template.Headers.Remove(ReentrancyHeader);
            template.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
        }

        _peerAuthenticator.Sign(template, host.AppId);
        using var response = await _peers.SendAsync(template, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.Headers.TryGetValues(InternalChannel.ErrorHeader, out var refusal))
        {
            // The other sidecar refused this one (not a sidecar of its run): daprd would fail the mTLS handshake.
            throw new DaprApiException(DaprErrors.ActorInvoke($"the sidecar of {host.AppId} refused the call ({refusal.First()}): {Encoding.UTF8.GetString(body)}"));
        }

        if (response.Headers.TryGetValues(PeerErrorHeader, out _))
        {
            var payload = JsonSerializer.Deserialize<DaprErrorPayload>(body, PeerJson)
                ?? throw new DaprApiException(DaprErrors.ActorInvoke($"the sidecar of {host.AppId} answered {(int)response.StatusCode} without an error body"));
            throw new DaprApiException(payload.ToError((int)response.StatusCode));
        }

        return new ActorCallResult((int)response.StatusCode, Headers(response), body);
    }

    /// <summary>
    /// Serves a peer sidecar's forwarded call (<c>/actors/{type}/{id}/method/{m}</c> on the internal
    /// port): runs the turn here and answers with the app's response, or with the daprd error marked by
    /// <c>X-BioDapr-Actor-Error</c>.
    /// </summary>
    public async Task HandleInternalAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 5 || segments[0] != "actors" || segments[3] != "method")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var method = string.Join('/', segments[4..].Select(Uri.EscapeDataString));
        try
        {
            byte[] body;
            try
            {
                body = await ApiHttp.ReadBodyAsync(context.Request, _maxBodySize, context.RequestAborted);
            }
            catch (RequestBodyTooLargeException)
            {
                throw new DaprApiException(DaprErrors.ActorInvoke($"the request body is larger than the {_maxBodySize} bytes the sidecar of {_appId} accepts (--max-body-size)"));
            }

            using var request = ActorCallHttp.RequestFrom(context.Request, body);
            var result = await InvokeLocalAsync(segments[1], segments[2], "method/" + method + context.Request.QueryString.Value, request, context.Request.Headers[ReentrancyHeader].FirstOrDefault(), context.RequestAborted);
            await ActorCallHttp.WriteAsync(context.Response, result, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            context.Response.StatusCode = ex.Error.StatusCode;
            context.Response.Headers[PeerErrorHeader] = "true";
            await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new DaprErrorPayload(ex.Error.ErrorCode, ex.Error.Message), PeerJson), context.RequestAborted);
        }
    }

    /// <summary>Runs a turn on an actor hosted here (method, <c>remind/x</c> or <c>timer/x</c>).</summary>
    public async Task<ActorCallResult> InvokeLocalAsync(string type, string id, string path, HttpRequestMessage request, string? reentrancyId, CancellationToken cancellationToken)
    {
        if (!_config.Types.TryGetValue(type, out var settings))
        {
            throw new DaprApiException(DaprErrors.ActorInvoke($"actor type {type} is not hosted by app {_appId}"));
        }

        if (settings.Reentrancy)
        {
            reentrancyId ??= Guid.NewGuid().ToString();
        }
        else
        {
            reentrancyId = null;
        }

        while (true)
        {
            var instance = _activations.GetOrActivate(type, id);
            IDisposable turn;
            try
            {
                turn = await instance.Lock.EnterAsync(reentrancyId, settings.MaxStackDepth, cancellationToken);
            }
            catch (ActorStackDepthException)
            {
                throw new DaprApiException(DaprErrors.ActorStackDepth());
            }

            using (turn)
            {
                if (instance.Deactivated)
                {
                    // Deactivated while we waited for the turn: activate a fresh one.
                    continue;
                }

                instance.LastUsed = _time.GetTimestamp();
                request.Headers.Remove(ReentrancyHeader);
                if (reentrancyId is not null)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
                }

                AppResponse answer;
                try
                {
                    answer = await _channel.CallAsync(type, id, path, request, cancellationToken);
                }
                catch (HttpRequestException ex)
                {
                    throw new DaprApiException(DaprErrors.ActorInvoke(ex.Message));
                }
                finally
                {
                    instance.LastUsed = _time.GetTimestamp();
                }

                return Interpret(answer);
            }
        }
    }

    public void Dispose() => _peers.Dispose();

    // daprd: exactly 200 is success; X-DaprErrorResponseHeader passes the app's answer back as an actor error.
    private static ActorCallResult Interpret(AppResponse answer)
    {
        if (answer.StatusCode == 200 || answer.Headers.Any(h => string.Equals(h.Key, ErrorResponseHeader, StringComparison.OrdinalIgnoreCase)))
        {
            return new ActorCallResult(answer.StatusCode, answer.Headers, answer.Body);
        }

        var detail = answer.StatusCode == 404
            ? $"actor method not found: {Encoding.UTF8.GetString(answer.Body)}"
            : $"error from actor service: ({answer.StatusCode}) {Encoding.UTF8.GetString(answer.Body)}";
        throw new DaprApiException(DaprErrors.ActorInvoke(detail));
    }

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static List<KeyValuePair<string, string[]>> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Where(h => !AppChannelClient.HopByHopHeaders.Contains(h.Key))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()))
            .ToList();

    /// <summary>An actor error as it travels between sidecars.</summary>
    internal sealed record DaprErrorPayload(string ErrorCode, string Message)
    {
        public DaprError ToError(int status) => new(status, ErrorCode, Message);
    }
}
