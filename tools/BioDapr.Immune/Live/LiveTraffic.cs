using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BioDapr.Launcher;
using BioDapr.Scenarios.Immune;

namespace BioDapr.Immune.Live;

/// <summary>
/// Sends the labelled mix to the running gateway on its own schedule (open loop: a request leaves at its time whatever
/// the answers to earlier ones), each from its client's loopback address, and records what each got back. What the
/// mix describes becomes a real request: a legitimate order or a read of one of the client's own orders (its own
/// mistakes: a read of an order that does not exist, an order of quantity 0, a mistyped key); credential stuffing
/// posts guessed keys; scraping and the compromised key read order ids that mostly do not exist; a payload bomb posts
/// a body far over the gateway's limit (<c>Expect: 100-continue</c>, so the refusal comes before the body); a slow drip
/// trickles a small body over 30–60 s.
/// </summary>
internal sealed class LiveTraffic(LoopbackSources sources, IReadOnlyDictionary<string, string> keys, string sku, int seed)
{
    /// <summary>How long a request may take before it counts as not answered (a slow drip: its own hold plus this).</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<LiveOutcome> _outcomes = [];
    private readonly Random _random = new(seed);
    private readonly Lock _randomLock = new();

    /// <summary>Every request's outcome so far.</summary>
    public IReadOnlyCollection<LiveOutcome> Outcomes => _outcomes;

    /// <summary>An order of <paramref name="client"/> placed during the run, or null.</summary>
    public string? OrderOf(string client) => _orders.TryGetValue(client, out var queue) && queue.TryPeek(out var id) ? id : null;

    /// <summary>The clients with orders placed during the run.</summary>
    public IEnumerable<(string Client, string OrderId)> PlacedOrders() =>
        _orders.SelectMany(o => o.Value.Select(id => (o.Key, id)));

