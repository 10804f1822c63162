namespace BioDapr.Scaling.Traces;

/// <summary>
/// Arrival counts per bucket with the daily season length in buckets and the position of bucket 0 in its day,
/// so a forecaster knows the time of day of every bucket without wall-clock timestamps.
/// </summary>
public sealed record RateSeries(double[] Values, int SeasonLength, int PhaseOffset)
{
    /// <summary>Position of bucket <paramref name="index"/> within its day, in [0, <see cref="SeasonLength"/>).</summary>
    public int Phase(int index) => (int)(((long)PhaseOffset + index) % SeasonLength);
}
