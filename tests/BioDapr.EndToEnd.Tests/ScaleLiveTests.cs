using System.Text.Json;
using BioDapr.Launcher;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// The live scaling benchmark (<c>./biodapr cortex scale-live</c>, issue 18 item 3) on a small run: its own organism, the
/// bursty window's spike, the reactive policy driving orders' replicas through the runner. The scaling must really
/// change the replicas the runner runs, and no order may be lost or doubled by it. The same with the cortex's own scaling
/// loop deciding (policy <c>cortex</c>).
/// </summary>
public sealed class ScaleLiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScaleLive_BurstyWindow_TheReactivePolicyScalesOrdersThroughTheRunner_WithoutLosingOrders()
    {
        var output = Directory.CreateTempSubdirectory("biodapr-scale-live-").FullName;
        await using var command = ChildProcess.Start(
            "BioDapr.Lab",
            [
                "scale-live", "--policies", "reactive-hpa", "--scenarios", "bursty", "--buckets", "6", "--warmup", "10", "--forecaster", "seasonal-naive",
                "--traces", Path.Combine(LocalOrganism.RepositoryRoot, "docs", "traces"),
                "--hormones", Path.Combine(LocalOrganism.RepositoryRoot, "components", "local", "hormones.json"),
                "--out", output,
            ],
            new Dictionary<string, string>());

        await Eventually.TrueAsync(() => command.HasExited, TimeSpan.FromMinutes(15), "the live scaling run ends");
        var resultsFile = Path.Combine(output, "results.json");
        File.Exists(resultsFile).ShouldBeTrue(command.Output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsFile, Ct));
        var run = results.RootElement.GetProperty("runs").EnumerateArray().Single();
        var scenario = run.GetProperty("scenarios").EnumerateArray().Single();

        scenario.GetProperty("scaleCalls").GetInt32().ShouldBeGreaterThan(0, command.Output);
        scenario.GetProperty("maxReplicas").GetDouble().ShouldBeGreaterThan(1, "the runner listed more than one orders replica during the spike");
        scenario.GetProperty("score").GetProperty("sent").GetInt32().ShouldBeGreaterThan(100);
        run.GetProperty("accepted").GetInt32().ShouldBeGreaterThan(0);
        run.GetProperty("lost").GetInt32().ShouldBe(0, string.Join('\n', run.GetProperty("problems").EnumerateArray()));
        run.GetProperty("doubled").GetInt32().ShouldBe(0);
        run.GetProperty("stockDrift").GetInt32().ShouldBe(0, string.Join('\n', run.GetProperty("problems").EnumerateArray()));
        command.ExitCode.ShouldBe(0, command.Output);
        Directory.Delete(output, recursive: true);
    }

    [Fact]
    public async Task ScaleLive_BurstyWindow_TheCortexsOwnLoopScalesOrdersUpAndBack_WithoutLosingOrders()
    {
        // The benchmark does not decide: the organism's cortex runs its scaling loop (seeded with the trace's history and
        // the measured cold start); the tail after the window lets its scale-down be seen.
        var output = Directory.CreateTempSubdirectory("biodapr-scale-live-cortex-").FullName;
        await using var command = ChildProcess.Start(
            "BioDapr.Lab",
            [
                "scale-live", "--policies", "cortex", "--scenarios", "bursty", "--buckets", "6", "--warmup", "10", "--forecaster", "seasonal-naive", "--tail", "120",
                "--traces", Path.Combine(LocalOrganism.RepositoryRoot, "docs", "traces"),
                "--hormones", Path.Combine(LocalOrganism.RepositoryRoot, "components", "local", "hormones.json"),
                "--out", output,
            ],
            new Dictionary<string, string>());

        await Eventually.TrueAsync(() => command.HasExited, TimeSpan.FromMinutes(15), "the live scaling run ends");
        var resultsFile = Path.Combine(output, "results.json");
        File.Exists(resultsFile).ShouldBeTrue(command.Output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsFile, Ct));
        var run = results.RootElement.GetProperty("runs").EnumerateArray().Single();
        var scenario = run.GetProperty("scenarios").EnumerateArray().Single();
        var provisioned = scenario.GetProperty("provisionedSeen").EnumerateArray().Select(r => r.GetInt32()).ToList();
        var peak = provisioned.IndexOf(provisioned.Max());

        run.GetProperty("policy").GetString().ShouldBe("cortex");
        provisioned.Max().ShouldBeGreaterThan(1, $"the cortex scaled orders above one replica: {string.Join(" -> ", provisioned)}\n{command.Output}");
        provisioned.Skip(peak).ShouldContain(r => r < provisioned[peak], $"and back down after the spike: {string.Join(" -> ", provisioned)}");
        scenario.GetProperty("score").GetProperty("sent").GetInt32().ShouldBeGreaterThan(100);
        run.GetProperty("accepted").GetInt32().ShouldBeGreaterThan(0);
        run.GetProperty("lost").GetInt32().ShouldBe(0, string.Join('\n', run.GetProperty("problems").EnumerateArray()));
        run.GetProperty("doubled").GetInt32().ShouldBe(0);
        run.GetProperty("stockDrift").GetInt32().ShouldBe(0, string.Join('\n', run.GetProperty("problems").EnumerateArray()));
        command.ExitCode.ShouldBe(0, command.Output);
        Directory.Delete(output, recursive: true);
    }
}
