using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>The state API's shapes and status codes (with the in-memory store; Redis layouts are covered with a real Redis).</summary>
public sealed class StateApiTests : IAsyncLifetime
{
    private TestSidecar _sidecar = null!;

    public async ValueTask InitializeAsync() =>
        _sidecar = await TestSidecar.StartAsync("state-app", new Dictionary<string, string> { ["state.yaml"] = Yaml.InMemoryState() });

    public ValueTask DisposeAsync() => _sidecar.DisposeAsync();

    [Fact]
    public async Task SaveThenGet_ReturnsTheValueWithAnETag()
    {
        (await SaveAsync("""[{"key":"k1","value":{"a":1}}]""")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var response = await _sidecar.Client.GetAsync("/v1.0/state/statestore/k1", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("""{"a":1}""");
        response.Headers.GetValues("ETag").Single().ShouldNotBeNullOrEmpty("daprd sends the ETag unquoted, so read the raw header");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task Get_MissingKey_Returns204()
    {
        using var response = await _sidecar.Client.GetAsync("/v1.0/state/statestore/none", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Save_WithStaleETag_Returns409StateSave()
    {
        await SaveAsync("""[{"key":"k2","value":1}]""");
        using var first = await _sidecar.Client.GetAsync("/v1.0/state/statestore/k2", TestContext.Current.CancellationToken);
        var etag = first.Headers.GetValues("ETag").Single();
        (await SaveAsync($$"""[{"key":"k2","value":2,"etag":"{{etag}}"}]""")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var stale = await SaveAsync($$"""[{"key":"k2","value":3,"etag":"{{etag}}"}]""");

        await PublishApiTests.ShouldBeDaprErrorAsync(stale, HttpStatusCode.Conflict, "ERR_STATE_SAVE");
    }

    [Fact]
    public async Task Delete_WithStaleETagInIfMatch_Returns409StateDelete()
    {
        await SaveAsync("""[{"key":"k3","value":1}]""");
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/v1.0/state/statestore/k3");
        request.Headers.TryAddWithoutValidation("If-Match", "not-the-etag");

        using var response = await _sidecar.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.Conflict, "ERR_STATE_DELETE");
    }

    [Fact]
    public async Task Transaction_WithStaleETag_Returns500AndAppliesNothing()
    {
        await SaveAsync("""[{"key":"t1","value":1}]""");
        var body = """{"operations":[{"operation":"upsert","request":{"key":"t2","value":2}},{"operation":"upsert","request":{"key":"t1","value":9,"etag":"stale"}}]}""";

        using var response = await _sidecar.Client.PostAsync("/v1.0/state/statestore/transaction", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_STATE_TRANSACTION");
        (await _sidecar.Client.GetAsync("/v1.0/state/statestore/t2", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Transaction_UnknownOperation_Returns400()
    {
        var body = """{"operations":[{"operation":"merge","request":{"key":"x"}}]}""";

        using var response = await _sidecar.Client.PostAsync("/v1.0/state/statestore/transaction", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_NOT_SUPPORTED_STATE_OPERATION");
    }

    [Fact]
    public async Task BulkGet_ReturnsDataNotValue_AndKeyOnlyForMissing()
    {
        await SaveAsync("""[{"key":"b1","value":"one"}]""");

        using var response = await _sidecar.Client.PostAsync("/v1.0/state/statestore/bulk", new StringContent("""{"keys":["b1","b2"]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var items = json.RootElement.EnumerateArray().ToList();
        items[0].GetProperty("key").GetString().ShouldBe("b1");
        items[0].GetProperty("data").GetString().ShouldBe("one");
        items[0].TryGetProperty("etag", out _).ShouldBeTrue();
        items[1].EnumerateObject().Select(p => p.Name).ShouldBe(["key"]);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"key":"k"}""")]
    [InlineData("""[{"key":1}]""")]
    public async Task Save_MalformedBody_Returns400MalformedRequest(string body)
    {
        using var response = await SaveAsync(body);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
    }

    [Fact]
    public async Task Save_ItemWithoutKey_Returns400KeyRequired()
    {
        using var response = await SaveAsync("""[{"value":1}]""");

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
        JsonDocument.Parse(body).RootElement.GetProperty("message").GetString().ShouldBe("\"key\" is a required field");
    }

    [Fact]
    public async Task Save_KeyWithDoublePipe_Returns400IllegalKey()
    {
        using var response = await SaveAsync("""[{"key":"a||b","value":1}]""");

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
    }

    [Fact]
    public async Task UnknownStore_Returns400NotFound()
    {
        using var response = await _sidecar.Client.GetAsync("/v1.0/state/nope/k", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_STATE_STORE_NOT_FOUND");
    }

    [Fact]
    public async Task KeyWithEscapedSlash_IsOneKey()
    {
        await SaveAsync("""[{"key":"a/b","value":5}]""");

        using var response = await _sidecar.Client.GetAsync("/v1.0/state/statestore/a%2Fb", TestContext.Current.CancellationToken);

        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("5");
    }

    [Fact]
    public async Task Save_BodyOverFourMiB_Returns413()
    {
        using var response = await SaveAsync("[" + new string(' ', 4 << 20) + "]");

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "ERR_BODY_READ");
    }

    private Task<HttpResponseMessage> SaveAsync(string body) =>
        _sidecar.Client.PostAsync("/v1.0/state/statestore", new StringContent(body, Encoding.UTF8, "application/json"));
}
