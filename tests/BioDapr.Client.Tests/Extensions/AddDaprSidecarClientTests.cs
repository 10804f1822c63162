using BioDapr.Testing.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioDapr.Client.Tests.Extensions;

public sealed class AddDaprSidecarClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(CapturingHttpMessageHandler handler, IDictionary<string, string?> configuration, Action<IServiceCollection>? extra = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        extra?.Invoke(services);
        services.AddHttpClient(DaprSidecarClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        return services.BuildServiceProvider(validateScopes: true);
    }

    [Fact]
    public async Task AddDaprSidecarClient_ConfigurationSection_BindsEndpointAndSendsToken()
    {
        var handler = new CapturingHttpMessageHandler().Enqueue(System.Net.HttpStatusCode.NoContent);
        using var provider = Build(handler, new Dictionary<string, string?>
        {
            ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45000",
            ["Dapr:ApiToken"] = "config-token",
        }, services => services.AddDaprSidecarClient());

        var client = provider.GetRequiredService<IDaprSidecarClient>();
        await client.PublishTextAsync("pubsub", "orders", "hi", cancellationToken: Ct);

        var request = handler.SingleRequest;
        request.RequestUri!.AbsoluteUri.ShouldStartWith("http://127.0.0.1:45000/v1.0/publish/pubsub/orders");
        request.Header("dapr-api-token").ShouldBe("config-token");
        client.Connection.EndpointSource.ShouldBe("Dapr:HttpEndpoint");
    }

    [Fact]
    public async Task AddDaprSidecarClient_CalledTwice_RegistersOneTokenHandlerAndAppliesBothConfigures()
    {
        var handler = new CapturingHttpMessageHandler().Enqueue(System.Net.HttpStatusCode.NoContent);
        using var provider = Build(handler, new Dictionary<string, string?> { ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45001" }, services =>
        {
            services.AddDaprSidecarClient(o => o.ApiToken = "first");
            services.AddDaprSidecarClient(o => o.StartupTimeout = TimeSpan.FromSeconds(5));
        });

        var client = provider.GetRequiredService<IDaprSidecarClient>();
        await client.ShutdownAsync(Ct);

        handler.SingleRequest.Headers["dapr-api-token"].ShouldBe(["first"]);
        provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value.StartupTimeout.ShouldBe(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AddDaprSidecarClient_NoTokenAnywhere_SendsNoTokenHeader()
    {
        Assert.SkipWhen(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DAPR_API_TOKEN")), "DAPR_API_TOKEN is set in this environment.");
        var handler = new CapturingHttpMessageHandler().Enqueue(System.Net.HttpStatusCode.NoContent);
        using var provider = Build(handler, new Dictionary<string, string?> { ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45002" }, services => services.AddDaprSidecarClient());

        await provider.GetRequiredService<IDaprSidecarClient>().ShutdownAsync(Ct);

        handler.SingleRequest.HasHeader("dapr-api-token").ShouldBeFalse();
    }

    [Fact]
    public void AddDaprSidecarClient_ConfigureDelegate_OverridesConfiguration()
    {
        using var provider = Build(new CapturingHttpMessageHandler(), new Dictionary<string, string?> { ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45003" },
            services => services.AddDaprSidecarClient(o => o.HttpEndpoint = "http://127.0.0.1:45004"));

        provider.GetRequiredService<DaprSidecarConnection>().HttpEndpoint.ShouldBe(new Uri("http://127.0.0.1:45004/"));
    }

    [Fact]
    public void AddDaprSidecarClient_InvalidEndpoint_FailsValidationNamingTheKey()
    {
        using var provider = Build(new CapturingHttpMessageHandler(), new Dictionary<string, string?> { ["Dapr:HttpEndpoint"] = "tcp://nowhere" },
            services => services.AddDaprSidecarClient());

        var ex = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        ex.Message.ShouldContain("Dapr:HttpEndpoint has the invalid value 'tcp://nowhere'");
    }

    [Fact]
    public void AddDaprSidecarClient_NonPositiveStartupTimeout_FailsValidation()
    {
        using var provider = Build(new CapturingHttpMessageHandler(), new Dictionary<string, string?>
        {
            ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45005",
            ["Dapr:StartupTimeout"] = "00:00:00",
        }, services => services.AddDaprSidecarClient());

        var ex = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value);

        ex.Message.ShouldContain("Dapr:StartupTimeout must be positive");
    }

    [Fact]
    public void AddDaprSidecarClient_UnparsableStartupTimeout_NamesTheKey()
    {
        using var provider = Build(new CapturingHttpMessageHandler(), new Dictionary<string, string?>
        {
            ["Dapr:HttpEndpoint"] = "http://127.0.0.1:45006",
            ["Dapr:StartupTimeout"] = "soon",
        }, services => services.AddDaprSidecarClient());

        var ex = Should.Throw<InvalidOperationException>(() => provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value);

        ex.Message.ShouldContain("Dapr:StartupTimeout");
    }

    [Fact]
    public void AddDaprSidecarClient_WithoutConfigurationService_StillResolves()
    {
        var services = new ServiceCollection();
        services.AddDaprSidecarClient(o => o.HttpEndpoint = "http://127.0.0.1:45007");
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IDaprSidecarClient>().Connection.HttpEndpoint.Port.ShouldBe(45007);
        provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value.StartupTimeout.ShouldBe(TimeSpan.FromSeconds(DaprSidecarOptions.DefaultStartupTimeoutSeconds));
    }
}
