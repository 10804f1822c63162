using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
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
        var subscribe = cell.Sidecar.Requests.Single(r => r.Path == "/v1.0/configuration/hormones/subscribe");
        subscribe.QueryValues("key").ShouldBe(["orders.maxQuantity", "orders.minQuantity", "orders.timeout", "orders.open"], ignoreOrder: true);
    }

    [Fact]
    public async Task StoreMetadataFromConfiguration_IsSentOnGetAndSubscribe_ForAzureAppConfiguration()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddHormones<Limits>("hormones", "orders."),
            configuration: new() { ["orders.maxQuantity"] = "25" },
            settings: new() { ["Hormones:hormones:Metadata:sentinelKey"] = "hormones.sentinel" });

        var get = cell.Sidecar.Requests.First(r => r.Path == "/v1.0/configuration/hormones");
        var subscribe = cell.Sidecar.Requests.Single(r => r.Path == "/v1.0/configuration/hormones/subscribe");

        get.Query("metadata.sentinelKey").ShouldBe("hormones.sentinel");
        subscribe.Query("metadata.sentinelKey").ShouldBe("hormones.sentinel");
        Hormones(cell).Current.MaxQuantity.ShouldBe(25);
    }

    [Fact]
    public async Task Update_IsAppliedAndAnsweredWithExactly200()
    {
        await using var cell = await StartAsync(new());

        var response = await Update(cell, "orders.maxQuantity", "42");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Hormones(cell).Current.MaxQuantity.ShouldBe(42);
        Hormones(cell).Version.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("orders.maxQuantity", "lots", "is not a valid whole number")]
    [InlineData("orders.maxQuantity", "5000", "between 1 and 1000")]
    [InlineData("orders.minQuantity", "50", "MinQuantity must not exceed MaxQuantity")]
    [InlineData("orders.timeout", "soon", "is not a valid duration")]
    public async Task InvalidUpdate_IsRejected_TheLastGoodValueStays(string key, string value, string reason)
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "20" });

        var response = await Update(cell, key, value);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, "the notification was delivered; the value was refused");
        var hormones = Hormones(cell);
        hormones.Current.MaxQuantity.ShouldBe(20);
        hormones.Current.MinQuantity.ShouldBe(1);
        hormones.Rejections.ShouldBe(1);
        hormones.LastRejection!.Key.ShouldBe(key);
        hormones.LastRejection.Reason.ShouldContain(reason);
    }

    [Fact]
    public async Task DeletedKey_ReturnsThePropertyToItsDefault()
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "20" });

        using var content = new StringContent("""{"id":"sub-1","items":{"orders.maxQuantity":{}}}""", Encoding.UTF8, "application/json");
        await cell.Client.PostAsync("/configuration/hormones/orders.maxQuantity", content, Ct);

        Hormones(cell).Current.MaxQuantity.ShouldBe(10);
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

        await stop.CancelAsync();
        await reader;
        torn.ShouldBe(0);
        hormones.Current.MaxQuantity.ShouldBe(398);
    }

    [Fact]
    public async Task SidecarRestart_SignalledByDaprSubscribe_ReReadsAndResubscribes()
    {
        var store = new Dictionary<string, string> { ["orders.maxQuantity"] = "20" };
        await using var cell = await StartAsync(store);
        lock (store)
        {
            store["orders.maxQuantity"] = "30";
        }

        await cell.Client.GetAsync("/dapr/subscribe", Ct);

        await Eventually.TrueAsync(() => Hormones(cell).Current.MaxQuantity == 30);
        // The re-read comes first, then the new subscription.
        await Eventually.TrueAsync(() => cell.Sidecar.Requests.Count(r => r.Path == "/v1.0/configuration/hormones/subscribe") == 2, because: "the cell subscribes again");
    }

    [Fact]
    public async Task OptionsMonitor_SeesTheSameSnapshot()
    {
        await using var cell = await StartAsync(new() { ["orders.maxQuantity"] = "77" });

        cell.App.Services.GetRequiredService<IOptionsMonitor<Limits>>().CurrentValue.MaxQuantity.ShouldBe(77);
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
    public async Task MalformedUpdateBody_Is400()
    {
        await using var cell = await StartAsync(new());

        using var content = new StringContent("{oops", Encoding.UTF8, "application/json");
        var response = await cell.Client.PostAsync("/configuration/hormones/orders.maxQuantity", content, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static Task<TestCell> StartAsync(Dictionary<string, string> store) => TestCell.StartAsync(
        configure: builder =>
        {
            builder.AddHormones<Limits>("hormones", "orders.");
            builder.Services.AddSingleton<IValidateOptions<Limits>, MinBelowMax>();
        },
        configuration: store);

    private static IHormones<Limits> Hormones(TestCell cell) => cell.App.Services.GetRequiredService<IHormones<Limits>>();

    private static async Task<HttpResponseMessage> Update(TestCell cell, string key, string value)
    {
        using var content = new StringContent("{\"id\":\"sub-1\",\"items\":{\"" + key + "\":{\"value\":\"" + value + "\",\"version\":\"2\"}}}", Encoding.UTF8, "application/json");
        return await cell.Client.PostAsync($"/configuration/hormones/{key}", content, Ct);
    }
}
