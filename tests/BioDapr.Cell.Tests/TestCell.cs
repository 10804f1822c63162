using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Testing.Http;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Tests;

/// <summary>
/// A cell on an in-memory TestServer. Its sidecar is faked at the edge: <see cref="Dapr"/> (a substitute
/// <see cref="DaprClient"/>: health, outbound health, configuration, publishing) and, for service invocation (plain HTTP
/// through the SDK's <c>InvocationHandler</c>), the <see cref="Sidecar"/> handler, which answers 404 unless a test says otherwise.
/// </summary>
internal sealed class TestCell : IAsyncDisposable
{
    private TestCell(WebApplication app, CapturingHttpMessageHandler sidecar, FakeDapr dapr)
    {
        App = app;
        Sidecar = sidecar;
        Dapr = dapr;
        Client = app.Services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>() is TestServer ? app.GetTestClient() : new HttpClient();
    }

    public WebApplication App { get; }

    /// <summary>The sidecar's HTTP side: service invocation requests land here.</summary>
    public CapturingHttpMessageHandler Sidecar { get; }

    /// <summary>The sidecar's client side: configuration and publishing.</summary>
    public FakeDapr Dapr { get; }

    public HttpClient Client { get; }

    public static async Task<TestCell> StartAsync(
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        Dictionary<string, string>? configuration = null,
        Dictionary<string, string?>? settings = null,
        bool onLoopback = false,
        bool useDefaults = true,
        Func<CapturedHttpRequest, HttpResponseMessage>? invocations = null)
    {
        var dapr = new FakeDapr(configuration ?? new Dictionary<string, string>(StringComparer.Ordinal));
        // Set before the start: the warm-up invokes the pathways' targets as soon as the cell listens.
        var sidecar = new CapturingHttpMessageHandler(invocations ?? (_ => new HttpResponseMessage(HttpStatusCode.NotFound)));
        var builder = WebApplication.CreateBuilder();
        if (!onLoopback)
        {
            // On loopback, the cell listens on the APP_PORT / PUBLIC_PORT the settings give it.
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = "http://sidecar.test:3500",
            ["Cell:Name"] = "test-cell",
            ["Cell:SidecarWatchInterval"] = "00:00:00.050",
            // Pathways as the hormones say (tests of the cold start set their own window).
            ["Cell:Warmup:ColdStart"] = "00:00:00",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton(dapr.Client);
        builder.AddCellDefaults();
        builder.Services.AddHttpClient(SidecarInvocation.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => sidecar);
        configure?.Invoke(builder);
        var app = builder.Build();
        if (useDefaults)
        {
            app.UseCellDefaults();
        }

        app.MapCellDefaultEndpoints();
        map?.Invoke(app);
        await app.StartAsync();
        return new TestCell(app, sidecar, dapr);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
