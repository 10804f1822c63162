using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Scenarios.Immune;

namespace BioDapr.Immune.Live;

/// <summary>
/// Turns the live run's outcomes and the gateway's ledger into the detector's scores. An episode is detected when the
/// gateway decided a quarantine whose target covers it (its address, its key, or its key from its address); its
/// time-to-detect runs from its first request to that decision (0 when a quarantine from an earlier encounter still
/// held it). A decision made after the same attacker's next episode began belongs to that episode, not this one: before,
/// run 4 credited a wave-1 slow drip (never quarantined in its episode) with its wave-2 return's quarantine, 62.5 s
/// later. A request is held when a quarantine answered it (403 Quarantined, 429 Throttled).
/// </summary>
internal static class LiveResults
{
    public static LiveResult Compute(
        LabelledTrafficMix mix,
        LabelledMixOptions options,
        IReadOnlyCollection<LiveOutcome> outcomes,
        ImmuneLedger ledger,
        ImmuneHormones hormones,
        TimeSpan detectWithin,
        ForgedSummary forged,
        DateTimeOffset started,
        string loadBefore,
        string loadAfter)
    {
        var decisions = ledger.Audit.Where(a => a.Action is "quarantined" or "refused").OrderBy(a => a.At).ToArray();
        var byEpisode = outcomes.Where(o => o.Episode >= 0).ToLookup(o => o.Episode);
        var firstSent = mix.Episodes.Where(e => byEpisode[e.Id].Any()).ToDictionary(e => e.Id, e => byEpisode[e.Id].Min(o => o.SentUtc));
        var episodes = mix.Episodes.Select(episode =>
        {
            var sent = byEpisode[episode.Id].ToArray();
            if (sent.Length == 0)
            {
                return new EpisodeResult(episode.Id, episode.Label.ToString(), episode.Wave, null, episode.Client, null, null, null, 0, 0);
            }

            var source = sent[0].Source;
            var first = sent.Min(o => o.SentUtc);
            var covering = decisions.Where(d => Covers(d.Target, episode.Client, source)).ToArray();
            var earlier = covering.LastOrDefault(d => d.At < first && d.At.AddSeconds(hormones.QuarantineSeconds) > first);
            var returns = mix.Episodes
                .Where(e => e.Id != episode.Id && SameAttacker(e, episode) && firstSent.TryGetValue(e.Id, out var other) && other > first)
                .Select(e => firstSent[e.Id])
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min();
            var next = covering.FirstOrDefault(d => d.At >= first && d.At < returns);
            double? ttd = earlier is not null ? 0 : next is not null ? (next.At - first).TotalSeconds : null;
            var firstHeld = sent.Where(o => o.Held).Select(o => (double?)(o.SentUtc - first).TotalSeconds).Min();
            return new EpisodeResult(episode.Id, episode.Label.ToString(), episode.Wave, source, episode.Client, ttd, (earlier ?? next)?.Target, firstHeld, sent.Length, sent.Count(o => o.Held));
        }).ToArray();

        var attacks = LabelledTrafficMix.Attacks.Select(label =>
        {
            var of = episodes.Where(e => e.Attack == label.ToString()).ToArray();
            var requests = of.Sum(e => e.Requests);
            double? Median(IEnumerable<double?> values)
            {
                var found = values.OfType<double>().Order().ToArray();
                return found.Length == 0 ? null : found[found.Length / 2];
            }

            return new LiveAttackResult(
                label.ToString(),
                of.Length,
                of.Count(e => e.SecondsToDetect is not null),
                of.Length == 0 ? 0 : (double)of.Count(e => e.SecondsToDetect <= detectWithin.TotalSeconds) / of.Length,
                requests == 0 ? 0 : (double)of.Sum(e => e.Held) / requests,
                Median(of.Where(e => e.Wave == 1).Select(e => e.SecondsToDetect)),
                Median(of.Where(e => e.Wave == 2).Select(e => e.SecondsToDetect)),
                of.Select(e => e.SecondsToDetect).OfType<double>().DefaultIfEmpty(double.NaN).Max(),
                Median(of.Select(e => e.SecondsToFirstHeld)));
        }).ToArray();

        var evaluationStart = mix.EvaluationStart.TotalSeconds;
        var legitimate = outcomes.Where(o => o.Label == TrafficLabel.Legitimate).ToArray();
        var attackDay = legitimate.Where(o => o.SentAt >= evaluationStart).ToArray();
        var attackHeld = outcomes.Count(o => o.Held && o.Label != TrafficLabel.Legitimate);
        var legitimateHeld = legitimate.Count(o => o.Held);
        var legitimateSources = legitimate.Select(o => o.Source).ToHashSet(StringComparer.Ordinal);
        var legitimateTargets = decisions
            .Where(d => IsLegitimate(d.Target, legitimateSources))
            .Select(d => $"{d.Target} at +{(d.At - started).TotalSeconds:0} s ({d.Reason})")
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return new LiveResult(
            options,
            hormones,
            detectWithin.TotalSeconds,
            attacks,
            forged,
            attackHeld + legitimateHeld == 0 ? 0 : (double)attackHeld / (attackHeld + legitimateHeld),
            attackDay.Length,
            attackDay.Count(o => o.Held),
            attackDay.Length == 0 ? 0 : (double)attackDay.Count(o => o.Held) / attackDay.Length,
            legitimate.Length,
            legitimateHeld,
            legitimateTargets,
            legitimate.GroupBy(o => o.Status == 0 ? "no answer" : o.Held ? o.Status + " quarantine" : o.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            episodes,
            decisions.Length,
            ledger.Signatures.Count,
            loadBefore,
            loadAfter);
    }

    /// <summary>The same attacker: the same attack, key and network (its /24), a host of its own each time.</summary>
    public static bool SameAttacker(AttackEpisode a, AttackEpisode b) =>
        a.Label == b.Label && a.Client == b.Client && a.Address[..a.Address.LastIndexOf('.')] == b.Address[..b.Address.LastIndexOf('.')];

    /// <summary>Whether a quarantine of <paramref name="target"/> holds requests of <paramref name="client"/> from <paramref name="source"/>.</summary>
    public static bool Covers(string target, string? client, string source) =>
        target == "address:" + source || (client is not null && (target == "client:" + client || target == "client:" + client + "@" + source));

    // A target that holds a legitimate client: one of its addresses, or its key from everywhere (its key from an
    // attacker's address holds only the attacker).
    private static bool IsLegitimate(string target, HashSet<string> legitimateSources)
    {
        if (target.StartsWith("address:", StringComparison.Ordinal))
        {
            return legitimateSources.Contains(target["address:".Length..]);
        }

        var at = target.IndexOf('@', StringComparison.Ordinal);
        return target.StartsWith("client:client-", StringComparison.Ordinal) && (at < 0 || legitimateSources.Contains(target[(at + 1)..]));
    }
}

/// <summary>One attack episode of the live run.</summary>
internal sealed record EpisodeResult(int Id, string Attack, int Wave, string? Source, string? Client, double? SecondsToDetect, string? Target, double? SecondsToFirstHeld, int Requests, int Held);

/// <summary>One attack type of the live run.</summary>
internal sealed record LiveAttackResult(string Attack, int Episodes, int Detected, double RecallWithin, double RequestsHeld, double? MedianSecondsFirstWave, double? MedianSecondsSecondWave, double SlowestSeconds, double? MedianFirstHeldSeconds);

/// <summary>The forged events of the live run.</summary>
internal sealed record ForgedSummary(int Attempts, int Refused, int Published, int Logged, int OrdersChecked, string[] OrdersChanged, ForgedAttempt[] Details);

/// <summary>The live run's result (written as JSON).</summary>
internal sealed record LiveResult(
    LabelledMixOptions Mix,
    ImmuneHormones Hormones,
    double DetectWithinSeconds,
    LiveAttackResult[] Attacks,
    ForgedSummary Forged,
    double Precision,
    long LegitimateRequests,
    long LegitimateAffected,
    double FalsePositiveRate,
    long LegitimateRequestsWholeRun,
    long LegitimateAffectedWholeRun,
    string[] LegitimateTargetsQuarantined,
    Dictionary<string, int> LegitimateStatuses,
    EpisodeResult[] Episodes,
    int Decisions,
    int Signatures,
    string LoadBefore,
    string LoadAfter);
