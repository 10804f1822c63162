using System.Diagnostics;
using System.Net.Http.Json;
using BioDapr.Cell.Hormones;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Pipeline;
using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;

namespace BioDapr.Cell.Pathways;

/// <summary>
/// A synaptic pathway: service invocation from this cell to one app (<c>/v1.0/invoke/{target}/method/…</c>
/// through the sidecar) run through the hormone-driven resilience pipeline of <see cref="Pathway{T}"/>.
/// Its knobs are the hormones <c>&lt;cell&gt;.pathways.&lt;target&gt;.&lt;property&gt;</c> (<see cref="PathwayHormones"/>),
/// read at every decision, so a change applies to the next call with breaker, budget and limiter state kept.
/// </summary>
public sealed class CellPathway
{
    private static readonly Dictionary<string, string> EmptyHeaders = [];
    private readonly IHttpClientFactory _http;
    private readonly Pathway<HttpResponseMessage> _pathway;
    private readonly Action<PathwayOutcome> _observe;
    private readonly string _spanName;

    internal CellPathway(string target, IHormones<PathwayHormones> hormones, Func<PathwayHormones> inForce, Action<PathwayOutcome> observe, IHttpClientFactory http, VitalsRecorder vitals, TimeProvider time, Random random)
    {
        Target = target;
        _spanName = "pathway " + target;
        _http = http;
        Hormones = hormones;
        _observe = observe;
        _pathway = new Pathway<HttpResponseMessage>(
            new PathwayState(target, inForce, time, random, vitals),
            Classify);
    }

    /// <summary>
    /// How an answer ended: by status code, except that a 503 with <c>Retry-After</c> and no body is the target's admission
    /// shedding (the ingress refuses before doing anything, <c>CellIngressMiddleware</c>): <see cref="PathwayOutcome.Shed"/>,
    /// which is neither retried at once (the target asked for a pause) nor counted by the breaker. A young organism's first
    /// slow seconds filled orders' worker slots, and each refusal counted as a failure of orders: the gateway's breaker then
    /// opened for 5 s, refused everything, and its probes met the same full slots (issue 11). An outage or an injected error
    /// (503 without Retry-After) and a refusal with problem details (work was done) stay server errors.
    /// </summary>
    public static PathwayOutcome Classify(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable
            && response.Headers.RetryAfter is not null
            && response.Content.Headers.ContentLength is null or 0
            && response.Content.Headers.ContentType is null
                ? PathwayOutcome.Shed
                : PathwayOutcomes.FromStatusCode((int)response.StatusCode);
    }

    /// <summary>The target app id.</summary>
    public string Target { get; }

    /// <summary>The pathway's live hormones.</summary>
    public IHormones<PathwayHormones> Hormones { get; }

    /// <summary>The breaker, budget, limiter and vitals of this pathway.</summary>
    public PathwayState State => _pathway.State;

    /// <summary>
    /// Invokes <paramref name="method"/> on the target app with <paramref name="body"/> as JSON (null: no
    /// body). Never throws for pathway outcomes: the result says how the call ended (the caller disposes
    /// <see cref="PathwayResult{T}.Value"/>).
    /// </summary>
    public ValueTask<PathwayResult<HttpResponseMessage>> InvokeAsync(HttpMethod httpMethod, string method, object? body, CancellationToken cancellationToken) =>
        InvokeAsync(httpMethod, method, body, headers: null, cancellationToken);

    /// <summary>
    /// Like <see cref="InvokeAsync(HttpMethod, string, object?, CancellationToken)"/>, with request headers for the
    /// target app. An idempotent method (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) may be retried and hedged; a POST
    /// or PATCH only when <paramref name="headers"/> carry an <c>Idempotency-Key</c> (the target then answers a
    /// repeat with the first outcome); otherwise it is sent once.
    /// </summary>
    public async ValueTask<PathwayResult<HttpResponseMessage>> InvokeAsync(HttpMethod httpMethod, string method, object? body, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpMethod);
        // One span per pathway call; its attempts (retries, hedges) are the HTTP client spans below it. Its name is built
        // once, and a span nobody records (sampled out, propagation only) gets no tags.
        using var activity = Telemetry.CellTelemetry.Pathways.StartActivity(_spanName, ActivityKind.Internal);
        var recorded = activity is { IsAllDataRequested: true };
        if (recorded)
        {
            activity!.SetTag("biodapr.pathway.target", Target);
            activity.SetTag("biodapr.pathway.method", method);
        }

        var result = await _pathway.ExecuteAsync(
            async attemptToken =>
            {
                using var request = new HttpRequestMessage(httpMethod, SidecarInvocation.MethodUri(Target, method));
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, body.GetType());
                }

                foreach (var (name, value) in headers ?? EmptyHeaders)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                try
                {
                    return await _http.CreateClient(SidecarInvocation.HttpClientName).SendAsync(request, attemptToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw new HttpRequestException($"the sidecar could not be reached to invoke {Target}/{method}: {ex.Message}", ex, ex.StatusCode);
                }
            },
            MayRepeat(httpMethod, headers),
            cancellationToken).ConfigureAwait(false);
        _observe(result.Outcome);
        if (recorded)
        {
            activity!.SetTag("biodapr.pathway.outcome", result.Outcome.ToString());
            activity.SetTag("biodapr.pathway.attempts", result.Attempts);
            if (result.Outcome != PathwayOutcome.Success)
            {
                activity.SetStatus(ActivityStatusCode.Error, result.Outcome.ToString());
            }
        }

        return result;
    }

    /// <summary>The header that makes a non-idempotent call safe to repeat: the target deduplicates by it.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Whether a call may be sent more than once: its method is idempotent, or it carries an <c>Idempotency-Key</c>.</summary>
    public static bool MayRepeat(HttpMethod httpMethod, IReadOnlyDictionary<string, string>? headers)
    {
        ArgumentNullException.ThrowIfNull(httpMethod);
        return httpMethod == HttpMethod.Get || httpMethod == HttpMethod.Head || httpMethod == HttpMethod.Put || httpMethod == HttpMethod.Delete
            || httpMethod == HttpMethod.Options || httpMethod == HttpMethod.Trace
            || (headers is not null && headers.Any(h => string.Equals(h.Key, IdempotencyKeyHeader, StringComparison.OrdinalIgnoreCase) && h.Value.Length > 0));
    }
}
