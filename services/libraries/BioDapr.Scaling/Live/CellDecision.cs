namespace BioDapr.Scaling.Live;

/// <summary>
/// One scaling decision for a cell: the replicas it should run and what decided it (<see cref="Forecast"/>:
/// the predictive policy on a trained forecaster; <see cref="Observed"/>: the reactive floor from the arrivals
/// observed, while the cell has too little history to train on). <see cref="Applied"/> says whether the count
/// was sent to the runner; <see cref="Error"/> is the runner's refusal, when there was one.
/// </summary>
public sealed record CellDecision(string AppId, int Replicas, string Source, bool Applied, string? Error = null)
{
    /// <summary>Source of a decision made with a forecast.</summary>
    public const string Forecast = "forecast";

    /// <summary>Source of a decision made from observed arrivals alone (no trained forecaster yet).</summary>
    public const string Observed = "observed";
}
