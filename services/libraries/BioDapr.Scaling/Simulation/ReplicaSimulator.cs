using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Simulation;

/// <summary>
/// A cell's replicas under a scaling policy, second by second (a fluid queue). Each second: Poisson arrivals at
/// the scenario's rate join the queue; the ready replicas serve up to <c>ready x PerReplicaRate</c>; requests
/// older than the timeout are dropped. A replica the policy adds serves only after the cold start; a replica
/// it removes stops at once (starting ones first). The second is SLO-violating when the queue its arrivals
/// join takes longer than the SLO minus the service time to clear, or when requests were dropped. Every
/// policy period the policy decides from the last period's utilisation and rate; after every bucket the
/// forecaster (if any) forecasts the next buckets from the history and the buckets observed so far.
/// </summary>
public static class ReplicaSimulator
{
    /// <summary>Replays <paramref name="scenario"/> under <paramref name="policy"/>; <paramref name="forecaster"/> must already be fitted on the scenario's history.</summary>
    public static ScalingRun Run(ScalingScenario scenario, IScalingPolicy policy, ReplicaSimulationSettings settings, IForecaster? forecaster = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.PerReplicaRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.InitialReplicas, 1);
        var random = new Random(settings.Seed);
        var bucketSeconds = (int)scenario.Trace.Step.TotalSeconds;
        var period = Math.Max(1, (int)policy.Period.TotalSeconds);
        var coldStart = (int)Math.Ceiling(settings.ColdStart.TotalSeconds);
        var waitBudget = (settings.Slo - settings.ServiceTime).TotalSeconds;
        var timeout = settings.RequestTimeout.TotalSeconds;

        // The forecaster's view: history, then each replayed bucket once it is complete (never a future one).
        var series = scenario.ScaledSeries();
        var observed = new Traces.RateSeries(series.Values.ToArray(), series.SeasonLength, series.PhaseOffset);
        Array.Fill(observed.Values, double.NaN, scenario.TestStart, observed.Values.Length - scenario.TestStart);
        var horizon = forecaster is null ? 0 : Math.Min(forecaster.MaxHorizon, series.SeasonLength);
        Forecast? forecast = forecaster?.Predict(observed, scenario.TestStart, horizon);

        var readyAt = new List<int>();
        for (var i = 0; i < settings.InitialReplicas; i++)
        {
            readyAt.Add(0);
        }

        var seconds = scenario.Seconds;
        double backlog = 0, periodServed = 0, periodCapacity = 0, periodArrivals = 0, bucketArrivals = 0, replicaSeconds = 0;
        long arrivals = 0, dropped = 0;
        int violating = 0, maxReplicas = readyAt.Count;
        var timeline = new List<ScalingMinute>(seconds / 60 + 1);
        double minuteArrivals = 0;
        var minuteViolating = 0;
        for (var s = 0; s < seconds; s++)
        {
            if (s > 0 && s % bucketSeconds == 0)
            {
                observed.Values[scenario.TestStart + (s / bucketSeconds) - 1] = bucketArrivals;
                bucketArrivals = 0;
                if (forecaster is not null)
                {
                    forecast = forecaster.Predict(observed, scenario.TestStart + (s / bucketSeconds), horizon);
                }
            }

            if (s > 0 && s % period == 0)
            {
                var ready = readyAt.Count(r => r <= s);
                var observation = new ScalingObservation(
                    TimeSpan.FromSeconds(s), readyAt.Count, ready,
                    periodCapacity > 0 ? Math.Min(1, periodServed / periodCapacity) : 0,
                    periodArrivals / period, backlog, forecast, scenario.Trace.Step, TimeSpan.FromSeconds(s % bucketSeconds));
                Resize(readyAt, policy.Decide(observation), s + coldStart);
                maxReplicas = Math.Max(maxReplicas, readyAt.Count);
                periodServed = periodCapacity = periodArrivals = 0;
            }

            var readyNow = readyAt.Count(r => r <= s);
            var arriving = Poisson(random, scenario.RateAt(s));
            arrivals += arriving;
            bucketArrivals += arriving;
            periodArrivals += arriving;
            minuteArrivals += arriving;
            backlog += arriving;
            var capacity = readyNow * settings.PerReplicaRate;
            var served = Math.Min(backlog, capacity);
            backlog -= served;
            periodServed += served;
            periodCapacity += capacity;
            // Resize keeps the ready replicas before the starting ones, so at least one is always ready (capacity > 0).
            var keep = capacity * timeout;
            var drop = backlog > keep ? backlog - keep : 0;
            backlog -= drop;
            dropped += (long)Math.Round(drop);
            var wait = capacity > 0 ? backlog / capacity : (backlog > 0 ? double.PositiveInfinity : 0);
            if (drop > 0 || (arriving > 0 && wait > waitBudget))
            {
                violating++;
                minuteViolating++;
            }

            replicaSeconds += readyAt.Count;
            if ((s + 1) % 60 == 0 || s == seconds - 1)
            {
                timeline.Add(new ScalingMinute(s / 60, minuteArrivals / ((s % 60) + 1), readyAt.Count, readyNow, minuteViolating));
                minuteArrivals = 0;
                minuteViolating = 0;
            }
        }

        return new ScalingRun(scenario.Name, policy.Name, seconds, violating, replicaSeconds, arrivals, dropped, maxReplicas, timeline);
    }

    /// <summary>Adds replicas ready at <paramref name="readyAt"/> or removes starting replicas first, then ready ones.</summary>
    internal static void Resize(List<int> replicas, int desired, int readyAt)
    {
        desired = Math.Max(1, desired);
        while (replicas.Count < desired)
        {
            replicas.Add(readyAt);
        }

        if (replicas.Count > desired)
        {
            replicas.Sort();
            replicas.RemoveRange(desired, replicas.Count - desired);
        }
    }

    /// <summary>A Poisson draw: Knuth's product method for small means, a rounded normal approximation above 50.</summary>
    internal static int Poisson(Random random, double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 50)
        {
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * normal)));
        }

        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }
}
