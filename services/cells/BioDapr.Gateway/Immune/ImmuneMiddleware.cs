using System.Buffers;
using System.Globalization;
using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Telemetry;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// Wraps the clients' API (endpoints marked <c>.ClientApi()</c>) outside <see cref="ClientAdmissionMiddleware"/>:
/// refuses a quarantined source address before anything else, and after every request (whatever answered it: 401,
/// 413, 429, the API) gives the anomaly detector what happened. The client is learned from admission's single call,
/// <see cref="ImmuneAdmissionExtensions.AdmitClientAsync"/>.
/// </summary>
internal sealed class ImmuneMiddleware(RequestDelegate next, ImmuneSystem immune, WarmupImmune warmupImmune, WarmupRequests warmup)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ClientApiAttribute>() is null)
        {
            await next(context);
            return;
        }

        // The gateway's own warm-up probes (an unknown order id, an invalid body, with a real client's key) are not that
        // client's behaviour: they run the same code (admission, body watch, scoring: so a client's first requests do not
        // compile it) against a scratch immune system that never quarantines and whose state goes nowhere.
        var system = warmup.IsWarmup(context.Request) ? warmupImmune.System : immune;
        var request = new ImmuneRequest(AddressOf(context.Connection.RemoteIpAddress), system);
        var decision = system.Admit(null, request.Address);
        if (!decision.Admitted)
        {
            await ImmuneAdmissionExtensions.RefuseAsync(context, decision);
            return;
        }

        context.Features.Set(request);
        try
        {
            await next(context);
        }
        finally
        {
            if (!request.Refused)
            {
                using (GatewayTracing.Source.StartActivity(GatewayTracing.Observe))
                {
                    system.Observe(new RequestObservation(request.Client, request.Address, KindOf(context.Request), context.Response.StatusCode, context.Request.ContentLength ?? 0, request.DomainAnswer, Abandoned: context.RequestAborted.IsCancellationRequested), request.StartedAt);
                }
            }
        }
    }

    internal static string AddressOf(IPAddress? address) =>
        address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static RequestKind KindOf(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/orders", StringComparison.OrdinalIgnoreCase)
            ? HttpMethods.IsPost(request.Method) ? RequestKind.PlaceOrder : HttpMethods.IsGet(request.Method) ? RequestKind.ReadOrder : RequestKind.Other
            : RequestKind.Other;
}

/// <summary>Turns the immune response on, and its one call from client admission.</summary>
public static class ImmuneAdmissionExtensions
{
    /// <summary>Scores the clients' API and holds quarantined callers; call it before <c>UseClientAdmission</c>.</summary>
    public static IApplicationBuilder UseImmuneResponse(this IApplicationBuilder app) => app.UseMiddleware<ImmuneMiddleware>();

    /// <summary>
    /// Client admission identified <paramref name="client"/>: true when it may go on; false when its quarantine
    /// answered (403 refused, or 429 over its throttled rate).
    /// </summary>
    public static async Task<bool> AdmitClientAsync(this ImmuneSystem immune, HttpContext context, string client)
    {
        ArgumentNullException.ThrowIfNull(immune);
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Features.Get<ImmuneRequest>();
        immune = request?.System ?? immune;
        var address = request?.Address ?? ImmuneMiddleware.AddressOf(context.Connection.RemoteIpAddress);
        var decision = immune.Admit(client, address);
        if (!decision.Admitted)
        {
            if (request is not null)
            {
                request.Refused = true;
            }

            await RefuseAsync(context, decision);
            return false;
        }

        if (request is not null)
        {
            request.Client = client;
            request.StartedAt = immune.Begin(client, address);
        }

        return true;
    }

    /// <summary>
    /// Reads the request's body now, within the body limit admission has just set, and tells the detector it has the
    /// request whole: the time a client takes to send its request can be a slow drip, the time the organism then takes
    /// to answer is not the client's doing (an overloaded organism must not make its clients look like attackers).
    /// False when the body could not be read (answered: 408 too slow, 413 too large, 400 cut short).
    /// </summary>
    public static async Task<bool> ReceiveBodyAsync(this ImmuneSystem immune, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(immune);
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Features.Get<ImmuneRequest>();
        immune = request?.System ?? immune;
        if (request is null || request.StartedAt == 0 || !immune.Enabled)
        {
            return true;
        }

        if (context.Request.ContentLength is > 0 || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count > 0))
        {
            // Read through a buffer, telling the detector how far the body has come: a body still trickling in after
            // slowBodyMs is judged while it is open, before Kestrel's minimum data rate cuts it with 408.
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                context.Request.EnableBuffering();
                var body = context.Request.Body;
                immune.Receiving(request.Client, request.Address, request.StartedAt, 0);
                long received = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    received += read;
                    immune.Receiving(request.Client, request.Address, request.StartedAt, received);
                }

                body.Position = 0;
            }
            catch (BadHttpRequestException ex)
            {
                if (!context.Response.HasStarted)
                {
                    await Results.Problem(ex.Message, statusCode: ex.StatusCode, title: "Request body not received").ExecuteAsync(context);
                }

                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        immune.Received(request.Client, request.Address, request.StartedAt);
        return true;
    }

    internal static Task RefuseAsync(HttpContext context, ImmuneDecision decision)
    {
        var quarantine = decision.Quarantine!;
        if (quarantine.Stage == QuarantineStage.Refused)
        {
            return Results.Problem($"Quarantined until {quarantine.ExpiresAt:O}: {quarantine.Reason}.", statusCode: StatusCodes.Status403Forbidden, title: "Quarantined").ExecuteAsync(context);
        }

        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Results.Problem($"Throttled until {quarantine.ExpiresAt:O}: {quarantine.Reason}.", statusCode: StatusCodes.Status429TooManyRequests, title: "Throttled").ExecuteAsync(context);
    }
}

/// <summary>
/// The scratch immune system the gateway's own warm-up requests go through (<see cref="ImmuneMiddleware"/>): the same
/// classes as the gateway's (so the JIT compiles and optimises the immune layer's request path during the warm-up, not
/// on the first clients' requests), with the gateway's hormones except that its scores never reach a quarantine, no
/// logger, and nothing that reads or stores it (<see cref="ImmuneSync"/> syncs only the gateway's): the warm-up's
/// probes, meant to fail, judge nobody.
/// </summary>
public sealed class WarmupImmune
{
    /// <summary>A scratch immune system on <paramref name="time"/> with <paramref name="hormones"/>' values, quarantines out of reach.</summary>
    public WarmupImmune(TimeProvider time, Func<ImmuneHormones> hormones)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(hormones);
        ImmuneHormones Scratch() => hormones() with { ScoreThreshold = MaxScore, RefuseScore = MaxScore };
        System = new ImmuneSystem(new AnomalyDetector(time, Scratch), time, Scratch);
    }

    /// <summary>The scratch immune system.</summary>
    public ImmuneSystem System { get; }

    // The hormones' upper bound for both scores: out of reach of anything the warm-up's few requests can score.
    private const double MaxScore = 1_000;
}
