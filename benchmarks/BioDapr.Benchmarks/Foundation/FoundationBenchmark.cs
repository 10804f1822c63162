using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;
using StackExchange.Redis;

namespace BioDapr.Benchmarks.Foundation;

/// <summary>
/// Issue 2's numbers: pub/sub end to end through the development sidecar and Redis Streams
/// (throughput at saturation; publish→handler latency at a fixed 1,000 msg/s, open loop), and hormone
/// propagation (Redis SET → value delivered to the cell). The sidecar runs as its own process; the
/// publisher and the subscribing app run in this process so both timestamps come from one clock.
/// </summary>
internal static class FoundationBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = BenchArgs.Int(args, "--messages", 100_000);
        var concurrency = BenchArgs.Int(args, "--concurrency", 64);
        var rate = BenchArgs.Int(args, "--rate", 1_000);
        var seconds = BenchArgs.Int(args, "--seconds", 15);
        var hormoneSamples = BenchArgs.Int(args, "--hormones", 300);
        var deliveryConcurrency = BenchArgs.Int(args, "--delivery-concurrency", 10);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "foundation.json"));

        await using var redis = await BenchRedis.StartAsync();
        await using var app = await BenchApp.StartAsync();
        var resources = await BenchComponents.WriteAsync(
            redis.Host,
            new("pubsub", "pubsub.redis", ("concurrency", deliveryConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            new("hormones", "configuration.redis"));
        using var sidecar = await BenchSidecar.StartAsync("bench", app.Port, resources);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri($"http://127.0.0.1:{sidecar.HttpPort}") };
        Console.WriteLine($"BioDapr foundation benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}, pubsub.redis concurrency {deliveryConcurrency}");

        // Warm up connections and JIT.
        await PublishManyAsync(http, app, 20_000, concurrency);

        var saturation = await PublishManyAsync(http, app, messages, concurrency);
        Console.WriteLine($"pub/sub saturation: {messages} messages, {concurrency} publishers in flight: publish {saturation.PublishRate:F0} msg/s, end to end {saturation.DeliveryRate:F0} msg/s");

        var latency = await OpenLoopAsync(http, app, rate, TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"pub/sub latency at {rate} msg/s for {seconds} s: p50 {latency.P50:F2} ms, p99 {latency.P99:F2} ms, max {latency.Max:F2} ms, lost {latency.Lost}");

        var hormones = await HormonePropagationAsync(http, app, redis, hormoneSamples);
        Console.WriteLine($"hormone propagation ({hormoneSamples} changes): p50 {hormones.P50:F2} ms, p99 {hormones.P99:F2} ms, max {hormones.Max:F2} ms");

        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            at = DateTimeOffset.UtcNow,
            pubsubSaturation = new { messages, concurrency, deliveryConcurrency, publishPerSecond = saturation.PublishRate, endToEndPerSecond = saturation.DeliveryRate, targetPerSecond = 5_000 },
            pubsubLatency = new { rate, seconds, p50Ms = latency.P50, p99Ms = latency.P99, maxMs = latency.Max, lost = latency.Lost, targetP99Ms = 20 },
            hormonePropagation = new { samples = hormoneSamples, p50Ms = hormones.P50, p99Ms = hormones.P99, maxMs = hormones.Max, targetP99Ms = 250 },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        Directory.Delete(resources, recursive: true);
        return 0;
    }

    private static async Task<(double PublishRate, double DeliveryRate)> PublishManyAsync(HttpClient http, BenchApp app, int count, int concurrency)
    {
        app.Reset();
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int seq;
            while ((seq = Interlocked.Increment(ref next)) < count)
            {
                await PublishAsync(http, seq, Stopwatch.GetTimestamp());
            }
        }));
        var published = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await app.WaitForAsync(count, TimeSpan.FromMinutes(2));
        var delivered = (app.LastReceived - start) / (double)Stopwatch.Frequency;
        return (count / published, count / delivered);
    }

    private static async Task<(double P50, double P99, double Max, int Lost)> OpenLoopAsync(HttpClient http, BenchApp app, int rate, TimeSpan duration)
    {
        app.Reset();
        var count = (int)(rate * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            // Open loop: the send time is scheduled, and latency counts from the scheduled time, so a
            // slow system cannot hide its slowness by sending less (no coordinated omission).
            var scheduled = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = (scheduled - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (wait > 1.5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait - 1));
            }

            while (Stopwatch.GetTimestamp() < scheduled)
            {
                Thread.SpinWait(20);
            }

            sends.Add(PublishAsync(http, i, scheduled));
        }

        await Task.WhenAll(sends);
        await app.WaitForAsync(count, TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        var latencies = app.Latencies().Order().ToList();
        return (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), latencies.Count > 0 ? latencies[^1] : double.NaN, count - latencies.Count);
    }

    private static async Task<(double P50, double P99, double Max)> HormonePropagationAsync(HttpClient http, BenchApp app, BioDapr.Launcher.RedisProcess redis, int samples)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var database = connection.GetDatabase();
        using var subscribe = await http.GetAsync("/v1.0/configuration/hormones/subscribe?key=bench.hormone");
        subscribe.EnsureSuccessStatusCode();
        var latencies = new List<double>(samples);
        for (var i = 1; i <= samples; i++)
        {
            var arrived = app.ExpectHormone(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var written = Stopwatch.GetTimestamp();
            await database.StringSetAsync("bench.hormone", $"{i}||{i}");
            var received = await arrived.WaitAsync(TimeSpan.FromSeconds(10));
            latencies.Add((received - written) * 1000.0 / Stopwatch.Frequency);
            await Task.Delay(10);
        }

        latencies.Sort();
        return (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), latencies[^1]);
    }

    private static async Task PublishAsync(HttpClient http, int seq, long sentTimestamp)
    {
        using var content = new StringContent($$"""{"seq":{{seq}},"t":{{sentTimestamp}}}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1.0/publish/pubsub/bench", content);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"publish failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
