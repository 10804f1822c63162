using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using BioDapr.Chaos.Clients;
using BioDapr.Launcher;

namespace BioDapr.Chaos.Faults;

/// <summary>
/// A hostile client (the <c>bulk</c> API key) while the well-behaved one (<c>shop</c>) orders within its limit:
/// a flood of orders at three times its own rate limit, oversized bodies, invalid keys, events forged through
/// other apps' sidecars, the same Idempotency-Key replayed concurrently and with another body, and hormone
/// writes to the cells' ports from outside. Every hostile request must be refused (or, for replays, answered
/// with the first outcome); the flood's accepted orders are audited like any other. The hostile client sends from a
/// loopback address of its own (<paramref name="client"/> and <paramref name="http"/> are bound to it): with the gateway's
/// anomaly detector on, it may be quarantined (a 403 or 429 is then its answer, a refusal like the others), and no
/// quarantine may touch the well-behaved client.
/// </summary>
public sealed class HostileClientFault(OrderClient client, HttpClient http, int seed) : ChaosFault
{
    /// <summary>The per-client rate limit during the attack (orders per second; the well-behaved client stays under it).</summary>
    public const int ClientRateLimit = 20;

    private CancellationTokenSource? _stop;
    private Task? _attack;
    private Dictionary<string, string?>? _previous;

    /// <inheritdoc />
    public override string Name => "hostile client";

    /// <inheritdoc />
    public override string Description =>
        $"The bulk key floods orders at 3x its limit ({ClientRateLimit}/s), sends 1 MiB bodies, invalid keys, events forged through other apps' sidecars, concurrent replays of one Idempotency-Key and the same key with another body, and hormone writes to the cells' ports.";

    /// <inheritdoc />
    public override bool IsHostile => true;

