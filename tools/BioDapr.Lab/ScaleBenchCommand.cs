using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;
using BioDapr.Scaling.Simulation;
using BioDapr.Scaling.Traces;

namespace BioDapr.Lab;

/// <summary>
/// <c>./biodapr cortex scale-bench</c> (issue 18 item 5): the forecasters on the real traces' held-out days
/// (MASE, 80 % interval coverage, against the targets), then the scaling policies in the replica simulator on
/// the diurnal and bursty scenarios derived from the same traces (SLO-violating seconds, replica-seconds).
/// Writes results.json and the plots under the output folder.
/// </summary>
internal static class ScaleBenchCommand
{
    private const int Horizon = 3;
    private const double FixedTarget = 0.6;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static int Run(string[] args)
    {
        string traces, output;
        int seed, epochs, heldOutDays, coldStart;
        double meanRate, perReplica;
        double[] targets, predictiveTargets;
        try
        {
            var options = new Options(args, "traces", "out", "seed", "epochs", "held-out-days", "cold-start", "mean-rate", "per-replica", "targets", "predictive-targets");
            traces = options.Text("traces", Path.Combine("docs", "traces"));
            output = options.Text("out", Path.Combine("docs", "benchmarks", "scaling"));
            seed = options.Integer("seed", 1, 0);
            epochs = options.Integer("epochs", new QuantileGruOptions().Epochs, 1, 1000);
            heldOutDays = options.Integer("held-out-days", 4, 1, 30);
            coldStart = options.Integer("cold-start", 60, 0, 3600);
            meanRate = options.Number("mean-rate", 30, 0.1, 100_000);
            perReplica = options.Number("per-replica", 10, 0.1, 100_000);
            targets = Targets(options, "targets", "0.5,0.6,0.7,0.8");
            predictiveTargets = Targets(options, "predictive-targets", "0.5,0.6,0.7,0.8,0.9,1.0");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"scale-bench: {e.Message}");
            return 2;
        }

        var sets = new[]
        {
            (File: "nab-twitter-volume-amzn.csv", Name: "amzn-tweets", Family: "diurnal"),
            (File: "nab-elb-request-count-8c0756.csv", Name: "aws-elb", Family: "bursty"),
        };
        var loaded = new List<(RateTrace Trace, string Family)>();
        foreach (var set in sets)
        {
            try
            {
                loaded.Add((RateTrace.Load(Path.Combine(traces, set.File), set.Name), set.Family));
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException)
            {
                Console.Error.WriteLine($"scale-bench: {e.Message}");
                return 2;
            }
        }

        Directory.CreateDirectory(output);
        var clock = Stopwatch.StartNew();
        var gruOptions = new QuantileGruOptions { Epochs = epochs, Seed = seed, MaxHorizon = Horizon };
        var forecasts = new List<TraceForecasts>();
        Console.WriteLine($"Forecasts on the held-out last {heldOutDays} days of each trace: horizons 1..{Horizon} buckets (5, 10, 15 min), rolling origin, seed {seed}");
        Console.WriteLine();
        Console.WriteLine("| trace | buckets train/held-out | forecaster | MASE | MASE 5/10/15 min | vs seasonal-naive | 80 % coverage | fit s |");
        Console.WriteLine("|---|---|---|---:|---|---:|---:|---:|");
        foreach (var (trace, _) in loaded)
        {
            var series = trace.ToSeries();
            var testStart = series.Values.Length - (heldOutDays * series.SeasonLength);
            var scores = new List<ForecastScore>();
            var losses = (IReadOnlyList<double>)[];
            foreach (var forecaster in Forecasters(gruOptions))
            {
                var fit = Stopwatch.StartNew();
                forecaster.Fit(series, testStart);
                var fitSeconds = fit.Elapsed.TotalSeconds;
                var score = ForecastEvaluation.Run(forecaster, series, testStart, Horizon);
                scores.Add(score);
                if (forecaster is QuantileGruForecaster gru)
                {
                    losses = gru.TrainingLosses;
                }

                var naive = scores[0].Mase;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {trace.Name} | {testStart}/{series.Values.Length - testStart} | {score.Forecaster} | {score.Mase:F3} | {string.Join(" / ", score.PerHorizon.Select(h => h.Mase.ToString("F3", CultureInfo.InvariantCulture)))} | {(1 - (score.Mase / naive)) * 100:+0.0;-0.0} % | {score.Coverage * 100:F1} % | {fitSeconds:F1} |"));
                (forecaster as IDisposable)?.Dispose();
            }

            forecasts.Add(new TraceForecasts(trace.Name, trace.FilledGaps, testStart, series.Values.Length - testStart, scores, losses));
        }

