using System.Globalization;

namespace BioDapr.Scaling.Traces;

/// <summary>
/// A request-rate trace: arrivals counted per fixed bucket (<see cref="Step"/>), on a regular grid from
/// <see cref="Start"/>. Loaded from a <c>timestamp,value</c> CSV (docs/traces); the value is the count of
/// arrivals in the bucket that starts at the timestamp.
/// </summary>
public sealed record RateTrace(string Name, DateTime Start, TimeSpan Step, double[] Values, int FilledGaps)
{
    /// <summary>Buckets per day (the daily season length).</summary>
    public int BucketsPerDay => (int)(TimeSpan.FromDays(1) / Step);

    /// <summary>Index of the first bucket's position within its day (0 = the bucket that starts at midnight).</summary>
    public int PhaseOffset => (int)((Start - Start.Date) / Step);

    /// <summary>The series with its season and phase, as the forecasters take it.</summary>
    public RateSeries ToSeries() => new(Values, BucketsPerDay, PhaseOffset);

    /// <summary>Loads a trace file; every malformed line is an error naming the file, the line and what is wrong.</summary>
    public static RateTrace Load(string path, string name, GapFill gapFill = GapFill.Interpolate)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"trace file '{path}' does not exist", path);
        }

        return Parse(File.ReadLines(path), path, name, gapFill);
    }

    /// <summary>Parses trace lines (header first); <paramref name="source"/> names the input in errors.</summary>
    public static RateTrace Parse(IEnumerable<string> lines, string source, string name, GapFill gapFill = GapFill.Interpolate)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var points = new List<(DateTime Time, double Value)>();
        var lineNumber = 0;
        foreach (var raw in lines)
        {
            lineNumber++;
            var line = raw.Trim();
            if (lineNumber == 1)
            {
                if (!line.Equals("timestamp,value", StringComparison.OrdinalIgnoreCase))
                {
                    throw new FormatException($"{source}: line 1 must be the header 'timestamp,value', found '{Truncate(line)}'");
                }

                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || line.IndexOf(',', comma + 1) >= 0)
            {
                throw new FormatException($"{source}: line {lineNumber} must have exactly two fields 'timestamp,value', found '{Truncate(line)}'");
            }

            if (!DateTime.TryParseExact(line[..comma], ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                throw new FormatException($"{source}: line {lineNumber}: timestamp '{Truncate(line[..comma])}' is not 'yyyy-MM-dd HH:mm:ss'");
            }

            if (!double.TryParse(line[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
            {
                throw new FormatException($"{source}: line {lineNumber}: value '{Truncate(line[(comma + 1)..])}' is not a finite count >= 0");
            }

            if (points.Count > 0 && time <= points[^1].Time)
            {
                throw new FormatException($"{source}: line {lineNumber}: timestamp {time:yyyy-MM-dd HH:mm:ss} is not after the previous one ({points[^1].Time:yyyy-MM-dd HH:mm:ss}); a trace must be in time order without duplicates");
            }

            points.Add((time, value));
        }

        if (points.Count < 3)
        {
            throw new FormatException($"{source}: a trace needs at least 3 rows, found {points.Count}");
        }

        // The bucket size is the smallest spacing; every other spacing must be a whole multiple of it (gaps).
        var step = TimeSpan.MaxValue;
        for (var i = 1; i < points.Count; i++)
        {
            var gap = points[i].Time - points[i - 1].Time;
            step = gap < step ? gap : step;
        }

        if (TimeSpan.FromDays(1).Ticks % step.Ticks != 0)
        {
            throw new FormatException($"{source}: the bucket size {step} does not divide a day");
        }

        var values = new List<double> { points[0].Value };
        var filled = 0;
        for (var i = 1; i < points.Count; i++)
        {
            var gap = points[i].Time - points[i - 1].Time;
            if (gap.Ticks % step.Ticks != 0)
            {
                throw new FormatException($"{source}: row at {points[i].Time:yyyy-MM-dd HH:mm:ss} is {gap} after the previous one, not a whole number of {step} buckets");
            }

            var missing = (int)(gap.Ticks / step.Ticks) - 1;
            for (var k = 1; k <= missing; k++)
            {
                values.Add(gapFill == GapFill.Zero ? 0 : points[i - 1].Value + ((points[i].Value - points[i - 1].Value) * k / (missing + 1)));
            }

            filled += missing;
            values.Add(points[i].Value);
        }

        return new RateTrace(name, points[0].Time, step, [.. values], filled);
    }

    /// <summary>The buckets in [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) as a new trace.</summary>
    public RateTrace Slice(int from, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from + count, Values.Length);
        return this with { Start = Start + (Step * from), Values = Values[from..(from + count)] };
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
