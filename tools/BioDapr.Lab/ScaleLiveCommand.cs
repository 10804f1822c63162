using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Chaos.Audit;
using BioDapr.Control.Replicas;
using BioDapr.Launcher;
using BioDapr.Load;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using BioDapr.Scaling.Traces;

namespace BioDapr.Lab;

/// <summary>
/// <c>./biodapr cortex scale-live</c> (issue 18 item 3, live): predictive vs reactive (HPA) vs fixed scaling on the running
/// organism. For each policy a fresh organism (its own Redis, the runner with its control API, free ports; gateway,
/// orders and inventory) replays a diurnal and a bursty window of the committed traces in compressed time, with the
/// same arrivals for every policy (from the seed), while the policy drives orders' replicas through the runner
/// (<see cref="LiveScalingController"/>). Per policy and scenario: SLO-violating seconds, replica-seconds, goodput, the
/// measured cold start, and the orders lost or doubled (audited in Redis). Policy <c>cortex</c>: the benchmark does not
/// decide; the organism includes the cortex with its scaling loop on (<c>Cortex:Scaling:Enabled</c>), given the same
/// capacity model, compressed timings, the trace's history and the measured cold start (<c>PUT /scaling/orders/history</c>),
/// and the benchmark replays and records what the runner did. Design: docs/scaling.md, "Live benchmark".
/// </summary>
internal static class ScaleLiveCommand
{
    private const string App = "orders";
    private const string Sku = "scale-live";
    private const int InitialStock = 10_000_000;
    private const int Horizon = 3;
    private const string Cortex = "cortex";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        Settings settings;
        try
        {
            settings = Settings.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"scale-live: {ex.Message}");
            return 2;
        }

        var windows = new List<TraceWindow>();
        try
        {
            foreach (var (file, name, family) in new[] { ("nab-twitter-volume-amzn.csv", "amzn-tweets", "diurnal"), ("nab-elb-request-count-8c0756.csv", "aws-elb", "bursty") })
            {
                if (!settings.Scenarios.Contains(family))
                {
                    continue;
                }

                var trace = RateTrace.Load(Path.Combine(settings.Traces, file), name);
                var testStart = trace.Values.Length - (settings.HeldOutDays * trace.BucketsPerDay);
                windows.Add(TraceWindow.Select(trace, family, testStart, settings.Buckets, settings.Compression, settings.PeakRate));
            }
        }
        catch (Exception ex) when (ex is FormatException or FileNotFoundException or ArgumentException)
        {
            Console.Error.WriteLine($"scale-live: {ex.Message}");
            return 2;
        }

        Directory.CreateDirectory(settings.Output);
        var perReplica = settings.Slots / settings.ServiceTime.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale-live: {App} replicas {settings.MinReplicas}..{settings.MaxReplicas}, each {settings.Slots} slots x {settings.ServiceTime.TotalMilliseconds:F0} ms = {perReplica:F1} req/s; time compressed {settings.Compression}x (5-min bucket = {300 / settings.Compression:F1} s, period {15 / settings.Compression:F2} s); SLO {settings.Slo.TotalMilliseconds:F0} ms, a second violates below {settings.GoodShare:P0} good"));
        var forecasters = new Dictionary<string, IForecaster>(StringComparer.Ordinal);
        foreach (var window in windows)
        {
            var fit = Stopwatch.StartNew();
            var forecaster = settings.NewForecaster();
            forecaster.Fit(window.History(), window.Start);
            forecasters[window.Name] = forecaster;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{window.Name}: buckets {window.Start}..{window.Start + window.Buckets - 1} of {window.Trace.Values.Length} (x{window.Scale:F4}), peak {settings.PeakRate} req/s, mean {window.Counts().Average() / window.Bucket.TotalSeconds:F1} req/s, {window.Seconds:F0} s; {forecaster.Name} fitted in {fit.Elapsed.TotalSeconds:F0} s"));
        }

        using var stop = Options.StopOnCtrlC("stopping; the organism of this run is stopped");
        var runs = new List<PolicyRun>();
        try
        {
            for (var seed = settings.Seed; seed < settings.Seed + settings.Seeds; seed++)
            {
                foreach (var policy in settings.Policies)
                {
                    runs.Add(await RunPolicyAsync(policy, seed, windows, forecasters, settings, stop.Token));
                    await File.WriteAllTextAsync(Path.Combine(settings.Output, "results.json"), JsonSerializer.Serialize(new { command = settings.Command, settings = settings.Describe(), runs }, Json));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or TimeoutException or ReplicaScalingException or StackExchange.Redis.RedisException)
        {
            Console.Error.WriteLine($"scale-live: {ex.Message}");
            return 1;
        }
        finally
        {
            foreach (var forecaster in forecasters.Values)
            {
                (forecaster as IDisposable)?.Dispose();
            }
        }

        var table = Table(runs, settings);
        await File.WriteAllTextAsync(Path.Combine(settings.Output, "results.md"), table);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine($"written to {settings.Output}");
        return runs.All(r => r.Lost == 0 && r.Doubled == 0 && r.StockDrift == 0) ? 0 : 1;
    }

    private static async Task<PolicyRun> RunPolicyAsync(string policyName, int seed, List<TraceWindow> windows, Dictionary<string, IForecaster> forecasters, Settings settings, CancellationToken cancellationToken)
    {
        var logs = Path.Combine(settings.Output, "runs");
        Directory.CreateDirectory(logs);
        var cortexDecides = policyName == Cortex;
        string[] apps = cortexDecides ? ["gateway", "orders", "inventory", "cortex"] : ["gateway", "orders", "inventory"];
        var organism = new LocalOrganism
        {
            LogDirectory = logs,
            OnlyApps = new HashSet<string>(apps, StringComparer.Ordinal),
            StartReplicasIdle = settings.StartIdle,
        };
        organism.ExtraCatalogue[Sku] = InitialStock;
        foreach (var app in apps)
        {
            organism.AppEnvironment[app] = new Dictionary<string, string>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Warning" };
        }

        if (cortexDecides)
        {
            foreach (var (key, value) in settings.CortexEnvironment())
            {
                organism.AppEnvironment["cortex"][key] = value;
            }
        }

        var started = Stopwatch.StartNew();
        Console.WriteLine($"{policyName} seed {seed}: starting the organism");
        try
        {
            await organism.StartAsync(cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{policyName} seed {seed}: up after {started.Elapsed.TotalSeconds:F1} s, load {LoadAverage()}"));
            await SetHormonesAsync(organism, settings.Hormones, settings.Slots, settings.ServiceTime, cortexDecides, cancellationToken);
            using var control = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var scaler = await ConnectAsync(organism, control, cancellationToken);

            // The replica's real cold start (process + sidecar + readiness as the runner waits for it): one added replica, timed.
            var cold = Stopwatch.StartNew();
            await scaler.ScaleAsync(App, 2, cancellationToken);
            var coldStart = cold.Elapsed;
            await scaler.ScaleAsync(App, 1, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{policyName} seed {seed}: cold start of one {App} replica {coldStart.TotalSeconds:F1} s"));

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = Timeout.InfiniteTimeSpan };
            var accepted = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            var scenarios = new List<ScenarioRun>();
            using var cortex = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{organism.CortexPort}"), Timeout = TimeSpan.FromSeconds(30) };
            foreach (var window in windows)
            {
                var policy = cortexDecides ? null : settings.NewPolicy(policyName, coldStart, window);
                var initial = Math.Clamp(policy is FixedFleetPolicy fleet ? fleet.Replicas : settings.Capacity(settings.PredictiveTarget).ReplicasFor(window.Counts()[0] / window.Bucket.TotalSeconds), settings.MinReplicas, settings.MaxReplicas);
                await scaler.ScaleAsync(App, initial, cancellationToken);
                var runId = $"{policyName}-{seed}-{window.Family}";
                if (cortexDecides)
                {
                    // The cortex gets the history and the cold start, trains, and the replay starts on one of its bucket boundaries.
                    var replayStart = await SeedCortexAsync(cortex, window, coldStart, settings, $"{policyName} seed {seed} {window.Name}", cancellationToken);
                    await scaler.ScaleAsync(App, initial, cancellationToken);
                    var warmupAt = replayStart - settings.Warmup - DateTimeOffset.UtcNow;
                    if (warmupAt > TimeSpan.Zero)
                    {
                        await Task.Delay(warmupAt, cancellationToken);
                    }

                    await WarmUpAsync(http, organism, window, settings, runId, cancellationToken);
                    var untilStart = replayStart - DateTimeOffset.UtcNow;
                    if (untilStart > TimeSpan.Zero)
                    {
                        await Task.Delay(untilStart, cancellationToken);
                    }
                }
                else
                {
                    await WarmUpAsync(http, organism, window, settings, runId, cancellationToken);
                }

                var replay = await ReplayAsync(http, organism, scaler, cortexDecides ? cortex : null, window, policy, policyName == "predictive" ? forecasters[window.Name] : null, seed, settings, runId, accepted, cancellationToken);
                scenarios.Add(replay with { Initial = initial });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{policyName} seed {seed} {window.Name}: SLO-violating {replay.Score.SloViolatingSeconds} of {replay.Score.Seconds} s, replica-seconds {replay.Score.ReplicaSeconds:F0}, goodput {replay.Score.GoodputPercent:F1} %, scale calls {replay.ScaleCalls}, failures {replay.Failures.Count}, answers {string.Join(", ", replay.Statuses.Select(x => $"{x.Key}: {x.Value}"))}, p50 {replay.P50Ms} ms, p99 {replay.P99Ms} ms, load {replay.LoadBefore} -> {replay.LoadAfter}"));
            }

            var (lost, doubled, drift, unknown, problems) = await AuditAsync(organism, accepted, cancellationToken);
            Console.WriteLine($"{policyName} seed {seed}: audit: {accepted.Count} accepted, lost {lost}, doubled {doubled}, stock drift {drift}, stored without a 201 seen {unknown}");
            return new PolicyRun(policyName, seed, coldStart.TotalSeconds, scenarios, accepted.Count, lost, doubled, drift, unknown, problems);
        }
        finally
        {
            await organism.DisposeAsync();
        }
    }

    // The hormone file's values, the emulated per-replica capacity of orders, and no per-client limits in the way of the replay's one client.
    internal static async Task SetHormonesAsync(LocalOrganism organism, string hormones, int slots, TimeSpan serviceTime, bool cortexPresent, CancellationToken cancellationToken)
    {
        var values = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(hormones, cancellationToken)) ?? [];
        values["gateway.ratePerSecond"] = "100000";
        values["gateway.burst"] = "100000";
        values["gateway.fairShare.concurrency"] = "1024";
        values["gateway.admission.maxConcurrency"] = "1024";
        values["gateway.immune.enabled"] = "false";
        values["orders.admission.maxConcurrency"] = slots.ToString(CultureInfo.InvariantCulture);
        values["orders.admission.queueLimit"] = slots.ToString(CultureInfo.InvariantCulture);
        values["orders.pathogens.workMs"] = serviceTime.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        values["orders.pathogens.workCv"] = "0.5";
        if (cortexPresent)
        {
            // The cortex scales; its pathway agent must not also retune the gateway's pathway to orders meanwhile (the other
            // policies run without a cortex): frozen, it changes no hormone.
            values["cortex.freeze"] = "true";
        }

        // A request may wait for a slot behind a full queue: the gateway's pathway must not time out before the work can end.
        values["gateway.pathways.orders.timeoutMs"] = ((int)((4 * serviceTime.TotalMilliseconds) + 1000)).ToString(CultureInfo.InvariantCulture);
        await using var connection = await HormoneWriter.ConnectAsync($"127.0.0.1:{organism.Redis}").WaitAsync(cancellationToken);
        await HormoneWriter.SetAsync(connection.GetDatabase(), values.Select(v => (v.Key, (string?)v.Value)), TimeProvider.System.GetUtcNow(), cancellationToken);
        // Hormones reach the cells through their configuration subscriptions: give them a moment.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
    }

    internal static async Task<RunnerReplicaScaler> ConnectAsync(LocalOrganism organism, HttpClient control, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var state = JsonDocument.Parse(await File.ReadAllTextAsync(organism.RunnerStateFile, cancellationToken));
                return new RunnerReplicaScaler(control, new Uri(state.RootElement.GetProperty("url").GetString()!), state.RootElement.GetProperty("token").GetString()!);
            }
            catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static async Task WarmUpAsync(HttpClient http, LocalOrganism organism, TraceWindow window, Settings settings, string runId, CancellationToken cancellationToken)
    {
        if (settings.Warmup <= TimeSpan.Zero)
        {
            return;
        }

        // Unmeasured, at the window's first bucket's rate: the replicas' JIT and connection pools warm before second 0.
        var rate = Math.Max(0.5, window.Counts()[0] / window.Bucket.TotalSeconds);
        var random = new Random(1);
        var sends = new List<Task>();
        var clock = Stopwatch.StartNew();
        var t = 0.0;
        for (var i = 0; ; i++)
        {
            t += -Math.Log(1 - random.NextDouble()) / rate;
            if (t >= settings.Warmup.TotalSeconds)
            {
                break;
            }

            var wait = TimeSpan.FromSeconds(t) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            sends.Add(PlaceAsync(http, organism, $"warm-{runId}-{i}", settings.Deadline, cancellationToken));
        }

        await Task.WhenAll(sends);
    }

    private static async Task<ScenarioRun> ReplayAsync(
        HttpClient http, LocalOrganism organism, RunnerReplicaScaler scaler, HttpClient? cortex, TraceWindow window, IScalingPolicy? policy, IForecaster? forecaster, int seed, Settings settings, string runId,
        ConcurrentDictionary<string, string> accepted, CancellationToken cancellationToken)
    {
        var loadBefore = LoadAverage();
        var arrivals = window.Arrivals(seed);
        var seconds = (int)Math.Ceiling(window.Seconds);
        var sent = new int[seconds];
        var good = new int[seconds];
        var replicaSum = new double[seconds];
        var replicaSamples = new int[seconds];
        int periodArrivals = 0, periodCompleted = 0, inFlight = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        var latencies = new ConcurrentBag<double>();
        // Without a policy (the cortex decides) there is no controller: the replay only sends and records.
        var controller = policy is null ? null : new LiveScalingController(policy, scaler, App, settings.Slots, settings.ServiceTime, settings.MinReplicas, settings.MaxReplicas, TimeProvider.System);
        var cortexDecisions = new List<object>();
        var provisionedChanges = new List<(double At, int Replicas)>();
        var history = window.History();
        var bucketCounts = new int[window.Buckets];
        foreach (var a in arrivals)
        {
            bucketCounts[Math.Min(window.Buckets - 1, (int)(a / window.Bucket.TotalSeconds))]++;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();

        // The policy's loop: every period, the period's measurements; the forecaster sees a bucket once it is complete.
        var decide = controller is null ? Task.CompletedTask : Task.Run(async () =>
        {
            var period = settings.Period;
            var observedBuckets = 0;
            var forecast = forecaster?.Predict(history, window.Start, Horizon);
            var last = clock.Elapsed;
            while (!done.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(period, done.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var now = clock.Elapsed;
                var bucket = (int)(now / window.Bucket);
                while (observedBuckets < Math.Min(bucket, window.Buckets))
                {
                    window.Observe(history, observedBuckets, bucketCounts[observedBuckets]);
                    observedBuckets++;
                    forecast = forecaster?.Predict(history, window.Start + observedBuckets, Horizon);
                }

                var measured = new LivePeriod(now - last, Interlocked.Exchange(ref periodArrivals, 0), Interlocked.Exchange(ref periodCompleted, 0), Volatile.Read(ref inFlight));
                last = now;
                await controller!.StepAsync(measured, forecast, window.Bucket, now - (bucket * window.Bucket), CancellationToken.None);
            }
        }, CancellationToken.None);

        // Replica-seconds: every replica the runner lists (starting, ready, draining), sampled every 250 ms.
        var sample = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                try
                {
                    var cell = (await scaler.ListAsync(done.Token)).FirstOrDefault(c => c.AppId == App);
                    var second = (int)clock.Elapsed.TotalSeconds;
                    if (cell is not null && second < seconds)
                    {
                        replicaSum[second] += cell.Replicas.Count;
                        replicaSamples[second]++;
                    }

                    // What the runner was asked for (replicas not draining): its changes are the scale calls when the cortex decides.
                    var provisioned = cell?.Replicas.Count(r => r.State != "draining");
                    if (provisioned is { } p && (provisionedChanges.Count == 0 || provisionedChanges[^1].Replicas != p))
                    {
                        provisionedChanges.Add((Math.Round(clock.Elapsed.TotalSeconds, 2), p));
                    }

                    if (cortex is not null)
                    {
                        await SampleCortexAsync(cortex, cortexDecisions, clock.Elapsed, done.Token);
                    }

                    await Task.Delay(250, done.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ReplicaScalingException)
                {
                    // Counted by the controller's own reads; a missed sample is filled from its neighbours below.
                }
            }
        }, CancellationToken.None);

        var sends = new List<Task>(arrivals.Count);
        for (var i = 0; i < arrivals.Count; i++)
        {
            var at = arrivals[i];
            var wait = TimeSpan.FromSeconds(at) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var second = Math.Min(seconds - 1, (int)at);
            Interlocked.Increment(ref sent[second]);
            Interlocked.Increment(ref periodArrivals);
            Interlocked.Increment(ref inFlight);
            var key = $"scale-{runId}-{i}";
            var scheduled = at;
            sends.Add(Task.Run(async () =>
            {
                var (orderId, status) = await PlaceAsync(http, organism, key, settings.Deadline, cancellationToken);
                Interlocked.Decrement(ref inFlight);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                latencies.Add(clock.Elapsed.TotalSeconds - scheduled);
                if (orderId is not null)
                {
                    accepted[orderId] = key;
                    Interlocked.Increment(ref periodCompleted);
                    if (clock.Elapsed.TotalSeconds - scheduled <= settings.Slo.TotalSeconds)
                    {
                        Interlocked.Increment(ref good[second]);
                    }
                }
            }, CancellationToken.None));
        }

        var remaining = TimeSpan.FromSeconds(window.Seconds) - clock.Elapsed;
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }

        await Task.WhenAll(sends);
        if (settings.Tail > TimeSpan.Zero)
        {
            // Unscored: no load, the runner's replicas still sampled (their changes recorded), so a scale-down after the
            // window is seen.
            await Task.Delay(settings.Tail, cancellationToken);
        }

        await done.CancelAsync();
        await Task.WhenAll(decide, sample);
        if (controller is not null)
        {
            await controller.DrainAsync();
        }

        var live = new List<LiveSecond>(seconds);
        var lastReplicas = 1.0;
        for (var s = 0; s < seconds; s++)
        {
            lastReplicas = replicaSamples[s] > 0 ? replicaSum[s] / replicaSamples[s] : lastReplicas;
            live.Add(new LiveSecond(s, sent[s], good[s], lastReplicas));
        }

        var failures = controller?.Failures ?? [];
        var scaleCalls = controller?.Applied.Count ?? Math.Max(0, provisionedChanges.Count - 1);
        await File.WriteAllTextAsync(
            Path.Combine(settings.Output, "runs", $"{runId}-seconds.json"),
            JsonSerializer.Serialize(
                new
                {
                    seconds = live,
                    decisions = controller is null ? cortexDecisions : controller.Decisions.Cast<object>().ToList(),
                    applied = controller?.Applied.Select(a => new { at = a.At.TotalSeconds, a.Replicas, took = a.Took.TotalSeconds }),
                    provisioned = provisionedChanges.Select(c => new { at = c.At, replicas = c.Replicas }),
                    failures,
                },
                Json),
            cancellationToken);
        var sorted = latencies.Order().ToArray();
        double Percentile(double q) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)] * 1000);
        return new ScenarioRun(window.Name, window.Family, 0, LiveScore.Of(live, settings.GoodShare), live.Max(s => s.Replicas), scaleCalls, failures, loadBefore, LoadAverage(),
            [.. live.Chunk(10).Select(c => Math.Round(c.Average(s => s.Replicas), 2))],
            [.. provisionedChanges.Select(c => c.Replicas)],
            statuses.OrderBy(s => s.Key).ToDictionary(s => s.Key == 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value, StringComparer.Ordinal),
            Percentile(0.5), Percentile(0.99));
    }

    // The cortex policy's set-up of one window: the history before the window (compressed buckets, the trace's time of
    // day) and the measured cold start through the cortex's history endpoint; once the cortex has trained on it, the
    // same history again, moved so that it ends where the replay will start (the forecaster is kept: same values). The
    // replay starts on a bucket boundary of the cortex's clock, a warm-up ahead, so its buckets are the window's.
    private static async Task<DateTimeOffset> SeedCortexAsync(HttpClient cortex, TraceWindow window, TimeSpan coldStart, Settings settings, string label, CancellationToken cancellationToken)
    {
        var history = window.History();
        var arrivals = history.Values.Take(window.Start).ToArray();
        var bucket = window.Bucket;
        DateTimeOffset Aligned(DateTimeOffset at) => new(at.UtcTicks + (bucket.Ticks - (at.UtcTicks % bucket.Ticks)) % bucket.Ticks, TimeSpan.Zero);
        async Task<JsonElement> PutAsync(DateTimeOffset end)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/scaling/{App}/history")
            {
                Content = new StringContent(
                    JsonSerializer.Serialize(new { firstBucket = end - (arrivals.Length * bucket), arrivals, phase = history.Phase(0), coldStartSeconds = coldStart.TotalSeconds }, Json),
                    Encoding.UTF8,
                    "application/json"),
            };
            request.Headers.TryAddWithoutValidation("X-Operator-Key", LocalOrganism.OperatorKey);
            using var response = await cortex.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(body).RootElement.Clone()
                : throw new InvalidOperationException($"the cortex refused the history of {window.Name}: {(int)response.StatusCode} {body}");
        }

        var trained = Stopwatch.StartNew();
        await PutAsync(Aligned(DateTimeOffset.UtcNow));
        while (true)
        {
            using var response = await cortex.GetAsync($"/scaling/{App}", cancellationToken);
            if (response.IsSuccessStatusCode && JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("source").GetString() == "forecast")
            {
                break;
            }

            if (trained.Elapsed > settings.CortexTrainTimeout)
            {
                throw new TimeoutException($"the cortex did not train {window.Name}'s forecaster within {settings.CortexTrainTimeout.TotalSeconds:F0} s (--cortex-train-timeout)");
            }

            await Task.Delay(500, cancellationToken);
        }

        var start = Aligned(DateTimeOffset.UtcNow + settings.Warmup + TimeSpan.FromSeconds(2));
        var moved = await PutAsync(start);
        if (!moved.GetProperty("forecasterKept").GetBoolean())
        {
            throw new InvalidOperationException($"the cortex dropped {window.Name}'s trained forecaster when its history was moved in time: {moved}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: the cortex took {arrivals.Length} buckets of history and a {coldStart.TotalSeconds:F1} s cold start, trained in {trained.Elapsed.TotalSeconds:F0} s; replay at {start:HH:mm:ss}"));
        return start;
    }

    // The cortex's latest decision for orders (GET /scaling/orders), kept when it changed.
    private static async Task SampleCortexAsync(HttpClient cortex, List<object> decisions, TimeSpan at, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await cortex.GetAsync($"/scaling/{App}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }

            var decision = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            var replicas = decision.GetProperty("replicas").GetInt32();
            var source = decision.GetProperty("source").GetString() ?? "?";
            if (decisions.Count == 0 || decisions[^1] is not CortexDecision last || last.Replicas != replicas || last.Source != source)
            {
                decisions.Add(new CortexDecision(Math.Round(at.TotalSeconds, 2), replicas, source));
            }
        }
        catch (HttpRequestException)
        {
            // A missed sample: the next one (250 ms later) reads the same decision.
        }
    }

    private sealed record CortexDecision(double At, int Replicas, string Source);

    // One order with its Idempotency-Key; the order id on a 201 (from Location), else null with the status (0: no answer).
    internal static async Task<(string? OrderId, int Status)> PlaceAsync(HttpClient http, LocalOrganism organism, string key, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{organism.GatewayPort}/api/orders"))
            {
                Content = new StringContent($$"""{"customerId":"scale-live","sku":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("X-Api-Key", LocalOrganism.ShopApiKey);
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            return status == 201 && response.Headers.Location is { } location ? (location.OriginalString.Split('/')[^1], status) : (null, status);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, 0);
        }
        catch (HttpRequestException)
        {
            return (null, 0);
        }
    }

    // Lost: a 201's order not stored as accepted. Doubled: two stored orders of one Idempotency-Key. Stock drift: the
    // chaos audit's conservation check (initial = available + reserved = held by reservations = held by orders).
    private static async Task<(int Lost, int Doubled, int Drift, int Unknown, List<string> Problems)> AuditAsync(LocalOrganism organism, ConcurrentDictionary<string, string> accepted, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            problems.Clear();
            var stored = await StoredOrganism.ReadAsync(organism.Redis, [Sku], cancellationToken);
            var mine = stored.Orders.Values.Where(o => o.Sku == Sku && o.IsAccepted).ToList();
            var lost = accepted.Keys.Count(id => !stored.Orders.TryGetValue(id, out var order) || !order.IsAccepted);
            var doubled = mine.GroupBy(o => o.IdempotencyKey, StringComparer.Ordinal).Sum(g => g.Count() - 1);
            // Placed, but the client saw no 201 (its deadline passed, or a 503 after the gateway's retry had placed it); warm-up orders are not counted.
            var unknown = mine.Count(o => !accepted.ContainsKey(o.OrderId) && !o.IdempotencyKey.Contains("warm-", StringComparison.Ordinal));
            var drift = IntegrityAudit.StockDrift(stored, new Dictionary<string, int>(StringComparer.Ordinal) { [Sku] = InitialStock }, problems);
            // A placement cut by a drained replica is completed or rolled back by orders' and inventory's sweepers: give them time.
            if ((lost == 0 && doubled == 0 && drift == 0) || deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                return (lost, doubled, drift, unknown, problems);
            }

            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Table(List<PolicyRun> runs, Settings settings)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{settings.Command}`");
        text.AppendLine();
        text.AppendLine("| scenario | policy | seed | SLO-violating s | replica-seconds | mean / max replicas | goodput | scale calls | cold start (s) | load before -> after |");
        text.AppendLine("|---|---|---:|---:|---:|---|---:|---:|---:|---|");
        foreach (var (run, scenario) in runs.SelectMany(r => r.Scenarios.Select(s => (r, s))).OrderBy(x => x.s.Scenario, StringComparer.Ordinal).ThenBy(x => x.r.Seed).ThenBy(x => x.r.Policy, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenario.Scenario} | {run.Policy} | {run.Seed} | {scenario.Score.SloViolatingSeconds} of {scenario.Score.Seconds} | {scenario.Score.ReplicaSeconds:F0} | {scenario.Score.ReplicaSeconds / Math.Max(1, scenario.Score.Seconds):F2} / {scenario.MaxReplicas:F0} | {scenario.Score.GoodputPercent:F1} % | {scenario.ScaleCalls} | {run.ColdStartSeconds:F1} | {scenario.LoadBefore} -> {scenario.LoadAfter} |");
        }

        text.AppendLine();
        text.AppendLine("| policy | seed | orders accepted | lost | doubled | stock drift |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {run.Policy} | {run.Seed} | {run.Accepted} | {run.Lost} | {run.Doubled} | {run.StockDrift} |");
        }

        return text.ToString();
    }

    private sealed record ScenarioRun(
        string Scenario, string Family, int Initial, LiveScore Score, double MaxReplicas, int ScaleCalls, List<string> Failures, string LoadBefore, string LoadAfter, double[] ReplicasPer10Seconds, int[] ProvisionedSeen,
        Dictionary<string, int> Statuses, double P50Ms, double P99Ms);

    private sealed record PolicyRun(string Policy, int Seed, double ColdStartSeconds, List<ScenarioRun> Scenarios, int Accepted, int Lost, int Doubled, int StockDrift, int StoredWithoutAnswer, List<string> Problems);

    private sealed record Settings
    {
        public required string Traces { get; init; }
        public required string Output { get; init; }
        public required string Hormones { get; init; }
        public required int Seed { get; init; }
        public required int Seeds { get; init; }
        public required double Compression { get; init; }
        public required int Buckets { get; init; }
        public required int HeldOutDays { get; init; }
        public required double PeakRate { get; init; }
        public required int Slots { get; init; }
        public required TimeSpan ServiceTime { get; init; }
        public required TimeSpan Slo { get; init; }
        public required TimeSpan Deadline { get; init; }
        public required double GoodShare { get; init; }
        public required int MinReplicas { get; init; }
        public required int MaxReplicas { get; init; }
        public required double Target { get; init; }
        public required double PredictiveTarget { get; init; }
        public required string Forecaster { get; init; }
        public required int Epochs { get; init; }
        public required TimeSpan Warmup { get; init; }
        public required TimeSpan Tail { get; init; }
        public required TimeSpan CortexObserved { get; init; }
        public required TimeSpan CortexGrace { get; init; }
        public required TimeSpan CortexTrainTimeout { get; init; }
        public required IReadOnlyList<string> Policies { get; init; }
        public required IReadOnlyList<string> Scenarios { get; init; }
        public required string Command { get; init; }

        // idle: a new replica's start gets only the CPU the serving ones leave (the runner's --start-idle), as a new pod on its
        // own CPU would; every policy alike. Off by default until a quiet scale-probe shows it helps (docs/scaling.md).
        public required bool StartIdle { get; init; }

        // Every policy's timings (the HPA's 15 s period and 300 s window, the predictive 120 s window and 30 s backlog
        // drain) divided by the compression factor, as the trace's time is; the cold start is measured, not scaled.
        public TimeSpan Period => TimeSpan.FromSeconds(15 / Compression);

        public CapacityModel Capacity(double target) => new(Slots / ServiceTime.TotalSeconds, target);

        // The cortex's configuration for the cortex policy: the predictive policy's settings as the benchmark gives them to
        // its own predictive policy (capacity model, every timing divided by the compression), its buckets and season in
        // compressed time, the same forecaster; orders alone is scaled (the gateway and inventory are never applied).
        public IEnumerable<(string Key, string Value)> CortexEnvironment()
        {
            string N(double value) => value.ToString(CultureInfo.InvariantCulture);
            yield return ("Cortex__Scaling__Enabled", "true");
            yield return ("Cortex__Scaling__NotApplied__0", "gateway");
            yield return ("Cortex__Scaling__NotApplied__1", "inventory");
            yield return ("Cortex__Scaling__PerReplicaRate", N(Slots / ServiceTime.TotalSeconds));
            yield return ("Cortex__Scaling__TargetUtilisation", N(PredictiveTarget));
            yield return ("Cortex__Scaling__PeriodSeconds", N(Period.TotalSeconds));
            yield return ("Cortex__Scaling__ScaleDownStabilisationSeconds", N(120 / Compression));
            yield return ("Cortex__Scaling__BacklogDrainSeconds", N(30 / Compression));
            yield return ("Cortex__Scaling__ObservedWindowSeconds", N(Math.Max(Period.TotalSeconds, CortexObserved.TotalSeconds)));
            yield return ("Cortex__Scaling__BucketGraceSeconds", N(CortexGrace.TotalSeconds));
            yield return ("Cortex__Scaling__MinReplicas", N(MinReplicas));
            yield return ("Cortex__Scaling__MaxReplicas", N(MaxReplicas));
            yield return ("Cortex__Forecasting__BucketSeconds", N(300 / Compression));
            yield return ("Cortex__Forecasting__SeasonSeconds", N(86_400 / Compression));
            yield return ("Cortex__Forecasting__Forecaster", Forecaster);
            yield return ("Cortex__Forecasting__Epochs", N(Epochs));
            // Fitted once per window, as the benchmark's predictive policy is: no retraining within a replay.
            yield return ("Cortex__Forecasting__RetrainMinutes", N(7 * 24 * 60));
            yield return ("Cortex__Forecasting__HistoryDays", "90");
            yield return ("Logging__LogLevel__BioDapr.Cortex.Scaling", "Information");
        }

        public IForecaster NewForecaster() => Forecasters.Create(Forecaster, Horizon, Epochs, Seed);

        public IScalingPolicy NewPolicy(string name, TimeSpan coldStart, TraceWindow window) => name switch
        {
            "predictive" => new PredictivePolicy(new PredictiveSettings
            {
                Capacity = Capacity(PredictiveTarget),
                ColdStart = coldStart,
                Period = Period,
                ScaleDownStabilisation = TimeSpan.FromSeconds(120 / Compression),
                BacklogDrain = TimeSpan.FromSeconds(30 / Compression),
                MinReplicas = MinReplicas,
                MaxReplicas = MaxReplicas,
            }),
            "reactive-hpa" => new HpaPolicy(new HpaSettings
            {
                TargetUtilisation = Target,
                Period = Period,
                ScaleDownStabilisation = TimeSpan.FromSeconds(300 / Compression),
                MinReplicas = MinReplicas,
                MaxReplicas = MaxReplicas,
            }),
            // As in the simulator: the 99th percentile of the history's bucket rates at 60 % utilisation.
            _ => new FixedFleetPolicy(Math.Clamp(
                Capacity(0.6).ReplicasFor(ForecastMetrics.Quantile(window.History().Values.Take(window.Start).ToArray(), 0.99) / window.Bucket.TotalSeconds),
                MinReplicas,
                MaxReplicas)),
        };

        public object Describe() => new
        {
            App, Compression, Buckets, PeakRate, Slots, serviceTimeMs = ServiceTime.TotalMilliseconds, perReplicaRate = Slots / ServiceTime.TotalSeconds,
            sloMs = Slo.TotalMilliseconds, deadlineMs = Deadline.TotalMilliseconds, GoodShare, MinReplicas, MaxReplicas, Target, PredictiveTarget, Forecaster,
            periodSeconds = Period.TotalSeconds, warmupSeconds = Warmup.TotalSeconds, startPriority = StartIdle ? "idle" : "normal",
        };

        public static Settings Parse(string[] args)
        {
            var options = new Options(args, "traces", "out", "hormones", "seed", "seeds", "compress", "buckets", "held-out-days", "peak-rate", "slots", "service-ms", "slo-ms", "deadline-ms",
                "good-share", "min-replicas", "max-replicas", "target", "predictive-target", "forecaster", "epochs", "warmup", "policies", "scenarios", "start-priority",
                "cortex-observed-s", "cortex-grace-s", "cortex-train-timeout", "tail");
            var policies = options.Text("policies", "predictive,reactive-hpa,fixed").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (policies.FirstOrDefault(p => p is not ("predictive" or "reactive-hpa" or "fixed" or Cortex)) is { } badPolicy)
            {
                throw new ArgumentException($"--policies: '{badPolicy}' is not predictive, reactive-hpa, fixed or cortex");
            }

            var scenarios = options.Text("scenarios", "diurnal,bursty").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (scenarios.FirstOrDefault(s => s is not ("diurnal" or "bursty")) is { } badScenario)
            {
                throw new ArgumentException($"--scenarios: '{badScenario}' is not diurnal or bursty");
            }

            var forecaster = options.Text("forecaster", "quantile-gru");
            if (!Forecasters.Names.Contains(forecaster, StringComparer.Ordinal))
            {
                throw new ArgumentException($"--forecaster: '{forecaster}' is not one of {string.Join(", ", Forecasters.Names)}");
            }

            var startPriority = options.Text("start-priority", "normal");
            if (startPriority is not ("idle" or "normal"))
            {
                throw new ArgumentException($"--start-priority: '{startPriority}' is not idle or normal");
            }

            var min = options.Integer("min-replicas", 1, 1, 20);
            var settings = new Settings
            {
                Traces = options.Text("traces", Path.Combine("docs", "traces")),
                Output = options.Text("out", Path.Combine("docs", "benchmarks", "scaling-live")),
                Hormones = options.Text("hormones", Path.Combine("components", "local", "hormones.json")),
                Seed = options.Integer("seed", 1, 0),
                Seeds = options.Integer("seeds", 1, 1, 20),
                Compression = options.Number("compress", 30, 1, 300),
                Buckets = options.Integer("buckets", 16, 4, 2000),
                HeldOutDays = options.Integer("held-out-days", 4, 1, 30),
                PeakRate = options.Number("peak-rate", 30, 0.1, 10_000),
                Slots = options.Integer("slots", 5, 1, 1000),
                ServiceTime = TimeSpan.FromMilliseconds(options.Number("service-ms", 500, 1, 60_000)),
                Slo = TimeSpan.FromMilliseconds(options.Number("slo-ms", 1500, 1, 60_000)),
                Deadline = TimeSpan.FromMilliseconds(options.Number("deadline-ms", 5000, 1, 60_000)),
                GoodShare = options.Number("good-share", 0.95, 0.01, 1),
                MinReplicas = min,
                MaxReplicas = options.Integer("max-replicas", 6, min, 20),
                Target = options.Number("target", 0.6, 0.05, 1),
                PredictiveTarget = options.Number("predictive-target", 0.7, 0.05, 1),
                Forecaster = forecaster,
                Epochs = options.Integer("epochs", new QuantileGruOptions().Epochs, 1, 1000),
                Warmup = TimeSpan.FromSeconds(options.Number("warmup", 15, 0, 600)),
                Tail = TimeSpan.FromSeconds(options.Number("tail", 0, 0, 3600)),
                CortexObserved = TimeSpan.FromSeconds(options.Number("cortex-observed-s", 3, 0.1, 600)),
                CortexGrace = TimeSpan.FromSeconds(options.Number("cortex-grace-s", 2, 0, 600)),
                CortexTrainTimeout = TimeSpan.FromSeconds(options.Number("cortex-train-timeout", 900, 1, 7200)),
                Policies = policies,
                Scenarios = scenarios,
                Command = "./biodapr cortex scale-live " + string.Join(' ', args),
                StartIdle = startPriority == "idle",
            };

            // The cortex's forecaster counts whole-second buckets of at least 10 s (Cortex:Forecasting:BucketSeconds), a
            // compressed day of whole buckets.
            var bucket = 300 / settings.Compression;
            if (policies.Contains(Cortex) && (bucket < 10 || Math.Abs(bucket - Math.Round(bucket)) > 1e-9))
            {
                throw new ArgumentException($"--compress {settings.Compression}: the cortex policy needs a 5-minute bucket of whole seconds, at least 10 (300 / compress; 30, 20, 15 or 10 work)");
            }

            return settings;
        }
    }
}
