using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using BioDapr.Scenarios;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Load;

/// <summary>
/// Replays a scenario against the live organism, open loop: arrivals are a Poisson process at the
/// phase's rate (ramps follow the schedule), every request is sent at its scheduled time whatever
/// happened to the earlier ones, and latency counts from the scheduled time (no coordinated omission).
/// Faults are switched on and off by writing the target cells' pathogen hormones
/// (<c>&lt;cell&gt;.pathogens.*</c>, Dapr's <c>value||version</c> format) to the hormone Redis.
/// </summary>
public sealed partial class LoadGenerator(LoadOptions options, TextWriter log, TimeProvider time)
{
    private readonly ConcurrentBag<(int Second, Kind Kind, double LatencyMs, string? Reason)> _results = [];

    private enum Kind
    {
        Good,
        Slow,
        Shed,
        ClientError,
        ServerError,
        Deadline,
        Transport,
    }

    /// <summary>Called after the warm-up, before the measured replay (e.g. to reset what the warm-up changed).</summary>
    public Func<CancellationToken, Task>? AfterWarmup { get; init; }

    /// <summary>When second 0 of the measured replay began (wall clock).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Runs the scenario; returns one report per second.</summary>
    public async Task<IReadOnlyList<SecondReport>> RunAsync(CancellationToken cancellationToken)
    {
        var scenario = ScenarioParser.Load(options.ScenarioPath).Shortened(options.Shorten);
        var random = new Random(options.Seed ?? scenario.Seed);
        await using var connection = await HormoneWriter.ConnectAsync(options.HormoneRedis).WaitAsync(cancellationToken);
        var hormones = connection.GetDatabase();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        var total = scenario.Duration;
        log.WriteLine($"replaying {scenario.Name}: {total.TotalSeconds:F0} s, capacity {scenario.CapacityRps:F0} rps × {options.RateScale}, SLO {scenario.Slo.LatencyMs} ms, target {options.Target}");

        var emulated = options.Emulate ? await EmulateAsync(hormones, scenario, cancellationToken) : [];
        var phaseNames = new Dictionary<int, (string Phase, double Rate)>();
        try
        {
            if (options.Warmup > TimeSpan.Zero)
            {
                // Unmeasured: the first phase's load without faults, so JIT, pools and caches are warm; then let queues drain.
                log.WriteLine($"warming up for {options.Warmup.TotalSeconds:F0} s");
                var warmup = scenario with { Phases = [scenario.Phases[0] with { Duration = options.Warmup, Faults = [] }] };
                await ReplayAsync(http, hormones, warmup, random, [], [], cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
                if (AfterWarmup is { } reset)
                {
                    await reset(cancellationToken);
                }
            }

            await ReplayAsync(http, hormones, scenario, random, _results, phaseNames, cancellationToken);
        }
        finally
        {
            await SetAsync(hormones, emulated, CancellationToken.None);
        }

        return Report(phaseNames);
    }

    // Open-loop replay of a scenario's phases; results go to results (by scheduled second), phase names to phaseNames.
    private async Task ReplayAsync(HttpClient http, IDatabase hormones, Scenario scenario, Random random, ConcurrentBag<(int Second, Kind Kind, double LatencyMs, string? Reason)> results, Dictionary<int, (string Phase, double Rate)> phaseNames, CancellationToken cancellationToken)
    {
        var deadline = TimeSpan.FromMilliseconds(scenario.Slo.ClientDeadlineMs);
        var total = scenario.Duration;
        StartedAt = time.GetUtcNow();
        var start = time.GetTimestamp();
        var inFlight = new List<Task>();
        ScenarioPhase? applied = null;
        var offset = TimeSpan.Zero;
        try
        {
            while (offset < total && !cancellationToken.IsCancellationRequested)
            {
                var (phase, _) = scenario.PhaseAt(offset)!.Value;
                if (!ReferenceEquals(phase, applied))
                {
                    await ApplyFaultsAsync(hormones, scenario, applied, phase, cancellationToken);
                    applied = phase;
                    log.WriteLine($"{offset.TotalSeconds,6:F1}s phase {phase.Name}");
                }

                var rate = Math.Max(0.001, scenario.RateAt(offset) * options.RateScale);
                phaseNames[(int)offset.TotalSeconds] = (phase.Name, rate);
                offset += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / rate);
                var wait = offset - time.GetElapsedTime(start);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    try
                    {
                        await Task.Delay(wait, time, cancellationToken);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }

                var second = (int)offset.TotalSeconds;
                var scheduled = start + (long)(offset.TotalSeconds * Stopwatch.Frequency);
                inFlight.Add(SendAsync(http, results, second, scheduled, scenario.Slo.LatencyMs, deadline, random.Next(), cancellationToken));
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await Task.WhenAll(inFlight);
        }
        finally
        {
            // Never leave the organism sick.
            await ApplyFaultsAsync(hormones, scenario, applied, null, CancellationToken.None);
        }
    }

    private async Task SendAsync(HttpClient http, ConcurrentBag<(int Second, Kind Kind, double LatencyMs, string? Reason)> results, int second, long scheduled, double sloMs, TimeSpan deadline, int customer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        Kind kind;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, options.Target)
            {
                Content = new StringContent($$"""{"customerId":"load-{{customer % 1000}}","sku":"sku-{{customer % 50}}","quantity":1}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("X-Api-Key", options.ApiKey);
            using var response = await http.SendAsync(request, timeout.Token);
            var latency = ElapsedMs(scheduled);
            var status = (int)response.StatusCode;
            kind = status switch
            {
                >= 200 and < 300 => latency <= sloMs ? Kind.Good : Kind.Slow,
                429 => Kind.Shed,
                503 when response.Headers.RetryAfter is not null => Kind.Shed,
                >= 500 => Kind.ServerError,
                _ => Kind.ClientError,
            };
            results.Add((second, kind, latency, status is >= 200 and < 300 ? null : await ReasonAsync(response, timeout.Token)));
            return;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            kind = Kind.Deadline;
        }
        catch (HttpRequestException)
        {
            kind = Kind.Transport;
        }

        results.Add((second, kind, ElapsedMs(scheduled), kind == Kind.Deadline ? "no answer within the client deadline" : "connection failure"));
    }

    // Who refused and why, from the problem details the organism answers with: the status, the title, and the pathway
    // outcome the gateway names in parentheses ("... not taking orders now (BreakerOpen) ..."). Numbers are dropped so
    // the same reason counts once per second.
    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var reason = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            using var problem = System.Text.Json.JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                if (problem.RootElement.TryGetProperty("title", out var title) && title.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    reason += " " + title.GetString();
                }

                if (problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    reason += ": " + Digits().Replace(detail.GetString()!, "N");
                }
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or HttpRequestException or OperationCanceledException)
        {
            reason += " (no problem details)";
        }

        return reason;
    }

    [System.Text.RegularExpressions.GeneratedRegex("[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Digits();

    private static double ElapsedMs(long scheduled) => (Stopwatch.GetTimestamp() - scheduled) * 1000.0 / Stopwatch.Frequency;

    // Pathogen hormones of the cells a phase infects; leaving a phase resets what it set.
    private async Task ApplyFaultsAsync(IDatabase hormones, Scenario scenario, ScenarioPhase? previous, ScenarioPhase? next, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var fault in previous?.Faults ?? [])
        {
            foreach (var key in new[] { "outage", "errorRate", "latencyMs", "latencyCv", "latencyFraction", "slotReduction" })
            {
                values[HormoneKeys.PathogensPrefix(fault.Cell) + key] = key switch { "outage" => "false", "latencyFraction" => "1", _ => "0" };
            }
        }

        foreach (var fault in next?.Faults ?? [])
        {
            var prefix = HormoneKeys.PathogensPrefix(fault.Cell);
            switch (fault.Kind)
            {
                case FaultKind.Outage:
                    values[prefix + "outage"] = "true";
                    break;
                case FaultKind.Errors:
                    values[prefix + "errorRate"] = Format(fault.Fraction);
                    break;
                case FaultKind.Latency:
                    var meanMs = (scenario.Topology.Cells.TryGetValue(fault.Cell, out var cell) ? cell.ServiceTime.MeanMs : 0) * Stretch;
                    values[prefix + "latencyMs"] = Format(fault.AddedLatencyMs > 0 ? fault.AddedLatencyMs : Math.Max(0, (fault.LatencyMultiplier - 1) * meanMs));
                    values[prefix + "latencyFraction"] = Format(fault.Fraction);
                    break;
                case FaultKind.SlotReduction:
                    var slots = scenario.Topology.Cells.TryGetValue(fault.Cell, out var model) ? model.Slots : fault.Slots;
                    values[prefix + "slotReduction"] = Format(Math.Max(0, slots - fault.Slots));
                    break;
            }
        }

        await SetAsync(hormones, values, cancellationToken);
    }

    // Service times are stretched when emulating a scaled-down load, so the bottleneck scales with it.
    private double Stretch => options.Emulate ? 1 / options.RateScale : 1;

    // Sets every topology cell's slots and service time; returns the values to put back afterwards.
    private async Task<Dictionary<string, string?>> EmulateAsync(IDatabase hormones, Scenario scenario, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, cell) in scenario.Topology.Cells)
        {
            values[HormoneKeys.AdmissionPrefix(name) + "maxConcurrency"] = Format(cell.Slots);
            // The topology's cells queue for a slot without bound, as the simulator's do.
            values[HormoneKeys.AdmissionPrefix(name) + "queueLimit"] = Format(1_000_000);
            values[HormoneKeys.PathogensPrefix(name) + "workMs"] = Format(cell.ServiceTime.MeanMs * Stretch);
            values[HormoneKeys.PathogensPrefix(name) + "workCv"] = Format(cell.ServiceTime.Kind switch
            {
                DistributionKind.Constant => 0,
                DistributionKind.Exponential => 1,
                _ => cell.ServiceTime.Cv,
            });
        }

        var keys = values.Keys.ToList();
        var reply = await hormones.StringGetAsync([.. keys.Select(k => (RedisKey)k)]).WaitAsync(cancellationToken);
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            // null: the key was not set, and is deleted again afterwards (the cells go back to their default).
            var stored = (string?)reply[i];
            previous[keys[i]] = stored is null ? null : HormoneValue.Parse(stored).Value;
        }

        await SetAsync(hormones, values, cancellationToken);
        log.WriteLine($"emulating the topology: {string.Join(", ", scenario.Topology.Cells.Select(c => $"{c.Key} {c.Value.Slots} slots, {c.Value.ServiceTime.MeanMs * Stretch:0.##} ms"))}");
        return previous;
    }

    private Task SetAsync(IDatabase hormones, IReadOnlyDictionary<string, string?> values, CancellationToken cancellationToken) =>
        HormoneWriter.SetAsync(hormones, values.Select(v => (v.Key, v.Value)), time.GetUtcNow(), cancellationToken);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private List<SecondReport> Report(Dictionary<int, (string Phase, double Rate)> phases)
    {
        var bySecond = _results.GroupBy(r => r.Second).ToDictionary(g => g.Key, g => g.ToList());
        var reports = new List<SecondReport>();
        foreach (var (second, (phase, rate)) in phases.OrderBy(p => p.Key))
        {
            var results = bySecond.GetValueOrDefault(second) ?? [];
            var answered = results.Where(r => r.Kind is not (Kind.Deadline or Kind.Transport)).Select(r => r.LatencyMs).Order().ToList();
            reports.Add(new SecondReport
            {
                Second = second,
                Phase = phase,
                TargetRps = rate,
                Sent = results.Count,
                Goodput = results.Count(r => r.Kind == Kind.Good),
                Slow = results.Count(r => r.Kind == Kind.Slow),
                Shed = results.Count(r => r.Kind == Kind.Shed),
                ClientErrors = results.Count(r => r.Kind == Kind.ClientError),
                ServerErrors = results.Count(r => r.Kind == Kind.ServerError),
                Deadline = results.Count(r => r.Kind == Kind.Deadline),
                Transport = results.Count(r => r.Kind == Kind.Transport),
                P50Ms = Percentile(answered, 0.50),
                P99Ms = Percentile(answered, 0.99),
                LatenciesMs = answered,
                Refusals = results.Where(r => r.Reason is not null).GroupBy(r => r.Reason!, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            });
        }

        return reports;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
