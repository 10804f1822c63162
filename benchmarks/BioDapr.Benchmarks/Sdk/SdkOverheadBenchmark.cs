using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BioDapr.Benchmarks.Infrastructure;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Vitals;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Pipeline;
using BioDapr.Pathways.Policies;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Benchmarks.Sdk;

/// <summary>
/// Issue 4's cost of the cell SDK: a trivial endpoint served by a bare minimal API against the same
/// endpoint in a cell with the full pipeline — the immune check (<c>APP_API_TOKEN</c>), ingress
/// (admission, pathogens, endpoint vitals) and one pathway execution (the Polly pipeline with
/// limiter, retry budget, breaker and timeout around an in-memory attempt) — measured with wrk, same
/// machine, same load, interleaved rounds. The bare server runs in a child process of its own (OpenTelemetry's listeners
/// are process-wide, so beside the cell it was traced and metered too); each round also reports the CPU time and the
/// bytes each server process spends per request, which a shared machine disturbs far less than the rate. The cell runs on the official Dapr .NET SDK against the real development
/// sidecar (hormones from a Redis configuration store, vitals published once a second on a Redis pub/sub), as it
/// does in the organism; the measured requests themselves never cross the sidecar.
/// </summary>
internal static partial class SdkOverheadBenchmark
{
    private const string Token = "bench-app-token";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--child"))
        {
            return await RunChildAsync(args);
        }

