using System.Net;
using BioDapr.Testing.Http;

namespace BioDapr.Client.Tests.Http;

public sealed class CapturingHttpMessageHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAsync_NothingScripted_FailsNamingTheRequest()
    {
        using var client = new HttpClient(new CapturingHttpMessageHandler());

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => client.GetAsync(new Uri("http://x/v1.0/metadata?a=1"), Ct));

        ex.Message.ShouldContain("GET /v1.0/metadata?a=1");
    }

    [Fact]
    public async Task SendAsync_QueueThenResponder_UsesQueueFirst()
    {
        var handler = new CapturingHttpMessageHandler(_ => CapturingHttpMessageHandler.Response(HttpStatusCode.Accepted))
            .Enqueue(HttpStatusCode.Created);
        using var client = new HttpClient(handler);

        using var first = await client.GetAsync(new Uri("http://x/1"), Ct);
        using var second = await client.GetAsync(new Uri("http://x/2"), Ct);

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        handler.Requests.Select(r => r.Path).ShouldBe(["/1", "/2"]);
    }

    [Fact]
    public async Task SendAsync_Request_CapturesBodyHeadersAndRawContentType()
    {
        var handler = new CapturingHttpMessageHandler().Enqueue(HttpStatusCode.OK);
        using var client = new HttpClient(handler);
        using var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/x-custom; v=1");
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri("http://x/a%2Fb?k=v%20w&k=z")) { Content = content };
        request.Headers.TryAddWithoutValidation("If-Match", "7");

        using var response = await client.SendAsync(request, Ct);

        var captured = handler.SingleRequest;
        captured.Body.ShouldBe([1, 2, 3]);
        captured.ContentType.ShouldBe("application/x-custom; v=1");
        captured.Header("if-match").ShouldBe("7");
        captured.Path.ShouldBe("/a%2Fb");
        captured.QueryValues("k").ShouldBe(["v w", "z"]);
    }

    [Fact]
    public async Task SendAsync_ScriptedException_IsThrown()
    {
        var handler = new CapturingHttpMessageHandler().EnqueueException(new HttpRequestException("refused"));
        using var client = new HttpClient(handler);

        await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://x/"), Ct));
        handler.Requests.Count.ShouldBe(1);
    }
}
