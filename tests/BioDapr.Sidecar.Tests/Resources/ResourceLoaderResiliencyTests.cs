using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class ResourceLoaderResiliencyTests : IDisposable
{
    private const string Full = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: myresiliency
        scopes: [ orders ]
        spec:
          policies:
            timeouts:
              general: 5s
              quick: 500
            retries:
              retryForever:
                policy: constant
                duration: 5s
                maxRetries: -1
              important:
                policy: Exponential
                maxInterval: 15s
                maxRetries: 10
                matching:
                  httpStatusCodes: "429,500-599"
                  gRPCStatusCodes: 1-4,8-11,13,14
              defaults: {}
            circuitBreakers:
              simpleCB:
                maxRequests: 1
                interval: 8s
                timeout: 45s
                trip: consecutiveFailures >= 5
              plainCB: {}
          targets:
            apps:
              appB:
                timeout: general
                retry: important
                circuitBreaker: simpleCB
                circuitBreakerCacheSize: 50
            actors:
              myActorType:
                timeout: general
                retry: important
                circuitBreaker: simpleCB
                circuitBreakerScope: id
                circuitBreakerCacheSize: 5000
            components:
              statestore:
                outbound:
                  timeout: quick
                  retry: retryForever
                  circuitBreaker: simpleCB
              pubsub:
                inbound:
                  retry: important
        """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LoadedResources Load(string appId = "orders") => ResourceLoader.Load([_directory.Path], appId);

    private ResourceLoadException Fails() => Should.Throw<ResourceLoadException>(() => Load());

    [Fact]
    public void Load_FullResiliency_ReadsPoliciesAndTargets()
    {
        var file = _directory.Write("resiliency.yaml", Full);

        var resiliency = Load().Resiliencies.ShouldHaveSingleItem();

        resiliency.Name.ShouldBe("myresiliency");
        resiliency.SourceFile.ShouldBe(file);
        resiliency.Scopes.ShouldBe(["orders"]);
        resiliency.Timeouts.ShouldBe(new Dictionary<string, TimeSpan> { ["general"] = TimeSpan.FromSeconds(5), ["quick"] = TimeSpan.FromMilliseconds(500) });

        var forever = resiliency.Retries["retryForever"];
        forever.ShouldBe(new RetryPolicyDefinition(RetryBackoff.Constant, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), -1, null, null));

        var important = resiliency.Retries["important"];
        important.Policy.ShouldBe(RetryBackoff.Exponential);
        important.MaxInterval.ShouldBe(TimeSpan.FromSeconds(15));
        important.MaxRetries.ShouldBe(10);
        important.HttpStatusCodes!.Contains(429).ShouldBeTrue();
        important.HttpStatusCodes.Contains(503).ShouldBeTrue();
        important.HttpStatusCodes.Contains(404).ShouldBeFalse();
        important.GrpcStatusCodes!.Contains(14).ShouldBeTrue();
        important.GrpcStatusCodes.Contains(5).ShouldBeFalse();

        resiliency.Retries["defaults"].ShouldBe(RetryPolicyDefinition.Default);

        var breaker = resiliency.CircuitBreakers["simpleCB"];
        breaker.MaxRequests.ShouldBe(1);
        breaker.Interval.ShouldBe(TimeSpan.FromSeconds(8));
        breaker.Timeout.ShouldBe(TimeSpan.FromSeconds(45));
        breaker.TripText.ShouldBe("consecutiveFailures >= 5");
        breaker.Trip!.EvaluateBool(CelActivation.Single("consecutiveFailures", 5L)).ShouldBeTrue();
        resiliency.CircuitBreakers["plainCB"].ShouldBe(new CircuitBreakerDefinition(0, TimeSpan.Zero, TimeSpan.Zero, null, null));

        resiliency.Targets.Apps["appB"].ShouldBe(new AppTargetPolicies("general", "important", "simpleCB", 50));
        resiliency.Targets.Actors["myActorType"].ShouldBe(new ActorTargetPolicies("general", "important", "simpleCB", ActorCircuitBreakerScope.Id, 5000));
        resiliency.Targets.Components["statestore"].ShouldBe(new ComponentTargetPolicies(PolicyNames.None, new PolicyNames("quick", "retryForever", "simpleCB")));
        resiliency.Targets.Components["pubsub"].ShouldBe(new ComponentTargetPolicies(new PolicyNames(null, "important", null), PolicyNames.None));
    }

    [Fact]
    public void Load_ResiliencyOutOfScope_IsSkipped()
    {
        _directory.Write("resiliency.yaml", Full);

        Load("cart").Resiliencies.ShouldBeEmpty();
    }

    [Fact]
    public void Load_ResiliencyInSecondDocument_IsIgnoredWithWarning()
    {
        _directory.Write("mixed.yaml", ResourceLoaderComponentTests.Component("store") + "---\n" + Full);

        var loaded = Load();

        loaded.Resiliencies.ShouldBeEmpty();
        loaded.Components.ShouldHaveSingleItem();
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("only the first document");
    }

    [Fact]
    public void Load_ResiliencyWithOtherApiVersion_LoadsWithWarning()
    {
        _directory.Write("resiliency.yaml", Full.Replace("dapr.io/v1alpha1", "resiliency.dapr.io/v1alpha1", StringComparison.Ordinal));

        var loaded = Load();

        loaded.Resiliencies.ShouldHaveSingleItem();
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("daprd expects dapr.io/v1alpha1");
    }

    [Fact]
    public void Load_TargetUsingPolicyFromAnotherFile_IsAccepted()
    {
        _directory.Write("a-policies.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: policies }
            spec:
              policies:
                retries: { shared: { maxRetries: 2 } }
            """);
        _directory.Write("b-targets.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: targets }
            spec:
              targets:
                apps: { cart: { retry: shared } }
            """);

        Load().Resiliencies.Select(r => r.Name).ShouldBe(["policies", "targets"]);
    }

    [Fact]
    public void Load_TargetUsingBuiltInRetry_IsAccepted()
    {
        _directory.Write("r.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: r }
            spec:
              targets:
                apps: { cart: { retry: DaprBuiltInServiceRetries } }
            """);

        Load().Resiliencies.ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("policies: { retries: { r: { policy: constant, initialInterval: 1s } } }", "spec.policies.retries.r.initialInterval: unknown retry policy field 'initialInterval' (allowed: policy, duration, maxInterval, maxRetries, matching)")]
    [InlineData("policies: { retries: { r: { multiplier: 2 } } }", "unknown retry policy field 'multiplier'")]
    [InlineData("policies: { retries: { r: { policy: linear } } }", "unexpected back off policy type \"linear\"")]
    [InlineData("policies: { retries: { r: { duration: fast } } }", "spec.policies.retries.r.duration: invalid duration \"fast\"")]
    [InlineData("policies: { retries: { r: { maxInterval: 1d } } }", "invalid duration \"1d\"")]
    [InlineData("policies: { retries: { r: { maxRetries: three } } }", "spec.policies.retries.r.maxRetries: must be an integer")]
    [InlineData("policies: { retries: { r: { maxRetries: \"3\" } } }", "must be an integer, found the quoted string \"3\"")]
    [InlineData("policies: { retries: { r: { matching: { httpStatusCodes: \"600\" } } } }", "start code 600 is not valid")]
    [InlineData("policies: { retries: { r: { matching: { httpStatusCodes: \"500-404\" } } } }", "start value should not be bigger than end value")]
    [InlineData("policies: { retries: { r: { matching: { gRPCStatusCodes: \"1-2-3\" } } } }", "more than one '-' exists")]
    [InlineData("policies: { retries: { r: { matching: { gRPCStatusCodes: \"x\" } } } }", "failed to parse start code 'x'")]
    [InlineData("policies: { retries: { r: { matching: { statusCodes: \"500\" } } } }", "unknown matching field 'statusCodes'")]
    [InlineData("policies: { retries: { r: 5 } }", "must be a mapping (a retry policy)")]
    [InlineData("policies: { timeouts: { t: soon } }", "spec.policies.timeouts.t: invalid duration \"soon\"")]
    [InlineData("policies: { timeouts: { t: \"\" } }", "spec.policies.timeouts.t: invalid duration \"\"")]
    [InlineData("policies: { timeouts: { t: } }", "spec.policies.timeouts.t: needs a duration")]
    [InlineData("policies: { circuitBreakers: { cb: { trip: 'consecutiveFailures >' } } }", "spec.policies.circuitBreakers.cb.trip: the trip expression does not compile")]
    [InlineData("policies: { circuitBreakers: { cb: { maxRequests: -1 } } }", "maxRequests: must be zero or a positive number")]
    [InlineData("policies: { circuitBreakers: { cb: { interval: x } } }", "cb.interval: invalid duration")]
    [InlineData("policies: { circuitBreakers: { cb: { tripp: 'true' } } }", "unknown circuit breaker field 'tripp'")]
    [InlineData("targets: { apps: { a: { retry: missing } } }", "spec.targets.apps.a.retry: retry policy 'missing' is not defined under spec.policies.retries")]
    [InlineData("targets: { apps: { a: { timeout: missing } } }", "timeout policy 'missing' is not defined under spec.policies.timeouts")]
    [InlineData("targets: { components: { c: { outbound: { circuitBreaker: missing } } } }", "circuitBreaker policy 'missing' is not defined under spec.policies.circuitBreakers")]
    [InlineData("targets: { apps: { a: { retries: x } } }", "unknown app target field 'retries'")]
    [InlineData("targets: { apps: { a: { circuitBreakerCacheSize: -5 } } }", "must be a positive number")]
    [InlineData("targets: { components: { c: { outbound: { retry: x, bogus: y } } } }", "unknown outbound policy field 'bogus'")]
    [InlineData("targets: { components: { c: { both: {} } } }", "unknown component target field 'both'")]
    [InlineData("policies: { circuitBreakers: { cb: {} } }\n  targets: { actors: { t: { circuitBreaker: cb } } }", "actor circuit breakers must include circuitBreakerScope")]
    [InlineData("policies: { circuitBreakers: { cb: {} } }\n  targets: { actors: { t: { circuitBreaker: cb, circuitBreakerScope: all } } }", "unknown circuit breaker scope \"all\"")]
    public void Load_InvalidResiliency_FailsNamingField(string spec, string expected)
    {
        var file = _directory.Write("bad.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata: { name: bad }\nspec:\n  " + spec + "\n");

        var exception = Fails();

        exception.Message.ShouldStartWith($"{file}: Resiliency 'bad' (document 1, line");
        exception.Message.ShouldContain(expected);
        exception.Line.ShouldNotBeNull();
    }

    [Fact]
    public void Load_FieldNamesInOtherCase_AreAccepted()
    {
        _directory.Write("r.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: r }
            spec:
              policies:
                retries: { r: { Policy: constant, MaxRetries: 2, Matching: { HTTPStatusCodes: "500" } } }
            """);

        var retry = Load().Resiliencies.ShouldHaveSingleItem().Retries["r"];

        retry.MaxRetries.ShouldBe(2);
        retry.HttpStatusCodes!.Text.ShouldBe("500");
    }
}
