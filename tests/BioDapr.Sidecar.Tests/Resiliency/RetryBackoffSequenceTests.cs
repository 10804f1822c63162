using Microsoft.Extensions.Time.Testing;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resiliency;

public sealed class RetryBackoffSequenceTests
{
    private readonly FakeTimeProvider _time = new();

    private static RetrySettings Exponential(TimeSpan maxInterval, long maxRetries, double factor = 0.5) =>
        RetrySettings.From(new RetryPolicyDefinition(RetryBackoff.Exponential, TimeSpan.FromSeconds(5), maxInterval, (int)maxRetries, null, null))
            with { RandomizationFactor = factor };

    [Fact]
    public void Next_NoJitter_GrowsByMultiplierUntilCap()
    {
        var sequence = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(2), -1, factor: 0), _time, new RetryJitter(new Random(1)));

        var waits = Enumerable.Range(0, 6).Select(_ => sequence.Next()!.Value.TotalMilliseconds).ToList();

        waits.ShouldBe([500, 750, 1125, 1687.5, 2000, 2000]);
    }

    [Fact]
    public void Next_Jitter_StaysWithinHalfOfTheInterval()
    {
        var sequence = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(60), -1), _time, new RetryJitter(new Random(3)));

        var interval = 500.0;
        for (var i = 0; i < 12; i++)
        {
            sequence.Next()!.Value.TotalMilliseconds.ShouldBeInRange(interval * 0.5, interval * 1.5);
            interval = Math.Min(interval * 1.5, 60_000);
        }
    }

    [Fact]
    public void Next_SameSeed_SameWaits()
    {
        var first = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(60), 8), _time, new RetryJitter(new Random(99)));
        var second = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(60), 8), _time, new RetryJitter(new Random(99)));

        Enumerable.Range(0, 8).Select(_ => first.Next()).ShouldBe(Enumerable.Range(0, 8).Select(_ => second.Next()));
    }

    [Fact]
    public void Next_MaxRetries_CapsTheNumberOfWaits()
    {
        var sequence = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(60), 2), _time, new RetryJitter(new Random(1)));

        sequence.Next().ShouldNotBeNull();
        sequence.Next().ShouldNotBeNull();
        sequence.Next().ShouldBeNull();
    }

    [Theory]
    [InlineData(800, true)]
    [InlineData(700, false)]
    public void Next_WaitEndingPastFifteenMinutes_Stops(int millisecondsBeforeLimit, bool expectWait)
    {
        var sequence = new RetryBackoffSequence(Exponential(TimeSpan.FromSeconds(60), -1, factor: 0), _time, new RetryJitter(new Random(1)));

        sequence.Next().ShouldBe(TimeSpan.FromMilliseconds(500));
        _time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(millisecondsBeforeLimit));

        sequence.Next().ShouldBe(expectWait ? TimeSpan.FromMilliseconds(750) : null);
    }

    [Fact]
    public void Next_Constant_IgnoresElapsedTime()
    {
        var settings = RetrySettings.From(new RetryPolicyDefinition(RetryBackoff.Constant, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), -1, null, null));
        var sequence = new RetryBackoffSequence(settings, _time, new RetryJitter(new Random(1)));

        _time.Advance(TimeSpan.FromHours(5));

        sequence.Next().ShouldBe(TimeSpan.FromSeconds(5));
    }
}
