using System.Net;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// Issue 11 item 2 on the real organism: a client within its limits keeps its share of the orders cell whatever
/// another client sends (the gateway's fair sharing of its capacity to orders, services/cells/BioDapr.Gateway/Admission).
/// </summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task AFloodFromOneClient_WaitsInItsOwnQueue_TheOtherClientsOrdersAreAcceptedAtTheFirstAttempt()
    {
        // Orders holds each request 300 ms; the gateway keeps 4 in flight to it and lets a request wait 1.2 s for a slot.
        // The flood keeps 24 orders open at once: 4 in flight and 20 waiting, 1.5 s of work ahead of a newcomer in one
        // FIFO queue, so there the polite client's orders would be refused; with fair sharing each one waits for the
        // next free slot only. The flood's queue stands, and a standing queue's requests wait 50 ms by default: here they
        // wait the whole 1.2 s too, so the flood keeps its 20 waiting and its 21st is refused at once with 429 (over its
        // share), the signal the polite client starts on. (Before the gateway shared its capacity, the flood's orders went on to orders, whose 8
        // slots shed everything beyond them with 503, the polite client's included.)
        await using var connection = await RedisServer.ConnectAsync(organism.Redis);
        var redis = connection.GetDatabase();
        var logged = organism.Output.Length;
        await WithHormonesAsync(
            redis,
            ["orders.pathogens.workMs", "300", "gateway.fairShare.concurrency", "4", "gateway.fairShare.queueLimit", "20", "gateway.fairShare.queueTimeoutMs", "1200", "gateway.fairShare.standingQueueTimeoutMs", "1200", "gateway.pathways.orders.timeoutMs", "4000"],
            async () =>
            {
                // Each cell applies hormones one key at a time, when its sidecar's configuration subscription delivers
                // them: flood only once the gateway holds this test's limits and orders its 300 ms. (A flood started
                // earlier runs under the default 8 slots; when the 4 arrive it holds 7, a lower capacity pre-empts
                // nothing, and the polite client waits until 4 of the flood's orders have ended: longer than 1.2 s on a
                // loaded machine.)
                await Eventually.TrueAsync(
                    () => HormonesApplied(organism.Output[logged..], ("gateway", "gateway.fairShare.concurrency", "4"), ("gateway", "gateway.fairShare.queueLimit", "20"), ("gateway", "gateway.fairShare.queueTimeoutMs", "1200"), ("gateway", "gateway.fairShare.standingQueueTimeoutMs", "1200"), ("orders", "orders.pathogens.workMs", "300")),
                    TimeSpan.FromSeconds(30),
                    "the gateway and orders apply the test's hormones");
                using var http = new HttpClient();
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                var flood = new List<HttpStatusCode>();
                var refusedFlood = 0;

                async Task FloodAsync()
                {
                    using var pacing = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                    while (!stop.IsCancellationRequested)
                    {
                        using var response = await ThroughGatewayAsync(http, Organism.BulkApiKey, quantity: 1, sku: "e2e-fair");
                        lock (flood)
                        {
                            flood.Add(response.StatusCode);
                        }

                        if (response.StatusCode == HttpStatusCode.TooManyRequests)
                        {
                            Interlocked.Increment(ref refusedFlood);
                        }

                        // A refusal comes back at once: the flood sends again on the next tick instead of spinning.
                        await pacing.WaitForNextTickAsync(CancellationToken.None);
                    }
                }

                var flooding = Enumerable.Range(0, 24).Select(_ => Task.Run(FloodAsync, Ct)).ToList();
                try
                {
                    // The flood is over its share once its waiting requests are refused (429).
                    await Eventually.ReturnsAsync(() => Task.FromResult(Volatile.Read(ref refusedFlood)), n => n > 0, TimeSpan.FromSeconds(60), "the flood's waiting requests are refused (429)");

                    var polite = new List<(HttpStatusCode Status, string Body)>();
                    for (var i = 0; i < 8; i++)
                    {
                        using var response = await ThroughGatewayAsync(http, Organism.ShopApiKey, quantity: 1, sku: "e2e-polite", idempotencyKey: $"e2e-polite-{Guid.NewGuid():N}");
                        polite.Add((response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
                    }

                    polite.ShouldAllBe(a => a.Status == HttpStatusCode.Created, string.Join("\n", polite.Select(a => $"{(int)a.Status} {a.Body}")));
                    await AuditAsync(redis, "e2e-polite", polite);
                }
                finally
                {
                    await stop.CancelAsync();
                    await Task.WhenAll(flooding);
                }

                lock (flood)
                {
                    flood.ShouldContain(HttpStatusCode.Created, "the flood still gets what the polite client leaves");
                    flood.ShouldAllBe(s => s == HttpStatusCode.Created || s == HttpStatusCode.TooManyRequests || s == HttpStatusCode.ServiceUnavailable);
                }
            });
    }

    // Whether each (app, key, value) was applied in output: the cell logs "Hormone <store>/<key> = <value>" (HormoneSet).
    private static bool HormonesApplied(string output, params (string App, string Key, string Value)[] hormones)
    {
        var lines = output.Split('\n');
        return hormones.All(h => lines.Any(line => line.Contains($"== APP - {h.App} ==", StringComparison.Ordinal)
            && line.TrimEnd().EndsWith($"/{h.Key} = {h.Value}", StringComparison.Ordinal)));
    }
}
