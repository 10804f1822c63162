using System.Net;
using BioDapr.Testing.Http;

namespace BioDapr.Client.Tests.Http;

public sealed class DaprApiTokenHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient Client(string? token, CapturingHttpMessageHandler inner) =>
        new(new DaprApiTokenHandler(new DaprSidecarConnection(new Uri("http://127.0.0.1:3500/"), token, "test")) { InnerHandler = inner });

    [Fact]
    public async Task SendAsync_WithToken_AddsHeaderOnce()
    {
        var inner = new CapturingHttpMessageHandler().Enqueue(HttpStatusCode.NoContent);
        using var client = Client("abc", inner);

        using var response = await client.GetAsync(new Uri("http://127.0.0.1:3500/v1.0/metadata"), Ct);

        inner.SingleRequest.Headers["dapr-api-token"].ShouldBe(["abc"]);
    }

    [Fact]
    public async Task SendAsync_WithoutToken_AddsNothing()
    {
        var inner = new CapturingHttpMessageHandler().Enqueue(HttpStatusCode.NoContent);
        using var client = Client(null, inner);

        using var response = await client.GetAsync(new Uri("http://127.0.0.1:3500/v1.0/metadata"), Ct);

        inner.SingleRequest.HasHeader("dapr-api-token").ShouldBeFalse();
    }

    [Fact]
    public async Task SendAsync_RequestAlreadyHasToken_LeavesItAlone()
    {
        var inner = new CapturingHttpMessageHandler().Enqueue(HttpStatusCode.NoContent);
        using var client = Client("configured", inner);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:3500/v1.0/metadata"));
        request.Headers.Add("dapr-api-token", "explicit");

        using var response = await client.SendAsync(request, Ct);

        inner.SingleRequest.Headers["dapr-api-token"].ShouldBe(["explicit"]);
    }
}