        Console.WriteLine();
        foreach (var f in forecasts)
        {
            var gru = f.Scores.Single(s => s.Forecaster == "quantile-gru");
            var naive = f.Scores.Single(s => s.Forecaster == "seasonal-naive");
            var reduction = 1 - (gru.Mase / naive.Mase);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"target {f.Trace}: MASE {reduction * 100:F1} % below seasonal-naive (target >= 15 %): {(reduction >= 0.15 ? "met" : "MISSED")}; coverage {gru.Coverage * 100:F1} % (target 75-85 %): {(gru.Coverage is >= 0.75 and <= 0.85 ? "met" : "MISSED")}"));
        }

        // Scaling: each trace's held-out days replayed as a cell's arrivals, scaled to the chosen mean rate. Both
        // adaptive policies run at every target utilisation of the sweep, so they can be compared at equal cost.
        var settings = new ReplicaSimulationSettings { PerReplicaRate = perReplica, ColdStart = TimeSpan.FromSeconds(coldStart), Seed = seed };
        var runs = new List<ScalingRun>();
        var scenarios = new List<ScenarioInfo>();
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Scaling in the replica simulator: {perReplica} req/s per replica, cold start {coldStart} s, SLO {settings.Slo.TotalSeconds} s (service {settings.ServiceTime.TotalMilliseconds} ms), mean held-out rate {meanRate} req/s, target utilisations: reactive {string.Join(", ", targets)}, predictive {string.Join(", ", predictiveTargets)} (it plans on the forecast's 90 % quantile, so it already holds headroom at 1.0), seed {seed}"));
        Console.WriteLine();
        Console.WriteLine("| scenario | policy | target | SLO-violating s | % of time | replica-seconds | mean replicas | max | dropped requests |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (trace, family) in loaded)
        {
            var testStart = trace.Values.Length - (heldOutDays * trace.BucketsPerDay);
            var heldOutMean = trace.Values.Skip(testStart).Average();
            var scale = meanRate * trace.Step.TotalSeconds / heldOutMean;
            var scenario = new ScalingScenario($"{family}-{trace.Name}", family, trace, scale, testStart);
            var history = scenario.ScaledSeries();
            var sizing = new CapacityModel(perReplica, FixedTarget);
            var fleet = sizing.ReplicasFor(ForecastMetrics.Quantile(history.Values.Take(testStart).ToArray(), 0.99) / trace.Step.TotalSeconds);
            using var forecaster = new QuantileGruForecaster(gruOptions);
            forecaster.Fit(history, testStart);
            var start = settings with { InitialReplicas = sizing.ReplicasFor(history.Values[testStart - 1] / trace.Step.TotalSeconds) };
            scenarios.Add(new ScenarioInfo(scenario.Name, family, trace.Name, scale, fleet, scenario.Seconds));
            var policies = new List<(IScalingPolicy Policy, double Target, IForecaster? Forecaster)>();
            foreach (var target in predictiveTargets)
            {
                policies.Add((new PredictivePolicy(new PredictiveSettings { Capacity = new CapacityModel(perReplica, target), ColdStart = settings.ColdStart }), target, forecaster));
            }

            foreach (var target in targets)
            {
                policies.Add((new HpaPolicy(new HpaSettings { TargetUtilisation = target }), target, null));
            }

            policies.Add((new FixedFleetPolicy(fleet), FixedTarget, null));
            foreach (var (policy, target, policyForecaster) in policies)
            {
                var run = ReplicaSimulator.Run(scenario, policy, start, policyForecaster) with { Target = target };
                runs.Add(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run.Scenario} | {run.Policy} | {target:F2} | {run.SloViolatingSeconds} | {100.0 * run.SloViolatingSeconds / run.Seconds:F2} % | {run.ReplicaSeconds:F0} | {run.MeanReplicas:F2} | {run.MaxReplicas} | {run.Dropped} |"));
            }
        }

        // Equal cost: for every reactive run, the predictive run with the fewest violations among those that cost no more.
        Console.WriteLine();
        Console.WriteLine("At equal or lower cost: every reactive (HPA) run against the best predictive run that costs no more");
        Console.WriteLine();
        Console.WriteLine("| scenario | reactive target | reactive SLO-violating s | reactive replica-s | predictive target | predictive SLO-violating s | predictive replica-s | fewer violations at <= cost |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        var comparisons = new List<CostComparison>();
        foreach (var group in runs.GroupBy(r => r.Scenario))
        {
            foreach (var reactive in group.Where(r => r.Policy == "reactive-hpa"))
            {
                var predictive = group.Where(r => r.Policy == "predictive" && r.ReplicaSeconds <= reactive.ReplicaSeconds)
                    .OrderBy(r => r.SloViolatingSeconds).ThenBy(r => r.ReplicaSeconds).FirstOrDefault();
                var better = predictive is not null && predictive.SloViolatingSeconds < reactive.SloViolatingSeconds;
                comparisons.Add(new CostComparison(group.Key, reactive.Target, reactive.SloViolatingSeconds, reactive.ReplicaSeconds, predictive?.Target, predictive?.SloViolatingSeconds, predictive?.ReplicaSeconds, better));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {group.Key} | {reactive.Target:F2} | {reactive.SloViolatingSeconds} | {reactive.ReplicaSeconds:F0} | {(predictive is null ? "none cheaper" : predictive.Target.ToString("F2", CultureInfo.InvariantCulture))} | {predictive?.SloViolatingSeconds.ToString(CultureInfo.InvariantCulture) ?? "-"} | {predictive?.ReplicaSeconds.ToString("F0", CultureInfo.InvariantCulture) ?? "-"} | {(better ? "yes" : "NO")} |"));
            }
        }

        var plots = ScalePlots.Write(output, forecasts, runs, comparisons);
        var results = new
        {
            command = "./biodapr cortex scale-bench " + string.Join(' ', args),
            seed,
            horizonBuckets = Horizon,
            bucketMinutes = 5,
            heldOutDays,
            gru = gruOptions,
            forecasts = forecasts.Select(f => new
            {
                f.Trace, f.FilledGaps, f.TrainBuckets, f.HeldOutBuckets, trainingLoss = f.Losses,
                scores = f.Scores.Select(s => new { s.Forecaster, s.Mase, s.Coverage, perHorizon = s.PerHorizon }),
            }),
            simulation = new
            {
                settings.PerReplicaRate, coldStartSeconds = coldStart, sloSeconds = settings.Slo.TotalSeconds, serviceMs = settings.ServiceTime.TotalMilliseconds,
                targets, predictiveTargets, fixedFleetSizing = "99th percentile of the history's bucket rates at utilisation " + FixedTarget.ToString(CultureInfo.InvariantCulture), meanRate, scenarios, equalCost = comparisons,
                runs = runs.Select(r => new { r.Scenario, r.Policy, r.Target, r.Seconds, r.SloViolatingSeconds, r.ReplicaSeconds, r.MeanReplicas, r.MaxReplicas, r.Arrivals, r.Dropped }),
            },
            plots,
            elapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        var path = Path.Combine(output, "results.json");
        File.WriteAllText(path, JsonSerializer.Serialize(results, Json));
        Console.WriteLine();
        Console.WriteLine($"wrote {path} and {plots.Count} plots under {output} ({Options.Duration(clock.Elapsed)})");
        return 0;
    }

    private static double[] Targets(Options options, string name, string fallback) =>
        [.. options.Text(name, fallback).Split(',').Select(t =>
            double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is > 0 and <= 1
                ? v
                : throw new ArgumentException($"--{name} must be utilisations in (0, 1] separated by commas, got '{t}'"))];

    private static IEnumerable<IForecaster> Forecasters(QuantileGruOptions gru)
    {
        yield return new SeasonalNaiveForecaster(Horizon);
        yield return new HoltWintersForecaster(Horizon);
        yield return new QuantileGruForecaster(gru);
    }
}

internal sealed record TraceForecasts(string Trace, int FilledGaps, int TrainBuckets, int HeldOutBuckets, IReadOnlyList<ForecastScore> Scores, IReadOnlyList<double> Losses);

internal sealed record CostComparison(string Scenario, double ReactiveTarget, int ReactiveViolatingSeconds, double ReactiveReplicaSeconds, double? PredictiveTarget, int? PredictiveViolatingSeconds, double? PredictiveReplicaSeconds, bool PredictiveBetter);

internal sealed record ScenarioInfo(string Name, string Family, string Trace, double RateScale, int FixedFleet, int Seconds);
