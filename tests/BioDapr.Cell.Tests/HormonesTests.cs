using System.ComponentModel.DataAnnotations;
using System.Net;
using BioDapr.Cell.Hormones;
using BioDapr.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Tests;

public sealed class HormonesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Limits
    {
        [Range(1, 1000)]
        public int MaxQuantity { get; init; } = 10;

        [Range(1, 1000)]
        public int MinQuantity { get; init; } = 1;

        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

        [HormoneKey("open")]
        public bool AcceptingOrders { get; init; } = true;
    }

    private sealed class MinBelowMax : IValidateOptions<Limits>
    {
        public ValidateOptionsResult Validate(string? name, Limits options) =>
            options.MinQuantity <= options.MaxQuantity ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("MinQuantity must not exceed MaxQuantity");
    }

    [Fact]
    public async Task Startup_LoadsTheStoreValues_AndSubscribesToTheKeys()
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "25", ["orders.timeout"] = "250ms", ["orders.open"] = "false" });

        var limits = Hormones(cell).Current;

        limits.MaxQuantity.ShouldBe(25);
        limits.Timeout.ShouldBe(TimeSpan.FromMilliseconds(250));
        limits.AcceptingOrders.ShouldBeFalse();
        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count == 1);
        var subscribe = cell.Dapr.Subscribes.Single();
        subscribe.Store.ShouldBe("hormones");
        subscribe.Keys.ShouldBe(["orders.maxQuantity", "orders.minQuantity", "orders.timeout", "orders.open"], ignoreOrder: true);
    }

    [Fact]
    public async Task StoreMetadataFromConfiguration_IsSentOnGetAndSubscribe_ForAzureAppConfiguration()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddHormones<Limits>("hormones", "orders."),
            configuration: new() { ["orders.maxQuantity"] = "25" },
            settings: new() { ["Hormones:hormones:Metadata:sentinelKey"] = "hormones.sentinel" });

        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count == 1);

        cell.Dapr.Gets[0].Metadata!["sentinelKey"].ShouldBe("hormones.sentinel");
        cell.Dapr.Subscribes[0].Metadata!["sentinelKey"].ShouldBe("hormones.sentinel");
        Hormones(cell).Current.MaxQuantity.ShouldBe(25);
    }

    [Fact]
    public async Task StreamedChange_IsApplied()
    {
        await using var cell = await StartAsync(new());

        await Update(cell, "orders.maxQuantity", "42");

        await Eventually.TrueAsync(() => Hormones(cell).Current.MaxQuantity == 42);
        Hormones(cell).Version.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("orders.maxQuantity", "lots", "is not a valid whole number")]
    [InlineData("orders.maxQuantity", "5000", "between 1 and 1000")]
    [InlineData("orders.minQuantity", "50", "MinQuantity must not exceed MaxQuantity")]
    [InlineData("orders.timeout", "soon", "is not a valid duration")]
    public async Task InvalidChange_IsRejected_TheLastGoodValueStays(string key, string value, string reason)
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "20" });

        await Update(cell, key, value);

        var hormones = Hormones(cell);
        // At least once: when the push lands between the subscription's start and its first re-read of the store
        // (HormoneCoordinator reads the keys once the stream stands), the value comes twice, by the read and by the
        // stream, and is rejected twice (a rejected value is not held, so the re-read cannot tell it was seen). The
        // full suite under load hit that and waited for exactly 1 in vain.
        await Eventually.TrueAsync(() => hormones.Rejections >= 1);
        hormones.Current.MaxQuantity.ShouldBe(20);
        hormones.Current.MinQuantity.ShouldBe(1);
        hormones.LastRejection!.Key.ShouldBe(key);
        hormones.LastRejection.Reason.ShouldContain(reason);
    }

    [Fact]
    public async Task DeletedKey_ReturnsThePropertyToItsDefault()
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "20" });

        await Update(cell, "orders.maxQuantity", null);

        await Eventually.TrueAsync(() => Hormones(cell).Current.MaxQuantity == 10);
    }

    [Fact]
    public async Task ConcurrentReaders_NeverSeeAHalfAppliedSnapshot()
    {
        await using var cell = await StartAsync(new());
        var hormones = Hormones(cell);
        using var stop = new CancellationTokenSource();
        var torn = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var snapshot = hormones.Current;
                if (snapshot.MinQuantity > snapshot.MaxQuantity)
                {
                    Interlocked.Increment(ref torn);
                }
            }
        }, Ct);

        for (var i = 2; i < 200; i++)
        {
            await Update(cell, "orders.maxQuantity", (i * 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Update(cell, "orders.minQuantity", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Eventually.TrueAsync(() => hormones.Current.MaxQuantity == 398 && hormones.Current.MinQuantity == 199);
        await stop.CancelAsync();
        await reader;
        torn.ShouldBe(0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamEnds_TheCellSubscribesAgain_AndReReadsWhatChangedMeanwhile(bool withError)
    {
        var store = new Dictionary<string, string> { ["orders.maxQuantity"] = "20" };
        await using var cell = await StartAsync(store);
        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count == 1);

        // The sidecar goes away; a change lands in the store while no stream is open.
        cell.Dapr.EndStream(withError ? new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "sidecar gone")) : null);
        lock (store)
        {
            store["orders.maxQuantity"] = "30";
        }

        await Eventually.TrueAsync(() => Hormones(cell).Current.MaxQuantity == 30);
        // The re-read may come before the new subscription: wait for it, then a change reaches the cell through it.
        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count == 2, because: "the cell subscribes again");
        await Update(cell, "orders.maxQuantity", "31");
        await Eventually.TrueAsync(() => Hormones(cell).Current.MaxQuantity == 31);
    }

    [Fact]
    public async Task OptionsMonitor_SeesTheSameSnapshot_AndIsToldOfChanges()
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "77" });
        var monitor = cell.App.Services.GetRequiredService<IOptionsMonitor<Limits>>();
        var told = new List<int>();
        using var listener = monitor.OnChange(limits => { lock (told) { told.Add(limits.MaxQuantity); } });

        monitor.CurrentValue.MaxQuantity.ShouldBe(77);
        await Update(cell, "orders.maxQuantity", "78");

        await Eventually.TrueAsync(() => { lock (told) { return told.Contains(78); } });
        monitor.CurrentValue.MaxQuantity.ShouldBe(78);
    }

    [Fact]
    public async Task ValidateOnStart_InvalidDefaults_StopTheCellWithTheReason()
    {
        var error = await Should.ThrowAsync<OptionsValidationException>(() => TestCell.StartAsync(configure: builder =>
        {
            builder.AddHormones<Limits>("hormones", "orders.");
            builder.Services.AddOptions<Limits>().Validate(l => l.MaxQuantity > 100, "MaxQuantity must be over 100").ValidateOnStart();
        }));

        error.Message.ShouldContain("MaxQuantity must be over 100");
    }

    [Fact]
    public async Task NamedHormones_KeepSeparateValuesPerName()
    {
        var store = new Dictionary<string, string> { ["a.maxQuantity"] = "5", ["b.maxQuantity"] = "6" };
        await using var cell = await TestCell.StartAsync(
            configure: builder =>
            {
                builder.AddHormones<Limits>("hormones", "a.", name: "a");
                builder.AddHormones<Limits>("hormones", "b.", name: "b");
            },
            configuration: store);

        cell.App.Services.GetRequiredKeyedService<IHormones<Limits>>("a").Current.MaxQuantity.ShouldBe(5);
        cell.App.Services.GetRequiredKeyedService<IHormones<Limits>>("b").Current.MaxQuantity.ShouldBe(6);
    }

    [Fact]
    public async Task TheConfigurationCallbackRoute_IsGone()
    {
        await using var cell = await StartAsync(new());

        using var content = new StringContent("""{"items":{}}""", System.Text.Encoding.UTF8, "application/json");
        var response = await cell.Client.PostAsync("/configuration/hormones/orders.maxQuantity", content, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static Task<TestCell> StartAsync(Dictionary<string, string> store) => TestCell.StartAsync(
        configure: builder =>
        {
            builder.AddHormones<Limits>("hormones", "orders.");
            builder.Services.AddSingleton<IValidateOptions<Limits>, MinBelowMax>();
        },
        configuration: store);

    private static IHormones<Limits> Hormones(TestCell cell) => cell.App.Services.GetRequiredService<IHormones<Limits>>();

    private static async Task Update(TestCell cell, string key, string? value)
    {
        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count > 0);
        await cell.Dapr.PushAsync(key, value);
    }
}
