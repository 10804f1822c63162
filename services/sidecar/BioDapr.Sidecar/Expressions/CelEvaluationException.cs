namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// A CEL expression failed at evaluation time: a missing field or key, a type mismatch
/// (<c>"a" &lt; 1</c>), integer overflow, division by zero, or a regular expression that timed out.
/// </summary>
internal sealed class CelEvaluationException(string message, Exception? inner = null) : Exception(message, inner);
