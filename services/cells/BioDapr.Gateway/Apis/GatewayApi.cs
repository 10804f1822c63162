using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
using BioDapr.Cell.Pathways;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Pathways.Policies;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BioDapr.Gateway.Apis;

/// <summary>
/// The organism's public API. Admission (key, rates, body limit, fair shares) happens before the body is read
/// (<see cref="ClientAdmissionMiddleware"/>); then an order goes to the orders cell over the gateway → orders
/// pathway with its Idempotency-Key (the client's, or one derived per request), the client's name, a request id
/// and a deadline. Repeats of a call carry the same key, so orders acts once. When the pathway ends in an error,
/// the gateway gives the request up at orders before answering: either nothing was ordered (503), or the order's
/// first outcome is returned; an error answer never hides an order.
/// </summary>
public static partial class GatewayApi
{
    /// <summary>The header a client may send to make retries of an order safe (1 to 255 printable ASCII characters).</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Maps <c>/api/orders</c> (public port) and the OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapGatewayApi(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi().PublicApi();
        var api = routes.MapGroup("/api").WithTags("Orders").PublicApi().ClientApi()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/orders", PlaceAsync)
            .WithName("PlaceOrder")
            .RequiresScope(ClientScopes.PlaceOrders)
            .WithSummary("Places an order: reserves stock, then payment confirms or cancels it.")
            .WithDescription("Send an Idempotency-Key to retry safely: a repeat with the same key and body returns the first outcome (Idempotency-Replayed: true); the same key with another body is 422. Without a key the gateway derives one per request and returns it in the Idempotency-Key header. Bodies are limited to 16 KiB (413).")
            .Accepts<PlaceOrderRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/orders/{orderId}", GetAsync)
            .WithName("GetOrderStatus")
            .RequiresScope(ClientScopes.ReadOrders)
            .WithSummary("Where an order of this client is: placed, confirmed, shipped or cancelled (another client's order is 404).");
        return routes;
    }

    internal static async Task<Results<Created<OrderAccepted>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrderRequest order,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        HttpContext context,
        IHormones<ClientLimits> limits,
        IConfiguration configuration,
        CellPathways pathways,
        IHttpClientFactory http,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && !KeyFormat().IsMatch(idempotencyKey))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyKeyHeader] = ["1 to 255 printable ASCII characters, no spaces."] });
        }

        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        context.Response.Headers[IdempotencyKeyHeader] = key;
        var client = context.Features.GetRequiredFeature<ClientIdentity>().Name;
        var budget = TimeSpan.FromMilliseconds(limits.Current.OrderTimeoutMs);
        var headers = new Dictionary<string, string>
        {
            ["X-Api-Key"] = configuration["orders-api-key"] ?? string.Empty,
            [IdempotencyKeyHeader] = key,
            ["X-Client-Id"] = client,
            ["X-Request-Id"] = Guid.NewGuid().ToString("N"),
            ["X-Request-Deadline"] = (time.GetUtcNow() + budget).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        var result = await pathways["orders"].InvokeAsync(HttpMethod.Post, "orders", order, headers, deadline.Token);
        // What orders' last attempt answered, for the refusal's detail: who refused and why is what an operator (and the
        // cold-start benchmark's per-second reasons) needs to tell orders' admission from a failed placement.
        string answered;
        using (var response = result.Value)
        {
            if (response is not null && (int)response.StatusCode < 500)
            {
                return await ForwardAsync(context, response, cancellationToken);
            }

            answered = response is null ? result.Outcome.ToString() : await AnsweredAsync(response, result.Outcome, cancellationToken);
        }

        // The pathway ended in an error. If the order may have reached orders, give it up there: that rolls it back,
        // or returns its first outcome if it was settled meanwhile.
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Outcome is PathwayOutcome.BreakerOpen or PathwayOutcome.Shed && result.Attempts <= 1)
        {
            return Unavailable(context, $"The orders cell is not taking orders now ({answered}); nothing was ordered.");
        }

        using var abort = await AbortAsync(http, headers, cancellationToken);
        if (abort?.StatusCode == HttpStatusCode.OK)
        {
            return Unavailable(context, $"The order could not be placed ({answered}) and was rolled back: nothing was ordered. Retry with the same Idempotency-Key.");
        }

        if (abort is not null && (int)abort.StatusCode < 500)
        {
            return await ForwardAsync(context, abort, cancellationToken);
        }

        return Unavailable(context, $"The orders cell did not answer ({answered}) and the outcome is not known yet: retry with the same Idempotency-Key to get it (no order is placed after {headers["X-Request-Deadline"]} ms Unix time).");
    }

    internal static async Task<Results<Ok<OrderStatusView>, NotFound, ProblemHttpResult>> GetAsync(string orderId, HttpContext context, IConfiguration configuration, CellPathways pathways, CancellationToken cancellationToken)
    {
        if (!OrderIdFormat().IsMatch(orderId))
        {
            return TypedResults.NotFound();
        }

        var headers = new Dictionary<string, string>
        {
            ["X-Api-Key"] = configuration["orders-api-key"] ?? string.Empty,
            ["X-Client-Id"] = context.Features.GetRequiredFeature<ClientIdentity>().Name,
        };
        var result = await pathways["orders"].InvokeAsync(HttpMethod.Get, $"orders/{orderId}/status", null, headers, cancellationToken);
        using var response = result.Value;
        return response?.StatusCode switch
        {
            HttpStatusCode.OK => TypedResults.Ok((await response.Content.ReadFromJsonAsync<OrderStatusView>(cancellationToken))!),
            HttpStatusCode.NotFound => TypedResults.NotFound(),
            _ => Unavailable(context, $"The orders cell did not answer ({result.Outcome})."),
        };
    }

    // Gives the request up at orders, past the pathway's breaker (it is about an order that may exist): two tries.
    private static async Task<HttpResponseMessage?> AbortAsync(IHttpClientFactory http, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var request = new HttpRequestMessage(HttpMethod.Post, SidecarInvocation.MethodUri("orders", "orders/abort"));
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            try
            {
                var response = await http.CreateClient(SidecarInvocation.HttpClientName).SendAsync(request, timeout.Token);
                if ((int)response.StatusCode < 500)
                {
                    return response;
                }

                response.Dispose();
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Try once more.
            }
        }

        return null;
    }

    // Orders' answer as it is, with its Location under /api.
    private static async Task<Results<Created<OrderAccepted>, ValidationProblem, ProblemHttpResult>> ForwardAsync(HttpContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Headers.TryGetValues("Idempotency-Replayed", out var replayed))
        {
            context.Response.Headers["Idempotency-Replayed"] = replayed.First();
        }

        if (response.StatusCode == HttpStatusCode.Created)
        {
            var accepted = (await response.Content.ReadFromJsonAsync<OrderAccepted>(cancellationToken))!;
            return TypedResults.Created($"/api/orders/{accepted.OrderId}", accepted);
        }

        // Orders refused a placement that passed the gateway's checks: its decision, not the client's mistake, for the
        // anomaly detector (RequestObservation.DomainAnswer).
        if (context.Features.Get<ImmuneRequest>() is { } immune)
        {
            immune.DomainAnswer = true;
        }

        var problem = await ReadProblemAsync(response, cancellationToken);
        if (problem.Extensions.TryGetValue("errors", out var errors) && errors is System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Object } fields)
        {
            return TypedResults.ValidationProblem(
                fields.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()),
                problem.Detail,
                title: problem.Title);
        }

        return TypedResults.Problem(problem.Detail, statusCode: (int)response.StatusCode, title: problem.Title);
    }

    // "ServerError: orders answered 503 'Too many orders in flight'"; an answer without problem details is orders' (or its
    // sidecar's) admission shedding ("503 without details, Retry-After 1").
    private static async Task<string> AnsweredAsync(HttpResponseMessage response, PathwayOutcome outcome, CancellationToken cancellationToken)
    {
        var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (response.Content.Headers.ContentLength is 0 || response.Content.Headers.ContentType is null)
        {
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? $", Retry-After {delta.TotalSeconds.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
            return $"{outcome}: orders answered {status} without details{retryAfter}";
        }

        try
        {
            var problem = await ReadProblemAsync(response, cancellationToken);
            return $"{outcome}: orders answered {status} '{problem.Title}'";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return $"{outcome}: orders answered {status}, its body unreadable";
        }
    }

    private static async Task<ProblemDetails> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken) ?? new ProblemDetails();
        }
        catch (System.Text.Json.JsonException)
        {
            return new ProblemDetails { Title = response.ReasonPhrase };
        }
    }

    private static ProblemHttpResult Unavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Orders unavailable");
    }

    [GeneratedRegex("^[\\x21-\\x7E]{1,255}$")]
    private static partial Regex KeyFormat();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex OrderIdFormat();
}
