using BioDapr.Launcher;
using BioDapr.Recycling.Soak;
using BioDapr.Redis;
using BioDapr.Testing;

namespace BioDapr.Recycling.Tests;

/// <summary>
/// The soak's measurements and its verdict: each stream's bytes read from a real redis-server (<c>MEMORY USAGE</c>, not
/// estimated), the flat window starting only once every capped stream reached its cap, and the per-component stream caps
/// the soak sets on the organism's local components (a cap that names no component fails instead of being ignored).
/// </summary>
public sealed class SoakFootprintTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Footprint_ReadsEachStreamsLengthAndBytesInRedis()
    {
        await using var connection = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var body = new string('v', 1_000);
        for (var i = 0; i < 300; i++)
        {
            await connection.ExecuteAsync("XADD", ["vitals", "*", "data", body + i], Ct);
        }

        var (memory, keys, _, lengths, bytes) = await new RedisFootprint(connection).ReadAsync(Ct);

        var vitals = RedisFootprint.Streams.ToList().IndexOf(BioDapr.Contracts.Topics.Vitals);
        lengths[vitals].ShouldBe(300);
        (bytes[vitals] / 300.0).ShouldBeInRange(1_000, 1_400, "bytes per entry: the 1,000-byte body and the entry's overhead");
        bytes[RedisFootprint.Streams.ToList().IndexOf(BioDapr.Contracts.Topics.Orders)].ShouldBe(0, "a stream that does not exist takes nothing");
        keys.ShouldBeGreaterThanOrEqualTo(1);
        memory.ShouldBeGreaterThan(bytes[vitals]);
    }

    [Fact]
    public void Summary_WindowStartsWhenEveryStreamReachedItsCap_NotAtTheFirstRetentionPeriod()
    {
        // Retention 2 min (window at 150 s by retention alone); the payments stream reaches its cap of 1,000 at 400 s.
        var samples = Enumerable.Range(0, 100).Select(i => i * 10.0)
            .Select(t => Sample(t, memory: t < 400 ? 100 + t : 500, keys: 1_000, orders: (long)Math.Min(1_000, t * 5), payments: (long)Math.Min(1_000, t * 2.5), vitals: (long)Math.Min(300, t * 4)))
            .ToList();

        var summary = SoakSummary.Of(samples, 50, TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(2), 1_000, 300, 7, "test");

        summary.CapsReached.ShouldBeTrue();
        summary.OrdersCapReachedSeconds.ShouldBe(200);
        summary.PaymentsCapReachedSeconds.ShouldBe(400);
        summary.VitalsCapReachedSeconds.ShouldBe(80);
        summary.WindowStartSeconds.ShouldBe(400);
        summary.MemoryGrowthPercent.ShouldBe(0, 0.001);
        summary.Flat.ShouldBeTrue();
        summary.VitalsBytesPerEntry.ShouldBe(1_300, 0.001);
    }

    [Fact]
    public void Summary_WhenTheAcceptedRateRises_SaysItIsNotSteady_AndGivesTheGrowthPerOrderKept()
    {
        // Retention 2 min; accepted 30/s up to 600 s, then 40/s; the store keeps 3 keys and 2,000 bytes per order of the
        // last retention period: the footprint grows by a third with the rate, and not at all per order kept.
        static long Accepted(double t) => (long)(t <= 600 ? 30 * t : 30 * 600 + 40 * (t - 600));
        var samples = Enumerable.Range(0, 121).Select(i => i * 10.0).Select(t =>
        {
            var kept = Accepted(t) - Accepted(Math.Max(0, t - 120));
            return new SoakSample(t, (long)(t * 50), Accepted(t), 0, kept * 2_000, kept * 3, kept, 1_000, 1_000, 300, 0);
        }).ToList();

        var summary = SoakSummary.Of(samples, 50, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(2), 1_000, 300, 7, "test");

        summary.Flat.ShouldBeFalse();
        summary.RateSteady.ShouldBeFalse();
        summary.KeptOrdersGrowthPercent.ShouldBeGreaterThan(25);
        summary.KeysPerKeptOrderGrowthPercent.ShouldBe(0, 0.001);
        summary.MemoryPerKeptOrderGrowthPercent.ShouldBe(0, 0.001);
        summary.Describe().ShouldContain("NOT STEADY");
        summary.Describe().ShouldContain("not a verdict on recycling");
    }

    [Fact]
    public void Summary_AtASteadyRate_SaysSteady()
    {
        var samples = Enumerable.Range(0, 100).Select(i => Sample(i * 10.0, memory: 500, keys: 1_000, orders: 1_000, payments: 1_000, vitals: 300)).ToList();

        var summary = SoakSummary.Of(samples, 50, TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(2), 1_000, 300, 7, "test");

        summary.RateSteady.ShouldBeTrue();
        summary.KeptOrdersStart.ShouldBe(33 * 120, 0.001);
        summary.Describe().ShouldContain(": steady");
    }

    [Fact]
    public void Summary_SaysSoWhenAStreamNeverReachedItsCap()
    {
        var samples = Enumerable.Range(0, 60).Select(i => Sample(i * 10.0, memory: 100 + i, keys: 1_000, orders: 2_000, payments: 2_000, vitals: i * 10)).ToList();

        var summary = SoakSummary.Of(samples, 50, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2), 1_000, 3_000, 7, "test");

        summary.CapsReached.ShouldBeFalse();
        summary.VitalsCapReachedSeconds.ShouldBeNull();
        summary.WindowStartSeconds.ShouldBe(150);
        summary.Describe().ShouldContain("NOT ALL REACHED");
    }

    [Fact]
    public void StreamCap_ReplacesTheNamedComponentsMaxLenApprox_AndLeavesOthersAlone()
    {
        var caps = new Dictionary<string, long>(StringComparer.Ordinal) { ["vitals-pubsub"] = 500 };
        var capped = new HashSet<string>(StringComparer.Ordinal);

        var vitals = LocalOrganism.ApplyStreamCap(Component("vitals-pubsub", "3000"), caps, capped);
        var orders = LocalOrganism.ApplyStreamCap(Component("pubsub", "100000"), caps, capped);

        vitals.ShouldContain("- name: maxLenApprox\n      value: \"500\"");
        vitals.ShouldNotContain("3000");
        orders.ShouldBe(Component("pubsub", "100000"));
        capped.ShouldBe(["vitals-pubsub"]);
    }

    [Fact]
    public void StreamCap_OnAComponentWithoutMaxLenApprox_IsNotRecordedAsApplied()
    {
        var caps = new Dictionary<string, long>(StringComparer.Ordinal) { ["statestore"] = 500 };
        var capped = new HashSet<string>(StringComparer.Ordinal);
        var text = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.redis\n";

        LocalOrganism.ApplyStreamCap(text, caps, capped).ShouldBe(text);
        capped.ShouldBeEmpty();
    }

    [Fact]
    public void TheLocalComponents_DeclareTheCapsTheSoakReplaces()
    {
        LocalOrganism.LocalStreamCap(BioDapr.Contracts.Topics.PubSub).ShouldBe(100_000);
        LocalOrganism.LocalStreamCap(BioDapr.Contracts.Topics.VitalsPubSub).ShouldBeInRange(1, 10_000);
        Should.Throw<InvalidOperationException>(() => LocalOrganism.LocalStreamCap("no-such-pubsub")).Message.ShouldContain("no-such-pubsub");
    }

    private static string Component(string name, string cap) =>
        $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: pubsub.redis\n  version: v1\n  metadata:\n    - name: redisHost\n      value: localhost:6379\n    - name: maxLenApprox\n      value: \"{cap}\"\n";

    private static SoakSample Sample(double seconds, double memory, long keys, long orders, long payments, long vitals) =>
        new(seconds, (long)(seconds * 50), (long)(seconds * 33), 0, (long)(memory * 1048576), keys, keys / 2, orders, payments, vitals, 0, orders * 900, payments * 700, vitals * 1_300);
}
