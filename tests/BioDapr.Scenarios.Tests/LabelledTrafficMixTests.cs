using BioDapr.Scenarios.Immune;

namespace BioDapr.Scenarios.Tests;

/// <summary>The labelled traffic mix of the anomaly detector's evaluation, replayed (real days) and live (days of minutes).</summary>
public sealed class LabelledTrafficMixTests
{
    [Fact]
    public void ACompressedDay_KeepsEveryRequestInsideTheRun_AndEveryEpisodeInsideItsWave()
    {
        var options = new LabelledMixOptions
        {
            DayLength = TimeSpan.FromSeconds(150),
            EpisodesPerAttack = 3,
            EpisodeLength = TimeSpan.FromSeconds(20),
            EpisodeMargin = TimeSpan.FromSeconds(30),
            RateScale = 0.5,
        };
        var mix = new LabelledTrafficMix(options);

        var requests = mix.Requests().ToList();

        mix.End.ShouldBe(TimeSpan.FromSeconds(300));
        mix.EvaluationStart.ShouldBe(TimeSpan.FromSeconds(150));
        requests.ShouldAllBe(r => r.At >= TimeSpan.Zero && r.At < TimeSpan.FromSeconds(300) + TimeSpan.FromSeconds(60));
        requests.Where(r => r.Label != TrafficLabel.Legitimate).ShouldAllBe(r => r.At >= mix.EvaluationStart);
        mix.Episodes.Count.ShouldBe(2 * 3 * LabelledTrafficMix.Attacks.Length);
        foreach (var episode in mix.Episodes)
        {
            var waveStart = mix.EvaluationStart + TimeSpan.FromSeconds(75 * (episode.Wave - 1));
            episode.Start.ShouldBeGreaterThanOrEqualTo(waveStart);
            (episode.Start + options.EpisodeLength).ShouldBeLessThanOrEqualTo(waveStart + TimeSpan.FromSeconds(75));
        }

        // Half the rate: about 16 clients × ~0.5 requests/s on average over 300 s, far fewer than at full rate.
        var legitimate = requests.Count(r => r.Label == TrafficLabel.Legitimate);
        legitimate.ShouldBeLessThan(new LabelledTrafficMix(options with { RateScale = 1 }).Requests().Count(r => r.Label == TrafficLabel.Legitimate) * 3 / 4);
    }

    [Fact]
    public void TheSameSeed_GivesTheSameMix()
    {
        var options = new LabelledMixOptions { DayLength = TimeSpan.FromSeconds(100), EpisodesPerAttack = 1, EpisodeLength = TimeSpan.FromSeconds(10), EpisodeMargin = TimeSpan.FromSeconds(20) };

        var first = new LabelledTrafficMix(options).Requests().Take(500).ToList();
        var second = new LabelledTrafficMix(options).Requests().Take(500).ToList();

        second.ShouldBe(first);
    }
}
