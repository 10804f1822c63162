using BioDapr.Sidecar.Expressions;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Reads and validates one <c>kind: Resiliency</c> document. Durations are Go durations or whole
/// milliseconds. Unknown fields in a retry policy, matching block, circuit breaker or target are errors
/// (daprd would silently ignore them, which hides typos such as <c>initialInterval</c>). Policy names used by
/// targets are checked later, across every document in scope, because daprd merges them into one set.
/// </summary>
internal static class ResiliencyDocumentReader
{
    public const string ApiVersion = "dapr.io/v1alpha1";

    private static readonly string[] RetryFields = ["policy", "duration", "maxInterval", "maxRetries", "matching"];
    private static readonly string[] MatchingFields = ["httpStatusCodes", "gRPCStatusCodes"];
    private static readonly string[] BreakerFields = ["maxRequests", "interval", "timeout", "trip"];
    private static readonly string[] AppTargetFields = ["timeout", "retry", "circuitBreaker", "circuitBreakerCacheSize"];
    private static readonly string[] ActorTargetFields = ["timeout", "retry", "circuitBreaker", "circuitBreakerScope", "circuitBreakerCacheSize"];
    private static readonly string[] ComponentTargetFields = ["inbound", "outbound"];
    private static readonly string[] DirectionFields = ["timeout", "retry", "circuitBreaker"];

    /// <summary>A policy name used by a target, with where it was written.</summary>
    public sealed record PolicyReference(string PolicyKind, string PolicyName, YamlElement Where);

    public static ResiliencyDefinition Read(YamlElement root, List<PolicyReference> references)
    {
        var name = ResourceNames.ReadName(root);
        var spec = root["spec"];
        var policies = spec["policies"];

        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (timeoutName, value) in policies["timeouts"].Entries())
        {
            timeouts[timeoutName] = ReadDuration(value) ?? throw value.Fail("needs a duration such as 5s or 500ms");
        }

        var retries = new Dictionary<string, RetryPolicyDefinition>(StringComparer.Ordinal);
        foreach (var (retryName, value) in policies["retries"].Entries())
        {
            retries[retryName] = ReadRetry(value);
        }

        var breakers = new Dictionary<string, CircuitBreakerDefinition>(StringComparer.Ordinal);
        foreach (var (breakerName, value) in policies["circuitBreakers"].Entries())
        {
            breakers[breakerName] = ReadBreaker(value);
        }

