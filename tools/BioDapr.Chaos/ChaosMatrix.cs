using BioDapr.Chaos.Clients;
using BioDapr.Chaos.Faults;

namespace BioDapr.Chaos;

/// <summary>The faults of <c>./biodapr chaos</c> (full) and of <c>--quick</c> (one of each kind).</summary>
public static class ChaosMatrix
{
    /// <summary>Every app of the organism.</summary>
    public static IReadOnlyList<string> Apps { get; } = ["gateway", "orders", "inventory", "payments", "notifications", "cortex"];

    /// <summary>The matrix for <paramref name="options"/>; the hostile client's orders and its other requests go through <paramref name="hostileClient"/> and <paramref name="hostileHttp"/> (its own source address).</summary>
    public static IReadOnlyList<ChaosFault> For(ChaosOptions options, OrderClient hostileClient, HttpClient hostileHttp)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<ChaosFault> faults = options.Quick
            ?
            [
                new KillFault("orders", sidecar: false),
                new KillFault("payments", sidecar: true),
                new RedisRestartFault(),
                InventoryErrors(),
                new HostileClientFault(hostileClient, hostileHttp, options.Seed),
            ]
            :
            [
                new NoFault(),
                .. Apps.Select(app => new KillFault(app, sidecar: false)),
                .. Apps.Select(app => new KillFault(app, sidecar: true)),
                new RedisRestartFault(),
                new PathogenFault("pathogen inventory latency", "Every inventory call takes 300 ms more", Hormones(("inventory.pathogens.latencyMs", "300"))),
                InventoryErrors(),
                new PathogenFault("pathogen orders errors", "20 % of orders' calls fail with 500", Hormones(("orders.pathogens.errorRate", "0.2"))),
                new PathogenFault("pathogen payments errors", "50 % of payments' calls (its event deliveries) fail with 500", Hormones(("payments.pathogens.errorRate", "0.5"))),
                new PathogenFault("pathogen orders outage", "orders answers every call with 503", Hormones(("orders.pathogens.outage", "true"))),
                new HostileClientFault(hostileClient, hostileHttp, options.Seed),
            ];
        return options.Only is { Count: > 0 } only
            ? faults.Where(f => only.Any(name => f.Name.Contains(name, StringComparison.OrdinalIgnoreCase))).ToList()
            : faults;
    }

    private static PathogenFault InventoryErrors() =>
        new("pathogen inventory errors", "30 % of inventory's calls fail with 500", Hormones(("inventory.pathogens.errorRate", "0.3")));

    private static Dictionary<string, string> Hormones(params (string Key, string Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
}
