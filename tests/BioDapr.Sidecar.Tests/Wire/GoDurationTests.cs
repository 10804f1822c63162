using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Tests.Wire;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("+0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("-1.5h", -5_400_000_000_000L)]
    [InlineData("2h45m", 9_900_000_000_000L)]
    [InlineData("1us", 1_000L)]
    [InlineData("1\u00b5s", 1_000L)]
    [InlineData("1\u03bcs", 1_000L)]
    [InlineData("15ns", 15L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("1.s", 1_000_000_000L)]
    [InlineData("1h1m1s1ms1us1ns", 3_661_001_001_001L)]
    [InlineData("3s2s", 5_000_000_000L)]
    [InlineData("0.3333333333333333333h", 1_200_000_000_000L)]
    [InlineData("9223372036854775807ns", long.MaxValue)]
    [InlineData("-9223372036854775808ns", long.MinValue)]
    public void TryParseNanoseconds_ValidText_ReturnsGoValue(string text, long expected)
    {
        GoDuration.TryParseNanoseconds(text, out var nanoseconds, out var error).ShouldBeTrue(error);
        nanoseconds.ShouldBe(expected);
    }

    [Theory]
    [InlineData("", "invalid duration")]
    [InlineData("-", "invalid duration")]
    [InlineData("s", "invalid duration")]
    [InlineData(".s", "invalid duration")]
    [InlineData("1", "missing unit")]
    [InlineData("10", "missing unit")]
    [InlineData("1d", "unknown unit \"d\"")]
    [InlineData("1h 2m", "unknown unit \"h \"")]
    [InlineData("1S", "unknown unit \"S\"")]
    [InlineData("9223372036854775808ns", "invalid duration")]
    [InlineData("3000000h", "invalid duration")]
    [InlineData("1e3s", "unknown unit \"e\"")]
    public void TryParseNanoseconds_InvalidText_ExplainsWhy(string text, string expectedError)
    {
        GoDuration.TryParseNanoseconds(text, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain(expectedError);
    }

    [Fact]
    public void Parse_InvalidText_ThrowsFormatExceptionNamingTheText()
    {
        var exception = Should.Throw<FormatException>(() => GoDuration.Parse("5 minutes"));
        exception.Message.ShouldContain("5 minutes");
    }

    [Fact]
    public void Parse_SubTickPrecision_TruncatesTowardZero()
    {
        GoDuration.Parse("150ns").Ticks.ShouldBe(1);
        GoDuration.Parse("-150ns").Ticks.ShouldBe(-1);
    }

    [Fact]
    public void TryParse_Null_ReturnsFalse()
    {
        GoDuration.TryParse(null, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1_100L, "1.1\u00b5s")]
    [InlineData(2_200_000L, "2.2ms")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(9_900_000_000_000L, "2h45m0s")]
    [InlineData(-5_400_000_000_000L, "-1h30m0s")]
    [InlineData(3_661_001_001_001L, "1h1m1.001001001s")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void FormatNanoseconds_Value_MatchesGoString(long nanoseconds, string expected)
    {
        GoDuration.FormatNanoseconds(nanoseconds).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1h0m0s")]
    [InlineData("1m30s")]
    [InlineData("500ms")]
    [InlineData("1.5s")]
    [InlineData("0s")]
    [InlineData("-2.5ms")]
    [InlineData("100ns")]
    public void Format_ParsedGoString_RoundTrips(string text)
    {
        GoDuration.Format(GoDuration.Parse(text)).ShouldBe(text);
    }

    [Fact]
    public void Format_TimeSpanBeyondGoRange_StillFormats()
    {
        GoDuration.Format(TimeSpan.MaxValue).ShouldBe("256204778h48m5.4775807s");
        GoDuration.Format(TimeSpan.MinValue).ShouldBe("-256204778h48m5.4775808s");
    }

    [Theory]
    [InlineData("1500", 1500)]
    [InlineData("0", 0)]
    [InlineData("-20", -20)]
    [InlineData("+7", 7)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    public void ParseDaprDuration_IntegerOrGoDuration_ReadsMillisecondsOrDuration(string text, long expectedMilliseconds)
    {
        GoDuration.ParseDaprDuration(text).ShouldBe(TimeSpan.FromMilliseconds(expectedMilliseconds));
        GoDuration.TryParseDaprDuration(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromMilliseconds(expectedMilliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData(" 15")]
    [InlineData("99999999999999999999")]
    public void ParseDaprDuration_Invalid_Throws(string text)
    {
        Should.Throw<FormatException>(() => GoDuration.ParseDaprDuration(text));
        GoDuration.TryParseDaprDuration(text, out _).ShouldBeFalse();
    }
}
