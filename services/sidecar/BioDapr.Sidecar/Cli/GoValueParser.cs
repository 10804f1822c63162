using System.Globalization;
using System.Text;

namespace BioDapr.Sidecar.Cli;

/// <summary>
/// Parses flag values the way daprd's flag library does: Go <c>strconv</c> booleans and integers
/// (base prefixes allowed), comma-separated lists with CSV quoting, and Kubernetes resource
/// quantities for byte sizes (<c>4Mi</c>, <c>4M</c>, <c>4194304</c>).
/// </summary>
internal static class GoValueParser
{
    /// <summary>Go <c>strconv.ParseBool</c>.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>
    /// Go <c>strconv.ParseInt(s, 0, 64)</c>: optional sign, then decimal, <c>0x</c> hex, <c>0o</c>/leading-0
    /// octal or <c>0b</c> binary digits; underscores are allowed between digits only with a base prefix.
    /// </summary>
    public static bool TryParseInt64(string text, out long value)
    {
        value = 0;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (!TryParseMagnitude(s, out var magnitude))
        {
            return false;
        }

        if (negative)
        {
            if (magnitude > (UInt128)long.MaxValue + 1)
            {
                return false;
            }

            value = (long)(-(Int128)magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }

    /// <summary>Go <c>strconv.ParseUint(s, 0, 64)</c>: like <see cref="TryParseInt64"/> without a sign.</summary>
    public static bool TryParseUInt64(string text, out ulong value)
    {
        value = 0;
        if (!TryParseMagnitude(text, out var magnitude) || magnitude > ulong.MaxValue)
        {
            return false;
        }

        value = (ulong)magnitude;
        return true;
    }

    /// <summary>Go <c>strconv.Atoi</c>: optional sign and decimal digits only.</summary>
    public static bool TryParseDecimalInt(string text, out long value)
    {
        value = 0;
        var digits = text.AsSpan();
        if (digits.Length > 0 && (digits[0] == '+' || digits[0] == '-'))
        {
            digits = digits[1..];
        }

        return !digits.IsEmpty
            && !digits.ContainsAnyExceptInRange('0', '9')
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Splits a list flag value on commas, honouring CSV double quotes (<c>"a,b",c</c> is two items),
    /// as the flag library does for repeatable list flags.
    /// </summary>
    public static bool TrySplitList(string text, out List<string> items)
    {
        items = [];
        if (text.Length == 0)
        {
            return true;
        }

        var current = new StringBuilder();
        var i = 0;
        while (true)
        {
            current.Clear();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        return false;
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            current.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    current.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    return false;
                }
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    if (text[i] == '"')
                    {
                        return false;
                    }

                    current.Append(text[i++]);
                }
            }

            items.Add(current.ToString());
            if (i >= text.Length)
            {
                return true;
            }

            i++; // the comma
        }
    }

    /// <summary>
    /// Parses a Kubernetes resource quantity to a whole number of bytes: a decimal number with an optional
    /// binary suffix (<c>Ki Mi Gi Ti Pi Ei</c>), decimal suffix (<c>n u m k M G T P E</c>) or exponent
    /// (<c>e6</c>). The value must come out as a whole number.
    /// </summary>
    public static bool TryParseQuantity(string text, out long bytes, out string problem)
    {
        bytes = 0;
        problem = "";
        var s = text.AsSpan();
        var start = 0;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            start = 1;
        }

        var end = start;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        var number = s[..end];
        var digitsPart = s[start..end];
        if (digitsPart.IsEmpty || digitsPart.IndexOf('.') != digitsPart.LastIndexOf('.') || digitsPart is ".")
        {
            problem = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
            return false;
        }

        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            problem = "the number is out of range";
            return false;
        }

        var suffix = s[end..].ToString();
        decimal multiplier;
        try
        {
            multiplier = SuffixMultiplier(suffix);
        }
        catch (OverflowException)
        {
            problem = "the exponent is out of range";
            return false;
        }

        if (multiplier == 0)
        {
            problem = $"unable to parse quantity's suffix \"{suffix}\"";
            return false;
        }

        decimal total;
        try
        {
            total = amount * multiplier;
        }
        catch (OverflowException)
        {
            problem = "the value is out of range";
            return false;
        }

        if (total > long.MaxValue || total < long.MinValue)
        {
            problem = "the value is out of range";
            return false;
        }

        if (total != decimal.Truncate(total))
        {
            problem = "cannot get bytes from the quantity (it is not a whole number of bytes)";
            return false;
        }

        bytes = (long)total;
        return true;
    }

    private static decimal SuffixMultiplier(string suffix)
    {
        switch (suffix)
        {
            case "":
                return 1;
            case "Ki":
                return 1L << 10;
            case "Mi":
                return 1L << 20;
            case "Gi":
                return 1L << 30;
            case "Ti":
                return 1L << 40;
            case "Pi":
                return 1L << 50;
            case "Ei":
                return 1L << 60;
            case "n":
                return 0.000000001m;
            case "u":
                return 0.000001m;
            case "m":
                return 0.001m;
            case "k":
                return 1e3m;
            case "M":
                return 1e6m;
            case "G":
                return 1e9m;
            case "T":
                return 1e12m;
            case "P":
                return 1e15m;
            case "E":
                return 1e18m;
        }

        if (suffix.Length >= 2 && suffix[0] is 'e' or 'E'
            && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
            && !suffix.AsSpan(suffix[1] is '+' or '-' ? 2 : 1).ContainsAnyExceptInRange('0', '9'))
        {
            if (exponent is > 28 or < -28)
            {
                throw new OverflowException();
            }

            var result = 1m;
            for (var i = 0; i < Math.Abs(exponent); i++)
            {
                result = exponent > 0 ? result * 10 : result / 10;
            }

            return result;
        }

        return 0;
    }

    private static bool TryParseMagnitude(ReadOnlySpan<char> s, out UInt128 magnitude)
    {
        magnitude = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        var radix = 10;
        var prefixed = false;
        if (s.Length >= 2 && s[0] == '0')
        {
            switch (char.ToLowerInvariant(s[1]))
            {
                case 'x':
                    radix = 16;
                    s = s[2..];
                    prefixed = true;
                    break;
                case 'o':
                    radix = 8;
                    s = s[2..];
                    prefixed = true;
                    break;
                case 'b':
                    radix = 2;
                    s = s[2..];
                    prefixed = true;
                    break;
                default:
                    radix = 8;
                    s = s[1..];
                    prefixed = true;
                    break;
            }
        }

        if (s.IsEmpty && radix != 8)
        {
            return false;
        }

        var sawDigit = false;
        var previousUnderscore = false;
        foreach (var c in s)
        {
            if (c == '_')
            {
                // Go allows '_' only after a base prefix and only between digits.
                if (!prefixed || previousUnderscore)
                {
                    return false;
                }

                previousUnderscore = true;
                continue;
            }

            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }

            magnitude = (magnitude * (UInt128)radix) + (UInt128)digit;
            if (magnitude > ulong.MaxValue)
            {
                return false;
            }

            sawDigit = true;
            previousUnderscore = false;
        }

        return !previousUnderscore && (sawDigit || radix == 8);
    }
}
