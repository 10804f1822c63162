namespace BioDapr.Redis;

/// <summary>The RESP2 reply types.</summary>
public enum RedisReplyKind
{
    /// <summary><c>+OK</c>.</summary>
    SimpleString,

    /// <summary><c>-ERR …</c>.</summary>
    Error,

    /// <summary><c>:42</c>.</summary>
    Number,

    /// <summary><c>$n</c> bytes.</summary>
    BulkString,

    /// <summary><c>*n</c> replies.</summary>
    Array,

    /// <summary>The null bulk string or null array.</summary>
    Null,
}
