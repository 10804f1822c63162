using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;

namespace BioDapr.Benchmarks.Invocation;

/// <summary>
/// Issue 11's cost of the internal channel's security: service invocation through two development
/// sidecars (caller and callee, each its own process) to a trivial app, closed loop, with the channel
/// open (no run secret, no access control: daprd without mTLS) and secured (a run secret: every call signed
/// by the caller and checked by the callee; and an access control list evaluated by the callee), in
/// alternating rounds so both see the same machine.
/// </summary>
internal static class InvocationBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private const string AccessControl = """
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata: { name: callee }
        spec:
          accessControl:
            defaultAction: allow
            trustDomain: public
            policies:
              - appId: caller
                defaultAction: deny
                trustDomain: public
                namespace: default
                operations:
                  - { name: /admin/**, httpVerb: ["*"], action: deny }
                  - { name: /stock/*, httpVerb: [GET], action: allow }
                  - { name: /orders/**, httpVerb: [POST, GET], action: allow }
              - { appId: other, defaultAction: deny, trustDomain: public, namespace: default }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 32);
        var rounds = BenchArgs.Int(args, "--rounds", 3);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "invocation.json"));

        await using var app = await TrivialApp.StartAsync();
        var root = Directory.CreateTempSubdirectory("biodapr-bench-invoke-").FullName;
        var config = Path.Combine(root, "callee.yaml");
        await File.WriteAllTextAsync(config, AccessControl);
        Directory.CreateDirectory(Path.Combine(root, "resources"));
        var secret = new Dictionary<string, string> { ["BIODAPR_SIDECAR_SECRET"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };

        var (sign, verify, acl) = PerCallCost();
        Console.WriteLine($"per call, in process (best of 7 × 20,000): sign {sign:F2} µs, verify {verify:F2} µs, access control {acl:F2} µs");
        var open = await PairAsync(app.Port, root, "open", configFile: null, environment: null);
        var secured = await PairAsync(app.Port, root, "secured", config, secret);
        Console.WriteLine($"BioDapr invocation benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {concurrency} calls in flight, {rounds} rounds of {seconds} s per mode");
        await CallsAsync(open.Http, concurrency, TimeSpan.FromSeconds(3));
        await CallsAsync(secured.Http, concurrency, TimeSpan.FromSeconds(3));

        var results = new List<object>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, pair) in new[] { ("open", open), ("secured", secured) })
            {
                var measured = await CallsAsync(pair.Http, concurrency, TimeSpan.FromSeconds(seconds));
                Console.WriteLine($"round {round} {name,-8} {measured.PerSecond,8:F0} calls/s, p50 {measured.P50:F2} ms, p99 {measured.P99:F2} ms");
                results.Add(new { round, mode = name, callsPerSecond = measured.PerSecond, p50Ms = measured.P50, p99Ms = measured.P99 });
            }
        }

        foreach (var pair in new[] { open, secured })
        {
            pair.Http.Dispose();
            pair.Caller.Dispose();
            pair.Callee.Dispose();
        }

        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString(), loadAverage = LoadAverage() },
            at = DateTimeOffset.UtcNow,
            seconds,
            concurrency,
            perCallMicroseconds = new { sign, verify, accessControl = acl },
            results,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        Directory.Delete(root, recursive: true);
        return 0;
    }

    // What the secured channel adds to a call, in isolation: the caller signs, the callee verifies and
    // evaluates its access control list (best of 7 runs, which filters out other work on the machine).
    private static (double Sign, double Verify, double AccessControl) PerCallCost()
    {
        const int Calls = 20_000;
        var caller = new BioDapr.Sidecar.Security.PeerAuthenticator("bench-secret", new BioDapr.Sidecar.Security.SidecarIdentity("public", "default", "caller"), TimeProvider.System);
        var callee = new BioDapr.Sidecar.Security.PeerAuthenticator("bench-secret", new BioDapr.Sidecar.Security.SidecarIdentity("public", "default", "callee"), TimeProvider.System);
        var configuration = Path.Combine(Path.GetTempPath(), "biodapr-bench-acl-" + Environment.ProcessId + ".yaml");
        File.WriteAllText(configuration, AccessControl);
        var policy = BioDapr.Sidecar.Security.AccessControlPolicy.Create(
            BioDapr.Sidecar.Resources.SidecarConfigurationLoader.Load([configuration], _ => null).AccessControl, isHttp: true)!;
        File.Delete(configuration);
        using var message = new HttpRequestMessage();
        var request = new DefaultHttpContext().Request;
        var identity = new BioDapr.Sidecar.Security.SidecarIdentity("public", "default", "caller");
        double sign = double.MaxValue, verify = double.MaxValue, acl = double.MaxValue;
        for (var run = 0; run < 7; run++)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                caller.Sign(message, "callee");
            }

            sign = Math.Min(sign, Stopwatch.GetElapsedTime(started).TotalMicroseconds / Calls);
            request.Headers[BioDapr.Sidecar.Security.PeerAuthenticator.CredentialHeader] = message.Headers.GetValues(BioDapr.Sidecar.Security.PeerAuthenticator.CredentialHeader).First();
            started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                if (callee.Authenticate(request).Refused)
                {
                    throw new InvalidOperationException("the benchmark's credential was refused");
                }
            }

            verify = Math.Min(verify, Stopwatch.GetElapsedTime(started).TotalMicroseconds / Calls);
            started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                if (!policy.Evaluate(identity, "stock/apple", "GET").Allowed)
                {
                    throw new InvalidOperationException("the benchmark's call was denied");
                }
            }

            acl = Math.Min(acl, Stopwatch.GetElapsedTime(started).TotalMicroseconds / Calls);
        }

        return (sign, verify, acl);
    }

    private static async Task<(BenchSidecar Caller, BenchSidecar Callee, HttpClient Http)> PairAsync(
        int appPort, string root, string name, string? configFile, IReadOnlyDictionary<string, string>? environment)
    {
        var registry = Path.Combine(root, name + "-nr");
        var callee = await BenchSidecar.StartAsync("callee", appPort, Path.Combine(root, "resources"), configFile, environment, registry);
        var caller = await BenchSidecar.StartAsync("caller", appPort: null, Path.Combine(root, "resources"), configFile: null, environment, registry);
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri($"http://127.0.0.1:{caller.HttpPort}") };
        return (caller, callee, http);
    }

    private static async Task<(double PerSecond, double P50, double P99)> CallsAsync(HttpClient http, int concurrency, TimeSpan duration)
    {
        var latencies = new ConcurrentBag<double>();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync("/v1.0/invoke/callee/method/stock/apple");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"invocation failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var sorted = latencies.Order().ToList();
        return (sorted.Count / elapsed, Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.99));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>The callee's app: answers every call with 200 and a small body at once.</summary>
    private sealed class TrivialApp : IAsyncDisposable
    {
        private readonly WebApplication _web;

        private TrivialApp(WebApplication web, int port)
        {
            _web = web;
            Port = port;
        }

        public int Port { get; }

        public static async Task<TrivialApp> StartAsync()
        {
            var port = BenchRedis.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var web = builder.Build();
            web.Run(context => context.Request.Path == "/dapr/subscribe" || context.Request.Path == "/dapr/config"
                ? WriteAsync(context, 404, string.Empty)
                : WriteAsync(context, 200, """{"sku":"apple","available":10}"""));
            await web.StartAsync();
            return new TrivialApp(web, port);
        }

        public async ValueTask DisposeAsync()
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        private static Task WriteAsync(HttpContext context, int status, string body)
        {
            context.Response.StatusCode = status;
            return body.Length == 0 ? Task.CompletedTask : context.Response.WriteAsync(body);
        }
    }
}
