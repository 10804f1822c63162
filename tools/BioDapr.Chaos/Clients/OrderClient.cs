using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace BioDapr.Chaos.Clients;

/// <summary>
/// A client of the public API as a careful real one behaves: every attempt of an order carries the same
/// Idempotency-Key; 5xx, 429, timeouts and refused connections are retried after the server's Retry-After or an
/// exponential, jittered backoff, until a final answer (201, or a 4xx that a retry would meet again) or the
/// client's patience runs out.
/// </summary>
public sealed class OrderClient(HttpClient http, int gatewayPort, TimeSpan patience, TimeProvider time)
{
    /// <summary>How long one attempt may take before the client treats it as failed.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Places <paramref name="order"/>, retrying as described above; with <paramref name="acceptRateLimit"/> (the hostile
    /// flood, which never backs off) a 429 to the first attempt is taken as the final answer instead of retried (after an
    /// attempt whose outcome is unknown, a 429 says nothing about the order: retried).
    /// </summary>
    public async Task PlaceAsync(DrivenOrder order, Random random, bool acceptRateLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(random);
        order.StartedAt = time.GetUtcNow();
        var giveUpAt = order.StartedAt + patience;
        for (var attempt = 0; ; attempt++)
        {
            order.Attempts++;
            var (status, orderId, retryAfter) = await SendAsync(order, order.Quantity, cancellationToken);
            if (orderId is not null)
            {
                order.Saw(orderId);
            }

            if (status is { } final && final < 500 && final != 408 && (final != 429 || (acceptRateLimit && order.Attempts == 1)))
            {
                order.FinalStatus = final;
                order.OrderId = orderId;
                order.AnsweredAt = time.GetUtcNow();
                return;
            }

            order.Failed(time.GetUtcNow(), status);
            var backoff = TimeSpan.FromMilliseconds(Math.Min(4000, 250 * Math.Pow(2, Math.Min(attempt, 5))) * (0.5 + random.NextDouble()));
            var delay = retryAfter is { } server && server > backoff ? server : backoff;
            if (time.GetUtcNow() + delay > giveUpAt)
            {
                order.GaveUp = true;
                order.AnsweredAt = time.GetUtcNow();
                return;
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>One attempt: the status (null when no answer came), the order id of a 201, the server's Retry-After.</summary>
    public async Task<(int? Status, string? OrderId, TimeSpan? RetryAfter)> SendAsync(DrivenOrder order, int quantity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{gatewayPort}/api/orders")
        {
            Content = JsonContent.Create(new { customerId = order.CustomerId, sku = order.Sku, quantity }),
        };
        request.Headers.Add("X-Api-Key", order.ApiKey);
        request.Headers.Add("Idempotency-Key", order.Key);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            string? orderId = null;
            if (response.StatusCode == HttpStatusCode.Created)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
                orderId = body.RootElement.GetProperty("orderId").GetString();
            }

            var retryAfter = response.Headers.RetryAfter?.Delta;
            return (status, orderId, retryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, null, null);
        }
        catch (JsonException)
        {
            // A 201 whose body is not the documented one: an answer, but not an order the client can use.
            return (502, null, null);
        }
    }

    /// <summary>Sends a raw body (the hostile client's oversized or malformed requests); returns the status or null.</summary>
    public async Task<int?> SendRawAsync(string? apiKey, string body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{gatewayPort}/api/orders")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Formats a status for notes (<c>none</c> for no answer).</summary>
    public static string Format(int? status) => status?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
