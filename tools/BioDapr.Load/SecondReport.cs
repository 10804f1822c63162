namespace BioDapr.Load;

/// <summary>One second of a run, by the second the requests were scheduled in.</summary>
public sealed record SecondReport
{
    /// <summary>Seconds since the start.</summary>
    public required int Second { get; init; }

    /// <summary>The phase running.</summary>
    public required string Phase { get; init; }

    /// <summary>The scheduled arrival rate.</summary>
    public required double TargetRps { get; init; }

    /// <summary>Requests sent.</summary>
    public int Sent { get; init; }

    /// <summary>Requests that succeeded within the latency SLO.</summary>
    public int Goodput { get; init; }

    /// <summary>Requests that succeeded later than the SLO.</summary>
    public int Slow { get; init; }

    /// <summary>Shed by the cells (429 or 503 with Retry-After).</summary>
    public int Shed { get; init; }

    /// <summary>Other 4xx answers.</summary>
    public int ClientErrors { get; init; }

    /// <summary>Other 5xx answers.</summary>
    public int ServerErrors { get; init; }

    /// <summary>Not answered within the client deadline.</summary>
    public int Deadline { get; init; }

    /// <summary>Connection failures.</summary>
    public int Transport { get; init; }

    /// <summary>Latency percentiles of the answered requests, from the scheduled send time.</summary>
    public double P50Ms { get; init; }

    /// <summary>p99.</summary>
    public double P99Ms { get; init; }

    /// <summary>The answers that were not a success, counted by who refused and why (status, problem title and detail).</summary>
    public IReadOnlyDictionary<string, int> Refusals { get; init; } = new Dictionary<string, int>();

    /// <summary>Latencies of the answered requests (not in the JSON report).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> LatenciesMs { get; init; } = [];
}
