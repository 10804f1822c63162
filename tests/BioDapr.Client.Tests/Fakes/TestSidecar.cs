using BioDapr.Testing.Http;

namespace BioDapr.Client.Tests.Fakes;

/// <summary>A <see cref="DaprSidecarClient"/> wired to a <see cref="CapturingHttpMessageHandler"/> through the token handler.</summary>
internal sealed class TestSidecar : IDisposable
{
    public static readonly Uri Endpoint = new("http://127.0.0.1:3500/");

    private readonly HttpClient _http;

    public TestSidecar(string? apiToken = null, TimeProvider? time = null, DaprSidecarOptions? options = null)
    {
        Handler = new CapturingHttpMessageHandler();
        var connection = new DaprSidecarConnection(Endpoint, apiToken, "test");
        _http = new HttpClient(new DaprApiTokenHandler(connection) { InnerHandler = Handler });
        Client = new DaprSidecarClient(_http, connection, options, time);
    }

    public CapturingHttpMessageHandler Handler { get; }

    public DaprSidecarClient Client { get; }

    public void Dispose() => _http.Dispose();
}
