namespace BioDapr.Contracts.Tests;

public sealed class DeadLetterRetentionTests
{
    [Fact]
    public void MinId_IsTheMillisecondOfNowMinusTheRetention()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_733_491_200_123);

        DeadLetterRetention.MinId(now, TimeSpan.FromHours(1)).ShouldBe("1733487600123");
        DeadLetterRetention.MinId(now, TimeSpan.Zero).ShouldBe("1733491200123");
    }

    [Fact]
    public void MinId_RefusesANegativeRetention() =>
        Should.Throw<ArgumentOutOfRangeException>(() => DeadLetterRetention.MinId(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(-1)))
            .ParamName.ShouldBe("retention");
}
