namespace BioDapr.Chaos.Clients;

/// <summary>One order a client of the chaos run sent (with its Idempotency-Key) and everything it was answered.</summary>
public sealed class DrivenOrder(string client, string apiKey, string key, string sku, int quantity, string customerId, bool hostile)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _orderIds = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, int? Status)> _errors = [];

    /// <summary>The client's name as the gateway knows it (its API key's name).</summary>
    public string Client { get; } = client;

    /// <summary>The client's API key.</summary>
    public string ApiKey { get; } = apiKey;

    /// <summary>The Idempotency-Key every attempt of this order carries.</summary>
    public string Key { get; } = key;

    /// <summary>What is ordered.</summary>
    public string Sku { get; } = sku;

    /// <summary>How many.</summary>
    public int Quantity { get; } = quantity;

    /// <summary>Who orders.</summary>
    public string CustomerId { get; } = customerId;

    /// <summary>Sent by the hostile client (its flood: no retries).</summary>
    public bool Hostile { get; } = hostile;

    /// <summary>When the first attempt was sent.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Attempts sent (the first one and the client's retries).</summary>
    public int Attempts { get; set; }

    /// <summary>The final answer's status (201, or a 4xx a retry would meet again); null while unanswered.</summary>
    public int? FinalStatus { get; set; }

    /// <summary>When the final answer came.</summary>
    public DateTimeOffset? AnsweredAt { get; set; }

    /// <summary>The client stopped retrying without a final answer.</summary>
    public bool GaveUp { get; set; }

    /// <summary>The order id of the first 201.</summary>
    public string? OrderId { get; set; }

    /// <summary>True when the order was accepted (201).</summary>
    public bool Accepted => FinalStatus == 201;

    /// <summary>Every distinct order id any answer for this key carried (more than one is a duplicate).</summary>
    public IReadOnlyCollection<string> OrderIdsSeen
    {
        get
        {
            lock (_lock)
            {
                return [.. _orderIds];
            }
        }
    }

    /// <summary>When an attempt met an error that the client retries (5xx, 429, timeout, refused connection).</summary>
    public IReadOnlyList<(DateTimeOffset At, int? Status)> RetryableErrors
    {
        get
        {
            lock (_lock)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Records an order id an answer carried.</summary>
    public void Saw(string orderId)
    {
        lock (_lock)
        {
            _orderIds.Add(orderId);
        }
    }

    /// <summary>Records a retryable error (its status; null when no answer came).</summary>
    public void Failed(DateTimeOffset at, int? status)
    {
        lock (_lock)
        {
            _errors.Add((at, status));
        }
    }
}
