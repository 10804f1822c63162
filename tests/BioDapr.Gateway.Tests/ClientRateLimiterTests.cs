using BioDapr.Gateway.Immune;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Gateway.Tests;

public sealed class ClientRateLimiterTests
{
    [Fact]
    public void EachCallerHasItsOwnBucket_RefilledAtTheRate()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var limiter = new ClientRateLimiter(time);

        var burst = Enumerable.Range(0, 5).Count(i => limiter.TryTake("address:a", 1, 3, out _));
        var other = limiter.TryTake("address:b", 1, 3, out _);
        limiter.TryTake("address:a", 1, 3, out var retryAfter).ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        burst.ShouldBe(3);
        other.ShouldBeTrue();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(1));
        limiter.TryTake("address:a", 1, 3, out _).ShouldBeTrue();
    }

    [Fact]
    public void AFloodOfAddresses_DoesNotGrowMemoryWithoutBound()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var limiter = new ClientRateLimiter(time);

        for (var i = 0; i < 50_000; i++)
        {
            limiter.TryTake("address:" + i, 1_000, 20, out _);
            if (i % 1_000 == 0)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        limiter.Count.ShouldBeLessThan(10_000);
    }
}
