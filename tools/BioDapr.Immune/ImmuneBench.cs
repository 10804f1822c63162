using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Scenarios.Immune;

namespace BioDapr.Immune;

/// <summary>
/// Replays the labelled traffic mix through the gateway's immune system (the same <see cref="AnomalyDetector"/> and
/// <see cref="ImmuneSystem"/> the gateway runs) with a fake clock, as the middleware would: the quarantine is asked
/// first, a refused request goes no further, an admitted one is scored when it ends; every simulated second the
/// sweep runs and every two the ledger is synced. Counts what each request met and when each episode was quarantined.
/// A long request's body arrives evenly over its duration and the detector is told its progress every second, as the
/// gateway's body read does; a body slower than Kestrel's minimum data rate (240 B/s) is cut with 408 at the first
/// heartbeat after its 5 s grace, as it is live (before this, the replay held a drip's bodies for their whole 30-60 s,
/// which the live gateway never does).
/// </summary>
internal static class ImmuneBench
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    // Kestrel's defaults (KestrelServerLimits.MinRequestBodyDataRate): 240 bytes/s, enforced after a 5 s grace, checked on its 1 s heartbeat.
    private const double KestrelMinimumBytesPerSecond = 240;
    private static readonly TimeSpan KestrelGrace = TimeSpan.FromSeconds(5);

    public static ImmuneBenchResult Run(LabelledMixOptions options, ImmuneHormones hormones, TimeSpan detectWithin)
    {
        var mix = new LabelledTrafficMix(options);
        var clock = new ReplayClock(Origin);
        var immune = new ImmuneSystem(new AnomalyDetector(clock, () => hormones), clock, () => hormones);
        var ledger = new ImmuneLedger();
        var ends = new PriorityQueue<(LabelledRequest Request, long StartedAt, int Status), DateTimeOffset>();
        var detected = new Dictionary<int, TimeSpan>();
        var episodes = mix.Episodes.OrderBy(e => e.Start).ToArray();
        var counts = new Dictionary<TrafficLabel, (long Requests, long Affected)>();
        var legitimateQuarantined = new Dictionary<string, long>(StringComparer.Ordinal);

        // Per episode, the highest score its requests reached within detectWithin (what a miss came closest with).
        var peaks = new Dictionary<int, AnomalyVerdict>();
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
                Progress();
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
                    var key = quarantine.Target + " (" + (quarantine.Remembered ? "memory: " : string.Empty) + quarantine.Reason + ")";
                    legitimateQuarantined[key] = legitimateQuarantined.GetValueOrDefault(key) + 1;
                }
            }

            if (!decision.Admitted)
            {
                continue;
            }

            if (request.Duration >= TimeSpan.FromSeconds(1))
            {
                var startedAt = immune.Begin(request.Client, request.Address);
                var end = at + request.Duration;
                var status = request.Status;
                if (request.BodyBytes > 0)
                {
                    immune.Receiving(request.Client, request.Address, startedAt, 0);
                    if (request.BodyBytes / request.Duration.TotalSeconds < KestrelMinimumBytesPerSecond && request.Duration > KestrelGrace)
                    {
                        // Cut at the first heartbeat after the grace (the heartbeat's phase: where the request fell in its second).
                        end = at + KestrelGrace + TimeSpan.FromTicks(TimeSpan.TicksPerSecond - (request.At.Ticks % TimeSpan.TicksPerSecond));
                        status = 408;
                    }
                }

                ends.Enqueue((request, startedAt, status), end);
                continue;
            }

            Peak(request, immune.Observe(Observation(request)));
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
            [.. legitimateQuarantined.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => $"{q.Key}: {q.Value} requests")],
            scored,
            immune.Signatures.Count,
            [.. mix.Episodes.Select(e => new BenchEpisode(
                e.Id,
                e.Label.ToString(),
                e.Wave,
                e.Slow,
                e.Client,
                e.Address,
                detected.TryGetValue(e.Id, out var t) ? t.TotalSeconds : null,
                peaks.TryGetValue(e.Id, out var peak) ? Math.Round(peak.Score, 2) : null,
                peaks.TryGetValue(e.Id, out peak) ? peak.Feature.ToString() + (peak.Breakdown is { } b ? " (" + b + ")" : string.Empty) : null))]);

        void Peak(in LabelledRequest request, in AnomalyVerdict verdict)
        {
            if (request.Episode >= 0
                && clock.Now - (Origin + mix.Episodes[request.Episode].Start) <= detectWithin
                && (!peaks.TryGetValue(request.Episode, out var best) || verdict.Score > best.Score))
            {
                peaks[request.Episode] = verdict;
            }
        }

        void EndUntil(DateTimeOffset until)
        {
            while (ends.TryPeek(out var open, out var end) && end <= until)
            {
                ends.Dequeue();
                clock.Now = end;
                Peak(open.Request, immune.Observe(Observation(open.Request) with { Status = open.Status }, open.StartedAt));
                scored++;
            }
        }

        // The bodies still arriving have come this far (evenly over their request's duration).
        void Progress()
        {
            foreach (var ((request, startedAt, _), _) in ends.UnorderedItems)
            {
                if (request.BodyBytes > 0)
                {
                    var elapsed = clock.Now - (Origin + request.At);
                    immune.Receiving(request.Client, request.Address, startedAt, (long)Math.Min(request.BodyBytes, request.BodyBytes * elapsed.TotalSeconds / request.Duration.TotalSeconds));
                }
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
    int Signatures,
    BenchEpisode[] Episodes);

/// <summary>
/// One attack episode of the replay and when it was quarantined (seconds from its start; null: not within its length and a
/// minute), with the highest score its requests reached within the detection time and the feature (what a miss came closest with).
/// </summary>
internal sealed record BenchEpisode(int Id, string Attack, int Wave, bool Slow, string? Client, string Address, double? Seconds, double? PeakScore, string? PeakFeature);
