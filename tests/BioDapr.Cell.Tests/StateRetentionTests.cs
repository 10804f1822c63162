using BioDapr.Cell.State;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace BioDapr.Cell.Tests;

/// <summary>Recycling through the state store's own expiry: the retention becomes Dapr's <c>ttlInSeconds</c> on every write.</summary>
public sealed class StateRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1_000, "1")]
    [InlineData(1_001, "2")]
    [InlineData(86_400_000, "86400")]
    public void Metadata_IsTtlInWholeSecondsRoundedUp(int milliseconds, string expected)
    {
        var retention = new StateRetention(TimeSpan.FromMilliseconds(milliseconds));

        retention.Metadata.ShouldNotBeNull()["ttlInSeconds"].ShouldBe(expected);
    }

    [Fact]
    public void Forever_SendsNoTtl()
    {
        StateRetention.Forever.Metadata.ShouldBeNull();
        new StateRetention(TimeSpan.Zero).Metadata.ShouldBeNull();
    }

    [Fact]
    public void NegativePeriod_IsRefused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new StateRetention(TimeSpan.FromSeconds(-1))).ParamName.ShouldBe("period");
    }

    [Fact]
    public async Task TrySaveFirst_SendsTheTtlWithFirstWriteConcurrency()
    {
        var dapr = Substitute.For<DaprClient>();

        (await dapr.TrySaveFirstAsync("statestore", "k", 1, new StateRetention(TimeSpan.FromMinutes(2)), Ct)).ShouldBeTrue();

        await dapr.Received(1).SaveStateAsync(
            "statestore", "k", 1,
            Arg.Is<StateOptions>(o => o.Concurrency == ConcurrencyMode.FirstWrite),
            Arg.Is<IReadOnlyDictionary<string, string>>(m => m["ttlInSeconds"] == "120"),
            Ct);
    }

    [Fact]
    public async Task TrySaveFirst_TheRedisStoresPlainErrorForAKeyStoredMeanwhile_IsFalse()
    {
        // components-contrib state/redis: a first-write without an ETag that finds the key answers "failed to set key"
        // as a plain error (gRPC Internal), not as an ETag conflict.
        var dapr = FirstWriteFailsWith(StatusCode.Internal, "failed saving state in state store statestore: failed to set key k: failed to set key k");
        dapr.GetStateAndETagAsync<JsonElement>("statestore", "k", null, null, Ct).Returns((default(JsonElement), "1"));

        (await dapr.TrySaveFirstAsync("statestore", "k", 1, Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task TrySaveFirst_AFailureWithTheKeyNotStored_IsThrown()
    {
        var dapr = FirstWriteFailsWith(StatusCode.Internal, "failed saving state in state store statestore: connection refused");
        dapr.GetStateAndETagAsync<JsonElement>("statestore", "k", null, null, Ct).Returns((default(JsonElement), string.Empty));

        var thrown = await Should.ThrowAsync<DaprException>(() => dapr.TrySaveFirstAsync("statestore", "k", 1, Ct));

        thrown.InnerException.ShouldBeOfType<RpcException>().Status.Detail.ShouldContain("connection refused");
    }

    [Fact]
    public async Task TrySaveFirst_AnAbortedWrite_IsFalseWithoutARead()
    {
        var dapr = FirstWriteFailsWith(StatusCode.Aborted, "possible etag mismatch");

        (await dapr.TrySaveFirstAsync("statestore", "k", 1, Ct)).ShouldBeFalse();

        await dapr.DidNotReceiveWithAnyArgs().GetStateAndETagAsync<JsonElement>(default!, default!, default, default, Ct);
    }

    private static DaprClient FirstWriteFailsWith(StatusCode code, string detail)
    {
        var dapr = Substitute.For<DaprClient>();
        dapr.SaveStateAsync("statestore", "k", 1, Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Ct)
            .ThrowsAsync(new DaprException("State operation failed", new RpcException(new Status(code, detail))));
        return dapr;
    }

    [Fact]
    public async Task TrySaveWithETag_SendsTheTtl()
    {
        var dapr = Substitute.For<DaprClient>();
        dapr.TrySaveStateAsync("statestore", "k", 2, "7", Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Ct).Returns(true);

        (await dapr.TrySaveStateAsync("statestore", "k", 2, "7", new StateRetention(TimeSpan.FromSeconds(30)), Ct)).ShouldBeTrue();

        await dapr.Received(1).TrySaveStateAsync("statestore", "k", 2, "7", null, Arg.Is<IReadOnlyDictionary<string, string>>(m => m["ttlInSeconds"] == "30"), Ct);
    }

    [Fact]
    public void Upsert_CarriesTheTtl_AndWithoutRetentionNone()
    {
        var dapr = Substitute.For<DaprClient>();
        dapr.JsonSerializerOptions.Returns(new System.Text.Json.JsonSerializerOptions());

        dapr.Upsert("k", 1, "3", new StateRetention(TimeSpan.FromHours(1))).Metadata.ShouldNotBeNull()["ttlInSeconds"].ShouldBe("3600");
        dapr.Upsert("k", 1, "3").Metadata.ShouldBeNull();
    }
}
