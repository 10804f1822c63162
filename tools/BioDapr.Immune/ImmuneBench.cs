using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Scenarios.Immune;

namespace BioDapr.Immune;

/// <summary>
/// Replays the labelled traffic mix through the gateway's immune system (the same <see cref="AnomalyDetector"/> and
/// <see cref="ImmuneSystem"/> the gateway runs) with a fake clock, as the middleware would: the quarantine is asked
/// first, a refused request goes no further, an admitted one is scored when it ends; every simulated second the
/// sweep runs and every two the ledger is synced. Counts what each request met and when each episode was quarantined.
/// </summary>
internal static class ImmuneBench
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public static ImmuneBenchResult Run(LabelledMixOptions options, ImmuneHormones hormones, TimeSpan detectWithin)
    {
        var mix = new LabelledTrafficMix(options);
        var clock = new ReplayClock(Origin);
        var immune = new ImmuneSystem(new AnomalyDetector(clock, () => hormones), clock, () => hormones);
        var ledger = new ImmuneLedger();
        var ends = new PriorityQueue<(LabelledRequest Request, long StartedAt), DateTimeOffset>();
        var detected = new Dictionary<int, TimeSpan>();
        var episodes = mix.Episodes.OrderBy(e => e.Start).ToArray();
        var counts = new Dictionary<TrafficLabel, (long Requests, long Affected)>();
        var legitimateQuarantined = new HashSet<string>(StringComparer.Ordinal);
        var evaluationStart = Origin + mix.EvaluationStart;
        var nextSecond = Origin.AddSeconds(1);
        var seconds = 0L;
        var scored = 0L;

        foreach (var request in mix.Requests())
        {
            var at = Origin + request.At;
            while (nextSecond <= at)
            {
                EndUntil(nextSecond);
                clock.Now = nextSecond;
                immune.Sweep();
                if (++seconds % 2 == 0)
                {
                    Sync();
                }

                if (nextSecond >= evaluationStart)
                {
                    CheckEpisodes();
                }

                nextSecond = nextSecond.AddSeconds(1);
            }

            EndUntil(at);
            clock.Now = at;
            var quarantine = immune.Find(request.Client, request.Address);
            var decision = immune.Admit(request.Client, request.Address);
            var evaluated = at >= evaluationStart;
            if (evaluated)
            {
                var (requests, affected) = counts.GetValueOrDefault(request.Label);
                counts[request.Label] = (requests + 1, affected + (quarantine is null ? 0 : 1));
                if (quarantine is not null && request.Label == TrafficLabel.Legitimate)
                {
                    legitimateQuarantined.Add(quarantine.Target + " (" + quarantine.Reason + ")");
                }
            }

            if (!decision.Admitted)
            {
                continue;
            }

            if (request.Duration >= TimeSpan.FromSeconds(1))
            {
                ends.Enqueue((request, immune.Begin(request.Client, request.Address)), at + request.Duration);
                continue;
            }

            immune.Observe(Observation(request));
            scored++;
            if (request.Episode >= 0 && !detected.ContainsKey(request.Episode) && immune.Find(request.Client, request.Address) is not null)
            {
                detected[request.Episode] = at - (Origin + mix.Episodes[request.Episode].Start);
            }
        }

        var perAttack = LabelledTrafficMix.Attacks.Select(label =>
        {
            var of = mix.Episodes.Where(e => e.Label == label).ToArray();
            var times = of.Select(e => detected.TryGetValue(e.Id, out var t) ? t.TotalSeconds : (double?)null).ToArray();
            var (requests, affected) = counts.GetValueOrDefault(label);
            double? Median(int wave)
            {
                var found = of.Where(e => e.Wave == wave && detected.ContainsKey(e.Id)).Select(e => detected[e.Id].TotalSeconds).Order().ToArray();
                return found.Length == 0 ? null : found[found.Length / 2];
            }

            return new AttackResult(
                label.ToString(),
                of.Length,
                times.Count(t => t is not null),
                (double)times.Count(t => t <= detectWithin.TotalSeconds) / of.Length,
                requests == 0 ? 0 : (double)affected / requests,
                Median(1),
                Median(2),
                times.Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(double.NaN).Max());
        }).ToArray();

        var attackAffected = counts.Where(c => c.Key != TrafficLabel.Legitimate).Sum(c => c.Value.Affected);
        var (legitimate, legitimateAffected) = counts.GetValueOrDefault(TrafficLabel.Legitimate);
        return new ImmuneBenchResult(
            options,
            hormones,
            detectWithin.TotalSeconds,
            perAttack,
            attackAffected + legitimateAffected == 0 ? 0 : (double)attackAffected / (attackAffected + legitimateAffected),
            legitimate,
            legitimateAffected,
            legitimate == 0 ? 0 : (double)legitimateAffected / legitimate,
            [.. legitimateQuarantined.Order(StringComparer.Ordinal)],
            scored,
            immune.Signatures.Count);

        void EndUntil(DateTimeOffset until)
        {
            while (ends.TryPeek(out var open, out var end) && end <= until)
            {
                ends.Dequeue();
                clock.Now = end;
                immune.Observe(Observation(open.Request), open.StartedAt);
                scored++;
            }
        }

        void Sync()
        {
            var changes = immune.TakePending();
            if (changes.Count > 0)
            {
                ImmuneSystem.Apply(ledger, changes);
                immune.Adopt(ledger);
            }
        }

        void CheckEpisodes()
        {
            var now = clock.Now;
            foreach (var episode in episodes)
            {
                var start = Origin + episode.Start;
                if (start > now)
                {
                    break;
                }

                if (now - start <= options.EpisodeLength + TimeSpan.FromMinutes(1) && !detected.ContainsKey(episode.Id) && immune.Find(episode.Client, episode.Address) is not null)
                {
                    detected[episode.Id] = now - start;
                }
            }
        }
    }

    private static RequestObservation Observation(in LabelledRequest request) =>
        new(request.Client, request.Address, request.Read ? RequestKind.ReadOrder : RequestKind.PlaceOrder, request.Status, request.BodyBytes);
}

/// <summary>One attack type's result.</summary>
internal sealed record AttackResult(string Attack, int Episodes, int Detected, double RecallWithin, double RequestsHeld, double? MedianSecondsFirstWave, double? MedianSecondsSecondWave, double SlowestSeconds);

/// <summary>The whole benchmark's result (written as JSON).</summary>
internal sealed record ImmuneBenchResult(
    LabelledMixOptions Mix,
    ImmuneHormones Hormones,
    double DetectWithinSeconds,
    AttackResult[] Attacks,
    double Precision,
    long LegitimateRequests,
    long LegitimateAffected,
    double FalsePositiveRate,
    string[] LegitimateTargetsQuarantined,
    long RequestsScored,
    int Signatures);
