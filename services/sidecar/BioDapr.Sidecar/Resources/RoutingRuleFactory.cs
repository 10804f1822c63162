using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Resources;

/// <summary>Builds <see cref="RoutingRule"/>s as Dapr's <c>CreateRoutingRule</c> does: the match is trimmed and an empty match always matches.</summary>
internal static class RoutingRuleFactory
{
    private static readonly CelExpression AlwaysTrue = CelExpression.Compile("true");

    /// <exception cref="CelParseException">The match is not a valid expression.</exception>
    public static RoutingRule Create(string? match, string path)
    {
        var trimmed = (match ?? "").Trim();
        return new RoutingRule(trimmed, path, trimmed.Length == 0 ? AlwaysTrue : CelExpression.Compile(trimmed));
    }
}
