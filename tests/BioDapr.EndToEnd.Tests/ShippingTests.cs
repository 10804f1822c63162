using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BioDapr.Testing;
using StackExchange.Redis;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// The shipping cell takes part in the organism like a C# cell: an order placed through the gateway is shipped
/// (ShipmentDispatched), the customer told and the order shipped at orders; a redelivered OrderConfirmed never ships
/// twice; its hormones (configuration API subscription) switch its pathogens live; it publishes vitals; its callbacks
/// need the sidecar's APP_API_TOKEN.
/// </summary>
/// <remarks>The organism (with the shipping cell, on the official Dapr JS SDK) is the tracing tests' (<see cref="TracedOrganism"/>).</remarks>
[Collection(TracedOrganismCollectionDefinition.Name)]
public sealed partial class ShippingTests(TracedOrganism shipping, Chromium chromium)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Organism Organism => shipping.Organism;

    [Fact]
    public async Task AnOrderThroughTheGateway_IsShipped_TheCustomerToldAndOrdersShowsShipped_AndShippingPublishesVitals()
    {
        using var http = new HttpClient();
        var orderId = await PlaceAsync(http, "plum");

        var status = await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), s => s?.GetProperty("status").GetString() == "shipped", TimeSpan.FromSeconds(60), "orders records the shipment");
        var shipment = status!.Value.GetProperty("shipment");
        shipment.GetProperty("shipmentId").GetString().ShouldBe("shp-" + orderId);
        shipment.GetProperty("carrier").GetString().ShouldBeOneOf("express", "standard", "economy");
        status.Value.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty(); // still the payment id
        var notices = await Eventually.ReturnsAsync(() => NotificationsAsync(http, orderId), n => n.Any(t => t.Contains("is shipped with", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "notifications tells the customer");
        notices.ShouldContain(t => t.Contains($"shipment shp-{orderId}", StringComparison.Ordinal));

        await using var connection = await RedisServer.ConnectAsync(Organism.Redis);
        var redis = connection.GetDatabase();
        (await ShipmentEventsAsync(redis, orderId)).ShouldBe(1);
        await Eventually.ReturnsAsync(
            async () => (await redis.StreamRangeAsync("vitals", "-", "+", count: 2000)).Any(e => e.Values.Any(v => ((string?)v.Value ?? string.Empty).Contains("\"cell\":\"shipping\"", StringComparison.Ordinal))),
            seen => seen,
            TimeSpan.FromSeconds(20),
            "shipping publishes its vitals on the vitals topic");
    }

    [Fact]
    public async Task ARedeliveredOrderConfirmed_DoesNotShipTwice_EvenAfterACrashBetweenPublishingAndItsMarker()
    {
        using var http = new HttpClient();
        var orderId = await PlaceAsync(http, "pear");
        await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), s => s?.GetProperty("status").GetString() == "shipped", TimeSpan.FromSeconds(60), "the order is shipped");
        await using var connection = await RedisServer.ConnectAsync(Organism.Redis);
        var redis = connection.GetDatabase();
        var first = (string?)await redis.HashGetAsync("shipping||shipment-" + orderId, "data");
        first.ShouldNotBeNull();

        // The same OrderConfirmed again, as orders' sidecar redelivers it (same CloudEvent id).
        var confirmedAt = DateTimeOffset.UtcNow.AddHours(-7).ToString("O");
        await RepublishConfirmedAsync(http, orderId, confirmedAt);
        await Eventually.ReturnsAsync(() => Task.FromResult(Organism.Output), o => o.Contains("redelivery ignored", StringComparison.Ordinal) && o.Contains(orderId + "/confirmed", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "shipping saw the redelivery");

        // A crash after publishing but before the "published" marker: the redelivery publishes the same event again.
        (await redis.KeyDeleteAsync("shipping||shipment-published-" + orderId)).ShouldBeTrue();
        await RepublishConfirmedAsync(http, orderId, confirmedAt);
        await Eventually.ReturnsAsync(() => ShipmentEventsAsync(redis, orderId), n => n == 2, TimeSpan.FromSeconds(30), "shipping announces the stored shipment again");
        await Eventually.ReturnsAsync(async () => await redis.KeyExistsAsync("shipping||shipment-published-" + orderId), e => e, TimeSpan.FromSeconds(30), "shipping marks it published");

        // One decision (the first), one shipment at orders, one notification.
        ((string?)await redis.HashGetAsync("shipping||shipment-" + orderId, "data")).ShouldBe(first);
        var status = await StatusAsync(http, orderId);
        status!.Value.GetProperty("status").GetString().ShouldBe("shipped");
        status.Value.GetProperty("shipment").GetProperty("shipmentId").GetString().ShouldBe("shp-" + orderId);
        var notices = await NotificationsAsync(http, orderId);
        notices.Count(t => t.Contains("is shipped with", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task AnOrderConfirmedThatBreaksItsContract_IsDropped_AndNothingShips()
    {
        using var http = new HttpClient();
        var orderId = "e2e-bad-" + Guid.NewGuid().ToString("N");
        using var content = new StringContent($$"""{"orderId":"{{orderId}}","customerId":"x","confirmedAt":"not a time"}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"http://127.0.0.1:{Organism.SidecarHttpPort("orders")}/v1.0/publish/pubsub/orders?metadata.cloudevent.type=biodapr.orders.confirmed.v1&metadata.cloudevent.id={orderId}/confirmed", content, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var output = await Eventually.ReturnsAsync(() => Task.FromResult(Organism.Output), o => o.Contains($"{orderId}/confirmed", StringComparison.Ordinal) && o.Contains("breaks its contract", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "shipping drops it, naming what is wrong");
        output.ShouldContain("paymentId");
        await using var connection = await RedisServer.ConnectAsync(Organism.Redis);
        (await connection.GetDatabase().KeyExistsAsync("shipping||shipment-" + orderId)).ShouldBeFalse();
    }

    [Fact]
    public async Task AnOutagePathogen_SetInRedis_HoldsShipmentsBack_UntilItIsCured_AndCallbacksNeedTheSidecarToken()
    {
        using var http = new HttpClient();
        await using var connection = await RedisServer.ConnectAsync(Organism.Redis);
        var redis = connection.GetDatabase();

        // Without the sidecar's APP_API_TOKEN nobody else may deliver events to shipping.
        using var forged = await http.PostAsync($"http://127.0.0.1:{Organism.AppPorts["shipping"]}/events/order-confirmed", new StringContent("{}", Encoding.UTF8, "application/cloudevents+json"), Ct);
        forged.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        await redis.StringSetAsync("shipping.pathogens.outage", "true||e2e");
        try
        {
            await Eventually.ReturnsAsync(() => Task.FromResult(Organism.Output), o => o.Contains("shipping.pathogens.outage", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "shipping applies the hormone live");
            var orderId = await PlaceAsync(http, "kiwi");
            await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), s => s?.GetProperty("status").GetString() == "confirmed", TimeSpan.FromSeconds(60), "the order is confirmed");
            await Eventually.ReturnsAsync(
                async () => (await redis.StreamRangeAsync("vitals", "-", "+", count: 5000)).Any(e => e.Values.Any(v => ((string?)v.Value ?? string.Empty) is var text && text.Contains("\"cell\":\"shipping\"", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(text, "\"serverErrors\":[1-9]"))),
                seen => seen,
                TimeSpan.FromSeconds(20),
                "shipping's vitals show the server errors of the outage");
            (await StatusAsync(http, orderId))!.Value.GetProperty("status").GetString().ShouldBe("confirmed");

            await redis.StringSetAsync("shipping.pathogens.outage", "false||e2e2");
            await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), s => s?.GetProperty("status").GetString() == "shipped", TimeSpan.FromSeconds(60), "the held-back OrderConfirmed is redelivered and shipped once cured");
        }
        finally
        {
            await redis.StringSetAsync("shipping.pathogens.outage", "false||e2e3");
        }
    }

    private async Task<string> PlaceAsync(HttpClient http, string sku)
    {
        var key = "e2e-ship-" + Guid.NewGuid().ToString("N");
        using var placed = await Eventually.ReturnsAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{Organism.GatewayPort}/api/orders") { Content = JsonContent.Create(new { customerId = "e2e-ship", sku, quantity = 1 }) };
                request.Headers.Add("X-Api-Key", Organism.ShopApiKey);
                request.Headers.Add("Idempotency-Key", key);
                return await http.SendAsync(request, Ct);
            },
            response => response.StatusCode != HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(90),
            $"an order of {sku} is answered");
        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        return JsonDocument.Parse(await placed.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("orderId").GetString()!;
    }

    private async Task<JsonElement?> StatusAsync(HttpClient http, string orderId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Organism.GatewayPort}/api/orders/{orderId}");
        request.Headers.Add("X-Api-Key", Organism.ShopApiKey);
        using var response = await http.SendAsync(request, Ct);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone() : null;
    }

    private async Task<string[]> NotificationsAsync(HttpClient http, string orderId) =>
        [.. JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{Organism.NotificationsPort}/notifications", Ct)).RootElement.EnumerateArray()
            .Where(n => n.GetProperty("orderId").GetString() == orderId)
            .Select(n => n.GetProperty("message").GetString()!)];

    // ShipmentDispatched events of an order on the shipments stream.
    private static async Task<int> ShipmentEventsAsync(IDatabase redis, string orderId) =>
        (await redis.StreamRangeAsync("shipments", "-", "+")).Count(e => e.Values.Any(v => ((string?)v.Value ?? string.Empty).Contains($"\"orderId\":\"{orderId}\"", StringComparison.Ordinal)));

    private async Task RepublishConfirmedAsync(HttpClient http, string orderId, string confirmedAt)
    {
        using var content = new StringContent($$"""{"orderId":"{{orderId}}","customerId":"e2e-ship","paymentId":"pay-again","confirmedAt":"{{confirmedAt}}"}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"http://127.0.0.1:{Organism.SidecarHttpPort("orders")}/v1.0/publish/pubsub/orders?metadata.cloudevent.type=biodapr.orders.confirmed.v1&metadata.cloudevent.id={orderId}/confirmed", content, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }
}
