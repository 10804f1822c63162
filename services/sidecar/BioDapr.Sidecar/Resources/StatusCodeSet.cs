using System.Globalization;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A retry policy's <c>matching.httpStatusCodes</c> or <c>matching.gRPCStatusCodes</c>: comma-separated
/// codes and <c>from-to</c> ranges such as <c>429,500-599</c>. Empty items are ignored.
/// </summary>
internal sealed class StatusCodeSet
{
    /// <summary>Valid HTTP status codes.</summary>
    public static readonly (int Min, int Max) HttpRange = (100, 599);

    /// <summary>Valid gRPC status codes.</summary>
    public static readonly (int Min, int Max) GrpcRange = (0, 16);

    private readonly (int From, int To)[] _ranges;

    private StatusCodeSet(string text, (int From, int To)[] ranges)
    {
        Text = text;
        _ranges = ranges;
    }

    /// <summary>The text as written.</summary>
    public string Text { get; }

    /// <summary>True when <paramref name="code"/> is in one of the ranges.</summary>
    public bool Contains(int code) => _ranges.Any(r => r.From <= code && code <= r.To);

    /// <summary>Parses a code list; codes outside <paramref name="valid"/> are an error.</summary>
    /// <exception cref="FormatException">The message says which item is wrong and why.</exception>
    public static StatusCodeSet Parse(string text, (int Min, int Max) valid)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ranges = new List<(int, int)>();
        foreach (var item in text.Split(','))
        {
            if (item.Length == 0)
            {
                continue;
            }

            var bounds = item.Split('-');
            if (bounds.Length > 2)
            {
                throw new FormatException($"invalid pattern {item}, more than one '-' exists");
            }

            var from = ParseCode(bounds[0], item, "start");
            var to = bounds.Length == 2 ? ParseCode(bounds[1], item, "end") : from;
            if (from < valid.Min || from > valid.Max)
            {
                throw new FormatException($"invalid pattern {item}, start code {from} is not valid (allowed {valid.Min}-{valid.Max})");
            }

            if (to < valid.Min || to > valid.Max)
            {
                throw new FormatException($"invalid pattern {item}, end code {to} is not valid (allowed {valid.Min}-{valid.Max})");
            }

            if (to < from)
            {
                throw new FormatException($"invalid pattern {item}, start value should not be bigger than end value");
            }

            ranges.Add((from, to));
        }

        return new StatusCodeSet(text, [.. ranges]);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static int ParseCode(string text, string item, string which)
    {
        var digits = text.Length > 0 && text[0] is '+' or '-' ? text.AsSpan(1) : text.AsSpan();
        return !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code)
            ? code
            : throw new FormatException($"failed to parse {which} code '{text}' from pattern {item} as an integer");
    }
}
