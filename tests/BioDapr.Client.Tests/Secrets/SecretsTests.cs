using System.Net;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.Secrets;

public sealed class SecretsTests : IDisposable
{
    private readonly TestSidecar _sidecar = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    [Fact]
    public async Task GetSecretAsync_Name_GetsSecretPathAndReadsMap()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"user":"admin","password":"p@ss"}""");

        var secret = await _sidecar.Client.GetSecretAsync("vault", "db/main", new Dictionary<string, string> { ["version_id"] = "2" }, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Get);
        request.Path.ShouldBe("/v1.0/secrets/vault/db%2Fmain");
        request.Query("metadata.version_id").ShouldBe("2");
        secret.ShouldBe(new Dictionary<string, string> { ["user"] = "admin", ["password"] = "p@ss" });
    }

    [Fact]
    public async Task GetSecretAsync_NoContent_ReturnsEmpty()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.GetSecretAsync("vault", "x", cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetSecretAsync_UnknownStore_JsonUnauthorizedIsNotMistakenForTokenError()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Unauthorized, """{"errorCode":"ERR_SECRET_STORE_NOT_FOUND","message":"failed finding secret store with key nope"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.GetSecretAsync("nope", "x", cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        ex.ErrorCode.ShouldBe("ERR_SECRET_STORE_NOT_FOUND");
        ex.Message.ShouldNotContain("DAPR_API_TOKEN");
    }

    [Fact]
    public async Task GetBulkSecretsAsync_Store_ReadsNestedMap()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.OK, """{"db":{"user":"u","pass":"p"},"api":{"api":"k"}}""");

        var secrets = await _sidecar.Client.GetBulkSecretsAsync("local", cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.PathAndQuery.ShouldBe("/v1.0/secrets/local/bulk");
        secrets.Keys.OrderBy(k => k, StringComparer.Ordinal).ShouldBe(["api", "db"]);
        secrets["db"]["pass"].ShouldBe("p");
    }

    [Fact]
    public async Task GetBulkSecretsAsync_NoContent_ReturnsEmpty()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        (await _sidecar.Client.GetBulkSecretsAsync("local", cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetSecretAsync_StoreError_Throws500WithCode()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.InternalServerError, """{"errorCode":"ERR_SECRET_GET","message":"failed getting secret with key x from secret store local: secret x not found"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.GetSecretAsync("local", "x", cancellationToken: Ct));

        ex.ErrorCode.ShouldBe("ERR_SECRET_GET");
        ex.DaprMessage!.ShouldContain("secret x not found");
    }
}
