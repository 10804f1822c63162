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
/// machine, same load, alternating runs. The cell runs on the official Dapr .NET SDK against the real development
/// sidecar (hormones from a Redis configuration store, vitals published once a second on a Redis pub/sub), as it
/// does in the organism; the measured requests themselves never cross the sidecar.
/// </summary>
internal static partial class SdkOverheadBenchmark
{
    private const string Token = "bench-app-token";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 15);
        var connections = BenchArgs.Int(args, "--connections", 32);
        var runs = BenchArgs.Int(args, "--runs", 3);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "sdk-overhead.json"));
        if (!File.Exists("/usr/bin/wrk") && !File.Exists("/usr/local/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is required: apt-get install -y wrk");
            return 2;
        }

        await using var redis = await BenchRedis.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new("pubsub", "pubsub.redis"), new("hormones", "configuration.redis"));
        var cellPort = BenchRedis.FreePort();
        using var sidecar = await BenchSidecar.StartAsync("bench", cellPort, resources, configFile: null, environment: null, nameResolutionDirectory: null, waitForApp: false);
        await using var bare = await StartBareAsync();
        await using var cell = await StartCellAsync(cellPort, sidecar);
        Console.WriteLine($"BioDapr SDK overhead — {Environment.ProcessorCount} cores, .NET {Environment.Version}, wrk -t2 -c{connections} -d{seconds}s, {runs} alternating runs");

        await WrkAsync(bare.Port, 5, connections, withToken: false);
        await WrkAsync(cell.Port, 5, connections, withToken: true);
        var results = new List<object>();
        var bareRuns = new List<WrkResult>();
        var cellRuns = new List<WrkResult>();
        for (var run = 1; run <= runs; run++)
        {
            var b = await WrkAsync(bare.Port, seconds, connections, withToken: false);
            var c = await WrkAsync(cell.Port, seconds, connections, withToken: true);
            bareRuns.Add(b);
            cellRuns.Add(c);
            Console.WriteLine($"run {run}: bare {b.RequestsPerSecond:F0} req/s p99 {b.P99Ms:F2} ms | cell {c.RequestsPerSecond:F0} req/s p99 {c.P99Ms:F2} ms | throughput {100 * c.RequestsPerSecond / b.RequestsPerSecond:F1}%, added p99 {c.P99Ms - b.P99Ms:F2} ms");
            results.Add(new { run, bare = b, cell = c, throughputRatio = c.RequestsPerSecond / b.RequestsPerSecond, addedP99Ms = c.P99Ms - b.P99Ms });
        }

        var ratio = cellRuns.Sum(r => r.RequestsPerSecond) / bareRuns.Sum(r => r.RequestsPerSecond);
        var addedP99 = cellRuns.Average(r => r.P99Ms) - bareRuns.Average(r => r.P99Ms);
        Console.WriteLine($"overall: cell throughput {100 * ratio:F1}% of bare (target >= 85%), added p99 {addedP99:F2} ms (target <= 1 ms)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString() },
            at = DateTimeOffset.UtcNow,
            seconds,
            connections,
            runs = results,
            throughputRatio = ratio,
            addedP99Ms = addedP99,
            targets = new { throughputRatio = 0.85, addedP99Ms = 1.0 },
        }, Indented));
        Console.WriteLine($"results written to {output}");
        return 0;
    }

    private static async Task<RunningApp> StartBareAsync()
    {
        var port = BenchRedis.FreePort();
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
        if (!rps.Success || non2xx.Success)
        {
            throw new InvalidOperationException("wrk run failed or saw errors:\n" + text);
        }

        return new WrkResult(double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), p50, p99);
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

    private sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms);

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
