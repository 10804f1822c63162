using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Cell.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace BioDapr.Cell.Tests;

public sealed class EventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Order(int Id, decimal Total);

    [Fact]
    public async Task DaprSubscribe_ListsTopicsWithRulesByPriorityDefaultAndDeadLetter()
    {
        await using var cell = await TestCell.StartAsync(map: app =>
        {
            app.MapPost("/orders/small", () => TopicResults.Success()).WithTopic("pubsub", "orders", t => t.DeadLetterTopic = "orders-dead");
            app.MapPost("/orders/big", () => TopicResults.Success()).WithTopic("pubsub", "orders", t => { t.Match = "event.data.total > 100"; t.Priority = 2; });
            app.MapPost("/orders/vip", () => TopicResults.Success()).WithTopic("pubsub", "orders", t => { t.Match = "event.data.vip"; t.Priority = 1; });
            app.MapPost("/raw", () => TopicResults.Success()).WithTopic("pubsub", "raw", t => t.Metadata["rawPayload"] = "true");
        });

        var json = JsonDocument.Parse(await cell.Client.GetStringAsync("/dapr/subscribe", Ct)).RootElement;

        var orders = json.EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "orders");
        orders.GetProperty("pubsubname").GetString().ShouldBe("pubsub");
        orders.GetProperty("routes").GetProperty("default").GetString().ShouldBe("/orders/small");
        orders.GetProperty("routes").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("path").GetString()).ShouldBe(["/orders/vip", "/orders/big"]);
        orders.GetProperty("deadLetterTopic").GetString().ShouldBe("orders-dead");
        var raw = json.EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "raw");
        raw.GetProperty("metadata").GetProperty("rawPayload").GetString().ShouldBe("true");
    }

    [Fact]
    public void Catalog_TwoDefaultsForOneTopic_IsAnErrorNamingThem()
    {
        var builder = WebApplication.CreateBuilder();
        var app = builder.Build();
        app.MapPost("/a", () => "a").WithTopic("pubsub", "t");
        app.MapPost("/b", () => "b").WithTopic("pubsub", "t");
        var catalog = new SubscriptionCatalog(((IEndpointRouteBuilder)app).DataSources.First());

        var error = Should.Throw<InvalidOperationException>(() => catalog.Build());

        error.Message.ShouldContain("pubsub/t has several default routes (/a, /b)");
    }

    [Fact]
    public async Task CloudEvent_JsonData_BindsToTheRecord()
    {
        Order? received = null;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (CloudEvent<Order> e) =>
        {
            received = e.Data;
            return TopicResults.Success();
        }).WithTopic("pubsub", "orders"));

        var response = await Deliver(cell, """{"id":"1","source":"shop","type":"t","specversion":"1.0","datacontenttype":"application/json","data":{"id":7,"total":12.5}}""");

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"SUCCESS"}""");
        received.ShouldBe(new Order(7, 12.5m));
    }

    [Fact]
    public async Task CloudEvent_DataBase64_And_TextData_AreUnderstood()
    {
        var seen = new List<string?>();
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/in", (CloudEvent<string> e) =>
        {
            seen.Add(e.Data);
            return TopicResults.Success();
        }).WithTopic("pubsub", "in"));

        await Deliver(cell, "/in", $$"""{"id":"1","datacontenttype":"application/octet-stream","data_base64":"{{Convert.ToBase64String("binary"u8.ToArray())}}"}""");
        await Deliver(cell, "/in", """{"id":"2","datacontenttype":"text/plain","data":"plain text"}""");

        seen.ShouldBe(["binary", "plain text"]);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"id":"x","data":{"id":"not a number"}}""")]
    [InlineData("""{"id":"x","data_base64":"***"}""")]
    public async Task CloudEvent_Malformed_IsAnsweredDropWithoutCallingTheHandler(string body)
    {
        var called = false;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (CloudEvent<Order> e) =>
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
    public async Task AllowedSources_AnEventFromAnyoneElse_IsDroppedWithoutCallingTheHandler(string source, string status, bool handled)
    {
        var called = false;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/orders", (CloudEvent<Order> e) =>
        {
            called = true;
            return TopicResults.Success();
        }).WithTopic("pubsub", "payments", t => t.AllowedSources.Add("payments")));

        var response = await Deliver(cell, $$$"""{"id":"e1","source":"{{{source}}}","type":"t","specversion":"1.0","data":{"id":1,"total":2}}""");

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe($$"""{"status":"{{status}}"}""");
        called.ShouldBe(handled);
    }

    [Fact]
    public async Task RawPayload_BodyIsTheData()
    {
        Order? received = null;
        await using var cell = await TestCell.StartAsync(map: app => app.MapPost("/raw", (CloudEvent<Order> e) =>
        {
            received = e.Data;
            return TopicResults.Success();
        }).WithTopic("pubsub", "raw", t => t.Metadata["rawPayload"] = "true"));

        using var content = new StringContent("""{"id":3,"total":1}""", Encoding.UTF8, "application/json");
        await cell.Client.PostAsync("/raw", content, Ct);

        received.ShouldBe(new Order(3, 1));
    }

    private static Task<HttpResponseMessage> Deliver(TestCell cell, string body) => Deliver(cell, "/orders", body);

    private static async Task<HttpResponseMessage> Deliver(TestCell cell, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json");
        return await cell.Client.PostAsync(path, content, Ct);
    }
}
