using System.Text.Json;
using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class ResourceLoaderSubscriptionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LoadedResources Load(string appId = "orders") => ResourceLoader.Load([_directory.Path], appId);

    [Fact]
    public void Load_V2Subscription_ReadsRulesDefaultAndOptions()
    {
        var file = _directory.Write("sub.yaml", """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata:
              name: orders-sub
            spec:
              pubsubname: pubsub
              topic: orders
              routes:
                rules:
                  - match: event.type == "order.created"
                    path: /orders/created
                  - match: '  event.data.total > 100  '
                    path: big
                default: /orders
              metadata:
                rawPayload: "false"
                maxRetries: 3
              deadLetterTopic: orders-dlq
              bulkSubscribe:
                enabled: true
                maxMessagesCount: 100
                maxAwaitDurationMs: 1000
            scopes:
              - orders
            """);

        var subscription = Load().Subscriptions.ShouldHaveSingleItem();

        subscription.Name.ShouldBe("orders-sub");
        subscription.PubsubName.ShouldBe("pubsub");
        subscription.Topic.ShouldBe("orders");
        subscription.Kind.ShouldBe(SubscriptionKind.Declarative);
        subscription.SourceFile.ShouldBe(file);
        subscription.DeadLetterTopic.ShouldBe("orders-dlq");
        subscription.BulkSubscribe.ShouldBe(new BulkSubscribeOptions(true, 100, 1000));
        subscription.Metadata.ShouldBe(new Dictionary<string, string> { ["rawPayload"] = "false", ["maxRetries"] = "3" });
        subscription.Scopes.ShouldBe(["orders"]);
        subscription.Routes.Default.ShouldBe("/orders");
        subscription.Routes.Rules.Select(r => (r.Match, r.Path)).ShouldBe([("event.type == \"order.created\"", "/orders/created"), ("event.data.total > 100", "big")]);

        var created = CelActivation.Single("event", JsonDocument.Parse("""{"type":"order.created","data":{"total":5}}""").RootElement);
        subscription.Routes.Rules[0].Expression.EvaluateBool(created).ShouldBeTrue();
        subscription.Routes.Rules[1].Expression.EvaluateBool(created).ShouldBeFalse();
    }

    [Fact]
    public void Load_V1Subscription_ConvertsRouteToDefault()
    {
        _directory.Write("sub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata: { name: legacy }
            spec:
              topic: orders
              route: /orders
              pubsubname: pubsub
            """);

        var subscription = Load().Subscriptions.ShouldHaveSingleItem();

        subscription.Routes.Default.ShouldBe("/orders");
        subscription.Routes.Rules.ShouldBeEmpty();
        subscription.BulkSubscribe.ShouldBeNull();
        subscription.DeadLetterTopic.ShouldBeNull();
    }

    [Fact]
    public void Load_V1SubscriptionWithRoutes_WarnsThatRoutesAreIgnored()
    {
        _directory.Write("sub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata: { name: legacy }
            spec:
              pubsubname: pubsub
              topic: orders
              route: /orders
              routes: { default: /other }
            """);

        var loaded = Load();

        loaded.Subscriptions.ShouldHaveSingleItem().Routes.Default.ShouldBe("/orders");
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("'routes' is a v2alpha1 field");
    }

    [Fact]
    public void Load_RuleWithoutMatch_AlwaysMatchesAndWarns()
    {
        _directory.Write("sub.yaml", """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata: { name: s }
            spec:
              pubsubname: pubsub
              topic: orders
              routes:
                rules:
                  - path: /all
            """);

        var loaded = Load();

        var rule = loaded.Subscriptions.ShouldHaveSingleItem().Routes.Rules.ShouldHaveSingleItem();
        rule.Match.ShouldBe("");
        rule.Expression.EvaluateBool(CelActivation.Empty).ShouldBeTrue();
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("has no 'match'");
    }

    [Fact]
    public void Load_CamelCaseFieldNames_AreAccepted()
    {
        _directory.Write("sub.yaml", """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata: { name: s }
            spec:
              pubsubName: pubsub
              Topic: orders
              Routes: { Default: /orders }
              deadlettertopic: dlq
            """);

        var subscription = Load().Subscriptions.ShouldHaveSingleItem();

        subscription.PubsubName.ShouldBe("pubsub");
        subscription.Topic.ShouldBe("orders");
        subscription.DeadLetterTopic.ShouldBe("dlq");
    }

    [Fact]
    public void Load_ScopedSubscription_OnlyForListedApps()
    {
        _directory.Write("sub.yaml", Subscription("s") + "scopes: [cart]\n");

        Load("orders").Subscriptions.ShouldBeEmpty();
        Load("cart").Subscriptions.ShouldHaveSingleItem();
    }

    [Fact]
    public void Load_DuplicateSubscriptionNames_AreKeptInOrder()
    {
        _directory.Write("a.yaml", Subscription("same"));
        _directory.Write("b.yaml", Subscription("same").Replace("topic: orders", "topic: other", StringComparison.Ordinal));

        Load().Subscriptions.Select(s => s.Topic).ShouldBe(["orders", "other"]);
    }

    [Fact]
    public void Load_ComponentsAndSubscriptionsInOneFile_BothLoad()
    {
        _directory.Write("mixed.yaml", ResourceLoaderComponentTests.Component("pubsub") + "---\n" + Subscription("s"));

        var loaded = Load();

        loaded.Components.ShouldHaveSingleItem();
        loaded.Subscriptions.ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("spec: { topic: t, routes: { default: /x } }", "spec.pubsubname: is required")]
    [InlineData("spec: { pubsubname: p, routes: { default: /x } }", "spec.topic: is required")]
    [InlineData("spec: { pubsubname: p, topic: t }", "spec.routes: needs 'default' or at least one rule")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { rules: [] } }", "needs 'default' or at least one rule")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { rules: [ { match: 'true' } ] } }", "spec.routes.rules[0].path: is required")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { rules: [ 'x' ] } }", "each rule must be a mapping")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { rules: [ { match: 'event.type ==', path: /x } ] } }", "spec.routes.rules[0].match: the match expression does not compile: CEL syntax error at 1:14")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { rules: [ { match: 'nosuch(1)', path: /x } ] } }", "undeclared reference to 'nosuch'")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { default: /x }, bulkSubscribe: { enabled: maybe } }", "spec.bulkSubscribe.enabled: must be a boolean")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { default: /x }, bulkSubscribe: { maxMessagesCount: 1.5 } }", "must be an integer")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { default: /x }, bulkSubscribe: { maxMessagesCount: 99999999999 } }", "out of range for a 32-bit integer")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { default: /x }, metadata: [a] }", "spec.metadata: must be a mapping")]
    [InlineData("spec: { pubsubname: p, topic: t, routes: { default: /x } }\nscopes: orders", "scopes: must be a list")]
    public void Load_InvalidV2Subscription_FailsNamingField(string body, string expected)
    {
        var file = _directory.Write("bad.yaml", "apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata: { name: bad }\n" + body + "\n");

        var exception = Should.Throw<ResourceLoadException>(() => Load());

        exception.Message.ShouldStartWith($"{file}: Subscription 'bad' (document 1, line");
        exception.Message.ShouldContain(expected);
    }

    [Fact]
    public void Load_V1SubscriptionWithoutRoute_Fails()
    {
        _directory.Write("bad.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Subscription\nmetadata: { name: bad }\nspec: { pubsubname: p, topic: t }\n");

        Should.Throw<ResourceLoadException>(() => Load()).Message.ShouldContain("spec.route: is required");
    }

    [Fact]
    public void Load_UnknownSubscriptionVersion_IsIgnoredWithWarning()
    {
        _directory.Write("sub.yaml", Subscription("s").Replace("dapr.io/v2alpha1", "dapr.io/v3", StringComparison.Ordinal));

        var loaded = Load();

        loaded.Subscriptions.ShouldBeEmpty();
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("Subscription ignored");
    }

    internal static string Subscription(string name) => $"""
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: {name}
        spec:
          pubsubname: pubsub
          topic: orders
          routes:
            default: /orders

        """;
}
