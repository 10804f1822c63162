using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BioDapr.Launcher;
using BioDapr.Testing;
using StackExchange.Redis;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// Three inventory replicas (each with its own sidecar, started by the runner) on one Redis, called through orders'
/// sidecar (a sidecar alone, with orders' identity), which spreads the calls over the replicas round robin.
/// </summary>
public sealed class InventoryReplicas : LocalOrganism, IAsyncLifetime
{
    /// <summary>Scarce and plentiful SKUs for each test.</summary>
    public InventoryReplicas()
    {
        Replicas["inventory"] = 3;
        OnlyApps = new HashSet<string>(["inventory", "orders"], StringComparer.Ordinal);
        SidecarOnly = new HashSet<string>(["orders"], StringComparer.Ordinal);
        ExtraCatalogue["replica-scarce"] = ReplicatedInventoryTests.ScarceStock;
        ExtraCatalogue["replica-plenty"] = 10_000;
        ExtraCatalogue["killed-scarce"] = ReplicatedInventoryTests.ScarceStock;
        ExtraCatalogue["killed-plenty"] = 10_000;
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

/// <summary>
/// Issue 18 item 2: inventory's ledger keeps its promises with several replicas writing the same Redis (a Redis state
/// transaction has no rollback, so the ledger writes one key at a time; see StockLedger). Reservations, their
/// retries and releases of the same orders race over three replicas; afterwards the stored stock is audited: available
/// + reserved = the initial stock, every reserved unit held by exactly one order's record, each order's record as its
/// answers said, and no order answered both 201 and 409. Also with kill -9 of one replica (its cell and its sidecar) in
/// the middle of the race. The interleavings themselves are replayed step by step in BioDapr.Inventory.Tests
/// (StockLedgerRaceTests); this test checks the same promises on real processes and Redis.
/// </summary>
public sealed class ReplicatedInventoryTests(InventoryReplicas organism) : IClassFixture<InventoryReplicas>
{
    /// <summary>
    /// Units of each scarce SKU: fewer than its orders that are never released ask for (29 and 34 with seeds 18 and 19), so
    /// it runs out whatever the timing. With 30, seed 18's race ran out only when released orders still held units at the
    /// right moment: its last assertion (an out-of-stock answer) depended on the interleaving.
    /// </summary>
    public const int ScarceStock = 24;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Order(string Id, string Sku, int Quantity, bool Released);

    [Fact]
    public async Task ThreeReplicas_RacingReservationsRetriesAndReleases_OfTheSameOrdersAndSkus_ConserveStock_AndReserveEachOrderOnce()
    {
        var orders = Orders("replica", seed: 18);
        var answers = await RaceAsync(orders, kill: null);
        await AuditAsync(orders, answers, new Dictionary<string, int> { ["replica-scarce"] = ScarceStock, ["replica-plenty"] = 10_000 });
    }

    [Fact]
    public async Task AReplicaKilledMidRace_LeavesNothingHalfDone_TheOthersCompleteItsChanges()
    {
        var orders = Orders("killed", seed: 19);
        var killed = new List<int>();
        var answers = await RaceAsync(orders, kill: () =>
        {
            // kill -9 of replica 1: its cell and its sidecar, while calls are in flight on it.
            killed.Add(organism.ProcessOf("inventory", replica: 1));
            killed.Add(organism.ProcessOf("inventory", replica: 1, sidecar: true));
            killed.ForEach(pid => LocalOrganism.Kill(pid).ShouldBeTrue());
        });
        killed.Count.ShouldBe(2);
        await AuditAsync(orders, answers, new Dictionary<string, int> { ["killed-scarce"] = ScarceStock, ["killed-plenty"] = 10_000 });
    }

    // 60 orders over a scarce SKU (24 units for 56-63 asked, 29-34 by the orders never released) and a plentiful one,
    // 1-3 units each; 40 % also released. The orders never released alone ask for more than the scarce stock, so an
    // out-of-stock answer does not depend on how the releases interleave (checked here, so a new seed cannot undo it).
    private static List<Order> Orders(string prefix, int seed)
    {
        var random = new Random(seed);
        List<Order> orders = [.. Enumerable.Range(0, 60).Select(i => new Order(
            $"{prefix}-{seed}-{i}-{Guid.NewGuid():N}",
            i % 2 == 0 ? prefix + "-scarce" : prefix + "-plenty",
            1 + random.Next(3),
            random.NextDouble() < 0.4))];
        orders.Where(o => o.Sku.EndsWith("-scarce", StringComparison.Ordinal) && !o.Released).Sum(o => o.Quantity)
            .ShouldBeGreaterThan(ScarceStock, "the orders never released must ask for more than the scarce stock");
        return orders;
    }

    // Each order's reservation is sent three times at once (a retry racing its original, each on whichever replica the
    // round robin picks) and, for a released order, its release races them. Calls that fail (a replica killed, 503
    // Contended) are retried, as orders does. After the race each order's last word is said once more, as orders' own
    // retries would: a change announced by a killed replica before any stock decided it is completed by that call.
    private async Task<ConcurrentDictionary<string, ConcurrentBag<HttpStatusCode>>> RaceAsync(List<Order> orders, Action? kill)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var inventory = $"http://127.0.0.1:{organism.SidecarPorts["orders"]}/v1.0/invoke/inventory/method";
        var answers = new ConcurrentDictionary<string, ConcurrentBag<HttpStatusCode>>(StringComparer.Ordinal);
        using var slots = new SemaphoreSlim(12);
        var finished = 0;
        var killAt = orders.Count / 3;

        async Task<HttpStatusCode> CallAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode[] final)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (true)
            {
                try
                {
                    using var response = await send();
                    if (final.Contains(response.StatusCode))
                    {
                        return response.StatusCode;
                    }

                    ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(500, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !Ct.IsCancellationRequested)
                {
                    // A killed replica's call: tried again.
                }

                DateTime.UtcNow.ShouldBeLessThan(deadline, "a call kept failing for 2 minutes");
                await Task.Delay(100, Ct);
            }
        }

        Task<HttpStatusCode> Reserve(Order order) => CallAsync(
            () => http.PostAsJsonAsync($"{inventory}/reservations", new { orderId = order.Id, sku = order.Sku, quantity = order.Quantity, attempt = 1 }, Ct),
            [HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.Gone]);

        Task<HttpStatusCode> Release(Order order) => CallAsync(
            () => http.DeleteAsync($"{inventory}/reservations/{order.Id}?attempt=1", Ct),
            [HttpStatusCode.OK]);

        await Task.WhenAll(orders.Select(async order =>
        {
            await slots.WaitAsync(Ct);
            try
            {
                var calls = Enumerable.Range(0, 3).Select(_ => Reserve(order)).ToList();
                if (order.Released)
                {
                    calls.Add(Release(order));
                }

                foreach (var status in await Task.WhenAll(calls))
                {
                    answers.GetOrAdd(order.Id, _ => []).Add(status);
                }
            }
            finally
            {
                slots.Release();
            }

            if (Interlocked.Increment(ref finished) == killAt)
            {
                kill?.Invoke();
            }
        }));

        foreach (var order in orders)
        {
            answers[order.Id].Add(await (order.Released ? Release(order) : Reserve(order)));
        }

        return answers;
    }

