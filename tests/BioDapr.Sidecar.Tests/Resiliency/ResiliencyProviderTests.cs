using Microsoft.Extensions.Time.Testing;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Tests.Resiliency;

public sealed class ResiliencyProviderTests
{
    private static readonly CircuitBreakerDefinition Breaker = new(1, TimeSpan.Zero, TimeSpan.FromSeconds(30), null, null);

    private readonly FakeTimeProvider _time = new();

    private static RetryPolicyDefinition Retry(int maxRetries, int seconds = 1) =>
        new(RetryBackoff.Constant, TimeSpan.FromSeconds(seconds), RetryPolicyDefinition.DefaultMaxInterval, maxRetries, null, null);

    private static ResiliencyDefinition Definition(
        IReadOnlyDictionary<string, TimeSpan>? timeouts = null,
        IReadOnlyDictionary<string, RetryPolicyDefinition>? retries = null,
        IReadOnlyDictionary<string, CircuitBreakerDefinition>? breakers = null,
        ResiliencyTargets? targets = null,
        string name = "r") =>
        new(
            name,
            timeouts ?? new Dictionary<string, TimeSpan>(),
            retries ?? new Dictionary<string, RetryPolicyDefinition>(),
            breakers ?? new Dictionary<string, CircuitBreakerDefinition>(),
            targets ?? ResiliencyTargets.Empty,
            [],
            "r.yaml");

    private static ResiliencyTargets Targets(
        Dictionary<string, AppTargetPolicies>? apps = null,
        Dictionary<string, ActorTargetPolicies>? actors = null,
        Dictionary<string, ComponentTargetPolicies>? components = null) =>
        new(apps ?? [], actors ?? [], components ?? []);

    private ResiliencyProvider Provider(params ResiliencyDefinition[] definitions) =>
        new(definitions, _time, new Random(1), NullLogger<ResiliencyProvider>.Instance);

    [Fact]
    public void NoDefinitions_TargetsGetNoPolicies()
    {
        var provider = Provider();

        provider.ForApp("orders").IsEmpty.ShouldBeTrue();
        provider.ForActor("Cart", "1").IsEmpty.ShouldBeTrue();
        provider.ForComponentOutbound("statestore", "state.redis").IsEmpty.ShouldBeTrue();
        provider.ForComponentInbound("pubsub", "pubsub.redis").IsEmpty.ShouldBeTrue();
        provider.ResiliencyNames.ShouldBeEmpty();
    }

    [Fact]
    public void ExplicitAppTarget_UsesNamedPoliciesOnly()
    {
        var provider = Provider(Definition(
            timeouts: new Dictionary<string, TimeSpan> { ["general"] = TimeSpan.FromSeconds(5), ["DefaultAppTimeoutPolicy"] = TimeSpan.FromSeconds(9) },
            retries: new Dictionary<string, RetryPolicyDefinition> { ["important"] = Retry(10) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = Breaker },
            targets: Targets(apps: new() { ["cart"] = new AppTargetPolicies(null, "important", "cb", 0) })));

        var policy = provider.ForApp("cart", "cart:checkout");

        policy.Name.ShouldBe("endpoint[cart, cart:checkout]");
        policy.Timeout.ShouldBeNull();
        policy.Retry!.MaxRetries.ShouldBe(10);
        policy.CircuitBreaker!.Name.ShouldBe("cart:checkout");
        provider.HasAppTarget("cart").ShouldBeTrue();
        provider.HasAppTarget("other").ShouldBeFalse();
    }

    [Fact]
    public void AppWithoutTarget_UsesAppDefaultsThenGlobalDefaults()
    {
        var provider = Provider(Definition(
            timeouts: new Dictionary<string, TimeSpan> { ["DefaultTimeoutPolicy"] = TimeSpan.FromSeconds(3) },
            retries: new Dictionary<string, RetryPolicyDefinition> { ["DefaultAppRetryPolicy"] = Retry(2), ["DefaultRetryPolicy"] = Retry(9) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["DefaultAppCircuitBreakerPolicy"] = Breaker }));

        var policy = provider.ForApp("orders");

        policy.Retry!.MaxRetries.ShouldBe(2);
        policy.Timeout.ShouldBe(TimeSpan.FromSeconds(3));
        policy.CircuitBreaker.ShouldNotBeNull();
    }

