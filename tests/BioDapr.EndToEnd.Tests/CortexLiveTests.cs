using System.Globalization;
using System.Text.Json;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The cortex in the running organism (same organism as the other tests): it receives the cells' vitals, retunes a pathway during a live fault, and the cell applies what it wrote.</summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task DuringAnInventoryFault_TheCortexRetunesOrdersToInventory_AuditsIt_AndOrdersAppliesIt()
    {
        // A small live incident: steady load, then inventory answers 503 to 40 % of calls, then recovery.
        var scenario = Path.Combine(Path.GetTempPath(), $"cortex-live-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(scenario, """
            name: cortex-live
            seed: 5
            slo: { latencyMs: 250, clientDeadlineMs: 1000 }
            capacityRps: 400
            topology:
              entry: gateway
              cells:
                gateway: { slots: 256, serviceTime: { constant: 0.2 }, calls: [ { target: orders, count: 1 } ] }
                orders: { slots: 8, serviceTime: { constant: 15 }, calls: [ { target: inventory, count: 2 } ] }
                inventory: { slots: 16, serviceTime: { lognormal: 2.5, cv: 0.5 } }
            phases:
              - { name: steady, duration: 4s, rate: 10 }
              - { name: errors, duration: 8s, rate: 10, faults: [ { cell: inventory, errors: { fraction: 0.4 } } ] }
              - { name: recovery, duration: 4s, rate: 10 }
            """, Ct);
        var options = new BioDapr.Load.LoadOptions
        {
            ScenarioPath = scenario,
            Target = new Uri($"http://127.0.0.1:{organism.GatewayPort}/api/orders"),
            ApiKey = "e2e-shop-key",
            HormoneRedis = $"127.0.0.1:{organism.Redis}",
        };
        using var log = new StringWriter();
        using var http = new HttpClient();
        async Task<int> ReportedLimitAsync() =>
            JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{organism.CortexPort}/pathways", Ct)).RootElement
                .EnumerateArray().Where(p => p.GetProperty("pathway").GetString() == "orders→inventory").Select(p => p.GetProperty("reportedLimit").GetInt32()).FirstOrDefault();

        // Watch the limit orders reports in force while the incident runs: the cortex gives a cut limit back once the
        // pathway is healthy again (recovery), so the cut may be over by the time the load ends.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                try
                {
                    seen.Enqueue(await ReportedLimitAsync());
                }
                catch (HttpRequestException)
                {
                    // The cortex is busy; the next look counts.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
            }
        }, Ct);

        await new BioDapr.Load.LoadGenerator(options, log, TimeProvider.System).RunAsync(Ct);

        // The cortex keeps deciding while we look, so read the store and the cell first, then the audit.
        async Task<List<JsonElement>> AuditAsync() =>
            [.. JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{organism.CortexPort}/pathways/orders/inventory/audit?limit=1000", Ct)).RootElement.EnumerateArray()];
        static HashSet<string> Limits(List<JsonElement> audit) =>
            [.. audit.Where(c => c.GetProperty("hormone").GetString() == "concurrencyLimit").Select(c => c.GetProperty("newValue").GetString()!)];
        await Eventually.ReturnsAsync(async () => Limits(await AuditAsync()).Count, count => count > 0, because: "the cortex decided on orders→inventory's vitals and moved its concurrency limit");

        // The limit in the configuration store, in Dapr's format, is one the cortex wrote ...
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();
        var stored = ((string?)await redis.StringGetAsync("orders.pathways.inventory.concurrencyLimit"))!;
        var changes = await AuditAsync();
        changes.ShouldAllBe(c => c.GetProperty("pathway").GetString() == "orders→inventory" && c.GetProperty("reason").GetString()!.Length > 0);
        stored.ShouldContain("||");
        Limits(changes).ShouldContain(stored[..stored.IndexOf("||", StringComparison.Ordinal)]);

        // ... and the orders cell applied a value the cortex wrote that is not the default: its own vitals reported it in force.
        var applied = await Eventually.ReturnsAsync(
            async () =>
            {
                var written = Limits(await AuditAsync());
                return seen.Where(l => l != 256 && written.Contains(l.ToString(CultureInfo.InvariantCulture))).Distinct().ToList();
            },
            a => a.Count > 0,
            because: "orders reads the hormone live and reports the limit in force in its vitals");
        await watching.CancelAsync();
        await watcher;
        applied.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task TheCortexReportsItsPolicy_AndRefusesABadAuditLimit()
    {
        using var http = new HttpClient();

        var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{organism.CortexPort}/status", Ct)).RootElement;
        using var bad = await http.GetAsync($"http://127.0.0.1:{organism.CortexPort}/pathways/orders/inventory/audit?limit=0", Ct);

        status.GetProperty("mode").GetString().ShouldBe("learning");
        status.GetProperty("policy").GetString()!.ShouldEndWith("cortex-policy.json");
        status.GetProperty("trainingIterations").GetInt32().ShouldBeGreaterThan(0);
        bad.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync(Ct)).ShouldContain("limit");
    }

    [Fact]
    public async Task TheCortexControllerHormone_SwitchesWhoDecides_AndABadValueIsRefused()
    {
        using var http = new HttpClient();
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();
        async Task<string?> ControllerAsync() =>
            JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{organism.CortexPort}/status", Ct)).RootElement.GetProperty("controller").GetString();
        try
        {
            (await ControllerAsync()).ShouldBe("agent");

            await redis.StringSetAsync("cortex.controller", "gradient2||1");
            await Eventually.ReturnsAsync(ControllerAsync, c => c == "gradient2", because: "the cortex applies cortex.controller live");

            // A value that names no controller is refused (and logged); gradient2 stays in charge. A valid value
            // written after it is applied, so once that one is in force the bad one was seen and refused.
            await redis.StringSetAsync("cortex.controller", "magic||2");
            await redis.StringSetAsync("cortex.freeze", "false||2");
            await Eventually.TrueAsync(() => organism.Output.Contains("cortex.controller", StringComparison.Ordinal) && organism.Output.Contains("magic", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the refusal is logged");
            (await ControllerAsync()).ShouldBe("gradient2");
        }
        finally
        {
            await redis.StringSetAsync("cortex.controller", "agent||3");
            await Eventually.ReturnsAsync(ControllerAsync, c => c == "agent", because: "the other tests expect the agent");
        }
    }
}
