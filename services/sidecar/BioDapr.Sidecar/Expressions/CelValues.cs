using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// CEL's runtime value rules over CLR and JSON values: normalisation to CEL's types (int = <see cref="long"/>,
/// uint = <see cref="ulong"/>, double, bool, string, bytes = byte array, null, list, map), heterogeneous
/// equality and ordering (int, uint and double compare by numeric value), and list/map views.
/// JSON numbers are doubles, as in the map Dapr hands to its CEL environment after <c>json.Unmarshal</c>.
/// </summary>
internal static class CelValues
{
    /// <summary>Maps a CLR or JSON value to CEL's value representation; objects and arrays stay as they are.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        long or ulong or double or bool or string or byte[] => value,
        JsonElement json => json.ValueKind switch
        {
            JsonValueKind.String => json.GetString(),
            JsonValueKind.Number => json.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => json,
        },
        int i => (long)i,
        short s => (long)s,
        sbyte sb => (long)sb,
        byte b => (long)b,
        uint u => (ulong)u,
        ushort us => (ulong)us,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture),
        _ => value,
    };

    /// <summary>CEL's name for the type of a normalised value, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "null_type",
        long => "int",
        ulong => "uint",
        double => "double",
        bool => "bool",
        string => "string",
        byte[] => "bytes",
        _ when TryGetMap(value, out _) => "map",
        _ when TryGetList(value, out _) => "list",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or ulong or double;

    /// <summary>Reads a normalised value as a list (JSON array, CLR list or other non-string sequence).</summary>
    public static bool TryGetList(object? value, out IReadOnlyList<object?> list)
    {
        switch (value)
        {
            case JsonElement { ValueKind: JsonValueKind.Array } json:
                list = [.. json.EnumerateArray().Select(e => (object?)e)];
                return true;
            case IReadOnlyList<object?> readOnly when !IsMapLike(value):
                list = readOnly;
                return true;
            case string or byte[] or JsonElement or null:
                list = [];
                return false;
            case IEnumerable sequence when !IsMapLike(value):
                list = [.. sequence.Cast<object?>()];
                return true;
            default:
                list = [];
                return false;
        }
    }

    /// <summary>Reads a normalised value as a map (JSON object or CLR dictionary).</summary>
    public static bool TryGetMap(object? value, out CelMapView map)
    {
        switch (value)
        {
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                map = new CelMapView(json);
                return true;
            case IDictionary dictionary:
                map = new CelMapView(dictionary);
                return true;
            case IReadOnlyDictionary<string, object?> readOnly:
                map = new CelMapView(readOnly);
                return true;
            default:
                map = default;
                return false;
        }
    }

    /// <summary>CEL equality: heterogeneous numbers compare by value; different kinds are simply unequal.</summary>
    public static bool AreEqual(object? left, object? right)
    {
        left = Normalize(left);
        right = Normalize(right);
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (IsNumber(left) && IsNumber(right))
        {
            return CompareNumbers(left, right) == 0;
        }

        switch (left)
        {
            case string ls:
                return right is string rs && string.Equals(ls, rs, StringComparison.Ordinal);
            case bool lb:
                return right is bool rb && lb == rb;
            case byte[] lbytes:
                return right is byte[] rbytes && lbytes.AsSpan().SequenceEqual(rbytes);
        }

        if (TryGetMap(left, out var leftMap))
        {
            if (!TryGetMap(right, out var rightMap) || leftMap.Count != rightMap.Count)
            {
                return false;
            }

            foreach (var key in leftMap.Keys)
            {
                if (!rightMap.TryGetValue(key, out var rightValue)
                    || !leftMap.TryGetValue(key, out var leftValue)
                    || !AreEqual(leftValue, rightValue))
                {
                    return false;
                }
            }

            return true;
        }

        if (TryGetList(left, out var leftList))
        {
            if (!TryGetList(right, out var rightList) || leftList.Count != rightList.Count)
            {
                return false;
            }

            for (var i = 0; i < leftList.Count; i++)
            {
                if (!AreEqual(leftList[i], rightList[i]))
                {
                    return false;
                }
            }

            return true;
        }

        return Equals(left, right);
    }

    /// <summary>
    /// CEL ordering for <c>&lt; &lt;= &gt; &gt;=</c>: numbers across int/uint/double, strings by code point,
    /// bools (false before true) and bytes. A NaN cannot be ordered and is an error, as in CEL.
    /// </summary>
    public static int CompareForOrdering(object? left, object? right, string operatorText)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return CompareNumbers(left!, right!) ?? throw new CelEvaluationException("NaN values cannot be ordered");
        }

        return (left, right) switch
        {
            (string ls, string rs) => Math.Sign(string.CompareOrdinal(ls, rs)),
            (bool lb, bool rb) => lb.CompareTo(rb),
            (byte[] lbytes, byte[] rbytes) => Math.Sign(lbytes.AsSpan().SequenceCompareTo(rbytes)),
            _ => throw NoOverload(operatorText, left, right),
        };
    }

    public static CelEvaluationException NoOverload(string operatorText, object? left, object? right) =>
        new($"no such overload: {TypeName(left)} {operatorText} {TypeName(right)}");

    /// <summary>Compares two numbers of any CEL numeric type exactly; null when either is NaN.</summary>
    public static int? CompareNumbers(object left, object right)
    {
        switch (left, right)
        {
            case (long a, long b):
                return a.CompareTo(b);
            case (ulong a, ulong b):
                return a.CompareTo(b);
            case (double a, double b):
                return double.IsNaN(a) || double.IsNaN(b) ? null : a.CompareTo(b);
            case (long a, ulong b):
                return a < 0 ? -1 : ((ulong)a).CompareTo(b);
            case (ulong a, long b):
                return b < 0 ? 1 : a.CompareTo((ulong)b);
            case (long a, double b):
                return CompareIntegerToDouble(a, b);
            case (double a, long b):
                return -CompareIntegerToDouble(b, a);
            case (ulong a, double b):
                return CompareIntegerToDouble(a, b);
            case (double a, ulong b):
                return -CompareIntegerToDouble(b, a);
            default:
                return null;
        }
    }

    /// <summary>Formats a double like Go's <c>%g</c>, which CEL's <c>string(double)</c> uses: shortest round-trip digits, exponent form below 1e-4 and from 1e6 (<c>1e+06</c>).</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var sign = negative ? "-" : "";
        if (value == 0)
        {
            return sign + "0";
        }

        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = text;
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = text[..e];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var allDigits = integerPart + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        var leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        var digits = allDigits.Trim('0');
        // value = 0.<digits> x 10^pointPosition
        var pointPosition = integerPart.Length + exponent - leadingZeros;
        var decimalExponent = pointPosition - 1;
        if (decimalExponent < -4 || decimalExponent >= 6)
        {
            var fraction = digits.Length > 1 ? "." + digits[1..] : "";
            var exponentSign = decimalExponent < 0 ? "-" : "+";
            return $"{sign}{digits[0]}{fraction}e{exponentSign}{Math.Abs(decimalExponent):00}";
        }

        if (pointPosition <= 0)
        {
            return $"{sign}0.{new string('0', -pointPosition)}{digits}";
        }

        if (pointPosition >= digits.Length)
        {
            return sign + digits + new string('0', pointPosition - digits.Length);
        }

        return $"{sign}{digits[..pointPosition]}.{digits[pointPosition..]}";
    }

    private static int? CompareIntegerToDouble(Int128 integer, double value)
    {
        if (double.IsNaN(value))
        {
            return null;
        }

        // Beyond ±2^127 no CEL integer can reach the double; inside, compare the whole part exactly, then the fraction.
        if (value >= 1.7014118346046923e38)
        {
            return -1;
        }

        if (value <= -1.7014118346046923e38)
        {
            return 1;
        }

        var whole = Math.Truncate(value);
        var wholeInteger = (Int128)whole;
        if (integer != wholeInteger)
        {
            return integer < wholeInteger ? -1 : 1;
        }

        var fraction = value - whole;
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }

    private static bool IsMapLike(object value) =>
        value is IDictionary || value is IReadOnlyDictionary<string, object?> || value is JsonElement;
}
