using System.Net;
using System.Text.Json;
using BioDapr.Redis;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>A cell or a sidecar killed mid-traffic is restarted by the runner, and no order is left behind.</summary>
public sealed partial class OrganismTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PaymentsKilledDuringOrders_IsRestarted_AndEveryOrderIsDecided(bool sidecar)
    {
        using var http = new HttpClient();
        var orders = new List<string>();
        var sku = "restart-" + (sidecar ? "sidecar" : "app");
        // The organism may be fresh (cold start is not what this test is about): one order through first.
        await Eventually.ReturnsAsync(
            async () => (await ThroughGatewayAsync(http, "e2e-shop-key", quantity: 1, sku: sku)).StatusCode,
            status => status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(60),
            "the organism takes orders");
        var victim = organism.ProcessOf("payments", sidecar);

        for (var i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                Organism.Kill(victim).ShouldBeTrue();
            }

            // A restarting process takes CPU from the cells beside it, and on a small machine the gateway may answer
            // 503 (nothing ordered) meanwhile: the order is sent again with its key, as clients are told to.
            using var placed = await AcceptedAsync(http, quantity: 1, sku: sku);
            placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
            orders.Add(JsonDocument.Parse(await placed.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("orderId").GetString()!);
        }

        await Eventually.TrueAsync(
            () => organism.Output.Contains($"Restarting the {(sidecar ? "sidecar" : "app")} of payments", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20),
            "the runner says it restarts payments");
        await Eventually.TrueAsync(
            () => organism.Output.Contains("App payments and its sidecar are ready again", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "payments comes back");
        foreach (var orderId in orders)
        {
            await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), status => status is "confirmed" or "cancelled", TimeSpan.FromSeconds(90), $"order {orderId} is decided after the restart");
        }

        organism.ProcessOf("payments", sidecar).ShouldNotBe(victim);
    }

    [Fact]
    public async Task OrdersSidecarKilled_IsRestarted_AndAHormoneChangedAfterwards_ReachesOrders()
    {
        using var http = new HttpClient();
        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = organism.Redis }, Ct);
        await Eventually.ReturnsAsync(
            async () => (await ThroughGatewayAsync(http, Organism.ShopApiKey, quantity: 2, sku: "fig")).StatusCode,
            status => status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(60),
            "the organism takes orders");
        var victim = organism.ProcessOf("orders", sidecar: true);

        // kill -9 the sidecar that carries orders' configuration stream: the stream breaks, and orders must
        // subscribe again to the restarted sidecar by itself.
        Organism.Kill(victim).ShouldBeTrue();
        await Eventually.TrueAsync(
            () => organism.Output.Contains("App orders and its sidecar are ready again", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "the runner restarts orders' sidecar");
        await redis.ExecuteAsync("SET", ["orders.maxQuantity", "1||after-restart"], Ct);

        try
        {
            await Eventually.ReturnsAsync(
                async () => (await ThroughGatewayAsync(http, Organism.ShopApiKey, quantity: 2, sku: "fig")).StatusCode,
                status => status == HttpStatusCode.BadRequest,
                TimeSpan.FromSeconds(30),
                "orders refuses 2 items once orders.maxQuantity is 1, written after its sidecar came back");
        }
        finally
        {
            await redis.ExecuteAsync("DEL", ["orders.maxQuantity"], Ct);
        }

        await Eventually.ReturnsAsync(
            async () => (await ThroughGatewayAsync(http, Organism.ShopApiKey, quantity: 2, sku: "fig")).StatusCode,
            status => status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(30),
            "the default comes back when the key is deleted");
        organism.ProcessOf("orders", sidecar: true).ShouldNotBe(victim);
    }
}
