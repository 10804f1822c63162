using Microsoft.Extensions.Time.Testing;
using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Tests.Resiliency;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    private CircuitBreaker Breaker(int maxRequests = 0, TimeSpan? interval = null, TimeSpan? timeout = null, string? trip = null) =>
        new(
            "cb",
            new CircuitBreakerDefinition(maxRequests, interval ?? TimeSpan.Zero, timeout ?? TimeSpan.FromSeconds(30), trip is null ? null : CelExpression.Compile(trip), trip),
            _time,
            NullLogger.Instance);

    private static void Fail(CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.AfterRequest(breaker.BeforeRequest(), success: false);
        }
    }

    private static void Succeed(CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.AfterRequest(breaker.BeforeRequest(), success: true);
        }
    }

    [Fact]
    public void DefaultTrip_OpensAfterSixConsecutiveFailures()
    {
        var breaker = Breaker();

        Fail(breaker, 5);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);
        breaker.Counts.ShouldBe(new CircuitBreakerCounts(5, 0, 5, 0, 5));

        Fail(breaker);
        breaker.State.ShouldBe(CircuitBreakerState.Open);
        breaker.Counts.ShouldBe(default);
        Should.Throw<CircuitBreakerOpenException>(() => breaker.BeforeRequest()).Message.ShouldBe("circuit breaker 'cb' is open");
    }

    [Fact]
    public void Success_ResetsConsecutiveFailures()
    {
        var breaker = Breaker();

        Fail(breaker, 5);
        Succeed(breaker);
        Fail(breaker, 5);

        breaker.State.ShouldBe(CircuitBreakerState.Closed);
        breaker.Counts.ShouldBe(new CircuitBreakerCounts(11, 1, 10, 0, 5));
    }

    [Fact]
    public void Open_BecomesHalfOpenAfterTimeout()
    {
        var breaker = Breaker(timeout: TimeSpan.FromSeconds(45));
        Fail(breaker, 6);

        _time.Advance(TimeSpan.FromSeconds(45));
        breaker.State.ShouldBe(CircuitBreakerState.Open);

        _time.Advance(TimeSpan.FromTicks(1));
        breaker.State.ShouldBe(CircuitBreakerState.HalfOpen);
    }

    [Fact]
    public void ZeroTimeout_Means60Seconds()
    {
        var breaker = Breaker(timeout: TimeSpan.Zero);
        breaker.Timeout.ShouldBe(TimeSpan.FromSeconds(60));
        Fail(breaker, 6);

        _time.Advance(TimeSpan.FromSeconds(59));
        breaker.State.ShouldBe(CircuitBreakerState.Open);
        _time.Advance(TimeSpan.FromSeconds(2));
        breaker.State.ShouldBe(CircuitBreakerState.HalfOpen);
    }

    [Fact]
    public void HalfOpen_AdmitsOnlyMaxRequests()
    {
        var breaker = Breaker(maxRequests: 0);
        breaker.MaxRequests.ShouldBe(1);
        Fail(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));

        var trial = breaker.BeforeRequest();
        var refused = Should.Throw<CircuitBreakerOpenException>(() => breaker.BeforeRequest());
        refused.TooManyRequests.ShouldBeTrue();
        refused.Message.ShouldContain("too many requests");

        breaker.AfterRequest(trial, success: true);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);
    }

    [Fact]
    public void HalfOpen_FailureReopens()
    {
        var breaker = Breaker();
        Fail(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));

        Fail(breaker);

        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Fact]
    public void HalfOpen_NeedsMaxRequestsSuccessesToClose()
    {
        var breaker = Breaker(maxRequests: 2);
        Fail(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));

        Succeed(breaker);
        breaker.State.ShouldBe(CircuitBreakerState.HalfOpen);
        Succeed(breaker);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);
    }

    [Fact]
    public void Interval_ClearsCountsWhileClosed()
    {
        var breaker = Breaker(interval: TimeSpan.FromSeconds(10), trip: "totalFailures >= 6");

        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromSeconds(11));
        Fail(breaker, 3);

        breaker.State.ShouldBe(CircuitBreakerState.Closed);
        breaker.Counts.TotalFailures.ShouldBe(3);

        Fail(breaker, 3);
        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Fact]
    public void ZeroInterval_NeverClearsCounts()
    {
        var breaker = Breaker(trip: "totalFailures >= 6");

        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromDays(1));
        Fail(breaker, 3);

        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Fact]
    public void TripExpression_SeesAllCounts()
    {
        var breaker = Breaker(trip: "requests > 3 && totalFailures * 2 > requests");

        Succeed(breaker, 2);
        Fail(breaker, 2);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);

        Fail(breaker);
        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Theory]
    [InlineData("consecutiveFailures >= 2", 2)]
    [InlineData("consecutiveFailures > 2", 3)]
    public void TripExpression_ThresholdIsHonoured(string trip, int failuresToOpen)
    {
        var breaker = Breaker(trip: trip);

        Fail(breaker, failuresToOpen - 1);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);
        Fail(breaker);
        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Theory]
    [InlineData("unknownVariable > 1")]
    [InlineData("totalFailures")]
    public void TripExpressionThatFails_NeverTrips(string trip)
    {
        var breaker = Breaker(trip: trip);

        Fail(breaker, 20);

        breaker.State.ShouldBe(CircuitBreakerState.Closed);
    }

    [Fact]
    public void CallFromOlderGeneration_DoesNotCount()
    {
        var breaker = Breaker(maxRequests: 1);
        var slowCall = breaker.BeforeRequest();
        Fail(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));
        var trial = breaker.BeforeRequest();

        breaker.AfterRequest(slowCall, success: false);
        breaker.State.ShouldBe(CircuitBreakerState.HalfOpen);

        breaker.AfterRequest(trial, success: true);
        breaker.State.ShouldBe(CircuitBreakerState.Closed);
    }
}
