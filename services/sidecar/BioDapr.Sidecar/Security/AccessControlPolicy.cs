using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Security;

/// <summary>
/// The Configuration's access control list for service invocation, applied by the callee's sidecar to
/// every call that reaches it from another sidecar, with daprd's rules (pkg/acl/acl.go):
/// <list type="number">
/// <item>a caller without an identity gets the global <c>defaultAction</c>;</item>
/// <item>so does a caller with no policy for its app id and namespace, or whose trust domain differs from the policy's;</item>
/// <item>otherwise the policy's <c>defaultAction</c> (when set) replaces the global one, and the first operation
/// that matches the method (see <see cref="OperationTrie"/>; lower-cased for HTTP apps) decides by the call's
/// verb, else by its <c>*</c> verb, else the default stays.</item>
/// </list>
/// </summary>
internal sealed class AccessControlPolicy
{
    private const string Allow = "allow";
    private const string Deny = "deny";

    private readonly Dictionary<string, AppPolicy> _policies;
    private readonly bool _isHttp;

    private AccessControlPolicy(string defaultAction, string trustDomain, Dictionary<string, AppPolicy> policies, bool isHttp)
    {
        DefaultAction = defaultAction;
        TrustDomain = trustDomain;
        _policies = policies;
        _isHttp = isHttp;
    }

    /// <summary>The global default action, lower case.</summary>
    public string DefaultAction { get; }

    /// <summary>The trust domain (daprd uses it for its own identity); <c>public</c> when not given.</summary>
    public string TrustDomain { get; }

    /// <summary>
    /// Builds the policy as daprd's ParseAccessControlSpec does: null when nothing is specified; a missing
    /// global default means deny when policies are listed (or the list is absent) and allow for an empty list.
    /// </summary>
    /// <exception cref="InvalidOperationException">An app policy lacks its app id, trust domain or namespace (daprd refuses to start).</exception>
    public static AccessControlPolicy? Create(AccessControlSpec? spec, bool isHttp)
    {
        if (spec is null || (spec.TrustDomain.Length == 0 && spec.DefaultAction.Length == 0 && (spec.Policies?.Count ?? 0) == 0))
        {
            return null;
        }

        var defaultAction = spec.DefaultAction.ToLowerInvariant();
        if (defaultAction.Length == 0)
        {
            defaultAction = spec.Policies is null || spec.Policies.Count > 0 ? Deny : Allow;
        }

        var missingTrustDomain = new List<string>();
        var missingNamespace = new List<string>();
        var missingAppId = false;
        var policies = new Dictionary<string, AppPolicy>(StringComparer.Ordinal);
        foreach (var app in spec.Policies ?? [])
        {
            var invalid = false;
            missingAppId |= app.AppId.Length == 0;
            if (app.TrustDomain.Length == 0)
            {
                missingTrustDomain.Add(app.AppId);
                invalid = true;
            }

            if (app.Namespace.Length == 0)
            {
                missingNamespace.Add(app.AppId);
                invalid = true;
            }

            if (invalid || missingAppId)
            {
                continue;
            }

            var operations = new OperationTrie();
            foreach (var operation in app.Operations)
            {
                var name = operation.Name.StartsWith('/') ? operation.Name : "/" + operation.Name;
                if (isHttp)
                {
                    name = name.ToLowerInvariant();
                }

                var verbs = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var verb in operation.HttpVerbs)
                {
                    verbs[verb] = operation.Action;
                }

                operations.Add(name, new OperationRule(name, verbs, operation.Action));
            }

            // Later entries for the same app id and namespace replace earlier ones, as in daprd's map.
            policies[Key(app.AppId, app.Namespace)] = new AppPolicy(app.DefaultAction, app.TrustDomain, app.Namespace, operations);
        }

        if (missingTrustDomain.Count > 0 || missingNamespace.Count > 0 || missingAppId)
        {
            throw new InvalidOperationException(
                $"invalid access control spec. missing trustdomain for apps: [{string.Join(' ', missingTrustDomain)}], "
                + $"missing namespace for apps: [{string.Join(' ', missingNamespace)}], "
                + $"missing app name on at least one of the app policies: {(missingAppId ? "true" : "false")}");
        }

        return new AccessControlPolicy(defaultAction, spec.TrustDomain.Length > 0 ? spec.TrustDomain : SidecarIdentity.DefaultTrustDomain, policies, isHttp);
    }

    /// <summary>
    /// Decides whether <paramref name="caller"/> (null: no authenticated identity) may invoke
    /// <paramref name="operation"/> (the normalised method) with <paramref name="verb"/> (an HTTP verb in
    /// upper case, or <c>NONE</c>).
    /// </summary>
    public AccessDecision Evaluate(SidecarIdentity? caller, string operation, string verb)
    {
        var action = DefaultAction;
        if (caller is not null && _policies.TryGetValue(Key(caller.AppId, caller.Namespace), out var policy)
            && policy.TrustDomain == caller.TrustDomain && policy.Namespace == caller.Namespace)
        {
            if (policy.DefaultAction.Length > 0)
            {
                action = policy.DefaultAction;
            }

            var path = operation.StartsWith('/') ? operation : "/" + operation;
            if (_isHttp)
            {
                path = path.ToLowerInvariant();
            }

            if (policy.Operations.Find(path) is { } rule)
            {
                if (!_isHttp)
                {
                    action = rule.Action;
                }
                else if (verb == NoVerb)
                {
                    action = policy.DefaultAction;
                }
                else if (rule.VerbActions.TryGetValue(verb, out var verbAction) || rule.VerbActions.TryGetValue("*", out verbAction))
                {
                    action = verbAction;
                }
            }
        }

        return string.Equals(action, Allow, StringComparison.OrdinalIgnoreCase)
            ? AccessDecision.Allow
            : new AccessDecision(false, $"access control policy has denied access to id: {caller?.SpiffeId} operation: {operation} verb: {verb}");
    }

    /// <summary>The verb daprd reports for a call that has none.</summary>
    public const string NoVerb = "NONE";

    /// <summary>
    /// The verb daprd records for an HTTP method (common.v1.HTTPExtension.Verb, matched in upper case);
    /// a method it does not know is recorded as POST (invoke_method_request.go WithHTTPExtension).
    /// </summary>
    public static string VerbOf(string method) => method.ToUpperInvariant() switch
    {
        "NONE" or "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "CONNECT" or "OPTIONS" or "TRACE" or "PATCH" => method.ToUpperInvariant(),
        _ => "POST",
    };

    private static string Key(string appId, string @namespace) => appId + "||" + @namespace;

    private sealed record AppPolicy(string DefaultAction, string TrustDomain, string Namespace, OperationTrie Operations);
}
