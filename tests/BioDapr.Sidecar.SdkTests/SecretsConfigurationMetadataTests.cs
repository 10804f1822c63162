using System.Net;
using System.Text.Json;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>Dapr.Client's secrets, configuration and metadata calls against the sidecar process.</summary>
public sealed class SecretsConfigurationMetadataTests(SdkFixture fixture) : IClassFixture<SdkFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DaprClient Dapr => fixture.Client;

    [Fact]
    public async Task GetSecret_AndGetBulkSecret_ReadTheLocalFileStore()
    {
        (await Dapr.GetSecretAsync("secretstore", "db-password", cancellationToken: Ct))["db-password"].ShouldBe("s3cret");
        (await Dapr.GetSecretAsync("secretstore", "api:key", cancellationToken: Ct))["api:key"].ShouldBe("k1");

        var all = await Dapr.GetBulkSecretAsync("secretstore", cancellationToken: Ct);
        all.Keys.Order().ShouldBe(["api:key", "db-password"]);
    }

    [Fact]
    public async Task GetSecret_ThatDoesNotExist_FailsWithInternal_AndDaprdsMessage()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.GetSecretAsync("secretstore", "missing", cancellationToken: Ct));

        var rpc = error.Rpc();
        rpc.StatusCode.ShouldBe(StatusCode.Internal);
        rpc.Status.Detail.ShouldStartWith("failed getting secret with key missing from secret store secretstore");
    }

    [Fact]
    public async Task GetSecret_FromAnUnknownStore_FailsWithInvalidArgument()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.GetSecretAsync("vault", "x", cancellationToken: Ct));

        error.Rpc().StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Rpc().Status.Detail.ShouldBe("failed finding secret store with key vault");
    }

    [Fact]
    public async Task GetConfiguration_ReadsValueAndVersion_FromRedis()
    {
        var key = "cfg-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Redis.StringSetAsync(key, "42||7");

        var response = await Dapr.GetConfiguration("configstore", [key], cancellationToken: Ct);

        response.Items[key].Value.ShouldBe("42");
        response.Items[key].Version.ShouldBe("7");
    }

    [Fact]
    public async Task SubscribeConfiguration_StreamsTheIdFirst_ThenChanges_AndUnsubscribeEndsIt()
    {
        var key = "cfg-" + Guid.NewGuid().ToString("N")[..8];
        var subscription = await Dapr.SubscribeConfiguration("configstore", [key], cancellationToken: Ct);
        var changes = new List<string>();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reader = Task.Run(async () =>
        {
            await foreach (var items in subscription.Source.WithCancellation(reading.Token))
            {
                lock (changes)
                {
                    changes.AddRange(items.Select(i => i.Value.Value));
                }
            }
        }, Ct);
        await Eventually.TrueAsync(() => !string.IsNullOrEmpty(subscription.Id), because: "the first message carries the subscription id");

        await Eventually.ReturnsAsync(
            async () =>
            {
                await fixture.Redis.StringSetAsync(key, "on||2");
                lock (changes)
                {
                    return changes.Contains("on");
                }
            },
            seen => seen,
            because: "a change should be streamed");

        var unsubscribed = await Dapr.UnsubscribeConfiguration("configstore", subscription.Id, Ct);
        unsubscribed.Ok.ShouldBeTrue();
        await reader.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        (await Dapr.UnsubscribeConfiguration("configstore", subscription.Id, Ct)).Ok.ShouldBeFalse();
    }

    [Fact]
    public async Task GetConfiguration_FromAnUnknownStore_FailsWithInvalidArgument()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.GetConfiguration("nope", ["k"], cancellationToken: Ct));

        error.Rpc().StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Rpc().Status.Detail.ShouldBe("configuration store nope not found");
    }

    [Fact]
    public async Task GetMetadata_ListsTheComponents_AndSetMetadata_IsVisibleOverHttp()
    {
        var metadata = await Dapr.GetMetadataAsync(Ct);
        metadata.Id.ShouldBe("sdk");
        metadata.Components.Select(c => c.Name).ShouldBe(["statestore", "pubsub", "configstore", "secretstore"], ignoreOrder: true);
        metadata.Components.Single(c => c.Name == "statestore").Capabilities.ShouldContain("ACTOR");

        await Dapr.SetMetadataAsync("team", "cells", Ct);

        using var document = JsonDocument.Parse(await fixture.Http.GetStringAsync("/v1.0/metadata", Ct));
        document.RootElement.GetProperty("extended").GetProperty("team").GetString().ShouldBe("cells");
    }

    [Fact]
    public async Task BuildingBlocksWithoutComponents_AnswerDaprdsErrors_OverGrpcAndHttp()
    {
        var binding = await Should.ThrowAsync<DaprException>(() => Dapr.InvokeBindingAsync("storage", "create", "x", cancellationToken: Ct));
        binding.Rpc().StatusCode.ShouldBe(StatusCode.Internal);
        binding.Rpc().Status.Detail.ShouldBe("error invoking output binding storage: couldn't find output binding storage");

        using var overHttp = await fixture.Http.PostAsync("/v1.0/bindings/storage", new StringContent("{}"), Ct);
        overHttp.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await overHttp.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_INVOKE_OUTPUT_BINDING");

        using var lockOverHttp = await fixture.Http.PostAsync("/v1.0-alpha1/lock/locks", new StringContent("{}"), Ct);
        (await lockOverHttp.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_LOCK_STORE_NOT_CONFIGURED");
        using var converse = await fixture.Http.PostAsync("/v1.0-alpha2/conversation/llm/converse", new StringContent("{}"), Ct);
        converse.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await converse.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_CONVERSATION_NOT_FOUND");
        using var job = await fixture.Http.PostAsync("/v1.0-alpha1/jobs/nightly", new StringContent("{}"), Ct);
        (await job.Content.ReadAsStringAsync(Ct)).ShouldContain("DAPR_SCHEDULER_SCHEDULE_JOB");
        using var crypto = await fixture.Http.PutAsync("/v1.0-alpha1/crypto/keys/encrypt", new StringContent("x"), Ct);
        (await crypto.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_CRYPTO_PROVIDERS_NOT_CONFIGURED");
    }
}
