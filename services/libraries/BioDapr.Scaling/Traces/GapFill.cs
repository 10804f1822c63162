namespace BioDapr.Scaling.Traces;

/// <summary>How <see cref="RateTrace.Load(string, string, GapFill)"/> fills a bucket the source file lacks.</summary>
public enum GapFill
{
    /// <summary>Linear interpolation between the neighbouring buckets (a monitoring system that missed a sample).</summary>
    Interpolate,

    /// <summary>Zero (a log aggregated per bucket: a bucket without a line had no request).</summary>
    Zero,
}
