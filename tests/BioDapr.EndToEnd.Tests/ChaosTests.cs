using BioDapr.Chaos;
using BioDapr.Chaos.Reporting;

namespace BioDapr.EndToEnd.Tests;

/// <summary>CI's short chaos run (issue 11 item 11): the quick matrix on this class's organism, every check must pass.</summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task QuickChaosMatrix_KillsRedisRestartPathogenAndHostileClient_LoseDuplicateAndStickNothing()
    {
        var options = new ChaosOptions { Quick = true, Seed = 11, Orders = 12, Rate = 6 };
        using var log = new StringWriter();

        var results = await new ChaosRunner(organism, options, log, TimeProvider.System).RunAsync(Ct);

        var table = ChaosReport.Table(results) + "\n" + log;
        results.Select(r => r.Fault).ShouldBe(["kill -9 orders", "kill -9 payments sidecar", "redis restart", "pathogen inventory errors", "hostile client"], table);
        results.ShouldAllBe(r => r.Passed, table);
        results.Sum(r => r.Accepted).ShouldBeGreaterThan(40, table);
    }
}
