namespace BioDapr.Scenarios.Tests;

public sealed class ShortenedHormonesTests
{
    private static readonly Dictionary<string, string> Hormones = new(StringComparer.Ordinal)
    {
        ["gateway.pathways.orders.breakerBreakMs"] = "5000",
        ["orders.pathways.inventory.breakerBreakMs"] = "8000",
        ["gateway.pathways.orders.breakerSamplingMs"] = "10000",
        ["gateway.pathways.orders.timeoutMs"] = "1000",
        ["orders.admission.retryAfterSeconds"] = "1",
    };

    [Fact]
    public void Scale_ByATenth_ScalesEveryBreakTimeAndNothingElse()
    {
        var (scaled, changes) = ShortenedHormones.Scale(Hormones, 0.1);

        scaled["gateway.pathways.orders.breakerBreakMs"].ShouldBe("500");
        scaled["orders.pathways.inventory.breakerBreakMs"].ShouldBe("800");
        scaled["gateway.pathways.orders.breakerSamplingMs"].ShouldBe("10000");
        scaled["gateway.pathways.orders.timeoutMs"].ShouldBe("1000");
        scaled["orders.admission.retryAfterSeconds"].ShouldBe("1");
        changes.ShouldBe(["gateway.pathways.orders.breakerBreakMs 5000 -> 500 ms", "orders.pathways.inventory.breakerBreakMs 8000 -> 800 ms"]);
        Hormones["gateway.pathways.orders.breakerBreakMs"].ShouldBe("5000");
    }

    [Fact]
    public void Scale_NeverGoesBelowTheBreakersShortestBreak()
    {
        var (scaled, _) = ShortenedHormones.Scale(new Dictionary<string, string> { ["a.pathways.b.breakerBreakMs"] = "2000", ["c.pathways.d.breakerBreakMs"] = "300" }, 0.01);

        scaled["a.pathways.b.breakerBreakMs"].ShouldBe("500");
        scaled["c.pathways.d.breakerBreakMs"].ShouldBe("300");
    }

    [Fact]
    public void Scale_ByOne_ChangesNothing()
    {
        var (scaled, changes) = ShortenedHormones.Scale(Hormones, 1);

        scaled.ShouldBe(Hormones);
        changes.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Scale_FactorOutsideZeroToOne_IsRefused(double factor)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ShortenedHormones.Scale(Hormones, factor)).ParamName.ShouldBe("factor");
        Should.Throw<ArgumentOutOfRangeException>(() => ShortenedHormones.CortexMaxBreak(factor));
    }

    [Fact]
    public void Scale_ABreakTimeThatIsNotMilliseconds_NamesTheHormone()
    {
        var bad = new Dictionary<string, string> { ["gateway.pathways.orders.breakerBreakMs"] = "5s" };

        Should.Throw<FormatException>(() => ShortenedHormones.Scale(bad, 0.1)).Message.ShouldContain("gateway.pathways.orders.breakerBreakMs");
    }

    [Fact]
    public void CortexMaxBreak_ScalesTheCortexBoundTheSameWay()
    {
        ShortenedHormones.CortexMaxBreak(0.1).ShouldBe(3_000);
        ShortenedHormones.CortexMaxBreak(1).ShouldBe(30_000);
        ShortenedHormones.CortexMaxBreak(0.001).ShouldBe(ShortenedHormones.MinBreakMs);
    }
}
