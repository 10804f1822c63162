using System.ComponentModel.DataAnnotations;

namespace BioDapr.Payments.Hormones;

/// <summary>Live payment rules (hormones <c>payments.declineAbove</c>, <c>payments.failureRate</c>).</summary>
public sealed record PaymentRules
{
    /// <summary>Orders above this total are refused (a stand-in for a card limit).</summary>
    [Range(0.01, 10_000_000)]
    public decimal DeclineAbove { get; init; } = 10_000m;

    /// <summary>The fraction of payments the (simulated) card network refuses.</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; init; }
}
