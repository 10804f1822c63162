using BioDapr.Chaos.Clients;
using BioDapr.Contracts.Hormones;
using BioDapr.Launcher;
using BioDapr.Redis;
using System.Text.Json;

namespace BioDapr.Chaos.Faults;

/// <summary>What a fault acts on: the organism, an HTTP client, the run's seeded random source, the orders driven so far.</summary>
public sealed class FaultContext(LocalOrganism organism, HttpClient http, Random random, OrderLedger ledger, TextWriter log)
{
    /// <summary>The organism under test.</summary>
    public LocalOrganism Organism { get; } = organism;

    /// <summary>For the hostile client's requests.</summary>
    public HttpClient Http { get; } = http;

    /// <summary>Seeded: a fault's choices are the same for the same seed.</summary>
    public Random Random { get; } = random;

    /// <summary>Every order driven in this fault (good clients and the hostile one) and its answers.</summary>
    public OrderLedger Ledger { get; } = ledger;

    /// <summary>Progress lines.</summary>
    public TextWriter Log { get; } = log;

    /// <summary>What the fault observed (for the report), e.g. a hostile request that was not refused.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Hostile requests the organism did not refuse as it should (each one is a failed check).</summary>
    public int Leaks { get; set; }

    /// <summary>Order ids forged by the hostile client (a payment for one of them is a charge without an order).</summary>
    public List<string> ForgedOrderIds { get; } = [];

    /// <summary>Sets hormones in the configuration store (Dapr's <c>value||version</c> format); returns the previous values.</summary>
    public async Task<Dictionary<string, string?>> SetHormonesAsync(IReadOnlyDictionary<string, string> hormones, CancellationToken cancellationToken)
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = Organism.Redis }, cancellationToken);
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        var version = "chaos-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in hormones)
        {
            previous[key] = (await redis.ExecuteAsync("GET", [key], cancellationToken)).AsString();
            await redis.ExecuteAsync("SET", [key, HormoneValue.Format(value, version)], cancellationToken);
        }

        return previous;
    }

    /// <summary>Puts hormones back as <see cref="SetHormonesAsync"/> found them (deleted when they were not set).</summary>
    /// <summary>
    /// The gateway's quarantines (target → stage and reason) as its immune ledger in the state store holds them (daprd's
    /// <c>state.redis</c> layout: a hash at <c>gateway||immune-ledger</c> whose <c>data</c> is the JSON value); empty while
    /// none was written. Read as JSON, not as the gateway's type: the chaos command does not load the gateway's assembly.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> QuarantinesAsync(CancellationToken cancellationToken)
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = Organism.Redis }, cancellationToken);
        var data = (await redis.ExecuteAsync("HGET", ["gateway||immune-ledger", "data"], cancellationToken)).AsString();
        var quarantines = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (data is null)
        {
            return quarantines;
        }

        using var ledger = JsonDocument.Parse(data);
        if (ledger.RootElement.TryGetProperty("quarantines", out var stored) && stored.ValueKind == JsonValueKind.Object)
        {
            foreach (var quarantine in stored.EnumerateObject())
            {
                var stage = quarantine.Value.TryGetProperty("stage", out var s) ? s.ToString() : "?";
                var reason = quarantine.Value.TryGetProperty("reason", out var r) ? r.GetString() : null;
                quarantines[quarantine.Name] = $"{stage}: {reason}";
            }
        }

        return quarantines;
    }

    public async Task RestoreHormonesAsync(IReadOnlyDictionary<string, string?> previous, CancellationToken cancellationToken)
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = Organism.Redis }, cancellationToken);
        foreach (var (key, value) in previous)
        {
            await redis.ExecuteAsync(value is null ? "DEL" : "SET", value is null ? [key] : [key, value], cancellationToken);
        }
    }
}
