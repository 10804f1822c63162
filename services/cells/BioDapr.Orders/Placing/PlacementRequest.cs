using System.Security.Cryptography;
using System.Text;
using BioDapr.Orders.Apis;

namespace BioDapr.Orders.Placing;

/// <summary>
/// One request to place an order, with what the gateway tells orders about it: the client, its Idempotency-Key,
/// the request's id (to fence it once its caller gave up) and the moment its caller gives up.
/// </summary>
/// <param name="Order">The body.</param>
/// <param name="Client">The client (the gateway's X-Client-Id).</param>
/// <param name="IdempotencyKey">The key.</param>
/// <param name="RequestId">The gateway request (X-Request-Id).</param>
/// <param name="DeadlineUnixMs">When the caller gives up (X-Request-Deadline).</param>
public sealed record PlacementRequest(PlaceOrder Order, string Client, string IdempotencyKey, string RequestId, long DeadlineUnixMs)
{
    /// <summary>The order id: the same for every request of a client with the same key.</summary>
    public string OrderId => OrderIdOf(Client, IdempotencyKey);

    /// <summary>A hash of the body: the same key with another body is refused.</summary>
    public string Fingerprint => Hash($"{Order.CustomerId}\n{Order.Sku}\n{Order.Quantity}");

    /// <summary>The order id of <paramref name="client"/>'s key <paramref name="idempotencyKey"/>.</summary>
    public static string OrderIdOf(string client, string idempotencyKey) => Hash($"{client}\n{idempotencyKey}")[..32];

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
