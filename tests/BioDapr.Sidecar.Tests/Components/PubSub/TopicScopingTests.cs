using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Tests.Components.PubSub;

/// <summary>
/// daprd's topic scoping (pkg/runtime/pubsub/adapter.go IsOperationAllowed, pkg/scopes/scopes.go) as
/// each app's sidecar applies it to publishing and subscribing.
/// </summary>
public sealed class TopicScopingTests
{
    [Theory]
    // No scoping metadata: every topic is open.
    [InlineData("", "", "", "a", "any", true)]
    // allowedTopics alone: only those topics, for everyone.
    [InlineData("a,b", "", "", "a", "b", true)]
    [InlineData("a,b", "", "", "a", "c", false)]
    // Scopes alone: a listed app gets its topics only; an app not listed is unrestricted.
    [InlineData("", "", "app1=a;app2=b", "app1", "a", true)]
    [InlineData("", "", "app1=a;app2=b", "app1", "b", false)]
    [InlineData("", "", "app1=a;app2=b", "app3", "b", true)]
    // "app=" lists the empty topic: the app is listed, so every real topic is refused.
    [InlineData("", "", "app1=", "app1", "a", false)]
    // Protected topics need an explicit scope, even for apps not listed anywhere.
    [InlineData("", "p", "", "app1", "p", false)]
    [InlineData("", "p", "app1=p", "app1", "p", true)]
    [InlineData("", "p", "app1=p", "app2", "p", false)]
    [InlineData("", "p", "app1=p", "app2", "open", true)]
    // allowedTopics is checked first: a scope cannot open a topic outside it.
    [InlineData("a", "", "app1=a,b", "app1", "b", false)]
    // Spaces are removed, duplicates ignored, app ids and topics are case-sensitive.
    [InlineData(" a , b ", "", " app1 = a , b ", "app1", "b", true)]
    [InlineData("", "", "App1=a", "app1", "b", true)]
    [InlineData("A", "", "", "x", "a", false)]
    public void PublishingScopes_FollowDaprdsRules(string allowed, string protectedTopics, string publishing, string appId, string topic, bool expected)
    {
        var entry = PubSubEntry.Create("pubsub", null!, Metadata(("allowedTopics", allowed), ("protectedTopics", protectedTopics), ("publishingScopes", publishing)), appId, string.Empty);

        entry.IsPublishAllowed(topic).ShouldBe(expected);
    }

    [Fact]
    public void SubscriptionScopes_AreIndependentOfPublishingScopes()
    {
        var entry = PubSubEntry.Create(
            "pubsub",
            null!,
            Metadata(("protectedTopics", "orders,payments"), ("publishingScopes", "orders=orders"), ("subscriptionScopes", "orders=payments")),
            "orders",
            string.Empty);

        entry.IsPublishAllowed("orders").ShouldBeTrue();
        entry.IsPublishAllowed("payments").ShouldBeFalse();
        entry.IsSubscribeAllowed("payments").ShouldBeTrue();
        entry.IsSubscribeAllowed("orders").ShouldBeFalse();
    }

    [Fact]
    public void MetadataNames_AreMatchedCaseInsensitively()
    {
        var entry = PubSubEntry.Create("pubsub", null!, Metadata(("PUBLISHINGSCOPES", "app1=a"), ("AllowedTopics", "a")), "app1", string.Empty);

        entry.IsPublishAllowed("a").ShouldBeTrue();
        entry.IsPublishAllowed("b").ShouldBeFalse();
    }

    private static Dictionary<string, string> Metadata(params (string Name, string Value)[] items) =>
        items.Where(i => i.Value.Length > 0).ToDictionary(i => i.Name, i => i.Value, StringComparer.Ordinal);
}
