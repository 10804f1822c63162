using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Tests.Wire;

public sealed class Iso8601DurationTests
{
    [Theory]
    [InlineData("PT2H30M", 0, 0, 0, 9000, -1)]
    [InlineData("P1D", 0, 0, 1, 0, -1)]
    [InlineData("P2W", 0, 0, 14, 0, -1)]
    [InlineData("P1W2D", 0, 0, 9, 0, -1)]
    [InlineData("P1Y2M3DT4H5M6S", 1, 2, 3, 14706, -1)]
    [InlineData("PT0S", 0, 0, 0, 0, -1)]
    [InlineData("PT", 0, 0, 0, 0, -1)]
    [InlineData("P1DT", 0, 0, 1, 0, -1)]
    [InlineData("R5/PT1M", 0, 0, 0, 60, 5)]
    [InlineData("R0/PT1S", 0, 0, 0, 1, 0)]
    [InlineData("R3/P1M", 0, 1, 0, 0, 3)]
    [InlineData("R5/", 0, 0, 0, 0, 5)]
    [InlineData("PT90S", 0, 0, 0, 90, -1)]
    [InlineData("PT1S1H", 0, 0, 0, 3601, -1)]
    public void Parse_SupportedText_ReturnsParts(string text, int years, int months, int days, int seconds, int repetitions)
    {
        var duration = Iso8601Duration.Parse(text);

        duration.ShouldBe(new Iso8601Duration(years, months, days, TimeSpan.FromSeconds(seconds), repetitions));
        duration.HasRepetitions.ShouldBe(repetitions != -1);
        duration.HasCalendarParts.ShouldBe(years != 0 || months != 0 || days != 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("1D")]
    [InlineData("PD")]
    [InlineData("PT5")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("PT1Y")]
    [InlineData("P1.5D")]
    [InlineData("P1TD")]
    [InlineData("PTT1H")]
    [InlineData("R/PT1S")]
    [InlineData("Rx/PT1S")]
    [InlineData("R5/T1S")]
    [InlineData("P1X")]
    [InlineData("pt1s")]
    [InlineData("PT99999999999H")]
    public void TryParse_UnsupportedText_ReturnsFalse(string text)
    {
        Iso8601Duration.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void Parse_Unsupported_ThrowsNamingTheText()
    {
        Should.Throw<FormatException>(() => Iso8601Duration.Parse("P1H")).Message.ShouldContain("P1H");
    }

    [Fact]
    public void AddTo_MonthOverflow_RollsIntoNextMonthLikeGo()
    {
        var start = new DateTimeOffset(2025, 1, 31, 10, 0, 0, TimeSpan.Zero);

        Iso8601Duration.Parse("P1M").AddTo(start).ShouldBe(new DateTimeOffset(2025, 3, 3, 10, 0, 0, TimeSpan.Zero));
        Iso8601Duration.Parse("P1M").AddTo(start.AddYears(-1)).ShouldBe(new DateTimeOffset(2024, 3, 2, 10, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void AddTo_AllParts_AddsCalendarThenTime()
    {
        var start = new DateTimeOffset(2025, 12, 30, 23, 0, 0, TimeSpan.FromHours(2));

        var result = Iso8601Duration.Parse("P1Y1M2DT1H30M").AddTo(start);

        result.ShouldBe(new DateTimeOffset(2027, 2, 2, 0, 30, 0, TimeSpan.FromHours(2)));
        result.Offset.ShouldBe(TimeSpan.FromHours(2));
    }

    [Fact]
    public void TryGetFixedLength_TimeOnly_ReturnsLength()
    {
        Iso8601Duration.Parse("PT24H").TryGetFixedLength(out var length).ShouldBeTrue();
        length.ShouldBe(TimeSpan.FromHours(24));
        Iso8601Duration.Parse("P1D").TryGetFixedLength(out _).ShouldBeFalse();
    }
}
