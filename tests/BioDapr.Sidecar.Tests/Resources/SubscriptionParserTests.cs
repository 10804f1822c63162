using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class SubscriptionParserTests
{
    private static ProgrammaticSubscriptions Parse(string json) => SubscriptionParser.ParseProgrammatic(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ParseProgrammatic_DotNetSdkShape_IsRead()
    {
        var parsed = Parse("""
            [{"pubsubName":"pubsub","topic":"orders","route":"orders/created",
              "metadata":{"rawPayload":"true"},"deadLetterTopic":"dlq",
              "bulkSubscribe":{"enabled":true,"maxMessagesCount":10,"maxAwaitDurationMs":500}}]
            """);

        var subscription = parsed.Subscriptions.ShouldHaveSingleItem();
        subscription.Name.ShouldBe("pubsub/orders");
        subscription.PubsubName.ShouldBe("pubsub");
        subscription.Topic.ShouldBe("orders");
        subscription.Routes.Default.ShouldBe("orders/created");
        subscription.Routes.Rules.ShouldBeEmpty();
        subscription.Metadata.ShouldBe(new Dictionary<string, string> { ["rawPayload"] = "true" });
        subscription.DeadLetterTopic.ShouldBe("dlq");
        subscription.BulkSubscribe.ShouldBe(new BulkSubscribeOptions(true, 10, 500));
        subscription.Kind.ShouldBe(SubscriptionKind.Programmatic);
        subscription.SourceFile.ShouldBeNull();
        subscription.Scopes.ShouldBeEmpty();
        parsed.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void ParseProgrammatic_RoutesDefault_WinsOverRoute()
    {
        var subscription = Parse("""[{"pubsubname":"p","topic":"t","route":"/old","routes":{"default":"/new"}}]""").Subscriptions.ShouldHaveSingleItem();

        subscription.Routes.Default.ShouldBe("/new");
    }

    [Fact]
    public void ParseProgrammatic_Rules_KeepOrderAndCompile()
    {
        var subscription = Parse("""
            [{"PUBSUBNAME":"p","Topic":"t","routes":{"rules":[
                {"match":"event.type == \"a\"","path":"/a"},
                {"match":"  ","path":"/catch-all"}],"default":"/d"}}]
            """).Subscriptions.ShouldHaveSingleItem();

        subscription.Routes.Rules.Select(r => r.Path).ShouldBe(["/a", "/catch-all"]);
        subscription.Routes.Rules[1].Match.ShouldBe("");
        subscription.Routes.Rules[1].Expression.EvaluateBool(CelActivation.Empty).ShouldBeTrue();
        var typeB = CelActivation.Single("event", JsonDocument.Parse("""{"type":"b"}""").RootElement);
        subscription.Routes.Rules[0].Expression.EvaluateBool(typeB).ShouldBeFalse();
        subscription.Routes.Default.ShouldBe("/d");
    }

    [Fact]
    public void ParseProgrammatic_EntriesWithoutRouteOrNames_AreDroppedWithWarnings()
    {
        var parsed = Parse("""
            [{"pubsubname":"p","topic":"no-route"},
             {"pubsubname":"p","topic":"ok","route":"/ok"},
             {"topic":"no-pubsub","route":"/x"},
             {"pubsubname":"p","route":"/x"},
             null]
            """);

        parsed.Subscriptions.ShouldHaveSingleItem().Topic.ShouldBe("ok");
        parsed.Warnings.Count.ShouldBe(4);
        parsed.Warnings[0].ShouldContain("topic no-route on pubsub p has no route");
        parsed.Warnings[1].ShouldContain("has no pubsubname");
        parsed.Warnings[2].ShouldContain("has no topic");
    }

    [Fact]
    public void ParseProgrammatic_BulkSubscribeAbsent_IsDisabled()
    {
        Parse("""[{"pubsubname":"p","topic":"t","route":"/x"}]""").Subscriptions.ShouldHaveSingleItem()
            .BulkSubscribe.ShouldBe(new BulkSubscribeOptions(false, 0, 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("[] trailing text is not read")]
    public void ParseProgrammatic_NoSubscriptions_IsEmpty(string body)
    {
        Parse(body).Subscriptions.ShouldBeEmpty();
    }

    [Fact]
    public void ParseProgrammatic_UnknownFields_AreIgnored()
    {
        Parse("""[{"pubsubname":"p","topic":"t","route":"/x","extra":{"a":[1,2]}}]""").Subscriptions.ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("[{", "is not valid JSON")]
    [InlineData("{\"pubsubname\":\"p\"}", "must be a JSON array of subscriptions, found an object")]
    [InlineData("[5]", "subscription 1 of the /dapr/subscribe response must be an object, found the number 5")]
    [InlineData("[{\"pubsubname\":1}]", "'pubsubname' must be a string, found the number 1")]
    [InlineData("[{\"pubsubname\":\"p\",\"topic\":[\"t\"]}]", "'topic' must be a string, found an array")]
    [InlineData("[{\"metadata\":{\"a\":1}}]", "'metadata.a' must be a string")]
    [InlineData("[{\"metadata\":[]}]", "'metadata' must be an object of strings")]
    [InlineData("[{\"routes\":\"/x\"}]", "'routes' must be an object")]
    [InlineData("[{\"routes\":{\"rules\":{}}}]", "'routes.rules' must be an array")]
    [InlineData("[{\"routes\":{\"rules\":[\"/x\"]}}]", "rule 1 must be an object")]
    [InlineData("[{\"routes\":{\"rules\":[{\"match\":\"event.type ==\",\"path\":\"/x\"}]}}]", "rule 1 has a match expression that does not compile: CEL syntax error at 1:14")]
    [InlineData("[{\"bulkSubscribe\":{\"enabled\":\"yes\"}}]", "'bulkSubscribe.enabled' must be true or false")]
    [InlineData("[{\"bulkSubscribe\":{\"maxMessagesCount\":1.5}}]", "'bulkSubscribe.maxMessagesCount' must be a 32-bit integer")]
    [InlineData("[{\"bulkSubscribe\":[]}]", "'bulkSubscribe' must be an object")]
    [InlineData("[{\"pubsubname\":\"p\"},{\"topic\":true}]", "subscription 2 of the /dapr/subscribe response: 'topic' must be a string, found true")]
    public void ParseProgrammatic_BadBody_ThrowsNamingEntryAndField(string body, string expected)
    {
        Should.Throw<SubscriptionParseException>(() => Parse(body)).Message.ShouldContain(expected);
    }
}
