namespace BioDapr.Redis;

/// <summary>The connection to Redis failed or could not be (re)established in time; the command's fate is unknown.</summary>
public sealed class RedisConnectionException(string message, Exception? inner = null) : Exception(message, inner);
