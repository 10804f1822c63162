using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Net.Client;
using DaprStub = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace BioDapr.Benchmarks.Grpc;

/// <summary>
/// Issue 12's numbers: the same three calls — publish, state save, state get — through the sidecar's gRPC
/// API (the generated Dapr client stub, one HTTP/2 channel) and its HTTP API (HttpClient, pooled HTTP/1.1
/// connections), against one sidecar process and one fresh redis-server, with the same payloads.
/// Per call and protocol: calls/s at saturation (closed loop, N calls in flight) and p50/p99 at a fixed
/// open-loop rate (latency from the scheduled send time, so a slow system cannot hide by sending less).
/// </summary>
internal static class GrpcBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"orderId":"o-12345","sku":"apple","quantity":3,"customer":"c-42"}""");

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 64);
        var rate = BenchArgs.Int(args, "--rate", 1_000);
        var runs = BenchArgs.Int(args, "--runs", 3);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "grpc.json"));

        await using var redis = await BenchRedis.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new("pubsub", "pubsub.redis"), new("statestore", "state.redis"));
        using var sidecar = await BenchSidecar.StartAsync("bench", null, resources);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{sidecar.HttpPort}"),
        };
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{sidecar.GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
        });
        var grpc = new DaprStub.DaprClient(channel);
        Console.WriteLine($"BioDapr gRPC vs HTTP benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}; {concurrency} in flight at saturation, {rate}/s open loop, {seconds} s each, {runs} runs");

        // The key every get reads exists (saved once through each API: identical Redis data).
        await HttpSaveAsync(http, "bench-key");
        await grpc.SaveStateAsync(SaveRequest("bench-key"));

        var calls = new (string Name, Func<int, Task> Http, Func<int, Task> Grpc)[]
        {
            ("publish", i => HttpPublishAsync(http), i => grpc.PublishEventAsync(PublishRequest()).ResponseAsync),
            ("state save", i => HttpSaveAsync(http, "k" + (i % 1000)), i => grpc.SaveStateAsync(SaveRequest("k" + (i % 1000))).ResponseAsync),
            ("state get", i => HttpGetAsync(http), i => grpc.GetStateAsync(new GetStateRequest { StoreName = "statestore", Key = "bench-key" }).ResponseAsync),
        };

        // Warm-up: connections, JIT (tier-1), Redis.
        foreach (var (_, httpCall, grpcCall) in calls)
        {
            await SaturateAsync(httpCall, concurrency, TimeSpan.FromSeconds(3));
            await SaturateAsync(grpcCall, concurrency, TimeSpan.FromSeconds(3));
        }

        var results = new List<object>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var (name, httpCall, grpcCall) in calls)
            {
                var cpu = sidecar.CpuTime;
                var (httpRate, httpCalls) = await SaturateAsync(httpCall, concurrency, TimeSpan.FromSeconds(seconds));
                var httpCpuUs = (sidecar.CpuTime - cpu).TotalMicroseconds / httpCalls;
                cpu = sidecar.CpuTime;
                var (grpcRate, grpcCalls) = await SaturateAsync(grpcCall, concurrency, TimeSpan.FromSeconds(seconds));
                var grpcCpuUs = (sidecar.CpuTime - cpu).TotalMicroseconds / grpcCalls;
                var httpLatency = await OpenLoopAsync(httpCall, rate, TimeSpan.FromSeconds(seconds));
                var grpcLatency = await OpenLoopAsync(grpcCall, rate, TimeSpan.FromSeconds(seconds));
                Console.WriteLine(
                    $"run {run} {name,-10}  saturation: HTTP {httpRate,7:F0}/s  gRPC {grpcRate,7:F0}/s  ({grpcRate / httpRate:F2}x), sidecar CPU/call HTTP {httpCpuUs:F0} µs gRPC {grpcCpuUs:F0} µs   at {rate}/s: HTTP p50 {httpLatency.P50:F2} ms p99 {httpLatency.P99:F2} ms | gRPC p50 {grpcLatency.P50:F2} ms p99 {grpcLatency.P99:F2} ms  (errors {httpLatency.Errors + grpcLatency.Errors})");
                results.Add(new
                {
                    run,
                    call = name,
                    httpPerSecond = httpRate,
                    grpcPerSecond = grpcRate,
                    ratio = grpcRate / httpRate,
                    httpSidecarCpuMicrosPerCall = httpCpuUs,
                    grpcSidecarCpuMicrosPerCall = grpcCpuUs,
                    httpP50Ms = httpLatency.P50,
                    httpP99Ms = httpLatency.P99,
                    grpcP50Ms = grpcLatency.P50,
                    grpcP99Ms = grpcLatency.P99,
                    errors = httpLatency.Errors + grpcLatency.Errors,
                });
            }
        }

        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            at = DateTimeOffset.UtcNow,
            settings = new { seconds, concurrency, rate, runs, payloadBytes = Payload.Length },
            targets = new { grpcOverHttpRatio = 1.5, p99MsAtRate = 5.0 },
            results,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        Directory.Delete(resources, recursive: true);
        return 0;
    }

    private static PublishEventRequest PublishRequest() =>
        new() { PubsubName = "pubsub", Topic = "bench", Data = ByteString.CopyFrom(Payload), DataContentType = "application/json" };

    private static SaveStateRequest SaveRequest(string key)
    {
        var request = new SaveStateRequest { StoreName = "statestore" };
        request.States.Add(new StateItem { Key = key, Value = ByteString.CopyFrom(Payload) });
        return request;
    }

    private static async Task HttpPublishAsync(HttpClient http)
    {
        using var content = new ByteArrayContent(Payload);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var response = await http.PostAsync("/v1.0/publish/pubsub/bench", content);
        Expect(response, HttpStatusCode.NoContent);
    }

    private static async Task HttpSaveAsync(HttpClient http, string key)
    {
        var body = new byte[Payload.Length + key.Length + 24];
        var length = Encoding.UTF8.GetBytes($"[{{\"key\":\"{key}\",\"value\":", body);
        Payload.CopyTo(body, length);
        length += Payload.Length;
        length += Encoding.UTF8.GetBytes("}]", body.AsSpan(length));
        using var content = new ByteArrayContent(body, 0, length);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var response = await http.PostAsync("/v1.0/state/statestore", content);
        Expect(response, HttpStatusCode.NoContent);
    }

    private static async Task HttpGetAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/v1.0/state/statestore/bench-key");
        Expect(response, HttpStatusCode.OK);
        await response.Content.ReadAsByteArrayAsync();
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");
        }
    }

    private static async Task<(double Rate, long Calls)> SaturateAsync(Func<int, Task> call, int concurrency, TimeSpan duration)
    {
        var count = 0L;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await call((int)Interlocked.Increment(ref count));
            }
        }));
        return (count / Stopwatch.GetElapsedTime(start).TotalSeconds, count);
    }

    private static async Task<(double P50, double P99, int Errors)> OpenLoopAsync(Func<int, Task> call, int rate, TimeSpan duration)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var errors = 0;
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
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

            var index = i;
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    await call(index);
                }
                catch (Exception ex) when (ex is HttpRequestException or global::Grpc.Core.RpcException or InvalidOperationException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[index] = (Stopwatch.GetTimestamp() - scheduled) * 1000.0 / Stopwatch.Frequency;
            }));
        }

        await Task.WhenAll(sends);
        Array.Sort(latencies);
        return (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), errors);
    }
}
