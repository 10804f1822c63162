using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BioDapr.Sidecar.Components.Secrets;

/// <summary>
/// Turns a JSON leaf of a secrets file into the string Dapr's <c>secretstores.local.file</c> returns.
/// Dapr formats every leaf with Go's <c>%s</c> verb, which only suits strings: other values come out as
/// Go's "bad verb" text, for example <c>%!s(float64=5432)</c>, <c>%!s(bool=true)</c> and
/// <c>%!s(&lt;nil&gt;)</c>. Apps written against real daprd may depend on (or work around) exactly that
/// text, so it is reproduced here rather than "fixed".
/// </summary>
internal static class LocalFileSecretValueFormatter
{
    /// <summary>Formats a string, boolean, null or number leaf; numbers must be finite doubles.</summary>
    public static string Format(JsonElement leaf) => leaf.ValueKind switch
    {
        JsonValueKind.String => leaf.GetString()!,
        JsonValueKind.True => "%!s(bool=true)",
        JsonValueKind.False => "%!s(bool=false)",
        JsonValueKind.Null => "%!s(<nil>)",
        JsonValueKind.Number => "%!s(float64=" + FormatGoFloat(leaf.GetDouble()) + ")",
        _ => throw new ArgumentException($"not a JSON leaf: {leaf.ValueKind}", nameof(leaf)),
    };

    /// <summary>
    /// Formats a double as Go's <c>%v</c> does (<c>strconv.FormatFloat(v, 'g', -1, 64)</c>): the shortest
    /// digits that round-trip, in exponent form when the decimal exponent is below -4 or at least 6
    /// (<c>1e+06</c>, <c>1.5e-05</c>), otherwise plain (<c>5432</c>, <c>0.0001</c>).
    /// </summary>
    public static string FormatGoFloat(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON numbers are finite");
        }

        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var (digits, pointPosition) = ShortestDigits(Math.Abs(value));
        var builder = new StringBuilder();
        if (negative)
        {
            builder.Append('-');
        }

        var exponent = pointPosition - 1;
        if (digits.Length > 0 && (exponent < -4 || exponent >= 6))
        {
            builder.Append(digits[0]);
            if (digits.Length > 1)
            {
                builder.Append('.').Append(digits, 1, digits.Length - 1);
            }

            builder.Append('e').Append(exponent < 0 ? '-' : '+');
            builder.Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
            return builder.ToString();
        }

        // Plain form: the integer part, then as many decimals as there are digits after the point.
        if (pointPosition <= 0)
        {
            builder.Append('0');
        }
        else
        {
            for (var i = 0; i < pointPosition; i++)
            {
                builder.Append(i < digits.Length ? digits[i] : '0');
            }
        }

        var decimals = Math.Max(digits.Length - pointPosition, 0);
        if (decimals > 0)
        {
            builder.Append('.');
            for (var i = 0; i < decimals; i++)
            {
                var index = pointPosition + i;
                builder.Append(index >= 0 && index < digits.Length ? digits[index] : '0');
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The shortest round-trip decimal digits of a non-negative finite double (no leading or trailing
    /// zeros; empty for zero) and the position of the decimal point relative to the first digit.
    /// </summary>
    private static (string Digits, int PointPosition) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? text : text.Remove(point, 1);
        var pointPosition = (point < 0 ? text.Length : point) + exponent;

        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits[leadingZeros..].TrimEnd('0');
        pointPosition -= leadingZeros;
        return digits.Length == 0 ? (string.Empty, 0) : (digits, pointPosition);
    }
}
