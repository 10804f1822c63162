using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A routing rule: events for which <paramref name="Expression"/> is true go to <paramref name="Path"/>.
/// <paramref name="Match"/> is the CEL text as written (trimmed); an empty match always matches, as in Dapr,
/// and its <paramref name="Expression"/> is the constant <c>true</c>.
/// </summary>
internal sealed record RoutingRule(string Match, string Path, CelExpression Expression);
