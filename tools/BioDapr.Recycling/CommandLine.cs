using System.Globalization;

namespace BioDapr.Recycling;

/// <summary>The tool's arguments: positional words, <c>--name value</c> options and bare <c>--flag</c>s.</summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--all" };

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            if (Flags.Contains(args[i]))
            {
                line._flags.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                line._values[args[i]] = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            }
            else
            {
                line.Positional.Add(args[i]);
            }
        }

        return line;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a positive whole number");

    public static double PositiveNumber(string name, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a positive number");

    /// <summary>A duration such as <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>7d</c> (or a .NET TimeSpan such as 00:15:00).</summary>
    public static TimeSpan Duration(string name, string text)
    {
        if (text.Length > 1 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'd': return TimeSpan.FromDays(amount);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new ArgumentException($"{name}: '{text}' is not a duration (for example 90s, 15m, 2h, 7d)");
    }
}
