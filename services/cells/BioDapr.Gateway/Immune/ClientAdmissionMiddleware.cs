using System.Globalization;
using BioDapr.Cell.Hormones;
using BioDapr.Gateway.Admission;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// The immune layer's first line, in front of the clients' API and before anything reads the body:
/// <list type="number">
/// <item>the request's credentials (an <c>X-Api-Key</c> or an access token, as <see cref="ClientAuthenticator"/> decides) must name a
/// known client: otherwise 401, and beyond <c>gateway.unauthenticatedRatePerSecond</c> per source address 429;</item>
/// <item>each client stays within its own rate (<c>gateway.ratePerSecond</c>, <c>gateway.burst</c>): otherwise 429;</item>
/// <item>the client holds the scope the operation needs (<see cref="ClientScopes"/>; an API key holds all): otherwise 403;</item>
/// <item>the body is at most <see cref="GatewayOptions.MaxBodyBytes"/>: otherwise 413 (by Content-Length at once, or while
/// reading a chunked body);</item>
/// <item>each client gets its fair share of what the gateway may have in flight to orders (<see cref="FairShareScheduler"/>,
/// hormones <c>gateway.fairShare.*</c>): a request waits for a slot in its own client's queue; one beyond that queue, or
/// one that waited past the queue timeout with its client at its share, is 429; one that waited past it below its
/// share is 503 (the capacity is busy); all with Retry-After, before anything was done.</item>
/// </list>
/// All of these are the client's own doing: answered with 4xx, they never count against a pathway or another client.
/// </summary>
internal sealed class ClientAdmissionMiddleware(
    RequestDelegate next,
    ClientAuthenticator authenticator,
    ClientRateLimiter rates,
    FairShareScheduler shares,
    IHormones<ClientLimits> limits,
    ImmuneSystem immune,
    IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ClientApiAttribute>() is null)
        {
            await next(context);
            return;
        }

        // Each step is its own span (GatewayTracing), so a trace shows the gateway's time before the pathway by step.
        ClientIdentity? identity;
        using (GatewayTracing.Source.StartActivity(GatewayTracing.Checks))
        {
            identity = await CheckAsync(context);
        }

        if (identity is null)
        {
            return;
        }

        var client = identity.Name;
        using (GatewayTracing.Source.StartActivity(GatewayTracing.Body))
        {
            if (!await immune.ReceiveBodyAsync(context))
            {
                return;
            }
        }

        FairShareTicket ticket;
        using (var waiting = GatewayTracing.Source.StartActivity(GatewayTracing.FairShare))
        {
            waiting?.SetTag(GatewayTracing.CapacityTag, shares.Capacity);
            waiting?.SetTag(GatewayTracing.InFlightTag, shares.InFlight);
            waiting?.SetTag(GatewayTracing.QueuedTag, shares.Queued);
            ticket = await shares.EnterAsync(client, context.RequestAborted);
            waiting?.SetTag(GatewayTracing.OutcomeTag, ticket.Outcome.ToString());
            waiting?.SetTag(GatewayTracing.WaitedTag, ticket.Waited.TotalMilliseconds);
        }

        switch (ticket.Outcome)
        {
            case FairShareOutcome.QueueFull:
                await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Over your share", $"Client {client} already has as many requests waiting for the orders cell as it may; nothing was done.", ticket.RetryAfter);
                return;
            case FairShareOutcome.OverShare:
                await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Over your share", $"Client {client} has its fair share of the gateway's capacity in flight and this request found no slot in time; nothing was done.", ticket.RetryAfter);
                return;
            case FairShareOutcome.Busy:
                await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Orders busy", "The gateway's capacity to the orders cell stayed busy and this request found no slot in time; nothing was done.", ticket.RetryAfter);
                return;
        }

        try
        {
            context.Features.Set(identity);
            await next(context);
        }
        finally
        {
            shares.Exit(client);
        }
    }

    // The checks before the body is read: the known client (or 401/429 per address), its quarantine, its rate, its scope and
    // the body's declared length. Null when one of them answered.
    private async Task<ClientIdentity?> CheckAsync(HttpContext context)
    {
        var current = limits.Current;
        var authentication = await authenticator.AuthenticateAsync(context);
        if (authentication.Identity is not { } identity)
        {
            var source = "address:" + ClientAuthenticator.Address(context);
            if (!rates.TryTake(source, current.UnauthenticatedRatePerSecond, current.UnauthenticatedBurst, out var wait))
            {
                await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", "Too many requests without valid credentials from this address.", wait);
                return null;
            }

            if (authentication.Challenge is { } challenge)
            {
                context.Response.Headers.WWWAuthenticate = challenge;
            }

            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", authentication.Failure!, null);
            return null;
        }

        var client = identity.Name;
        if (!await immune.AdmitClientAsync(context, client))
        {
            return null;
        }

        if (!rates.TryTake("client:" + client, current.RatePerSecond, current.Burst, out var retryAfter))
        {
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", $"Client {client} is over its rate of {current.RatePerSecond.ToString(CultureInfo.InvariantCulture)}/s.", retryAfter);
            return null;
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiredClientScope>()?.Scope is { } scope && !identity.Holds(scope))
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Forbidden", $"Client {client} does not hold the scope {scope} this operation needs.", null);
            return null;
        }

        var maxBody = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > maxBody)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body may be at most {maxBody} bytes.", null);
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = maxBody;
        }

        return identity;
    }

    private static Task RefuseAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
    }
}

/// <summary>Turns the client admission on.</summary>
public static class ClientAdmissionExtensions
{
    /// <summary>
    /// Guards the endpoints marked <c>.ClientApi()</c>. Call it before <c>UseCellDefaults</c>, so a client over its
    /// share is told 429 before the cell's worker slots would shed it with 503.
    /// </summary>
    public static IApplicationBuilder UseClientAdmission(this IApplicationBuilder app) => app.UseMiddleware<ClientAdmissionMiddleware>();

    /// <summary>Says which scope an operation of the clients' API needs (an access token must hold it; API keys hold every scope).</summary>
    public static TBuilder RequiresScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredClientScope(scope));

    /// <summary>Marks an endpoint (or group) as the clients' API.</summary>
    public static TBuilder ClientApi<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ClientApiAttribute());
}
