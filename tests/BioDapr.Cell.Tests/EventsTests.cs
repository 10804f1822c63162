using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Cell.Events;
using Dapr;
using Microsoft.AspNetCore.Builder;

namespace BioDapr.Cell.Tests;

/// <summary>Subscriptions through Dapr.AspNetCore (WithTopic, MapSubscribeHandler, UseCloudEvents) and what the cell adds.</summary>
public sealed class EventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Order(int Id, decimal Total);

    [Fact]
    public async Task DaprSubscribe_ListsTopicsWithRulesByPriorityDefaultAndDeadLetter()
    {
        await using var cell = await TestCell.StartAsync(map: app =>
        {
            app.MapPost("/orders/small", () => TopicResults.Success()).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", DeadLetterTopic = "orders-dead" });
            app.MapPost("/orders/big", () => TopicResults.Success()).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", Match = "event.data.total > 100", Priority = 2, DeadLetterTopic = "orders-dead" });
            app.MapPost("/orders/vip", () => TopicResults.Success()).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", Match = "event.data.vip", Priority = 1, DeadLetterTopic = "orders-dead" });
            app.MapPost("/raw", () => TopicResults.Success()).WithTopic("pubsub", "raw", enableRawPayload: true);
        });

        var json = JsonDocument.Parse(await cell.Client.GetStringAsync("/dapr/subscribe", Ct)).RootElement;

        var orders = json.EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "orders");
        orders.GetProperty("pubsubName").GetString().ShouldBe("pubsub");
        orders.GetProperty("routes").GetProperty("default").GetString().ShouldBe("orders/small");
        orders.GetProperty("routes").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("path").GetString()).ShouldBe(["orders/vip", "orders/big"]);
        orders.GetProperty("deadLetterTopic").GetString().ShouldBe("orders-dead");
        var raw = json.EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "raw");
        raw.GetProperty("metadata").GetProperty("rawPayload").GetString().ShouldBe("true");
    }

    [Fact]
    public async Task CloudEvent_JsonData_BindsToTheRecord_AndTheAttributesComeWithIt()
    {
        Order? received = null;
        CloudEventAttributes? attributes = null;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order, CloudEventAttributes cloudEvent) =>
        {
            received = order;
            attributes = cloudEvent;
            return TopicResults.Success();
        }).WithTopic("pubsub", "orders"));

        var response = await Deliver(cell, """{"id":"e-1","source":"shop","type":"t.v1","specversion":"1.0","datacontenttype":"application/json","data":{"id":7,"total":12.5}}""");

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"SUCCESS"}""");
        received.ShouldBe(new Order(7, 12.5m));
        attributes.ShouldBe(new CloudEventAttributes("e-1", "shop", "t.v1", null));
    }

    [Fact]
    public async Task CloudEvent_DataBase64_IsTheBody()
    {
        Order? received = null;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order) =>
        {
            received = order;
            return TopicResults.Success();
        }).WithTopic("pubsub", "orders"));

        await Deliver(cell, $$"""{"id":"1","source":"shop","datacontenttype":"application/json","data_base64":"{{Convert.ToBase64String("""{"id":3,"total":4}"""u8.ToArray())}}"}""");

        received.ShouldBe(new Order(3, 4));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"id":"x","data":{"id":"not a number"}}""")]
    [InlineData("""{"id":"x","data_base64":"***"}""")]
    [InlineData("""{"id":"x","data":{"id":1},"data_base64":"e30="}""")]
    [InlineData("""{"id":"x"}""")]
    [InlineData("""{"id":"x","datacontenttype":"text/plain","data":"hello"}""")]
    public async Task CloudEvent_Unreadable_IsAnsweredDropWithoutCallingTheHandler(string body)
    {
        var called = false;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order) =>
        {
            called = true;
            return TopicResults.Success();
        }).WithTopic("pubsub", "orders"));

        var response = await Deliver(cell, body);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"DROP"}""");
        called.ShouldBeFalse();
    }

    [Fact]
    public async Task UnreadableBody_OnAnEndpointThatIsNotASubscriber_Is400ProblemDetails()
    {
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order) => TypedResultsOk(order)));

        var response = await Deliver(cell, "[1,2]");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Replies_AreUpperCaseStatuses()
    {
        await using var cell = await TestCell.StartAsync(map: app =>
        {
            app.MapPost("/retry", () => TopicResults.Retry()).WithTopic("pubsub", "r");
            app.MapPost("/drop", () => TopicResults.Drop()).WithTopic("pubsub", "d");
        });

        (await (await Deliver(cell, "/retry", "{}")).Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"RETRY"}""");
        (await (await Deliver(cell, "/drop", "{}")).Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"DROP"}""");
    }

    [Theory]
    [InlineData("payments", "SUCCESS", true)]
    [InlineData("inventory", "DROP", false)]
    [InlineData("", "DROP", false)]
    public async Task AcceptFrom_AnEventFromAnyoneElse_IsDroppedWithoutCallingTheHandler(string source, string status, bool handled)
    {
        var called = false;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order) =>
        {
            called = true;
            return TopicResults.Success();
        }).WithTopic("pubsub", "payments").AcceptFrom("payments"));

        var response = await Deliver(cell, $$$"""{"id":"e1","source":"{{{source}}}","type":"t","specversion":"1.0","data":{"id":1,"total":2}}""");

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe($$"""{"status":"{{status}}"}""");
        called.ShouldBe(handled);
    }

    [Fact]
    public async Task AcceptFrom_ASourceHeaderSentWithTheRequest_CannotOverrideTheEnvelope()
    {
        var called = false;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (Order order) =>
        {
            called = true;
            return TopicResults.Success();
        }).WithTopic("pubsub", "payments").AcceptFrom("payments"));

        using var content = new StringContent("""{"id":"e1","source":"intruder","type":"t","specversion":"1.0","data":{"id":1,"total":2}}""", Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = content };
        request.Headers.TryAddWithoutValidation("Cloudevent.source", "payments");
        var response = await cell.Client.SendAsync(request, Ct);

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"DROP"}""");
        called.ShouldBeFalse();
    }

    [Fact]
    public async Task RawPayload_BodyIsTheData()
    {
        Order? received = null;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/raw", (Order order) =>
        {
            received = order;
            return TopicResults.Success();
        }).WithTopic("pubsub", "raw", enableRawPayload: true));

        using var content = new StringContent("""{"id":3,"total":1}""", Encoding.UTF8, "application/json");
        await cell.Client.PostAsync("/raw", content, Ct);

        received.ShouldBe(new Order(3, 1));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<Order> TypedResultsOk(Order order) => Microsoft.AspNetCore.Http.TypedResults.Ok(order);

    private static Task<HttpResponseMessage> Deliver(TestCell cell, string body) => Deliver(cell, "/orders", body);

    private static async Task<HttpResponseMessage> Deliver(TestCell cell, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json");
        return await cell.Client.PostAsync(path, content, Ct);
    }
}
