using System.Net;
using BioDapr.Testing.Http;

namespace BioDapr.Client.Tests.Options;

public sealed class PathBaseEndpointTests
{
    [Fact]
    public async Task Requests_EndpointWithPathBase_KeepThePathBase()
    {
        var handler = new CapturingHttpMessageHandler().Enqueue(HttpStatusCode.NoContent);
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions { HttpEndpoint = "http://gateway:8080/dapr" }, _ => null);
        using var http = new HttpClient(handler);
        var client = new DaprSidecarClient(http, connection);

        await client.DeleteStateAsync("store", "k", cancellationToken: TestContext.Current.CancellationToken);

        handler.SingleRequest.RequestUri!.AbsoluteUri.ShouldBe("http://gateway:8080/dapr/v1.0/state/store/k");
    }
}
