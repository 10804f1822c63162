using BioDapr.Launcher;
using BioDapr.Testing;
using StackExchange.Redis;

namespace BioDapr.EndToEnd.Tests;

/// <summary>Orders and inventory only (real cells, each with its sidecar): orders' warm-up placements reserve and release the warm-up SKU at every start.</summary>
public sealed class WarmupOrganism : LocalOrganism, IAsyncLifetime
{
    /// <summary>The two cells the warm-up placement touches.</summary>
    public WarmupOrganism() => OnlyApps = new HashSet<string>(["orders", "inventory"], StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

/// <summary>
/// Issue 11 item 9 / issue 18 item 2: the warm-up SKU is in no catalogue file, yet its stock is written by the ledger at
/// every start of orders (its warm-up placements). Each change leaves its decision in the stock until it is pruned; nothing
/// writes that stock after the warm-up, so only the ledger's sweep can remove the last ones, and a restarted inventory does
/// not know which decisions an earlier process settled. The sweep must walk the warm-up SKU too.
/// </summary>
public sealed class WarmupLedgerTests(WarmupOrganism organism) : IClassFixture<WarmupOrganism>
{
    private const string WarmupStock = "inventory||stock-" + BioDapr.Contracts.Products.WarmupSku;

    [Fact]
    public async Task TheWarmupSku_KeepsNoSettledDecisions_AndIsBackToItsInitialStock_AfterAStartAndARestart()
    {
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();

        // The start: orders' warm-up placements wrote the warm-up SKU's stock (nothing else writes it).
        var written = await WrittenSinceAsync(redis, 0, "orders' warm-up placements write the warm-up SKU's stock at the start");
        await ShouldBeSweptAsync(redis, "after the start");

        // A restart: a new inventory process (it does not know which decisions the last one settled), then a new orders
        // process, whose warm-up placements run again against it.
        var version = await VersionAsync(redis);
        await KillAndAwaitRestartAsync("inventory");
        await KillAndAwaitRestartAsync("orders");
        await WrittenSinceAsync(redis, version, "the restarted orders' warm-up placements write the warm-up SKU's stock again");
        await ShouldBeSweptAsync(redis, "after the restart");
        written.ShouldBeGreaterThan(0);
    }

    private async Task KillAndAwaitRestartAsync(string app)
    {
        var ready = $"App {app} and its sidecar are ready again";
        var before = Occurrences(organism.Output, ready);
        LocalOrganism.Kill(organism.ProcessOf(app)).ShouldBeTrue();
        await Eventually.TrueAsync(() => Occurrences(organism.Output, ready) > before, TimeSpan.FromSeconds(120), $"the runner restarts {app}");
    }

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // The Redis state store keeps a version per key, raised by every write.
    private static async Task<long> VersionAsync(IDatabase redis) => (long?)await redis.HashGetAsync(WarmupStock, "version") ?? 0;

    private static Task<long> WrittenSinceAsync(IDatabase redis, long version, string because) =>
        Eventually.ReturnsAsync(() => VersionAsync(redis), now => now > version, TimeSpan.FromSeconds(120), because);

    // Once the sweep ran (every 10 s, for decisions 10 s old): no decision left in the stock, 1,000 available, 0 reserved,
    // no warm-up reservation record.
    private static async Task ShouldBeSweptAsync(IDatabase redis, string when)
    {
        var prefix = BioDapr.Contracts.Products.WarmupOrderPrefix;
        var (stock, records) = await Eventually.ReturnsAsync(
            async () => ((string?)await redis.HashGetAsync(WarmupStock, "data") ?? string.Empty, ((RedisResult[])(await redis.ExecuteAsync("KEYS", $"inventory||reservation-{prefix}*"))!).Length),
            left => !left.Item1.Contains("\"decisions\"", StringComparison.Ordinal) && left.Item2 == 0,
            TimeSpan.FromSeconds(120),
            $"{when}: the warm-up SKU's stock keeps no settled decisions once the ledger's sweep ran, and no warm-up reservation is left");
        records.ShouldBe(0);
        using var level = System.Text.Json.JsonDocument.Parse(stock);
        level.RootElement.GetProperty("available").GetInt32().ShouldBe(1_000, $"{when}: {stock}");
        level.RootElement.GetProperty("reserved").GetInt32().ShouldBe(0, $"{when}: {stock}");
    }
}
