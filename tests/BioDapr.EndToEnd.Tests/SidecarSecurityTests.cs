using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// The organism with its own components and Configurations: a cell whose sidecar is misused (a compromised
/// or buggy cell) cannot forge another cell's events, call what it has no business calling, or read
/// another cell's secrets; and nothing but the run's sidecars gets onto the internal channel.
/// </summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task AForgedPaymentFailed_FromAnotherCellsSidecar_IsRefused_AndTheConfirmedOrderStaysConfirmed()
    {
        using var http = new HttpClient();
        using var placed = await ThroughGatewayAsync(http, "e2e-shop-key", quantity: 1, sku: "pear");
        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        var orderId = JsonDocument.Parse(await placed.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("orderId").GetString()!;
        await Eventually.ReturnsAsync(() => StatusAsync(http, orderId), status => status == "confirmed", TimeSpan.FromSeconds(30), "the order is paid and confirmed");

        // The notifications cell's sidecar, as a compromised notifications cell would use it.
        var forged = new StringContent(
            $$$"""{"specversion":"1.0","id":"forged-1","source":"payments","type":"biodapr.payments.failed.v1","datacontenttype":"application/json","data":{"orderId":"{{{orderId}}}","reason":"forged","decidedAt":"2026-01-01T00:00:00Z"}}""",
            Encoding.UTF8,
            "application/cloudevents+json");
        using var response = await http.PostAsync($"http://127.0.0.1:{organism.SidecarHttpPort("notifications")}/v1.0/publish/pubsub/payments", forged, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errorCode").GetString().ShouldBe("ERR_PUBSUB_FORBIDDEN");
        (await StatusAsync(http, orderId)).ShouldBe("confirmed");
    }

    [Fact]
    public async Task ACellsSidecar_MayInvokeOnlyWhatThatCellCalls_AndReadOnlyItsOwnSecrets()
    {
        using var http = new HttpClient();

        // payments never calls orders: its sidecar is refused by orders' access control.
        using var invoke = await http.PostAsync(
            $"http://127.0.0.1:{organism.SidecarHttpPort("payments")}/v1.0/invoke/orders/method/orders",
            new StringContent("""{"customerId":"x","sku":"apple","quantity":1}""", Encoding.UTF8, "application/json"),
            Ct);
        invoke.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await invoke.Content.ReadAsStringAsync(Ct)).ShouldContain("access control policy has denied access to id: spiffe://public/ns/default/payments");

        // orders may not read the gateway's client keys.
        using var secret = await http.GetAsync($"http://127.0.0.1:{organism.SidecarHttpPort("orders")}/v1.0/secrets/secretstore/gateway-api-keys", Ct);
        secret.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await secret.Content.ReadAsStringAsync(Ct)).ShouldNotContain("e2e-shop-key");
    }

    [Fact]
    public async Task TheInternalPort_RefusesAnythingThatIsNotASidecarOfTheRun()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{organism.SidecarInternalPort("orders")}/invoke/orders")
        {
            Content = new StringContent("""{"customerId":"x","sku":"apple","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("dapr-caller-app-id", "gateway");
        request.Headers.Add("X-Api-Key", "e2e-key");

        using var response = await http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