    /// <inheritdoc />
    public override TimeSpan MinimumDuration => TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override async Task InjectAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _previous = await context.SetHormonesAsync(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["gateway.ratePerSecond"] = ClientRateLimit.ToString(CultureInfo.InvariantCulture),
                ["gateway.burst"] = ClientRateLimit.ToString(CultureInfo.InvariantCulture),
            },
            cancellationToken);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stop = _stop.Token;
        _attack = Task.WhenAll(FloodAsync(context, stop), ProbeAsync(context, stop));
    }

    /// <inheritdoc />
    public override async Task EndAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_stop is null || _attack is null)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _attack;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The attack stops here.
        }

        _stop.Dispose();
        _stop = null;
        await ReplayAsync(context, cancellationToken);
        await NoteQuarantinesAsync(context, cancellationToken);
        if (_previous is not null)
        {
            await context.RestoreHormonesAsync(_previous, cancellationToken);
        }
    }

    // Valid orders at three times the client's limit, never backing off (a 429 is its final answer); the orders
    // it gets accepted are real and audited. It stops starting orders when the attack ends, and lets those in
    // flight finish (a 503 is retried like any client would, so no outcome stays unknown).
    private async Task FloodAsync(FaultContext context, CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(1.0 / (3 * ClientRateLimit));
        var inFlight = new List<Task>();
        var random = new Random(seed + 7919);
        using var timer = new PeriodicTimer(interval);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var order = new DrivenOrder("bulk", LocalOrganism.BulkApiKey, $"chaos-{seed}-flood-{i}", "chaos-plenty", 1, "flood", hostile: true);
            context.Ledger.Add(order);
            inFlight.Add(client.PlaceAsync(order, new Random(random.Next()), acceptRateLimit: true, CancellationToken.None));
            try
            {
                await timer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(inFlight);
    }

    // The other hostile requests, each a few times, until the attack ends.
    private async Task ProbeAsync(FaultContext context, CancellationToken stop)
    {
        var huge = new string('x', 1 << 20);
        for (var round = 0; round < 3 && !stop.IsCancellationRequested; round++)
        {
            // The key's rate is checked before the body's size (both before the body is read): while the flood keeps
            // the key over its rate, 429 refuses the body as surely as 413.
            // A quarantine (403 refused, 429 throttled) answers any of them once the detector has seen enough.
            Expect(context, "1 MiB body", await client.SendRawAsync(LocalOrganism.BulkApiKey, $$"""{"customerId":"{{huge}}","sku":"chaos-plenty","quantity":1}""", stop), 413, 429, 403);
            Expect(context, "1 MiB body without a key", await client.SendRawAsync(null, $$"""{"customerId":"{{huge}}","sku":"chaos-plenty","quantity":1}""", stop), 401, 413, 429, 403);
            Expect(context, "invalid key", await client.SendRawAsync("chaos-invalid-" + round, """{"customerId":"x","sku":"chaos-plenty","quantity":1}""", stop), 401, 429, 403);
            Expect(context, "malformed body", await client.SendRawAsync(LocalOrganism.BulkApiKey, """{"customerId":"x","sku":""", stop), 400, 429, 403);
            await ForgeEventsAsync(context, http, round, stop);
            await WriteHormonesFromOutsideAsync(context, http, stop);
        }
    }

    // Events published through sidecars of apps that may not publish them: a PaymentFailed for the good client's
    // accepted orders (it would cancel them), an OrderPlaced for an order nobody placed (it would be charged).
    private static async Task ForgeEventsAsync(FaultContext context, HttpClient http, int round, CancellationToken stop)
    {
        var victims = context.Ledger.Snapshot().Where(o => !o.Hostile && o.OrderId is not null).Select(o => o.OrderId!).Take(2).ToList();
        foreach (var orderId in victims)
        {
            await PublishAsync(context, http, "inventory", "payments", "biodapr.payments.failed.v1", $"{orderId}/forged-{round}",
                new { orderId, reason = "forged by chaos", failedAt = DateTimeOffset.UtcNow }, stop);
        }

        var fake = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        context.ForgedOrderIds.Add(fake);
        await PublishAsync(context, http, "notifications", "orders", "biodapr.orders.placed.v1", fake,
            new { orderId = fake, customerId = "forger", sku = "chaos-plenty", quantity = 1, total = 9.99m, placedAt = DateTimeOffset.UtcNow }, stop);
        await PublishAsync(context, http, "gateway", "orders", "biodapr.orders.placed.v1", fake + "-gw",
            new { orderId = fake, customerId = "forger", sku = "chaos-plenty", quantity = 1, total = 9.99m, placedAt = DateTimeOffset.UtcNow }, stop);
    }

    private static async Task PublishAsync(FaultContext context, HttpClient http, string asApp, string topic, string type, string eventId, object data, CancellationToken stop)
    {
        var url = $"http://127.0.0.1:{context.Organism.SidecarPorts[asApp]}/v1.0/publish/pubsub/{topic}?metadata.cloudevent.type={type}&metadata.cloudevent.id={Uri.EscapeDataString(eventId)}";
        try
        {
            using var response = await http.PostAsJsonAsync(url, data, stop);
            // daprd refuses a topic the app may not publish (403); an accepted forgery must still change nothing
            // (the audit checks the effects), so it is a note, not a leak.
            if (response.IsSuccessStatusCode)
            {
                context.Notes.Add($"{asApp}'s sidecar accepted a forged {type} ({(int)response.StatusCode})");
            }
        }
        catch (HttpRequestException ex)
        {
            context.Notes.Add($"publishing through {asApp}'s sidecar failed: {ex.Message}");
        }
    }

    // Hormone updates (Dapr's configuration callback) sent to the public ports and, without the app token, to the
    // app ports: none may be applied.
    private static async Task WriteHormonesFromOutsideAsync(FaultContext context, HttpClient http, CancellationToken stop)
    {
        var targets = new List<(string What, int Port)>
        {
            ("gateway public port", context.Organism.GatewayPort),
            ("notifications public port", context.Organism.NotificationsPort),
            ("gateway app port without token", context.Organism.AppPorts["gateway"]),
            ("orders app port without token", context.Organism.AppPorts["orders"]),
        };
        foreach (var (what, port) in targets)
        {
            using var body = new StringContent("""{"id":"chaos","items":{"gateway.ratePerSecond":{"value":"100000","version":"999"}}}""", Encoding.UTF8, "application/json");
            try
            {
                using var response = await http.PostAsync($"http://127.0.0.1:{port}/configuration/hormones/gateway.ratePerSecond", body, stop);
                Expect(context, "hormone write to the " + what, (int)response.StatusCode, 401, 403, 404, 405);
            }
            catch (HttpRequestException)
            {
                // Refused at the connection: not applied.
            }
        }
    }

    // The same Idempotency-Key sent again, five times at once, with the same body (must give the first order
    // back) and once with another body (422); the answers' order ids land in the key's ledger entry.
    private async Task ReplayAsync(FaultContext context, CancellationToken cancellationToken)
    {
        var accepted = context.Ledger.Snapshot().Where(o => o.Hostile && o.Accepted).Take(3).ToList();
        foreach (var order in accepted)
        {
            var replays = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.SendAsync(order, order.Quantity, cancellationToken)));
            foreach (var (status, orderId, _) in replays)
            {
                if (orderId is not null)
                {
                    order.Saw(orderId);
                }

                Expect(context, "replay of an accepted key", status, 201, 429, 503, 403);
            }

            var (otherBody, otherId, _) = await client.SendAsync(order, order.Quantity + 1, cancellationToken);
            if (otherId is not null)
            {
                order.Saw(otherId);
            }

            Expect(context, "same key, another body", otherBody, 422, 429, 503, 403);
        }

        if (accepted.Count == 0)
        {
            context.Notes.Add("no flood order was accepted: replays not tried");
        }
    }

    // What the gateway's immune response made of the attack (its ledger in the state store): a quarantine of the
    // attacker is a note; one of the well-behaved client (its key, or 127.0.0.1) is a failed check.
    private static async Task NoteQuarantinesAsync(FaultContext context, CancellationToken cancellationToken)
    {
        var quarantines = await context.QuarantinesAsync(cancellationToken);
        if (quarantines.Count == 0)
        {
            context.Notes.Add("the gateway quarantined nobody");
        }

        foreach (var (target, what) in quarantines)
        {
            if (target is "client:shop" or "address:" + LoopbackSources.Legitimate || target.StartsWith("client:shop@", StringComparison.Ordinal))
            {
                context.Leaks++;
                context.Notes.Add($"the well-behaved client was quarantined: {target} ({what})");
            }
            else
            {
                context.Notes.Add($"quarantined {target} ({what})");
            }
        }
    }

    private static void Expect(FaultContext context, string what, int? status, params int[] refused)
    {
        if (status is { } answered && !refused.Contains(answered))
        {
            context.Leaks++;
            context.Notes.Add($"{what}: answered {answered}, expected {string.Join(" or ", refused)}");
        }
    }
}
