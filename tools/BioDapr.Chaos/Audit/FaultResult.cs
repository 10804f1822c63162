namespace BioDapr.Chaos.Audit;

/// <summary>
/// The audit of one fault: what the clients were answered, checked against what the organism stored (orders,
/// payment decisions, payment events, reservations, stock).
/// </summary>
public sealed record FaultResult
{
    /// <summary>The fault's name.</summary>
    public required string Fault { get; init; }

    /// <summary>What was done.</summary>
    public required string Description { get; init; }

    /// <summary>Orders sent (each with its own Idempotency-Key; retries not counted).</summary>
    public int Sent { get; init; }

    /// <summary>Orders answered 201.</summary>
    public int Accepted { get; init; }

    /// <summary>Orders finally refused with a 4xx (out of stock, rate limit of the flood, ...).</summary>
    public int Refused { get; init; }

    /// <summary>Orders whose client gave up without a final answer.</summary>
    public int Unanswered { get; init; }

    /// <summary>Second orders for one key, second order ids for one key, second or conflicting charges for one order.</summary>
    public int Duplicates { get; init; }

    /// <summary>Orders answered 201 that are not stored as accepted.</summary>
    public int Lost { get; init; }

    /// <summary>Accepted orders whose final state and payment decision disagree, or that have no decision.</summary>
    public int ChargeMismatches { get; init; }

    /// <summary>Orders stored as accepted or charged although their client was never answered 201 (or nobody placed them).</summary>
    public int Hidden { get; init; }

    /// <summary>Accepted orders not confirmed or cancelled within the stated time after the fault ended.</summary>
    public int Stuck { get; init; }

    /// <summary>Units of stock unaccounted for (initial ≠ available + reserved, or reserved ≠ units held for accepted orders), after this fault.</summary>
    public int StockDrift { get; init; }

    /// <summary>Hostile requests that were not refused.</summary>
    public int Leaks { get; init; }

    /// <summary>For the hostile client: whether the well-behaved client kept its share (null: not checked).</summary>
    public bool? FairShareKept { get; init; }

    /// <summary>Share of the well-behaved client's orders accepted or refused at the first attempt (%).</summary>
    public double GoodFirstTryPercent { get; init; }

    /// <summary>Seconds from the fault to the last retryable error the well-behaved client met (0: none).</summary>
    public double RecoverSeconds { get; init; }

    /// <summary>Time from an accepted order's creation to its final state: median (s).</summary>
    public double? TerminalP50Seconds { get; init; }

    /// <summary>Time from an accepted order's creation to its final state: maximum (s).</summary>
    public double? TerminalMaxSeconds { get; init; }

    /// <summary>Wall time of the fault's run (load, recovery, settling, audit).</summary>
    public double DurationSeconds { get; init; }

    /// <summary>What the fault observed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The first problems found, one line each (empty when every check passed).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>True when every check passed.</summary>
    public bool Passed => Unanswered == 0 && Duplicates == 0 && Lost == 0 && ChargeMismatches == 0 && Hidden == 0
        && Stuck == 0 && StockDrift == 0 && Leaks == 0 && FairShareKept != false && Accepted > 0;
}
