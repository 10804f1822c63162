using System.Globalization;
using System.Net;
using BioDapr.Chaos.Audit;
using BioDapr.Chaos.Clients;
using BioDapr.Chaos.Faults;
using BioDapr.Launcher;

namespace BioDapr.Chaos;

/// <summary>
/// Runs the fault matrix against a started organism. For each fault: orders from the well-behaved client
/// (<c>shop</c>) start at a steady rate, each with its own Idempotency-Key and retried until answered; a third of
/// the way the fault is injected, two thirds of the way a lasting fault ends; once every client has its answer
/// and the organism is healthy again (a killed process restarted by the runner), the run waits up to
/// <see cref="ChaosOptions.TerminalWithin"/> for every accepted order to be confirmed or cancelled, then audits
/// the stored data (<see cref="IntegrityAudit"/>). The cortex is frozen and payments refuse 10 % of payments, so
/// cancellations (stock given back) happen too.
/// </summary>
public sealed class ChaosRunner(LocalOrganism organism, ChaosOptions options, TextWriter log, TimeProvider time)
{
    /// <summary>The SKUs the run orders and their initial stock.</summary>
    public static IReadOnlyDictionary<string, int> Skus { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["chaos-plenty"] = LocalOrganism.ChaosPlentyStock,
        ["chaos-scarce"] = LocalOrganism.ChaosScarceStock,
    };

    /// <summary>The hormones in force for the whole run.</summary>
    public static IReadOnlyDictionary<string, string> RunHormones { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["cortex.freeze"] = "true",
        ["payments.failureRate"] = "0.1",
    };

    private static readonly TimeSpan HealthyWithin = TimeSpan.FromMinutes(3);

    /// <summary>Runs every fault of the matrix; one result per fault.</summary>
    public async Task<IReadOnlyList<FaultResult>> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var client = new OrderClient(http, organism.GatewayPort, options.ClientPatience, time);

        // The hostile client sends from a loopback address of its own (the well-behaved one keeps 127.0.0.1), as an
        // attacker on the internet would: the gateway's anomaly detector may quarantine it without touching the others.
        using var hostileHttp = new HttpClient(LoopbackSources.Handler(LoopbackSources.NextAddress(), maxConnectionsPerServer: 512)) { Timeout = Timeout.InfiniteTimeSpan };
        var faults = ChaosMatrix.For(options, new OrderClient(hostileHttp, organism.GatewayPort, options.ClientPatience, time), hostileHttp);
        if (faults.Count == 0)
        {
            throw new ArgumentException($"no fault of the {(options.Quick ? "quick" : "full")} matrix matches --faults {string.Join(',', options.Only ?? [])}");
        }

