using System.Text.Json;
using BioDapr.Cell.Events;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cell.Tests;

/// <summary>
/// Topic declarations ([Topic] on a handler, WithTopic on an endpoint) that disagree about one pub/sub topic stop the
/// cell at start with a message naming both, instead of being merged silently by the SDK's subscribe handler.
/// </summary>
public sealed class TopicDeclarationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoDefaultRoutes_FromWithTopicAndATopicAttribute_StopTheCellNamingBoth()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/orders/a", () => TopicResults.Success()).WithTopic("pubsub", "orders");
            app.MapPost("/orders/b", Handlers.OnOrder);
        }));

        error.Message.ShouldContain("pubsub/orders has 2 default routes");
        error.Message.ShouldContain("WithTopic on POST /orders/a");
        error.Message.ShouldContain("[Topic] on Handlers.OnOrder (POST /orders/b)");
        error.Message.ShouldContain("Match rule");
    }

    [Fact]
    public async Task OneRule_RoutedToTwoHandlers_StopsTheCell()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/paid", () => TopicResults.Success()).WithTopic(Rule("event.type == \"paid\"", 1));
            app.MapPost("/paid-too", () => TopicResults.Success()).WithTopic(Rule("event.type == \"paid\"", 2));
        }));

        error.Message.ShouldContain("routes the rule 'event.type == \"paid\"' to more than one handler");
        error.Message.ShouldContain("WithTopic on POST /paid [match 'event.type == \"paid\"', priority 1]");
        error.Message.ShouldContain("WithTopic on POST /paid-too [match 'event.type == \"paid\"', priority 2]");
    }

    [Fact]
    public async Task TwoRules_OfEqualPriority_StopTheCell()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/paid", () => TopicResults.Success()).WithTopic(Rule("event.type == \"paid\"", 1));
            app.MapPost("/failed", Handlers.OnFailed);
        }));

        error.Message.ShouldContain("pubsub/payments has rules of equal priority 1");
        error.Message.ShouldContain("WithTopic on POST /paid");
        error.Message.ShouldContain("[Topic] on Handlers.OnFailed (POST /failed)");
    }

    [Fact]
    public async Task DifferentDeadLetterTopics_StopTheCell_AndADeclarationWithoutOneCountsAsDifferent()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/paid", () => TopicResults.Success()).WithTopic(Rule("event.type == \"paid\"", 1, deadLetterTopic: "dead"));
            app.MapPost("/failed", () => TopicResults.Success()).WithTopic(Rule("event.type == \"failed\"", 2, deadLetterTopic: "dead-too"));
            app.MapPost("/other", () => TopicResults.Success()).WithTopic("pubsub", "payments");
        }));

        error.Message.ShouldContain("pubsub/payments is declared with different dead-letter topics");
        error.Message.ShouldContain("WithTopic on POST /paid [match 'event.type == \"paid\"', priority 1]: dead,");
        error.Message.ShouldContain("priority 2]: dead-too");
        error.Message.ShouldContain("WithTopic on POST /other: none");
    }

    [Fact]
    public async Task RawAndCloudEventDeclarations_OfOneTopic_StopTheCell()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/raw", () => TopicResults.Success()).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "feed", Match = "event.a", Priority = 1, EnableRawPayload = true });
            app.MapPost("/enveloped", () => TopicResults.Success()).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "feed", Match = "event.b", Priority = 2 });
        }));

        error.Message.ShouldContain("pubsub/feed is declared both with and without raw payloads");
        error.Message.ShouldContain("/raw [match 'event.a', priority 1]: raw");
        error.Message.ShouldContain("/enveloped [match 'event.b', priority 2]: CloudEvent");
    }

    [Fact]
    public async Task ASubscriberWithRouteParameters_OrWithoutPost_StopsTheCell_AndEveryProblemIsListed()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestCell.StartAsync(map: app =>
        {
            app.MapPost("/orders/{id}", (string id) => TopicResults.Success()).WithTopic("pubsub", "orders");
            app.MapGet("/shipments", () => TopicResults.Success()).WithTopic("pubsub", "shipments");
        }));

        error.Message.ShouldContain("(1) WithTopic on POST /orders/{id} has route parameters");
        error.Message.ShouldContain("(2) WithTopic on GET /shipments does not accept POST");
    }

    [Fact]
    public async Task TheSameDeclarationTwice_AndDistinctRulesWithADefault_Start()
    {
        await using var cell = await TestCell.StartAsync(map: app =>
        {
            // A [Topic] and the identical WithTopic on one handler are one route, not a conflict.
            app.MapPost("/orders/b", Handlers.OnOrder).WithTopic("pubsub", "orders");
            app.MapPost("/paid", () => TopicResults.Success()).WithTopic(Rule("event.type == \"paid\"", 2));
            app.MapPost("/failed", Handlers.OnFailed);
            // The same topic name on another pub/sub is another subscription.
            app.MapPost("/orders/other", () => TopicResults.Success()).WithTopic("other", "orders");
        });

        var json = JsonDocument.Parse(await cell.Client.GetStringAsync("/dapr/subscribe", Ct)).RootElement;

        json.EnumerateArray().Select(s => $"{s.GetProperty("pubsubName").GetString()}/{s.GetProperty("topic").GetString()}")
            .ShouldBe(["other/orders", "pubsub/orders", "pubsub/payments"], ignoreOrder: true);
    }

    private static TopicOptions Rule(string match, int priority, string? deadLetterTopic = null) =>
        new() { PubsubName = "pubsub", Name = "payments", Match = match, Priority = priority, DeadLetterTopic = deadLetterTopic };

    private static class Handlers
    {
        [Topic("pubsub", "orders")]
        public static Ok<TopicResponse> OnOrder() => TopicResults.Success();

        [Topic("pubsub", "payments", "event.type == \"failed\"", 1)]
        public static Ok<TopicResponse> OnFailed() => TopicResults.Success();
    }
}
