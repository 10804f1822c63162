using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// The time formats of actor reminders and timers. <c>period</c> is a Go duration or an ISO 8601
/// duration with an optional <c>Rn/</c> prefix; <c>dueTime</c> and <c>ttl</c> are an RFC 3339 timestamp,
/// a Go duration or an ISO 8601 duration without repetitions, measured from a start instant.
/// </summary>
internal static partial class DaprTime
{
    /// <summary>
    /// Parses a period: ISO 8601 first (<c>R5/PT1M</c>, <c>P1D</c>), then a Go duration (<c>1m30s</c>),
    /// which has no calendar parts and <see cref="Iso8601Duration.Unlimited"/> repetitions.
    /// </summary>
    /// <param name="text">The period text.</param>
    /// <returns>The parsed period.</returns>
    /// <exception cref="FormatException">The text is neither format.</exception>
    public static Iso8601Duration ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseDuration(text, out var value)
            ? value
            : throw new FormatException($"unsupported duration format: {text}");
    }

    /// <summary>Tries to parse a period (ISO 8601 with optional repetitions, or a Go duration).</summary>
    /// <param name="text">The period text.</param>
    /// <param name="value">The parsed period when valid.</param>
    /// <returns>True when the text is valid.</returns>
    public static bool TryParseDuration([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Iso8601Duration? value)
    {
        if (Iso8601Duration.TryParse(text, out value))
        {
            return true;
        }

        if (GoDuration.TryParse(text, out var duration))
        {
            value = new Iso8601Duration(0, 0, 0, duration, Iso8601Duration.Unlimited);
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Resolves a due time or TTL to an instant: an ISO 8601 duration without repetitions or a Go duration
    /// is added to <paramref name="start"/>; otherwise the text must be an RFC 3339 timestamp
    /// (fractional seconds allowed).
    /// </summary>
    /// <param name="text">For example <c>PT2H</c>, <c>90s</c> or <c>2026-01-02T03:04:05Z</c>.</param>
    /// <param name="start">The instant a relative value counts from.</param>
    /// <returns>The resolved instant.</returns>
    /// <exception cref="FormatException">The text is in none of the formats, or has a repetition prefix.</exception>
    public static DateTimeOffset ParseTime(string text, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Iso8601Duration.TryParse(text, out var iso))
        {
            return iso.HasRepetitions
                ? throw new FormatException($"repetitions are not allowed: {text}")
                : iso.AddTo(start);
        }

        if (GoDuration.TryParse(text, out var duration))
        {
            return start.Add(duration);
        }

        return TryParseRfc3339(text, out var instant)
            ? instant
            : throw new FormatException($"unsupported time/duration format: {text}");
    }

    /// <summary>Parses an RFC 3339 timestamp with optional fractional seconds (beyond 100 ns they are truncated).</summary>
    /// <param name="text">For example <c>2026-01-02T03:04:05.123456789+02:00</c>.</param>
    /// <param name="value">The instant when valid.</param>
    /// <returns>True when the text is a valid RFC 3339 timestamp.</returns>
    public static bool TryParseRfc3339([NotNullWhen(true)] string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var match = Rfc3339Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        int Part(int group) => int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        var offset = TimeSpan.Zero;
        var zone = match.Groups[8].Value;
        if (zone != "Z")
        {
            var hours = int.Parse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            var minutes = int.Parse(zone.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            if (hours > 23 || minutes > 59)
            {
                return false;
            }

            offset = new TimeSpan(hours, minutes, 0);
            if (zone[0] == '-')
            {
                offset = -offset;
            }
        }

        try
        {
            value = new DateTimeOffset(Part(1), Part(2), Part(3), Part(4), Part(5), Part(6), offset);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }

        var fraction = match.Groups[7].Value;
        if (fraction.Length > 0)
        {
            var ticks = long.Parse(fraction.PadRight(7, '0').AsSpan(0, 7), NumberStyles.None, CultureInfo.InvariantCulture);
            value = value.AddTicks(ticks);
        }

        return true;
    }

    [GeneratedRegex(@"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339Pattern();
}
