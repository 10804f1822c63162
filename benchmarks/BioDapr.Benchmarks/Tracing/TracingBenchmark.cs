using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;
using BioDapr.Sidecar.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Benchmarks.Tracing;

/// <summary>
/// The hot-path cost of the development sidecar's tracing: one HTTP API call (a state get on <c>state.in-memory</c>)
/// at saturation through five modes, side by side in interleaved rounds: tracing off (samplingRate 0), ids only
/// (samplingRate 1, no collector: traceparent propagated, nothing recorded), sampled out (a collector configured, the
/// caller's traceparent not sampled), sampled (every call's span recorded and exported with OpenTelemetry's SDK to an
/// OTLP/HTTP collector on loopback) and sampled with the collector down (nothing listens where the Configuration says). The sidecars run in this process so the bytes allocated per call can be read; the
/// client's share is the same in every mode, so the differences between modes are the tracing's.
/// </summary>
internal static class TracingBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 32);
        var runs = BenchArgs.Int(args, "--runs", 3);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "sidecar-tracing.json"));

        using var collector = new NullCollector();
        var off = await StartSidecarAsync("0", otelPort: null);
        var idsOnly = await StartSidecarAsync("1", otelPort: null);
        var exporting = await StartSidecarAsync("1", collector.Port);
        var collectorDown = await StartSidecarAsync("1", BenchRedis.FreePort());
        var modes = new (string Name, Sidecar Sidecar, string? TraceParent)[]
        {
            ("off", off, null),
            ("ids only", idsOnly, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("sampled out", exporting, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            ("sampled", exporting, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            // What a plain `./biodapr up` did until the Configurations stopped naming localhost:4318 (nothing listens
            // there); a plain `up` is now "ids only".
            ("sampled, collector down", collectorDown, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        };
        Console.WriteLine($"BioDapr sidecar tracing benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}; GET /v1.0/state/statestore/bench-key, {concurrency} in flight, {seconds} s per mode, {runs} interleaved runs; load average {LoadAverage()}");

        foreach (var (_, sidecar, traceParent) in modes)
        {
            using var save = new StringContent("""[{"key":"bench-key","value":{"orderId":"o-12345","sku":"apple","quantity":3}}]""", Encoding.UTF8, "application/json");
            (await sidecar.Http.PostAsync("/v1.0/state/statestore", save)).EnsureSuccessStatusCode();
            await SaturateAsync(sidecar.Http, traceParent, concurrency, TimeSpan.FromSeconds(3));
        }

        var results = new List<object>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var (name, sidecar, traceParent) in modes)
            {
                var exportsBefore = collector.Requests;
                GC.Collect();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var (rate, calls) = await SaturateAsync(sidecar.Http, traceParent, concurrency, TimeSpan.FromSeconds(seconds));
                var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / calls;
                var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)calls;
                var load = LoadAverage();
                Console.WriteLine($"run {run} {name,-23}  {rate,7:F0} calls/s  {bytes,7:F0} B/call  {cpuUs,5:F0} µs CPU/call (client + sidecar)  exports {collector.Requests - exportsBefore}  load {load}");
                results.Add(new { run, mode = name, callsPerSecond = rate, bytesPerCall = bytes, processCpuMicrosPerCall = cpuUs, exports = collector.Requests - exportsBefore, loadAverage = load });
            }
        }

        await off.DisposeAsync();
        await idsOnly.DisposeAsync();
        await exporting.DisposeAsync();
        await collectorDown.DisposeAsync();
        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            at = DateTimeOffset.UtcNow,
            settings = new { seconds, concurrency, runs, call = "GET /v1.0/state/statestore/bench-key (state.in-memory)" },
            collector = new { requests = collector.Requests, bytes = collector.Bytes },
            results,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        return 0;
    }

    private static async Task<Sidecar> StartSidecarAsync(string samplingRate, int? otelPort)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-bench-tracing-").FullName;
        var resources = Path.Combine(directory, "resources");
        Directory.CreateDirectory(resources);
        await File.WriteAllTextAsync(Path.Combine(resources, "statestore.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: {name: statestore}
            spec: {type: state.in-memory, version: v1, metadata: []}
            """);
        var otel = otelPort is { } port ? $"\n    otel: {{endpointAddress: \"127.0.0.1:{port}\", isSecure: false, protocol: http}}" : string.Empty;
        var config = Path.Combine(directory, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: {"{"}name: tracing{"}"}
            spec:
              tracing:
                samplingRate: "{samplingRate}"{otel}
            """);
        var settings = new SidecarSettings
        {
            AppId = "bench",
            HttpPort = BenchRedis.FreePort(),
            GrpcPort = BenchRedis.FreePort(),
            InternalPort = BenchRedis.FreePort(),
            ResourcesPaths = [resources],
            ConfigFiles = [config],
            NameResolutionDirectory = Path.Combine(directory, "nameresolution"),
            WorkingDirectory = directory,
            GracefulShutdown = TimeSpan.FromSeconds(2),
        };
        var host = await SidecarHost.StartAsync(settings, NullLoggerFactory.Instance, TimeProvider.System, new Random(42), CancellationToken.None);
        // The benchmark sets trace headers itself: .NET's propagation must not add any.
        var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{settings.HttpPort}"),
        };
        return new Sidecar(host, http, directory);
    }

    private static async Task<(double Rate, long Calls)> SaturateAsync(HttpClient http, string? traceParent, int concurrency, TimeSpan duration)
    {
        var count = 0L;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/state/statestore/bench-key");
                if (traceParent is not null)
                {
                    request.Headers.TryAddWithoutValidation("traceparent", traceParent);
                }

                using var response = await http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"the state get answered {(int)response.StatusCode}");
                }

                await response.Content.CopyToAsync(Stream.Null);
                Interlocked.Increment(ref count);
            }
        }));
        return (count / Stopwatch.GetElapsedTime(start).TotalSeconds, count);
    }

    private static string LoadAverage()
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

    private sealed record Sidecar(SidecarHost Host, HttpClient Http, string Directory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Host.DisposeAsync();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>An OTLP/HTTP collector that reads each export and answers 200 (an empty <c>ExportTraceServiceResponse</c>).</summary>
    private sealed class NullCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private long _requests;
        private long _bytes;

        public NullCollector()
        {
            Port = BenchRedis.FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _loop = Task.Run(RunAsync);
        }

        public int Port { get; }

        public long Requests => Interlocked.Read(ref _requests);

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(2));
        }

        private async Task RunAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                Interlocked.Add(ref _bytes, body.Length);
                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
