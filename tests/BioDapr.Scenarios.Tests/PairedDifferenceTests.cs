namespace BioDapr.Scenarios.Tests;

public sealed class PairedDifferenceTests
{
    [Fact]
    public void Of_LastStopsThreeQuietRuns_GivesTheMeanGapAndAStudentTInterval()
    {
        // docs/benchmarks/coldstart-settled: cold 61.9 / 77.7 / 57.5, warm 74.1 / 80.8 / 66.4.
        var gap = PairedDifference.Of([61.9, 77.7, 57.5], [74.1, 80.8, 66.4]);

        gap.Pairs.ShouldBe(3);
        gap.Mean.ShouldBe(-8.067, 0.001);
        gap.StandardDeviation.ShouldBe(4.607, 0.001);
        // t(0.975, 2) = 4.303: half-width 4.303 × 4.607 / √3 = 11.45.
        gap.Low.ShouldBe(-19.51, 0.01);
        gap.High.ShouldBe(3.38, 0.01);
        gap.WithinOf(2).ShouldBeFalse();
    }

    [Fact]
    public void Of_PairsRemoveWhatBothReplaysOfARunShare()
    {
        // Goodput that swings 20 points from run to run but always 1 point lower cold: the gap is exact.
        var gap = PairedDifference.Of([50, 70, 90, 60, 80], [51, 71, 91, 61, 81]);

        gap.Mean.ShouldBe(-1, 1e-9);
        gap.StandardDeviation.ShouldBe(0, 1e-9);
        gap.Low.ShouldBe(-1, 1e-9);
        gap.WithinOf(2).ShouldBeTrue();
    }

    [Fact]
    public void Of_OneRun_HasNoInterval()
    {
        var gap = PairedDifference.Of([60], [64]);

        gap.Mean.ShouldBe(-4);
        gap.Low.ShouldBe(double.NaN);
        gap.WithinOf(2).ShouldBeFalse("one run cannot show the gap within 2 points");
        gap.ToString().ShouldContain("no interval");
    }

    [Fact]
    public void Of_UnpairedRuns_AreRefusedWithTheCounts_AndNoneGiveNoMean()
    {
        Should.Throw<ArgumentException>(() => PairedDifference.Of([1, 2], [1])).Message.ShouldContain("got 2 and 1");
        PairedDifference.Of([], []).Pairs.ShouldBe(0);
        PairedDifference.Of([], []).Mean.ShouldBe(double.NaN);
    }

    [Fact]
    public void Json_OneRunHasNoInterval_WrittenAsNull_NotACrash()
    {
        // coldstart --runs 1 wrote its results with JsonSerializerDefaults.Web and crashed on the NaN ends of one pair.
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };
        var json = System.Text.Json.JsonSerializer.Serialize(new { paired = PairedDifference.Of([60.9], [70.7]) }, options);

        using var document = System.Text.Json.JsonDocument.Parse(json);
        var paired = document.RootElement.GetProperty("paired");
        paired.GetProperty("mean").GetDouble().ShouldBe(-9.8, 1e-9);
        paired.GetProperty("low").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        paired.GetProperty("high").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        paired.GetProperty("pairs").GetInt32().ShouldBe(1);
        System.Text.Json.JsonSerializer.Serialize(PairedDifference.Of([], []), options).ShouldContain("\"mean\": null");
    }

    [Fact]
    public void Json_RoundTrips_WithTheIntervalOrWithout()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        var three = PairedDifference.Of([61.9, 77.7, 57.5], [74.1, 80.8, 66.4]);
        var one = PairedDifference.Of([60], [64]);

        var back = System.Text.Json.JsonSerializer.Deserialize<PairedDifference>(System.Text.Json.JsonSerializer.Serialize(three, options), options);
        back.ShouldBe(three);
        var alone = System.Text.Json.JsonSerializer.Deserialize<PairedDifference>(System.Text.Json.JsonSerializer.Serialize(one, options), options);
        alone.Mean.ShouldBe(-4);
        alone.Low.ShouldBe(double.NaN);
        alone.Pairs.ShouldBe(1);
        Should.Throw<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<PairedDifference>("[1, 2]", options));
        System.Text.Json.JsonSerializer.Deserialize<PairedDifference>("""{"mean":-1.5,"note":{"a":[1]},"label":"x","pairs":2}""", options).ShouldBe(new PairedDifference(-1.5, double.NaN, double.NaN, 2));
    }
}