        var setup = new FaultContext(organism, http, new Random(options.Seed), new OrderLedger(), log);
        var previous = await setup.SetHormonesAsync(RunHormones, cancellationToken);
        var results = new List<FaultResult>();
        try
        {
            await WaitHealthyAsync(http, cancellationToken);
            await WarmUpAsync(client, cancellationToken);
            var started = time.GetUtcNow();
            for (var index = 0; index < faults.Count; index++)
            {
                var elapsed = time.GetUtcNow() - started;
                var perFault = index == 0 ? TimeSpan.FromSeconds(60) : elapsed / index;
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"chaos: [{index + 1}/{faults.Count}] {faults[index].Name}: {options.Orders} orders at {options.Rate:0.#}/s (elapsed {elapsed:mm\\:ss}, ETA {perFault * (faults.Count - index):mm\\:ss})"));
                var result = await RunFaultAsync(index, faults[index], client, http, cancellationToken);
                results.Add(result);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"chaos:     {(result.Passed ? "PASS" : "FAIL")} accepted {result.Accepted}/{result.Sent}, dup {result.Duplicates}, lost {result.Lost}, stuck {result.Stuck}, drift {result.StockDrift}, leaks {result.Leaks}, in {result.DurationSeconds:0} s"));
                foreach (var problem in result.Problems)
                {
                    await log.WriteLineAsync("chaos:       " + problem);
                }
            }
        }
        finally
        {
            await setup.RestoreHormonesAsync(previous, CancellationToken.None);
        }

        return results;
    }

    private async Task<FaultResult> RunFaultAsync(int index, ChaosFault fault, OrderClient client, HttpClient http, CancellationToken cancellationToken)
    {
        var random = new Random((options.Seed * 7919) + index);
        var ledger = new OrderLedger();
        var context = new FaultContext(organism, http, random, ledger, log);
        var readyBefore = fault.RestartedApp is { } app ? CountReadyAgain(app) : 0;
        var started = time.GetUtcNow();
        var injectedAt = started;
        var endedAt = started;
        var placing = new List<Task>();
        var ended = false;
        for (var i = 0; i < options.Orders || !ended; i++)
        {
            if (i == options.Orders / 3)
            {
                injectedAt = time.GetUtcNow();
                await fault.InjectAsync(context, cancellationToken);
            }

            // A lasting fault ends two thirds of the way, or once it lasted its minimum (orders go on meanwhile).
            if (!ended && i >= 2 * options.Orders / 3 && time.GetUtcNow() - injectedAt >= fault.MinimumDuration)
            {
                await fault.EndAsync(context, cancellationToken);
                endedAt = time.GetUtcNow();
                ended = true;
            }

            var sku = random.NextDouble() < 0.2 ? "chaos-scarce" : "chaos-plenty";
            var order = new DrivenOrder("shop", LocalOrganism.ShopApiKey, $"chaos-{options.Seed}-{index}-{i}", sku, random.Next(1, 4), $"chaos-customer-{i % 7}", hostile: false);
            ledger.Add(order);
            placing.Add(client.PlaceAsync(order, new Random(random.Next()), acceptRateLimit: false, cancellationToken));
            var next = started + TimeSpan.FromSeconds((i + 1) / options.Rate);
            if (next > time.GetUtcNow())
            {
                await Task.Delay(next - time.GetUtcNow(), time, cancellationToken);
            }
        }

        await Task.WhenAll(placing);
        var answeredAt = time.GetUtcNow();
        if (fault.RestartedApp is { } restarted)
        {
            var deadline = answeredAt + HealthyWithin;
            while (CountReadyAgain(restarted) <= readyBefore && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
            }

            context.Notes.Add(CountReadyAgain(restarted) > readyBefore
                ? $"the runner restarted {restarted}"
                : $"the runner did not report {restarted} ready again within {HealthyWithin.TotalSeconds:0} s");
        }

        await WaitHealthyAsync(http, cancellationToken);
        var settled = await SettleAsync(ledger.Snapshot(), answeredAt, cancellationToken);
        var driven = ledger.Snapshot();
        var result = IntegrityAudit.Audit(fault.Name, fault.Description, driven, settled, Skus, context.ForgedOrderIds);
        var good = driven.Where(o => !o.Hostile).ToList();
        var duringAttack = good.Where(o => o.StartedAt >= injectedAt && o.StartedAt <= endedAt).ToList();
        var lastError = good.SelectMany(o => o.RetryableErrors).Select(e => e.At).Where(t => t >= injectedAt).DefaultIfEmpty(injectedAt).Max();
        var retried = good.SelectMany(o => o.RetryableErrors).GroupBy(e => OrderClient.Format(e.Status)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}").ToList();
        if (retried.Count > 0)
        {
            context.Notes.Add("the well-behaved client retried after: " + string.Join(", ", retried));
        }

        if (fault.IsHostile)
        {
            var flood = driven.Where(o => o.Hostile).ToList();
            context.Notes.Add($"the flood sent {flood.Count} orders: {flood.Count(o => o.Accepted)} accepted, {flood.Count(o => o.FinalStatus == 429)} refused with 429; the well-behaved client sent {duringAttack.Count} during the attack, {duringAttack.Count(o => o.Attempts == 1 && o.FinalStatus is not null)} answered at the first attempt");
        }
        return result with
        {
            Leaks = context.Leaks,
            Notes = context.Notes.Distinct().ToList(),
            GoodFirstTryPercent = FirstTryPercent(good),
            FairShareKept = fault.IsHostile ? duringAttack.Count > 0 && FirstTryPercent(duringAttack) >= 80 && duringAttack.All(o => o.FinalStatus is not null) : null,
            RecoverSeconds = (lastError - injectedAt).TotalSeconds,
            DurationSeconds = (time.GetUtcNow() - started).TotalSeconds,
        };
    }

    // A fresh organism is cold (JIT, connections): order until five orders in a row are accepted at the first attempt
    // (at most a minute), so the first fault is not measured on a cold start. These orders count in the stock audit.
    private async Task WarmUpAsync(OrderClient client, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromMinutes(1);
        var random = new Random(options.Seed);
        var inARow = 0;
        for (var i = 0; inARow < 5 && time.GetUtcNow() < deadline; i++)
        {
            var order = new DrivenOrder("shop", LocalOrganism.ShopApiKey, $"chaos-{options.Seed}-warmup-{i}", "chaos-plenty", 1, "chaos-warmup", hostile: false);
            await client.PlaceAsync(order, random, acceptRateLimit: false, cancellationToken);
            inARow = order.Attempts == 1 && order.Accepted ? inARow + 1 : 0;
        }

        await log.WriteLineAsync(inARow >= 5 ? "chaos: warmed up (five orders in a row accepted at the first attempt)" : "chaos: still not warm after a minute; starting anyway");
    }

    // Polls the store until every accepted order is final and the stock adds up, or the stated time has passed.
    private async Task<StoredOrganism> SettleAsync(IReadOnlyList<DrivenOrder> driven, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var deadline = from + options.TerminalWithin;
        while (true)
        {
            var stored = await StoredOrganism.ReadAsync(organism.Redis, Skus.Keys, cancellationToken);
            if ((IntegrityAudit.CountStuck(driven, stored) == 0 && IntegrityAudit.StockDrift(stored, Skus) == 0) || time.GetUtcNow() > deadline)
            {
                return stored;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
    }

    // Every sidecar healthy and the gateway → orders path answering (an unknown order is 404).
    private async Task WaitHealthyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + HealthyWithin;
        string? last = null;
        while (time.GetUtcNow() < deadline)
        {
            last = await UnhealthyAsync(http, cancellationToken);
            if (last is null)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }

        throw new InvalidOperationException($"the organism did not become healthy again within {HealthyWithin.TotalSeconds:0} s: {last}");
    }

    private async Task<string?> UnhealthyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var app in organism.RunningApps)
            {
                var port = organism.SidecarPorts[app];
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var health = await http.GetAsync($"http://127.0.0.1:{port}/v1.0/healthz", timeout.Token);
                if (!health.IsSuccessStatusCode)
                {
                    return $"{app}'s sidecar answers {(int)health.StatusCode} on /v1.0/healthz";
                }
            }

            using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{organism.GatewayPort}/api/orders/00000000000000000000000000000000");
            request.Headers.Add("X-Api-Key", LocalOrganism.ShopApiKey);
            using var probe = await http.SendAsync(request, probeTimeout.Token);
            return probe.StatusCode == HttpStatusCode.NotFound ? null : $"the gateway answers {(int)probe.StatusCode} for an unknown order";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ex.Message;
        }
    }

    private int CountReadyAgain(string app)
    {
        var line = $"App {app} and its sidecar are ready again";
        var output = organism.Output;
        var count = 0;
        for (var at = output.IndexOf(line, StringComparison.Ordinal); at >= 0; at = output.IndexOf(line, at + line.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static double FirstTryPercent(List<DrivenOrder> orders) =>
        orders.Count == 0 ? 100 : 100.0 * orders.Count(o => o.Attempts == 1 && o.FinalStatus is not null) / orders.Count;
}
