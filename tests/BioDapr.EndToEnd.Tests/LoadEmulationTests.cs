using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The load generator's topology emulation on the running organism (what the cortex's live benchmark relies on).</summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task EmulatingATopology_GivesTheCellsItsSlotsAndServiceTimes_ForTheReplayOnly()
    {
        var scenario = Path.Combine(Path.GetTempPath(), $"emulate-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(scenario, """
            name: emulate
            seed: 3
            slo: { latencyMs: 2000, clientDeadlineMs: 5000 }
            capacityRps: 40
            topology:
              entry: gateway
              cells:
                gateway: { slots: 64, serviceTime: { constant: 0.1 }, calls: [ { target: orders, count: 1 } ] }
                orders: { slots: 3, serviceTime: { constant: 60 }, calls: [ { target: inventory, count: 2 } ] }
                inventory: { slots: 6, serviceTime: { lognormal: 5, cv: 0.5 } }
            phases:
              - { name: steady, duration: 4s, rate: 8 }
            """, Ct);
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();
        async Task<string?> GetAsync(string key) => ((string?)await redis.StringGetAsync(key));
        // The live cortex tunes both pathways to the organism's fast calls; 60 ms of work would time them out.
        // Freeze it and give the pathways room for the test, then hand them back.
        string[] room =
        [
            "cortex.freeze", "true||1",
            "gateway.pathways.orders.timeoutMs", "5000||1", "gateway.pathways.orders.concurrencyLimit", "64||1", "gateway.pathways.orders.breakerEnabled", "false||1",
            "orders.pathways.inventory.timeoutMs", "5000||1", "orders.pathways.inventory.concurrencyLimit", "64||1", "orders.pathways.inventory.breakerEnabled", "false||1",
        ];
        await redis.StringSetAsync(RedisServer.Pairs(room));
        await redis.StringSetAsync("orders.admission.maxConcurrency", "256||1");
        await redis.KeyDeleteAsync(["orders.pathogens.workMs", "orders.admission.queueLimit"]);
        var during = new Dictionary<string, string?>();
        var generator = new BioDapr.Load.LoadGenerator(
            new BioDapr.Load.LoadOptions
            {
                ScenarioPath = scenario,
                Target = new Uri($"http://127.0.0.1:{organism.GatewayPort}/api/orders"),
                ApiKey = "e2e-shop-key",
                HormoneRedis = $"127.0.0.1:{organism.Redis}",
                Emulate = true,
                Warmup = TimeSpan.FromSeconds(1),
            },
            TextWriter.Null,
            TimeProvider.System)
        {
            AfterWarmup = async _ =>
            {
                foreach (var key in new[] { "orders.admission.maxConcurrency", "orders.admission.queueLimit", "orders.pathogens.workMs", "inventory.pathogens.workCv" })
                {
                    during[key] = await GetAsync(key);
                }
            },
        };

        IReadOnlyList<BioDapr.Load.SecondReport> reports;
        try
        {
            // Let the cells apply the room first (hormones arrive through their sidecars).
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            reports = await generator.RunAsync(Ct);
        }
        finally
        {
            await redis.StringSetAsync(RedisServer.Pairs("cortex.freeze", "false||2", "gateway.pathways.orders.breakerEnabled", "true||2", "orders.pathways.inventory.breakerEnabled", "true||2"));
        }

        during["orders.admission.maxConcurrency"].ShouldStartWith("3||");
        during["orders.admission.queueLimit"].ShouldStartWith("1000000||");
        during["orders.pathogens.workMs"].ShouldStartWith("60||");
        during["inventory.pathogens.workCv"].ShouldStartWith("0.5||");
        var outcomes = $"sent {reports.Sum(r => r.Sent)}, good {reports.Sum(r => r.Goodput)}, slow {reports.Sum(r => r.Slow)}, shed {reports.Sum(r => r.Shed)}, 4xx {reports.Sum(r => r.ClientErrors)}, 5xx {reports.Sum(r => r.ServerErrors)}";
        var answered = reports.SelectMany(r => r.LatenciesMs).ToList();
        answered.Count.ShouldBeGreaterThan(10, outcomes);
        answered.Order().ElementAt(answered.Count / 2).ShouldBeGreaterThan(60, "every order holds an orders slot for its 60 ms of simulated work; " + outcomes);
        generator.StartedAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        (await GetAsync("orders.admission.maxConcurrency")).ShouldStartWith("256||", customMessage: "the value before the replay is put back");
        (await GetAsync("orders.pathogens.workMs")).ShouldBeNull("a hormone that was not set is deleted again");
        (await GetAsync("orders.admission.queueLimit")).ShouldBeNull();
    }
}
