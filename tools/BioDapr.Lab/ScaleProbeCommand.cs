using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Control.Replicas;
using BioDapr.Launcher;

namespace BioDapr.Lab;

/// <summary>
/// <c>./biodapr cortex scale-probe</c>: what one replica start does to the replicas that serve. A fresh organism (gateway,
/// orders, inventory; scale-live's emulated capacity: 5 slots × 500 ms per orders replica) serves steady Poisson load at
/// <c>--load</c> of its ready orders replicas' capacity; at <c>--scale-at</c> orders gets one replica more. Per second:
/// placements sent and good (201 within the SLO), answers by status, p50/p99, the CPU seconds each process used
/// (<c>/proc/&lt;pid&gt;/stat</c>) and the runner's replica states. <c>--modes normal,idle</c> runs it once per mode, each on
/// its own organism; <c>idle</c> is the runner's <c>--start-idle</c> (the new replica at SCHED_IDLE until ready).
/// </summary>
internal static class ScaleProbeCommand
{
    private const string App = "orders";
    private const string Sku = "scale-live";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        string[] modes;
        int replicas, seconds, seed, slots;
        double load, scaleAt;
        TimeSpan serviceTime, slo, warmup;
        string output, hormones;
        Dictionary<string, string> ordersEnv;
        try
        {
            options = new Options(args, "modes", "replicas", "load", "seconds", "scale-at", "seed", "slots", "service-ms", "slo-ms", "warmup", "out", "hormones", "orders-env");
            modes = options.Text("modes", "normal,idle").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (modes.FirstOrDefault(m => m is not ("normal" or "idle")) is { } bad)
            {
                throw new ArgumentException($"--modes: '{bad}' is not normal or idle");
            }

            replicas = options.Integer("replicas", 2, 1, 15);
            load = options.Number("load", 0.6, 0.05, 2);
            seconds = options.Integer("seconds", 40, 5, 600);
            scaleAt = options.Number("scale-at", 10, 0, 600);
            seed = options.Integer("seed", 1, 0);
            slots = options.Integer("slots", 5, 1, 1000);
            serviceTime = TimeSpan.FromMilliseconds(options.Number("service-ms", 500, 1, 60_000));
            slo = TimeSpan.FromMilliseconds(options.Number("slo-ms", 1500, 1, 60_000));
            warmup = TimeSpan.FromSeconds(options.Number("warmup", 15, 0, 600));
            output = options.Text("out", Path.Combine("docs", "benchmarks", "scaling-probe"));
            hormones = options.Text("hormones", Path.Combine("components", "local", "hormones.json"));
            ordersEnv = options.Text("orders-env", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(pair => pair.Split('=', 2) is [var name, var value] && name.Length > 0 ? (name, value) : throw new ArgumentException($"--orders-env: '{pair}' is not Name=value"))
                .ToDictionary(p => p.name, p => p.value, StringComparer.Ordinal);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"scale-probe: {ex.Message}");
            return 2;
        }

        var rate = load * replicas * slots / serviceTime.TotalSeconds;
        Directory.CreateDirectory(output);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale-probe: {App} at {replicas} replicas ({slots} slots x {serviceTime.TotalMilliseconds:F0} ms each), {rate:F1} req/s ({load:P0}), {App} +1 at {scaleAt:F0} s of {seconds} s; SLO {slo.TotalMilliseconds:F0} ms; load average {ScaleLiveCommand.LoadAverage()}"));
        using var stop = Options.StopOnCtrlC("stopping; the organism of this run is stopped");
        var results = new List<object>();
        try
        {
            foreach (var mode in modes)
            {
                results.Add(await ProbeAsync(mode, replicas, rate, seconds, scaleAt, seed, slots, serviceTime, slo, warmup, output, hormones, ordersEnv, stop.Token));
                await File.WriteAllTextAsync(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { command = "./biodapr cortex scale-probe " + string.Join(' ', args), results }, Json), stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or TimeoutException or ReplicaScalingException or StackExchange.Redis.RedisException)
        {
            Console.Error.WriteLine($"scale-probe: {ex.Message}");
            return 1;
        }

        Console.WriteLine($"written to {output}");
        return 0;
    }

