using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Tests.Wire;

public sealed class DaprTimeTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ParseDuration_Iso_KeepsRepetitions()
    {
        DaprTime.ParseDuration("R2/PT5S").ShouldBe(new Iso8601Duration(0, 0, 0, TimeSpan.FromSeconds(5), 2));
    }

    [Fact]
    public void ParseDuration_GoDuration_HasUnlimitedRepetitions()
    {
        DaprTime.ParseDuration("1m30s").ShouldBe(new Iso8601Duration(0, 0, 0, TimeSpan.FromSeconds(90), Iso8601Duration.Unlimited));
    }

    [Fact]
    public void ParseDuration_Neither_Throws()
    {
        Should.Throw<FormatException>(() => DaprTime.ParseDuration("soon")).Message.ShouldContain("soon");
    }

    [Theory]
    [InlineData("PT2H", "2026-03-01T14:00:00Z")]
    [InlineData("P1D", "2026-03-02T12:00:00Z")]
    [InlineData("0h0m3s0ms", "2026-03-01T12:00:03Z")]
    [InlineData("-1m", "2026-03-01T11:59:00Z")]
    [InlineData("2030-01-02T03:04:05Z", "2030-01-02T03:04:05Z")]
    [InlineData("2030-01-02T03:04:05.123456789+02:00", "2030-01-02T01:04:05.1234567Z")]
    public void ParseTime_SupportedFormats_ResolveToInstant(string text, string expected)
    {
        DaprTime.ParseTime(text, Start).UtcDateTime.ShouldBe(DateTimeOffset.Parse(expected).UtcDateTime);
    }

    [Theory]
    [InlineData("R5/PT1M", "repetitions")]
    [InlineData("tomorrow", "unsupported")]
    [InlineData("2030-01-02 03:04:05Z", "unsupported")]
    [InlineData("2030-13-02T03:04:05Z", "unsupported")]
    [InlineData("2030-01-02T03:04:05", "unsupported")]
    public void ParseTime_Invalid_ThrowsWithReason(string text, string reason)
    {
        Should.Throw<FormatException>(() => DaprTime.ParseTime(text, Start)).Message.ShouldContain(reason);
    }

    [Fact]
    public void TryParseRfc3339_Offset_IsKept()
    {
        DaprTime.TryParseRfc3339("2030-01-02T03:04:05-05:30", out var value).ShouldBeTrue();
        value.Offset.ShouldBe(-new TimeSpan(5, 30, 0));
        DaprTime.TryParseRfc3339(null, out _).ShouldBeFalse();
    }
}
