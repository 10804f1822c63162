using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;

namespace BioDapr.Benchmarks.Foundation;

/// <summary>The subscribing app: records when each message and each hormone change arrives.</summary>
internal sealed class BenchApp : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly ConcurrentDictionary<int, double> _latencies = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _hormones = new();
    private long _lastReceived;
    private int _received;

    private BenchApp(WebApplication web, int port)
    {
        _web = web;
        Port = port;
    }

    public int Port { get; }

    public long LastReceived => Interlocked.Read(ref _lastReceived);

    public static async Task<BenchApp> StartAsync()
    {
        var port = BenchRedis.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var web = builder.Build();
        var app = new BenchApp(web, port);
        web.MapGet("/dapr/subscribe", () => Results.Text("""[{"pubsubname":"pubsub","topic":"bench","route":"/bench"}]""", "application/json"));
        web.MapPost("/bench", app.OnMessageAsync);
        web.MapPost("/configuration/hormones/{key}", app.OnHormoneAsync);
        await web.StartAsync();
        return app;
    }

    public void Reset()
    {
        _latencies.Clear();
        Interlocked.Exchange(ref _received, 0);
    }

    public IEnumerable<double> Latencies() => _latencies.Values;

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _received) < count)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"only {_received} of {count} messages arrived");
            }

            await Task.Delay(5);
        }
    }

    public Task<long> ExpectHormone(string version) =>
        _hormones.GetOrAdd(version, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public ValueTask DisposeAsync() => _web.DisposeAsync();

    private async Task<IResult> OnMessageAsync(HttpRequest request)
    {
        var received = Stopwatch.GetTimestamp();
        using var envelope = await JsonDocument.ParseAsync(request.Body);
        var data = envelope.RootElement.GetProperty("data");
        var seq = data.GetProperty("seq").GetInt32();
        var sent = data.GetProperty("t").GetInt64();
        _latencies[seq] = (received - sent) * 1000.0 / Stopwatch.Frequency;
        Interlocked.Increment(ref _received);
        long last;
        while (received > (last = Interlocked.Read(ref _lastReceived)) && Interlocked.CompareExchange(ref _lastReceived, received, last) != last)
        {
        }

        return Results.Ok();
    }

    private async Task<IResult> OnHormoneAsync(string key, HttpRequest request)
    {
        var received = Stopwatch.GetTimestamp();
        using var body = await JsonDocument.ParseAsync(request.Body);
        if (body.RootElement.GetProperty("items").GetProperty(key).TryGetProperty("version", out var version))
        {
            _hormones.GetOrAdd(version.GetString()!, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(received);
        }

        return Results.Ok();
    }
}
