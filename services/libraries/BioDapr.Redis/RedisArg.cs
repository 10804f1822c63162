using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace BioDapr.Redis;

/// <summary>One command argument: text, bytes or a number, written binary-safe.</summary>
public readonly struct RedisArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _number;
    private readonly byte _kind;

    private RedisArg(string? text, ReadOnlyMemory<byte> bytes, long number, byte kind)
    {
        _text = text;
        _bytes = bytes;
        _number = number;
        _kind = kind;
    }

    /// <summary>A text argument (UTF-8).</summary>
    public static implicit operator RedisArg(string value) => new(value ?? string.Empty, default, 0, 0);

    /// <summary>A binary argument.</summary>
    public static implicit operator RedisArg(byte[] value) => new(null, value, 0, 1);

    /// <summary>A binary argument.</summary>
    public static implicit operator RedisArg(ReadOnlyMemory<byte> value) => new(null, value, 0, 1);

    /// <summary>An integer argument.</summary>
    public static implicit operator RedisArg(long value) => new(null, default, value, 2);

    /// <summary>An integer argument.</summary>
    public static implicit operator RedisArg(int value) => new(null, default, value, 2);

    /// <summary>A floating-point argument.</summary>
    public static implicit operator RedisArg(double value) => new(value.ToString("R", CultureInfo.InvariantCulture), default, 0, 0);

    /// <summary>Creates a text argument.</summary>
    public static RedisArg FromString(string value) => value;

    /// <summary>Creates a binary argument.</summary>
    public static RedisArg FromBytes(ReadOnlyMemory<byte> value) => value;

    /// <summary>Creates an integer argument.</summary>
    public static RedisArg FromInt64(long value) => value;

    /// <inheritdoc />
    public override string ToString() => _kind switch
    {
        0 => _text!,
        1 => Encoding.UTF8.GetString(_bytes.Span),
        _ => _number.ToString(CultureInfo.InvariantCulture),
    };

    internal void WriteTo(IBufferWriter<byte> writer)
    {
        switch (_kind)
        {
            case 0:
                var length = Encoding.UTF8.GetByteCount(_text!);
                WriteHeader(writer, (byte)'$', length);
                var span = writer.GetSpan(length);
                Encoding.UTF8.GetBytes(_text, span);
                writer.Advance(length);
                break;
            case 1:
                WriteHeader(writer, (byte)'$', _bytes.Length);
                writer.Write(_bytes.Span);
                break;
            default:
                Span<byte> digits = stackalloc byte[24];
                Utf8Formatter.TryFormat(_number, digits, out var written);
                WriteHeader(writer, (byte)'$', written);
                writer.Write(digits[..written]);
                break;
        }

        writer.Write("\r\n"u8);
    }

    internal static void WriteHeader(IBufferWriter<byte> writer, byte prefix, long count)
    {
        var span = writer.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(count, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        writer.Advance(3 + written);
    }
}
