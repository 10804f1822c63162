using System.Text.Json;
using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Parses the app's answer to <c>GET /dapr/subscribe</c>, following daprd's <c>GetSubscriptionsHTTP</c>:
/// <list type="bullet">
/// <item>the body is a JSON array of entries; an empty body or <c>null</c> means no subscriptions; only the
/// first JSON value is read;</item>
/// <item>field names match case-insensitively (<c>pubsubName</c> works like <c>pubsubname</c>); unknown fields
/// are ignored; a field of the wrong type is an error;</item>
/// <item><c>routes.rules</c> come first, then <c>routes.default</c>, which takes precedence over the v1-style
/// <c>route</c>; a rule with an empty match always matches; a match that does not compile fails the whole answer,
/// as in daprd;</item>
/// <item>an entry that ends up with no path is dropped with a warning, as is one without pubsubname or topic;</item>
/// <item>paths are kept exactly as given (the .NET SDK sends them without a leading '/'); the '/' is added when
/// the delivery request is built.</item>
/// </list>
/// </summary>
internal static class SubscriptionParser
{
    /// <summary>Parses the response body of <c>GET /dapr/subscribe</c>.</summary>
    /// <exception cref="SubscriptionParseException">The body is not a JSON array of subscription entries.</exception>
    public static ProgrammaticSubscriptions ParseProgrammatic(ReadOnlySpan<byte> json)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return ProgrammaticSubscriptions.Empty;
        }

        var reader = new Utf8JsonReader(json);
        JsonDocument document;
        try
        {
            if (!reader.Read())
            {
                return ProgrammaticSubscriptions.Empty;
            }

            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new SubscriptionParseException($"the app's /dapr/subscribe response is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return ProgrammaticSubscriptions.Empty;
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new SubscriptionParseException($"the app's /dapr/subscribe response must be a JSON array of subscriptions, found {Describe(root)}");
            }

            var subscriptions = new List<SubscriptionDefinition>();
            var warnings = new List<string>();
            var index = 0;
            foreach (var entry in root.EnumerateArray())
            {
                index++;
                var subscription = ParseEntry(entry, index);
                if (subscription.PubsubName.Length == 0 || subscription.Topic.Length == 0)
                {
                    warnings.Add($"subscription {index} from /dapr/subscribe has no {(subscription.PubsubName.Length == 0 ? "pubsubname" : "topic")}; removing it from the subscriptions list");
                    continue;
                }

                if (!subscription.Routes.HasRoute)
                {
                    warnings.Add($"topic {subscription.Topic} on pubsub {subscription.PubsubName} has no route (no 'route', 'routes.default' or 'routes.rules'); removing it from the subscriptions list");
                    continue;
                }

                subscriptions.Add(subscription);
            }

            return new ProgrammaticSubscriptions(subscriptions, warnings);
        }
    }

    private static SubscriptionDefinition ParseEntry(JsonElement entry, int index)
    {
        var where = $"subscription {index} of the /dapr/subscribe response";
        if (entry.ValueKind == JsonValueKind.Null)
        {
            return Build("", "", null, null, null, null, [], new Dictionary<string, string>());
        }

        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new SubscriptionParseException($"{where} must be an object, found {Describe(entry)}");
        }

        string? pubsub = null, topic = null, route = null, deadLetter = null, defaultRoute = null;
        var rules = new List<RoutingRule>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        BulkSubscribeOptions? bulk = null;
        foreach (var property in entry.EnumerateObject())
        {
            switch (property.Name.ToLowerInvariant())
            {
                case "pubsubname":
                    pubsub = ReadString(property.Value, where, "pubsubname");
                    break;
                case "topic":
                    topic = ReadString(property.Value, where, "topic");
                    break;
                case "route":
                    route = ReadString(property.Value, where, "route");
                    break;
                case "deadlettertopic":
                    deadLetter = ReadString(property.Value, where, "deadLetterTopic");
                    break;
                case "metadata":
                    metadata = ReadMetadata(property.Value, where);
                    break;
                case "routes":
                    (rules, defaultRoute) = ReadRoutes(property.Value, where);
                    break;
                case "bulksubscribe":
                    bulk = ReadBulk(property.Value, where);
                    break;
            }
        }

        return Build(pubsub ?? "", topic ?? "", route, defaultRoute, deadLetter, bulk, rules, metadata);
    }

    private static SubscriptionDefinition Build(
        string pubsub,
        string topic,
        string? route,
        string? defaultRoute,
        string? deadLetter,
        BulkSubscribeOptions? bulk,
        List<RoutingRule> rules,
        Dictionary<string, string> metadata)
    {
        var effectiveDefault = !string.IsNullOrEmpty(defaultRoute) ? defaultRoute : string.IsNullOrEmpty(route) ? null : route;
        return new SubscriptionDefinition(
            $"{pubsub}/{topic}",
            pubsub,
            topic,
            new SubscriptionRoutes(rules, effectiveDefault),
            metadata,
            string.IsNullOrEmpty(deadLetter) ? null : deadLetter,
            bulk ?? new BulkSubscribeOptions(false, 0, 0),
            [],
            SubscriptionKind.Programmatic,
            null);
    }

    private static (List<RoutingRule> Rules, string? Default) ReadRoutes(JsonElement routes, string where)
    {
        var rules = new List<RoutingRule>();
        string? defaultPath = null;
        if (routes.ValueKind == JsonValueKind.Null)
        {
            return (rules, null);
        }

        if (routes.ValueKind != JsonValueKind.Object)
        {
            throw new SubscriptionParseException($"{where}: 'routes' must be an object with 'rules' and 'default', found {Describe(routes)}");
        }

        foreach (var property in routes.EnumerateObject())
        {
            switch (property.Name.ToLowerInvariant())
            {
                case "default":
                    defaultPath = ReadString(property.Value, where, "routes.default");
                    break;
                case "rules":
                    rules = ReadRules(property.Value, where);
                    break;
            }
        }

        return (rules, defaultPath);
    }

    private static List<RoutingRule> ReadRules(JsonElement rulesElement, string where)
    {
        var rules = new List<RoutingRule>();
        if (rulesElement.ValueKind == JsonValueKind.Null)
        {
            return rules;
        }

        if (rulesElement.ValueKind != JsonValueKind.Array)
        {
            throw new SubscriptionParseException($"{where}: 'routes.rules' must be an array, found {Describe(rulesElement)}");
        }

        var ruleIndex = 0;
        foreach (var rule in rulesElement.EnumerateArray())
        {
            ruleIndex++;
            if (rule.ValueKind != JsonValueKind.Object)
            {
                throw new SubscriptionParseException($"{where}: rule {ruleIndex} must be an object with 'match' and 'path', found {Describe(rule)}");
            }

            string? match = null, path = null;
            foreach (var property in rule.EnumerateObject())
            {
                switch (property.Name.ToLowerInvariant())
                {
                    case "match":
                        match = ReadString(property.Value, where, $"routes.rules[{ruleIndex - 1}].match");
                        break;
                    case "path":
                        path = ReadString(property.Value, where, $"routes.rules[{ruleIndex - 1}].path");
                        break;
                }
            }

            try
            {
                rules.Add(RoutingRuleFactory.Create(match, path ?? ""));
            }
            catch (CelParseException e)
            {
                throw new SubscriptionParseException($"{where}: rule {ruleIndex} has a match expression that does not compile: {e.Message}", e);
            }
        }

        return rules;
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement element, string where)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SubscriptionParseException($"{where}: 'metadata' must be an object of strings, found {Describe(element)}");
        }

        foreach (var property in element.EnumerateObject())
        {
            metadata[property.Name] = ReadString(property.Value, where, $"metadata.{property.Name}") ?? "";
        }

        return metadata;
    }

    private static BulkSubscribeOptions? ReadBulk(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SubscriptionParseException($"{where}: 'bulkSubscribe' must be an object, found {Describe(element)}");
        }

        var enabled = false;
        int maxCount = 0, maxAwait = 0;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name.ToLowerInvariant())
            {
                case "enabled":
                    enabled = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False or JsonValueKind.Null => false,
                        _ => throw new SubscriptionParseException($"{where}: 'bulkSubscribe.enabled' must be true or false, found {Describe(property.Value)}"),
                    };
                    break;
                case "maxmessagescount":
                    maxCount = ReadInt32(property.Value, where, "bulkSubscribe.maxMessagesCount");
                    break;
                case "maxawaitdurationms":
                    maxAwait = ReadInt32(property.Value, where, "bulkSubscribe.maxAwaitDurationMs");
                    break;
            }
        }

        return new BulkSubscribeOptions(enabled, maxCount, maxAwait);
    }

    private static string? ReadString(JsonElement value, string where, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new SubscriptionParseException($"{where}: '{field}' must be a string, found {Describe(value)}"),
    };

    private static int ReadInt32(JsonElement value, string where, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new SubscriptionParseException($"{where}: '{field}' must be a 32-bit integer, found {Describe(value)}");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
