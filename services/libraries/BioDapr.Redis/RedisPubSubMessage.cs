namespace BioDapr.Redis;

/// <summary>A pub/sub message: the channel it was published on, the pattern that matched (PSUBSCRIBE), and the payload.</summary>
public sealed record RedisPubSubMessage(string Channel, string? Pattern, byte[] Payload);
