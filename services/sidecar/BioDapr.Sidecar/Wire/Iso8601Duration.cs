using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// An ISO 8601 duration as Dapr accepts it for actor reminders and timers:
/// <c>[Rn/]PnYnMnWnDTnHnMnS</c>, for example <c>PT2H30M</c>, <c>P1D</c> or <c>R5/PT1M</c>.
/// Years, months and days are calendar parts (added to a date, so a month is not a fixed length);
/// weeks count as seven days; hours, minutes and seconds make up <see cref="Time"/>.
/// </summary>
/// <remarks>
/// The accepted grammar is Dapr's: whole numbers only (an optional sign is allowed), designators in any
/// order, <c>T</c> before the time part, <c>M</c> meaning months before <c>T</c> and minutes after it.
/// Unlike Dapr, trailing digits without a designator and unknown characters are rejected rather than
/// ignored, so a typo such as <c>PT5</c> is reported instead of silently meaning zero.
/// </remarks>
/// <param name="Years">Calendar years.</param>
/// <param name="Months">Calendar months.</param>
/// <param name="Days">Calendar days (weeks are folded in as seven days each).</param>
/// <param name="Time">The fixed-length part: hours, minutes and seconds.</param>
/// <param name="Repetitions">The <c>Rn</c> prefix, or -1 when the text has none (repeat without limit).</param>
internal sealed record Iso8601Duration(int Years, int Months, int Days, TimeSpan Time, int Repetitions)
{
    /// <summary>The <see cref="Repetitions"/> value of a duration without an <c>Rn/</c> prefix.</summary>
    public const int Unlimited = -1;

    /// <summary>True when the text had an <c>Rn/</c> prefix.</summary>
    public bool HasRepetitions => Repetitions != Unlimited;

    /// <summary>True when years, months or days are set, so the length depends on the start date.</summary>
    public bool HasCalendarParts => Years != 0 || Months != 0 || Days != 0;

    /// <summary>Parses an ISO 8601 duration.</summary>
    /// <param name="text">For example <c>R3/PT10S</c>.</param>
    /// <returns>The parsed duration.</returns>
    /// <exception cref="FormatException">The text is not a supported ISO 8601 duration.</exception>
    public static Iso8601Duration Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var value)
            ? value
            : throw new FormatException($"unsupported ISO8601 duration format: {text}");
    }

    /// <summary>Tries to parse an ISO 8601 duration.</summary>
    /// <param name="text">For example <c>P1DT12H</c>.</param>
    /// <param name="value">The parsed duration when the text is valid.</param>
    /// <returns>True when the text is a supported ISO 8601 duration.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Iso8601Duration? value)
    {
        value = null;
        if (text is null || text.Length < 2)
        {
            return false;
        }

        var s = text.AsSpan();
        var repetitions = Unlimited;
        if (s[0] == 'R')
        {
            var slash = s.IndexOf('/');
            var count = slash < 0 ? s[1..] : s[1..slash];
            if (count.IsEmpty || !TryParseInt(count, out repetitions))
            {
                return false;
            }

            // Dapr accepts a bare repetition prefix ("R5/" or even "R5") as a zero duration.
            if (slash < 0 || slash == s.Length - 1)
            {
                value = new Iso8601Duration(0, 0, 0, TimeSpan.Zero, repetitions);
                return true;
            }

            s = s[(slash + 1)..];
        }

        if (s.IsEmpty || s[0] != 'P')
        {
            return false;
        }

        s = s[1..];
        int years = 0, months = 0, days = 0;
        var time = TimeSpan.Zero;
        var inTime = false;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c) || c is '+' or '-')
            {
                continue;
            }

            if (c == 'T')
            {
                if (start != i || inTime)
                {
                    return false;
                }

                inTime = true;
                start = i + 1;
                continue;
            }

            if (start == i || !TryParseInt(s[start..i], out var number))
            {
                return false;
            }

            try
            {
                switch (c)
                {
                    case 'Y' when !inTime:
                        years = number;
                        break;
                    case 'M' when !inTime:
                        months = number;
                        break;
                    case 'W' when !inTime:
                        days = checked(days + (number * 7));
                        break;
                    case 'D' when !inTime:
                        days = checked(days + number);
                        break;
                    case 'H' when inTime:
                        time = checked(time + TimeSpan.FromHours(number));
                        break;
                    case 'M' when inTime:
                        time = checked(time + TimeSpan.FromMinutes(number));
                        break;
                    case 'S' when inTime:
                        time = checked(time + TimeSpan.FromSeconds(number));
                        break;
                    default:
                        return false;
                }
            }
            catch (OverflowException)
            {
                return false;
            }

            start = i + 1;
        }

        if (start != s.Length)
        {
            return false;
        }

        value = new Iso8601Duration(years, months, days, time, repetitions);
        return true;
    }

    /// <summary>
    /// Adds this duration to <paramref name="start"/> the way Go's <c>AddDate</c> then <c>Add</c> do:
    /// years, months and days are added to the date fields and an overflowing day rolls into the next
    /// month (31 January plus one month is 3 March, or 2 March in a leap year), then <see cref="Time"/> is added.
    /// </summary>
    /// <param name="start">The instant to start from.</param>
    /// <returns>The resulting instant, in the same offset as <paramref name="start"/>.</returns>
    public DateTimeOffset AddTo(DateTimeOffset start)
    {
        var monthIndex = ((long)start.Year * 12) + (start.Month - 1) + ((long)Years * 12) + Months;
        var year = (int)Math.Floor(monthIndex / 12.0);
        var month = (int)(monthIndex - ((long)year * 12)) + 1;
        var firstOfMonth = new DateTimeOffset(year, month, 1, 0, 0, 0, start.Offset).Add(start.TimeOfDay);
        return firstOfMonth.AddDays(start.Day - 1 + (double)Days).Add(Time);
    }

    /// <summary>Returns the fixed length when the duration has no calendar parts.</summary>
    /// <param name="length">The length when this method returns true.</param>
    /// <returns>False when years, months or days are set.</returns>
    public bool TryGetFixedLength(out TimeSpan length)
    {
        length = HasCalendarParts ? default : Time;
        return !HasCalendarParts;
    }

    private static bool TryParseInt(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        var digits = text.Length > 0 && text[0] is '+' or '-' ? text[1..] : text;
        return !digits.IsEmpty
            && !digits.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
