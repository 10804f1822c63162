namespace BioDapr.Redis;

/// <summary>Redis answered a command with an error reply (for example <c>WRONGTYPE …</c>, <c>NOGROUP …</c>).</summary>
public sealed class RedisServerException(string message) : Exception(message)
{
    /// <summary>The first word of the error (<c>ERR</c>, <c>WRONGTYPE</c>, <c>NOGROUP</c>, <c>BUSYGROUP</c>, …).</summary>
    public string Prefix { get; } = message.Split(' ', 2)[0];
}
