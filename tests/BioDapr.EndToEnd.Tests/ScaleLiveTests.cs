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
        var live = await RunAsync("reactive-hpa");
        var scenario = live.Scenario;

        scenario.GetProperty("scaleCalls").GetInt32().ShouldBeGreaterThan(0, live.Output);
        scenario.GetProperty("maxReplicas").GetDouble().ShouldBeGreaterThan(1, "the runner listed more than one orders replica during the spike");
        live.ShouldHaveKeptEveryOrder();
    }

    [Fact]
    public async Task ScaleLive_BurstyWindow_TheCortexsOwnLoopScalesOrdersUpAndBack_WithoutLosingOrders()
    {
        // The benchmark does not decide: the organism's cortex runs its scaling loop (seeded with the trace's history and
        // the measured cold start); the tail after the window lets its scale-down be seen.
        var live = await RunAsync("cortex", "--tail", "120");
        var provisioned = live.Scenario.GetProperty("provisionedSeen").EnumerateArray().Select(r => r.GetInt32()).ToList();
        var peak = provisioned.IndexOf(provisioned.Max());

        live.Run.GetProperty("policy").GetString().ShouldBe("cortex");
        provisioned.Max().ShouldBeGreaterThan(1, $"the cortex scaled orders above one replica: {string.Join(" -> ", provisioned)}\n{live.Output}");
        provisioned.Skip(peak).ShouldContain(r => r < provisioned[peak], $"and back down after the spike: {string.Join(" -> ", provisioned)}");
        live.ShouldHaveKeptEveryOrder();
    }

    // One small scale-live run (the bursty window, 6 buckets) of one policy, its results read back; the output folder is
    // deleted once the run's checks passed.
    private static async Task<LiveRun> RunAsync(string policy, params string[] extra)
    {
        var output = Directory.CreateTempSubdirectory($"biodapr-scale-live-{policy}-").FullName;
        await using var command = ChildProcess.Start(
            "BioDapr.Lab",
            [
                "scale-live", "--policies", policy, "--scenarios", "bursty", "--buckets", "6", "--warmup", "10", "--forecaster", "seasonal-naive", .. extra,
                "--traces", Path.Combine(LocalOrganism.RepositoryRoot, "docs", "traces"),
                "--hormones", Path.Combine(LocalOrganism.RepositoryRoot, "components", "local", "hormones.json"),
                "--out", output,
            ],
            new Dictionary<string, string>());

        await Eventually.TrueAsync(() => command.HasExited, TimeSpan.FromMinutes(15), "the live scaling run ends");
        var resultsFile = Path.Combine(output, "results.json");
        File.Exists(resultsFile).ShouldBeTrue(command.Output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsFile, Ct));
        var run = results.RootElement.GetProperty("runs").EnumerateArray().Single().Clone();
        return new LiveRun(run, run.GetProperty("scenarios").EnumerateArray().Single(), command.Output, command.ExitCode, output);
    }

    private sealed record LiveRun(JsonElement Run, JsonElement Scenario, string Output, int ExitCode, string Folder)
    {
        // The chaos audit after the window: orders accepted, none lost or doubled, stock consistent; the run exits 0.
        public void ShouldHaveKeptEveryOrder()
        {
            Scenario.GetProperty("score").GetProperty("sent").GetInt32().ShouldBeGreaterThan(100);
            Run.GetProperty("accepted").GetInt32().ShouldBeGreaterThan(0);
            Run.GetProperty("lost").GetInt32().ShouldBe(0, string.Join('\n', Run.GetProperty("problems").EnumerateArray()));
            Run.GetProperty("doubled").GetInt32().ShouldBe(0);
            Run.GetProperty("stockDrift").GetInt32().ShouldBe(0, string.Join('\n', Run.GetProperty("problems").EnumerateArray()));
            ExitCode.ShouldBe(0, Output);
            Directory.Delete(Folder, recursive: true);
        }
    }
}
