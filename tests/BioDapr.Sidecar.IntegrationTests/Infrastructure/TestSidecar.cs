using BioDapr.Sidecar.Runtime;
using BioDapr.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A development sidecar hosted in the test process on free loopback ports, with its resources
/// written to a temporary directory. Each test gets its own name-resolution directory unless it
/// shares one to let sidecars find each other.
/// </summary>
internal sealed class TestSidecar : IAsyncDisposable
{
    private readonly string _directory;

    private TestSidecar(SidecarHost host, string directory)
    {
        Host = host;
        _directory = directory;
        // The tests set trace headers themselves: .NET's propagation must not replace them with the trace of whatever
        // activity the test process happens to be in (seen: a test's traceparent arrived as a flags-03 .NET trace).
        Client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri($"http://127.0.0.1:{host.HttpPort}") };
    }

    public SidecarHost Host { get; }

    /// <summary>A client for the sidecar's Dapr HTTP API.</summary>
    public HttpClient Client { get; }

    public static async Task<TestSidecar> StartAsync(
        string appId,
        IReadOnlyDictionary<string, string> resources,
        int? appPort = null,
        string? nameResolutionDirectory = null,
        Func<SidecarSettings, SidecarSettings>? configure = null,
        string? configYaml = null,
        ILoggerFactory? loggerFactory = null)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-sidecar-").FullName;
        var resourcesDirectory = Path.Combine(directory, "resources");
        Directory.CreateDirectory(resourcesDirectory);
        foreach (var (name, content) in resources)
        {
            await File.WriteAllTextAsync(Path.Combine(resourcesDirectory, name), content);
        }

        var configFiles = new List<string>();
        if (configYaml is not null)
        {
            var path = Path.Combine(directory, "config.yaml");
            await File.WriteAllTextAsync(path, configYaml);
            configFiles.Add(path);
        }

        var settings = new SidecarSettings
        {
            AppId = appId,
            AppPort = appPort,
            HttpPort = FreePort.Next(),
            InternalPort = FreePort.Next(),
            ResourcesPaths = [resourcesDirectory],
            ConfigFiles = configFiles,
            NameResolutionDirectory = nameResolutionDirectory ?? Path.Combine(directory, "nameresolution"),
            WorkingDirectory = directory,
            GracefulShutdown = TimeSpan.FromSeconds(2),
        };
        settings = configure?.Invoke(settings) ?? settings;
        var host = await SidecarHost.StartAsync(settings, loggerFactory ?? NullLoggerFactory.Instance, TimeProvider.System, new Random(42), CancellationToken.None);
        return new TestSidecar(host, directory);
    }

    /// <summary>Waits until the sidecar is connected to its app and its subscriptions run.</summary>
    public Task WaitUntilReadyAsync() => Host.AppConnected.WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans temporary directories.
        }
    }
}
