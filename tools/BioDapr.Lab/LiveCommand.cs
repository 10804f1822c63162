using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Control.Learning;
using BioDapr.Launcher;
using BioDapr.Load;
using StackExchange.Redis;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using BioDapr.Contracts.Vitals;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Lab;

/// <summary>
/// <c>live</c>: every controller on the real cells. Per controller (and seed) a fresh organism is started
/// (the multi-app runner, a development sidecar per cell, its own redis-server), the hormones are reset to
/// <c>components/local/hormones.json</c>, the controller is put in charge (static hormones with the cortex
/// frozen, or <c>cortex.controller</c>), and the load generator replays the scenario shortened, emulating its
/// topology (slots and service times) on the cells and injecting its faults. The run is evaluated by the
/// simulator's evaluator (<see cref="LiveRunEvaluator"/>), so the figures mean the same as the simulated ones.
/// </summary>
internal static class LiveCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    // Static controllers run with the cortex frozen; the others name the cortex's controller.
    private static readonly Dictionary<string, string> CortexControllers = new(StringComparer.Ordinal)
    {
        ["aimd"] = "aimd",
        ["aimd-tuned"] = "aimd-tuned",
        ["gradient2"] = "gradient2",
        ["gradient2-tuned"] = "gradient2-tuned",
        ["cortex-agent"] = "agent",
        ["cortex"] = "agent",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        Scenario scenario;
        string scenarioText;
        TunedBaselines tuned;
        IPolicyModel policy;
        double shorten, rateScale;
        int seeds, warmup;
        string hormonesPath, hormonesText;
        Dictionary<string, string> hormones;
        string[] controllers;
        try
        {
            options = new Options(args, "scenario", "shorten", "rate-scale", "seeds", "controllers", "out", "tuning", "hormones", "policy", "warmup", "fresh");
            var scenarioPath = options.Text("scenario", "scenarios/reference.yaml");
            scenarioText = File.ReadAllText(scenarioPath);
            shorten = options.Number("shorten", 0.1, 0.001, 1);
            rateScale = options.Number("rate-scale", 0.25, 0.01, 10);
            seeds = options.Integer("seeds", 1, 1, 100);
            warmup = options.Integer("warmup", 20, 0, 3_600);
            hormonesPath = options.Text("hormones", "components/local/hormones.json");
            hormonesText = File.ReadAllText(hormonesPath);
            try
            {
                hormones = JsonSerializer.Deserialize<Dictionary<string, string>>(hormonesText) ?? throw new InvalidDataException($"{hormonesPath} holds no hormones");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{hormonesPath} is not a JSON object of hormone name to string value: {ex.Message}", ex);
            }
            scenario = ScenarioParser.Load(scenarioPath);
            var tuningPath = options.Text("tuning", "docs/benchmarks/cortex/tuning.json");
            tuned = File.Exists(tuningPath)
                ? JsonSerializer.Deserialize<TunedBaselines>(File.ReadAllText(tuningPath), Json) ?? throw new InvalidDataException($"{tuningPath} is empty")
                : throw new FileNotFoundException($"{tuningPath} is missing: run './biodapr cortex bench' first (it tunes the static policy and the floors)");
            policy = PolicyFile.Load(options.Text("policy", TrainCommand.DefaultPolicy)).Model;
            controllers = options.Text("controllers", string.Join(',', ControllerBenchmark.ControllerNames)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = controllers.Except(ControllerBenchmark.ControllerNames).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"unknown controller(s) {string.Join(", ", unknown)} (known: {string.Join(", ", ControllerBenchmark.ControllerNames)})");
            }
        }
        catch (Exception ex) when (ex is ScenarioFormatException or InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"live: {ex.Message}");
            return 2;
        }

        var output = Path.GetFullPath(options.Text("out", "docs/benchmarks/cortex-live"));
        Directory.CreateDirectory(Path.Combine(output, "runs"));
        var shortened = scenario.Shortened(shorten);
        var settings = new LiveSettings(options.Text("scenario", "scenarios/reference.yaml"), hormones, shorten, rateScale, TimeSpan.FromSeconds(warmup), output);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{scenarioText}|{shorten}|{rateScale}|{settings.Warmup}|{hormonesText}|{File.ReadAllText(options.Text("policy", TrainCommand.DefaultPolicy))}|{JsonSerializer.Serialize(tuned, Json)}"))))[..16];
        var benchmark = new ControllerBenchmark(new BenchmarkSettings { OutputDirectory = output }, policy);
        var jobs = controllers.SelectMany(c => Enumerable.Range(1, seeds).Select(s => (Controller: c, Seed: s))).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cortex live benchmark: scenario '{scenario.Name}' shortened ×{shorten} ({shortened.Duration.TotalSeconds:F0} s), rate ×{rateScale}, {jobs.Count} runs, results in {output}"));
        using var stop = Options.StopOnCtrlC("stopping; finished runs are kept, run the same command again to resume");
        var reports = new List<RunReport>();
        var clock = Stopwatch.StartNew();
        var ran = 0;
        try
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                var (name, seed) = jobs[i];
                var path = Path.Combine(output, "runs", $"{name}-seed{seed}.json");
                if (!options.Flag("fresh") && TryLoad(path, key) is { } cached)
                {
                    reports.Add(cached);
                    Console.WriteLine($"[{i + 1}/{jobs.Count}] {name} seed {seed}: efficiency {cached.Efficiency:F3} (cached)");
                    continue;
                }

                var controller = benchmark.Create(name, tuned);
                var report = await RunOneAsync(settings, shortened, name, controller, tuned, seed, stop.Token);
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new CachedLiveRun(key, report), Json), CancellationToken.None);
                reports.Add(report);
                ran++;
                var eta = clock.Elapsed / ran * (jobs.Count - i - 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{i + 1}/{jobs.Count}] {name} seed {seed}: efficiency {report.Efficiency:F3}  p99 {report.P99Ms:F0} ms  amplification p95 {report.AmplificationP95:F2}  ETA {Options.Duration(eta)}"));
            }
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is RedisException or HttpRequestException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"live: {ex.Message}");
            return 1;
        }

        var summaries = controllers.Select(c => ControllerBenchmark.Summarize(c, [.. reports.Where(r => r.Controller == c)], shortened)).ToList();
        BenchmarkFiles.Write(output, shortened, tuned, summaries, reports, 1);
        Console.WriteLine();
        Console.WriteLine(BenchmarkFiles.Table(summaries));
        Console.WriteLine(BenchmarkFiles.PhaseTable(summaries, shortened));
        ScenarioBenchCommand.Plot(output);
        return 0;
    }

    private static async Task<RunReport> RunOneAsync(LiveSettings settings, Scenario scenario, string name, IPathwayController controller, TunedBaselines tuned, int seed, CancellationToken cancellationToken)
    {
        var organism = new LocalOrganism { LogDirectory = Path.Combine(settings.Output, "runs") };
        // The evaluation reads every vitals window of the replay from the stream afterwards: no cap for this run
        // (components/local caps the vitals stream at minutes' worth).
        organism.StreamCaps["vitals-pubsub"] = 0;
        foreach (var app in new[] { "gateway", "orders", "inventory", "payments", "notifications", "cortex" })
        {
            // Warnings and errors only: logging every request would cost more CPU than serving it.
            organism.AppEnvironment[app] = new Dictionary<string, string>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Warning" };
        }

        var cortex = organism.AppEnvironment["cortex"];
        // The tuned classic controllers and the safe fallback use the floor tuned in the simulator.
        cortex["Cortex__SafeFloor"] = tuned.Gradient2Floor.ToString(CultureInfo.InvariantCulture);
        if (name == "cortex-agent")
        {
            // The agent alone: the fallback's patience at its maximum (10,000 decisions, hours), so it never falls back in a run.
            cortex["Cortex__Guardrails__FallbackPatience"] = "10000";
        }

        Console.WriteLine($"{name} seed {seed}: starting the organism");
        try
        {
            // Inside the try: an organism that fails to start still has its Redis and processes stopped.
            await organism.StartAsync(cancellationToken);
            var initial = ScenarioRun.InitialHormones(scenario, controller);
            var pathwayHormones = initial.SelectMany(p =>
            {
                var (cell, target) = Split(p.Key);
                return GuardedController.Values(p.Value).Select(v => (HormoneKeys.Pathway(cell, target, v.Hormone), v.Value));
            }).ToDictionary();
            await using var connection = await HormoneWriter.ConnectAsync($"127.0.0.1:{organism.Redis}").WaitAsync(cancellationToken);
            var redis = connection.GetDatabase();
            var values = new Dictionary<string, string>(settings.Hormones, StringComparer.Ordinal);
            // The replay is about the pathways: the gateway's per-client rate limit must not cap the load.
            values["gateway.ratePerSecond"] = "100000";
            values["gateway.burst"] = "100000";
            foreach (var (key, value) in pathwayHormones)
            {
                values[key] = value;
            }

            values["cortex.freeze"] = CortexControllers.ContainsKey(name) ? "false" : "true";
            values["cortex.controller"] = CortexControllers.GetValueOrDefault(name, "agent");
            await SetAsync(redis, values, cancellationToken);

            // The cells apply hormones within milliseconds; give the sidecars' subscriptions a moment more.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var generator = new LoadGenerator(
                new LoadOptions
                {
                    ScenarioPath = settings.ScenarioPath,
                    Target = new Uri($"http://127.0.0.1:{organism.GatewayPort}/api/orders"),
                    ApiKey = LocalOrganism.ShopApiKey,
                    HormoneRedis = $"127.0.0.1:{organism.Redis}",
                    Shorten = settings.Shorten,
                    RateScale = settings.RateScale,
                    Seed = seed,
                    Emulate = true,
                    Warmup = settings.Warmup,
                },
                TextWriter.Null,
                TimeProvider.System)
            {
                // Every controller starts the measured replay from its own starting hormones.
                AfterWarmup = ct => SetAsync(redis, pathwayHormones, ct),
            };
            var seconds = await generator.RunAsync(cancellationToken);
            // The windows of the last second are published at the next tick.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var windows = await ReadVitalsAsync(redis, cancellationToken);
            var changes = (await ReadAuditAsync(organism.CortexPort, initial.Keys, cancellationToken)).Where(c => c.At >= generator.StartedAt).ToList();
            Console.WriteLine($"{name} seed {seed}: sent {seconds.Sum(s => s.Sent)}, good {seconds.Sum(s => s.Goodput)}, slow {seconds.Sum(s => s.Slow)}, shed {seconds.Sum(s => s.Shed)}, "
                + $"4xx {seconds.Sum(s => s.ClientErrors)}, 5xx {seconds.Sum(s => s.ServerErrors)}, past the deadline {seconds.Sum(s => s.Deadline)}, connection failures {seconds.Sum(s => s.Transport)}; {windows.Count} vitals windows, {changes.Count} hormone changes");
            foreach (var pathway in windows.Where(w => w.Kind == VitalsKind.Pathway && w.Start >= generator.StartedAt).GroupBy(w => w.Cell + "→" + w.Name))
            {
                Console.WriteLine($"  {pathway.Key}: calls {pathway.Sum(w => w.Calls)}, successes {pathway.Sum(w => w.Successes)}, attempts {pathway.Sum(w => w.Attempts)}, shed {pathway.Sum(w => w.Shed)}, "
                    + $"open breaker {pathway.Sum(w => w.BreakerOpen)}, timeouts {pathway.Sum(w => w.Timeouts)}, 5xx {pathway.Sum(w => w.ServerErrors)}, transport {pathway.Sum(w => w.TransportErrors)}, canceled {pathway.Sum(w => w.Canceled)}");
            }

            var live = seconds.Select(s => new LiveSecond(s.Second, s.Sent, s.Goodput, s.Slow, s.Shed + s.ClientErrors + s.ServerErrors + s.Transport, s.Deadline, s.LatenciesMs)).ToList();
            return LiveRunEvaluator.Evaluate(scenario, live, generator.StartedAt, windows, changes, initial, name, seed);
        }
        finally
        {
            await organism.DisposeAsync();
        }
    }

    // Every vitals event the cells published (the pubsub.redis stream of topic "vitals", component vitals-pubsub, uncapped here).
    private static async Task<List<VitalsWindow>> ReadVitalsAsync(IDatabase redis, CancellationToken cancellationToken)
    {
        var entries = await redis.StreamRangeAsync("vitals").WaitAsync(cancellationToken);
        var windows = new List<VitalsWindow>();
        foreach (var entry in entries)
        {
            if (entry["data"] is { IsNull: false } payload)
            {
                using var cloudEvent = JsonDocument.Parse((byte[])payload!);
                if (cloudEvent.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("windows", out var list))
                {
                    windows.AddRange(list.Deserialize<List<VitalsWindow>>(Json) ?? []);
                }
            }
        }

        return windows;
    }

    private static async Task<List<HormoneChange>> ReadAuditAsync(int cortexPort, IEnumerable<string> pathways, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cortexPort}") };
        var changes = new List<HormoneChange>();
        foreach (var pathway in pathways)
        {
            var (cell, target) = Split(pathway);
            changes.AddRange(await http.GetFromJsonAsync<List<HormoneChange>>($"pathways/{cell}/{target}/audit?limit=10000", Json, cancellationToken) ?? []);
        }

        return changes;
    }

    private static Task SetAsync(IDatabase redis, IEnumerable<KeyValuePair<string, string>> values, CancellationToken cancellationToken) =>
        HormoneWriter.SetAsync(redis, values.Select(v => (v.Key, (string?)v.Value)), DateTimeOffset.UtcNow, cancellationToken);

    private static (string Cell, string Target) Split(string pathway)
    {
        var arrow = pathway.IndexOf('→', StringComparison.Ordinal);
        return (pathway[..arrow], pathway[(arrow + 1)..]);
    }

    private static RunReport? TryLoad(string path, string key)
    {
        try
        {
            return File.Exists(path) && JsonSerializer.Deserialize<CachedLiveRun>(File.ReadAllText(path), Json) is { } run && run.Key == key ? run.Report : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record LiveSettings(string ScenarioPath, IReadOnlyDictionary<string, string> Hormones, double Shorten, double RateScale, TimeSpan Warmup, string Output);

    private sealed record CachedLiveRun(string Key, RunReport Report);
}
