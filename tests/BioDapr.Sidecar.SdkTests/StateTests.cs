using StackExchange.Redis;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>Dapr.Client's state calls (gRPC) against the sidecar process and a real Redis, next to the HTTP API.</summary>
public sealed class StateTests(SdkFixture fixture) : IClassFixture<SdkFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DaprClient Dapr => fixture.Client;

    public sealed record Order(string Id, int Quantity, string[] Tags);

    [Fact]
    public async Task SaveState_OverGrpc_IsReadBackOverGrpcAndHttp()
    {
        var key = Key();
        await Dapr.SaveStateAsync("statestore", key, new Order("o1", 3, ["a", "b"]), cancellationToken: Ct);

        var order = await Dapr.GetStateAsync<Order>("statestore", key, cancellationToken: Ct);
        order.ShouldNotBeNull();
        order.Quantity.ShouldBe(3);
        order.Tags.ShouldBe(["a", "b"]);
        var overHttp = await fixture.Http.GetStringAsync($"/v1.0/state/statestore/{key}", Ct);
        JsonSerializer.Deserialize<Order>(overHttp, JsonSerializerOptions.Web)!.Id.ShouldBe("o1");
    }

    [Fact]
    public async Task SaveState_OverHttp_IsReadOverGrpc_WithTheSameETag()
    {
        var key = Key();
        using var content = new StringContent($$$"""[{"key":"{{{key}}}","value":{"id":"o2","quantity":5,"tags":[]}}]""", Encoding.UTF8, "application/json");
        (await fixture.Http.PostAsync("/v1.0/state/statestore", content, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var (order, etag) = await Dapr.GetStateAndETagAsync<Order>("statestore", key, cancellationToken: Ct);
        order.Quantity.ShouldBe(5);
        using var http = await fixture.Http.GetAsync($"/v1.0/state/statestore/{key}", Ct);
        http.Headers.GetValues("ETag").Single().ShouldBe(etag);
    }

    [Fact]
    public async Task TheSameSaveOverHttpAndGrpc_LeavesIdenticalRedisData()
    {
        var (httpKey, grpcKey) = (Key(), Key());
        var value = new Order("same", 7, ["x"]);
        using var content = new StringContent(JsonSerializer.Serialize(new[] { new { key = httpKey, value } }, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        (await fixture.Http.PostAsync("/v1.0/state/statestore", content, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Dapr.SaveStateAsync("statestore", grpcKey, value, cancellationToken: Ct);

        var overHttp = await fixture.Redis.HashGetAllAsync("sdk||" + httpKey);
        var overGrpc = await fixture.Redis.HashGetAllAsync("sdk||" + grpcKey);
        Fields(overGrpc).ShouldBe(Fields(overHttp));
        Fields(overGrpc)["data"].ShouldBe("""{"id":"same","quantity":7,"tags":["x"]}""");
        Fields(overGrpc)["version"].ShouldBe("1");
    }

    [Fact]
    public async Task TrySaveState_WithAStaleETag_IsRefused_AndATransactionWithItFails()
    {
        var key = Key();
        await Dapr.SaveStateAsync("statestore", key, "first", cancellationToken: Ct);
        var (_, etag) = await Dapr.GetStateAndETagAsync<string>("statestore", key, cancellationToken: Ct);
        await Dapr.SaveStateAsync("statestore", key, "second", cancellationToken: Ct);

        (await Dapr.TrySaveStateAsync("statestore", key, "third", etag, cancellationToken: Ct)).ShouldBeFalse();
        (await Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct)).ShouldBe("second");
        (await Dapr.TryDeleteStateAsync("statestore", key, etag, cancellationToken: Ct)).ShouldBeFalse();

        var error = await Should.ThrowAsync<DaprException>(() => Dapr.ExecuteStateTransactionAsync(
            "statestore",
            [new StateTransactionRequest(key, JsonSerializer.SerializeToUtf8Bytes("fourth"), StateOperationType.Upsert, etag)],
            cancellationToken: Ct));
        error.Rpc().StatusCode.ShouldBe(StatusCode.Internal);
        (await Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct)).ShouldBe("second");
    }

    [Fact]
    public async Task GetState_FromAnUnknownStore_FailsWithInvalidArgument_AndDaprdsErrorInfo()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.GetStateAsync<string>("nope", "k", cancellationToken: Ct));

        var rpc = error.Rpc();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.Status.Detail.ShouldBe("state store nope is not found");
        var info = rpc.ErrorInfo();
        info.ShouldNotBeNull();
        info.Reason.ShouldBe("DAPR_STATE_NOT_FOUND");
        info.Domain.ShouldBe("dapr.io");
        info.Metadata["appID"].ShouldBe("sdk");
    }

    [Fact]
    public async Task SaveState_WithAKeyContainingTheSeparator_FailsWithDaprdsIllegalKeyError()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.SaveStateAsync("statestore", "a||b", 1, cancellationToken: Ct));

        var rpc = error.Rpc();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.ErrorInfo()!.Reason.ShouldBe("DAPR_STATE_ILLEGAL_KEY");
        rpc.ResourceInfo()!.ResourceName.ShouldBe("statestore");
    }

    [Fact]
    public async Task BulkGet_Transaction_BulkDelete_WorkOverGrpc()
    {
        var (a, b, c) = (Key(), Key(), Key());
        await Dapr.ExecuteStateTransactionAsync(
            "statestore",
            [
                new StateTransactionRequest(a, JsonSerializer.SerializeToUtf8Bytes(1), StateOperationType.Upsert),
                new StateTransactionRequest(b, JsonSerializer.SerializeToUtf8Bytes(2), StateOperationType.Upsert),
            ],
            cancellationToken: Ct);

        var items = await Dapr.GetBulkStateAsync("statestore", [a, b, c], parallelism: 2, cancellationToken: Ct);
        items.Single(i => i.Key == a).Value.ShouldBe("1");
        items.Single(i => i.Key == b).Value.ShouldBe("2");
        items.Single(i => i.Key == c).Value.ShouldBeEmpty();

        await Dapr.DeleteBulkStateAsync("statestore", [new BulkDeleteStateItem(a, string.Empty), new BulkDeleteStateItem(b, string.Empty)], Ct);
        (await fixture.Redis.KeyExistsAsync(["sdk||" + a, "sdk||" + b])).ShouldBe(0);
    }

    [Fact]
    public async Task SaveState_WithTtlMetadata_SetsTheRedisTtl()
    {
        var key = Key();
        await Dapr.SaveStateAsync("statestore", key, "short-lived", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "100" }, cancellationToken: Ct);

        var ttl = (long)(await fixture.Redis.KeyTimeToLiveAsync("sdk||" + key))!.Value.TotalSeconds;
        ttl.ShouldBeInRange(1, 100);
    }

    [Fact]
    public async Task QueryState_OnRedisWithoutRediSearch_AnswersDaprdsNotSupportedError()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.QueryStateAsync<Order>("statestore", """{"filter":{}}""", cancellationToken: Ct));

        var rpc = error.Rpc();
        rpc.StatusCode.ShouldBe(StatusCode.Internal);
        rpc.ErrorInfo()!.Reason.ShouldBe("DAPR_STATE_QUERYING_NOT_SUPPORTED");
    }

    [Fact]
    public async Task DeleteState_OfAKeySavedOverHttp_RemovesTheRedisHash()
    {
        var key = Key();
        using var content = new StringContent($$"""[{"key":"{{key}}","value":"v"}]""", Encoding.UTF8, "application/json");
        (await fixture.Http.PostAsync("/v1.0/state/statestore", content, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await Dapr.DeleteStateAsync("statestore", key, cancellationToken: Ct);

        (await fixture.Redis.KeyExistsAsync(["sdk||" + key])).ShouldBe(0);
        (await fixture.Http.GetAsync($"/v1.0/state/statestore/{key}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    private static string Key() => "k-" + Guid.NewGuid().ToString("N")[..10];

    private static Dictionary<string, string> Fields(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
}
