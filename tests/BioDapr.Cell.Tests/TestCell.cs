using System.Net;
using System.Text.Json;
using BioDapr.Cell.Hosting;
using BioDapr.Client;
using BioDapr.Testing.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Tests;

/// <summary>
/// A cell on an in-memory TestServer whose sidecar is a <see cref="CapturingHttpMessageHandler"/> that
/// answers like daprd: outbound health, and configuration get/subscribe/unsubscribe from a dictionary (a test may
/// answer some requests itself first).
/// </summary>
internal sealed class TestCell : IAsyncDisposable
{
    private TestCell(WebApplication app, CapturingHttpMessageHandler sidecar)
    {
        App = app;
        Sidecar = sidecar;
        Client = app.Services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>() is TestServer ? app.GetTestClient() : new HttpClient();
    }

    public WebApplication App { get; }

    public CapturingHttpMessageHandler Sidecar { get; }

    public HttpClient Client { get; }

    public static async Task<TestCell> StartAsync(
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        Dictionary<string, string>? configuration = null,
        Dictionary<string, string?>? settings = null,
        bool onLoopback = false,
        Func<CapturedHttpRequest, HttpResponseMessage?>? sidecarOverride = null,
        bool useDefaults = true)
    {
        var store = configuration ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var actorState = new Dictionary<string, string>(StringComparer.Ordinal);
        var sidecar = new CapturingHttpMessageHandler(request => sidecarOverride?.Invoke(request) ?? Answer(request, store, actorState));
        var builder = WebApplication.CreateBuilder();
        if (!onLoopback)
        {
            // On loopback, the cell listens on the APP_PORT / PUBLIC_PORT the settings give it.
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dapr:HttpEndpoint"] = "http://sidecar.test:3500",
            ["Cell:Name"] = "test-cell",
            ["Cell:SidecarWatchInterval"] = "00:00:00.050",
            // Pathways as the hormones say (tests of the cold start set their own window).
            ["Cell:Warmup:ColdStart"] = "00:00:00",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddCellDefaults();
        builder.Services.AddHttpClient(DaprSidecarClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => sidecar);
        configure?.Invoke(builder);
        var app = builder.Build();
        if (useDefaults)
        {
            app.UseCellDefaults();
        }

        app.MapCellDefaultEndpoints();
        map?.Invoke(app);
        await app.StartAsync();
        return new TestCell(app, sidecar) { ActorState = actorState };
    }

    /// <summary>The actor state the fake sidecar holds (<c>type||id||key</c> → JSON); lock it to read.</summary>
    public Dictionary<string, string> ActorState { get; private init; } = [];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static HttpResponseMessage Answer(CapturedHttpRequest request, Dictionary<string, string> store, Dictionary<string, string> actorState)
    {
        var path = request.Path;
        if (path.StartsWith("/v1.0/actors/", StringComparison.Ordinal))
        {
            return AnswerActor(request, actorState);
        }

        if (path == "/v1.0/healthz/outbound" || path == "/v1.0/healthz")
        {
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }

        if (path.EndsWith("/subscribe", StringComparison.Ordinal))
        {
            return CapturingHttpMessageHandler.Response(HttpStatusCode.OK, """{"id":"sub-1"}""", "application/json");
        }

        if (path.EndsWith("/unsubscribe", StringComparison.Ordinal))
        {
            return CapturingHttpMessageHandler.Response(HttpStatusCode.OK, """{"ok":true}""", "application/json");
        }

        if (path.StartsWith("/v1.0/configuration/", StringComparison.Ordinal))
        {
            Dictionary<string, object> items;
            lock (store)
            {
                items = request.QueryValues("key").Where(store.ContainsKey).ToDictionary(k => k, k => (object)new { value = store[k], version = "1" });
            }

            return items.Count == 0
                ? new HttpResponseMessage(HttpStatusCode.NoContent)
                : CapturingHttpMessageHandler.Response(HttpStatusCode.OK, JsonSerializer.Serialize(items), "application/json");
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    // daprd's actor state API: GET state/{key} (200 raw JSON or 204), POST state (transaction, 204); reminders and timers 204.
    private static HttpResponseMessage AnswerActor(CapturedHttpRequest request, Dictionary<string, string> actorState)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var prefix = $"{segments[2]}||{segments[3]}||";
        lock (actorState)
        {
            if (segments.Length == 6 && segments[4] == "state" && request.Method == HttpMethod.Get)
            {
                return actorState.TryGetValue(prefix + segments[5], out var value)
                    ? CapturingHttpMessageHandler.Response(HttpStatusCode.OK, value, "application/json")
                    : new HttpResponseMessage(HttpStatusCode.NoContent);
            }

            if (segments.Length == 5 && segments[4] == "state")
            {
                foreach (var operation in request.BodyJson().EnumerateArray())
                {
                    var item = operation.GetProperty("request");
                    var key = prefix + item.GetProperty("key").GetString();
                    if (operation.GetProperty("operation").GetString() == "upsert")
                    {
                        actorState[key] = item.GetProperty("value").GetRawText();
                    }
                    else
                    {
                        actorState.Remove(key);
                    }
                }
            }
        }

        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }
}
