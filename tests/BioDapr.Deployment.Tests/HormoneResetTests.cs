using System.Diagnostics;
using BioDapr.Testing;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// <c>./biodapr up</c> starts every organism from the environment's hormone defaults: values a cortex
/// run or an operator left in Redis are put back (and named), unless the user keeps them.
/// </summary>
public sealed class HormoneResetTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Reset_PutsLeftOverValuesBackToTheDefaults_AndSaysWhichItChanged()
    {
        await RedisCliAsync("SET", "orders.pathways.inventory.concurrencyLimit", "4||1796546933165");
        await RedisCliAsync("SET", "gateway.burst", "400||3");
        await RedisCliAsync("DEL", "orders.maxQuantity");

        var output = await BiodaprAsync("hormones", "reset");

        output.ShouldContain("hormone orders.pathways.inventory.concurrencyLimit: 4 → 256 (default)");
        output.ShouldNotContain("gateway.burst");
        (await RedisCliAsync("GET", "orders.pathways.inventory.concurrencyLimit")).ShouldStartWith("256||");
        (await RedisCliAsync("GET", "gateway.burst")).ShouldBe("400||3");
        (await RedisCliAsync("GET", "orders.maxQuantity")).ShouldStartWith("10||");
        output.ShouldContain("hormones at their defaults (1 changed");
    }

    private async Task<string> BiodaprAsync(params string[] arguments)
    {
        var (exit, output) = await RunAsync(Repo.PathOf("biodapr"), arguments);
        exit.ShouldBe(0, output);
        return output;
    }

    private async Task<string> RedisCliAsync(params string[] arguments)
    {
        var (exit, output) = await RunAsync("redis-cli", ["-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments]);
        exit.ShouldBe(0, output);
        return output.Trim();
    }

    private async Task<(int Exit, string Output)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BIODAPR_REDIS_PORT"] = redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
