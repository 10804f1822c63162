using System.Text;
using BioDapr.Cell.Hosting;
using BioDapr.Cortex.Recycling;
using BioDapr.Recycling.DeadLetters;
using BioDapr.Redis;
using BioDapr.Launcher;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Recycling.Tests;

/// <summary>
/// The cortex's dead-letter trim on a real redis-server, driven by the development sidecar's actor reminders as on the
/// organism: the cortex's actor registration and scheduler (as its Program wires them) in a web app of its own, its
/// actor's state and reminder in Redis. The trim's clock is fake (retention in minutes, no waiting); the reminder's
/// period is real (a second).
/// </summary>
public sealed class DeadLetterTrimReminderTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheReminder_TrimsDeadLettersOlderThanTheRetention_KeepsYoungOnes_AndKeepsFiring()
    {
        var stream = "deadletters-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        await using var raw = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        for (var i = 0; i < 3; i++)
        {
            await raw.ExecuteAsync("XADD", [stream, $"{now.AddHours(-1).ToUnixTimeMilliseconds()}-{i}", "data", Envelope("old-" + i), "metadata", "{}"], Ct);
        }

        await raw.ExecuteAsync("XADD", [stream, $"{now.AddMinutes(-9).ToUnixTimeMilliseconds()}-0", "data", Envelope("young-0"), "metadata", "{}"], Ct);
        await raw.ExecuteAsync("XADD", [stream, $"{now.ToUnixTimeMilliseconds()}-0", "data", Envelope("young-1"), "metadata", "{}"], Ct);
        var list = new DeadLetterArchive(raw, clock, stream);

        await using var cortex = await StartAsync(stream, clock);

        // The scheduler registered the reminder at start; its first firing (due after a period) trims the old ones.
        await Eventually.ReturnsAsync(() => list.CountAsync(Ct), n => n == 2, TimeSpan.FromSeconds(30), "the reminder trims the dead letters older than the retention");
        (await list.ListAsync(10, Ct)).Select(l => l.EventId).ShouldBe(["young-0", "young-1"], "what `deadletters list` shows: the young ones stay");

        // Two minutes later (fake clock) the first young one is past the retention: a later firing removes it, and only it.
        clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.ReturnsAsync(() => list.CountAsync(Ct), n => n == 1, TimeSpan.FromSeconds(30), "a later firing trims what has aged past the retention since");
        (await list.ListAsync(10, Ct)).ShouldHaveSingleItem().EventId.ShouldBe("young-1");
    }

    [Fact]
    public async Task WithoutARedis_NothingIsScheduledOrTrimmed()
    {
        var trimmer = new DeadLetterTrimmer(Options.Create(new DeadLetterOptions { Redis = "" }), TimeProvider.System, NullLogger<DeadLetterTrimmer>.Instance);

        trimmer.Enabled.ShouldBeFalse();
        (await trimmer.TrimAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task AnUnreachableRedis_FailsTheTrimWithTheReason_AndALaterTrimWorks()
    {
        var stream = "deadletters-" + Guid.NewGuid().ToString("N")[..8];
        var options = new DeadLetterOptions { Redis = $"127.0.0.1:{FreePort.Next()},connectTimeout=500,syncTimeout=500,asyncTimeout=500", Stream = stream, Retention = Retention };
        await using (var down = new DeadLetterTrimmer(Options.Create(options), TimeProvider.System, NullLogger<DeadLetterTrimmer>.Instance))
        {
            await Should.ThrowAsync<Exception>(() => down.TrimAsync(Ct));
        }

        await using var raw = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        await raw.ExecuteAsync("XADD", [stream, $"{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}-0", "data", Envelope("old"), "metadata", "{}"], Ct);
        options.Redis = redis.Host;
        await using var up = new DeadLetterTrimmer(Options.Create(options), TimeProvider.System, NullLogger<DeadLetterTrimmer>.Instance);
        (await up.TrimAsync(Ct)).ShouldBe(1);
    }

    private static byte[] Envelope(string id) =>
        Encoding.UTF8.GetBytes($$$"""{"specversion":"1.0","id":"{{{id}}}","source":"orders","type":"orders.placed","topic":"orders","pubsubname":"pubsub","datacontenttype":"application/json","data":{"orderId":"o-1"}}""");

    private async Task<Cortex> StartAsync(string stream, TimeProvider trimClock)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-deadletters-").FullName;
        var resources = Path.Combine(directory, "resources");
        Directory.CreateDirectory(resources);
        await File.WriteAllTextAsync(Path.Combine(resources, "state.yaml"), $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              metadata:
                - name: redisHost
                  value: "{redis.Host}"
                - name: actorStateStore
                  value: "true"
            """, Ct);
        var appPort = FreePort.Next();
        var httpPort = FreePort.Next();
        // The development sidecar as a real process, as the runner starts it.
        var sidecar = ChildProcess.Start(
            "BioDapr.Sidecar",
            ["--app-id", "cortex", "--app-port", Text(appPort), "--dapr-http-port", Text(httpPort), "--dapr-grpc-port", Text(FreePort.Next()),
             "--dapr-internal-grpc-port", Text(FreePort.Next()), "--resources-path", resources, "--log-level", "warn"],
            new Dictionary<string, string> { ["BIODAPR_NAME_RESOLUTION_DIR"] = Path.Combine(directory, "nameresolution") });

        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{appPort}");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{httpPort}",
            ["Cell:Name"] = "cortex",
            ["Cortex:DeadLetters:Redis"] = redis.Host,
            ["Cortex:DeadLetters:Stream"] = stream,
            ["Cortex:DeadLetters:Retention"] = Retention.ToString(),
            ["Cortex:DeadLetters:TrimEvery"] = "00:00:01",
        });
        builder.AddCellDefaults();
        // The trim reads the fake clock; the scheduler's retries and the reminders run on real time.
        builder.Services.AddSingleton(services => new DeadLetterTrimmer(services.GetRequiredService<IOptions<DeadLetterOptions>>(), trimClock, NullLogger<DeadLetterTrimmer>.Instance));
        builder.AddDeadLetterRecycling();
        builder.Services.AddActors(options => options.Actors.RegisterDeadLetterTrim());
        var app = builder.Build();
        app.UseCellDefaults();
        app.MapCellDefaultEndpoints();
        await app.StartAsync(Ct);
        using var probe = new HttpClient();
        await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    using var health = await probe.GetAsync($"http://127.0.0.1:{httpPort}/v1.0/healthz", Ct);
                    return health.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            healthy => healthy,
            TimeSpan.FromSeconds(60),
            "the sidecar is up and connected to the app");
        return new Cortex(sidecar, app, directory);
    }

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Cortex(ChildProcess sidecar, WebApplication app, string directory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await sidecar.DisposeAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the OS cleans temporary directories.
            }
        }
    }
}
