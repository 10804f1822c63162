using System.Collections.Concurrent;
using System.Diagnostics;
using BioDapr.Pathways.Vitals;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Vitals;
using BioDapr.Pathways.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cell.Ingress;

/// <summary>
/// The cell's ingress: vital signs per endpoint (route pattern), admission of requests against the worker slots
/// (an optional FIFO queue, then shed fast with 503/429 and <c>Retry-After</c>; event deliveries are bounded by their
/// subscription's delivery concurrency instead, and never shed), and pathogens (outage, error rate, added latency,
/// slot reduction, simulated work: not for the cell's own warm-up probes). The sidecar's own calls (<c>/dapr/*</c>, hormone updates, actor callbacks, health)
/// are never shed or infected, so the cell stays manageable during an injected incident.
/// </summary>
internal sealed class CellIngressMiddleware(
    RequestDelegate next,
    AdmissionGate gate,
    IHormones<AdmissionHormones> admission,
    IHormones<PathogenHormones> pathogens,
    CellVitals vitals,
    CellRandom random,
    TimeProvider time,
    Hosting.WarmupRequests warmups,
    Microsoft.Extensions.Options.IOptions<Hosting.CellOptions> options)
{
    private readonly PathString _healthPath = new(options.Value.HealthPath);

    // The recorder of each (route endpoint, method), so a request does not build its "GET /route" name and hash it.
    private readonly ConcurrentDictionary<(Endpoint Endpoint, string Method), VitalsRecorder> _recorders = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/dapr") || path.StartsWithSegments("/configuration") || path.StartsWithSegments("/actors") || path.StartsWithSegments(_healthPath))
        {
            await next(context);
            return;
        }

        // The cell's own warm-up probes are not demand: counted, a new replica's few hundred probes read as a burst of
        // arrivals to whoever scales on the endpoint windows (the cortex's scaling loop counted them as orders' load).
        var warmup = warmups.IsWarmup(context.Request);
        var recorder = warmup ? null : RecorderOf(context);
        var started = time.GetTimestamp();
        recorder?.CallStarted();
        var outcome = PathwayOutcome.Success;
        try
        {
            var limits = admission.Current;
            var infection = pathogens.Current;
            // Event deliveries do not take worker slots: the subscription's delivery concurrency bounds them (the sidecar
            // delivers at most that many at once and waits), and a shed event only comes back (redelivered, or dead-lettered
            // once its retries are spent). The slots are for requests: the gateway shares orders' slots among its clients
            // (gateway.fairShare.concurrency = orders' 8 slots), so payment events holding slots made orders shed the
            // gateway's placements, most in a young organism's first seconds, when events are slow (issue 11 item 9).
            var isEvent = context.GetEndpoint()?.Metadata.GetMetadata<Dapr.ITopicMetadata>() is not null;
            if (!isEvent && !await gate.EnterAsync(Math.Max(1, limits.MaxConcurrency - infection.SlotReduction), limits.QueueLimit, context.RequestAborted))
            {
                outcome = PathwayOutcome.Shed;
                context.Response.StatusCode = limits.ShedStatusCode;
                context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }

            try
            {
                if (infection.Outage || (infection.ErrorRate > 0 && random.Instance.NextDouble() < infection.ErrorRate))
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    outcome = PathwayOutcome.ServerError;
                    return;
                }

                // Simulated work is a request's service time; event deliveries are not the requests a scenario models, and
                // neither are the cell's own warm-up probes (with 500 ms of work on 5 slots, a new replica's 80 warm-up
                // rounds took ~30 s before it was ready: the emulated capacity, not the replica's cold start).
                var simulated = isEvent || warmup ? TimeSpan.Zero : infection.SampleWork(random.Instance);
                var delay = infection.SampleLatency(random.Instance) + simulated;
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, time, context.RequestAborted);
                }

                await next(context);
                outcome = PathwayOutcomes.FromStatusCode(context.Response.StatusCode);
            }
            finally
            {
                if (!isEvent)
                {
                    gate.Exit();
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            outcome = PathwayOutcome.Canceled;
        }
        catch
        {
            outcome = PathwayOutcome.ServerError;
            throw;
        }
        finally
        {
            recorder?.CallEnded(outcome, time.GetElapsedTime(started));
        }
    }

    private VitalsRecorder RecorderOf(HttpContext context)
    {
        var method = context.Request.Method;
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } endpoint)
        {
            return _recorders.TryGetValue((endpoint, method), out var known)
                ? known
                : _recorders.GetOrAdd((endpoint, method), static (key, state) => state.Vitals.For(VitalsKind.Endpoint, $"{key.Method} {state.Route}"), (Vitals: vitals, Route: route));
        }

        // Unrouted (404s): one recorder per path, as before; not cached, their number is the caller's to choose.
        return vitals.For(VitalsKind.Endpoint, $"{method} {context.Request.Path.Value ?? "/"}");
    }
}

/// <summary>Turns the ingress on.</summary>
public static class CellIngressExtensions
{
    /// <summary>Adds vital signs, admission and pathogens to every endpoint (needs <c>AddCellVitals</c> or <c>AddPathway</c>).</summary>
    public static IApplicationBuilder UseCellIngress(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        Debug.Assert(app.ApplicationServices.GetService(typeof(CellVitals)) is not null, "AddCellVitals was not called");
        return app.UseMiddleware<CellIngressMiddleware>();
    }
}
