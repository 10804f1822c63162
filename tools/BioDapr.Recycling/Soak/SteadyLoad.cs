using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace BioDapr.Recycling.Soak;

/// <summary>
/// Orders at a fixed rate, open loop: order n is due at n / rate seconds whatever the earlier answers, so a slow
/// organism shows as failures, not as a lower offered rate. Each order has its own Idempotency-Key; the API keys
/// alternate so each client stays under its own rate limit. At most 512 requests are in flight.
/// </summary>
internal sealed class SteadyLoad(HttpClient http, double rate, int seed, IReadOnlyList<string> apiKeys, string sku) : IDisposable
{
    private readonly SemaphoreSlim _inFlight = new(512);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _statuses = new();
    private long _sent;
    private long _accepted;
    private long _failed;

    public long Sent => Interlocked.Read(ref _sent);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The failures by HTTP status (0: no answer within the timeout, or the connection failed).</summary>
    public IReadOnlyDictionary<int, long> FailuresByStatus => new SortedDictionary<int, long>(_statuses);

    public void Dispose() => _inFlight.Dispose();

    public async Task RunAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        var start = clock.Elapsed;
        var pending = new List<Task>();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                var due = (long)((clock.Elapsed - start).TotalSeconds * rate);
                while (Sent < due)
                {
                    var n = Interlocked.Increment(ref _sent);
                    if (!_inFlight.Wait(0, CancellationToken.None))
                    {
                        Interlocked.Increment(ref _failed);
                        continue;
                    }

                    pending.Add(PlaceAsync(n));
                }

                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
            // The duration is over.
        }

        await Task.WhenAll(pending);
    }

    private async Task PlaceAsync(long n)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(new { customerId = $"soak-{n % 1000}", sku, quantity = 1 }),
            };
            request.Headers.Add("X-Api-Key", apiKeys[(int)(n % apiKeys.Count)]);
            request.Headers.Add("Idempotency-Key", $"soak-{seed}-{n}");
            using var response = await http.SendAsync(request, CancellationToken.None);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Interlocked.Increment(ref _accepted);
            }
            else
            {
                Interlocked.Increment(ref _failed);
                _statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _failed);
            _statuses.AddOrUpdate(0, 1, (_, count) => count + 1);
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
