using System.Globalization;
using System.Text.Json;
using BioDapr.Redis;

namespace BioDapr.Chaos.Audit;

/// <summary>
/// What the organism stored, read straight from Redis in the Dapr state store's layout (a hash per key
/// <c>{appId}||{key}</c> with the JSON value in its <c>data</c> field) and the payments topic's stream.
/// </summary>
public sealed class StoredOrganism
{
    /// <summary>Every order record (state key <c>order-{id}</c> of orders), by order id.</summary>
    public Dictionary<string, StoredOrder> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>Every order record's stored JSON, by order id (for the audit's diagnosis of a stuck order).</summary>
    public Dictionary<string, string> OrderJson { get; } = new(StringComparer.Ordinal);

    /// <summary>Orders' journal (state keys <c>journal-{n}</c>): the slot key → the JSON of the attempt it holds.</summary>
    public Dictionary<string, string> Journal { get; } = new(StringComparer.Ordinal);

    /// <summary>Payment decisions (state key <c>payment-{orderId}</c> of payments): order id → payment id (null: refused).</summary>
    public Dictionary<string, string?> Decisions { get; } = new(StringComparer.Ordinal);

    /// <summary>Distinct payment outcomes published per order (<c>captured:{paymentId}</c> or <c>failed</c>) on the payments topic.</summary>
    public Dictionary<string, HashSet<string>> PublishedPayments { get; } = new(StringComparer.Ordinal);

    /// <summary>Units held by reservations (state key <c>reservation-{orderId}</c> of inventory), by order id.</summary>
    public Dictionary<string, (string Sku, int Quantity)> HeldReservations { get; } = new(StringComparer.Ordinal);

    /// <summary>Stock per SKU asked for: (available, reserved); absent when never written (then all is available).</summary>
    public Dictionary<string, (int Available, int Reserved)> Stock { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads everything the audit needs.</summary>
    public static async Task<StoredOrganism> ReadAsync(int redisPort, IEnumerable<string> skus, CancellationToken cancellationToken)
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = redisPort }, cancellationToken);
        var stored = new StoredOrganism();
        foreach (var (key, json) in await ReadStateAsync(redis, "orders||order-*", cancellationToken))
        {
            var order = json.RootElement;
            if (order.ValueKind != JsonValueKind.Object || !order.TryGetProperty("orderId", out var id))
            {
                continue;
            }

            stored.OrderJson[id.GetString()!] = order.GetRawText();
            stored.Orders[id.GetString()!] = new StoredOrder(
                id.GetString()!,
                order.GetProperty("client").GetString() ?? string.Empty,
                order.GetProperty("idempotencyKey").GetString() ?? string.Empty,
                order.GetProperty("sku").GetString() ?? string.Empty,
                order.GetProperty("quantity").GetInt32(),
                order.GetProperty("status").GetString() ?? string.Empty,
                order.GetProperty("createdAt").GetDateTimeOffset(),
                order.GetProperty("changedAt").GetDateTimeOffset());
        }

        foreach (var (key, json) in await ReadStateAsync(redis, "orders||journal-*", cancellationToken))
        {
            stored.Journal[key["orders||".Length..]] = json.RootElement.GetRawText();
        }

        foreach (var (key, json) in await ReadStateAsync(redis, "payments||payment-*", cancellationToken))
        {
            var decision = json.RootElement;
            stored.Decisions[key["payments||payment-".Length..]] = decision.TryGetProperty("paymentId", out var paymentId) && paymentId.ValueKind == JsonValueKind.String ? paymentId.GetString() : null;
        }

        // A reservation record with a change under way (inventory's ledger: "reserving" / "releasing") holds its units
        // when the stock's decision on that change says so: a reservation once decided applied, a release until then.
        var pending = new List<(string OrderId, string Sku, int Quantity, string State, string Change)>();
        foreach (var (key, json) in await ReadStateAsync(redis, "inventory||reservation-*", cancellationToken))
        {
            var reservation = json.RootElement;
            var state = reservation.GetProperty("state").GetString();
            if (reservation.GetProperty("sku").GetString() is not { } sku)
            {
                continue;
            }

            var orderId = key["inventory||reservation-".Length..];
            if (state == "held")
            {
                stored.HeldReservations[orderId] = (sku, reservation.GetProperty("quantity").GetInt32());
            }
            else if (state is "reserving" or "releasing" && reservation.TryGetProperty("change", out var change))
            {
                pending.Add((orderId, sku, reservation.GetProperty("quantity").GetInt32(), state, change.GetProperty("id").GetString()!));
            }
        }

        var decisions = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var sku in skus)
        {
            if ((await redis.ExecuteAsync("HGET", ["inventory||stock-" + sku, "data"], cancellationToken)).AsString() is { } data)
            {
                using var stock = JsonDocument.Parse(data);
                stored.Stock[sku] = (stock.RootElement.GetProperty("available").GetInt32(), stock.RootElement.GetProperty("reserved").GetInt32());
                if (stock.RootElement.TryGetProperty("decisions", out var made))
                {
                    foreach (var decision in made.EnumerateObject())
                    {
                        decisions[decision.Name] = decision.Value.GetProperty("applied").GetBoolean();
                    }
                }
            }
        }

        foreach (var (orderId, sku, quantity, state, change) in pending)
        {
            var decided = decisions.TryGetValue(change, out var applied);
            if (state == "reserving" ? decided && applied : !decided)
            {
                stored.HeldReservations[orderId] = (sku, quantity);
            }
        }

        await ReadPaymentEventsAsync(redis, stored, cancellationToken);
        return stored;
    }

    private static async Task<List<(string Key, JsonDocument Json)>> ReadStateAsync(RedisConnection redis, string pattern, CancellationToken cancellationToken)
    {
        var keys = (await redis.ExecuteAsync("KEYS", [pattern], cancellationToken)).Items.Select(k => k.AsString()!).ToList();
        var values = new List<(string, JsonDocument)>(keys.Count);
        foreach (var key in keys)
        {
            if ((await redis.ExecuteAsync("HGET", [key, "data"], cancellationToken)).AsString() is { } data)
            {
                values.Add((key, JsonDocument.Parse(data)));
            }
        }

        return values;
    }

    // Every PaymentCaptured / PaymentFailed on the payments stream, read in pages.
    private static async Task ReadPaymentEventsAsync(RedisConnection redis, StoredOrganism stored, CancellationToken cancellationToken)
    {
        var from = "-";
        while (true)
        {
            var page = await redis.ExecuteAsync("XRANGE", ["payments", from, "+", "COUNT", "1000"], cancellationToken);
            if (page.IsNull || page.Items.Count == 0)
            {
                return;
            }

            foreach (var entry in page.Items)
            {
                var fields = entry.Items[1].Items;
                for (var i = 0; i + 1 < fields.Count; i += 2)
                {
                    if (fields[i].AsString() == "data" && fields[i + 1].AsString() is { } data)
                    {
                        Record(stored, data);
                    }
                }
            }

            var last = page.Items[^1].Items[0].AsString()!;
            var dash = last.IndexOf('-', StringComparison.Ordinal);
            from = last[..dash] + "-" + (long.Parse(last[(dash + 1)..], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void Record(StoredOrganism stored, string cloudEvent)
    {
        try
        {
            using var json = JsonDocument.Parse(cloudEvent);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("orderId", out var orderId) || orderId.GetString() is not { } id)
            {
                return;
            }

            var outcome = root.TryGetProperty("type", out var type) && type.GetString() == "biodapr.payments.captured.v1"
                ? "captured:" + (data.TryGetProperty("paymentId", out var paymentId) ? paymentId.GetString() : null)
                : "failed";
            if (!stored.PublishedPayments.TryGetValue(id, out var outcomes))
            {
                stored.PublishedPayments[id] = outcomes = new HashSet<string>(StringComparer.Ordinal);
            }

            outcomes.Add(outcome);
        }
        catch (JsonException)
        {
            // Not a CloudEvent of ours.
        }
    }
}

/// <summary>An order record as orders stored it.</summary>
/// <param name="OrderId">The order id.</param>
/// <param name="Client">The client that placed it.</param>
/// <param name="IdempotencyKey">Its key.</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
/// <param name="Status">pending, placed, confirmed, shipped, cancelled, refused or aborted.</param>
/// <param name="CreatedAt">When it was first claimed.</param>
/// <param name="ChangedAt">When its status last changed.</param>
public sealed record StoredOrder(string OrderId, string Client, string IdempotencyKey, string Sku, int Quantity, string Status, DateTimeOffset CreatedAt, DateTimeOffset ChangedAt)
{
    /// <summary>Accepted (201 answered): placed, confirmed, shipped or cancelled.</summary>
    public bool IsAccepted => Status is "placed" or "confirmed" or "shipped" or "cancelled";

    /// <summary>Confirmed (or already shipped, when the shipping cell runs) or cancelled: settled.</summary>
    public bool IsTerminal => Status is "confirmed" or "shipped" or "cancelled";

    /// <summary>Paid: confirmed, or confirmed and shipped.</summary>
    public bool IsPaid => Status is "confirmed" or "shipped";

    /// <summary>Its stock is held (placed, confirmed or shipped; a cancelled order's went back).</summary>
    public bool HoldsStock => Status is "placed" or "confirmed" or "shipped";
}
