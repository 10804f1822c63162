namespace BioDapr.Sidecar.Resources;

/// <summary>A retry policy's <c>policy</c>: how the wait between attempts grows.</summary>
internal enum RetryBackoff
{
    /// <summary>Wait <c>duration</c> between attempts.</summary>
    Constant,

    /// <summary>Start at 500 ms and grow by 1.5 with ±50 % jitter, capped at <c>maxInterval</c>, for at most 15 minutes.</summary>
    Exponential,
}