    [Fact]
    public void AppBreakers_ArePerEndpointAndShared()
    {
        var provider = Provider(Definition(
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = Breaker },
            targets: Targets(apps: new() { ["cart"] = new AppTargetPolicies(null, null, "cb", 0) })));

        var first = provider.ForApp("cart", "cart:a").CircuitBreaker;

        provider.ForApp("cart", "cart:a").CircuitBreaker.ShouldBeSameAs(first);
        provider.ForApp("cart", "cart:b").CircuitBreaker.ShouldNotBeSameAs(first);
    }

    [Fact]
    public void AppBreakerCache_EvictsLeastRecentlyUsed()
    {
        var provider = Provider(Definition(
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = Breaker },
            targets: Targets(apps: new() { ["cart"] = new AppTargetPolicies(null, null, "cb", 1) })));

        var first = provider.ForApp("cart", "cart:a").CircuitBreaker;
        provider.ForApp("cart", "cart:b");

        provider.ForApp("cart", "cart:a").CircuitBreaker.ShouldNotBeSameAs(first);
    }

    [Theory]
    [InlineData("Type", true)]
    [InlineData("Id", false)]
    [InlineData("Both", false)]
    public void ActorBreakerScope_DecidesSharing(string scopeName, bool shared)
    {
        var scope = Enum.Parse<ActorCircuitBreakerScope>(scopeName);
        var provider = Provider(Definition(
            timeouts: new Dictionary<string, TimeSpan> { ["t"] = TimeSpan.FromSeconds(2) },
            retries: new Dictionary<string, RetryPolicyDefinition> { ["r"] = Retry(4) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = Breaker },
            targets: Targets(actors: new() { ["Cart"] = new ActorTargetPolicies("t", "r", "cb", scope, 0) })));

        var one = provider.ForActor("Cart", "1");
        var two = provider.ForActor("Cart", "2");

        one.Timeout.ShouldBe(TimeSpan.FromSeconds(2));
        one.Retry!.MaxRetries.ShouldBe(4);
        (one.CircuitBreaker == two.CircuitBreaker).ShouldBe(shared);
        one.CircuitBreaker!.Name.ShouldBe(scope == ActorCircuitBreakerScope.Type ? "Cart" : "Cart-1");
        provider.ForActorPreLock("Cart", "1").Timeout.ShouldBeNull();
        provider.ForActorPostLock("Cart", "1").Retry.ShouldBeNull();
        provider.ForActorPostLock("Cart", "1").Timeout.ShouldBe(TimeSpan.FromSeconds(2));
        provider.HasActorTarget("Cart").ShouldBeTrue();
    }

    [Fact]
    public void ActorWithoutTarget_UsesActorDefaults()
    {
        var provider = Provider(Definition(
            timeouts: new Dictionary<string, TimeSpan> { ["DefaultActorTimeoutPolicy"] = TimeSpan.FromSeconds(7) },
            retries: new Dictionary<string, RetryPolicyDefinition> { ["DefaultActorRetryPolicy"] = Retry(6) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["DefaultActorCircuitBreakerPolicy"] = Breaker }));

        var policy = provider.ForActor("Cart", "1");

        policy.Timeout.ShouldBe(TimeSpan.FromSeconds(7));
        policy.Retry!.MaxRetries.ShouldBe(6);
        policy.CircuitBreaker.ShouldBeSameAs(provider.ForActor("Cart", "2").CircuitBreaker);
    }

    [Theory]
    [InlineData(new[] { "DefaultPubsubComponentInboundRetryPolicy", "DefaultComponentInboundRetryPolicy", "DefaultComponentRetryPolicy", "DefaultRetryPolicy" }, 1)]
    [InlineData(new[] { "DefaultComponentInboundRetryPolicy", "DefaultComponentRetryPolicy", "DefaultRetryPolicy" }, 2)]
    [InlineData(new[] { "DefaultComponentRetryPolicy", "DefaultRetryPolicy" }, 3)]
    [InlineData(new[] { "DefaultRetryPolicy" }, 4)]
    [InlineData(new[] { "DefaultStatestoreComponentInboundRetryPolicy", "DefaultPubsubComponentOutboundRetryPolicy" }, 0)]
    public void ComponentDefaults_SearchMostToLeastSpecific(string[] defined, int expectedMaxRetries)
    {
        var byName = new Dictionary<string, int>
        {
            ["DefaultPubsubComponentInboundRetryPolicy"] = 1,
            ["DefaultComponentInboundRetryPolicy"] = 2,
            ["DefaultComponentRetryPolicy"] = 3,
            ["DefaultRetryPolicy"] = 4,
            ["DefaultStatestoreComponentInboundRetryPolicy"] = 5,
            ["DefaultPubsubComponentOutboundRetryPolicy"] = 6,
        };
        var provider = Provider(Definition(retries: defined.ToDictionary(n => n, n => Retry(byName[n]))));

        var policy = provider.ForComponentInbound("pubsub", "pubsub.redis");

        if (expectedMaxRetries == 0)
        {
            policy.Retry.ShouldBeNull();
        }
        else
        {
            policy.Retry!.MaxRetries.ShouldBe(expectedMaxRetries);
        }
    }

    [Fact]
    public void ComponentDefaults_ResolveEachPolicyKindSeparately()
    {
        var provider = Provider(Definition(
            timeouts: new Dictionary<string, TimeSpan> { ["DefaultComponentTimeoutPolicy"] = TimeSpan.FromSeconds(4) },
            retries: new Dictionary<string, RetryPolicyDefinition> { ["DefaultStatestoreComponentOutboundRetryPolicy"] = Retry(3) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["DefaultCircuitBreakerPolicy"] = Breaker }));

        var policy = provider.ForComponentOutbound("statestore", "state.redis");

        policy.Name.ShouldBe("component[statestore] output");
        policy.Timeout.ShouldBe(TimeSpan.FromSeconds(4));
        policy.Retry!.MaxRetries.ShouldBe(3);
        policy.CircuitBreaker!.Name.ShouldBe("DefaultCircuitBreakerPolicy-statestore");
    }

    [Fact]
    public void ExplicitComponentTarget_UsesDirection()
    {
        var provider = Provider(Definition(
            retries: new Dictionary<string, RetryPolicyDefinition> { ["in"] = Retry(1), ["out"] = Retry(2), ["DefaultRetryPolicy"] = Retry(9) },
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = Breaker },
            targets: Targets(components: new()
            {
                ["pubsub"] = new ComponentTargetPolicies(new PolicyNames(null, "in", "cb"), new PolicyNames(null, "out", "cb")),
            })));

        var inbound = provider.ForComponentInbound("pubsub", "pubsub.redis");
        var outbound = provider.ForComponentOutbound("pubsub", "pubsub.redis");

        inbound.Retry!.MaxRetries.ShouldBe(1);
        outbound.Retry!.MaxRetries.ShouldBe(2);
        inbound.CircuitBreaker.ShouldBeSameAs(outbound.CircuitBreaker);
        provider.HasComponentTarget("pubsub").ShouldBeTrue();
    }

    [Fact]
    public void ExplicitComponentTargetWithoutDirection_GetsNothing()
    {
        var provider = Provider(Definition(
            retries: new Dictionary<string, RetryPolicyDefinition> { ["in"] = Retry(1), ["DefaultRetryPolicy"] = Retry(9) },
            targets: Targets(components: new() { ["pubsub"] = new ComponentTargetPolicies(new PolicyNames(null, "in", null), PolicyNames.None) })));

        provider.ForComponentOutbound("pubsub", "pubsub.redis").IsEmpty.ShouldBeTrue();
    }

    [Theory]
    [InlineData("pubsub.redis", "Pubsub")]
    [InlineData("state.redis", "Statestore")]
    [InlineData("secretstores.local.file", "Secretstore")]
    [InlineData("configuration.redis", "Configuration")]
    [InlineData("bindings.http", "Binding")]
    [InlineData("lock.redis", "Lock")]
    [InlineData("crypto.jwks", "Crypto")]
    [InlineData("conversation.openai", "Conversation")]
    [InlineData("state", "Statestore")]
    [InlineData("Pubsub", "Pubsub")]
    [InlineData("middleware.http.ratelimit", "")]
    public void ComponentLevel_MapsTypeToPolicyLevel(string type, string level)
    {
        ResiliencyProvider.ComponentLevel(type).ShouldBe(level);
    }

    [Fact]
    public void BuiltIns_HaveDaprDefaults()
    {
        var provider = Provider();

        var service = provider.BuiltIn(BuiltInRetryPolicies.ServiceRetries).Retry!;
        service.Policy.ShouldBe(RetryBackoff.Constant);
        service.Duration.ShouldBe(TimeSpan.FromSeconds(1));
        service.MaxRetries.ShouldBe(3);

        provider.BuiltIn(BuiltInRetryPolicies.ActorNotFoundRetries).Retry!.MaxRetries.ShouldBe(5);
        provider.BuiltIn(BuiltInRetryPolicies.ActorReminderRetries).HasRetries.ShouldBeFalse();
        var initialization = provider.BuiltIn(BuiltInRetryPolicies.InitializationRetries).Retry!;
        initialization.Policy.ShouldBe(RetryBackoff.Exponential);
        initialization.MaxRetries.ShouldBe(3);
        initialization.MaxElapsedTime.ShouldBe(TimeSpan.FromSeconds(10));
        initialization.MaxInterval.ShouldBe(TimeSpan.FromSeconds(1));
        provider.BuiltIn("NoSuchBuiltIn").Retry.ShouldBeNull();
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(-1, 3)]
    [InlineData(0, 3)]
    [InlineData(7, 7)]
    public void BuiltInOverride_BelowThreeRetries_IsResetToThree(int requested, int expected)
    {
        var provider = Provider(Definition(retries: new Dictionary<string, RetryPolicyDefinition> { [BuiltInRetryPolicies.ServiceRetries] = Retry(requested, 2) }));

        var retry = provider.BuiltIn(BuiltInRetryPolicies.ServiceRetries).Retry!;

        retry.MaxRetries.ShouldBe(expected);
        retry.Duration.ShouldBe(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void ProtectedBuiltIn_CannotBeOverridden()
    {
        var provider = Provider(Definition(retries: new Dictionary<string, RetryPolicyDefinition> { [BuiltInRetryPolicies.ActorNotFoundRetries] = Retry(50, 9) }));

        var retry = provider.BuiltIn(BuiltInRetryPolicies.ActorNotFoundRetries).Retry!;

        retry.MaxRetries.ShouldBe(5);
        retry.Duration.ShouldBe(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void LaterDefinition_ReplacesSameNames()
    {
        var provider = Provider(
            Definition(retries: new Dictionary<string, RetryPolicyDefinition> { ["DefaultRetryPolicy"] = Retry(1) }, name: "first"),
            Definition(retries: new Dictionary<string, RetryPolicyDefinition> { ["DefaultRetryPolicy"] = Retry(8) }, name: "second"));

        provider.ForApp("x").Retry!.MaxRetries.ShouldBe(8);
        provider.ResiliencyNames.ShouldBe(["first", "second"]);
    }

    [Fact]
    public void TargetNamingUnknownPolicies_GetsNoPolicyInsteadOfFailing()
    {
        var provider = Provider(Definition(targets: Targets(apps: new() { ["cart"] = new AppTargetPolicies("nope", "nope", "nope", 0) })));

        provider.ForApp("cart").IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public async Task ProviderPolicy_BreakerStateIsSharedAcrossResolutions()
    {
        var provider = Provider(Definition(
            breakers: new Dictionary<string, CircuitBreakerDefinition> { ["cb"] = new(1, TimeSpan.Zero, TimeSpan.FromSeconds(30), BioDapr.Sidecar.Expressions.CelExpression.Compile("consecutiveFailures >= 2"), "consecutiveFailures >= 2") },
            targets: Targets(apps: new() { ["cart"] = new AppTargetPolicies(null, null, "cb", 0) })));

        for (var i = 0; i < 2; i++)
        {
            await Should.ThrowAsync<InvalidOperationException>(() => provider.ForApp("cart").ExecuteAsync<int>(_ => throw new InvalidOperationException(), TestContext.Current.CancellationToken));
        }

        await Should.ThrowAsync<CircuitBreakerOpenException>(() => provider.ForApp("cart").ExecuteAsync(_ => Task.FromResult(1), TestContext.Current.CancellationToken));
        (await provider.ForApp("other").ExecuteAsync(_ => Task.FromResult(1), TestContext.Current.CancellationToken)).ShouldBe(1);
    }
}
