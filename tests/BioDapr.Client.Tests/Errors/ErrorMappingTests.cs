using System.Net;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.Errors;

public sealed class ErrorMappingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_JsonErrorWithDetails_ReadsCodeAndMessage()
    {
        using var sidecar = new TestSidecar();
        const string body = """{"errorCode":"ERR_PUBSUB_FORBIDDEN","message":"topic t is not allowed","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"DAPR_PUBSUB_FORBIDDEN"}]}""";
        sidecar.Handler.EnqueueJson(HttpStatusCode.Forbidden, body);

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.PublishTextAsync("pubsub", "t", "x", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        ex.ErrorCode.ShouldBe("ERR_PUBSUB_FORBIDDEN");
        ex.DaprMessage.ShouldBe("topic t is not allowed");
        ex.ResponseBody.ShouldBe(body);
        ex.Message.ShouldBe("Dapr API POST /v1.0/publish/pubsub/t failed with 403 Forbidden: ERR_PUBSUB_FORBIDDEN: topic t is not allowed");
    }

    [Fact]
    public async Task Send_InvalidTokenWithoutToken_SaysNoneWasSent()
    {
        using var sidecar = new TestSidecar(apiToken: null);
        sidecar.Handler.Enqueue(HttpStatusCode.Unauthorized, "invalid api token\n", "text/plain; charset=utf-8");

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.GetStateAsync<int>("s", "k", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        ex.ErrorCode.ShouldBeNull();
        ex.ResponseBody.ShouldBe("invalid api token\n");
        ex.Message.ShouldContain("invalid api token");
        ex.Message.ShouldContain("none was sent");
        ex.Message.ShouldContain("DAPR_API_TOKEN");
    }

    [Fact]
    public async Task Send_InvalidTokenWithWrongToken_SaysItWasRejected()
    {
        using var sidecar = new TestSidecar(apiToken: "wrong");
        sidecar.Handler.Enqueue(HttpStatusCode.Unauthorized, "invalid api token\n", "text/plain; charset=utf-8");

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.GetMetadataAsync(Ct));

        ex.Message.ShouldContain("rejected the dapr-api-token header");
        ex.Message.ShouldNotContain("wrong");
    }

    [Fact]
    public async Task Send_EmptyErrorBody_SaysSo()
    {
        using var sidecar = new TestSidecar();
        sidecar.Handler.Enqueue(HttpStatusCode.InternalServerError);

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.ShutdownAsync(Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        ex.ResponseBody.ShouldBeEmpty();
        ex.Message.ShouldBe("Dapr API POST /v1.0/shutdown failed with 500 InternalServerError and an empty body.");
    }

    [Fact]
    public async Task Send_PlainTextErrorBody_IncludesIt()
    {
        using var sidecar = new TestSidecar();
        sidecar.Handler.Enqueue(HttpStatusCode.BadGateway, "upstream exploded", "text/plain");

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.ShutdownAsync(Ct));

        ex.Message.ShouldEndWith(": upstream exploded");
        ex.ErrorCode.ShouldBeNull();
    }

    [Fact]
    public async Task Send_MalformedJsonErrorBody_FallsBackToText()
    {
        using var sidecar = new TestSidecar();
        sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, "{not json");

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.ShutdownAsync(Ct));

        ex.ErrorCode.ShouldBeNull();
        ex.Message.ShouldContain("{not json");
    }

    [Fact]
    public async Task Send_HugeTextBody_IsShortenedInMessageButKeptWhole()
    {
        using var sidecar = new TestSidecar();
        var body = new string('x', 5000);
        sidecar.Handler.Enqueue(HttpStatusCode.InternalServerError, body, "text/plain");

        var ex = await Should.ThrowAsync<DaprApiException>(() => sidecar.Client.ShutdownAsync(Ct));

        ex.Message.Length.ShouldBeLessThan(1200);
        ex.ResponseBody.Length.ShouldBe(5000);
    }

    [Fact]
    public async Task Send_QueryWithMetadataValues_NotInMessage()
    {
        using var sidecar = new TestSidecar();
        sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_SECRET_GET","message":"boom"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(
            () => sidecar.Client.GetSecretAsync("s", "n", new Dictionary<string, string> { ["token"] = "hidden-value" }, Ct));

        ex.Message.ShouldNotContain("hidden-value");
    }
}
