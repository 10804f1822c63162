using System.Net;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.Invocation;

public sealed class InvocationTests : IDisposable
{
    private readonly TestSidecar _sidecar = new(apiToken: "tok");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    private sealed record Quote(string Sku, decimal Price);

    [Theory]
    [InlineData("orders", "/v1.0/invoke/inventory/method/orders")]
    [InlineData("/orders/42", "/v1.0/invoke/inventory/method/orders/42")]
    [InlineData("//items/a b", "/v1.0/invoke/inventory/method/items/a%20b")]
    [InlineData("items/%", "/v1.0/invoke/inventory/method/items/%25")]
    public void CreateInvokeMethodRequest_MethodName_EscapesEachSegment(string method, string expectedPath)
    {
        using var request = _sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Get, "inventory", method);

        request.RequestUri!.AbsolutePath.ShouldBe(expectedPath);
        request.RequestUri.Host.ShouldBe("127.0.0.1");
        request.RequestUri.Port.ShouldBe(3500);
    }

    [Fact]
    public void CreateInvokeMethodRequest_QueryInMethod_PassedThrough()
    {
        using var request = _sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Get, "inventory", "items?page=2&sort=a%20b");

        request.RequestUri!.PathAndQuery.ShouldBe("/v1.0/invoke/inventory/method/items?page=2&sort=a%20b");
    }

    [Fact]
    public void CreateInvokeMethodRequest_EmptyMethod_Throws()
    {
        Should.Throw<ArgumentException>(() => _sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Get, "inventory", "/"));
    }

    [Fact]
    public async Task InvokeMethodAsync_RequestAndResponse_SendsJsonAndReadsJson()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"sku":"abc","price":9.5}""");

        var quote = await _sidecar.Client.InvokeMethodAsync<Quote, Quote>(HttpMethod.Post, "pricing", "quote", new Quote("abc", 0), Ct);

        quote.ShouldBe(new Quote("abc", 9.5m));
        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.Path.ShouldBe("/v1.0/invoke/pricing/method/quote");
        request.ContentType.ShouldBe("application/json");
        request.BodyText.ShouldBe("""{"sku":"abc","price":0}""");
        request.Header("dapr-api-token").ShouldBe("tok");
    }

    [Fact]
    public async Task InvokeMethodAsync_NoBody_SendsEmptyGet()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.OK, "[1,2]");

        var values = await _sidecar.Client.InvokeMethodAsync<int[]>(HttpMethod.Get, "pricing", "list", Ct);

        values.ShouldBe([1, 2]);
        _sidecar.Handler.SingleRequest.Body.ShouldBeEmpty();
    }

    [Fact]
    public async Task InvokeMethodAsync_EmptyResponse_ReturnsDefault()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.InvokeMethodAsync<Quote>(HttpMethod.Get, "pricing", "nothing", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task InvokeMethodAsync_CalleeFails_ThrowsWithStatusAndBody()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.ServiceUnavailable, "busy", "text/plain");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.InvokeMethodAsync(HttpMethod.Post, "pricing", "quote", Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ex.ResponseBody.ShouldBe("busy");
        ex.ErrorCode.ShouldBeNull();
        ex.Message.ShouldContain("POST /v1.0/invoke/pricing/method/quote");
    }

    [Fact]
    public async Task InvokeMethodAsync_NoAppId_MapsDaprError()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_DIRECT_INVOKE","message":"failed to invoke, id: pricing, err: timeout"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.InvokeMethodAsync(HttpMethod.Get, "pricing", "x", Ct));

        ex.ErrorCode.ShouldBe("ERR_DIRECT_INVOKE");
    }

    [Fact]
    public async Task InvokeMethodWithResponseAsync_ErrorStatus_ReturnsResponseWithoutThrowing()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.TooManyRequests, "slow down", "text/plain", new Dictionary<string, string> { ["Retry-After"] = "2" });
        using var request = _sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Get, "pricing", "quote");

        using var response = await _sidecar.Client.InvokeMethodWithResponseAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("slow down");
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task InvokeMethodAsync_JsonRequestMessageOverload_SendsBody()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.OK);
        using var request = _sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Put, "pricing", "quote/1", new Quote("x", 1));

        await _sidecar.Client.InvokeMethodAsync(request, Ct);

        var captured = _sidecar.Handler.SingleRequest;
        captured.Method.ShouldBe(HttpMethod.Put);
        captured.BodyText.ShouldBe("""{"sku":"x","price":1}""");
    }
}
