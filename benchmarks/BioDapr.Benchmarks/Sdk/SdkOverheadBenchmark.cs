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
        if (args.Contains("--bare-child"))
        {
            return await RunBareChildAsync(BenchArgs.Int(args, "--bare-child", 0));
        }

        var seconds = BenchArgs.Int(args, "--seconds", 15);
        var connections = BenchArgs.Int(args, "--connections", 32);
        var runs = BenchArgs.Int(args, "--runs", 5);
        var serveSeconds = args.Contains("--serve") ? BenchArgs.Int(args, "--serve", 300) : 0;
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "sdk-overhead.json"));
        if (serveSeconds == 0 && !File.Exists("/usr/bin/wrk") && !File.Exists("/usr/local/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is required: apt-get install -y wrk");
            return 2;
        }

        await using var redis = await BenchRedis.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new("pubsub", "pubsub.redis"), new("hormones", "configuration.redis"));
        var cellPort = BenchRedis.FreePort();
        using var sidecar = await BenchSidecar.StartAsync("bench", cellPort, resources, configFile: null, environment: null, nameResolutionDirectory: null, waitForApp: false);
        // The bare server runs in a process of its own: the cell's OpenTelemetry listens process-wide (the ASP.NET Core
        // activity source and diagnostic listener, the hosting meters), so in one process the bare server was traced and
        // metered too.
        await using var bare = await BareServer.StartAsync();
        await using var cell = await StartCellAsync(cellPort, sidecar);
        if (serveSeconds > 0)
        {
            // For a profiler (dotnet-trace, dotnet-counters): both servers up, no load of our own.
            Console.WriteLine($"serving for {serveSeconds} s: bare http://127.0.0.1:{bare.Port}/ping in process {bare.ProcessId}, cell in process {Environment.ProcessId} http://127.0.0.1:{cell.Port}/ping (header 'dapr-api-token: {Token}')");
            await Task.Delay(TimeSpan.FromSeconds(serveSeconds));
            return 0;
        }

        if (args.Contains("--alloc-types"))
        {
            await SampleAllocationsAsync("bare", bare.Port, seconds, connections, withToken: false, bare.SampleAllocationsAsync);
            await SampleAllocationsAsync("cell", cell.Port, seconds, connections, withToken: true, OwnAllocationsAsync);
            return 0;
        }

        Console.WriteLine($"BioDapr SDK overhead — {Environment.ProcessorCount} cores, .NET {Environment.Version}, wrk -t2 -c{connections} -d{seconds}s, {runs} interleaved rounds (bare first in odd rounds, cell first in even ones)");
        await WrkAsync(bare.Port, 5, connections, withToken: false);
        await WrkAsync(cell.Port, 5, connections, withToken: true);
        var rounds = new List<Round>();
        for (var round = 1; round <= runs; round++)
        {
            var loadBefore = LoadAverage();
            Measured b, c;
            if (round % 2 == 1)
            {
                b = await MeasureAsync(bare.Port, bare.StatsAsync, seconds, connections, withToken: false);
                c = await MeasureAsync(cell.Port, OwnStatsAsync, seconds, connections, withToken: true);
            }
            else
            {
                c = await MeasureAsync(cell.Port, OwnStatsAsync, seconds, connections, withToken: true);
                b = await MeasureAsync(bare.Port, bare.StatsAsync, seconds, connections, withToken: false);
            }

            var r = new Round(round, b, c, c.RequestsPerSecond / b.RequestsPerSecond, c.P99Ms - b.P99Ms, c.CpuMicrosPerRequest - b.CpuMicrosPerRequest, c.BytesPerRequest - b.BytesPerRequest, loadBefore, LoadAverage());
            rounds.Add(r);
            Console.WriteLine(
                $"round {round}: bare {b.RequestsPerSecond:F0} req/s p99 {b.P99Ms:F2} ms {b.CpuMicrosPerRequest:F1} µs CPU {b.BytesPerRequest:F0} B/req | " +
                $"cell {c.RequestsPerSecond:F0} req/s p99 {c.P99Ms:F2} ms {c.CpuMicrosPerRequest:F1} µs CPU {c.BytesPerRequest:F0} B/req | " +
                $"throughput {100 * r.ThroughputRatio:F1}%, added p99 {r.AddedP99Ms:F2} ms, added CPU {r.AddedCpuMicrosPerRequest:F1} µs/req | load {loadBefore:F1} → {r.LoadAfter:F1}");
        }

        var ratio = rounds.Sum(r => r.Cell.RequestsPerSecond) / rounds.Sum(r => r.Bare.RequestsPerSecond);
        var addedP99 = rounds.Average(r => r.Cell.P99Ms) - rounds.Average(r => r.Bare.P99Ms);
        var ratios = Spread.Of(rounds.Select(r => r.ThroughputRatio));
        var addedCpu = Spread.Of(rounds.Select(r => r.AddedCpuMicrosPerRequest));
        var cpuRatio = rounds.Average(r => r.Bare.CpuMicrosPerRequest) / rounds.Average(r => r.Cell.CpuMicrosPerRequest);
        var load = Spread.Of(rounds.SelectMany(r => new[] { r.LoadBefore, r.LoadAfter }));
        Console.WriteLine($"overall: cell throughput {100 * ratio:F1}% of bare (target >= 85%; rounds {100 * ratios.Min:F1}–{100 * ratios.Max:F1}%, sd {100 * ratios.StandardDeviation:F1} points), added p99 {addedP99:F2} ms (target <= 1 ms)");
        Console.WriteLine($"server CPU: bare {rounds.Average(r => r.Bare.CpuMicrosPerRequest):F1} µs/req, cell {rounds.Average(r => r.Cell.CpuMicrosPerRequest):F1} µs/req (+{addedCpu.Mean:F1}, rounds {addedCpu.Min:F1}–{addedCpu.Max:F1}); bare ÷ cell CPU {100 * cpuRatio:F1}%; allocated: bare {rounds.Average(r => r.Bare.BytesPerRequest):F0} B/req, cell {rounds.Average(r => r.Cell.BytesPerRequest):F0} B/req");
        Console.WriteLine($"load average (1 min) during the rounds: {load.Min:F1}–{load.Max:F1} on {Environment.ProcessorCount} cores");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString() },
            at = DateTimeOffset.UtcNow,
            seconds,
            connections,
            runs = rounds,
            throughputRatio = ratio,
            throughputRatioSpread = ratios,
            addedP99Ms = addedP99,
            addedCpuMicrosPerRequest = addedCpu,
            cpuRatio,
            loadAverage = load,
            targets = new { throughputRatio = 0.85, addedP99Ms = 1.0 },
        }, Indented));
        Console.WriteLine($"results written to {output}");
        return 0;
    }

    // Where a server's bytes go: one loaded run with the runtime's allocation ticks sampled inside the server's process
    // (the sampler's own cost makes it no measurement of rate or CPU, so it replaces the rounds).
    private static async Task SampleAllocationsAsync(string name, int port, int seconds, int connections, bool withToken, Func<Func<Task<WrkResult>>, Task<(long Allocated, IReadOnlyList<(string Type, long Bytes)> Types, WrkResult Wrk)>> sampled)
    {
        await WrkAsync(port, 5, connections, withToken);
        var (allocated, types, wrk) = await sampled(() => WrkAsync(port, seconds, connections, withToken));
        var total = Math.Max(1, types.Sum(t => t.Bytes));
        var requests = Math.Max(1, wrk.Requests);
        Console.WriteLine($"{name}: {wrk.Requests} requests, {(double)allocated / requests:F0} B/req allocated by its process; by type (sampled, scaled to that total):");
        foreach (var (type, bytes) in types.Take(30))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(double)allocated * bytes / total / requests,7:F0} B/req  {100.0 * bytes / total,5:F1}%  {type}"));
        }
    }

    private static async Task<(long, IReadOnlyList<(string Type, long Bytes)>, WrkResult)> OwnAllocationsAsync(Func<Task<WrkResult>> load)
    {
        using var sampler = new AllocationSampler();
        sampler.Start();
        var before = GC.GetTotalAllocatedBytes();
        var wrk = await load();
        var allocated = GC.GetTotalAllocatedBytes() - before;
        return (allocated, sampler.Stop(), wrk);
    }

    // wrk and the servers share the machine, so the rate also measures wrk; the CPU the benchmark process (both servers,
    // one loaded at a time) spends per request, and what it allocates, are the servers' own cost.
    private static async Task<Measured> MeasureAsync(int port, Func<Task<ProcessStats>> stats, int seconds, int connections, bool withToken)
    {
        var before = await stats();
        var wrk = await WrkAsync(port, seconds, connections, withToken);
        var after = await stats();
        var requests = Math.Max(1, wrk.Requests);
        return new Measured(
            wrk.RequestsPerSecond,
            wrk.P50Ms,
            wrk.P99Ms,
            (after.CpuMicroseconds - before.CpuMicroseconds) / requests,
            (double)(after.AllocatedBytes - before.AllocatedBytes) / requests,
            after.Gen0Collections - before.Gen0Collections);
    }

    private static Task<ProcessStats> OwnStatsAsync() => Task.FromResult(ProcessStats.OfThisProcess());

    // The bare server's process: serves until its standard input closes; "stats" on a line of input is answered with
    // its CPU time, bytes allocated and gen-0 collections so far.
    private static async Task<int> RunBareChildAsync(int port)
    {
        await using var bare = await StartBareAsync(port);
        AllocationSampler? sampler = null;
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "stats")
            {
                var stats = ProcessStats.OfThisProcess();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stats.CpuMicroseconds} {stats.AllocatedBytes} {stats.Gen0Collections}"));
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

        return 0;
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
        return new RunningApp(app, port);
    }

    private static async Task<RunningApp> StartCellAsync(int port, BenchSidecar sidecar)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecar.HttpPort}",
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{sidecar.GrpcPort}",
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
        return new RunningApp(app, port);
    }

    private static async Task<WrkResult> WrkAsync(int port, int seconds, int connections, bool withToken)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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

    private sealed record Measured(double RequestsPerSecond, double P50Ms, double P99Ms, double CpuMicrosPerRequest, double BytesPerRequest, int Gen0Collections);

    private sealed record Round(int Run, Measured Bare, Measured Cell, double ThroughputRatio, double AddedP99Ms, double AddedCpuMicrosPerRequest, double AddedBytesPerRequest, double LoadBefore, double LoadAfter);

    private sealed record Spread(double Mean, double Min, double Max, double StandardDeviation)
    {
        public static Spread Of(IEnumerable<double> values)
        {
            var list = values.Where(v => !double.IsNaN(v)).ToList();
            if (list.Count == 0)
            {
                return new Spread(double.NaN, double.NaN, double.NaN, double.NaN);
            }

            var mean = list.Average();
            return new Spread(mean, list.Min(), list.Max(), Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, list.Count - 1)));
        }
    }

    private sealed record ProcessStats(double CpuMicroseconds, long AllocatedBytes, int Gen0Collections)
    {
        public static ProcessStats OfThisProcess()
        {
            using var process = Process.GetCurrentProcess();
            return new ProcessStats(process.TotalProcessorTime.TotalMicroseconds, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0));
        }
    }

    /// <summary>The bare server in a child process (this benchmark with <c>--bare-child PORT</c>).</summary>
    private sealed class BareServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly SemaphoreSlim _gate = new(1, 1);

        private BareServer(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public int ProcessId => _process.Id;

        public static async Task<BareServer> StartAsync()
        {
            var port = BenchRedis.FreePort();
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(SdkOverheadBenchmark).Assembly.Location);
            }

            foreach (var argument in new[] { "sdk-overhead", "--bare-child", port.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the bare server's process");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (ready != "ready")
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"the bare server's process did not start (said '{ready}')");
            }

            return new BareServer(process, port);
        }

        public async Task<ProcessStats> StatsAsync()
        {
            await _gate.WaitAsync();
            try
            {
                await _process.StandardInput.WriteLineAsync("stats");
                await _process.StandardInput.FlushAsync();
                var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the bare server's process exited");
                var parts = line.Split(' ');
                return new ProcessStats(
                    double.Parse(parts[0], CultureInfo.InvariantCulture),
                    long.Parse(parts[1], CultureInfo.InvariantCulture),
                    int.Parse(parts[2], CultureInfo.InvariantCulture));
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

    private sealed class RunningApp(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port { get; } = port;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
