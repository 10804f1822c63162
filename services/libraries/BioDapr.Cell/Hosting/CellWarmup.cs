using System.Text;
using Dapr;
using Dapr.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using BioDapr.Cell.Pathways;
using BioDapr.Pathways.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// Warms the cell up once it listens, before it says it is ready: opens the connections to its sidecar (and warms the
/// sidecar's paths the cell uses: metadata, state reads, a state transaction that writes and deletes a warm-up key, and
/// one invocation of each pathway's target's health endpoint through the pathway itself, so the invocation client,
/// both sidecars' invocation path and the pathway's pipeline are not first used by real requests), then sends itself its <see cref="WarmupProbe"/>s <see cref="WarmupOptions.Rounds"/> rounds of
/// <see cref="WarmupOptions.Concurrency"/> concurrent copies over loopback (enough calls for the JIT to recompile the hot paths optimised), through the whole pipeline (each send bounded by <see cref="WarmupOptions.ProbeTimeout"/>). Hormones are already loaded (before the cell listens). A probe that fails is logged, not fatal:
/// after <see cref="WarmupOptions.Timeout"/> the cell is ready anyway.
/// <para>
/// A pathway is warmed only once its target answers ready: the warm-up first asks the target's health endpoint through
/// the sidecars but around the pathway (so a target that is not up yet costs no failure in the pathway's breaker or its
/// vitals, which the cortex reads), with backoff, for at most <see cref="WarmupOptions.TargetTimeout"/>. Readiness waits
/// for that at most <see cref="WarmupOptions.TargetWait"/>; a pathway whose target comes later is warmed after the cell
/// is ready. In a run that starts every cell at once the callers (gateway, orders) otherwise warmed their pathways
/// while orders and inventory were still warming up themselves: 80 and 84 of 84 calls failed and the pathways started cold.
/// </para>
/// </summary>
internal sealed partial class CellWarmup(
    IHostApplicationLifetime lifetime,
    IServer server,
    IEnumerable<WarmupProbe> probes,
    IEnumerable<WarmupPathway> pathways,
    WarmupRequests warmupRequests,
    IServiceProvider services,
    IHttpClientFactory httpClients,
    DaprClient sidecar,
    CellReadiness readiness,
    IOptions<WarmupOptions> options,
    IOptions<CellOptions> cell,
    TimeProvider time,
    ILogger<CellWarmup> logger) : IHostedService, IDisposable
{
    // The key the warm-up reads, writes and deletes in each state store (under the cell's own key prefix).
    private const string WarmupKey = "biodapr-warmup";
    private readonly CancellationTokenSource _stopping = new();
    private Task _warming = Task.CompletedTask;
    private Task<int> _pathwaysWarming = Task.FromResult(0);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            if (!options.Value.Enabled || addresses.Count == 0)
            {
                // Nothing to warm over (an in-memory test server) or told not to.
                readiness.SetReady();
                return;
            }

            _warming = WarmAsync(addresses, _stopping.Token);
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _warming.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ((Task)_pathwaysWarming).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WarmAsync(List<string> addresses, CancellationToken stopping)
    {
        var started = time.GetTimestamp();
        var warmups = probes.ToList();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(options.Value.Timeout);
        var failures = 0;
        // The pathways' targets are waited for from the start, while the sidecar's paths are warmed.
        _pathwaysWarming = WarmPathwaysAsync(stopping);
        try
        {
            await WarmSidecarAsync(deadline.Token);
            failures += await AwaitPathwaysAsync(deadline.Token);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var publicPort = cell.Value.PublicPort;
            var appBase = Base(addresses, port => port != publicPort);
            var publicBase = publicPort is null ? appBase : Base(addresses, port => port == publicPort);
            var copies = options.Value.Concurrency;
            for (var round = 0; round < options.Value.Rounds; round++)
            {
                var results = await Task.WhenAll(warmups.SelectMany(probe => Enumerable.Range(0, copies).Select(_ => SendAsync(http, probe.Public ? publicBase : appBase, probe, deadline.Token))));
                failures += results.Count(ok => !ok);
            }

            if (options.Value.JitQuietWait > TimeSpan.Zero)
            {
                var (waited, compiled, quiet) = await JitSettle.WaitAsync(
                    () => System.Runtime.JitInfo.GetCompiledMethodCount(), options.Value.JitQuietMethods, options.Value.JitQuietWait, time, deadline.Token);
                Log.JitSettled(logger, waited.TotalMilliseconds, compiled, quiet ? "caught up" : "still compiling, ready anyway");
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            Log.TimedOut(logger, options.Value.Timeout);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }

        readiness.SetReady();
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
        // What the JIT did so far (process-wide): the evidence of whether the warm-up reached the optimised code.
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitMilliseconds = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        Log.Warm(logger, elapsed, warmups.Count, failures, jitMethods, jitMilliseconds);
    }

    // Opens the sidecar connections and runs the sidecar's paths the cell uses (metadata; reads of a key that does not exist).
    private async Task WarmSidecarAsync(CancellationToken cancellationToken)
    {
        for (var round = 0; round < options.Value.Rounds; round++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.ProbeTimeout);
            try
            {
                var metadata = await sidecar.GetMetadataAsync(timeout.Token);
                var stores = metadata.Components.Where(c => c.Type.StartsWith("state.", StringComparison.Ordinal)).Select(c => c.Name).ToList();
                var copies = Enumerable.Range(0, options.Value.Concurrency).ToList();
                await Task.WhenAll(stores.SelectMany(store => copies.Select(_ => sidecar.GetStateAsync<string>(store, WarmupKey, cancellationToken: timeout.Token))));
                // The write path (a transaction, as placements use): the warm-up key written and deleted at once, so nothing stays.
                var transactional = metadata.Components
                    .Where(c => c.Type.StartsWith("state.", StringComparison.Ordinal) && c.Capabilities.Contains("TRANSACTIONAL", StringComparer.OrdinalIgnoreCase))
                    .Select(c => c.Name);
                // Concurrent copies end alike (each transaction ends with the delete), so nothing stays either.
                await Task.WhenAll(transactional.SelectMany(store => copies.Select(_ => store)).Select(store => sidecar.ExecuteStateTransactionAsync(
                    store,
                    [new StateTransactionRequest(WarmupKey, "\"warm-up\""u8.ToArray(), StateOperationType.Upsert), new StateTransactionRequest(WarmupKey, null, StateOperationType.Delete)],
                    cancellationToken: timeout.Token)));

            }
            catch (Exception ex) when (ex is DaprException or HttpRequestException or Grpc.Core.RpcException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.ProbeFailed(logger, "the sidecar", ex.Message);
                return;
            }
        }
    }

    // Readiness waits for the pathways' warm-ups at most TargetWait; one still waiting for its target goes on after the
    // cell is ready (its outcome is logged by itself). Returns the number of warm-up calls through pathways that failed.
    private async Task<int> AwaitPathwaysAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pathwaysWarming.WaitAsync(options.Value.TargetWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Log.PathwaysAfterReady(logger, options.Value.TargetWait);
            return 0;
        }
    }

    private async Task<int> WarmPathwaysAsync(CancellationToken stopping)
    {
        // Off the caller's thread: the start-up path returns at once.
        await Task.Yield();
        var targets = pathways.Select(p => p.Target).Distinct(StringComparer.Ordinal).ToList();
        if (targets.Count == 0)
        {
            return 0;
        }

        var cellPathways = services.GetRequiredService<CellPathways>();
        var failures = await Task.WhenAll(targets.Select(target => WarmPathwayAsync(cellPathways[target], stopping)));
        return failures.Sum();
    }

    // One pathway: wait until its target answers ready (around the pathway), then its first calls through the pathway: the
    // target's health endpoint, Rounds rounds of Concurrency copies (the invocation client, this sidecar, the target's
    // sidecar, the target). Returns the number of those calls that did not succeed.
    private async Task<int> WarmPathwayAsync(CellPathway pathway, CancellationToken stopping)
    {
        var target = pathway.Target;
        var started = time.GetTimestamp();
        int polls;
        try
        {
            var (ready, count, lastAnswer) = await WaitForTargetAsync(target, stopping);
            polls = count;
            if (!ready)
            {
                Log.TargetNotReady(logger, target, options.Value.TargetTimeout, polls, lastAnswer);
                return 0;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }

        var waited = time.GetElapsedTime(started).TotalMilliseconds;
        var failures = 0;
        var sent = 0;
        try
        {
            for (var round = 0; round < options.Value.Rounds; round++)
            {
                var results = await Task.WhenAll(Enumerable.Range(0, options.Value.Concurrency).Select(async _ =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    timeout.CancelAfter(options.Value.ProbeTimeout);
                    var result = await pathway.InvokeAsync(HttpMethod.Get, cell.Value.HealthPath, null, timeout.Token);
                    result.Value?.Dispose();
                    if (result.Outcome != PathwayOutcome.Success)
                    {
                        Log.PathwayProbeFailed(logger, target, result.Outcome);
                        return false;
                    }

                    return true;
                }));
                sent += results.Length;
                failures += results.Count(ok => !ok);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return failures;
        }

        var breaker = pathway.State.Breaker;
        Log.PathwayWarmed(logger, target, waited, polls, sent, sent - failures, breaker.State, breaker.Openings);
        return failures;
    }

    // Asks the target's health endpoint through the sidecars (the plain invocation client, not the pathway: nothing is
    // recorded as the pathway's) until it answers 2xx, with backoff (50 ms doubling to 1 s), for at most TargetTimeout.
    // The target answers 503 until it is warmed up itself; before its sidecar knows it, its caller's sidecar answers 500.
    private async Task<(bool Ready, int Polls, string LastAnswer)> WaitForTargetAsync(string target, CancellationToken stopping)
    {
        using var bound = new CancellationTokenSource(options.Value.TargetTimeout, time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping, bound.Token);
        var http = httpClients.CreateClient(SidecarInvocation.HttpClientName);
        var delay = FirstPollDelay;
        var polls = 0;
        var lastAnswer = "none";
        while (true)
        {
            polls++;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(waiting.Token))
            {
                timeout.CancelAfter(options.Value.ProbeTimeout);
                try
                {
                    using var response = await http.GetAsync(SidecarInvocation.MethodUri(target, cell.Value.HealthPath), timeout.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        return (true, polls, "ready");
                    }

                    lastAnswer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if ((int)response.StatusCode is >= 400 and < 500)
                    {
                        // Refused (403: access control does not let this cell call the target's health), or no such
                        // endpoint: asking again will not change it. A target warming up answers 503, an unknown one 500.
                        return (false, polls, lastAnswer);
                    }
                }
                catch (HttpRequestException ex)
                {
                    lastAnswer = ex.Message;
                }
                catch (OperationCanceledException) when (!waiting.IsCancellationRequested)
                {
                    lastAnswer = "no answer within " + options.Value.ProbeTimeout;
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    return (false, polls, lastAnswer);
                }
            }

            try
            {
                await Task.Delay(delay, time, waiting.Token);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                return (false, polls, lastAnswer);
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(1);

    private async Task<bool> SendAsync(HttpClient http, Uri? baseAddress, WarmupProbe probe, CancellationToken cancellationToken)
    {
        if (baseAddress is null)
        {
            return false;
        }

        using var request = new HttpRequestMessage(probe.Method, new Uri(baseAddress, probe.Path));
        if (probe.JsonBody is not null)
        {
            request.Content = new StringContent(probe.JsonBody, Encoding.UTF8, "application/json");
        }

        if (!probe.Public && cell.Value.AppApiToken is { Length: > 0 } token)
        {
            request.Headers.TryAddWithoutValidation("dapr-api-token", token);
        }

        foreach (var (name, value) in probe.Headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // Marks it as the cell's own, so what judges clients (the gateway's anomaly detector) does not count it.
        request.Headers.TryAddWithoutValidation(WarmupRequests.Header, warmupRequests.Token);

        if (probe.ContentType is { } contentType && request.Content is not null)
        {
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ProbeTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.ProbeFailed(logger, probe.Method + " " + probe.Path, ex.Message);
            return false;
        }
    }

    // The loopback address of the listening port that matches (Kestrel lists what it bound, e.g. http://127.0.0.1:5200).
    private static Uri? Base(List<string> addresses, Func<int, bool> matches)
    {
        foreach (var address in addresses)
        {
            var uri = new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
            if (matches(uri.Port))
            {
                return new UriBuilder(uri.Scheme, uri.Host == "localhost" ? "127.0.0.1" : uri.Host, uri.Port).Uri;
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 170, Level = LogLevel.Information, Message = "Warmed up in {Milliseconds:0} ms ({Probes} warm-up requests, {Failures} failed sends; {JitMethods} methods JIT-compiled in {JitMilliseconds:0} ms so far): ready")]
        public static partial void Warm(ILogger logger, double milliseconds, int probes, int failures, long jitMethods, double jitMilliseconds);

        [LoggerMessage(EventId = 171, Level = LogLevel.Warning, Message = "The warm-up did not finish within {Timeout}: ready anyway")]
        public static partial void TimedOut(ILogger logger, TimeSpan timeout);

        [LoggerMessage(EventId = 172, Level = LogLevel.Debug, Message = "Warm-up of {What} failed: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, string what, string reason);

        [LoggerMessage(EventId = 173, Level = LogLevel.Debug, Message = "Warm-up of the pathway to {Target} ended {Outcome}")]
        public static partial void PathwayProbeFailed(ILogger logger, string target, PathwayOutcome outcome);

        [LoggerMessage(EventId = 174, Level = LogLevel.Information, Message = "Pathway to {Target} warmed: its target answered ready after {WaitedMs:0} ms ({Polls} health checks around the pathway); {Succeeded} of {Sent} warm-up calls through the pathway succeeded; breaker {Breaker}, {Openings} openings")]
        public static partial void PathwayWarmed(ILogger logger, string target, double waitedMs, int polls, int sent, int succeeded, BioDapr.Pathways.Policies.CircuitState breaker, long openings);

        [LoggerMessage(EventId = 175, Level = LogLevel.Warning, Message = "Pathway to {Target} not warmed: its target did not answer ready ({Polls} health checks within at most {Timeout}, last answer {LastAnswer}); its first real calls find it cold")]
        public static partial void TargetNotReady(ILogger logger, string target, TimeSpan timeout, int polls, string lastAnswer);

        [LoggerMessage(EventId = 177, Level = LogLevel.Information, Message = "JIT after the warm-up's rounds: {Outcome} after {WaitedMs:0} ms ({Compiled} methods compiled meanwhile)")]
        public static partial void JitSettled(ILogger logger, double waitedMs, long compiled, string outcome);

        [LoggerMessage(EventId = 176, Level = LogLevel.Information, Message = "A pathway's target was not ready within {TargetWait}: the cell goes on, and warms that pathway once its target answers")]
        public static partial void PathwaysAfterReady(ILogger logger, TimeSpan targetWait);
    }
}

/// <summary>A pathway the warm-up calls before the cell is ready (registered by <c>AddPathway</c>): its target's health endpoint, through the pathway.</summary>
public sealed record WarmupPathway(string Target);

/// <summary>Declares a cell's warm-up requests.</summary>
public static class WarmupExtensions
{
    /// <summary>Adds a request the cell sends itself while warming up (see <see cref="WarmupProbe"/>).</summary>
    public static IHostApplicationBuilder AddWarmupProbe(this IHostApplicationBuilder builder, WarmupProbe probe)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(builder.Services, probe);
        return builder;
    }

    /// <summary>Adds a warm-up request built from the cell's services (for example with a key read from its secrets).</summary>
    public static IHostApplicationBuilder AddWarmupProbe(this IHostApplicationBuilder builder, Func<IServiceProvider, WarmupProbe> probe)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(builder.Services, probe);
        return builder;
    }
}
