using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;

namespace BioDapr.Benchmarks.Actors;

/// <summary>
/// Issue 3's numbers: actor calls through the development sidecar (its own process, state.redis as the
/// actor state store) on one id and spread over many ids, closed loop; and reminder firing lateness
/// (due time → callback arriving at the app). The actor host is a minimal app in this process that
/// answers daprd's callbacks with 200 at once, so the numbers are the sidecar's and the protocol's.
/// </summary>
internal static class ActorBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 32);
        var ids = BenchArgs.Int(args, "--ids", 1_000);
        var reminders = BenchArgs.Int(args, "--reminders", 500);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "actors.json"));

        await using var redis = await BenchRedis.StartAsync();
        await using var host = await ActorHost.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new BenchComponent("actorstate", "state.redis", ("actorStateStore", "true")));
        using var sidecar = await BenchSidecar.StartAsync("actors-bench", host.Port, resources);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri($"http://127.0.0.1:{sidecar.HttpPort}") };
        await WaitForActorsAsync(http);
        Console.WriteLine($"BioDapr actor benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {concurrency} callers in flight");

        await CallsAsync(http, concurrency, TimeSpan.FromSeconds(3), _ => "warm");
        var oneId = await CallsAsync(http, concurrency, TimeSpan.FromSeconds(seconds), _ => "hot");
        Console.WriteLine($"one id:    {oneId.PerSecond:F0} calls/s, p50 {oneId.P50:F2} ms, p99 {oneId.P99:F2} ms, max turns in flight on the id {host.MaxInFlightPerId}");
        var spread = await CallsAsync(http, concurrency, TimeSpan.FromSeconds(seconds), i => "a" + (i % ids).ToString(CultureInfo.InvariantCulture));
        Console.WriteLine($"{ids} ids: {spread.PerSecond:F0} calls/s, p50 {spread.P50:F2} ms, p99 {spread.P99:F2} ms");

        var lateness = await ReminderLatenessAsync(http, host, reminders);
        Console.WriteLine($"reminders ({reminders}, due over 5 s): lateness p50 {lateness.P50:F1} ms, p99 {lateness.P99:F1} ms, max {lateness.Max:F1} ms, missing {lateness.Missing}");

        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            at = DateTimeOffset.UtcNow,
            oneId = new { seconds, concurrency, callsPerSecond = oneId.PerSecond, p50Ms = oneId.P50, p99Ms = oneId.P99, maxTurnsInFlightPerId = host.MaxInFlightPerId },
            spread = new { ids, seconds, concurrency, callsPerSecond = spread.PerSecond, p50Ms = spread.P50, p99Ms = spread.P99 },
            reminderLateness = new { reminders, p50Ms = lateness.P50, p99Ms = lateness.P99, maxMs = lateness.Max, missing = lateness.Missing },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        Directory.Delete(resources, recursive: true);
        return 0;
    }

    // The sidecar reads /dapr/config after the app port opens; actor calls work once the type is placed.
    private static async Task WaitForActorsAsync(HttpClient http)
    {
        for (var i = 0; i < 200; i++)
        {
            using var response = await http.PutAsync("/v1.0/actors/Bench/probe/method/work", null);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("the sidecar never placed the Bench actor type");
    }

    private static async Task<(double PerSecond, double P50, double P99)> CallsAsync(HttpClient http, int concurrency, TimeSpan duration, Func<int, string> id)
    {
        var latencies = new ConcurrentBag<double>();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var call = Interlocked.Increment(ref next);
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.PutAsync($"/v1.0/actors/Bench/{id(call)}/method/work", null);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"actor call failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var sorted = latencies.Order().ToList();
        return (sorted.Count / elapsed, Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.99));
    }

    private static async Task<(double P50, double P99, double Max, int Missing)> ReminderLatenessAsync(HttpClient http, ActorHost host, int count)
    {
        var first = DateTimeOffset.UtcNow.AddSeconds(2);
        var due = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < count; i++)
        {
            var at = first.AddMilliseconds(5_000.0 * i / count);
            var name = "r" + i.ToString(CultureInfo.InvariantCulture);
            due[name] = at;
            var body = $$"""{"dueTime":"{{at.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}"}""";
            using var response = await http.PostAsync($"/v1.0/actors/Bench/rem{i % 50}/reminders/{name}", new StringContent(body, Encoding.UTF8, "application/json"));
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"reminder registration failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var deadline = first.AddSeconds(15);
        while (host.Reminders.Count < count && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var lateness = host.Reminders.Where(r => due.ContainsKey(r.Key)).Select(r => (r.Value - due[r.Key]).TotalMilliseconds).Order().ToList();
        return (Percentiles.Of(lateness, 0.50), Percentiles.Of(lateness, 0.99), lateness.Count > 0 ? lateness[^1] : double.NaN, count - lateness.Count);
    }

    /// <summary>The actor host: <c>/dapr/config</c>, method turns answered at once, reminder arrivals recorded.</summary>
    private sealed class ActorHost : IAsyncDisposable
    {
        private readonly WebApplication _web;
        private readonly ConcurrentDictionary<string, int> _inFlight = new();
        private int _maxInFlightPerId;

        private ActorHost(WebApplication web, int port)
        {
            _web = web;
            Port = port;
        }

        public int Port { get; }

        public int MaxInFlightPerId => Volatile.Read(ref _maxInFlightPerId);

        public ConcurrentDictionary<string, DateTimeOffset> Reminders { get; } = new();

        public static async Task<ActorHost> StartAsync()
        {
            var port = BenchRedis.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var web = builder.Build();
            var host = new ActorHost(web, port);
            web.MapGet("/dapr/config", () => Results.Text("""{"entities":["Bench"],"actorIdleTimeout":"1h","reentrancy":{"enabled":false}}""", "application/json"));
            web.MapPut("/actors/Bench/{id}/method/remind/{name}", (string name) =>
            {
                host.Reminders.TryAdd(name, DateTimeOffset.UtcNow);
                return Results.Ok();
            });
            web.MapPut("/actors/Bench/{id}/method/{method}", (string id) =>
            {
                var now = host._inFlight.AddOrUpdate(id, 1, (_, n) => n + 1);
                int max;
                while (now > (max = Volatile.Read(ref host._maxInFlightPerId)) && Interlocked.CompareExchange(ref host._maxInFlightPerId, now, max) != max)
                {
                }

                host._inFlight.AddOrUpdate(id, 0, (_, n) => n - 1);
                return Results.Ok();
            });
            web.MapDelete("/actors/Bench/{id}", () => Results.Ok());
            await web.StartAsync();
            return host;
        }

        public ValueTask DisposeAsync() => _web.DisposeAsync();
    }
}
