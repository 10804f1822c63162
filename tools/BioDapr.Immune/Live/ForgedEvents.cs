using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace BioDapr.Immune.Live;

/// <summary>
/// Forged events during the live run: a cell that was taken over publishes, through its own sidecar, an event only
/// another cell may publish (a PaymentFailed or an OrderCancelled for a real order, which would cancel it; an OrderPlaced
/// that never went through the gateway), its CloudEvent <c>source</c> set to the rightful publisher. Topic scoping
/// (the pub/sub component's <c>publishingScopes</c>) must refuse each at the sidecar (403 <c>ERR_PUBSUB_FORBIDDEN</c>,
/// logged by the sidecar as a refused publish), or the component is not in the forging app's scopes at all (404
/// <c>ERR_PUBSUB_NOT_FOUND</c>); the targeted order must not change.
/// </summary>
internal sealed class ForgedEvents(HttpClient http, IReadOnlyDictionary<string, int> sidecarPorts)
{
    // (the sidecar that forges, the topic, the event type, the publisher it pretends to be)
    private static readonly (string Through, string Topic, string Type, string Source)[] Kinds =
    [
        ("inventory", "payments", "biodapr.payments.failed.v1", "payments"),
        ("notifications", "payments", "biodapr.payments.failed.v1", "payments"),
        ("payments", "orders", "biodapr.orders.placed.v1", "orders"),
        ("gateway", "orders", "biodapr.orders.cancelled.v1", "orders"),
    ];

    private readonly List<ForgedAttempt> _attempts = [];

    /// <summary>The attempts made.</summary>
    public IReadOnlyList<ForgedAttempt> Attempts => _attempts;

    /// <summary>Forges one event every <paramref name="every"/> from <paramref name="from"/> to <paramref name="until"/> on <paramref name="clock"/>; <paramref name="orderOf"/> picks a real order to target.</summary>
    public async Task RunAsync(Stopwatch clock, TimeSpan from, TimeSpan until, TimeSpan every, Func<int, (string Client, string OrderId)?> orderOf, CancellationToken cancellationToken)
    {
        var next = from;
        for (var n = 0; next < until; n++, next += every)
        {
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var (through, topic, type, source) = Kinds[n % Kinds.Length];
            var target = orderOf(n);
            var orderId = target?.OrderId ?? Guid.NewGuid().ToString("N");
            var id = $"forged-{n}";
            var cloudEvent = $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"{{{source}}}","type":"{{{type}}}","datacontenttype":"application/json","data":{"orderId":"{{{orderId}}}","customerId":"{{{target?.Client ?? "forger"}}}","sku":"live-immune","quantity":1,"reason":"forged","failedAt":"{{{DateTimeOffset.UtcNow:O}}}"}}""";
            using var content = new StringContent(cloudEvent, Encoding.UTF8, "application/cloudevents+json");
            var status = 0;
            string? errorCode = null;
            try
            {
                using var response = await http.PostAsync($"http://127.0.0.1:{sidecarPorts[through]}/v1.0/publish/pubsub/{topic}", content, cancellationToken);
                status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                errorCode = body.Length > 0 && body.TrimStart().StartsWith('{') && JsonDocument.Parse(body).RootElement.TryGetProperty("errorCode", out var code) ? code.GetString() : null;
            }
            catch (HttpRequestException ex)
            {
                errorCode = ex.Message;
            }

            _attempts.Add(new ForgedAttempt(id, through, topic, type, source, target?.Client, target?.OrderId, clock.Elapsed.TotalSeconds, status, errorCode));
        }
    }
}

/// <summary>One forged publish.</summary>
/// <param name="Id">The CloudEvent id.</param>
/// <param name="Through">The app whose sidecar it went through.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Type">The event type.</param>
/// <param name="PretendedSource">The publisher it pretended to be.</param>
/// <param name="Client">The owner of the order it targeted, if any.</param>
/// <param name="OrderId">The real order it targeted, if any.</param>
/// <param name="At">When, seconds from the run's start.</param>
/// <param name="Status">The sidecar's answer (403 when refused; 204 would mean it was published).</param>
/// <param name="ErrorCode">The sidecar's error code (ERR_PUBSUB_FORBIDDEN when scoping refused it).</param>
internal sealed record ForgedAttempt(string Id, string Through, string Topic, string Type, string PretendedSource, string? Client, string? OrderId, double At, int Status, string? ErrorCode)
{
    /// <summary>
    /// Refused at the sidecar: by topic scoping (403 <c>ERR_PUBSUB_FORBIDDEN</c>), or because the pub/sub component is not
    /// in the forging app's <c>scopes</c> at all, so its sidecar never loaded it (404 <c>ERR_PUBSUB_NOT_FOUND</c>, as daprd
    /// answers; the gateway since the vitals got their own component).
    /// </summary>
    public bool Refused => (Status == 403 && ErrorCode == "ERR_PUBSUB_FORBIDDEN") || (Status == 404 && ErrorCode == "ERR_PUBSUB_NOT_FOUND");

    /// <summary>Refused by topic scoping, which the sidecar logs as a refused publish.</summary>
    public bool RefusedByTopicScoping => Status == 403 && ErrorCode == "ERR_PUBSUB_FORBIDDEN";
}