        var seconds = BenchArgs.Int(args, "--seconds", 6);
        var connections = BenchArgs.Int(args, "--connections", 32);
        var runs = BenchArgs.Int(args, "--runs", 12);
        var serveSeconds = args.Contains("--serve") ? BenchArgs.Int(args, "--serve", 300) : 0;
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "sdk-overhead.json"));
        if (serveSeconds == 0 && !File.Exists("/usr/bin/wrk") && !File.Exists("/usr/local/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is required: apt-get install -y wrk");
            return 2;
        }

        // Pinning: the server under test gets the last core to itself, wrk (and everything else this benchmark starts: the
        // sidecar, Redis) the others. Sharing both cores, wrk took a varying part of the server's CPU and the ratio swung.
        var pinning = CorePinning.Choose(disabled: args.Contains("--no-pin"));
        pinning.PinThisProcessToTheLoadCores();

        await using var redis = await BenchRedis.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new("pubsub", "pubsub.redis"), new("hormones", "configuration.redis"));
        var cellPort = BenchRedis.FreePort();
        using var sidecar = await BenchSidecar.StartAsync("bench", cellPort, resources, configFile: null, environment: null, nameResolutionDirectory: null, waitForApp: false);
        // Both servers run in processes of their own, started the same way: OpenTelemetry listens process-wide (the ASP.NET
        // Core activity source and diagnostic listener, the hosting meters), so one process is never bare beside a cell; and
        // each process's CPU time and allocation are its server's alone.
        await using var bare = await ServerProcess.StartAsync("bare", BenchRedis.FreePort(), sidecar, pinning);
        await using var cell = await ServerProcess.StartAsync("cell", cellPort, sidecar, pinning);
        if (serveSeconds > 0)
        {
            // For a profiler (dotnet-trace, dotnet-counters): both servers up, no load of our own.
            Console.WriteLine($"serving for {serveSeconds} s: bare http://127.0.0.1:{bare.Port}/ping in process {bare.ProcessId}, cell http://127.0.0.1:{cell.Port}/ping in process {cell.ProcessId} (header 'dapr-api-token: {Token}'); {pinning.Describe()}");
            await Task.Delay(TimeSpan.FromSeconds(serveSeconds));
            return 0;
        }

        if (args.Contains("--alloc-types"))
        {
            await SampleAllocationsAsync("bare", bare, seconds, connections, withToken: false, pinning);
            await SampleAllocationsAsync("cell", cell, seconds, connections, withToken: true, pinning);
            return 0;
        }

        Console.WriteLine($"BioDapr SDK overhead — {Environment.ProcessorCount} cores, .NET {Environment.Version}, wrk -t2 -c{connections} -d{seconds}s, {runs} interleaved rounds (bare first in odd rounds, cell first in even ones); {pinning.Describe()}");
        await WrkAsync(bare.Port, 5, connections, withToken: false, pinning);
        await WrkAsync(cell.Port, 5, connections, withToken: true, pinning);
        var rounds = new List<Round>();
        for (var round = 1; round <= runs; round++)
        {
            var loadBefore = LoadAverage();
            Measured b, c;
            if (round % 2 == 1)
            {
                b = await MeasureAsync(bare, seconds, connections, withToken: false, pinning);
                c = await MeasureAsync(cell, seconds, connections, withToken: true, pinning);
            }
            else
            {
                c = await MeasureAsync(cell, seconds, connections, withToken: true, pinning);
                b = await MeasureAsync(bare, seconds, connections, withToken: false, pinning);
            }

            var r = new Round(round, b, c, c.RequestsPerSecond / b.RequestsPerSecond, c.P99Ms - b.P99Ms, c.CpuMicrosPerRequest - b.CpuMicrosPerRequest, b.CpuMicrosPerRequest / c.CpuMicrosPerRequest, c.BytesPerRequest - b.BytesPerRequest, loadBefore, LoadAverage());
            rounds.Add(r);
            Console.WriteLine(
                $"round {round}: bare {b.RequestsPerSecond:F0} req/s p99 {b.P99Ms:F2} ms {b.CpuMicrosPerRequest:F1} µs CPU {b.BytesPerRequest:F0} B/req starved {b.StarvationInjections} | " +
                $"cell {c.RequestsPerSecond:F0} req/s p99 {c.P99Ms:F2} ms {c.CpuMicrosPerRequest:F1} µs CPU {c.BytesPerRequest:F0} B/req starved {c.StarvationInjections} | " +
                $"throughput {100 * r.ThroughputRatio:F1}%, added p99 {r.AddedP99Ms:F2} ms, added CPU {r.AddedCpuMicrosPerRequest:F1} µs/req | load {loadBefore:F1} → {r.LoadAfter:F1}");
        }

        // The median and the spread of the rounds: one disturbed round (another process's burst) moves a median little.
        var pooledRatio = rounds.Sum(r => r.Cell.RequestsPerSecond) / rounds.Sum(r => r.Bare.RequestsPerSecond);
        var ratios = Spread.Of(rounds.Select(r => r.ThroughputRatio));
        var addedP99 = Spread.Of(rounds.Select(r => r.AddedP99Ms));
        var addedCpu = Spread.Of(rounds.Select(r => r.AddedCpuMicrosPerRequest));
        var cpuRatios = Spread.Of(rounds.Select(r => r.CpuRatio));
        var bareCpu = Spread.Of(rounds.Select(r => r.Bare.CpuMicrosPerRequest));
        var cellCpu = Spread.Of(rounds.Select(r => r.Cell.CpuMicrosPerRequest));
        var load = Spread.Of(rounds.SelectMany(r => new[] { r.LoadBefore, r.LoadAfter }));
        Console.WriteLine($"overall: cell throughput {100 * ratios.Median:F1}% of bare, median of {runs} rounds (target >= 85%; rounds {100 * ratios.Min:F1}–{100 * ratios.Max:F1}%, quartiles {100 * ratios.LowerQuartile:F1}–{100 * ratios.UpperQuartile:F1}%, sd {100 * ratios.StandardDeviation:F1} points; pooled {100 * pooledRatio:F1}%), added p99 {addedP99.Median:F2} ms (target <= 1 ms; rounds {addedP99.Min:F2}–{addedP99.Max:F2})");
        Console.WriteLine($"server CPU per request (median): bare {bareCpu.Median:F1} µs, cell {cellCpu.Median:F1} µs, added {addedCpu.Median:F1} µs (rounds {addedCpu.Min:F1}–{addedCpu.Max:F1}); bare ÷ cell CPU {100 * cpuRatios.Median:F1}% (rounds {100 * cpuRatios.Min:F1}–{100 * cpuRatios.Max:F1}%); allocated: bare {rounds.Average(r => r.Bare.BytesPerRequest):F0} B/req, cell {rounds.Average(r => r.Cell.BytesPerRequest):F0} B/req");
        var starved = new { bare = rounds.Sum(r => r.Bare.StarvationInjections), cell = rounds.Sum(r => r.Cell.StarvationInjections) };
        Console.WriteLine($"thread-pool starvation (threads added because work waited ~0.5 s with no thread free, in the server's process): bare {starved.bare}, cell {starved.cell} over {runs} rounds (expected 0: a count is a stall the process caused itself)");
        Console.WriteLine($"load average (1 min) during the rounds: {load.Min:F1}–{load.Max:F1} on {Environment.ProcessorCount} cores");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString() },
            at = DateTimeOffset.UtcNow,
            pinning = pinning.Describe(),
            seconds,
            connections,
            runs = rounds,
            throughputRatio = ratios.Median,
            throughputRatioSpread = ratios,
            pooledThroughputRatio = pooledRatio,
            addedP99Ms = addedP99.Median,
            addedP99MsSpread = addedP99,
            addedCpuMicrosPerRequest = addedCpu,
            cpuMicrosPerRequest = new { bare = bareCpu, cell = cellCpu },
            cpuRatio = cpuRatios,
            starvationInjections = starved,
            loadAverage = load,
            targets = new { throughputRatio = 0.85, addedP99Ms = 1.0 },
        }, Indented));
        Console.WriteLine($"results written to {output}");
        return 0;
    }

    // Where a server's bytes go: one loaded run with the runtime's allocation ticks sampled inside the server's process
    // (the sampler's own cost makes it no measurement of rate or CPU, so it replaces the rounds).
    private static async Task SampleAllocationsAsync(string name, ServerProcess server, int seconds, int connections, bool withToken, CorePinning pinning)
    {
        await WrkAsync(server.Port, 5, connections, withToken, pinning);
        var (allocated, types, wrk) = await server.SampleAllocationsAsync(() => WrkAsync(server.Port, seconds, connections, withToken, pinning));
        var total = Math.Max(1, types.Sum(t => t.Bytes));
        var requests = Math.Max(1, wrk.Requests);
        Console.WriteLine($"{name}: {wrk.Requests} requests, {(double)allocated / requests:F0} B/req allocated by its process; by type (sampled, scaled to that total):");
        foreach (var (type, bytes) in types.Take(30))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(double)allocated * bytes / total / requests,7:F0} B/req  {100.0 * bytes / total,5:F1}%  {type}"));
        }
    }

    // The rate also measures wrk; the CPU time the server's process spends per request, and what it allocates, are the
    // server's own cost (and the CPU figure is disturbed far less by other processes than the rate).
    private static async Task<Measured> MeasureAsync(ServerProcess server, int seconds, int connections, bool withToken, CorePinning pinning)
    {
        var before = await server.StatsAsync();
        var wrk = await WrkAsync(server.Port, seconds, connections, withToken, pinning);
        var after = await server.StatsAsync();
        var requests = Math.Max(1, wrk.Requests);
        return new Measured(
            wrk.RequestsPerSecond,
            wrk.P50Ms,
            wrk.P99Ms,
            (after.CpuMicroseconds - before.CpuMicroseconds) / requests,
            (double)(after.AllocatedBytes - before.AllocatedBytes) / requests,
            after.Gen0Collections - before.Gen0Collections,
            after.StarvationInjections - before.StarvationInjections,
            after.PoolThreads);
    }

    // A server's process (this benchmark with --child bare|cell --port P [--dapr-http H --dapr-grpc G]): serves until its
    // standard input closes; "stats" on a line of input is answered with its CPU time, bytes allocated, gen-0 collections,
    // thread-pool starvation injections and pool threads so far; "alloc-start" / "alloc-stop" sample its allocation by type.
    private static async Task<int> RunChildAsync(string[] args)
    {
        var kind = BenchArgs.String(args, "--child", "");
        var port = BenchArgs.Int(args, "--port", 0);
        await using var server = kind switch
        {
            "bare" => await StartBareAsync(port),
            "cell" => await StartCellAsync(port, BenchArgs.Int(args, "--dapr-http", 0), BenchArgs.Int(args, "--dapr-grpc", 0)),
            _ => throw new ArgumentException($"--child must be 'bare' or 'cell', got '{kind}'"),
        };
        using var starvation = new ThreadPoolStarvation();
        Console.WriteLine("ready");
        // On a thread of its own (CommandLoop): this method continues on a thread-pool thread after the cell's start, which
        // always yields, and a blocking read there starved the pinned cell's pool (issue 13, item 8).
        AllocationSampler? sampler = null;
        await CommandLoop.RunAsync(Console.In, line => Serve(line, starvation, ref sampler));
        sampler?.Dispose();
        return 0;
    }

    private static void Serve(string line, ThreadPoolStarvation starvation, ref AllocationSampler? sampler)
    {
        if (line == "stats")
        {
            var stats = ProcessStats.OfThisProcess(starvation);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stats.CpuMicroseconds} {stats.AllocatedBytes} {stats.Gen0Collections} {stats.StarvationInjections} {stats.PoolThreads}"));
        }
        else if (line == "alloc-start")
        {
            sampler ??= new AllocationSampler();
            sampler.Start();
            Console.WriteLine("started");
        }
        else if (line == "alloc-stop" && sampler is not null)
        {
            // One line per type ("bytes type"), then an empty line.
            foreach (var (type, bytes) in sampler.Stop())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes} {type}"));
            }

            Console.WriteLine();
        }
    }

    private static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static async Task<RunningApp> StartBareAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/ping", () => Results.Ok(new { pong = true }));
        await app.StartAsync();
        return new RunningApp(app);
    }

    private static async Task<RunningApp> StartCellAsync(int port, int sidecarHttpPort, int sidecarGrpcPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecarHttpPort}",
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{sidecarGrpcPort}",
            ["Cell:Name"] = "bench",
            ["APP_API_TOKEN"] = Token,
        });
        builder.AddCellDefaults();
        builder.AddCellVitals();
        var app = builder.Build();
        app.UseCellDefaults();
        app.MapCellDefaultEndpoints();
        var vitals = app.Services.GetRequiredService<CellVitals>();
        var random = app.Services.GetRequiredService<CellRandom>();
        var hormones = PathwayHormones.Default;
        var pathway = new Pathway<int>(new PathwayState("local", () => hormones, TimeProvider.System, random.Instance, vitals.For(VitalsKind.Pathway, "local")), _ => PathwayOutcome.Success);
        app.MapGet("/ping", async (CancellationToken ct) =>
        {
            var result = await pathway.ExecuteAsync(static _ => ValueTask.FromResult(1), ct);
            return result.IsGood ? Results.Ok(new { pong = true }) : Results.StatusCode(503);
        });
        await app.StartAsync();
        return new RunningApp(app);
    }

    private static async Task<WrkResult> WrkAsync(int port, int seconds, int connections, bool withToken, CorePinning pinning)
    {
        var start = pinning.StartInfo("wrk", pinning.LoadCores);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var argument in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency" })
        {
            start.ArgumentList.Add(argument);
        }

        if (withToken)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("dapr-api-token: " + Token);
        }

        start.ArgumentList.Add($"http://127.0.0.1:{port}/ping");
        using var wrk = Process.Start(start)!;
        var text = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var rps = RequestsPerSecond().Match(text);
        var p50 = Percentile("50", text);
        var p99 = Percentile("99", text);
        var non2xx = Non2xx().Match(text);
        var requests = Requests().Match(text);
        if (!rps.Success || !requests.Success || non2xx.Success)
        {
            throw new InvalidOperationException("wrk run failed or saw errors:\n" + text);
        }

        return new WrkResult(double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), p50, p99);
    }

    private static double Percentile(string percent, string text)
    {
        var match = Regex.Match(text, $@"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            throw new InvalidOperationException($"no {percent}% line in wrk's output:\n{text}");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"^\s*(\d+) requests in", RegexOptions.Multiline)]
    private static partial Regex Requests();

    private sealed record WrkResult(double RequestsPerSecond, long Requests, double P50Ms, double P99Ms);

    // StarvationInjections: threads the pool added because it was starved during the round (ThreadPoolStarvation);
    // PoolThreads: its threads at the round's end.
    private sealed record Measured(double RequestsPerSecond, double P50Ms, double P99Ms, double CpuMicrosPerRequest, double BytesPerRequest, int Gen0Collections, long StarvationInjections, int PoolThreads);

    private sealed record Round(int Run, Measured Bare, Measured Cell, double ThroughputRatio, double AddedP99Ms, double AddedCpuMicrosPerRequest, double CpuRatio, double AddedBytesPerRequest, double LoadBefore, double LoadAfter);

    private sealed record Spread(double Median, double Mean, double Min, double Max, double LowerQuartile, double UpperQuartile, double StandardDeviation)
    {
        public static Spread Of(IEnumerable<double> values)
        {
            var list = values.Where(v => !double.IsNaN(v)).Order().ToList();
            if (list.Count == 0)
            {
                return new Spread(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
            }

            var mean = list.Average();
            return new Spread(
                Quantile(list, 0.5), mean, list[0], list[^1], Quantile(list, 0.25), Quantile(list, 0.75),
                Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, list.Count - 1)));
        }

        // Linear interpolation between the closest ranks of the sorted values.
        private static double Quantile(List<double> sorted, double q)
        {
            var position = q * (sorted.Count - 1);
            var lower = (int)Math.Floor(position);
            var upper = Math.Min(sorted.Count - 1, lower + 1);
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
        }
    }

    private sealed record ProcessStats(double CpuMicroseconds, long AllocatedBytes, int Gen0Collections, long StarvationInjections, int PoolThreads)
    {
        public static ProcessStats OfThisProcess(ThreadPoolStarvation starvation)
        {
            using var process = Process.GetCurrentProcess();
            return new ProcessStats(process.TotalProcessorTime.TotalMicroseconds, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), starvation.Injections, ThreadPool.ThreadCount);
        }
    }

    /// <summary>
    /// Which cores the server under test and the load (wrk, the sidecar, Redis, this process) use: the last core for the
    /// server, the others for the load, when there are at least two and <c>taskset</c> is installed; else no pinning.
    /// </summary>
    private sealed class CorePinning
    {
        private CorePinning(string? serverCores, string? loadCores)
        {
            ServerCores = serverCores;
            LoadCores = loadCores;
        }

        public string? ServerCores { get; }

        public string? LoadCores { get; }

        public static CorePinning Choose(bool disabled)
        {
            var cores = Environment.ProcessorCount;
            if (disabled || cores < 2 || !OperatingSystem.IsLinux() || !File.Exists("/usr/bin/taskset"))
            {
                return new CorePinning(null, null);
            }

            return new CorePinning((cores - 1).ToString(CultureInfo.InvariantCulture), cores == 2 ? "0" : $"0-{cores - 2}");
        }

        public string Describe() => ServerCores is null
            ? "no core pinning: servers and wrk share every core"
            : $"server under test pinned to core {ServerCores}, wrk/sidecar/Redis to core(s) {LoadCores}";

        // The sidecar and Redis are started by this process and inherit its cores.
        public void PinThisProcessToTheLoadCores()
        {
            if (LoadCores is null)
            {
                return;
            }

            var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-a", "-p", "-c", LoadCores, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            using var taskset = Process.Start(start)!;
            taskset.WaitForExit();
            if (taskset.ExitCode != 0)
            {
                throw new InvalidOperationException($"taskset could not pin this process to core(s) {LoadCores}");
            }
        }

        public ProcessStartInfo StartInfo(string program, string? cores)
        {
            var start = new ProcessStartInfo(cores is null ? program : "taskset") { UseShellExecute = false };
            if (cores is not null)
            {
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(cores);
                start.ArgumentList.Add(program);
            }

            return start;
        }
    }

    /// <summary>A server in a child process (this benchmark with <c>--child bare|cell</c>), pinned to the server core.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly SemaphoreSlim _gate = new(1, 1);

        private ServerProcess(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public int ProcessId => _process.Id;

        public static async Task<ServerProcess> StartAsync(string kind, int port, BenchSidecar sidecar, CorePinning pinning)
        {
            var self = Environment.ProcessPath!;
            var start = pinning.StartInfo(self, pinning.ServerCores);
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(SdkOverheadBenchmark).Assembly.Location);
            }

            foreach (var argument in new[]
            {
                "sdk-overhead", "--child", kind, "--port", port.ToString(CultureInfo.InvariantCulture),
                "--dapr-http", sidecar.HttpPort.ToString(CultureInfo.InvariantCulture), "--dapr-grpc", sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {kind} server's process");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            string? ready;
            try
            {
                ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                ready = "(nothing within 120 s)";
            }

            if (ready != "ready")
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"the {kind} server's process did not start (said '{ready}')");
            }

            return new ServerProcess(process, port);
        }

        public async Task<ProcessStats> StatsAsync()
        {
            await _gate.WaitAsync();
            try
            {
                await CommandAsync("stats");
                var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server's process exited");
                var parts = line.Split(' ');
                return new ProcessStats(
                    double.Parse(parts[0], CultureInfo.InvariantCulture),
                    long.Parse(parts[1], CultureInfo.InvariantCulture),
                    int.Parse(parts[2], CultureInfo.InvariantCulture),
                    long.Parse(parts[3], CultureInfo.InvariantCulture),
                    int.Parse(parts[4], CultureInfo.InvariantCulture));
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task<(long Allocated, IReadOnlyList<(string Type, long Bytes)> Types, WrkResult Wrk)> SampleAllocationsAsync(Func<Task<WrkResult>> load)
        {
            var before = await StatsAsync();
            await CommandAsync("alloc-start");
            await _process.StandardOutput.ReadLineAsync();
            var wrk = await load();
            await CommandAsync("alloc-stop");
            var types = new List<(string Type, long Bytes)>();
            while (await _process.StandardOutput.ReadLineAsync() is { Length: > 0 } line)
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                types.Add((line[(space + 1)..], long.Parse(line.AsSpan(0, space), CultureInfo.InvariantCulture)));
            }

            var after = await StatsAsync();
            return (after.AllocatedBytes - before.AllocatedBytes, types, wrk);
        }

        private async Task CommandAsync(string command)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
            _gate.Dispose();
        }
    }

    private sealed class RunningApp(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
