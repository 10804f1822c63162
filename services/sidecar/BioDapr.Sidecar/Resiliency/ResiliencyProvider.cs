using System.Collections.Concurrent;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// Resolves the <see cref="ResiliencyPolicy"/> of each target from the loaded Resiliency documents, as daprd's
/// resiliency provider does:
/// <list type="bullet">
/// <item>all documents merge into one set of named policies and targets (a later document replaces a name);</item>
/// <item>a target with an explicit entry uses exactly the policies it names; a target without one uses the default
/// policies, each of timeout, retry and breaker looked up separately from most to least specific:
/// <c>Default&lt;Level&gt;RetryPolicy</c> with level <c>App</c> or <c>Actor</c>, or for components
/// <c>&lt;Type&gt;Component&lt;Direction&gt;</c>, <c>Component&lt;Direction&gt;</c>, <c>Component</c>; then
/// <c>DefaultRetryPolicy</c> (same for <c>TimeoutPolicy</c> and <c>CircuitBreakerPolicy</c>);</item>
/// <item>circuit breakers keep state per target: per app endpoint (LRU, default 100), per actor type or actor id
/// (LRU, default 5000 for explicit targets), per component name (shared by its inbound and outbound policies,
/// as in daprd);</item>
/// <item>built-in retry policies exist from the start and may be overridden by name (see <see cref="BuiltInRetryPolicies"/>).</item>
/// </list>
/// </summary>
internal sealed class ResiliencyProvider
{
    private const int DefaultAppCacheSize = 100;
    private const int DefaultActorCacheSize = 5000;

    private readonly TimeProvider _timeProvider;
    private readonly RetryJitter _jitter;
    private readonly ILogger _logger;
    private readonly Dictionary<string, TimeSpan> _timeouts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RetrySettings> _retries = new(BuiltInRetryPolicies.Defaults, StringComparer.Ordinal);
    private readonly Dictionary<string, CircuitBreakerDefinition> _breakers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AppTargetPolicies> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActorTargetPolicies> _actors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ComponentTargetPolicies> _components = new(StringComparer.Ordinal);

    // Component policies are resolved once per (component, direction): they sit on the hot path of
    // every publish, delivery and state call, and their breakers are shared anyway.
    private readonly ConcurrentDictionary<(string Name, string Type, bool Outbound), ResiliencyPolicy> _componentPolicies = new();
    private readonly ConcurrentDictionary<string, LruCache<string, CircuitBreaker>> _appBreakers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LruCache<string, CircuitBreaker>> _actorBreakers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CircuitBreaker> _componentBreakers = new(StringComparer.Ordinal);

    public ResiliencyProvider(IReadOnlyList<ResiliencyDefinition> definitions, TimeProvider timeProvider, Random random, ILogger<ResiliencyProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(logger);
        _timeProvider = timeProvider;
        _jitter = new RetryJitter(random);
        _logger = logger;
        foreach (var definition in definitions)
        {
            ResiliencyLog.Loading(logger, definition.Name);
            Merge(definition);
        }
    }

    /// <summary>Names of the loaded Resiliency documents (for <c>GET /v1.0/metadata</c>).</summary>
    public IReadOnlyList<string> ResiliencyNames { get; private set; } = [];

    /// <summary>The policy for invoking <paramref name="appId"/>, with the breaker keyed by the app id.</summary>
    public ResiliencyPolicy ForApp(string appId) => ForApp(appId, appId);

    /// <summary>
    /// The policy for invoking <paramref name="endpoint"/> of <paramref name="appId"/>. daprd's HTTP API keys the
    /// breaker as <c>&lt;appId&gt;:&lt;method&gt;</c>, so each method of an app has its own breaker.
    /// </summary>
    public ResiliencyPolicy ForApp(string appId, string endpoint)
    {
        var name = $"endpoint[{appId}, {endpoint}]";
        if (_apps.TryGetValue(appId, out var target))
        {
            CircuitBreaker? breaker = null;
            if (Template(target.CircuitBreaker, name) is { } template)
            {
                var cache = _appBreakers.GetOrAdd(appId, _ => new LruCache<string, CircuitBreaker>(target.CircuitBreakerCacheSize > 0 ? target.CircuitBreakerCacheSize : DefaultAppCacheSize));
                breaker = cache.GetOrAdd(endpoint, key => NewBreaker(key, template));
            }

            return Policy(name, target.Timeout, target.Retry, breaker);
        }

        var defaults = DefaultNames("App");
        CircuitBreaker? defaultBreaker = null;
        if (Template(defaults.CircuitBreaker, name) is { } defaultTemplate)
        {
            var cache = _appBreakers.GetOrAdd(appId, _ => new LruCache<string, CircuitBreaker>(DefaultAppCacheSize));
            defaultBreaker = cache.GetOrAdd(endpoint, key => NewBreaker(key, defaultTemplate));
        }

        return Policy(name, defaults.Timeout, defaults.Retry, defaultBreaker);
    }

