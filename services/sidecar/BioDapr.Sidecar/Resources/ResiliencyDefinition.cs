namespace BioDapr.Sidecar.Resources;

/// <summary>A <c>kind: Resiliency</c> document: named policies and the targets that use them.</summary>
/// <param name="Name"><c>metadata.name</c>.</param>
/// <param name="Timeouts">Named per-attempt timeouts.</param>
/// <param name="Retries">Named retry policies, exactly as written (built-in overrides are adjusted by the engine).</param>
/// <param name="CircuitBreakers">Named circuit breakers.</param>
/// <param name="Targets">Which policies apply to which apps, actors and components.</param>
/// <param name="Scopes">App ids the document applies to; empty means every app.</param>
/// <param name="SourceFile">The file it came from.</param>
internal sealed record ResiliencyDefinition(
    string Name,
    IReadOnlyDictionary<string, TimeSpan> Timeouts,
    IReadOnlyDictionary<string, RetryPolicyDefinition> Retries,
    IReadOnlyDictionary<string, CircuitBreakerDefinition> CircuitBreakers,
    ResiliencyTargets Targets,
    IReadOnlyList<string> Scopes,
    string SourceFile);
