using System.Collections.Concurrent;
using System.Net;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP app on a free loopback port standing in for a cell: every request is recorded and
/// answered by a handler the test sets (default: 200 with an empty body).
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _web;

    private TestApp(WebApplication web, int port)
    {
        _web = web;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Every request received, in arrival order.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Answers requests; replace it to script the app's behaviour.</summary>
    public Func<ReceivedRequest, HttpContext, Task> Handler { get; set; } = (_, _) => Task.CompletedTask;

    public static async Task<TestApp> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, chosen));
        var web = builder.Build();
        var app = new TestApp(web, chosen);
        web.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var received = new ReceivedRequest(
                context.Request.Method,
                context.Request.Path.Value + context.Request.QueryString.Value,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                buffer.ToArray());
            app.Requests.Enqueue(received);
            await app.Handler(received, context);
        });
        await web.StartAsync();
        return app;
    }

    /// <summary>Requests whose path starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<ReceivedRequest> RequestsTo(string prefix) =>
        Requests.Where(r => r.PathAndQuery.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        // Abrupt, like a process dying: in-flight requests are not waited for.
        using var abrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await _web.StopAsync(abrupt.Token);
        await _web.DisposeAsync();
    }
}

/// <summary>One request the test app received.</summary>
internal sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