    /// <summary>
    /// Before the run, each legitimate client places one order from its first address (not counted), so that its reads
    /// read something from the start: without it, the first reads of every client would turn into orders and the
    /// detector would learn a mix of operations the clients do not have.
    /// </summary>
    public async Task SeedAsync(IEnumerable<(string Client, string Address)> clients, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (client, ct) =>
        {
            for (var attempt = 0; attempt < 5 && OrderOf(client.Client) is null; attempt++)
            {
                using var message = Post(keys[client.Client], Order(client.Client, 1));
                using var response = await sources.From(MixAddress.ToLoopback(client.Address)).SendAsync(message, ct);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Remember(client.Client, await response.Content.ReadAsStringAsync(ct));
                }
                else
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        });
    }

    /// <summary>Sends <paramref name="requests"/> (in time order) from <paramref name="clock"/>'s zero; returns when every answer is in.</summary>
    public async Task RunAsync(IEnumerable<LabelledRequest> requests, Stopwatch clock, TextWriter progress, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        var nextReport = TimeSpan.FromSeconds(30);
        foreach (var request in requests)
        {
            var wait = request.At - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(wait, cancellationToken);
            }

            if (clock.Elapsed >= nextReport)
            {
                var done = _outcomes.ToArray();
                await progress.WriteLineAsync($"{clock.Elapsed.TotalSeconds,5:0} s  sent {inFlight.Count,6}  answered {done.Length,6}  held by a quarantine {done.Count(o => o.Held),5}  not answered {done.Count(o => o.Status == 0),4}");
                nextReport += TimeSpan.FromSeconds(30);
            }

            inFlight.Add(SendAsync(request, clock, cancellationToken));
        }

        await Task.WhenAll(inFlight);
    }

    private async Task SendAsync(LabelledRequest request, Stopwatch clock, CancellationToken cancellationToken)
    {
        var source = MixAddress.ToLoopback(request.Address);
        var sentAt = clock.Elapsed;
        var sentUtc = DateTimeOffset.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Label == TrafficLabel.SlowDrip ? request.Duration + AnswerTimeout : AnswerTimeout);
        var status = 0;
        var held = false;
        string? failure = null;
        try
        {
            using var message = Build(request);
            using var response = await sources.From(source).SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            held = status is 403 or 429 && QuarantineTitle(body);
            if (status == (int)HttpStatusCode.Created && request.Client is not null && request.Label == TrafficLabel.Legitimate)
            {
                Remember(request.Client, body);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = ex is OperationCanceledException ? "no answer within the timeout" : ex.GetBaseException().Message;
        }

        _outcomes.Add(new LiveOutcome(request.Label, request.Episode, request.Client, source, sentAt.TotalSeconds, sentUtc, (clock.Elapsed - sentAt).TotalSeconds, status, held, failure));
    }

    private HttpRequestMessage Build(in LabelledRequest request)
    {
        var key = request.Client is { } client ? keys[client] : null;
        switch (request.Label)
        {
            case TrafficLabel.Legitimate when request.Status == 401:
                return Post("mistyped-" + Next(1_000_000), Order(request.Client ?? "someone", 1));
            case TrafficLabel.Legitimate when request.Read:
                // A read of its own latest order; before its first order, the client orders instead.
                var own = OrderOf(request.Client!);
                return request.Status == 404 ? Get(key!, Guid.NewGuid().ToString("N")) : own is null ? Post(key!, Order(request.Client!, 1)) : Get(key!, own);
            case TrafficLabel.Legitimate:
                return Post(key!, Order(request.Client!, request.Status == 400 ? 0 : 1 + Next(3)));
            case TrafficLabel.CredentialStuffing:
                return Post("guess-" + Next(int.MaxValue), Order("guess", 1));
            case TrafficLabel.Scraping:
                return Get(key!, Guid.NewGuid().ToString("N"));
            case TrafficLabel.CompromisedKey:
                var victims = OrderOf(request.Client!);
                return Next(2) == 0 && victims is not null ? Get(key!, victims) : Get(key!, Guid.NewGuid().ToString("N"));
            case TrafficLabel.PayloadBomb:
                var bomb = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(new byte[request.BodyBytes]) };
                bomb.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                bomb.Headers.ExpectContinue = true;
                bomb.Headers.Add("X-Api-Key", key);
                return bomb;
            default:
                var drip = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new DripContent(Order(request.Client!, 1), request.Duration) };
                drip.Headers.Add("X-Api-Key", key);
                return drip;
        }
    }

    private static HttpRequestMessage Get(string key, string orderId)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, "/api/orders/" + orderId);
        message.Headers.Add("X-Api-Key", key);
        return message;
    }

    private static HttpRequestMessage Post(string key, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add("X-Api-Key", key);
        return message;
    }

    private byte[] Order(string client, int quantity) =>
        JsonSerializer.SerializeToUtf8Bytes(new { customerId = client, sku, quantity });

    private int Next(int below)
    {
        lock (_randomLock)
        {
            return _random.Next(below);
        }
    }

    private void Remember(string client, string body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.TryGetProperty("orderId", out var id) && id.GetString() is { } orderId)
        {
            var queue = _orders.GetOrAdd(client, _ => new ConcurrentQueue<string>());
            queue.Enqueue(orderId);
            while (queue.Count > 20 && queue.TryDequeue(out _))
            {
            }
        }
    }

    // The gateway's quarantine answers are problem details titled so (ImmuneAdmissionExtensions.RefuseAsync).
    private static bool QuarantineTitle(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("title", out var title) && title.GetString() is "Quarantined" or "Throttled";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A small body sent a byte at a time over <c>hold</c>: a slow-drip (slow POST) connection.</summary>
    private sealed class DripContent(byte[] body, TimeSpan hold) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var pause = hold / Math.Max(1, body.Length);
            foreach (var b in body)
            {
                await stream.WriteAsync(new[] { b }, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                await Task.Delay(pause, cancellationToken);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}

/// <summary>What one request of the live run got back.</summary>
/// <param name="Label">Who sent it.</param>
/// <param name="Episode">Its attack episode, -1 for legitimate traffic.</param>
/// <param name="Client">The client its key named (null: no valid key).</param>
/// <param name="Source">The loopback address it came from.</param>
/// <param name="SentAt">When it left, seconds from the run's start.</param>
/// <param name="SentUtc">When it left.</param>
/// <param name="Seconds">How long until its answer (or its failure).</param>
/// <param name="Status">The HTTP status, 0 without an answer.</param>
/// <param name="Held">Answered by a quarantine (403 Quarantined or 429 Throttled).</param>
/// <param name="Failure">Why it got no answer.</param>
internal sealed record LiveOutcome(TrafficLabel Label, int Episode, string? Client, string Source, double SentAt, DateTimeOffset SentUtc, double Seconds, int Status, bool Held, string? Failure);