        var targets = ReadTargets(spec["targets"], references);
        return new ResiliencyDefinition(name, timeouts, retries, breakers, targets, root["scopes"].AsStringList(), root.Source.FilePath);
    }

    private static RetryPolicyDefinition ReadRetry(YamlElement element)
    {
        RequireMapping(element, "a retry policy");
        RequireKnownFields(element, RetryFields, "retry policy");

        var policy = RetryBackoff.Constant;
        var policyElement = element["policy"];
        if (policyElement.AsString() is { Length: > 0 } policyText)
        {
            policy = policyText.ToLowerInvariant() switch
            {
                "constant" => RetryBackoff.Constant,
                "exponential" => RetryBackoff.Exponential,
                _ => throw policyElement.Fail($"unexpected back off policy type \"{policyText}\" (use constant or exponential)"),
            };
        }

        var duration = ReadDuration(element["duration"]) ?? RetryPolicyDefinition.DefaultDuration;
        var maxInterval = ReadDuration(element["maxInterval"]) ?? RetryPolicyDefinition.DefaultMaxInterval;
        var maxRetriesElement = element["maxRetries"];
        var maxRetries = maxRetriesElement.AsInteger() ?? -1;
        if (maxRetries is < int.MinValue or > int.MaxValue)
        {
            throw maxRetriesElement.Fail("is out of range");
        }

        StatusCodeSet? http = null;
        StatusCodeSet? grpc = null;
        var matching = element["matching"];
        if (!matching.IsNull)
        {
            RequireMapping(matching, "a matching block");
            RequireKnownFields(matching, MatchingFields, "matching");
            http = ReadCodes(matching["httpStatusCodes"], StatusCodeSet.HttpRange);
            grpc = ReadCodes(matching["gRPCStatusCodes"], StatusCodeSet.GrpcRange);
        }

        return new RetryPolicyDefinition(policy, duration, maxInterval, (int)maxRetries, http, grpc);
    }

    private static StatusCodeSet? ReadCodes(YamlElement element, (int Min, int Max) range)
    {
        var text = element.AsString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return StatusCodeSet.Parse(text, range);
        }
        catch (FormatException e)
        {
            throw element.Fail(e.Message);
        }
    }

    private static CircuitBreakerDefinition ReadBreaker(YamlElement element)
    {
        RequireMapping(element, "a circuit breaker");
        RequireKnownFields(element, BreakerFields, "circuit breaker");

        var maxRequestsElement = element["maxRequests"];
        var maxRequests = maxRequestsElement.AsInteger() ?? 0;
        if (maxRequests is < 0 or > uint.MaxValue)
        {
            throw maxRequestsElement.Fail("must be zero or a positive number");
        }

        CelExpression? trip = null;
        var tripElement = element["trip"];
        var tripText = tripElement.AsString();
        if (!string.IsNullOrWhiteSpace(tripText))
        {
            try
            {
                trip = CelExpression.Compile(tripText);
            }
            catch (CelParseException e)
            {
                throw tripElement.Fail($"the trip expression does not compile: {e.Message}");
            }
        }
        else
        {
            tripText = null;
        }

        return new CircuitBreakerDefinition(
            (int)Math.Min(maxRequests, int.MaxValue),
            ReadDuration(element["interval"]) ?? TimeSpan.Zero,
            ReadDuration(element["timeout"]) ?? TimeSpan.Zero,
            trip,
            tripText);
    }

    private static ResiliencyTargets ReadTargets(YamlElement targets, List<PolicyReference> references)
    {
        var apps = new Dictionary<string, AppTargetPolicies>(StringComparer.Ordinal);
        foreach (var (appId, value) in targets["apps"].Entries())
        {
            RequireMapping(value, "an app target");
            RequireKnownFields(value, AppTargetFields, "app target");
            apps[appId] = new AppTargetPolicies(
                Reference(value, "timeout", references),
                Reference(value, "retry", references),
                Reference(value, "circuitBreaker", references),
                ReadCacheSize(value["circuitBreakerCacheSize"]));
        }

        var actors = new Dictionary<string, ActorTargetPolicies>(StringComparer.Ordinal);
        foreach (var (actorType, value) in targets["actors"].Entries())
        {
            RequireMapping(value, "an actor target");
            RequireKnownFields(value, ActorTargetFields, "actor target");
            var breaker = Reference(value, "circuitBreaker", references);
            var scopeElement = value["circuitBreakerScope"];
            var scopeText = scopeElement.AsStringOrEmpty();
            if (breaker is not null && scopeText.Length == 0)
            {
                throw value.Fail("actor circuit breakers must include circuitBreakerScope (type, id or both)");
            }

            var scope = scopeText switch
            {
                "" or "type" => ActorCircuitBreakerScope.Type,
                "id" => ActorCircuitBreakerScope.Id,
                "both" => ActorCircuitBreakerScope.Both,
                _ => throw scopeElement.Fail($"unknown circuit breaker scope \"{scopeText}\" (use type, id or both)"),
            };
            actors[actorType] = new ActorTargetPolicies(
                Reference(value, "timeout", references),
                Reference(value, "retry", references),
                breaker,
                scope,
                ReadCacheSize(value["circuitBreakerCacheSize"]));
        }

        var components = new Dictionary<string, ComponentTargetPolicies>(StringComparer.Ordinal);
        foreach (var (componentName, value) in targets["components"].Entries())
        {
            RequireMapping(value, "a component target");
            RequireKnownFields(value, ComponentTargetFields, "component target");
            components[componentName] = new ComponentTargetPolicies(
                ReadDirection(value["inbound"], references),
                ReadDirection(value["outbound"], references));
        }

        return new ResiliencyTargets(apps, actors, components);
    }

    private static PolicyNames ReadDirection(YamlElement element, List<PolicyReference> references)
    {
        if (element.IsNull)
        {
            return PolicyNames.None;
        }

        RequireMapping(element, "a component direction (inbound or outbound)");
        RequireKnownFields(element, DirectionFields, element.Path.EndsWith("inbound", StringComparison.OrdinalIgnoreCase) ? "inbound policy" : "outbound policy");
        return new PolicyNames(
            Reference(element, "timeout", references),
            Reference(element, "retry", references),
            Reference(element, "circuitBreaker", references));
    }

    private static string? Reference(YamlElement target, string field, List<PolicyReference> references)
    {
        var element = target[field];
        var name = element.AsString();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        references.Add(new PolicyReference(field, name, element));
        return name;
    }

    private static int ReadCacheSize(YamlElement element)
    {
        var size = element.AsInteger() ?? 0;
        return size is >= 0 and <= int.MaxValue ? (int)size : throw element.Fail("must be a positive number (0 uses the default)");
    }

    private static TimeSpan? ReadDuration(YamlElement element)
    {
        if (element.IsNull)
        {
            return null;
        }

        var text = element.AsStringOrEmpty();
        return GoDuration.TryParseDaprDuration(text, out var value)
            ? value
            : throw element.Fail($"invalid duration \"{text}\": use a Go duration such as 5s, 1m30s or 500ms, or a whole number of milliseconds");
    }

    private static void RequireMapping(YamlElement element, string what)
    {
        if (!element.IsNull && !element.IsMapping)
        {
            throw element.Fail($"must be a mapping ({what})");
        }
    }

    private static void RequireKnownFields(YamlElement element, string[] allowed, string what)
    {
        foreach (var (key, value) in element.Entries())
        {
            if (!allowed.Any(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase)))
            {
                throw value.Fail($"unknown {what} field '{key}' (allowed: {string.Join(", ", allowed)})");
            }
        }
    }
}
