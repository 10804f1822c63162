using System.Text;
using BioDapr.Sidecar.Actors;

namespace BioDapr.Sidecar.Tests.Actors;

public sealed class ActorAppConfigTests
{
    [Fact]
    public void Parse_ReadsTypesIdleTimeoutReentrancyAndPerTypeOverrides()
    {
        var config = ActorAppConfig.Parse(Encoding.UTF8.GetBytes("""
            {"entities":["Cart","Pathway"],"actorIdleTimeout":"30m","reentrancy":{"enabled":true,"maxStackDepth":4},
             "entitiesConfig":[{"entities":["Pathway"],"actorIdleTimeout":"10s","reentrancy":{"enabled":false}}]}
            """));

        config.Types["Cart"].IdleTimeout.ShouldBe(TimeSpan.FromMinutes(30));
        config.Types["Cart"].Reentrancy.ShouldBeTrue();
        config.Types["Cart"].MaxStackDepth.ShouldBe(4);
        config.Types["Pathway"].IdleTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        config.Types["Pathway"].Reentrancy.ShouldBeFalse();
        config.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Parse_InvalidIdleTimeout_KeepsDaprsDefault_WithAWarning()
    {
        // Go durations have no day unit, although Dapr's docs show "1d12h".
        var config = ActorAppConfig.Parse("""{"entities":["Cart"],"actorIdleTimeout":"1d12h"}"""u8);

        config.Types["Cart"].IdleTimeout.ShouldBe(ActorAppConfig.DefaultIdleTimeout);
        config.Types["Cart"].MaxStackDepth.ShouldBe(32);
        config.Warnings.ShouldHaveSingleItem().ShouldContain("1d12h");
    }

    [Fact]
    public void Parse_ConfigForANonHostedType_IsAWarning()
    {
        var config = ActorAppConfig.Parse("""{"entities":["Cart"],"entitiesConfig":[{"entities":["Ghost"],"actorIdleTimeout":"1s"}]}"""u8);

        config.Types.Keys.ShouldBe(["Cart"]);
        config.Warnings.ShouldHaveSingleItem().ShouldBe("Configuration specified for non-hosted actor type: Ghost");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void Parse_AnythingButAnObject_HostsNothing(string body)
    {
        ActorAppConfig.Parse(Encoding.UTF8.GetBytes(body)).Types.ShouldBeEmpty();
    }
}

public sealed class ActorTurnLockTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Turns_AreGrantedOneAtATime_InArrivalOrder()
    {
        var turnLock = new ActorTurnLock();
        var first = await turnLock.EnterAsync(null, 32, Ct);
        var second = turnLock.EnterAsync(null, 32, Ct);
        var third = turnLock.EnterAsync(null, 32, Ct);

        second.IsCompleted.ShouldBeFalse();
        first.Dispose();
        (await second).Dispose();
        (await third).Dispose();
        turnLock.IsIdle.ShouldBeTrue();
    }

    [Fact]
    public async Task TheSameChain_ReentersUpToTheMaximumDepth_OtherChainsWait()
    {
        var turnLock = new ActorTurnLock();
        var outer = await turnLock.EnterAsync("chain-1", 2, Ct);
        var inner = await turnLock.EnterAsync("chain-1", 2, Ct);
        var other = turnLock.EnterAsync("chain-2", 2, Ct);

        await Should.ThrowAsync<ActorStackDepthException>(() => turnLock.EnterAsync("chain-1", 2, Ct));
        other.IsCompleted.ShouldBeFalse();
        inner.Dispose();
        other.IsCompleted.ShouldBeFalse();
        outer.Dispose();
        (await other).Dispose();
    }

    [Fact]
    public async Task ACancelledWaiter_GivesUpItsPlace()
    {
        var turnLock = new ActorTurnLock();
        var held = await turnLock.EnterAsync(null, 32, Ct);
        using var cancel = new CancellationTokenSource();
        var abandoned = turnLock.EnterAsync(null, 32, cancel.Token);
        var next = turnLock.EnterAsync(null, 32, Ct);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => abandoned);
        held.Dispose();
        (await next).Dispose();
    }
}
