using System.Globalization;
using System.Text;

namespace BioDapr.Redis;

/// <summary>One Redis reply.</summary>
public sealed class RedisReply
{
    private static readonly RedisReply[] NoItems = [];

    private RedisReply(RedisReplyKind kind, string? text = null, long integer = 0, byte[]? bytes = null, RedisReply[]? items = null)
    {
        Kind = kind;
        Text = text;
        Number = integer;
        Bytes = bytes;
        Items = items ?? NoItems;
    }

    /// <summary>The null reply.</summary>
    public static RedisReply Null { get; } = new(RedisReplyKind.Null);

    /// <summary>The reply type.</summary>
    public RedisReplyKind Kind { get; }

    /// <summary>The text of a simple string or an error.</summary>
    public string? Text { get; }

    /// <summary>The value of an integer reply.</summary>
    public long Number { get; }

    /// <summary>The bytes of a bulk string.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The elements of an array reply (empty otherwise).</summary>
    public IReadOnlyList<RedisReply> Items { get; }

    /// <summary>True for the null reply.</summary>
    public bool IsNull => Kind == RedisReplyKind.Null;

    /// <summary>True for an error reply.</summary>
    public bool IsError => Kind == RedisReplyKind.Error;

    /// <summary>The reply as text (bulk strings decoded as UTF-8); null for null.</summary>
    public string? AsString() => Kind switch
    {
        RedisReplyKind.BulkString => Encoding.UTF8.GetString(Bytes!),
        RedisReplyKind.SimpleString or RedisReplyKind.Error => Text,
        RedisReplyKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>The reply as bytes; null for null.</summary>
    public byte[]? AsBytes() => Kind switch
    {
        RedisReplyKind.BulkString => Bytes,
        RedisReplyKind.SimpleString or RedisReplyKind.Error or RedisReplyKind.Number => Encoding.UTF8.GetBytes(AsString()!),
        _ => null,
    };

    /// <summary>The reply as an integer (integer replies, or numeric strings).</summary>
    public long AsInt64() => Kind == RedisReplyKind.Number
        ? Number
        : long.TryParse(AsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidCastException($"the Redis reply ({Kind}) is not an integer");

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RedisReplyKind.Array => "[" + string.Join(", ", Items) + "]",
        RedisReplyKind.Null => "(nil)",
        _ => AsString() ?? string.Empty,
    };

    internal static RedisReply Simple(string text) => new(RedisReplyKind.SimpleString, text);

    internal static RedisReply Error(string text) => new(RedisReplyKind.Error, text);

    internal static RedisReply Int(long value) => new(RedisReplyKind.Number, integer: value);

    internal static RedisReply Bulk(byte[] bytes) => new(RedisReplyKind.BulkString, bytes: bytes);

    internal static RedisReply Array(RedisReply[] items) => new(RedisReplyKind.Array, items: items);
}
