using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BioDapr.Cell.Pathways;

/// <summary>
/// Service invocation the way Dapr.Client 1.19 recommends it: a plain <see cref="HttpClient"/> (from
/// <see cref="IHttpClientFactory"/>) whose <see cref="InvocationHandler"/> turns <c>http://{app-id}/{method}</c>
/// into the sidecar's <c>/v1.0/invoke/{app-id}/method/{method}</c> and adds <c>dapr-api-token</c>. The sidecar
/// address is the SDK's (<c>DAPR_HTTP_ENDPOINT</c>, else <c>DAPR_HTTP_PORT</c> on loopback).
/// </summary>
public static class SidecarInvocation
{
    /// <summary>The name of the invocation client in <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "BioDapr.Invocation";

    /// <summary>The address that reaches <paramref name="method"/> of <paramref name="appId"/> through the invocation client.</summary>
    public static Uri MethodUri(string appId, string method)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appId);
        ArgumentNullException.ThrowIfNull(method);
        return new Uri($"http://{appId}/{method.TrimStart('/')}", UriKind.Absolute);
    }

    /// <summary>Registers the invocation client (once).</summary>
    public static IServiceCollection AddSidecarInvocation(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(SidecarInvocationMarker)))
        {
            return services;
        }

        services.AddSingleton<SidecarInvocationMarker>();
        services.AddHttpClient(HttpClientName)
            .AddHttpMessageHandler(sp => new InvocationHandler { DaprEndpoint = DaprDefaults.GetDefaultHttpEndpoint(sp.GetRequiredService<IConfiguration>()) });
        return services;
    }

    private sealed class SidecarInvocationMarker;
}
