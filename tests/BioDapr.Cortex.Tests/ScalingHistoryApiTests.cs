using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BioDapr.Cortex.Apis;
using BioDapr.Cortex.Operators;
using BioDapr.Cortex.Scaling;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Cortex.Tests;

/// <summary>
/// <c>PUT /scaling/{appId}/history</c>: the documented way to give the cortex's scaling loop a cell's arrival history and
/// measured cold start (the live benchmark's <c>cortex</c> policy uses it; so would a restarted cortex). An operator
/// action; the cortex's own routes and scaling services in an in-memory server, with a fake clock.
/// </summary>
public sealed class ScalingHistoryApiTests : IAsyncDisposable
{
    private const string Keys = "alice=alice-key-1";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 21, 0, 0, TimeSpan.Zero);
    private WebApplication? _app;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Two compressed days (10 s buckets, a 2880 s season) ending at Now.
    private static string TwoDays(int phase = 5, double? coldStart = 7.5) => JsonSerializer.Serialize(
        new { firstBucket = Now.AddSeconds(-10 * 576), arrivals = Enumerable.Range(0, 576).Select(i => (double)(10 + (i % 288))).ToArray(), phase, coldStartSeconds = coldStart },
        Web);

    [Fact]
    public async Task ASeededHistory_IsTakenWithItsColdStart_AndTheNextStepDecidesOnAForecast()
    {
        var http = await StartAsync(enabled: true);

        var (status, body) = await PutAsync(http, "/scaling/orders/history", TwoDays(), "alice-key-1");

        status.ShouldBe(HttpStatusCode.OK, body);
        using (var taken = JsonDocument.Parse(body))
        {
            taken.RootElement.GetProperty("buckets").GetInt32().ShouldBe(576);
            taken.RootElement.GetProperty("lastBucket").GetDateTimeOffset().ShouldBe(Now.AddSeconds(-10));
            taken.RootElement.GetProperty("forecasterKept").GetBoolean().ShouldBeFalse();
            taken.RootElement.GetProperty("coldStart").GetString().ShouldBe("00:00:07.5000000");
        }

        var step = await _app!.Services.GetRequiredService<ForecastScaling>().StepAsync(Ct);
        step.Retrained.ShouldBe(["orders"]);
        var desired = await http.GetFromJsonAsync<DesiredReplicas>("/scaling/orders", Web, Ct);
        desired!.Source.ShouldBe(CellDecision.Forecast);

        // The same history again (moved in time only): the trained forecaster is kept.
        var (again, kept) = await PutAsync(http, "/scaling/orders/history", TwoDays(), "alice-key-1");
        again.ShouldBe(HttpStatusCode.OK);
        kept.ShouldContain("\"forecasterKept\":true");
    }

    [Theory]
    [InlineData("""{"arrivals":[1,2]}""", "the body must be {\"firstBucket\"")]
    [InlineData("""{"firstBucket":"2026-12-07T21:00:05Z","arrivals":[1,2]}""", "first bucket 2026-12-07T21:00:05.0000000+00:00 is not aligned to 10 s buckets")]
    [InlineData("""{"firstBucket":"2026-12-07T21:00:00Z","arrivals":[1,-2]}""", "bucket 1 of the history is -2")]
    [InlineData("""{"firstBucket":"2026-12-07T21:00:00Z","arrivals":[]}""", "a history holds 1 to 4032 buckets")]
    [InlineData("""{"firstBucket":"2026-12-07T21:00:00Z","arrivals":[1],"phase":300}""", "phase 300 is outside the season's 0..287 buckets")]
    [InlineData("""{"firstBucket":"2026-12-07T21:00:00Z","arrivals":[1],"coldStartSeconds":-1}""", "coldStartSeconds must be 0 to 3600, got -1")]
    public async Task ABadHistory_Is400_NamingWhatIsWrong_AndNothingIsSeeded(string body, string expected)
    {
        var http = await StartAsync(enabled: true);

        var (status, detail) = await PutAsync(http, "/scaling/orders/history", body, "alice-key-1");

        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldContain(expected);
        _app!.Services.GetRequiredService<CellForecasts>().LastBucket("orders").ShouldBeNull();
    }

    [Fact]
    public async Task WithoutAnOperatorKey_Is401_AnUnknownCell404_AndWithTheLoopOff409()
    {
        var http = await StartAsync(enabled: true);
        var (anonymous, why) = await PutAsync(http, "/scaling/orders/history", TwoDays(), key: null);
        var (unknown, unknownWhy) = await PutAsync(http, "/scaling/billing/history", TwoDays(), "alice-key-1");
        _app!.Services.GetRequiredService<CellForecasts>().LastBucket("orders").ShouldBeNull();
        await StopAsync();

        var off = await StartAsync(enabled: false);
        var (conflict, offWhy) = await PutAsync(off, "/scaling/orders/history", TwoDays(), "alice-key-1");

        anonymous.ShouldBe(HttpStatusCode.Unauthorized);
        why.ShouldContain("seeding a cell's arrival history is an operator action");
        unknown.ShouldBe(HttpStatusCode.NotFound);
        unknownWhy.ShouldBe("the scaling loop does not decide for 'billing' (Cortex:Scaling:Cells)");
        conflict.ShouldBe(HttpStatusCode.Conflict);
        offWhy.ShouldContain("Cortex:Scaling:Enabled is false");
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private async Task<HttpClient> StartAsync(bool enabled)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [OperatorKeys.SecretName] = Keys,
            ["Cortex:Scaling:Enabled"] = enabled ? "true" : "false",
            ["Cortex:Forecasting:BucketSeconds"] = "10",
            ["Cortex:Forecasting:SeasonSeconds"] = "2880",
            ["Cortex:Forecasting:Forecaster"] = "seasonal-naive",
        });
        builder.Services.AddSingleton<OperatorKeys>();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        builder.Services.AddProblemDetails();
        builder.Services.AddCortexScaling(builder.Configuration);
        _app = builder.Build();
        _app.MapScalingApi();
        await _app.StartAsync(Ct);
        return _app.GetTestClient();
    }

    private static async Task<(HttpStatusCode Status, string Body)> PutAsync(HttpClient http, string route, string body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, route) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(OperatorKeys.Header, key);
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var detail = !response.IsSuccessStatusCode && text.StartsWith('{') && JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? text : text;
        return (response.StatusCode, detail);
    }
}
