namespace BioDapr.Scaling.Live;

/// <summary>
/// One second of a live scaling replay: the requests that arrived in it (by scheduled time), how many of them were
/// answered with success within the SLO, and the replicas of the scaled cell provisioned during it (mean of the
/// samples; starting, ready and draining replicas all count, as each holds its processes).
/// </summary>
public sealed record LiveSecond(int Second, int Sent, int Good, double Replicas);

/// <summary>The score of a live scaling replay (see <see cref="Of"/>).</summary>
/// <param name="Seconds">Seconds replayed.</param>
/// <param name="SloViolatingSeconds">Seconds whose good share was below the threshold.</param>
/// <param name="ReplicaSeconds">Replicas provisioned, summed over the seconds.</param>
/// <param name="Sent">Requests sent.</param>
/// <param name="Good">Requests answered with success within the SLO.</param>
public sealed record LiveScore(int Seconds, int SloViolatingSeconds, double ReplicaSeconds, int Sent, int Good)
{
    /// <summary>Good requests as a share of those sent, in percent.</summary>
    public double GoodputPercent => Sent > 0 ? 100.0 * Good / Sent : 0;

    /// <summary>
    /// Scores the seconds: a second is SLO-violating when fewer than <paramref name="goodShare"/> of the requests that
    /// arrived in it were good (any bad request when fewer than 1 / (1 - share) arrived); a second without arrivals never is.
    /// </summary>
    public static LiveScore Of(IReadOnlyList<LiveSecond> seconds, double goodShare)
    {
        ArgumentNullException.ThrowIfNull(seconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(goodShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(goodShare, 1.0);
        return new LiveScore(
            seconds.Count,
            seconds.Count(s => s.Sent > 0 && s.Good < goodShare * s.Sent - 1e-9),
            seconds.Sum(s => s.Replicas),
            seconds.Sum(s => s.Sent),
            seconds.Sum(s => s.Good));
    }
}