    /// <summary>
    /// The whole policy for calling an actor: the retry and breaker daprd applies before taking the actor's lock
    /// and the timeout it applies after. Use <see cref="ForActorPreLock"/> and <see cref="ForActorPostLock"/> to
    /// apply them separately, as daprd does.
    /// </summary>
    public ResiliencyPolicy ForActor(string actorType, string actorId)
    {
        var preLock = ForActorPreLock(actorType, actorId);
        var postLock = ForActorPostLock(actorType, actorId);
        return new ResiliencyPolicy(preLock.Name, postLock.Timeout, preLock.Retry, preLock.CircuitBreaker, _timeProvider, _jitter, _logger);
    }

    /// <summary>Retry and circuit breaker for an actor call, applied before the actor's lock is taken (no timeout).</summary>
    public ResiliencyPolicy ForActorPreLock(string actorType, string actorId)
    {
        var name = $"actor[{actorType}, {actorId}]";
        if (_actors.TryGetValue(actorType, out var target))
        {
            CircuitBreaker? breaker = null;
            if (Template(target.CircuitBreaker, name) is { } template)
            {
                var cache = _actorBreakers.GetOrAdd(actorType, _ => new LruCache<string, CircuitBreaker>(target.CircuitBreakerCacheSize > 0 ? target.CircuitBreakerCacheSize : DefaultActorCacheSize));
                var key = target.CircuitBreakerScope == ActorCircuitBreakerScope.Type ? actorType : $"{actorType}-{actorId}";
                breaker = cache.GetOrAdd(key, k => NewBreaker(k, template));
            }

            return Policy(name, null, target.Retry, breaker);
        }

        var defaults = DefaultNames("Actor");
        CircuitBreaker? defaultBreaker = null;
        if (Template(defaults.CircuitBreaker, name) is { } defaultTemplate)
        {
            // daprd sizes the cache of a default actor breaker like an app's, and keys it by type.
            var cache = _actorBreakers.GetOrAdd(actorType, _ => new LruCache<string, CircuitBreaker>(DefaultAppCacheSize));
            defaultBreaker = cache.GetOrAdd(actorType, k => NewBreaker(k, defaultTemplate));
        }

        return Policy(name, null, defaults.Retry, defaultBreaker);
    }

    /// <summary>The timeout for an actor call, applied once the actor's lock is held.</summary>
    public ResiliencyPolicy ForActorPostLock(string actorType, string actorId)
    {
        var name = $"actor[{actorType}, {actorId}]";
        var timeout = _actors.TryGetValue(actorType, out var target) ? target.Timeout : DefaultNames("Actor").Timeout;
        return Policy(name, timeout, null, null);
    }

    /// <summary>The policy for the sidecar calling a component (publish, state, secrets, configuration get).</summary>
    /// <param name="name">The component name.</param>
    /// <param name="componentType">The component type (<c>state.redis</c>) or building block (<c>state</c>, <c>pubsub</c>, ...).</param>
    public ResiliencyPolicy ForComponentOutbound(string name, string componentType) =>
        _componentPolicies.GetOrAdd((name, componentType, true), static (key, self) => self.ForComponent(key.Name, key.Type, key.Outbound), this);

    /// <summary>The policy for component-triggered calls into the app (pub/sub deliveries, configuration updates).</summary>
    /// <param name="name">The component name.</param>
    /// <param name="componentType">The component type (<c>pubsub.redis</c>) or building block.</param>
    public ResiliencyPolicy ForComponentInbound(string name, string componentType) =>
        _componentPolicies.GetOrAdd((name, componentType, false), static (key, self) => self.ForComponent(key.Name, key.Type, key.Outbound), this);

    /// <summary>A built-in retry policy by name (only a retry; unknown names give no retry).</summary>
    public ResiliencyPolicy BuiltIn(string name) =>
        Policy(name, null, _retries.ContainsKey(name) ? name : null, null);

    /// <summary>True when a Resiliency names <paramref name="appId"/> under <c>targets.apps</c> (daprd then skips its built-in invocation retries).</summary>
    public bool HasAppTarget(string appId) => _apps.ContainsKey(appId);

    /// <summary>True when a Resiliency names the actor type under <c>targets.actors</c>.</summary>
    public bool HasActorTarget(string actorType) => _actors.ContainsKey(actorType);

    /// <summary>True when a Resiliency names the component under <c>targets.components</c>.</summary>
    public bool HasComponentTarget(string name) => _components.ContainsKey(name);

