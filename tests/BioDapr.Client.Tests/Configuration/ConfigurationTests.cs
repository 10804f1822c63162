using System.Net;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    private readonly TestSidecar _sidecar = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    [Fact]
    public async Task GetConfigurationAsync_Keys_SendsRepeatedKeyParametersAndReadsBareMap()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"a":{"value":"1","version":"v1","metadata":{"m":"x"}},"b":{"value":"two"}}""");

        var items = await _sidecar.Client.GetConfigurationAsync("config", ["a", "b"], new Dictionary<string, string> { ["region"] = "eu" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Get);
        request.Path.ShouldBe("/v1.0/configuration/config");
        request.QueryValues("key").ShouldBe(["a", "b"]);
        request.Query("metadata.region").ShouldBe("eu");
        items.Count.ShouldBe(2);
        items["a"].Value.ShouldBe("1");
        items["a"].Version.ShouldBe("v1");
        items["a"].Metadata["m"].ShouldBe("x");
        items["b"].Value.ShouldBe("two");
        items["b"].Version.ShouldBeEmpty();
        items["b"].Metadata.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetConfigurationAsync_NoKeys_SendsNoKeyParameter()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, "{}");

        await _sidecar.Client.GetConfigurationAsync("config", cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.QueryString.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetConfigurationAsync_NoContent_ReturnsEmptyMap()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        var items = await _sidecar.Client.GetConfigurationAsync("config", ["missing"], cancellationToken: Ct);

        items.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetConfigurationAsync_UnknownStore_ThrowsWithErrorCode()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.BadRequest, """{"errorCode":"ERR_CONFIGURATION_STORE_NOT_FOUND","message":"configuration store nope not found"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.GetConfigurationAsync("nope", cancellationToken: Ct));

        ex.ErrorCode.ShouldBe("ERR_CONFIGURATION_STORE_NOT_FOUND");
        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetConfigurationAsync_MalformedBody_ThrowsNamingTheEndpoint()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"a": "not an item"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.GetConfigurationAsync("config", cancellationToken: Ct));

        ex.Message.ShouldContain("GET /v1.0/configuration/config");
        ex.Message.ShouldContain("not the expected JSON");
        ex.ResponseBody.ShouldBe("""{"a": "not an item"}""");
    }

    [Fact]
    public async Task SubscribeConfigurationAsync_Keys_ReturnsSubscriptionId()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"id":"4d5a-sub"}""");

        var id = await _sidecar.Client.SubscribeConfigurationAsync("config", ["featureA"], cancellationToken: Ct);

        id.ShouldBe("4d5a-sub");
        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Get);
        request.PathAndQuery.ShouldBe("/v1.0/configuration/config/subscribe?key=featureA");
    }

    [Fact]
    public async Task SubscribeConfigurationAsync_NoAppChannel_Throws()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_APP_CHANNEL_NIL","message":"app channel is not initialized. cannot subscribe to configuration updates"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.SubscribeConfigurationAsync("config", cancellationToken: Ct));

        ex.ErrorCode.ShouldBe("ERR_APP_CHANNEL_NIL");
    }

    [Fact]
    public async Task SubscribeConfigurationAsync_BodyWithoutId_Throws()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, "{}");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.SubscribeConfigurationAsync("config", cancellationToken: Ct));

        ex.Message.ShouldContain("without a subscription id");
    }

    [Fact]
    public async Task UnsubscribeConfigurationAsync_Ok_SendsGetToUnsubscribePath()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"ok":true}""");

        await _sidecar.Client.UnsubscribeConfigurationAsync("config", "sub 1", Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Get);
        request.Path.ShouldBe("/v1.0/configuration/config/sub%201/unsubscribe");
    }

    [Fact]
    public async Task UnsubscribeConfigurationAsync_UnknownId_ThrowsWithDaprMessage()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"ok":false,"message":"failed to unsubscribe from configuration store, abc: subscription not found"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.UnsubscribeConfigurationAsync("config", "abc", Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        ex.ErrorCode.ShouldBeNull();
        ex.DaprMessage.ShouldBe("failed to unsubscribe from configuration store, abc: subscription not found");
    }

    [Fact]
    public async Task UnsubscribeConfigurationAsync_OkFalseWith200_StillThrows()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"ok":false,"message":"nope"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.UnsubscribeConfigurationAsync("config", "abc", Ct));

        ex.DaprMessage.ShouldBe("nope");
    }
}
