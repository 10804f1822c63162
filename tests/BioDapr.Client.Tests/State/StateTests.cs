using System.Net;
using System.Text.Json;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.State;

public sealed class StateTests : IDisposable
{
    private readonly TestSidecar _sidecar = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    private sealed record Cart(string Owner, int Items);

    [Fact]
    public async Task GetStateAsync_Existing_DeserializesBody()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"owner":"ann","items":2}""");

        var cart = await _sidecar.Client.GetStateAsync<Cart>("statestore", "cart-1", cancellationToken: Ct);

        cart.ShouldBe(new Cart("ann", 2));
        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Get);
        request.PathAndQuery.ShouldBe("/v1.0/state/statestore/cart-1");
    }

    [Fact]
    public async Task GetStateAsync_Missing_ReturnsDefault()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.GetStateAsync<Cart>("statestore", "none", cancellationToken: Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task GetStateAsync_KeyWithSlashAndConsistency_EscapesKeyAndSendsQuery()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, "1");

        await _sidecar.Client.GetStateAsync<int>("statestore", "a/b c", StateConsistencyMode.Strong, new Dictionary<string, string> { ["partitionKey"] = "p" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Path.ShouldBe("/v1.0/state/statestore/a%2Fb%20c");
        request.Query("consistency").ShouldBe("strong");
        request.Query("metadata.partitionKey").ShouldBe("p");
    }

    [Fact]
    public async Task GetStateEntryAsync_Existing_ReadsUnquotedETagAndMetadataHeaders()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.OK, "\"text\"", "application/json", new Dictionary<string, string>
        {
            ["ETag"] = "7",
            ["Metadata.ttlexpiretime"] = "2026-01-01T00:00:10Z",
        });

        var entry = await _sidecar.Client.GetStateEntryAsync<string>("statestore", "k", cancellationToken: Ct);

        entry.ShouldNotBeNull();
        entry.Key.ShouldBe("k");
        entry.Value.ShouldBe("text");
        entry.ETag.ShouldBe("7");
        entry.Metadata["ttlExpireTime"].ShouldBe("2026-01-01T00:00:10Z");
    }

    [Fact]
    public async Task GetStateRawAsync_Existing_ReturnsBytesUnchanged()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.OK, """{"a": 1.50}""", "application/json", new Dictionary<string, string> { ["ETag"] = "\"quoted-etag\"" });

        var entry = await _sidecar.Client.GetStateRawAsync("statestore", "k", cancellationToken: Ct);

        entry.ShouldNotBeNull();
        System.Text.Encoding.UTF8.GetString(entry.Value.Span).ShouldBe("""{"a": 1.50}""");
        entry.ETag.ShouldBe("\"quoted-etag\"");
        entry.Metadata.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetStateRawAsync_Missing_ReturnsNull()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.GetStateRawAsync("statestore", "k", cancellationToken: Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task GetStateAsync_NotJson_ThrowsJsonExceptionNamingKeyAndStore()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.OK, "not json", "text/plain");

        var ex = await Should.ThrowAsync<JsonException>(() => _sidecar.Client.GetStateAsync<Cart>("statestore", "k1", cancellationToken: Ct));

        ex.Message.ShouldContain("State 'k1' of store 'statestore'");
    }

    [Fact]
    public async Task GetStateAsync_UnknownStore_ThrowsBadRequestWithCode()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.BadRequest, """{"errorCode":"ERR_STATE_STORE_NOT_FOUND","message":"state store nope is not found"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.GetStateAsync<int>("nope", "k", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ex.ErrorCode.ShouldBe("ERR_STATE_STORE_NOT_FOUND");
    }

    [Fact]
    public async Task SaveStateAsync_AllFields_PostsOneItemArray()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.SaveStateAsync(
            "statestore", "cart-1", new Cart("ann", 2), "3",
            new StateWriteOptions(StateConcurrencyMode.FirstWrite, StateConsistencyMode.Strong),
            new Dictionary<string, string> { ["ttlInSeconds"] = "60" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/v1.0/state/statestore");
        request.ContentType.ShouldBe("application/json");
        request.BodyText.ShouldBe(
            """[{"key":"cart-1","value":{"owner":"ann","items":2},"etag":"3","metadata":{"ttlInSeconds":"60"},"options":{"concurrency":"first-write","consistency":"strong"}}]""");
    }

    [Fact]
    public async Task SaveStateAsync_Minimal_OmitsEtagOptionsAndMetadata()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.SaveStateAsync("statestore", "n", 5, cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.BodyText.ShouldBe("""[{"key":"n","value":5}]""");
    }

    [Fact]
    public async Task SaveStateAsync_ETagMismatch_ThrowsConflict()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Conflict, """{"errorCode":"ERR_STATE_SAVE","message":"failed saving state in state store statestore: possible etag mismatch"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.SaveStateAsync("statestore", "k", 1, "9", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        ex.ErrorCode.ShouldBe("ERR_STATE_SAVE");
    }

    [Fact]
    public async Task TrySaveStateAsync_Conflict_ReturnsFalse()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Conflict, """{"errorCode":"ERR_STATE_SAVE","message":"etag mismatch"}""");

        (await _sidecar.Client.TrySaveStateAsync("statestore", "k", 1, "9", cancellationToken: Ct)).ShouldBeFalse();
        _sidecar.Handler.SingleRequest.BodyJson()[0].GetProperty("etag").GetString().ShouldBe("9");
    }

    [Fact]
    public async Task TrySaveStateAsync_Success_ReturnsTrue()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.TrySaveStateAsync("statestore", "k", 1, "9", cancellationToken: Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task TrySaveStateAsync_InvalidETag_StillThrows()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.BadRequest, """{"errorCode":"ERR_STATE_SAVE","message":"invalid etag value"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.TrySaveStateAsync("statestore", "k", 1, "abc", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task SaveStatesAsync_Items_SendsEveryItemAndQueryMetadata()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.SaveStatesAsync(
            "statestore",
            [new SaveStateItem("a", new Cart("x", 1)), new SaveStateItem("b", "text", "2", StateWriteOptions.LastWrite), new SaveStateItem("c", null)],
            new Dictionary<string, string> { ["ttlInSeconds"] = "5" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Query("metadata.ttlInSeconds").ShouldBe("5");
        request.BodyText.ShouldBe(
            """[{"key":"a","value":{"owner":"x","items":1}},{"key":"b","value":"text","etag":"2","options":{"concurrency":"last-write"}},{"key":"c","value":null}]""");
    }

    [Fact]
    public async Task SaveStatesAsync_ItemWithoutKey_ThrowsBeforeSending()
    {
        await Should.ThrowAsync<ArgumentException>(() => _sidecar.Client.SaveStatesAsync("statestore", [new SaveStateItem("", 1)], cancellationToken: Ct));

        _sidecar.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteStateAsync_ETagAndOptions_UsesIfMatchAndQuery()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.DeleteStateAsync("statestore", "cart/1", "5", new StateWriteOptions(StateConcurrencyMode.FirstWrite, StateConsistencyMode.Eventual), cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Delete);
        request.Path.ShouldBe("/v1.0/state/statestore/cart%2F1");
        request.Header("If-Match").ShouldBe("5");
        request.Query("concurrency").ShouldBe("first-write");
        request.Query("consistency").ShouldBe("eventual");
        request.Body.ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteStateAsync_NoETag_SendsNoIfMatch()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.DeleteStateAsync("statestore", "k", cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.HasHeader("If-Match").ShouldBeFalse();
        request.QueryString.ShouldBeEmpty();
    }

    [Fact]
    public async Task TryDeleteStateAsync_Conflict_ReturnsFalse()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Conflict, """{"errorCode":"ERR_STATE_DELETE","message":"possible etag mismatch"}""");

        (await _sidecar.Client.TryDeleteStateAsync("statestore", "k", "1", cancellationToken: Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task DeleteStateAsync_Conflict_Throws()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Conflict, """{"errorCode":"ERR_STATE_DELETE","message":"possible etag mismatch"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.DeleteStateAsync("statestore", "k", "1", cancellationToken: Ct));

        ex.ErrorCode.ShouldBe("ERR_STATE_DELETE");
    }

    [Fact]
    public async Task GetBulkStateAsync_Keys_PostsKeysAndReadsDataField()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK,
            """[{"key":"a","data":{"owner":"ann","items":1},"etag":"1","metadata":{"ttlExpireTime":"t"}},{"key":"b"},{"key":"c","error":"boom"}]""");

        var items = await _sidecar.Client.GetBulkStateAsync("statestore", ["a", "b", "c"], 4, new Dictionary<string, string> { ["m"] = "v" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/v1.0/state/statestore/bulk");
        request.BodyText.ShouldBe("""{"keys":["a","b","c"],"parallelism":4,"metadata":{"m":"v"}}""");

        items.Count.ShouldBe(3);
        items[0].Data!.Value.GetProperty("owner").GetString().ShouldBe("ann");
        items[0].ETag.ShouldBe("1");
        items[0].Metadata["ttlExpireTime"].ShouldBe("t");
        items[1].Data.ShouldBeNull();
        items[1].Error.ShouldBeNull();
        items[2].Error.ShouldBe("boom");
    }

    [Fact]
    public async Task GetBulkStateAsyncOfT_Keys_DeserializesPresentValues()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """[{"key":"a","data":{"owner":"ann","items":1},"etag":"1"},{"key":"b"}]""");

        var items = await _sidecar.Client.GetBulkStateAsync<Cart>("statestore", ["a", "b"], cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.BodyText.ShouldBe("""{"keys":["a","b"]}""");
        items[0].ShouldBe(new BulkStateItem<Cart>("a", new Cart("ann", 1), true, "1", items[0].Metadata, null));
        items[1].Exists.ShouldBeFalse();
        items[1].Value.ShouldBeNull();
    }

    [Fact]
    public async Task ExecuteStateTransactionAsync_Operations_PostsUpsertAndDeleteRequests()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.ExecuteStateTransactionAsync(
            "statestore",
            [
                StateTransactionOperation.Upsert("a", new Cart("ann", 1), "2", StateWriteOptions.FirstWrite, new Dictionary<string, string> { ["ttlInSeconds"] = "9" }),
                StateTransactionOperation.Delete("b", "4"),
            ],
            new Dictionary<string, string> { ["partitionKey"] = "p" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/v1.0/state/statestore/transaction");
        request.BodyText.ShouldBe(
            """{"operations":[{"operation":"upsert","request":{"key":"a","value":{"owner":"ann","items":1},"etag":"2","metadata":{"ttlInSeconds":"9"},"options":{"concurrency":"first-write"}}},{"operation":"delete","request":{"key":"b","etag":"4"}}],"metadata":{"partitionKey":"p"}}""");
    }

    [Fact]
    public async Task ExecuteStateTransactionAsync_ETagFailure_Throws500()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_STATE_TRANSACTION","message":"error while executing state transaction: possible etag mismatch"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.ExecuteStateTransactionAsync("statestore", [StateTransactionOperation.Delete("b", "4")], cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        ex.ErrorCode.ShouldBe("ERR_STATE_TRANSACTION");
    }
}