    /// <summary>
    /// Maps a component type or building block to the level used in default policy names:
    /// pubsub → Pubsub, state → Statestore, secretstores → Secretstore, configuration → Configuration,
    /// bindings → Binding, lock → Lock, crypto → Crypto, conversation → Conversation.
    /// </summary>
    public static string ComponentLevel(string componentType)
    {
        ArgumentNullException.ThrowIfNull(componentType);
        var dot = componentType.IndexOf('.', StringComparison.Ordinal);
        var block = (dot < 0 ? componentType : componentType[..dot]).ToLowerInvariant();
        return block switch
        {
            "pubsub" => "Pubsub",
            "state" or "statestore" => "Statestore",
            "secretstores" or "secretstore" => "Secretstore",
            "configuration" => "Configuration",
            "bindings" or "binding" => "Binding",
            "lock" => "Lock",
            "crypto" => "Crypto",
            "conversation" => "Conversation",
            _ => "",
        };
    }

    private ResiliencyPolicy ForComponent(string name, string componentType, bool outbound)
    {
        var direction = outbound ? "Outbound" : "Inbound";
        var policyName = $"component[{name}] {(outbound ? "output" : "input")}";
        PolicyNames names;
        if (_components.TryGetValue(name, out var target))
        {
            names = outbound ? target.Outbound : target.Inbound;
        }
        else
        {
            var level = ComponentLevel(componentType);
            names = DefaultNames($"{level}Component{direction}", $"Component{direction}", "Component");
        }

        CircuitBreaker? breaker = null;
        if (Template(names.CircuitBreaker, policyName) is { } template)
        {
            // One breaker per component name, whichever direction asks first: daprd shares it the same way.
            breaker = _componentBreakers.GetOrAdd(name, key => NewBreaker($"{names.CircuitBreaker}-{key}", template));
        }

        return Policy(policyName, names.Timeout, names.Retry, breaker);
    }

    private PolicyNames DefaultNames(params string[] levels)
    {
        string? Find<T>(Dictionary<string, T> policies, string kind)
        {
            foreach (var level in levels.Append(""))
            {
                var candidate = $"Default{level}{kind}Policy";
                if (policies.ContainsKey(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        return new PolicyNames(Find(_timeouts, "Timeout"), Find(_retries, "Retry"), Find(_breakers, "CircuitBreaker"));
    }

    private ResiliencyPolicy Policy(string name, string? timeoutName, string? retryName, CircuitBreaker? breaker)
    {
        TimeSpan? timeout = null;
        if (timeoutName is not null)
        {
            if (_timeouts.TryGetValue(timeoutName, out var value))
            {
                timeout = value;
            }
            else
            {
                ResiliencyLog.UnknownPolicy(_logger, name, "timeout", timeoutName);
            }
        }

        RetrySettings? retry = null;
        if (retryName is not null && !_retries.TryGetValue(retryName, out retry))
        {
            ResiliencyLog.UnknownPolicy(_logger, name, "retry", retryName);
        }

        return new ResiliencyPolicy(name, timeout, retry, breaker, _timeProvider, _jitter, _logger);
    }

    private CircuitBreakerDefinition? Template(string? breakerName, string target)
    {
        if (breakerName is null)
        {
            return null;
        }

        if (_breakers.TryGetValue(breakerName, out var template))
        {
            return template;
        }

        ResiliencyLog.UnknownPolicy(_logger, target, "circuitBreaker", breakerName);
        return null;
    }

    private CircuitBreaker NewBreaker(string name, CircuitBreakerDefinition template) => new(name, template, _timeProvider, _logger);

    private void Merge(ResiliencyDefinition definition)
    {
        ResiliencyNames = [.. ResiliencyNames, definition.Name];
        foreach (var (name, timeout) in definition.Timeouts)
        {
            _timeouts[name] = timeout;
        }

        foreach (var (name, retry) in definition.Retries)
        {
            if (BuiltInRetryPolicies.IsProtected(name))
            {
                ResiliencyLog.ProtectedPolicyIgnored(_logger, name);
                continue;
            }

            var settings = RetrySettings.From(retry);
            if (BuiltInRetryPolicies.IsBuiltIn(name) && settings.MaxRetries < 3)
            {
                ResiliencyLog.BuiltInOverrideReset(_logger, name);
                settings = settings with { MaxRetries = 3 };
            }

            _retries[name] = settings;
        }

        foreach (var (name, breaker) in definition.CircuitBreakers)
        {
            _breakers[name] = breaker;
        }

        foreach (var (name, target) in definition.Targets.Apps)
        {
            _apps[name] = target;
        }

        foreach (var (name, target) in definition.Targets.Actors)
        {
            _actors[name] = target;
        }

        foreach (var (name, target) in definition.Targets.Components)
        {
            _components[name] = target;
        }
    }
}
