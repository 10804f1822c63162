using System.Globalization;
using System.Text.RegularExpressions;
using BioDapr.Launcher;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// Orders and inventory started together, inventory's own warm-up made long so it is ready last (1,000 rounds, at most
/// 15 s): the start order in which a caller used to warm its pathway while the target still answered 503 (issue 11 item 9).
/// </summary>
public sealed class InventoryReadyLast : LocalOrganism, IAsyncLifetime
{
    /// <summary>Only orders and inventory, inventory slow to become ready.</summary>
    public InventoryReadyLast()
    {
        OnlyApps = new HashSet<string>(["inventory", "orders"], StringComparer.Ordinal);
        AppEnvironment["inventory"] = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Cell__Warmup__Rounds"] = "1000",
            ["Cell__Warmup__Timeout"] = "00:00:15",
        };
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

/// <summary>
/// Issue 11 item 9: a pathway's warm-up waits for its target to answer ready (around the pathway), then warms the pathway;
/// the checks of a target still warming up are no failures of the pathway.
/// </summary>
public sealed partial class PathwayWarmupTests(InventoryReadyLast organism) : IClassFixture<InventoryReadyLast>
{
    [Fact]
    public async Task OrdersWarmupOfItsPathway_WaitsForInventoryReadyLast_ThenEveryWarmupCallSucceeds_AndNoBreakerOpened()
    {
        // Logged once the pathway is warm: before orders is ready, or after it when inventory took longer than TargetWait.
        Match? warmed = null;
        await Eventually.TrueAsync(
            () => (warmed = PathwayWarmed().Matches(organism.Output).FirstOrDefault(m => m.Groups["app"].Value == "orders")) is not null,
            TimeSpan.FromMinutes(2),
            "orders logs its pathway to inventory warmed");

        var output = organism.Output;
        var line = warmed!.Value;
        int Number(string group) => int.Parse(warmed.Groups[group].Value, CultureInfo.InvariantCulture);

        // Inventory was not ready at orders' first check: orders waited (more than one check) instead of warming a cold target.
        Number("polls").ShouldBeGreaterThan(1, line);
        Number("sent").ShouldBe(80, "20 rounds of 4 through the pathway: " + line);
        Number("succeeded").ShouldBe(Number("sent"), line);
        warmed.Groups["breaker"].Value.ShouldBe("Closed", line);
        Number("openings").ShouldBe(0, line);
        output.ShouldNotContain("Pathway to inventory not warmed", Case.Sensitive);
    }

    [Fact]
    public async Task OrdersReadiness_WaitsForTheJitToCatchUpWithTheWarmupRounds_AndSaysHowLong()
    {
        await Eventually.TrueAsync(
            () => organism.Output.Split('\n').Any(l => l.Contains("== APP - orders ==", StringComparison.Ordinal) && l.Contains("Warmed up in", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2),
            "orders logs that it is warmed up and ready");

        var orders = string.Join('\n', organism.Output.Split('\n').Where(l => l.Contains("== APP - orders ==", StringComparison.Ordinal)));
        TestContext.Current.TestOutputHelper?.WriteLine(orders);
        if (orders.Contains("The warm-up did not finish within", StringComparison.Ordinal))
        {
            // A loaded machine: the warm-up's bound (30 s) ended it, the JIT wait included; nothing more to check here.
            return;
        }

        var jit = JitSettled().Match(orders);
        jit.Success.ShouldBeTrue(orders);
        // Logged before readiness, and the wait kept its bound (Cell:Warmup:JitQuietWait, 5 s).
        jit.Index.ShouldBeLessThan(orders.IndexOf("Warmed up in", StringComparison.Ordinal), orders);
        double.Parse(jit.Groups["waited"].Value, CultureInfo.InvariantCulture).ShouldBeLessThanOrEqualTo(5_000 + 2_000, jit.Value); // plus a late timer on a loaded machine
    }

    [GeneratedRegex(@"JIT after the warm-up's rounds: (caught up|still compiling, ready anyway) after (?<waited>\d+) ms \((?<compiled>\d+) methods compiled meanwhile\)")]
    private static partial Regex JitSettled();

    [GeneratedRegex(@"APP - (?<app>[a-z]+).*Pathway to inventory warmed: its target answered ready after (?<waited>\d+) ms \((?<polls>\d+) health checks around the pathway\); (?<succeeded>\d+) of (?<sent>\d+) warm-up calls through the pathway succeeded; breaker (?<breaker>\w+), (?<openings>\d+) openings")]
    private static partial Regex PathwayWarmed();
}
