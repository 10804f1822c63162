namespace BioDapr.Control.Guardrails;

/// <summary>An audit record: one hormone of one pathway changed by the cortex, and why.</summary>
/// <param name="Pathway">The pathway (<c>caller→target</c>).</param>
/// <param name="Hormone">The hormone's property name (<c>concurrencyLimit</c>, <c>timeoutMs</c>, …).</param>
/// <param name="OldValue">The value before.</param>
/// <param name="NewValue">The value written.</param>
/// <param name="Reason">Who decided and which guardrail applied (e.g. <c>cortex; step limited</c>, <c>fallback to gradient2-tuned: …</c>).</param>
/// <param name="At">When (the decision's time).</param>
public sealed record HormoneChange(string Pathway, string Hormone, string OldValue, string NewValue, string Reason, DateTimeOffset At);
