using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Reads and validates one <c>kind: Subscription</c> document. v1alpha1 (<c>spec.route</c>) is converted to
/// v2alpha1's shape the way Dapr's conversion does: the route becomes the default path.
/// </summary>
internal static class SubscriptionDocumentReader
{
    public const string V1Alpha1 = "dapr.io/v1alpha1";
    public const string V2Alpha1 = "dapr.io/v2alpha1";

    public static SubscriptionDefinition Read(YamlElement root, string apiVersion, List<string> warnings)
    {
        var name = ResourceNames.ReadName(root);
        var spec = root["spec"];

        var pubsubName = Required(spec["pubsubname"], "the pub/sub component to subscribe through");
        var topic = Required(spec["topic"], "the topic to subscribe to");

        SubscriptionRoutes routes;
        if (apiVersion == V1Alpha1)
        {
            var route = spec["route"];
            if (!spec["routes"].IsNull)
            {
                warnings.Add(spec["routes"].Locate("'routes' is a v2alpha1 field and is ignored in a v1alpha1 Subscription; use apiVersion dapr.io/v2alpha1"));
            }

            routes = new SubscriptionRoutes([], NullIfEmpty(route.AsString()));
            if (!routes.HasRoute)
            {
                throw route.Fail("is required: a v1alpha1 Subscription needs the path events are delivered to");
            }
        }
        else
        {
            routes = ReadRoutes(spec["routes"], warnings);
            if (!routes.HasRoute)
            {
                throw spec["routes"].Fail("needs 'default' or at least one rule: a v2alpha1 Subscription must say where events go");
            }

            if (!spec["route"].IsNull)
            {
                warnings.Add(spec["route"].Locate("'route' is a v1alpha1 field and is ignored in a v2alpha1 Subscription; use routes.default"));
            }
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec["metadata"].Entries())
        {
            metadata[key] = value.AsStringOrEmpty();
        }

        BulkSubscribeOptions? bulk = null;
        var bulkElement = spec["bulkSubscribe"];
        if (!bulkElement.IsNull)
        {
            bulk = new BulkSubscribeOptions(
                bulkElement["enabled"].AsBool() ?? false,
                ReadInt32(bulkElement["maxMessagesCount"]),
                ReadInt32(bulkElement["maxAwaitDurationMs"]));
        }

        return new SubscriptionDefinition(
            name,
            pubsubName,
            topic,
            routes,
            metadata,
            NullIfEmpty(spec["deadLetterTopic"].AsString()),
            bulk,
            root["scopes"].AsStringList(),
            SubscriptionKind.Declarative,
            root.Source.FilePath);
    }

    private static SubscriptionRoutes ReadRoutes(YamlElement routes, List<string> warnings)
    {
        var rules = new List<RoutingRule>();
        foreach (var ruleElement in routes["rules"].Items())
        {
            if (!ruleElement.IsMapping)
            {
                throw ruleElement.Fail("each rule must be a mapping with 'match' and 'path'");
            }

            var pathElement = ruleElement["path"];
            var path = pathElement.AsStringOrEmpty();
            if (path.Length == 0)
            {
                throw pathElement.Fail("is required: a rule needs the path matching events are delivered to");
            }

            var matchElement = ruleElement["match"];
            var match = matchElement.AsStringOrEmpty();
            if (match.Trim().Length == 0)
            {
                warnings.Add(ruleElement.Locate($"rule for path '{path}' has no 'match', so it matches every event (as in Dapr); put a catch-all in routes.default instead"));
            }

            try
            {
                rules.Add(RoutingRuleFactory.Create(match, path));
            }
            catch (CelParseException e)
            {
                throw matchElement.Fail($"the match expression does not compile: {e.Message}");
            }
        }

        return new SubscriptionRoutes(rules, NullIfEmpty(routes["default"].AsString()));
    }

    private static string Required(YamlElement element, string what)
    {
        var value = element.AsStringOrEmpty();
        return value.Length > 0 ? value : throw element.Fail($"is required: {what}");
    }

    private static int ReadInt32(YamlElement element)
    {
        var value = element.AsInteger() ?? 0;
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw element.Fail("is out of range for a 32-bit integer");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