    private async Task AuditAsync(List<Order> orders, ConcurrentDictionary<string, ConcurrentBag<HttpStatusCode>> answers, Dictionary<string, int> initial)
    {
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();

        // Every change settled, and the stock's decisions removed by the replicas' sweeps (every 10 s).
        await Eventually.ReturnsAsync(
            async () =>
            {
                var left = new List<string>();
                try
                {
                    foreach (var sku in initial.Keys)
                    {
                        var stock = JsonDocument.Parse((string)(await redis.HashGetAsync("inventory||stock-" + sku, "data"))!).RootElement;
                        if (stock.TryGetProperty("decisions", out var decisions))
                        {
                            left.Add($"{sku}: {decisions.EnumerateObject().Count()} decisions");
                        }
                    }

                    foreach (var order in orders)
                    {
                        if ((string?)await redis.HashGetAsync("inventory||reservation-" + order.Id, "data") is { } data
                            && JsonDocument.Parse(data).RootElement.GetProperty("state").GetString() is "reserving" or "releasing")
                        {
                            left.Add($"{order.Id}: {data}");
                        }
                    }
                }
                catch (RedisTimeoutException ex)
                {
                    // A loaded machine: looked at again.
                    left.Add(ex.Message);
                }

                return left;
            },
            left => left.Count == 0,
            TimeSpan.FromSeconds(90),
            "every change is settled and its decision removed from the stock");

        foreach (var (sku, units) in initial)
        {
            var stock = JsonDocument.Parse((string)(await redis.HashGetAsync("inventory||stock-" + sku, "data"))!).RootElement;
            var held = 0;
            foreach (var order in orders.Where(o => o.Sku == sku))
            {
                var said = answers[order.Id].ToList();
                var data = (string?)await redis.HashGetAsync("inventory||reservation-" + order.Id, "data");
                var record = data is null ? (JsonElement?)null : JsonDocument.Parse(data).RootElement;
                var state = record?.GetProperty("state").GetString();
                (said.Contains(HttpStatusCode.Created) && said.Contains(HttpStatusCode.Conflict)).ShouldBeFalse(
                    $"order {order.Id} (one attempt) was answered both 201 and 409 ({string.Join(",", said)}): {data}");
                if (order.Released)
                {
                    state.ShouldBe("released", $"order {order.Id} was released: {data}");
                }
                else if (said.Contains(HttpStatusCode.Created))
                {
                    state.ShouldBe("held", $"order {order.Id} was told it reserved ({string.Join(",", said)}): {data}");
                    record!.Value.GetProperty("quantity").GetInt32().ShouldBe(order.Quantity);
                }
                else
                {
                    said.ShouldAllBe(s => s == HttpStatusCode.Conflict, $"order {order.Id}");
                    state.ShouldBe("refused", $"order {order.Id} was only told 'out of stock': its attempt keeps that answer, holding nothing ({data})");
                }

                held += state == "held" ? record!.Value.GetProperty("quantity").GetInt32() : 0;
            }

            var available = stock.GetProperty("available").GetInt32();
            var reserved = stock.GetProperty("reserved").GetInt32();
            (available + reserved).ShouldBe(units, $"{sku}: stock is conserved ({stock})");
            reserved.ShouldBe(held, $"{sku}: every reserved unit is held by exactly one order's record ({stock})");
        }

        // The scarce SKU ran out: the race was real (out-of-stock answers, and what is left is less than any order).
        answers.Where(a => orders.Single(o => o.Id == a.Key).Sku.EndsWith("-scarce", StringComparison.Ordinal))
            .SelectMany(a => a.Value).ShouldContain(HttpStatusCode.Conflict);
    }
}
