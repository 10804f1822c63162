using System.Collections.Concurrent;
using System.Net;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>A plain HTTP app on a free loopback port: records every request and answers with <see cref="Handler"/>.</summary>
internal sealed class HttpTestApp : IAsyncDisposable
{
    private readonly WebApplication _web;

    private HttpTestApp(WebApplication web, int port)
    {
        _web = web;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<(string Method, string Path, string Body)> Requests { get; } = new();

    /// <summary>Answers a request (method, path, body): status and body.</summary>
    public Func<string, string, string, (int Status, string Body)> Handler { get; set; } = (_, _, _) => (200, string.Empty);

    public static async Task<HttpTestApp> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var web = builder.Build();
        var app = new HttpTestApp(web, port);
        web.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value ?? "/";
            app.Requests.Enqueue((context.Request.Method, path, body));
            var (status, answer) = app.Handler(context.Request.Method, path, body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer);
        });
        await web.StartAsync();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        using var abrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await _web.StopAsync(abrupt.Token);
        await _web.DisposeAsync();
    }
}
