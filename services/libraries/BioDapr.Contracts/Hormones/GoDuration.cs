using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace BioDapr.Contracts.Hormones;

/// <summary>
/// Go duration strings, as Dapr writes and reads them: <c>300ms</c>, <c>-1.5h</c>, <c>2h45m</c>,
/// <c>1us</c>/<c>1µs</c>, <c>0</c>. Parsing follows Go's <c>time.ParseDuration</c> (nanosecond precision,
/// at most about 292 years); the result is truncated to the 100 ns resolution of <see cref="TimeSpan"/>.
/// Formatting follows Go's <c>Duration.String()</c>: <c>1h0m0s</c>, <c>1m30s</c>, <c>500ms</c>, <c>1.5s</c>, <c>0s</c>.
/// </summary>
public static class GoDuration
{
    private const ulong NanosecondsPerTick = 100;
    private const ulong Overflow = 1UL << 63;

    /// <summary>Parses a Go duration string.</summary>
    /// <param name="text">The duration, for example <c>1m30s</c>.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="FormatException">The text is not a Go duration; the message says why.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseNanoseconds(text, out var nanoseconds, out var error)
            ? FromNanoseconds(nanoseconds)
            : throw new FormatException(error);
    }

    /// <summary>Tries to parse a Go duration string.</summary>
    /// <param name="text">The duration, for example <c>1m30s</c>.</param>
    /// <param name="value">The duration when the text is valid.</param>
    /// <returns>True when the text is a Go duration.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value)
    {
        if (text is not null && TryParseNanoseconds(text, out var nanoseconds, out _))
        {
            value = FromNanoseconds(nanoseconds);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Parses a Go duration string to whole nanoseconds, without the <see cref="TimeSpan"/> truncation.
    /// </summary>
    /// <param name="text">The duration text.</param>
    /// <param name="nanoseconds">The duration in nanoseconds when the text is valid.</param>
    /// <param name="error">Why the text is invalid, or null.</param>
    /// <returns>True when the text is a Go duration.</returns>
    public static bool TryParseNanoseconds(string text, out long nanoseconds, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        nanoseconds = 0;
        var invalid = $"invalid duration \"{text}\"";
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            error = null;
            return true;
        }

        if (s.IsEmpty)
        {
            error = invalid;
            return false;
        }

        ulong total = 0;
        while (!s.IsEmpty)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                error = invalid;
                return false;
            }

            var before = s.Length;
            if (!TryLeadingInt(ref s, out var whole))
            {
                error = invalid;
                return false;
            }

            var hasWhole = before != s.Length;
            var hasFraction = false;
            ulong fraction = 0;
            double scale = 1;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                var beforeFraction = s.Length;
                LeadingFraction(ref s, out fraction, out scale);
                hasFraction = beforeFraction != s.Length;
            }

            if (!hasWhole && !hasFraction)
            {
                error = invalid;
                return false;
            }

            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            if (unitLength == 0)
            {
                error = $"missing unit in duration \"{text}\"";
                return false;
            }

            var unitText = s[..unitLength];
            s = s[unitLength..];
            var unit = UnitNanoseconds(unitText);
            if (unit == 0)
            {
                error = $"unknown unit \"{unitText.ToString()}\" in duration \"{text}\"";
                return false;
            }

            if (whole > Overflow / unit)
            {
                error = invalid;
                return false;
            }

            whole *= unit;
            if (fraction > 0)
            {
                // Double precision is what Go uses here; it is nanosecond-exact up to hours.
                whole += (ulong)(fraction * (unit / scale));
                if (whole > Overflow)
                {
                    error = invalid;
                    return false;
                }
            }

            total += whole;
            if (total > Overflow)
            {
                error = invalid;
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = total == Overflow ? long.MinValue : -(long)total;
            error = null;
            return true;
        }

        if (total > Overflow - 1)
        {
            error = invalid;
            return false;
        }

        nanoseconds = (long)total;
        error = null;
        return true;
    }

    /// <summary>Formats a duration exactly like Go's <c>Duration.String()</c>.</summary>
    /// <param name="value">The duration.</param>
    /// <returns>For example <c>1h0m0s</c>, <c>1m30s</c>, <c>500ms</c>, <c>1.5s</c> or <c>0s</c>.</returns>
    public static string Format(TimeSpan value)
    {
        var negative = value.Ticks < 0;
        // UInt128 keeps TimeSpan.MinValue and durations beyond Go's 292-year range exact.
        var magnitude = negative ? (UInt128)(-(Int128)value.Ticks) : (UInt128)value.Ticks;
        return FormatNanoseconds(magnitude * NanosecondsPerTick, negative);
    }

    /// <summary>Formats a nanosecond count exactly like Go's <c>Duration.String()</c>.</summary>
    /// <param name="nanoseconds">The duration in nanoseconds.</param>
    /// <returns>The Go duration text.</returns>
    public static string FormatNanoseconds(long nanoseconds)
    {
        var negative = nanoseconds < 0;
        var magnitude = negative ? (UInt128)(-(Int128)nanoseconds) : (UInt128)nanoseconds;
        return FormatNanoseconds(magnitude, negative);
    }

    /// <summary>
    /// Parses a Dapr duration setting: a plain integer is a number of milliseconds, anything else is a Go
    /// duration (how Dapr reads resiliency timeouts and component settings such as <c>processingTimeout</c>).
    /// </summary>
    /// <param name="text">For example <c>1500</c> or <c>1.5s</c>.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="FormatException">The text is neither an integer nor a Go duration.</exception>
    public static TimeSpan ParseDaprDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseMilliseconds(text, out var milliseconds))
        {
            return milliseconds;
        }

        return TryParseNanoseconds(text, out var nanoseconds, out var error)
            ? FromNanoseconds(nanoseconds)
            : throw new FormatException(error);
    }

    /// <summary>Tries to parse a Dapr duration setting (integer milliseconds or a Go duration).</summary>
    /// <param name="text">For example <c>1500</c> or <c>1.5s</c>.</param>
    /// <param name="value">The duration when the text is valid.</param>
    /// <returns>True when the text is valid.</returns>
    public static bool TryParseDaprDuration([NotNullWhen(true)] string? text, out TimeSpan value)
    {
        if (text is null)
        {
            value = default;
            return false;
        }

        return TryParseMilliseconds(text, out value) || TryParse(text, out value);
    }

    private static bool TryParseMilliseconds(string text, out TimeSpan value)
    {
        // Go's strconv.Atoi: optional sign, ASCII digits only, no spaces.
        value = default;
        var digits = text.AsSpan();
        if (digits.Length > 0 && (digits[0] == '+' || digits[0] == '-'))
        {
            digits = digits[1..];
        }

        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return false;
        }

        // Go multiplies by time.Millisecond in int64 nanoseconds and wraps on overflow; we refuse instead.
        if (milliseconds is > long.MaxValue / 1_000_000 or < long.MinValue / 1_000_000)
        {
            return false;
        }

        value = TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);
        return true;
    }

    private static TimeSpan FromNanoseconds(long nanoseconds) => TimeSpan.FromTicks(nanoseconds / (long)NanosecondsPerTick);

    private static ulong UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00b5s" or "\u03bcs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => 0,
    };

    private static bool TryLeadingInt(ref ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (value > Overflow / 10)
            {
                return false;
            }

            value = (value * 10) + (ulong)(s[i] - '0');
            if (value > Overflow)
            {
                return false;
            }
        }

        s = s[i..];
        return true;
    }

    private static void LeadingFraction(ref ReadOnlySpan<char> s, out ulong value, out double scale)
    {
        value = 0;
        scale = 1;
        var overflowed = false;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            // Digits past int64 precision are consumed and ignored, as Go does.
            if (overflowed)
            {
                continue;
            }

            if (value > (Overflow - 1) / 10)
            {
                overflowed = true;
                continue;
            }

            var next = (value * 10) + (ulong)(s[i] - '0');
            if (next > Overflow)
            {
                overflowed = true;
                continue;
            }

            value = next;
            scale *= 10;
        }

        s = s[i..];
    }

    private static string FormatNanoseconds(UInt128 u, bool negative)
    {
        var builder = new StringBuilder(32);
        if (u < 1_000_000_000)
        {
            if (u == 0)
            {
                return "0s";
            }

            int precision;
            string unit;
            if (u < 1_000)
            {
                precision = 0;
                unit = "ns";
            }
            else if (u < 1_000_000)
            {
                precision = 3;
                unit = "\u00b5s";
            }
            else
            {
                precision = 6;
                unit = "ms";
            }

            var (whole, fraction) = SplitFraction(u, precision);
            builder.Append(whole.ToString(CultureInfo.InvariantCulture)).Append(fraction).Append(unit);
        }
        else
        {
            var (wholeSeconds, fraction) = SplitFraction(u, 9);
            var seconds = wholeSeconds % 60;
            var minutes = wholeSeconds / 60;
            if (minutes > 0)
            {
                var hours = minutes / 60;
                if (hours > 0)
                {
                    builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
                }

                builder.Append((minutes % 60).ToString(CultureInfo.InvariantCulture)).Append('m');
            }

            builder.Append(seconds.ToString(CultureInfo.InvariantCulture)).Append(fraction).Append('s');
        }

        return negative ? "-" + builder : builder.ToString();
    }

    // Splits off the lowest `precision` decimal digits as ".ddd" without trailing zeros ("" when they are all zero).
    private static (UInt128 Whole, string Fraction) SplitFraction(UInt128 value, int precision)
    {
        if (precision == 0)
        {
            return (value, "");
        }

        UInt128 divisor = 1;
        for (var i = 0; i < precision; i++)
        {
            divisor *= 10;
        }

        var digits = (value % divisor).ToString(CultureInfo.InvariantCulture).PadLeft(precision, '0').TrimEnd('0');
        return (value / divisor, digits.Length == 0 ? "" : "." + digits);
    }
}
