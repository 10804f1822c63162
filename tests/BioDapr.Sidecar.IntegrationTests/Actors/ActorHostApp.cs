using System.Collections.Concurrent;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Actors;

/// <summary>
/// A hand-written actor host, answering daprd's callbacks as the reference describes (no SDK): it serves
/// <c>GET /dapr/config</c> and records every <c>/actors/…</c> call; <see cref="OnMethod"/> scripts the
/// answer to method calls (default: 200 echoing <c>"{type}/{id}/{method}"</c>).
/// </summary>
internal sealed class ActorHostApp : IAsyncDisposable
{
    private ActorHostApp(TestApp app, string config)
    {
        App = app;
        Config = config;
        app.Handler = HandleAsync;
    }

    public TestApp App { get; }

    public int Port => App.Port;

    /// <summary>The <c>/dapr/config</c> body.</summary>
    public string Config { get; set; }

    /// <summary>Answers <c>PUT /actors/{type}/{id}/method/{method}</c> (type, id, method, request, context).</summary>
    public Func<string, string, string, ReceivedRequest, HttpContext, Task>? OnMethod { get; set; }

    /// <summary>Reminder and timer callbacks and deactivations, in arrival order.</summary>
    public ConcurrentQueue<ReceivedRequest> Callbacks { get; } = new();

    public static async Task<ActorHostApp> StartAsync(string config) => new(await TestApp.StartAsync(), config);

    public static string ConfigFor(string types, string idle = "1h", bool reentrancy = false)
    {
        var entities = string.Join(',', types.Split(',').Select(t => $"\"{t}\""));
        var enabled = reentrancy ? "true" : "false";
        return "{\"entities\":[" + entities + "],\"actorIdleTimeout\":\"" + idle + "\",\"drainOngoingCallTimeout\":\"2s\",\"reentrancy\":{\"enabled\":" + enabled + "}}";
    }

    public IReadOnlyList<ReceivedRequest> CallbacksTo(string prefix) => Callbacks.Where(c => c.PathAndQuery.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private async Task HandleAsync(ReceivedRequest request, HttpContext context)
    {
        var path = request.PathAndQuery.Split('?')[0];
        if (path == "/dapr/config")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Config);
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 3 || segments[0] != "actors")
        {
            return;
        }

        if (request.Method == "DELETE" || (segments.Length >= 6 && segments[4] is "remind" or "timer"))
        {
            Callbacks.Enqueue(request);
            return;
        }

        if (segments.Length == 5 && segments[3] == "method")
        {
            if (OnMethod is { } handler)
            {
                await handler(segments[1], segments[2], segments[4], request, context);
            }
            else
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"\"{segments[1]}/{segments[2]}/{segments[4]}\""));
            }
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
