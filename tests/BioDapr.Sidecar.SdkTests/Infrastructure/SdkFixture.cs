using StackExchange.Redis;
using BioDapr.Testing;
using Dapr.Client;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>
/// One redis-server and one development sidecar process (app id <c>sdk</c>, no app) with state.redis,
/// pubsub.redis, configuration.redis and a local-file secret store, shared by a test class.
/// </summary>
public sealed class SdkFixture : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private string? _directory;

    private ConnectionMultiplexer _connection = null!;

    internal SidecarProcess Sidecar { get; private set; } = null!;

    public DaprClient Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The sidecar's Redis, to inspect what it stored.</summary>
    public IDatabase Redis => _connection.GetDatabase();

    public string RedisHost => _redis.Host;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _directory = Directory.CreateTempSubdirectory("biodapr-sdk-secrets-").FullName;
        var secrets = Path.Combine(_directory, "secrets.json");
        await File.WriteAllTextAsync(secrets, """{"db-password":"s3cret","api":{"key":"k1"}}""");
        Sidecar = await SidecarProcess.StartAsync("sdk", Yaml.RedisComponents(_redis.Host, secrets));
        Client = Sidecar.Client();
        Http = new HttpClient { BaseAddress = new Uri(Sidecar.HttpEndpoint) };
        _connection = await _redis.ConnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await _connection.DisposeAsync();
        await Sidecar.DisposeAsync();
        await _redis.DisposeAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
