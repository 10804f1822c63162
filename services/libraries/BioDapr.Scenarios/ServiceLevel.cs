namespace BioDapr.Scenarios;

/// <summary>The service level a scenario is judged by.</summary>
/// <param name="LatencyMs">A request counts as goodput when it succeeds within this latency.</param>
/// <param name="ClientDeadlineMs">Clients give up after this long.</param>
public sealed record ServiceLevel(double LatencyMs, double ClientDeadlineMs);