    private static async Task<object> ProbeAsync(
        string mode, int replicas, double rate, int seconds, double scaleAt, int seed, int slots, TimeSpan serviceTime, TimeSpan slo, TimeSpan warmup, string output, string hormones, Dictionary<string, string> ordersEnv, CancellationToken cancellationToken)
    {
        var organism = new LocalOrganism
        {
            LogDirectory = output,
            OnlyApps = new HashSet<string>(["gateway", "orders", "inventory"], StringComparer.Ordinal),
            StartReplicasIdle = mode == "idle",
        };
        organism.ExtraCatalogue[Sku] = 10_000_000;
        foreach (var app in new[] { "gateway", "orders", "inventory" })
        {
            organism.AppEnvironment[app] = new Dictionary<string, string>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Warning" };
        }

        foreach (var (name, value) in ordersEnv)
        {
            organism.AppEnvironment["orders"][name] = value;
        }

        try
        {
            await organism.StartAsync(cancellationToken);
            await ScaleLiveCommand.SetHormonesAsync(organism, hormones, slots, serviceTime, cortexPresent: false, cancellationToken);
            using var control = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var scaler = await ScaleLiveCommand.ConnectAsync(organism, control, cancellationToken);
            await scaler.ScaleAsync(App, replicas, cancellationToken);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = Timeout.InfiniteTimeSpan };
            var runId = $"probe-{mode}-{DateTime.UtcNow:HHmmss}";

            // Unmeasured: the same rate, so the serving replicas and the pathways are warm before second 0.
            await LoadAsync(http, organism, rate, warmup.TotalSeconds, seed + 1000, slo, $"warm-{runId}", null, cancellationToken);

            var samples = new ConcurrentDictionary<int, Dictionary<string, double>>();
            var states = new ConcurrentDictionary<int, string>();
            var clock = Stopwatch.StartNew();
            using var done = new CancellationTokenSource();
            var sample = SampleAsync(scaler, clock, samples, states, done.Token);
            double scaleStarted = double.NaN, scaleTook = double.NaN;
            var scale = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(scaleAt), cancellationToken);
                scaleStarted = clock.Elapsed.TotalSeconds;
                await scaler.ScaleAsync(App, replicas + 1, cancellationToken);
                scaleTook = clock.Elapsed.TotalSeconds - scaleStarted;
            }, cancellationToken);
            var perSecond = await LoadAsync(http, organism, rate, seconds, seed, slo, runId, clock, cancellationToken);
            await scale;
            await done.CancelAsync();
            await sample;

            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"{mode}: {App} +1 at {scaleStarted:F1} s, ready after {scaleTook:F1} s; load average {ScaleLiveCommand.LoadAverage()}");
            table.AppendLine("  s  sent good  answers                 p50   p99   cpu-ms: serving orders apps+sidecars | new app+sidecar | gateway+sc | inventory+sc || run-queue wait ms: serving | new | gateway | inventory | states");
            var rows = new List<object>();
            for (var s = 0; s < seconds; s++)
            {
                var row = perSecond[s];
                var cpu = Delta(samples, s);
                var answers = string.Join(' ', row.Statuses.OrderBy(x => x.Key).Select(x => $"{(x.Key == 0 ? "none" : x.Key.ToString(CultureInfo.InvariantCulture))}:{x.Value}"));
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"{s,3} {row.Sent,5} {row.Good,4}  {answers,-22} {row.P50,5:F0} {row.P99,5:F0}   {cpu.GetValueOrDefault("serving"),6:F0} | {cpu.GetValueOrDefault("new"),6:F0} | {cpu.GetValueOrDefault("gateway"),6:F0} | {cpu.GetValueOrDefault("inventory"),6:F0} || {cpu.GetValueOrDefault("wait:serving"),6:F0} | {cpu.GetValueOrDefault("wait:new"),6:F0} | {cpu.GetValueOrDefault("wait:gateway"),6:F0} | {cpu.GetValueOrDefault("wait:inventory"),6:F0} | {states.GetValueOrDefault(s, "?")}");
                rows.Add(new { second = s, row.Sent, row.Good, statuses = row.Statuses.ToDictionary(x => x.Key.ToString(CultureInfo.InvariantCulture), x => x.Value), p50Ms = row.P50, p99Ms = row.P99, cpuMs = cpu, states = states.GetValueOrDefault(s) });
            }

            Console.Write(table.ToString());
            await File.WriteAllTextAsync(Path.Combine(output, $"{runId}.txt"), table.ToString(), cancellationToken);
            return new { mode, replicas, rate, scaleStarted, scaleTook, loadAverage = ScaleLiveCommand.LoadAverage(), seconds = rows };
        }
        finally
        {
            await organism.DisposeAsync();
        }
    }

    private sealed class Second
    {
        public int Sent;
        public int Good;
        public ConcurrentDictionary<int, int> Statuses { get; } = new();
        public ConcurrentBag<double> Latencies { get; } = [];
        public double P50 => Percentile(0.5);
        public double P99 => Percentile(0.99);

        private double Percentile(double q)
        {
            var sorted = Latencies.Order().ToArray();
            return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }

    // Poisson arrivals from the seed; each placement counted in the second it was sent.
    private static async Task<Second[]> LoadAsync(HttpClient http, LocalOrganism organism, double rate, double seconds, int seed, TimeSpan slo, string runId, Stopwatch? clock, CancellationToken cancellationToken)
    {
        clock ??= Stopwatch.StartNew();
        var start = clock.Elapsed.TotalSeconds;
        var perSecond = Enumerable.Range(0, (int)Math.Ceiling(seconds)).Select(_ => new Second()).ToArray();
        var random = new Random(seed);
        var sends = new List<Task>();
        var t = 0.0;
        for (var i = 0; ; i++)
        {
            t += -Math.Log(1 - random.NextDouble()) / rate;
            if (t >= seconds)
            {
                break;
            }

            var wait = TimeSpan.FromSeconds(start + t) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var row = perSecond[(int)t];
            Interlocked.Increment(ref row.Sent);
            var sent = clock.Elapsed.TotalSeconds;
            var key = $"{runId}-{i}";
            sends.Add(Task.Run(async () =>
            {
                var (orderId, status) = await ScaleLiveCommand.PlaceAsync(http, organism, key, TimeSpan.FromSeconds(5), cancellationToken);
                var took = clock.Elapsed.TotalSeconds - sent;
                row.Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                row.Latencies.Add(Math.Round(took * 1000));
                if (orderId is not null && took <= slo.TotalSeconds)
                {
                    Interlocked.Increment(ref row.Good);
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(sends);
        return perSecond;
    }

    // Every 1 s: the CPU time (ms) of each process of the organism, grouped: the orders replicas that served before the
    // scale, the new one, the gateway and inventory (each with its sidecar); and the runner's replica states.
    private static async Task SampleAsync(RunnerReplicaScaler scaler, Stopwatch clock, ConcurrentDictionary<int, Dictionary<string, double>> samples, ConcurrentDictionary<int, string> states, CancellationToken stop)
    {
        HashSet<int>? serving = null;
        var waits = new RunQueueWaitCounter();
        for (var s = 0; !stop.IsCancellationRequested; s++)
        {
            try
            {
                var wait = TimeSpan.FromSeconds(s) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }

                var cells = await scaler.ListAsync(stop);
                serving ??= [.. cells.Single(c => c.AppId == App).Replicas.Select(r => r.Replica)];
                var groups = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var cell in cells)
                {
                    foreach (var replica in cell.Replicas)
                    {
                        var group = cell.AppId != App ? cell.AppId : serving.Contains(replica.Replica) ? "serving" : "new";
                        groups[group] = groups.GetValueOrDefault(group) + Cpu(replica.AppPid) + Cpu(replica.SidecarPid);
                        groups["wait:" + group] = groups.GetValueOrDefault("wait:" + group) + Wait(waits, replica.AppPid) + Wait(waits, replica.SidecarPid);
                    }
                }

                samples[s] = groups;
                states[s] = string.Join(',', cells.Single(c => c.AppId == App).Replicas.Select(r => r.State));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ReplicaScalingException)
            {
                // A missed sample: that second's CPU is counted in the next.
            }
        }
    }

    // A process gone (or not started yet) counts 0.
    private static double Cpu(int? pid) => pid is { } id ? ProcessCpu.Milliseconds(id) ?? 0 : 0;

    private static double Wait(RunQueueWaitCounter waits, int? pid) => pid is { } id ? waits.Milliseconds(id) : 0;

    private static Dictionary<string, double> Delta(ConcurrentDictionary<int, Dictionary<string, double>> samples, int second)
    {
        if (!samples.TryGetValue(second + 1, out var after) || !samples.TryGetValue(second, out var before))
        {
            return [];
        }

        return after.ToDictionary(a => a.Key, a => Math.Round(a.Value - before.GetValueOrDefault(a.Key)), StringComparer.Ordinal);
    }
}
