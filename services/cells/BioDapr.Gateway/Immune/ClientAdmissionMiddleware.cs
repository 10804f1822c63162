using System.Globalization;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Ingress;
using BioDapr.Cell.Pathways;
using BioDapr.Gateway.Hormones;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// The immune layer's first line, in front of the clients' API and before anything reads the body:
/// <list type="number">
/// <item>the <c>X-Api-Key</c> must name a known client: otherwise 401, and beyond <c>gateway.unauthenticatedRatePerSecond</c>
/// per source address 429;</item>
/// <item>each client stays within its own rate (<c>gateway.ratePerSecond</c>, <c>gateway.burst</c>): otherwise 429;</item>
/// <item>the body is at most <see cref="GatewayOptions.MaxBodyBytes"/>: otherwise 413 (by Content-Length at once, or while
/// reading a chunked body);</item>
/// <item>each client gets its fair share of what the gateway may have in flight to orders (the smaller of the gateway's worker
/// slots and the gateway → orders pathway's limit and queue): beyond its share, 429.</item>
/// </list>
/// All of these are the client's own doing: answered with 4xx, they never count against a pathway or another client.
/// </summary>
internal sealed class ClientAdmissionMiddleware(
    RequestDelegate next,
    ClientKeys keys,
    ClientRateLimiter rates,
    FairShareGate shares,
    IHormones<ClientLimits> limits,
    IHormones<AdmissionHormones> admission,
    IHormones<PathogenHormones> pathogens,
    CellPathways pathways,
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

        var current = limits.Current;
        var client = keys.Identify(context.Request.Headers["X-Api-Key"]);
        if (client is null)
        {
            var source = "address:" + (context.Connection.RemoteIpAddress?.MapToIPv6().ToString() ?? "unknown");
            if (!rates.TryTake(source, current.UnauthenticatedRatePerSecond, current.UnauthenticatedBurst, out var wait))
            {
                await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", "Too many requests without a valid X-Api-Key from this address.", wait);
                return;
            }

            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", "A valid X-Api-Key header is required.", null);
            return;
        }

        if (!await immune.AdmitClientAsync(context, client))
        {
            return;
        }

        if (!rates.TryTake("client:" + client, current.RatePerSecond, current.Burst, out var retryAfter))
        {
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", $"Client {client} is over its rate of {current.RatePerSecond.ToString(CultureInfo.InvariantCulture)}/s.", retryAfter);
            return;
        }

        var maxBody = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > maxBody)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body may be at most {maxBody} bytes.", null);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = maxBody;
        }

        if (!shares.TryEnter(client, Capacity()))
        {
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Over your share", $"Client {client} has its fair share of the gateway's capacity in flight; retry shortly.", TimeSpan.FromSeconds(1));
            return;
        }

        try
        {
            context.Features.Set(new ClientIdentity(client));
            await next(context);
        }
        finally
        {
            shares.Exit(client);
        }
    }

    // What the gateway can have in flight to orders: its own worker slots, and the pathway's limit and queue.
    private int Capacity()
    {
        var slots = admission.Current.MaxConcurrency - pathogens.Current.SlotReduction + admission.Current.QueueLimit;
        var pathway = pathways["orders"].Hormones.Current;
        return Math.Max(1, Math.Min(slots, pathway.ConcurrencyLimit + pathway.QueueLimit));
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

    /// <summary>Marks an endpoint (or group) as the clients' API.</summary>
    public static TBuilder ClientApi<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ClientApiAttribute());
}
